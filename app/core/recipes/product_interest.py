"""Product interest: a product viewed again and again but neither carted nor bought.

Rules (issue 6): the same product viewed ≥ `min_views` times in `window_days` (2 in 7 days) by an
identified shopper who has not carted or bought it → one email `delay_hours` (4 h) after the last
view, showing the product and up to `related_count` (3) related ones, with an optional unique code
limited to that product; at most one per product per customer per `cooldown_days` (30 days).
`ref` = "<product id>@<date enrolled>"; the cooldown is checked against earlier refs.
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


@dataclass(frozen=True)
class InterestFacts:
    """One customer's interest in one product, now."""

    product_id: str
    #: The product as the email shows it; None when deleted, unpublished or sold out.
    product: EmailProduct | None
    #: This customer's views of the product within the window, oldest first.
    views: tuple[datetime, ...]
    #: The product is in one of the customer's open carts.
    carted: bool = False
    #: The customer ordered it within `recent_purchase_days`.
    bought: bool = False
    related: tuple[EmailProduct, ...] = ()


SCHEMA = Schema(
    fields=(
        Field("min_views", "int", 2, "Views of the same product", minimum=2, maximum=20),
        Field("window_days", "int", 7, "Within (days)", minimum=1, maximum=30),
        Field("delay_hours", "int", 4, "Send after the last view (hours)", minimum=1, maximum=72),
        Field("cooldown_days", "int", 30, "At most once per product per (days)", 1, 365),
        Field("related_count", "int", 3, "Related products shown", minimum=0, maximum=3),
        Field("recent_purchase_days", "int", 30, "Bought within (days) counts as bought", 1, 365),
        *discount_fields(enabled=False, value=10, valid_hours=72),
        *common_fields(priority=3),
    ),
    rules=(discount_rule,),
)


def ref_product(trigger_ref: str) -> str:
    """The product id of a product-interest trigger ref."""
    return trigger_ref.rsplit("@", 1)[0]


class ProductInterest:
    """The product-interest (browse abandonment) recipe."""

    name = "product_interest"
    title = "Product interest follow-up"
    schema = SCHEMA

    def step_count(self, settings: Mapping[str, Any]) -> int:
        """A single email."""
        return 1

    def category(self, settings: Mapping[str, Any]) -> Category:
        """Always marketing."""
        return marketing(settings)

    def decide(
        self,
        facts: InterestFacts,
        history: tuple[PastEnrollment, ...],
        settings: Mapping[str, Any],
        now: datetime,
    ) -> Decision:
        """Enroll after enough views of an available product not carted, bought or recently sent."""
        if len(facts.views) < settings["min_views"]:
            return Skip("too_few_views")
        if facts.product is None:
            return Skip("product_unavailable")
        if facts.carted or facts.bought:
            return Skip("carted_or_bought")
        cooldown = timedelta(days=settings["cooldown_days"])
        if any(
            ref_product(past.trigger_ref) == facts.product_id and past.created_at > now - cooldown
            for past in history
        ):
            return Skip("product_cooldown")
        return Enroll(
            trigger_ref=f"{facts.product_id}@{now.date().isoformat()}",
            due=facts.views[-1] + timedelta(hours=settings["delay_hours"]),
            context={"product_id": facts.product_id},
        )

    def evaluate(
        self,
        step: int,
        facts: InterestFacts,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
        now: datetime,
    ) -> Evaluation:
        """Exit once carted, bought or unavailable; else due `delay_hours` after the last view."""
        if facts.product is None:
            return Exit("product_unavailable")
        if facts.carted:
            return Exit("carted")
        if facts.bought:
            return Exit("bought")
        if not facts.views:
            return Exit("interest_expired")
        return Due(facts.views[-1] + timedelta(hours=settings["delay_hours"]))

    def compose(
        self,
        step: int,
        facts: InterestFacts,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> Content | Exit:
        """The product, up to three related ones, and a code limited to the product if enabled."""
        if facts.product is None:
            return Exit("product_unavailable")
        related = facts.related[: settings["related_count"]]
        return Content(
            products=(facts.product, *related),
            cta_url=facts.product.url,
            discount="issue" if settings["discount_enabled"] else None,
            discount_products=(facts.product_id,),
        )


RECIPE = ProductInterest()
