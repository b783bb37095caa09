"""Abandoned cart: a basket with an email, idle for an hour and not ordered, gets up to 3 emails.

Rules (issue 6, DESIGN.md §5):
- a cart or checkout with an email and lines, idle ≥ `idle_minutes`, no order since it started;
- steps at `step_delays_hours` after the basket's last activity (1 h, 24 h, 72 h); fresh activity
  pushes the next step back, so nobody is chased while still shopping;
- exits on an order, an emptied cart, a newer basket (replaced), unsubscribe (policies);
- the basket is re-read before every send and the email shows its current lines;
- first-time abandoners get a unique code on `discount_step` (10 %, valid 72 h), reused on the
  later steps; repeat abandoners get none;
- one series per customer per `series_cooldown_hours` (24 h).
A cart and the checkout made from it are one basket (`ref` = the cart's token).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from app.core.messaging.contracts import EmailProduct
from app.core.recipes.base import (
    Category,
    Content,
    Decision,
    DiscountAction,
    Due,
    Enroll,
    Evaluation,
    Exit,
    PastEnrollment,
    Skip,
    iso,
)
from app.core.settings_schema import (
    Field,
    Schema,
    common_fields,
    discount_fields,
    discount_rule,
)


@dataclass(frozen=True)
class Basket:
    """A cart (or the checkout made from it) as last reported, merged into one basket."""

    ref: str
    lines: tuple[EmailProduct, ...]
    subtotal: Decimal
    currency: str
    last_activity: datetime
    started_at: datetime
    completed: bool = False
    email: str | None = None
    recovery_url: str | None = None


@dataclass(frozen=True)
class CartFacts:
    """What the recipe needs to know about one basket and its customer, now."""

    basket: Basket | None
    store_url: str
    #: When the customer's first order since the basket started was placed, if any.
    ordered_at: datetime | None = None
    #: Last activity of a newer open basket of the same customer, if any (this one was replaced).
    newer_basket_at: datetime | None = None


def _rules(settings: Mapping[str, Any]) -> dict[str, str]:
    errors = discount_rule(settings)
    delays = settings["step_delays_hours"]
    if settings["idle_minutes"] > delays[0] * 60:
        errors["idle_minutes"] = "must not be longer than the first step's delay"
    if settings["discount_step"] > len(delays):
        errors["discount_step"] = f"there are only {len(delays)} steps"
    return errors


SCHEMA = Schema(
    fields=(
        Field("idle_minutes", "int", 60, "Cart counts as abandoned after (minutes)", 15, 1440),
        Field(
            "step_delays_hours",
            "int_list",
            [1, 24, 72],
            "Send after (hours since last activity)",
            minimum=1,
            maximum=24 * 30,
            # One email per template: templates/emails/abandoned_cart/step0..step2.
            max_items=3,
        ),
        Field("discount_step", "int", 2, "Code in email number", minimum=1, maximum=3),
        Field("discount_first_time_only", "bool", True, "Codes for first-time abandoners only"),
        Field("series_cooldown_hours", "int", 24, "One series per customer per (hours)", 0, 720),
        *discount_fields(enabled=True, value=10, valid_hours=72),
        *common_fields(priority=1, consent_modes=("marketing", "transactional")),
    ),
    rules=(_rules,),
)


class AbandonedCart:
    """The abandoned-cart recipe."""

    name = "abandoned_cart"
    title = "Abandoned cart"
    schema = SCHEMA

    def step_count(self, settings: Mapping[str, Any]) -> int:
        """One step per configured delay."""
        return len(settings["step_delays_hours"])

    def category(self, settings: Mapping[str, Any]) -> Category:
        """Marketing unless the merchant made cart reminders transactional."""
        return "transactional" if settings["consent_mode"] == "transactional" else "marketing"

    def decide(
        self,
        facts: CartFacts,
        history: tuple[PastEnrollment, ...],
        settings: Mapping[str, Any],
        now: datetime,
    ) -> Decision:
        """Enroll a basket with an email and lines, not ordered, outside another series."""
        basket = facts.basket
        if basket is None or not basket.email:
            return Skip("no_email")
        if basket.completed or facts.ordered_at is not None:
            return Skip("ordered")
        if not basket.lines:
            return Skip("empty_cart")
        if any(past.trigger_ref == basket.ref for past in history):
            return Skip("already_enrolled")
        cooldown = timedelta(hours=settings["series_cooldown_hours"])
        if any(
            (past.messaged or past.open) and past.created_at > now - cooldown for past in history
        ):
            return Skip("series_within_cooldown")
        first_time = not any(past.messaged for past in history)
        return Enroll(
            trigger_ref=basket.ref,
            due=self._due(0, basket, settings),
            context={"since": iso(basket.started_at), "first_time": first_time},
        )

    def evaluate(
        self,
        step: int,
        facts: CartFacts,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
        now: datetime,
    ) -> Evaluation:
        """Exit on order, empty or replaced basket; else due after the step's delay of idle."""
        basket = facts.basket
        if basket is None:
            return Exit("cart_gone")
        if basket.completed or facts.ordered_at is not None:
            return Exit("order_placed")
        if not basket.lines:
            return Exit("cart_emptied")
        if facts.newer_basket_at is not None:
            return Exit("cart_replaced")
        return Due(self._due(step, basket, settings))

    def compose(
        self, step: int, facts: CartFacts, settings: Mapping[str, Any], context: Mapping[str, Any]
    ) -> Content | Exit:
        """The basket's current lines, its recovery link, and the code on the discount step."""
        basket = facts.basket
        if basket is None or not basket.lines:
            return Exit("cart_emptied")
        return Content(
            products=basket.lines,
            cta_url=basket.recovery_url or f"{facts.store_url}/cart",
            subtotal=basket.subtotal,
            currency=basket.currency,
            discount=self._discount(step, settings, context),
        )

    def _due(self, step: int, basket: Basket, settings: Mapping[str, Any]) -> datetime:
        delay = timedelta(hours=settings["step_delays_hours"][step])
        idle = timedelta(minutes=settings["idle_minutes"])
        return basket.last_activity + max(delay, idle)

    def _discount(
        self, step: int, settings: Mapping[str, Any], context: Mapping[str, Any]
    ) -> DiscountAction | None:
        if not settings["discount_enabled"]:
            return None
        if settings["discount_first_time_only"] and not context.get("first_time", False):
            return None
        first = settings["discount_step"] - 1
        if step == first:
            return "issue"
        return "reuse" if step > first else None


RECIPE = AbandonedCart()
