"""What a recipe step's email looks like for this store: real data when the store has some.

The admin's live preview and its test emails render a step with the real renderer from an
`EmailContext` built the way the engine builds one: the recipe's own `compose` over facts read
from the mirror (app/core/facts.py) for a real customer of the store, the newest that gives the
step something to show (a cart with lines, a viewed product still on sale, an order with
recommendations). A store with no such data yet gets `sample_context`'s shopper and products
under the store's own branding. Nothing is written: no enrollment, no message, no code. A step
that carries a discount shows a placeholder code with the value and expiry the recipe's settings
would give a real one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.core import facts
from app.core.compose import StepEmail, email_context
from app.core.discounts import discount_label, spec_from_settings
from app.core.messaging.contracts import EmailContext
from app.core.messaging.variables import sample_context
from app.core.recipes import get_recipe
from app.core.recipes.abandoned_cart import Basket, CartFacts
from app.core.recipes.base import Content, Recipe
from app.core.recipes.birthday import BirthdayFacts
from app.core.recipes.cross_sell import OrderFacts
from app.core.recipes.product_interest import InterestFacts
from app.core.store_settings import branding_for, effective_timezone, store_home_url
from app.core.tenancy import StoreScope
from app.db.models import Cart, Customer, Order, ProductView

#: The code a preview or test email shows where a real email would carry a unique one.
PLACEHOLDER_CODE = "PREVIEW-CODE"
#: How many recent carts, views or orders are tried before falling back to the sample.
CANDIDATES = 20
#: What an enrollment's context says when previewing (a first-time abandoner gets the code).
PREVIEW_CONTEXT: Mapping[str, Any] = {"first_time": True}


@dataclass(frozen=True)
class PreviewEmail:
    """The context a step renders from, and whose data it shows."""

    context: EmailContext
    #: "customer" (a real customer of the store) or "sample".
    source: str
    customer_id: int | None = None
    customer_email: str | None = None


def preview_email(
    scope: StoreScope,
    recipe_name: str,
    step: int,
    settings: Mapping[str, Any],
    *,
    unsubscribe_url: str,
    now: datetime,
) -> PreviewEmail:
    """The context of `recipe_name` step `step` (0-based) for a real customer, else the sample."""
    recipe = get_recipe(recipe_name)
    for customer, step_facts in _real_candidates(scope, recipe_name, settings, now):
        content = recipe.compose(step, step_facts, settings, PREVIEW_CONTEXT)
        if isinstance(content, Content):
            context = _context(scope, recipe, step, settings, customer, content, unsubscribe_url)
            return PreviewEmail(
                _with_code(context, recipe, settings, content, now),
                "customer",
                customer.id,
                customer.email,
            )
    return PreviewEmail(
        _sample(scope, recipe, step, settings, unsubscribe_url, now), "sample", None, None
    )


def addressed_to(preview: PreviewEmail, email: str, unsubscribe_url: str) -> EmailContext:
    """The preview's context sent to another address (a test email) with that address's link."""
    return replace(preview.context, to_email=email, unsubscribe_url=unsubscribe_url)


def _context(
    scope: StoreScope,
    recipe: Recipe[Any],
    step: int,
    settings: Mapping[str, Any],
    customer: Customer,
    content: Content,
    unsubscribe_url: str,
) -> EmailContext:
    email = StepEmail(
        store=scope.store,
        customer=customer,
        recipe=recipe.name,
        step=step,
        step_count=recipe.step_count(settings),
        enrollment_id=0,
    )
    context = email_context(email, content, None, unsubscribe_url)
    zone = customer.timezone or effective_timezone(scope.store)
    return replace(context, timezone=zone)


def _with_code(
    context: EmailContext,
    recipe: Recipe[Any],
    settings: Mapping[str, Any],
    content: Content,
    now: datetime,
) -> EmailContext:
    if content.discount is None:
        return context
    spec = spec_from_settings(recipe.title, settings, now, currency=context.currency)
    return replace(
        context,
        code=PLACEHOLDER_CODE,
        code_expires_at=spec.ends_at,
        discount_label=discount_label(spec.kind, spec.value, context.currency),
    )


# --- real customers -------------------------------------------------------------------------


def _real_candidates(
    scope: StoreScope, recipe: str, settings: Mapping[str, Any], now: datetime
) -> Iterator[tuple[Customer, Any]]:
    sources = {
        "abandoned_cart": _cart_candidates,
        "product_interest": _view_candidates,
        "cross_sell": _order_candidates,
        "birthday": _birthday_candidates,
    }
    for customer, step_facts in sources[recipe](scope, settings, now):
        if customer.email and customer.redacted_at is None:
            yield customer, step_facts


def _customer(scope: StoreScope, customer_id: int | None) -> Customer | None:
    return scope.get(Customer, customer_id) if customer_id is not None else None


def _cart_candidates(
    scope: StoreScope, _settings: Mapping[str, Any], now: datetime
) -> Iterator[tuple[Customer, CartFacts]]:
    carts = scope.all(
        scope.select(Cart)
        .where(Cart.customer_id.is_not(None))
        .order_by(Cart.completed_at.is_not(None), Cart.platform_updated_at.desc())
        .limit(CANDIDATES)
    )
    for cart in carts:
        customer = _customer(scope, cart.customer_id)
        if customer is not None and cart.lines:
            ref = facts.basket_ref(cart)
            yield customer, facts.cart_facts(scope.session, scope.store, customer, ref, now)


def _view_candidates(
    scope: StoreScope, settings: Mapping[str, Any], now: datetime
) -> Iterator[tuple[Customer, InterestFacts]]:
    views = scope.rows(
        select(ProductView.customer_id, ProductView.product_platform_id)
        .where(scope.owns(ProductView), ProductView.customer_id.is_not(None))
        .order_by(ProductView.viewed_at.desc())
        .limit(CANDIDATES)
    )
    for customer_id, product_id in dict.fromkeys(views):
        customer = _customer(scope, customer_id)
        if customer is not None:
            yield (
                customer,
                facts.interest_facts(
                    scope.session, scope.store, customer, product_id, settings, now, compose=True
                ),
            )


def _order_candidates(
    scope: StoreScope, settings: Mapping[str, Any], now: datetime
) -> Iterator[tuple[Customer, OrderFacts]]:
    orders = scope.all(
        scope.select(Order)
        .where(Order.customer_id.is_not(None))
        .order_by(Order.placed_at.desc())
        .limit(CANDIDATES)
    )
    for order in orders:
        customer = _customer(scope, order.customer_id)
        if customer is not None:
            limit = settings["max_recommendations"]
            yield (
                customer,
                facts.order_facts(
                    scope.session, scope.store, customer, order.platform_id, now, limit=limit
                ),
            )


def _birthday_candidates(
    scope: StoreScope, _settings: Mapping[str, Any], _now: datetime
) -> Iterator[tuple[Customer, BirthdayFacts]]:
    customers = scope.all(
        scope.select(Customer)
        .where(Customer.email.is_not(None))
        .order_by(Customer.birth_month.is_(None), Customer.id.desc())
        .limit(CANDIDATES)
    )
    for customer in customers:
        yield customer, facts.birthday_facts(scope.store, customer)


# --- the sample -----------------------------------------------------------------------------


def _sample(
    scope: StoreScope,
    recipe: Recipe[Any],
    step: int,
    settings: Mapping[str, Any],
    unsubscribe_url: str,
    now: datetime,
) -> EmailContext:
    """`sample_context`'s shopper and products, composed by the recipe, in the store's colours."""
    store = scope.store
    sample = sample_context(recipe.name, step)
    sample_facts = _sample_facts(recipe.name, sample, store_home_url(store), now)
    content = recipe.compose(step, sample_facts, settings, PREVIEW_CONTEXT)
    products = content.products if isinstance(content, Content) else sample.products
    context = replace(
        sample,
        branding=branding_for(store),
        currency=store.currency,
        locale=store.locale,
        timezone=effective_timezone(store),
        unsubscribe_url=unsubscribe_url,
        products=products,
        cta_url=content.cta_url if isinstance(content, Content) else sample.cta_url,
        extra={"step_count": str(recipe.step_count(settings))},
        code=None,
        code_expires_at=None,
        discount_label=None,
    )
    if not isinstance(content, Content):
        return context
    return _with_code(context, recipe, settings, content, now)


def _sample_facts(recipe: str, sample: EmailContext, store_url: str, now: datetime) -> Any:
    products = sample.products
    if recipe == "abandoned_cart":
        subtotal = sample.cart_subtotal or sum((item.price for item in products), Decimal(0))
        basket = Basket("sample", products, subtotal, sample.currency, now, now)
        return CartFacts(basket=basket, store_url=store_url)
    if recipe == "product_interest":
        viewed = (now - timedelta(hours=5), now - timedelta(hours=4))
        return InterestFacts("sample", products[0], viewed, related=products[1:])
    if recipe == "cross_sell":
        paid = now - timedelta(days=7)
        return OrderFacts("sample", paid, "paid", False, store_url, recommendations=products)
    return BirthdayFacts(now.month, now.day, sample.timezone or "UTC", store_url)
