"""Stuck work is recovered: jobs abandoned by dead workers run again, and enrollments stuck in
"claimed" are released (or failed, visibly, after five claims), never run twice.

Workers are real processes SIGKILLed mid-job (tests/faults/killable_worker.py), forking ones and
`--no-fork` ones (which run the job in the worker process itself). Recovery is
RQ's abandoned-job handling and the clock's jobs (workers/maintenance.py), run with the clock
moved forward (tests/faults/support.py says how).
"""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import select

from app.core.scheduling import MAX_ATTEMPTS
from app.db.models import Customer, Enrollment, InboundEvent
from tests.e2e.test_shopify_webhooks import signed_post
from tests.faults.support import (
    FaultStack,
    abandon_dead_jobs,
    abandoned_cart_due_for_the_code_step,
    age_claims,
    age_events,
    assert_one_code_and_one_email,
    claim_and_queue,
    customer_body,
    in_both_worker_modes,
    release_retries,
    run_clock,
)
from workers.serializer import JobSerializer

pytestmark = pytest.mark.slow


def fetch(connection: redis.Redis, job_id: str) -> Job:
    return Job.fetch(job_id, connection=connection, serializer=JobSerializer)


def last_try(connection: redis.Redis, job_id: str) -> None:
    """The job has used up its retries (as after its sixth death): RQ will fail it for good."""
    job = fetch(connection, job_id)
    job.retries_left = 0
    job.save()


def kill_the_worker(stack: FaultStack, queue: str, point: str) -> None:
    code, output = stack.run_worker(queue, kill_at=point)
    assert code == -signal.SIGKILL, output


def deliver_event(stack: FaultStack) -> str:
    response = signed_post(stack.shop, stack.domain, "customers/create", customer_body(7))
    assert response.status_code == 200, response.text
    # The web process woke a drain for it: the one job in the inbound queue.
    [job_id] = Queue("inbound", connection=stack.redis, serializer=JobSerializer).get_job_ids()
    assert job_id.startswith("inbound-drain-")
    return job_id


def assert_event_applied_once(stack: FaultStack) -> None:
    [event] = stack.rows(InboundEvent)
    assert event.status == "done"
    assert [customer.email for customer in stack.rows(Customer)] == ["outage7@example.com"]


@in_both_worker_modes
def test_an_event_job_abandoned_by_a_dead_worker_runs_again(stack: FaultStack) -> None:
    job_id = deliver_event(stack)
    kill_the_worker(stack, "inbound", "inbound_ingested")
    # The dead worker's changes were never committed; Redis still says the job is running.
    assert stack.rows(Customer) == [] and stack.rows(InboundEvent)[0].status == "received"
    assert fetch(stack.redis, job_id).get_status() == JobStatus.STARTED

    abandon_dead_jobs(stack.redis)
    assert release_retries(stack.redis) == [job_id]
    code, output = stack.run_worker("inbound")

    assert code == 0, output
    assert_event_applied_once(stack)


@in_both_worker_modes
def test_an_event_whose_job_failed_for_good_is_queued_again_by_the_clock(
    stack: FaultStack,
) -> None:
    job_id = deliver_event(stack)
    kill_the_worker(stack, "inbound", "inbound_ingested")
    last_try(stack.redis, job_id)
    abandon_dead_jobs(stack.redis)
    assert fetch(stack.redis, job_id).get_status() == JobStatus.FAILED

    age_events(stack, timedelta(minutes=3))
    code, output = run_clock(stack, "requeue_stalled_events")

    assert code == 0, output
    assert_event_applied_once(stack)


@in_both_worker_modes
def test_a_claim_whose_worker_died_is_released_and_the_step_runs_once(stack: FaultStack) -> None:
    abandoned_cart_due_for_the_code_step(stack)
    job_id = claim_and_queue(stack)
    kill_the_worker(stack, "steps", "code_issued")
    last_try(stack.redis, job_id)
    abandon_dead_jobs(stack.redis)  # the job is failed; the enrollment is still "claimed"
    assert stack.enrollment().state == "claimed"

    code, output = run_clock(stack, "reap_stale_claims", "sweep_due_enrollments")
    assert code == 0, output
    assert stack.enrollment().state == "claimed"  # too young to call abandoned
    assert stack.emails() == []

    age_claims(stack, timedelta(minutes=11))
    code, output = run_clock(stack, "reap_stale_claims", "sweep_due_enrollments")

    assert code == 0, output
    assert_one_code_and_one_email(stack)


def test_a_claim_whose_job_is_still_waiting_is_left_alone(stack: FaultStack) -> None:
    abandoned_cart_due_for_the_code_step(stack)
    job_id = claim_and_queue(stack)
    token = stack.enrollment().claim_token
    age_claims(stack, timedelta(minutes=11))  # the workers are busy: the job waits a long time

    code, output = run_clock(
        stack, "reap_stale_claims", "sweep_due_enrollments", queues=("default",)
    )

    assert code == 0, output
    enrollment = stack.enrollment()
    assert (enrollment.state, enrollment.claim_token) == ("claimed", token)
    assert fetch(stack.redis, job_id).get_status() == JobStatus.QUEUED
    code, output = stack.run_worker("steps")
    assert code == 0, output
    assert len(stack.emails()) == 1


@in_both_worker_modes
def test_a_step_that_keeps_killing_its_worker_fails_after_five_claims(stack: FaultStack) -> None:
    enrollment_id = abandoned_cart_due_for_the_code_step(stack)
    with stack.database.session() as session:
        enrollment = session.get(Enrollment, enrollment_id)
        assert enrollment is not None
        enrollment.attempts = MAX_ATTEMPTS - 1  # four earlier claims died the same way
        session.commit()
    job_id = claim_and_queue(stack)
    kill_the_worker(stack, "steps", "claimed")
    last_try(stack.redis, job_id)
    abandon_dead_jobs(stack.redis)
    age_claims(stack, timedelta(minutes=11))

    code, output = run_clock(stack, "reap_stale_claims", "sweep_due_enrollments")

    assert code == 0, output
    enrollment = stack.enrollment()
    assert enrollment.state == "failed"
    assert f"did not finish after {MAX_ATTEMPTS} attempts" in (enrollment.last_error or "")
    assert stack.emails() == []
    with stack.database.session() as session:
        assert session.execute(select(Enrollment.next_run_at)).scalar_one() is None
