"""Events enroll customers into recipes, move their schedules, and exit them.

`on_event` is the EventRouter listener. For the customer an event touched it first re-evaluates
every waiting enrollment (an order exits the cart series at once, fresh cart activity pushes the
next reminder back, an unsubscribe exits everything), then lets the triggered recipes decide
whether to enroll. Enrollments are unique per (store, recipe, customer, trigger ref):
`enroll:<recipe>:<customer>:<trigger ref>`; a duplicate event inserts nothing.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, load_only

from app.core import facts, policies
from app.core.configs import ActiveConfig, enabled_configs, enrollment_settings, settings_snapshot
from app.core.events import Applied
from app.core.recipes import REGISTRY, get_recipe
from app.core.recipes.base import Enroll, Exit
from app.core.values import CartUpserted, OrderUpserted, ProductViewed
from app.db.base import utcnow
from app.db.models import Customer, Enrollment, RecipeConfig, Store

log = logging.getLogger(__name__)

#: Waits imposed by a policy; an event never pulls such a step earlier.
POLICY_WAITS = frozenset({"quiet_hours", "frequency_cap", "priority"})


def on_event(
    session: Session, store: Store, applied: Applied, *, now: datetime | None = None
) -> None:
    """React to one applied store event (the EventRouter listener). The caller commits."""
    customer = applied.customer
    if customer is None:
        return
    now = now or utcnow()
    configs = enabled_configs(session, store)
    if not configs:
        return
    reevaluate(session, store, customer, configs, now)
    for name, trigger_facts in _triggered(session, store, applied, customer, configs, now):
        enroll(session, store, customer, name, configs[name], trigger_facts, now)


def listener(session: Session, store: Store, applied: Applied) -> None:
    """`on_event` with the current time, shaped as an EventRouter listener."""
    on_event(session, store, applied)


def _triggered(
    session: Session,
    store: Store,
    applied: Applied,
    customer: Customer,
    configs: dict[str, ActiveConfig],
    now: datetime,
) -> Iterator[tuple[str, Any]]:
    event = applied.event
    if isinstance(event, CartUpserted) and applied.cart and "abandoned_cart" in configs:
        ref = facts.basket_ref(applied.cart)
        yield "abandoned_cart", facts.cart_facts(session, store, customer, ref, now)
    if isinstance(event, ProductViewed) and "product_interest" in configs:
        settings = configs["product_interest"].settings
        pid = event.view.product_platform_id
        yield "product_interest", facts.interest_facts(session, store, customer, pid, settings, now)
    if isinstance(event, OrderUpserted) and applied.order and "cross_sell" in configs:
        order_id = applied.order.platform_id
        yield "cross_sell", facts.order_facts(session, store, customer, order_id, now)


#: `Session.info` key set when an enrollment made in the session is due already.
STEPS_DUE_NOW = "nudge_steps_due_now"


def enroll(
    session: Session,
    store: Store,
    customer: Customer,
    recipe_name: str,
    config: ActiveConfig,
    trigger_facts: Any,
    now: datetime,
) -> int | None:
    """Enroll the customer if the recipe decides so and they may be emailed; returns the new id.

    Decisions for one customer are serialised by a row lock, so two events processed at once
    cannot both pass a "once per 24 h" or "once per 30 days" rule.
    """
    recipe = get_recipe(recipe_name)
    settings = config.settings
    policies.lock_customer(session, customer.id)
    suppression = policies.suppression_reason(session, store, customer.email)
    if policies.audience_block(customer, recipe.category(settings), suppression):
        return None
    past = facts.history(session, store, recipe_name, customer.id)
    decision = recipe.decide(trigger_facts, past, settings, now)
    if not isinstance(decision, Enroll):
        return None
    return _insert(session, store, customer, recipe_name, config, decision, now)


def _insert(
    session: Session,
    store: Store,
    customer: Customer,
    recipe_name: str,
    config: ActiveConfig,
    decision: Enroll,
    now: datetime,
) -> int | None:
    values = _enrollment_values(store, customer, recipe_name, config, decision, now)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Enrollment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["store_id", "recipe", "customer_id", "trigger_ref"])
        .returning(Enrollment.id)
    )
    new_id: int | None = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        log.info("enrolled customer %s in %s (%s)", customer.id, recipe_name, decision.trigger_ref)
        if decision.due <= now:
            # Due at once (a step without delay): the caller may claim it now, not at the
            # clock's next tick (workers.events).
            session.info[STEPS_DUE_NOW] = True
    return new_id


def _enrollment_values(
    store: Store,
    customer: Customer,
    recipe_name: str,
    config: ActiveConfig,
    decision: Enroll,
    now: datetime,
) -> dict[str, Any]:
    holdout_percent = config.settings["holdout_percent"]
    return {
        "store_id": store.id,
        "recipe": recipe_name,
        "recipe_config_id": config.row.id,
        "config_version": config.row.version,
        "customer_id": customer.id,
        "trigger_ref": decision.trigger_ref[:255],
        "state": "active",
        "step": 0,
        "attempts": 0,
        "next_run_at": decision.due,
        "wait_reason": "scheduled",
        "holdout": policies.in_holdout(store.id, recipe_name, customer.id, holdout_percent),
        "context": {
            **decision.context,
            "settings": settings_snapshot(recipe_name, config.settings),
        },
        "created_at": now,
        "updated_at": now,
    }


def reevaluate(
    session: Session,
    store: Store,
    customer: Customer,
    configs: dict[str, ActiveConfig],
    now: datetime,
) -> None:
    """Exit or reschedule the customer's waiting enrollments after something changed."""
    waiting = list(
        session.execute(
            select(Enrollment).where(
                Enrollment.store_id == store.id,
                Enrollment.customer_id == customer.id,
                Enrollment.state == "active",
            )
        ).scalars()
    )
    if not waiting:
        return  # most events: nothing to re-decide, and no suppression lookup for it
    suppression = policies.suppression_reason(session, store, customer.email)
    for enrollment in waiting:
        config = configs.get(enrollment.recipe)
        if config is None or enrollment.recipe not in REGISTRY:
            continue  # the step itself exits it (recipe switched off)
        settings = enrollment_settings(enrollment, config)
        recipe = get_recipe(enrollment.recipe)
        blocked = policies.audience_block(customer, recipe.category(settings), suppression)
        current = facts.for_enrollment(session, store, enrollment, customer, settings, now)
        verdict = (
            Exit(blocked)
            if blocked
            else recipe.evaluate(enrollment.step, current, settings, enrollment.context, now)
        )
        _apply(session, enrollment, verdict, now)


