"""A claim batch's steps run by one job (`workers.steps.run_steps`): each step as a job of its
own would run it, failures handed on to jobs of their own, and the reaper knows the batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.ports import RateLimited, Transient
from app.db.base import utcnow
from app.db.models import Enrollment, Message
from tests.factories import make_store
from tests.integration.engine_support import Engine, cart, customer_data
from tests.integration.test_engine_jobs import NO_QUIET_HOURS, fakes, work  # noqa: F401
from workers import maintenance
from workers.queues import STEPS, JobQueues

SHOPPERS = [customer_data(number, first_name=f"S{number}") for number in (1, 2, 3)]


@pytest.fixture
def due_steps(runtime, fakes):  # noqa: F811 - the fixture imported above
    """Three abandoned carts whose code step (step 1) is due now."""
    with runtime.db.session() as session:
        store = make_store(session, settings=NO_QUIET_HOURS)
        harness = Engine(session, store, now=utcnow() - timedelta(hours=25))
        harness.enable("abandoned_cart", holdout_percent=0)
        for shopper in SHOPPERS:
            harness.ingest(cart(f"tok-{shopper.platform_id}", shopper, harness.now))
        harness.connector, harness.sender = fakes
        harness.run_until(harness.now + timedelta(hours=2))
        session.commit()
    connector, sender = fakes
    assert len(sender.sent) == 3
    return fakes


def enrollments(runtime) -> list[Enrollment]:
    with runtime.db.session() as session:
        return list(session.execute(select(Enrollment).order_by(Enrollment.id)).scalars())


def code_step_emails(sender) -> dict[str, int]:
    """How many emails each shopper got after the first reminder."""
    counts: dict[str, int] = {}
    for message in sender.sent[3:]:
        counts[message.to_email] = counts.get(message.to_email, 0) + 1
    return counts


def test_the_sweep_queues_one_job_per_claim_batch_and_it_runs_every_step(
    runtime, due_steps
) -> None:
    connector, sender = due_steps
    assert maintenance.sweep_due_enrollments() == 3
    queue = JobQueues(runtime.redis).queue(STEPS)
    [job_id] = queue.job_ids
    token = enrollments(runtime)[0].claim_token
    assert job_id == f"steps-{token}"

    work(runtime)

    assert code_step_emails(sender) == {shopper.email: 1 for shopper in SHOPPERS}
    assert len(connector.codes) == 3
    assert {(row.state, row.step) for row in enrollments(runtime)} == {("active", 2)}


def test_a_failing_step_is_handed_on_and_the_rest_of_the_batch_goes_on(runtime, due_steps) -> None:
    connector, sender = due_steps
    connector.fail_next("issue_codes", Transient("store hiccup"))
    maintenance.sweep_due_enrollments()
    first = enrollments(runtime)[0]

    work(runtime)

    # The first shopper's step waits as a job of its own (the single step's first retry, 10 s);
    # the other two went out.
    assert code_step_emails(sender) == {SHOPPERS[1].email: 1, SHOPPERS[2].email: 1}
    scheduled = JobQueues(runtime.redis).queue(STEPS).scheduled_job_registry
    assert scheduled.get_job_ids() == [f"step-{first.id}-1"]
    assert enrollments(runtime)[0].state == "claimed"

    scheduled.requeue(f"step-{first.id}-1")  # its wait is over
    work(runtime)
    assert code_step_emails(sender) == {shopper.email: 1 for shopper in SHOPPERS}
    assert len(connector.codes) == 3


def test_a_rate_limit_hands_on_this_and_every_later_step_after_the_wait_asked(
    runtime, due_steps
) -> None:
    connector, sender = due_steps
    sender.fail_next("send", RateLimited("429", retry_after=40))
    maintenance.sweep_due_enrollments()

    work(runtime)

    assert code_step_emails(sender) == {}
    assert connector.count("issue_codes") == 1  # the later steps did not start
    queues = JobQueues(runtime.redis)
    scheduled = queues.queue(STEPS).scheduled_job_registry
    ids = [row.id for row in enrollments(runtime)]
    assert sorted(scheduled.get_job_ids()) == sorted(f"step-{i}-1" for i in ids)
    for job_id in scheduled.get_job_ids():
        job = queues.fetch(job_id)
        assert job is not None
        wait = (scheduled.get_scheduled_time(job) - utcnow()).total_seconds()
        assert 30 <= wait <= 41
    with runtime.db.session() as session:
        assert set(session.execute(select(Message.status).where(Message.step == 1)).scalars()) == {
            "queued"
        }

    for job_id in scheduled.get_job_ids():
        scheduled.requeue(job_id)
    work(runtime)
    assert code_step_emails(sender) == {shopper.email: 1 for shopper in SHOPPERS}
    assert len(connector.codes) == 3


def test_the_reaper_leaves_a_waiting_batch_alone_and_releases_a_finished_ones_claims(
    runtime, due_steps
) -> None:
    maintenance.sweep_due_enrollments()
    with runtime.db.session() as session:
        session.execute(update(Enrollment).values(claimed_at=utcnow() - timedelta(minutes=30)))
        session.commit()
    assert maintenance.reap_stale_claims() == 0  # its batch job still waits in the queue

    # The batch ran but left its steps claimed (as a worker killed mid-batch would, once RQ
    # gave up on the job): the reaper hands them back to the schedule.
    [job_id] = JobQueues(runtime.redis).queue(STEPS).job_ids
    job = JobQueues(runtime.redis).fetch(job_id)
    assert job is not None
    job.set_status("finished")
    assert maintenance.reap_stale_claims() == 3
    assert {row.state for row in enrollments(runtime)} == {"active"}
