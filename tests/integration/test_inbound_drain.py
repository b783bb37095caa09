"""Drains of stored inbound events: woken cheaply, each event claimed and processed once."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

import connectors
from app.core.inbox import accept_event, stalled_events
from app.core.ports import Transient
from app.db import Database
from app.db.models import Customer, InboundEvent
from app.runtime import Runtime
from tests.factories import make_store
from workers import events, maintenance
from workers import runtime as worker_runtime
from workers.queues import INBOUND, INBOUND_WAKE_KEY, JobQueues, QueueUnavailable


@pytest.fixture(autouse=True)
def fake_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connectors.EVENT_MAPPERS, "testplatform", "tests.fake_platform")


def store_events(database: Database, store_id: int, count: int, first: int = 0) -> list[int]:
    with database.session_scope() as session:
        return [
            accept_event(
                session,
                platform="testplatform",
                store_id=store_id,
                external_id=f"evt-{number}",
                topic="customers/update",
                body=json.dumps({"id": number, "email": f"shopper{number}@example.com"}),
            ).event_id
            for number in range(first, first + count)
        ]


def queued_job_ids(queues: JobQueues) -> list[str]:
    return list(queues.queue(INBOUND).get_job_ids())


def test_a_waiting_drain_absorbs_further_wake_ups(redis_client) -> None:
    queues = JobQueues(redis_client)
    first = queues.wake_inbound_drain()
    assert first is not None and first.id.startswith("inbound-drain-")
    assert queues.wake_inbound_drain() is None
    assert queues.wake_inbound_drain() is None
    assert queued_job_ids(queues) == [first.id]
    # A drain starting clears the flag: the next stored event wakes the next drain.
    queues.clear_inbound_wake()
    second = queues.wake_inbound_drain()
    assert second is not None and len(queued_job_ids(queues)) == 2
    assert 0 < redis_client.ttl(INBOUND_WAKE_KEY) <= 30


def test_a_drain_processes_every_waiting_event_and_recruits_a_second_worker(
    runtime, session
) -> None:
    store = make_store(session)
    session.commit()
    ids = store_events(runtime.db, store.id, 5)

    assert events.drain_inbound_events() == 5

    statuses = session.execute(
        select(InboundEvent.status, InboundEvent.attempts).where(InboundEvent.id.in_(ids))
    ).all()
    assert statuses == [("done", 1)] * 5
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 5
    # After its first event it woke one more drain, for an idle worker to join a backlog.
    assert len(queued_job_ids(JobQueues(runtime.redis))) == 1
    assert events.drain_inbound_events() == 0


def test_out_of_time_a_drain_hands_over_to_a_fresh_one(runtime, session, monkeypatch) -> None:
    store = make_store(session)
    session.commit()
    store_events(runtime.db, store.id, 3)
    monkeypatch.setattr(events, "DRAIN_SECONDS", 0.0)
    queues = JobQueues(runtime.redis)

    assert events.drain_inbound_events() == 0
    assert len(queued_job_ids(queues)) == 1  # the successor, though no event was claimed yet
    queues.clear_inbound_wake()
    monkeypatch.setattr(events, "DRAIN_SECONDS", 60.0)
    assert events.drain_inbound_events() == 3


def test_a_failing_event_goes_to_its_own_retrying_job_and_the_drain_goes_on(
    runtime, session, monkeypatch
) -> None:
    store = make_store(session)
    session.commit()
    ids = store_events(runtime.db, store.id, 3)
    real_handler = events.handle_inbound_event

    def flaky(handler_session, event) -> None:
        if event.id == ids[1]:
            raise Transient("platform timed out")
        real_handler(handler_session, event)

    monkeypatch.setattr(events, "handle_inbound_event", flaky)
    assert events.drain_inbound_events() == 3

    failed = session.get(InboundEvent, ids[1])
    assert failed is not None
    session.refresh(failed)
    assert (failed.status, failed.attempts) == ("received", 1)
    assert "platform timed out" in (failed.error or "")
    assert f"inbound-{ids[1]}" in queued_job_ids(JobQueues(runtime.redis))
    # Tried once, it is left to that job: the next drain does not claim it again.
    assert events.drain_inbound_events() == 0

    monkeypatch.setattr(events, "handle_inbound_event", real_handler)
    assert events.process_inbound_event(ids[1]) == "done"


def test_a_permanently_failing_event_is_kept_failed_for_replay(
    runtime, session, monkeypatch
) -> None:
    store = make_store(session)
    session.commit()
    [event_id] = store_events(runtime.db, store.id, 1)
    with runtime.db.session_scope() as writer:
        event = writer.get(InboundEvent, event_id)
        assert event is not None
        event.topic = "orders/paid"  # the fake mapping does not know it: a mapping bug

    assert events.drain_inbound_events() == 1
    event = session.get(InboundEvent, event_id)
    assert event is not None
    session.refresh(event)
    assert event.status == "failed" and "unmapped topic orders/paid" in (event.error or "")
    assert f"inbound-{event_id}" not in queued_job_ids(JobQueues(runtime.redis))


def test_the_sweep_wakes_a_drain_for_events_no_drain_took(runtime, session, monkeypatch) -> None:
    store = make_store(session)
    session.commit()
    store_events(runtime.db, store.id, 2)
    monkeypatch.setattr(maintenance, "STALL_AFTER", maintenance.timedelta(0))

    assert maintenance.requeue_stalled_events() == 2
    [drain] = queued_job_ids(JobQueues(runtime.redis))
    assert drain.startswith("inbound-drain-")


def test_two_drains_side_by_side_process_each_event_once(
    committed_db: Database, settings, redis_client
) -> None:
    """Two workers' drains on real connections: SKIP LOCKED hands every event to one of them."""
    if committed_db.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite runs one writer at a time)")
    worker_runtime.install(Runtime(settings, database=committed_db))
    with committed_db.session_scope() as session:
        store = make_store(session)
        session.flush()
        store_id = store.id
    ids = store_events(committed_db, store_id, 120)
    counts: list[int] = []
    failures: list[BaseException] = []

    def drain() -> None:
        try:
            counts.append(events.drain_inbound_events())
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=drain) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        worker_runtime.install(None)

    assert not failures
    assert sum(counts) == 120, counts
    with committed_db.session() as session:
        rows = session.execute(
            select(InboundEvent.status, InboundEvent.attempts, func.count())
            .where(InboundEvent.id.in_(ids))
            .group_by(InboundEvent.status, InboundEvent.attempts)
        ).all()
        customers = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    assert rows == [("done", 1, 120)]
    assert customers == 120


def test_a_retry_redis_refuses_is_left_to_the_sweep_and_the_drain_goes_on(
    runtime, session, monkeypatch
) -> None:
    store = make_store(session)
    session.commit()
    ids = store_events(runtime.db, store.id, 2)
    real_handler = events.handle_inbound_event

    def flaky(handler_session, event) -> None:
        if event.id == ids[0]:
            raise Transient("platform timed out")
        real_handler(handler_session, event)

    def refuse(self, event_id: int) -> None:
        raise QueueUnavailable("redis is down")

    monkeypatch.setattr(events, "handle_inbound_event", flaky)
    monkeypatch.setattr(JobQueues, "enqueue_inbound_event", refuse)
    assert events.drain_inbound_events() == 2
    rows = dict(
        session.execute(
            select(InboundEvent.id, InboundEvent.status).where(InboundEvent.id.in_(ids))
        ).all()
    )
    assert rows == {ids[0]: "received", ids[1]: "done"}
    # Tried once and still received: the sweep hands it to its own job.
    stalled = stalled_events(session, older_than=maintenance.timedelta(0))
    assert [event_id for event_id, attempts in stalled if attempts] == [ids[0]]
