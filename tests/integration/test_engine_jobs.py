"""The engine through its real jobs: the clock's sweep, RQ step jobs, the reaper, cron."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import update

from app.core import enrollment
from app.db.base import utcnow
from app.db.models import Enrollment
from tests.factories import make_store
from tests.fakes import FakeLinkSigner, FakeRenderer, FakeSender, FakeStoreConnector
from tests.integration.engine_support import Engine, cart, customer_data
from workers import handlers, maintenance, services
from workers import steps as step_jobs
from workers.queues import STEPS, JobQueues
from workers.serializer import JobSerializer

ADA = customer_data(1)
#: These tests run on the real clock: no quiet hours, whatever the time of day.
NO_QUIET_HOURS = {"quiet_hours": {"enabled": False, "start": "21:00", "end": "08:00"}}


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The four adapter constructors replaced by shared fakes (the real ones land elsewhere)."""
    connector, sender = FakeStoreConnector(), FakeSender()
    renderer, signer = FakeRenderer(), FakeLinkSigner()
    monkeypatch.setattr(services, "store_connector", lambda store, runtime: connector)
    monkeypatch.setattr(services, "message_sender", lambda runtime: sender)
    monkeypatch.setattr(services, "email_renderer", lambda runtime: renderer)
    monkeypatch.setattr(services, "link_signer", lambda runtime: signer)
    return connector, sender


@pytest.fixture
def due_step(runtime, fakes):
    """A store with abandoned cart on and a cart whose step 2 (the code) is due now."""
    with runtime.db.session() as session:
        store = make_store(session, settings=NO_QUIET_HOURS)
        harness = Engine(session, store, now=utcnow() - timedelta(hours=25))
        harness.enable("abandoned_cart", holdout_percent=0)
        harness.ingest(cart("tok-1", ADA, harness.now))
        # Step 1 ran a day ago, through the harness with the same fakes.
        harness.connector, harness.sender = fakes
        harness.run_until(harness.now + timedelta(hours=2))
        session.commit()
    return fakes


def work(runtime) -> None:
    queue = JobQueues(runtime.redis).queue(STEPS)
    SimpleWorker([queue], connection=runtime.redis, serializer=JobSerializer).work(burst=True)


def enrollment_row(runtime) -> Enrollment:
    with runtime.db.session() as session:
        from sqlalchemy import select

        return session.execute(select(Enrollment)).scalar_one()


def test_the_router_and_the_clock_know_the_engine() -> None:
    assert enrollment.listener in handlers.build_router().listeners
    scheduler = CronScheduler(connection=None)  # type: ignore[arg-type]
    scheduler.load_config_from_file("workers.cron")
    names = {job.func_name for job in scheduler.get_jobs()}
    assert {
        "workers.maintenance.sweep_due_enrollments",
        "workers.maintenance.reap_stale_claims",
        "workers.steps.scan_birthdays",
        "workers.steps.expire_discount_codes",
    } <= names


def test_sweep_queues_a_job_per_claim_batch_and_the_worker_sends(runtime, due_step) -> None:
    connector, sender = due_step
    assert len(sender.sent) == 1
    assert maintenance.sweep_due_enrollments() == 1
    assert maintenance.sweep_due_enrollments() == 0  # claimed: not handed out again
    queue = JobQueues(runtime.redis).queue(STEPS)
    [job_id] = queue.job_ids
    row = enrollment_row(runtime)
    assert job_id == f"steps-{row.claim_token}"
    work(runtime)
    assert len(sender.sent) == 2 and len(connector.codes) == 1
    assert enrollment_row(runtime).step == 2


def test_a_step_job_closes_the_connector_it_opened(runtime, due_step, monkeypatch) -> None:
    # A --no-fork worker runs many jobs in one process: an open connector would keep its
    # pooled sockets until garbage collection.
    connector, sender = due_step
    closed: list[object] = []
    monkeypatch.setattr(connector, "close", lambda: closed.append(connector), raising=False)
    maintenance.sweep_due_enrollments()
    work(runtime)
    assert len(connector.codes) == 1 and closed == [connector]


