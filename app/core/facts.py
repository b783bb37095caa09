"""Read the mirror into the facts each recipe plans over. Reads only; never writes.

Every loader takes `now` and ignores what happened after it, so the dry run can ask "what did
the store look like then" with the same code the live engine uses. (Carts are mirrored as their
last state only, so a replay sees today's lines; the dry run's report says so.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.core import recommend
from app.core.messaging.contracts import EmailProduct
from app.core.recipes.abandoned_cart import Basket, CartFacts
from app.core.recipes.base import PastEnrollment, from_iso
from app.core.recipes.birthday import BirthdayFacts
from app.core.recipes.cross_sell import OrderFacts
from app.core.recipes.product_interest import InterestFacts, ref_product
from app.core.store_settings import effective_timezone, store_home_url
from app.db.models import Cart, Customer, Enrollment, Order, OrderLine, Product, ProductView, Store


def history(
    session: Session, store: Store, recipe: str, customer_id: int
) -> tuple[PastEnrollment, ...]:
    """The customer's enrollments in this recipe, oldest first."""
    rows = session.execute(
        select(Enrollment)
        .where(
            Enrollment.store_id == store.id,
            Enrollment.recipe == recipe,
            Enrollment.customer_id == customer_id,
        )
        .order_by(Enrollment.created_at)
    ).scalars()
    return tuple(
        PastEnrollment(
            trigger_ref=row.trigger_ref,
            created_at=row.created_at,
            messaged=row.step > 0,
            open=row.state in ("active", "claimed"),
        )
        for row in rows
    )


# --- Abandoned cart ---------------------------------------------------------------------------


def basket_ref(cart: Cart) -> str:
    """A cart and the checkout made from it share one basket: the cart's token."""
    return cart.cart_token or cart.platform_token


def cart_facts(
    session: Session,
    store: Store,
    customer: Customer,
    ref: str,
    now: datetime,
    since: datetime | None = None,
    *,
    products: bool = True,
) -> CartFacts:
    """The basket `ref` as last reported, and whether the customer ordered or moved on since.

    `products=False` leaves the catalog out of the line blocks (no product links or images
    beyond what the lines carry): enough to decide, not to compose an email.
    """
    basket = load_basket(session, store, ref, now, products=products)
    base = store_home_url(store)
    if basket is None:
        return CartFacts(basket=None, store_url=base)
    started = since or basket.started_at
    return CartFacts(
        basket=basket,
        store_url=base,
        ordered_at=_first_order_since(session, store, customer, started, now),
        newer_basket_at=_newer_basket(session, store, customer, basket, now),
    )


def load_basket(
    session: Session, store: Store, ref: str, now: datetime, *, products: bool = True
) -> Basket | None:
    """The cart and checkout rows of basket `ref`, merged: the latest row's lines win."""
    rows = list(
        session.execute(
            select(Cart).where(
                Cart.store_id == store.id,
                or_(Cart.platform_token == ref, Cart.cart_token == ref),
            )
        ).scalars()
    )
    if not rows:
        return None
    rows.sort(key=lambda row: row.platform_updated_at, reverse=True)
    latest = rows[0]
    return Basket(
        ref=ref,
        lines=_line_blocks(session, store, latest.lines, products=products),
        subtotal=latest.subtotal_price,
        currency=latest.currency,
        last_activity=latest.platform_updated_at,
        started_at=min(min(row.created_at, row.platform_updated_at) for row in rows),
        completed=any(row.completed_at is not None and row.completed_at <= now for row in rows),
        email=next((row.email for row in rows if row.email), None),
        recovery_url=next((row.recovery_url for row in rows if row.recovery_url), None),
    )


