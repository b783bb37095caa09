"""Dashboard numbers: what each recipe did over a period, from the outbox and the enrollments.

Counts are cohorts: a message belongs to the period it was sent in, and its delivered, opened
and clicked marks are counted with it (so a rate never exceeds 100 %). Orders and revenue are
the credits of app/core/attribution.py for orders placed in the period; the holdout lift is
app/core/lift.py's. Days are the store's local days, so "today" is the merchant's today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, case, cast, func, or_, select

from app.core.attribution import TEST_MESSAGE_PREFIX, counted_credits, revenue_by_recipe
from app.core.lift import GroupConversion, RecipeLift, holdout_lift
from app.core.tenancy import AnySelect, StoreScope
from app.db.models import Attribution, Enrollment, IssuedDiscount, Message, Order

#: Codes the platform confirmed (pending and failed ones never reached a shopper).
_ISSUED_CODE_STATUSES = ("issued", "redeemed", "expired", "deleted")
PERIOD_CHOICES = (7, 30, 90)


@dataclass(frozen=True)
class Period:
    """Whole local days of a store: [start, end) in UTC, and the local dates it covers."""

    start: datetime
    end: datetime
    days: tuple[date, ...]
    timezone: str

    @classmethod
    def last_days(cls, count: int, timezone: str, now: datetime) -> Period:
        """The `count` local days ending today (today included) in `timezone`."""
        if count < 1:
            raise ValueError("a period has at least one day")
        zone = ZoneInfo(timezone)
        today = now.astimezone(zone).date()
        days = tuple(today - timedelta(days=offset) for offset in range(count - 1, -1, -1))
        return cls(
            start=_local_midnight(days[0], zone),
            end=_local_midnight(today + timedelta(days=1), zone),
            days=days,
            timezone=timezone,
        )


@dataclass(frozen=True)
class RecipeResults:
    """One recipe's funnel over a period (or the total, with recipe "all")."""

    recipe: str
    enrolled: int = 0
    held_out: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    codes_issued: int = 0
    codes_redeemed: int = 0
    #: Orders credited to the recipe's emails, and their revenue (store currency).
    orders: int = 0
    revenue: Decimal = Decimal(0)

    def rate(self, part: str) -> float | None:
        """`part` (delivered, opened, clicked) as a share of sent; None when nothing was sent."""
        return _share(getattr(self, part), self.sent)

    @property
    def redemption_rate(self) -> float | None:
        """Redeemed codes as a share of issued codes."""
        return _share(self.codes_redeemed, self.codes_issued)


def recipe_results(scope: StoreScope, period: Period) -> dict[str, RecipeResults]:
    """Each recipe's funnel over `period`, keyed by recipe (recipes with no activity omitted)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    queries = (
        (_enrollment_counts, ("enrolled", "held_out")),
        (_message_counts, ("sent", "delivered", "opened", "clicked")),
        (_code_counts, ("codes_issued", "codes_redeemed")),
    )
    for build, names in queries:
        for recipe, *values in scope.rows(build(scope, period)):
            if recipe is not None:
                counts[recipe].update(zip(names, (int(v or 0) for v in values), strict=True))
    credited = revenue_by_recipe(scope.session, scope.store, period.start, period.end)
    for recipe, credit in credited.items():
        counts[recipe]["orders"] = credit.orders
    return {
        recipe: _results(recipe, values, credited[recipe].revenue if recipe in credited else None)
        for recipe, values in counts.items()
    }


def total_results(results: Iterable[RecipeResults]) -> RecipeResults:
    """The sum of several recipes' funnels."""
    rows = list(results)
    totals: dict[str, Any] = {name: sum(getattr(row, name) for row in rows) for name in _COUNTS}
    return RecipeResults("all", **totals, revenue=sum((row.revenue for row in rows), Decimal(0)))


def sent_per_day(scope: StoreScope, period: Period) -> dict[str, list[int]]:
    """Emails sent per local day per recipe, each list aligned with `period.days`."""
    statement = select(Message.recipe, Message.sent_at, func.count(Message.id)).where(
        *_campaign_messages(scope, period)
    )
    return {
        recipe: [int(value) for value in values]
        for recipe, values in _per_local_day(scope, period, statement).items()
    }


def revenue_per_day(scope: StoreScope, period: Period) -> dict[str, list[Decimal]]:
    """Attributed revenue per local day (of the order) per recipe, aligned with `period.days`."""
    statement = (
        select(Attribution.recipe, Attribution.placed_at, func.sum(Attribution.revenue))
        .join(Order, Order.id == Attribution.order_id)
        .where(*counted_credits(scope.store, period.start, period.end))
    )
    return {
        recipe: [Decimal(value) for value in values]
        for recipe, values in _per_local_day(scope, period, statement).items()
    }


def _results(recipe: str, counts: dict[str, int], revenue: Decimal | None) -> RecipeResults:
    values = {name: counts.get(name, 0) for name in _COUNTS}
    return RecipeResults(recipe, **values, revenue=revenue or Decimal(0))


#: The whole-number counts of RecipeResults (revenue is money, summed apart).
_COUNTS = tuple(f.name for f in fields(RecipeResults) if f.name not in ("recipe", "revenue"))


# --- queries --------------------------------------------------------------------------------


def _campaign_messages(scope: StoreScope, period: Period) -> tuple[ColumnElement[bool], ...]:
    # Test emails (`test:<uuid>`) are not campaign sends and stay out of every number.
    return (
        scope.owns(Message),
        Message.sent_at >= period.start,
        Message.sent_at < period.end,
        Message.idempotency_key.not_like(f"{TEST_MESSAGE_PREFIX}%"),
    )