def test_a_step_job_delivered_twice_sends_once(runtime, due_step) -> None:
    connector, sender = due_step
    maintenance.sweep_due_enrollments()
    row = enrollment_row(runtime)
    queues = JobQueues(runtime.redis)
    work(runtime)
    # The same job again (a duplicate delivery): the finished job is replaced and runs.
    assert queues.enqueue_step(row.id, 1, row.claim_token) is not None
    work(runtime)
    assert len(sender.sent) == 2 and len(connector.codes) == 1
    assert connector.count("issue_codes") == 1


def test_a_job_that_died_after_the_code_is_retried_with_one_code_one_email(
    runtime, due_step, monkeypatch
) -> None:
    connector, sender = due_step

    def die_after_code(name: str) -> None:
        if name == "code_issued":
            raise RuntimeError("worker lost")

    monkeypatch.setattr(services, "checkpoint", die_after_code)
    maintenance.sweep_due_enrollments()
    row = enrollment_row(runtime)
    work(runtime)
    assert len(sender.sent) == 1 and len(connector.codes) == 1
    assert enrollment_row(runtime).state == "claimed"

    monkeypatch.setattr(services, "checkpoint", lambda name: None)
    assert step_jobs.run_step(row.id, row.claim_token) == "sent"  # the retry RQ would run
    assert len(sender.sent) == 2 and len(connector.codes) == 1
    assert connector.count("issue_codes") == 1


def test_redis_losing_the_job_is_repaired_by_the_reaper(runtime, due_step) -> None:
    connector, sender = due_step
    maintenance.sweep_due_enrollments()
    runtime.redis.flushdb()  # the queued job is gone; the claim is still in the database
    assert maintenance.reap_stale_claims() == 0  # too recent to call dead
    with runtime.db.session() as session:
        session.execute(update(Enrollment).values(claimed_at=utcnow() - timedelta(minutes=11)))
        session.commit()
    assert maintenance.reap_stale_claims() == 1
    assert enrollment_row(runtime).state == "active"
    assert maintenance.sweep_due_enrollments() == 1
    work(runtime)
    assert len(sender.sent) == 2 and len(connector.codes) == 1


def test_the_reaper_leaves_a_live_job_alone(runtime, due_step) -> None:
    maintenance.sweep_due_enrollments()
    with runtime.db.session() as session:
        session.execute(update(Enrollment).values(claimed_at=utcnow() - timedelta(minutes=30)))
        session.commit()
    assert maintenance.reap_stale_claims() == 0  # its job still waits in the queue
    assert enrollment_row(runtime).state == "claimed"


def test_birthday_scan_and_code_clean_up_jobs(runtime, fakes) -> None:
    from app.core.values import Birthday, CustomerUpserted

    connector, sender = fakes
    now = utcnow()
    with runtime.db.session() as session:
        store = make_store(session, timezone="UTC", settings=NO_QUIET_HOURS)
        harness = Engine(session, store, now=now)
        harness.enable("birthday", holdout_percent=0)
        today = Birthday(now.month, now.day)
        harness.ingest(CustomerUpserted(customer_data(1, birthday=today)))
        session.commit()
    assert step_jobs.scan_birthdays() == 1
    assert step_jobs.scan_birthdays() == 0
    with runtime.db.session() as session:
        session.execute(update(Enrollment).values(next_run_at=now - timedelta(minutes=1)))
        session.commit()
    maintenance.sweep_due_enrollments()
    work(runtime)
    assert len(sender.sent) == 1 and len(connector.codes) == 1
    from app.db.models import IssuedDiscount

    with runtime.db.session() as session:
        session.execute(
            update(IssuedDiscount).values(expires_at=now - timedelta(days=1, minutes=1))
        )
        session.commit()
    assert step_jobs.expire_discount_codes() == 1
    assert connector.codes == {} and len(connector.deleted) == 1
    assert step_jobs.expire_discount_codes() == 0