def _line_blocks(
    session: Session, store: Store, lines: list[dict[str, Any]], *, products: bool = True
) -> tuple[EmailProduct, ...]:
    ids = [line["product_id"] for line in lines if line.get("product_id")]
    catalog = (
        {
            product.platform_id: product
            for product in session.execute(
                select(Product)
                # Every block reads its product's variants: in the same query, not one each.
                .options(joinedload(Product.variants))
                .where(Product.store_id == store.id, Product.platform_id.in_(ids))
            )
            .unique()
            .scalars()
        }
        if products and ids
        else {}
    )
    blocks = []
    for line in lines:
        product = catalog.get(line.get("product_id") or "")
        fallback = recommend.product_block(store, product) if product is not None else None
        blocks.append(
            EmailProduct(
                title=line.get("title") or (product.title if product else ""),
                url=line.get("url") or (fallback.url if fallback else store_home_url(store)),
                price=Decimal(str(line.get("price") or "0")),
                image_url=line.get("image_url") or (fallback.image_url if fallback else None),
                variant_title=line.get("variant_title"),
                quantity=int(line.get("quantity") or 1),
            )
        )
    return tuple(blocks)


def _owned_by(customer: Customer) -> Any:
    owner = Order.customer_id == customer.id
    return or_(owner, Order.email == customer.email) if customer.email else owner


def _first_order_since(
    session: Session, store: Store, customer: Customer, since: datetime, now: datetime
) -> datetime | None:
    placed: datetime | None = session.execute(
        select(func.min(Order.placed_at)).where(
            Order.store_id == store.id,
            _owned_by(customer),
            Order.placed_at >= since,
            Order.placed_at <= now,
        )
    ).scalar_one_or_none()
    return placed


def _newer_basket(
    session: Session, store: Store, customer: Customer, basket: Basket, now: datetime
) -> datetime | None:
    rows = session.execute(
        select(Cart).where(
            Cart.store_id == store.id,
            Cart.customer_id == customer.id,
            Cart.completed_at.is_(None),
            Cart.platform_updated_at > basket.last_activity,
            Cart.platform_updated_at <= now,
        )
    ).scalars()
    newer = [row.platform_updated_at for row in rows if basket_ref(row) != basket.ref and row.lines]
    return max(newer, default=None)


# --- Product interest -------------------------------------------------------------------------


def interest_facts(
    session: Session,
    store: Store,
    customer: Customer,
    product_id: str,
    settings: Mapping[str, Any],
    now: datetime,
    *,
    compose: bool = False,
) -> InterestFacts:
    """The customer's recent views of a product, and whether they carted or bought it."""
    views = session.execute(
        select(ProductView.viewed_at)
        .where(
            ProductView.store_id == store.id,
            ProductView.customer_id == customer.id,
            ProductView.product_platform_id == product_id,
            ProductView.viewed_at.between(now - timedelta(days=settings["window_days"]), now),
        )
        .order_by(ProductView.viewed_at)
    ).scalars()
    product = session.execute(
        select(Product)
        .options(selectinload(Product.variants))
        .where(Product.store_id == store.id, Product.platform_id == product_id)
    ).scalar_one_or_none()
    shown = (
        recommend.product_block(store, product)
        if product is not None and recommend.is_available(product)
        else None
    )
    bought_since = now - timedelta(days=settings["recent_purchase_days"])
    wanted = settings["related_count"] if compose and shown is not None else 0
    return InterestFacts(
        product_id=product_id,
        product=shown,
        views=tuple(views),
        carted=_in_open_cart(session, store, customer, product_id, now),
        bought=_bought_since(session, store, customer, product_id, bought_since, now),
        related=_related(session, store, customer, product_id, wanted, now),
    )


def _related(
    session: Session, store: Store, customer: Customer, product_id: str, limit: int, now: datetime
) -> tuple[EmailProduct, ...]:
    if not limit:
        return ()
    exclude = recommend.bought_product_ids(session, store, customer.id, customer.email)
    picks = recommend.recommend(session, store, [product_id], exclude=exclude, limit=limit, now=now)
    return tuple(picks)