def _apply(session: Session, enrollment: Enrollment, verdict: Any, now: datetime) -> None:
    # Conditional on state 'active': a sweep that claimed it meanwhile owns it now.
    if isinstance(verdict, Exit):
        values: dict[str, Any] = {
            "state": "exited",
            "exit_reason": verdict.reason,
            "next_run_at": None,
            "finished_at": now,
        }
    else:
        due = verdict.at
        if enrollment.wait_reason in POLICY_WAITS and enrollment.next_run_at is not None:
            due = max(due, enrollment.next_run_at)
        if due == enrollment.next_run_at:
            return
        values = {"next_run_at": due}
    session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.state == "active")
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )


def exit_customer(session: Session, store: Store, customer_id: int, reason: str) -> int:
    """Exit every waiting enrollment of a customer (unsubscribe, erasure); the caller commits.

    A step already claimed re-checks suppression and consent itself just before sending.
    """
    result = session.execute(
        update(Enrollment)
        .where(
            Enrollment.store_id == store.id,
            Enrollment.customer_id == customer_id,
            Enrollment.state == "active",
        )
        .values(state="exited", exit_reason=reason, next_run_at=None, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def scan_birthdays(session: Session, store: Store, now: datetime | None = None) -> int:
    """Enroll the store's customers whose birthday is today or tomorrow in their own zone.

    Safe to run as often as wanted (the year is the trigger ref). Returns how many enrolled.
    """
    now = now or utcnow()
    config = enabled_configs(session, store).get("birthday")
    if config is None:
        return 0
    enrolled = 0
    for customer in _birthday_candidates(session, store, now):
        trigger_facts = facts.birthday_facts(store, customer)
        if enroll(session, store, customer, "birthday", config, trigger_facts, now):
            enrolled += 1
    return enrolled


def _birthday_candidates(session: Session, store: Store, now: datetime) -> list[Customer]:
    # Zones run from UTC-12 to UTC+14: UTC yesterday..day after tomorrow covers "today or
    # tomorrow" everywhere. 29 February joins 28 February in common years.
    pairs: set[tuple[int, int]] = set()
    for offset in (-1, 0, 1, 2):
        day = (now + timedelta(days=offset)).date()
        pairs.add((day.month, day.day))
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            pairs.add((2, 29))
    matches = or_(
        *(and_(Customer.birth_month == month, Customer.birth_day == day) for month, day in pairs)
    )
    # Enrolled for this birthday already (an earlier hourly scan): birthdays come a year apart,
    # so a birthday enrollment of the last week is this one's. Without this, every hour loaded
    # and re-decided each of the four days' birthdays, ~6,500 shoppers on a store of 1,000,000.
    served = select(Enrollment.id).where(
        Enrollment.store_id == store.id,
        Enrollment.customer_id == Customer.id,
        Enrollment.recipe == "birthday",
        Enrollment.created_at >= now - BIRTHDAY_SERVED_WITHIN,
    )
    return list(
        session.execute(
            select(Customer)
            # Only what the birthday decision and `enroll` read: 4 days of birthdays are ~6,500
            # rows on a store of 1,000,000, and building whole ORM rows (tags, totals, ...)
            # took 3 times longer than the query (issue 10).
            .options(load_only(*_BIRTHDAY_COLUMNS))
            .where(
                Customer.store_id == store.id,
                Customer.email.is_not(None),
                Customer.redacted_at.is_(None),
                matches,
                ~served.exists(),
            )
        ).scalars()
    )


#: Longer than the four days of birthdays a scan looks at, far shorter than a year.
BIRTHDAY_SERVED_WITHIN = timedelta(days=7)

_BIRTHDAY_COLUMNS = (
    Customer.store_id,
    Customer.email,
    Customer.first_name,
    Customer.consent,
    Customer.birth_month,
    Customer.birth_day,
    Customer.timezone,
    Customer.locale,
    Customer.redacted_at,
)


def stores_with_recipe(session: Session, recipe: str) -> list[int]:
    """Ids of the active stores where `recipe` is switched on."""
    rows = session.execute(
        select(Store.id)
        .join(RecipeConfig, RecipeConfig.store_id == Store.id)
        .where(Store.status == "active", RecipeConfig.recipe == recipe, RecipeConfig.enabled)
        .order_by(Store.id)
    )
    return list(rows.scalars())
