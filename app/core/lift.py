"""Holdout lift: did a recipe make customers buy, or would they have bought anyway?

The engine holds out a stable share of each recipe's audience (default 10 %): their step is
recorded as a Message with status `held_out` and nothing is sent. Comparing how often the two
groups order tells what attribution cannot: the treated group's conversion minus the holdout's
is what the recipe really caused.

Over a period, per recipe: the *treated* customers are those sent at least one message of the
recipe, the *holdout* customers those whose messages of the recipe were all held out; a customer
converts when they place an order (any order, credited or not, not cancelled) within the
conversion window after their first message of the period (for the holdout, when it would have
been sent). Every figure comes with the number of customers behind it, because a lift measured on
twelve customers is noise, and the page must be able to say so.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.core.attribution import TEST_MESSAGE_PREFIX, VOID_FINANCIAL_STATUSES, windows_for
from app.db.models import Message, Order, Store


@dataclass(frozen=True)
class GroupConversion:
    """One group of a recipe's audience: how many customers, how many of them ordered."""

    customers: int
    converted: int

    @property
    def rate(self) -> float | None:
        """Share of the group that ordered; None for an empty group."""
        return self.converted / self.customers if self.customers else None


@dataclass(frozen=True)
class RecipeLift:
    """Treated vs holdout conversion of one recipe over a period."""

    recipe: str
    treated: GroupConversion
    holdout: GroupConversion

    @property
    def relative_lift(self) -> float | None:
        """(treated rate − holdout rate) / holdout rate; None while either is unknown or 0."""
        treated, holdout = self.treated.rate, self.holdout.rate
        if treated is None or not holdout:
            return None
        return (treated - holdout) / holdout

    @property
    def rate_difference(self) -> float | None:
        """Treated rate − holdout rate, in share points (0.02 = two points)."""
        treated, holdout = self.treated.rate, self.holdout.rate
        return None if treated is None or holdout is None else treated - holdout


@dataclass(frozen=True)
class _Exposure:
    recipe: str
    customer_id: int
    first_at: datetime
    treated: bool


def holdout_lift(
    session: Session,
    store: Store,
    start: datetime,
    end: datetime,
    conversion_window: timedelta | None = None,
) -> list[RecipeLift]:
    """Lift per recipe for messages created in [start, end), sorted by recipe.

    `conversion_window` defaults to the store's click attribution window (5 days).
    """
    window = conversion_window or windows_for(store).click or timedelta(days=5)
    exposures = _exposures(session, store, start, end)
    orders = _order_times(session, store, start, end + window)
    groups: dict[str, dict[bool, list[bool]]] = defaultdict(lambda: {True: [], False: []})
    for exposure in exposures:
        times = orders.get(exposure.customer_id, [])
        index = bisect_left(times, exposure.first_at)
        converted = index < len(times) and times[index] < exposure.first_at + window
        groups[exposure.recipe][exposure.treated].append(converted)
    return [
        RecipeLift(
            recipe,
            treated=GroupConversion(len(group[True]), sum(group[True])),
            holdout=GroupConversion(len(group[False]), sum(group[False])),
        )
        for recipe, group in sorted(groups.items())
    ]


def _exposures(session: Session, store: Store, start: datetime, end: datetime) -> list[_Exposure]:
    sent = case((Message.sent_at.is_not(None) & (Message.status != "held_out"), 1), else_=0)
    held = case((Message.status == "held_out", 1), else_=0)
    rows = session.execute(
        select(
            Message.recipe,
            Message.customer_id,
            func.min(Message.created_at),
            func.max(sent),
            func.max(held),
        )
        .where(
            Message.store_id == store.id,
            Message.created_at >= start,
            Message.created_at < end,
            Message.customer_id.is_not(None),
            Message.recipe.is_not(None),
            Message.idempotency_key.not_like(f"{TEST_MESSAGE_PREFIX}%"),
        )
        .group_by(Message.recipe, Message.customer_id)
    ).all()
    # A customer both sent and held out (a recipe's holdout share changed) counts as treated;
    # one whose messages all failed before sending is in neither group.
    return [
        _Exposure(recipe, customer_id, _aware(first_at), bool(was_sent))
        for recipe, customer_id, first_at, was_sent, was_held in rows
        if was_sent or was_held
    ]


def _order_times(
    session: Session, store: Store, start: datetime, end: datetime
) -> dict[int, list[datetime]]:
    exposed = (
        select(Message.customer_id)
        .where(Message.store_id == store.id, Message.customer_id.is_not(None))
        .where(Message.created_at >= start, Message.created_at < end)
        .distinct()
    )
    rows = session.execute(
        select(Order.customer_id, Order.placed_at)
        .where(
            Order.store_id == store.id,
            Order.customer_id.in_(exposed),
            Order.placed_at >= start,
            Order.placed_at < end,
            Order.cancelled_at.is_(None),
            Order.financial_status.not_in(VOID_FINANCIAL_STATUSES),
        )
        .order_by(Order.customer_id, Order.placed_at)
    ).all()
    times: dict[int, list[datetime]] = defaultdict(list)
    for customer_id, placed_at in rows:
        if customer_id is not None:
            times[customer_id].append(placed_at)
    return times


def _aware(moment: datetime) -> datetime:
    # min() over a UTCDateTime column comes back as the driver gives it (naive text on SQLite).
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