def _enrollment_counts(scope: StoreScope, period: Period) -> AnySelect:
    return (
        select(
            Enrollment.recipe,
            func.count(Enrollment.id),
            func.sum(case((Enrollment.holdout.is_(True), 1), else_=0)),
        )
        .where(
            scope.owns(Enrollment),
            Enrollment.created_at >= period.start,
            Enrollment.created_at < period.end,
        )
        .group_by(Enrollment.recipe)
    )


def _message_counts(scope: StoreScope, period: Period) -> AnySelect:
    return (
        select(
            Message.recipe,
            func.count(Message.id),
            func.count(Message.delivered_at),
            func.count(Message.opened_at),
            func.count(Message.clicked_at),
        )
        .where(*_campaign_messages(scope, period))
        .group_by(Message.recipe)
    )


def _code_counts(scope: StoreScope, period: Period) -> AnySelect:
    redeemed = or_(
        IssuedDiscount.redeemed_order_id.is_not(None), IssuedDiscount.status == "redeemed"
    )
    return (
        select(
            IssuedDiscount.recipe,
            func.count(IssuedDiscount.id),
            func.sum(case((redeemed, 1), else_=0)),
        )
        .where(
            scope.owns(IssuedDiscount),
            IssuedDiscount.created_at >= period.start,
            IssuedDiscount.created_at < period.end,
            IssuedDiscount.status.in_(_ISSUED_CODE_STATUSES),
        )
        .group_by(IssuedDiscount.recipe)
    )


def _per_local_day(
    scope: StoreScope, period: Period, statement: AnySelect
) -> dict[str, list[Decimal]]:
    """Sum a statement of (recipe, instant, amount) per recipe and local day of the instant.

    `statement` selects exactly those three columns, filtered and not yet grouped.
    """
    index = {day: position for position, day in enumerate(period.days)}
    series: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(period.days))
    for recipe, day, value in _bucket_by_local_day(scope, period, statement):
        position = index.get(day)
        if recipe is not None and position is not None:
            series[recipe][position] += Decimal(value or 0)
    return dict(series)


def _bucket_by_local_day(
    scope: StoreScope, period: Period, statement: AnySelect
) -> list[tuple[str | None, date, Any]]:
    recipe, instant, amount = statement.selected_columns
    if scope.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL turns the instant into the store's wall-clock time and groups there.
        local_day = cast(func.timezone(period.timezone, instant), Date)
        by_day = statement.with_only_columns(recipe, local_day, amount).group_by(recipe, local_day)
        return [(name, day, value) for name, day, value in scope.rows(by_day)]
    # SQLite (the embedded default) knows no IANA zones: group by instant, bucket here.
    zone = ZoneInfo(period.timezone)
    by_instant = statement.group_by(recipe, instant)
    return [
        (name, moment.astimezone(zone).date(), value)
        for name, moment, value in scope.rows(by_instant)
    ]


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


#: Below this many customers in either group, a lift is noise: the page says "not enough data".
LIFT_MINIMUM_CUSTOMERS = 30


@dataclass(frozen=True)
class LiftFigure:
    """A recipe's (or the total's) treated vs holdout conversion, and whether it means much."""

    lift: RecipeLift
    minimum: int = LIFT_MINIMUM_CUSTOMERS

    @property
    def enough_data(self) -> bool:
        """True when both groups have at least `minimum` customers."""
        return min(self.lift.treated.customers, self.lift.holdout.customers) >= self.minimum


def pooled_lift(lifts: Iterable[RecipeLift]) -> RecipeLift:
    """All recipes' groups added up ("all"): a customer counts once per recipe reached."""
    rows = list(lifts)

    def pool(group: str) -> GroupConversion:
        parts = [getattr(row, group) for row in rows]
        return GroupConversion(
            sum(part.customers for part in parts), sum(part.converted for part in parts)
        )

    return RecipeLift("all", treated=pool("treated"), holdout=pool("holdout"))


@dataclass(frozen=True)
class Dashboard:
    """Everything the home page shows for a period."""

    period: Period
    by_recipe: dict[str, RecipeResults]
    total: RecipeResults
    revenue_per_day: dict[str, list[Decimal]]
    lift: dict[str, RecipeLift]

    def for_recipe(self, recipe: str) -> RecipeResults:
        """One recipe's results (zeros when it did nothing in the period)."""
        return self.by_recipe.get(recipe) or RecipeResults(recipe)

    def daily_revenue(self, recipe: str) -> list[Decimal]:
        """One recipe's attributed revenue per day (zeros when none)."""
        return self.revenue_per_day.get(recipe) or [Decimal(0)] * len(self.period.days)

    def lift_for(self, recipe: str) -> LiftFigure:
        """One recipe's holdout lift ("all": every recipe pooled), with its customer counts."""
        if recipe == "all":
            return LiftFigure(pooled_lift(self.lift.values()))
        empty = GroupConversion(0, 0)
        return LiftFigure(self.lift.get(recipe) or RecipeLift(recipe, empty, empty))


def dashboard(scope: StoreScope, period: Period) -> Dashboard:
    """The home page's numbers: per recipe, in total, per day, and the holdout lift."""
    by_recipe = recipe_results(scope, period)
    lifts = holdout_lift(scope.session, scope.store, period.start, period.end)
    return Dashboard(
        period=period,
        by_recipe=by_recipe,
        total=total_results(by_recipe.values()),
        revenue_per_day=revenue_per_day(scope, period),
        lift={lift.recipe: lift for lift in lifts},
    )
