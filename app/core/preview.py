"""Dry run: what a recipe configuration would have done over the last N days. Writes nothing.

The replay drives the same recipe functions and mirror readers the live engine uses, asking each
"as of" the simulated moment: triggers from the mirrored carts, views, orders and birthdays of
the window, in time order; then each step at its due time, with the recipe's exits, quiet hours,
the frequency cap (among this recipe's own emails), the holdout group, consent and suppressions.
Approximations, reported in `notes`: carts are mirrored as their last state only; consent and
suppressions are today's; other recipes' emails are not part of the cap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import facts, policies
from app.core.localtime import at_local, birthday_on, zone
from app.core.recipes import get_recipe
from app.core.recipes.base import Content, Due, Enroll, Exit, PastEnrollment, Recipe
from app.core.store_settings import effective_timezone
from app.db.base import utcnow
from app.db.models import Cart, Customer, Enrollment, Order, ProductView, Store

NOTES = (
    "carts are replayed as their last mirrored state (earlier edits are not stored)",
    "consent and suppressions are taken as they are today",
    "the frequency cap counts only this recipe's emails",
)
#: A step whose due time keeps moving (fresh activity) is followed at most this many times.
MAX_RESCHEDULES = 20
#: `on_progress` is called after every this many triggers (and once at the end).
PROGRESS_EVERY = 50

#: Told (triggers replayed, triggers in the window) as the replay goes: a long dry run reports
#: how far it got (app/core/progress.py), so the admin page never waits on a silent job.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class PreviewSend:
    """One email the configuration would have sent (or recorded for the holdout group)."""

    customer_id: int
    email: str
    step: int
    at: datetime
    code: bool
    holdout: bool
    trigger_ref: str


@dataclass
class PreviewReport:
    """The dry run's answer: who would have been enrolled, sent what and when, and codes."""

    recipe: str
    days: int
    start: datetime
    end: datetime
    enrolled: int = 0
    sends: list[PreviewSend] = field(default_factory=list)
    held_out: list[PreviewSend] = field(default_factory=list)
    codes: int = 0
    #: Enrollments still waiting for a step at the end of the window.
    pending: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    notes: tuple[str, ...] = NOTES


@dataclass(frozen=True)
class _Trigger:
    at: datetime
    customer_id: int
    #: What triggered: the basket ref, product id, order id or birthday year.
    key: str


@dataclass
class _Replay:
    session: Session
    store: Store
    recipe: Recipe[Any]
    settings: dict[str, Any]
    report: PreviewReport
    history: dict[int, list[PastEnrollment]] = field(default_factory=lambda: defaultdict(list))
    last_send: dict[int, datetime] = field(default_factory=dict)


def preview(
    session: Session,
    store: Store,
    recipe_name: str,
    settings: Mapping[str, Any] | None = None,
    days: int = 30,
    *,
    now: datetime | None = None,
    on_progress: ProgressCallback | None = None,
) -> PreviewReport:
    """Replay the last `days` days of `store` under `settings` (validated; ConfigError if not).

    `on_progress(done, total)` hears how many triggers were replayed, every `PROGRESS_EVERY`.
    """
    if not 1 <= days <= 365:
        raise ValueError("days must be between 1 and 365")
    recipe = get_recipe(recipe_name)
    valid = recipe.schema.validate(settings or {})
    end = now or utcnow()
    report = PreviewReport(recipe_name, days, end - timedelta(days=days), end)
    replay = _Replay(session, store, recipe, valid, report)
    customers: dict[int, Customer | None] = {}
    triggers = sorted(_triggers(replay), key=lambda item: item.at)
    for done, trigger in enumerate(triggers, start=1):
        if trigger.customer_id not in customers:
            customers[trigger.customer_id] = session.get(Customer, trigger.customer_id)
        customer = customers[trigger.customer_id]
        if customer is not None:
            _replay_trigger(replay, customer, trigger)
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done, len(triggers))
    if on_progress is not None and (not triggers or len(triggers) % PROGRESS_EVERY):
        on_progress(len(triggers), len(triggers))
    return report


