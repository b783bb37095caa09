"""Birthday coupon: one email at 9:00 on the customer's birthday, in their own time zone.

Rules (issue 6): a daily scan finds customers whose birthday is today or tomorrow in their zone
(else the store's) and schedules 9:00 local on the day; 29 February is celebrated on 28 February
in common years; at most once per calendar year even if the date is edited (`ref` = the year, a
unique key); a 15 % unique code valid 14 days. A send that slipped (deferred, the scan ran late)
still goes out within `GRACE` of the day, never later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from app.core.localtime import at_local, birthday_on, local_date, zone
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

#: How late after the birthday (local date) the email may still go out.
GRACE = timedelta(days=1)


@dataclass(frozen=True)
class BirthdayFacts:
    """The customer's birthday and the zone it is celebrated in."""

    month: int | None
    day: int | None
    #: The customer's IANA zone, else the store's.
    zone: str
    store_url: str


SCHEMA = Schema(
    fields=(
        Field("send_hour", "int", 9, "Send at (local hour)", minimum=8, maximum=20),
        *discount_fields(enabled=True, value=15, valid_hours=14 * 24),
        *common_fields(priority=2),
    ),
    rules=(discount_rule,),
)


class Birthday:
    """The birthday-coupon recipe."""

    name = "birthday"
    title = "Birthday coupon"
    schema = SCHEMA

    def step_count(self, settings: Mapping[str, Any]) -> int:
        """A single email."""
        return 1

    def category(self, settings: Mapping[str, Any]) -> Category:
        """Always marketing."""
        return marketing(settings)

    def decide(
        self,
        facts: BirthdayFacts,
        history: tuple[PastEnrollment, ...],
        settings: Mapping[str, Any],
        now: datetime,
    ) -> Decision:
        """Enroll when the birthday is today or tomorrow locally and not yet served that year."""
        if facts.month is None or facts.day is None:
            return Skip("no_birthday")
        tz = zone(facts.zone)
        today = local_date(now, tz)
        for candidate in (today, today + timedelta(days=1)):
            occurrence = birthday_on(facts.month, facts.day, candidate.year)
            if occurrence != candidate:
                continue
            ref = str(occurrence.year)
            if any(past.trigger_ref == ref for past in history):
                return Skip("already_this_year")
            return Enroll(
                trigger_ref=ref,
                due=at_local(occurrence, time(settings["send_hour"]), tz),
                context={"year": occurrence.year},
            )
        return Skip("not_today")

    def evaluate(
        self,
        step: int,
        facts: BirthdayFacts,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
        now: datetime,
    ) -> Evaluation:
        """Due at the send hour on this year's birthday (an edited date is followed); late: exit."""
        if facts.month is None or facts.day is None:
            return Exit("birthday_removed")
        tz = zone(facts.zone)
        occurrence = birthday_on(facts.month, facts.day, int(context["year"]))
        if local_date(now, tz) > occurrence + GRACE:
            return Exit("birthday_passed")
        return Due(at_local(occurrence, time(settings["send_hour"]), tz))

    def compose(
        self,
        step: int,
        facts: BirthdayFacts,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> Content | Exit:
        """A greeting with the code (the template carries the words)."""
        return Content(
            products=(),
            cta_url=facts.store_url,
            discount="issue" if settings["discount_enabled"] else None,
        )


RECIPE = Birthday()