def _in_open_cart(
    session: Session, store: Store, customer: Customer, product_id: str, now: datetime
) -> bool:
    carts = session.execute(
        select(Cart.lines).where(
            Cart.store_id == store.id,
            Cart.customer_id == customer.id,
            Cart.completed_at.is_(None),
            Cart.platform_updated_at <= now,
        )
    ).scalars()
    return any(line.get("product_id") == product_id for lines in carts for line in lines or ())


def _bought_since(
    session: Session,
    store: Store,
    customer: Customer,
    product_id: str,
    since: datetime,
    now: datetime,
) -> bool:
    found = session.execute(
        select(OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.store_id == store.id,
            OrderLine.product_platform_id == product_id,
            # Named on orders too: the customer and email indexes of orders start with the
            # store, and without it a popular product's lines were checked order by order
            # (issue 10: 80 ms on 400,000 lines; 5 ms with it).
            Order.store_id == store.id,
            _owned_by(customer),
            Order.placed_at.between(since, now),
        )
        .limit(1)
    ).first()
    return found is not None


# --- Cross-sell -------------------------------------------------------------------------------


def order_facts(
    session: Session,
    store: Store,
    customer: Customer,
    order_id: str,
    now: datetime,
    *,
    limit: int = 0,
) -> OrderFacts:
    """An order's payment and reversal state; with `limit`, recommendations for it too."""
    order = session.execute(
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.store_id == store.id, Order.platform_id == order_id)
    ).scalar_one_or_none()
    base = store_home_url(store)
    if order is None:
        return OrderFacts(order_id, None, "missing", cancelled=True, store_url=base)
    recommendations: tuple[EmailProduct, ...] = ()
    if limit:
        anchors = [line.product_platform_id for line in order.lines if line.product_platform_id]
        exclude = recommend.bought_product_ids(session, store, customer.id, customer.email)
        recommendations = tuple(
            recommend.recommend(session, store, anchors, exclude=exclude, limit=limit, now=now)
        )
    return OrderFacts(
        order_id=order_id,
        paid_at=paid_at(order),
        financial_status=order.financial_status,
        cancelled=order.cancelled_at is not None and order.cancelled_at <= now,
        store_url=base,
        recommendations=recommendations,
    )


def paid_at(order: Order) -> datetime | None:
    """When the order was paid: the platform's time, else its placement once reported paid."""
    if order.paid_at is not None:
        return order.paid_at
    if order.financial_status in ("paid", "partially_refunded", "refunded"):
        return order.placed_at
    return None


# --- Birthday ---------------------------------------------------------------------------------


def birthday_facts(store: Store, customer: Customer) -> BirthdayFacts:
    """The customer's birthday and the zone it is celebrated in."""
    return BirthdayFacts(
        month=customer.birth_month,
        day=customer.birth_day,
        zone=customer.timezone or effective_timezone(store),
        store_url=store_home_url(store),
    )


# --- Dispatch by enrollment -------------------------------------------------------------------


def for_enrollment(
    session: Session,
    store: Store,
    enrollment: Enrollment,
    customer: Customer,
    settings: Mapping[str, Any],
    now: datetime,
    *,
    compose: bool = False,
) -> Any:
    """The facts of an enrollment's recipe, for its trigger."""
    recipe, ref, context = enrollment.recipe, enrollment.trigger_ref, enrollment.context
    if recipe == "abandoned_cart":
        since = from_iso(context["since"]) if context.get("since") else None
        return cart_facts(session, store, customer, ref, now, since, products=compose)
    if recipe == "product_interest":
        pid = context.get("product_id") or ref_product(ref)
        return interest_facts(session, store, customer, pid, settings, now, compose=compose)
    if recipe == "cross_sell":
        limit = settings["max_recommendations"] if compose else 0
        return order_facts(session, store, customer, ref.removeprefix("order:"), now, limit=limit)
    if recipe == "birthday":
        return birthday_facts(store, customer)
    raise LookupError(f"no facts loader for recipe {recipe!r}")