def _triggers(replay: _Replay) -> Iterator[_Trigger]:
    name = replay.recipe.name
    sources = {
        "abandoned_cart": _cart_triggers,
        "product_interest": _view_triggers,
        "cross_sell": _order_triggers,
        "birthday": _birthday_triggers,
    }
    yield from sources[name](replay)


def _cart_triggers(replay: _Replay) -> Iterator[_Trigger]:
    session, store, report = replay.session, replay.store, replay.report
    carts = session.execute(
        select(Cart).where(
            Cart.store_id == store.id,
            Cart.customer_id.is_not(None),
            Cart.platform_updated_at.between(report.start, report.end),
        )
    ).scalars()
    seen: set[tuple[int, str]] = set()
    for cart in carts:
        key = (cart.customer_id or 0, facts.basket_ref(cart))
        if key in seen:
            continue
        seen.add(key)
        ref = key[1]
        yield _Trigger(cart.platform_updated_at, key[0], ref)


def _view_triggers(replay: _Replay) -> Iterator[_Trigger]:
    session, store, report = replay.session, replay.store, replay.report
    views = session.execute(
        select(ProductView.customer_id, ProductView.product_platform_id, ProductView.viewed_at)
        .where(
            ProductView.store_id == store.id,
            ProductView.customer_id.is_not(None),
            ProductView.viewed_at.between(report.start, report.end),
        )
        .order_by(ProductView.viewed_at)
    )
    for customer_id, pid, viewed_at in views:
        yield _Trigger(viewed_at, customer_id or 0, pid)


def _order_triggers(replay: _Replay) -> Iterator[_Trigger]:
    session, store, report = replay.session, replay.store, replay.report
    orders = session.execute(
        select(Order).where(
            Order.store_id == store.id,
            Order.customer_id.is_not(None),
            Order.placed_at.between(report.start - timedelta(days=60), report.end),
        )
    ).scalars()
    for order in orders:
        paid = facts.paid_at(order)
        if paid is None or paid > report.end:
            continue
        yield _Trigger(paid, order.customer_id or 0, order.platform_id)


def _birthday_triggers(replay: _Replay) -> Iterator[_Trigger]:
    session, store, report = replay.session, replay.store, replay.report
    customers = session.execute(
        select(Customer).where(Customer.store_id == store.id, Customer.birth_month.is_not(None))
    ).scalars()
    for customer in customers:
        if customer.birth_day is None or customer.birth_month is None:
            continue
        tz = zone(customer.timezone, effective_timezone(store))
        for year in sorted({report.start.year, report.end.year}):
            day = birthday_on(customer.birth_month, customer.birth_day, year)
            # Decide the evening before, as the daily scan would.
            at = at_local(day - timedelta(days=1), time(18), tz)
            if report.start <= at + timedelta(days=1) and at <= report.end:
                yield _Trigger(at, customer.id, str(year))


def _replay_trigger(replay: _Replay, customer: Customer, trigger: _Trigger) -> None:
    recipe, settings, report = replay.recipe, replay.settings, replay.report
    suppression = policies.suppression_reason(replay.session, replay.store, customer.email)
    blocked = policies.audience_block(customer, recipe.category(settings), suppression)
    trigger_facts = _trigger_facts(replay, customer, trigger)
    decision = recipe.decide(
        trigger_facts, tuple(replay.history[customer.id]), settings, trigger.at
    )
    if not isinstance(decision, Enroll):
        report.skipped[decision.reason] += 1
        return
    if blocked:
        report.skipped[blocked] += 1
        return
    report.enrolled += 1
    enrollment = Enrollment(
        recipe=recipe.name, trigger_ref=decision.trigger_ref, context=dict(decision.context)
    )
    past = PastEnrollment(decision.trigger_ref, trigger.at, messaged=False, open=True)
    replay.history[customer.id].append(past)
    messaged = _replay_steps(replay, customer, enrollment, decision.due)
    index = replay.history[customer.id].index(past)
    replay.history[customer.id][index] = PastEnrollment(
        decision.trigger_ref, trigger.at, messaged=messaged, open=False
    )


