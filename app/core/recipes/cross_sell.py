"""Post-purchase cross-sell: `delay_days` (7) after an order is paid, up to 4 recommendations.

Rules (issue 6): cancelled, refunded or voided orders exit; recommendations come from
app/core/recommend.py (co-purchased, then same collection, then best sellers), never something
already bought, out of stock or without an image, each with its reason; optional code.
No recommendation worth showing → no email (an empty cross-sell is noise).
`ref` = "order:<platform order id>", so one order enrolls once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.core.messaging.contracts import EmailProduct
from app.core.recipes.base import (
    Category,
    Content,
    Decision,
    Due,
    Enroll,
    Evaluation,
    Exit,
    PastEnrollment,
    Skip,
    marketing,
)
from app.core.settings_schema import (
    Field,
    Schema,
    common_fields,
    discount_fields,
    discount_rule,
)

#: Financial states after which a thank-you-and-buy-more email would be tone-deaf.
REVERSED_STATES = ("refunded", "voided")


@dataclass(frozen=True)
class OrderFacts:
    """One order of the customer, now."""

    order_id: str
    paid_at: datetime | None
    financial_status: str
    cancelled: bool
    store_url: str
    #: Recommendations with their reasons (loaded only when composing).
    recommendations: tuple[EmailProduct, ...] = ()


SCHEMA = Schema(
    fields=(
        Field("delay_days", "int", 7, "Send after payment (days)", minimum=1, maximum=60),
        Field("max_recommendations", "int", 4, "Recommendations shown", minimum=1, maximum=4),
        *discount_fields(enabled=False, value=10, valid_hours=14 * 24),
        *common_fields(priority=4),
    ),
    rules=(discount_rule,),
)


def order_ref(order_platform_id: str) -> str:
    """The trigger ref of an order."""
    return f"order:{order_platform_id}"


class CrossSell:
    """The post-purchase cross-sell recipe."""

    name = "cross_sell"
    title = "Post-purchase cross-sell"
    schema = SCHEMA

    def step_count(self, settings: Mapping[str, Any]) -> int:
        """A single email."""
        return 1

    def category(self, settings: Mapping[str, Any]) -> Category:
        """Always marketing."""
        return marketing(settings)

    def decide(
        self,
        facts: OrderFacts,
        history: tuple[PastEnrollment, ...],
        settings: Mapping[str, Any],
        now: datetime,
    ) -> Decision:
        """Enroll a paid order that was not cancelled or refunded."""
        if facts.cancelled or facts.financial_status in REVERSED_STATES:
            return Skip("order_reversed")
        if facts.paid_at is None:
            return Skip("not_paid")
        ref = order_ref(facts.order_id)
        if any(past.trigger_ref == ref for past in history):
            return Skip("already_enrolled")
        return Enroll(trigger_ref=ref, due=facts.paid_at + timedelta(days=settings["delay_days"]))

    def evaluate(
        self,
        step: int,
        facts: OrderFacts,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
        now: datetime,
    ) -> Evaluation:
        """Exit when the order was cancelled or refunded; else due `delay_days` after payment."""
        if facts.cancelled:
            return Exit("order_cancelled")
        if facts.financial_status in REVERSED_STATES:
            return Exit("order_refunded")
        if facts.paid_at is None:
            return Exit("order_unpaid")
        return Due(facts.paid_at + timedelta(days=settings["delay_days"]))

    def compose(
        self, step: int, facts: OrderFacts, settings: Mapping[str, Any], context: Mapping[str, Any]
    ) -> Content | Exit:
        """The recommendations with their reasons; none worth showing means no email."""
        products = facts.recommendations[: settings["max_recommendations"]]
        if not products:
            return Exit("no_recommendations")
        return Content(
            products=products,
            cta_url=facts.store_url,
            discount="issue" if settings["discount_enabled"] else None,
        )


RECIPE = CrossSell()
