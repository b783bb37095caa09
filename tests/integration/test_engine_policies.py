"""Policies across recipes: frequency cap with priority, quiet hours in the shopper's zone,
holdout groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.enrollment import scan_birthdays
from app.core.policies import in_holdout
from app.core.scheduling import claim_due
from app.core.steps import run_step
from app.core.values import Birthday, CustomerUpserted
from tests.factories import make_store
from tests.integration.engine_support import T0, Engine, cart, customer_data


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def two_recipe_engine(session) -> tuple[Engine, object]:
    engine = Engine(session, make_store(session))  # America/New_York
    engine.enable("abandoned_cart", holdout_percent=0)
    engine.enable("birthday", holdout_percent=0)
    ada = customer_data(1, birthday=Birthday(11, 3))
    engine.ingest(CustomerUpserted(ada), at=T0)
    assert scan_birthdays(engine.session, engine.store, T0) == 1
    engine.session.commit()
    return engine, ada


def test_one_marketing_email_per_16_hours_across_recipes(session) -> None:
    engine, ada = two_recipe_engine(session)
    [birthday] = engine.enrollments("birthday")
    assert birthday.next_run_at == utc(2026, 11, 3, 14)  # 09:00 EST on the birthday
    engine.ingest(cart("tok-1", ada, utc(2026, 11, 3, 13, 30)), at=utc(2026, 11, 3, 13, 30))

    engine.run_until(utc(2026, 11, 3, 15))
    assert [email.custom_args["recipe"] for email in engine.sender.sent] == ["birthday"]
    [reminder] = engine.enrollments("abandoned_cart")
    assert reminder.wait_reason == "frequency_cap"
    # Deferred, not dropped: 16 h after the birthday email lands at 01:01 EST, inside quiet
    # hours, so it goes at 08:00 EST.
    assert reminder.next_run_at == utc(2026, 11, 4, 13)

    engine.run_until(utc(2026, 11, 4, 13, 5))
    assert [email.custom_args["recipe"] for email in engine.sender.sent] == [
        "birthday",
        "abandoned_cart",
    ]


def test_the_better_priority_goes_first_when_both_are_due(session) -> None:
    engine, ada = two_recipe_engine(session)
    engine.ingest(cart("tok-1", ada, utc(2026, 11, 3, 13)), at=utc(2026, 11, 3, 13))
    engine.now = utc(2026, 11, 3, 14)
    claims = claim_due(engine.session, engine.now)
    by_recipe = {e.id: e.recipe for e in engine.enrollments()}
    claims.sort(key=lambda claim: by_recipe[claim.enrollment_id] != "birthday")
    results = [
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
        for claim in claims
    ]
    # Birthday ran first but yielded: abandoned cart has priority 1, birthday 2.
    assert [(r.outcome, r.detail) for r in results] == [("deferred", "priority"), ("sent", "")]
    engine.run_until(utc(2026, 11, 3, 16))
    [birthday] = engine.enrollments("birthday")
    assert birthday.wait_reason == "frequency_cap"
    engine.run_until(utc(2026, 11, 4, 14))
    assert sorted(email.custom_args["recipe"] for email in engine.sender.sent) == [
        "abandoned_cart",
        "birthday",
    ]


def test_quiet_hours_in_the_shoppers_own_zone(session) -> None:
    engine = Engine(session, make_store(session))
    engine.enable("abandoned_cart", holdout_percent=0)
    kiwi = customer_data(1, timezone="Pacific/Auckland")
    # 21:00 NZDT: step 1 would be due at 22:00 in Auckland (09:00 UTC).
    engine.ingest(cart("tok-1", kiwi, utc(2026, 11, 2, 8)), at=utc(2026, 11, 2, 8))
    engine.run_until(utc(2026, 11, 2, 10))
    assert engine.sender.sent == []
    [enrollment] = engine.enrollments()
    assert enrollment.wait_reason == "quiet_hours"
    assert enrollment.next_run_at == utc(2026, 11, 2, 19)  # 08:00 NZDT on 3 November
    engine.run_until(utc(2026, 11, 2, 19))
    assert len(engine.sender.sent) == 1


def test_quiet_hours_fall_back_to_the_store_zone(session) -> None:
    engine = Engine(session, make_store(session))
    engine.enable("abandoned_cart", holdout_percent=0)
    ada = customer_data(1)
    # 20:00 EST; step 1 due at 21:00 EST.
    engine.ingest(cart("tok-1", ada, utc(2026, 11, 3, 1)), at=utc(2026, 11, 3, 1))
    engine.run_until(utc(2026, 11, 3, 12, 59))
    assert engine.sender.sent == []
    engine.run_until(utc(2026, 11, 3, 13))
    assert len(engine.sender.sent) == 1


def test_quiet_hours_across_a_dst_change(session) -> None:
    # New York, Saturday 7 March 2026: step 1 due at 21:30 EST; clocks spring forward overnight.
    engine = Engine(session, make_store(session))
    engine.enable("abandoned_cart", holdout_percent=0)
    ada = customer_data(1)
    engine.ingest(cart("tok-1", ada, utc(2026, 3, 8, 1, 30)), at=utc(2026, 3, 8, 1, 30))
    engine.run_until(utc(2026, 3, 8, 3))
    [enrollment] = engine.enrollments()
    assert enrollment.next_run_at == utc(2026, 3, 8, 12)  # 08:00 EDT, not 13:00 UTC
    engine.run_until(utc(2026, 3, 8, 12))
    assert len(engine.sender.sent) == 1


def test_the_holdout_group_is_recorded_but_gets_nothing(session) -> None:
    engine = Engine(session, make_store(session))
    engine.enable("abandoned_cart", holdout_percent=50)
    shoppers = [customer_data(number) for number in range(1, 13)]
    engine.ingest(*(CustomerUpserted(shopper) for shopper in shoppers), at=T0)
    from sqlalchemy import select

    from app.db.models import Customer

    ids = {row.email: row.id for row in engine.session.execute(select(Customer)).scalars().all()}
    held = next(
        s for s in shoppers if in_holdout(engine.store.id, "abandoned_cart", ids[s.email], 50)
    )
    treated = next(
        s for s in shoppers if not in_holdout(engine.store.id, "abandoned_cart", ids[s.email], 50)
    )
    engine.ingest(cart("tok-h", held, T0), cart("tok-t", treated, T0), at=T0)
    engine.run_until(T0 + timedelta(days=4))

    assert engine.sender.to(held.email) == []
    assert len(engine.sender.to(treated.email)) == 3
    held_messages = [m for m in engine.messages() if m.customer_id == ids[held.email]]
    assert [m.status for m in held_messages] == ["held_out"] * 3
    assert held_messages[1].payload["would_issue_code"] is True
    assert held_messages[0].payload["subject"]
    assert [code.customer_id for code in engine.codes()] == [ids[treated.email]]
    # The same customer stays in the holdout for a later series too.
    later = T0 + timedelta(days=10)
    engine.ingest(cart("tok-h2", held, later), at=later)
    assert [e.holdout for e in engine.enrollments() if e.customer_id == ids[held.email]] == [
        True,
        True,
    ]