def _trigger_facts(replay: _Replay, customer: Customer, trigger: _Trigger) -> Any:
    session, store, at, key = replay.session, replay.store, trigger.at, trigger.key
    name = replay.recipe.name
    if name == "abandoned_cart":
        return facts.cart_facts(session, store, customer, key, at)
    if name == "product_interest":
        return facts.interest_facts(session, store, customer, key, replay.settings, at)
    if name == "cross_sell":
        return facts.order_facts(session, store, customer, key, at)
    return facts.birthday_facts(store, customer)


def _replay_steps(
    replay: _Replay, customer: Customer, enrollment: Enrollment, due: datetime
) -> bool:
    holdout = policies.in_holdout(
        replay.store.id, replay.recipe.name, customer.id, replay.settings["holdout_percent"]
    )
    messaged = False
    for step in range(replay.recipe.step_count(replay.settings)):
        outcome = _replay_step(replay, customer, enrollment, step, due)
        if isinstance(outcome, str):
            if outcome != "pending":
                replay.report.exits[outcome] += 1
            return messaged
        at, content = outcome
        _record(replay, customer, enrollment, step, at, content, holdout)
        messaged, due = True, at
    return messaged


def _replay_step(
    replay: _Replay, customer: Customer, enrollment: Enrollment, step: int, due: datetime
) -> tuple[datetime, Content] | str:
    """When step `step` would have gone out and with what, or why it would not have."""
    recipe, settings, context = replay.recipe, replay.settings, enrollment.context
    at = due
    for _round in range(MAX_RESCHEDULES):
        if at > replay.report.end:
            replay.report.pending += 1
            return "pending"
        current = facts.for_enrollment(
            replay.session, replay.store, enrollment, customer, settings, at
        )
        verdict = recipe.evaluate(step, current, settings, context, at)
        if isinstance(verdict, Exit):
            return verdict.reason
        if isinstance(verdict, Due) and verdict.at > at:
            at = verdict.at
            continue
        allowed = _allowed_at(replay, customer, at)
        if allowed > at:
            at = allowed
            continue
        composed = facts.for_enrollment(
            replay.session, replay.store, enrollment, customer, settings, at, compose=True
        )
        content = recipe.compose(step, composed, settings, context)
        return content.reason if isinstance(content, Exit) else (at, content)
    return "rescheduled_too_often"


def _allowed_at(replay: _Replay, customer: Customer, at: datetime) -> datetime:
    policy = policies.store_policy(replay.store)
    allowed = at
    last = replay.last_send.get(customer.id)
    marketing = replay.recipe.category(replay.settings) == "marketing"
    if marketing and policy.cap_hours and last is not None:
        allowed = max(allowed, last + timedelta(hours=policy.cap_hours))
    quiet_end = policies.quiet_hours_until(allowed, customer, replay.store, policy)
    return quiet_end or allowed


def _record(
    replay: _Replay,
    customer: Customer,
    enrollment: Enrollment,
    step: int,
    at: datetime,
    content: Content,
    holdout: bool,
) -> None:
    issues_code = content.discount == "issue" and not holdout
    send = PreviewSend(
        customer.id,
        customer.email or "",
        step + 1,
        at,
        code=content.discount is not None and not holdout,
        holdout=holdout,
        trigger_ref=enrollment.trigger_ref,
    )
    (replay.report.held_out if holdout else replay.report.sends).append(send)
    replay.report.codes += int(issues_code)
    replay.last_send[customer.id] = at
