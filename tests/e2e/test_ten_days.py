"""Issue 6, end to end on the sandbox: a simulated store over 10 simulated days produces the
expected messages per recipe, and none to unsubscribed, held-out or already-converted shoppers.

Nudge runs on a sandbox Shopify and a sandbox SendGrid (tests/e2e/ten_days_world.py) under one
fake clock; shoppers browse (the web pixel), abandon checkouts, come back, buy, get refunded,
unsubscribe from an email, and have birthdays (tests/e2e/ten_days_scenario.py), all over HTTP
through the real webhooks and tracking endpoint. What the sandbox SendGrid received is then
compared with what the scenario says each shopper must get, worked out by hand.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from app.core.policies import in_holdout
from app.db.models import Enrollment, InboundEvent, IssuedDiscount, Message
from sandbox.simulator.catalog import build_catalog
from sandbox.simulator.plan import Cancel, ComeBack, Refund
from tests.e2e.ten_days_scenario import (
    END,
    HOLDOUT,
    RECIPES,
    ROLES,
    SHOP_ZONE,
    START,
    STORE_FORM,
    Role,
    pool,
)
from tests.e2e.ten_days_world import World, living_world
from workers.queues import ALL_QUEUES, JobQueues

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

#: How far an email may land from its worked-out time: the cap's priority minutes, a tick.
SLACK = timedelta(minutes=5)
FREQUENCY_CAP = timedelta(hours=16)


@pytest.fixture
def world(settings, committed_db, redis_client):
    with living_world(
        settings,
        committed_db,
        start=START,
        shop_timezone=SHOP_ZONE,
        products=build_catalog(7, 16),
        customers=pool(),
    ) as running:
        yield running


def cast(world: World) -> dict[str, int]:
    """Role → pool index: the first free customer in the role's zone and holdout groups.

    The holdout group is a stable hash of the store's and the customer's ids (only known once
    Nudge mirrored them), so the roles are handed out now rather than written down."""
    store_id, ids = world.store().id, world.customer_ids()
    taken: dict[str, int] = {}
    for role in ROLES:
        for spec in pool():
            customer_id = ids[spec.email]
            if spec.index in taken.values() or role.zone not in (None, spec.time_zone):
                continue
            if any(in_holdout(store_id, name, customer_id, HOLDOUT) for name in role.recipes):
                continue
            if role.held_out_of and not in_holdout(
                store_id, role.held_out_of, customer_id, HOLDOUT
            ):
                continue
            taken[role.name] = spec.index
            break
        else:
            raise AssertionError(f"no customer fits the role {role.name}")
    return taken


def prepare(world: World, roles: dict[str, int]) -> None:
    """Profiles as the roles want them (customers/update webhooks)."""
    for role in ROLES:
        change: dict[str, Any] = {}
        if role.consent != "subscribed":
            change["email_marketing_consent"] = {"state": role.consent}
        if role.birthday is not None:
            change["birth_date"] = role.birthday.isoformat()
        if change:
            world.update_customer(roles[role.name], change)
    world.settle()


def actions(world: World, roles: dict[str, int]) -> list[tuple[datetime, Callable[[], None]]]:
    """Every act of every role, as (when, do it)."""
    visits: dict[tuple[str, int], int] = {}
    planned = []
    for role in ROLES:
        index = roles[role.name]
        for number, act in enumerate(role.acts):

            def perform(role: Role = role, index: int = index, number: int = number) -> None:
                act = role.acts[number]
                if act.action == "unsubscribe":
                    world.one_click_unsubscribe(world.shop.customers[index].email)
                    return
                earlier = visits.get((role.name, act.of), 0)
                steps = {
                    "come_back": (ComeBack(earlier, use_code=False),),
                    "refund": (Refund(earlier),),
                    "cancel": (Cancel(earlier),),
                }.get(act.action, act.steps)
                visits[(role.name, number)] = world.visit(index, *steps)  # type: ignore[arg-type]

            planned.append((act.when, perform))
    return planned


Mail = tuple[str, str, int, datetime]


def received(inbox: list[dict[str, Any]]) -> list[Mail]:
    """(recipient, recipe, step, when) of every email the sandbox SendGrid accepted."""
    return [
        (
            mail["email"],
            mail["custom_args"]["recipe"],
            int(mail["custom_args"]["step"]),
            datetime.fromtimestamp(mail["received_at"], UTC),
        )
        for mail in inbox
    ]


def test_ten_days_of_a_store(world: World) -> None:
    world.configure(RECIPES, STORE_FORM)
    roles = cast(world)
    prepare(world, roles)
    email_of = {name: world.shop.customers[index].email for name, index in roles.items()}
    role_of = {email: name for name, email in email_of.items()}

    world.run(END, actions(world, roles))
    inbox = world.inbox()
    mails = received(inbox)

    # Exactly the emails the scenario works out: right people, recipes, steps; no duplicates.
    got = Counter((role_of.get(email, email), recipe, step) for email, recipe, step, _ in mails)
    wanted = Counter((role.name, *key) for role in ROLES for key in role.expected)
    assert got == wanted
    # ... and at the worked-out times (quiet hours and the frequency cap included).
    for email, recipe, step, when in mails:
        due = next(r for r in ROLES if r.name == role_of[email]).expected[(recipe, step)]
        if due is not None:
            assert abs(when - due) <= SLACK, (role_of[email], recipe, step, when, due)

    # Nothing to the unsubscribed, the held-out, or those who had already bought.
    silent = {r.name for r in ROLES if not r.expected}
    assert silent >= {"cart_unsubscribed", "cart_holdout", "browse_holdout", "buyer_holdout"}
    assert not [mail for mail in mails if role_of.get(mail[0]) in silent]
    after_order = [
        m for m in mails if role_of[m[0]] == "cart_recovered" and m[1] == "abandoned_cart"
    ]
    assert [m[2] for m in after_order] == [0]
    # The one-click unsubscribe reached the shop too (Nudge writes consent back).
    leaver = world.shop.customer_ids[roles["cart_unsubscribes"]]
    shown = world.shop.api.call("GET", f"/customers/{leaver}")
    assert shown["email_marketing_consent"]["state"] == "unsubscribed"

    # Never in the recipient's quiet hours; never two marketing emails within 16 h.
    zones = {spec.email: spec.time_zone for spec in world.shop.customers}
    for email, recipe, step, when in mails:
        local = when.astimezone(ZoneInfo(zones[email]))
        assert 8 <= local.hour < 21, (role_of[email], recipe, step, local)
    by_recipient: dict[str, list[datetime]] = defaultdict(list)
    for email, _recipe, _step, when in mails:
        by_recipient[email].append(when)
    for email, times in by_recipient.items():
        times.sort()
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert all(gap >= FREQUENCY_CAP for gap in gaps), (role_of[email], times)

    assert_codes(world, inbox)
    assert_holdout_recorded_and_nothing_failed(world, roles)


def assert_codes(world: World, inbox: list[dict[str, Any]]) -> None:
    """Codes where the recipes promise them (defaults): a first-time abandoner's code in cart
    emails 2 and 3, the same one; a birthday code; none in the others."""
    with world.stack.database.session() as session:
        issued = session.execute(select(IssuedDiscount.code, IssuedDiscount.recipe)).all()
    shown: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mail in inbox:
        recipe, step = mail["custom_args"]["recipe"], int(mail["custom_args"]["step"])
        codes = {code for code, _recipe in issued if code in mail["html"]}
        promised = recipe == "birthday" or (recipe == "abandoned_cart" and step >= 1)
        assert len(codes) == (1 if promised else 0), (mail["email"], recipe, step, codes)
        shown[(mail["email"], recipe)] |= codes
    # One code per shopper and recipe, reused by the third cart email.
    assert all(len(codes) <= 1 for codes in shown.values()), shown


def assert_holdout_recorded_and_nothing_failed(world: World, roles: dict[str, int]) -> None:
    """The held-out shoppers' would-be emails are recorded; no step failed or errored."""
    ids = world.customer_ids()
    with world.stack.database.session() as session:
        held = session.execute(
            select(Message.customer_id, Message.recipe).where(Message.status == "held_out")
        ).all()
        unprocessed = session.execute(
            select(InboundEvent.topic, InboundEvent.status, InboundEvent.error).where(
                InboundEvent.status.not_in(("done", "ignored"))
            )
        ).all()
        broken = session.execute(
            select(Enrollment.recipe, Enrollment.state, Enrollment.last_error).where(
                (Enrollment.state == "failed") | Enrollment.last_error.is_not(None)
            )
        ).all()
    held_out = {(customer, recipe) for customer, recipe in held}
    for role in ROLES:
        if role.held_out_of:
            customer = ids[world.shop.customers[roles[role.name]].email]
            assert (customer, role.held_out_of) in held_out, role.name
    assert broken == []
    assert unprocessed == []
    # No job failed, none waits for a retry (the burst workers never run retries).
    queues = JobQueues(world.stack.runtime.redis)
    for name in ALL_QUEUES:
        queue = queues.queue(name)
        stuck = FailedJobRegistry(queue=queue).get_job_ids()
        stuck += ScheduledJobRegistry(queue=queue).get_job_ids()
        assert stuck == [], (name, stuck)
