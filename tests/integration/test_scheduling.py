"""The due-sweep: concurrent claimers never share an enrollment; dead claims are released."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.scheduling import MAX_ATTEMPTS, claim_due, release_claim, stale_claims
from app.db.models import Customer, Enrollment
from tests.factories import make_store

NOW = datetime(2026, 11, 2, 15, tzinfo=UTC)


def seed(session, count: int, *, due: datetime = NOW) -> list[int]:
    store = make_store(session)
    customer = Customer(store_id=store.id, email="c@example.com", consent="subscribed")
    session.add(customer)
    session.flush()
    rows = [
        Enrollment(
            store_id=store.id,
            recipe="abandoned_cart",
            customer_id=customer.id,
            trigger_ref=f"tok-{index}",
            next_run_at=due - timedelta(seconds=index),
        )
        for index in range(count)
    ]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def test_concurrent_claimers_never_share_an_enrollment(committed_db) -> None:
    with committed_db.session() as session:
        ids = set(seed(session, 300))
    claimed: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer(slot: int) -> None:
        try:
            start.wait()
            with committed_db.session() as session:
                while claims := claim_due(session, NOW, limit=7):
                    claimed[slot].extend(claim.enrollment_id for claim in claims)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=claimer, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    everything = [enrollment_id for part in claimed for enrollment_id in part]
    assert len(everything) == len(set(everything)), "an enrollment was handed out twice"
    assert set(everything) == ids
    assert sum(1 for part in claimed if part) >= 2, "the claimers did not overlap at all"
    with committed_db.session() as session:
        states = set(session.execute(select(Enrollment.state)).scalars())
        tokens = session.execute(select(Enrollment.claim_token).distinct()).scalars().all()
    assert states == {"claimed"} and None not in tokens


def test_only_due_active_enrollments_are_claimed_oldest_first(session) -> None:
    ids = seed(session, 3)
    later = Enrollment(
        store_id=session.get(Enrollment, ids[0]).store_id,
        recipe="birthday",
        customer_id=session.get(Enrollment, ids[0]).customer_id,
        trigger_ref="2026",
        next_run_at=NOW + timedelta(minutes=1),
    )
    session.add(later)
    session.commit()
    claims = claim_due(session, NOW, limit=2)
    assert [claim.enrollment_id for claim in claims] == [ids[2], ids[1]]
    assert len({claim.token for claim in claims}) == 1
    assert [claim.enrollment_id for claim in claim_due(session, NOW)] == [ids[0]]
    assert claim_due(session, NOW) == []
    row = session.get(Enrollment, ids[0])
    session.refresh(row)
    assert (row.state, row.attempts, row.claimed_at) == ("claimed", 1, NOW)


def test_stale_claims_are_released_then_failed_after_max_attempts(session) -> None:
    [enrollment_id] = seed(session, 1)
    claim_due(session, NOW)
    assert stale_claims(session, NOW + timedelta(minutes=5), older_than=timedelta(minutes=10)) == []
    [stale] = stale_claims(session, NOW + timedelta(minutes=11), older_than=timedelta(minutes=10))
    assert release_claim(session, stale, NOW) == "released"
    assert release_claim(session, stale, NOW) == "gone"  # the token no longer matches
    row = session.get(Enrollment, enrollment_id)
    session.refresh(row)
    assert (row.state, row.claim_token, row.wait_reason) == ("active", None, "retry")

    for _attempt in range(MAX_ATTEMPTS - 1):
        claim_due(session, NOW)
        [stale] = stale_claims(session, NOW + timedelta(hours=1), older_than=timedelta(minutes=10))
        outcome = release_claim(session, stale, NOW)
    assert outcome == "failed"
    session.refresh(row)
    assert row.state == "failed" and "did not finish" in (row.last_error or "")
