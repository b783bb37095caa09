"""Periodic jobs run by the clock: re-queue stalled work, housekeeping."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from rq.job import Job, JobStatus

from app.core.inbox import stalled_events
from app.core.messaging.engagement import purge_processed_events
from app.core.retention import (
    prune_inbound_bodies,
    prune_message_payloads,
    prune_product_views,
)
from app.core.scheduling import Claim, StaleClaim, claim_due, release_claim, stale_claims
from app.db.base import utcnow
from workers.queues import JobQueues, QueueUnavailable, batch_steps, step_batch_id
from workers.runtime import current, job, queues

log = logging.getLogger(__name__)

#: An event still "received" after this long has no live drain or job: Redis lost it or never
#: had it.
STALL_AFTER = timedelta(minutes=2)
_FINISHED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
#: Due steps claimed per statement (one job runs them: `workers.steps.run_steps`), and at most
#: this many statements per tick. 100 keeps a batch within seconds and both workers busy.
CLAIM_BATCH, MAX_BATCHES = 100, 50
#: A claim older than this whose job is gone (or finished) belongs to a dead worker.
CLAIM_STALE_AFTER = timedelta(minutes=10)
#: Past this, a claim is released whatever its job says (longer than every retry backoff).
CLAIM_FORCE_AFTER = timedelta(hours=3)


@job
def requeue_stalled_events() -> int:
    """Hand events stored while Redis was down (or whose job died) back to the workers: a drain
    for those never tried, their own retrying job for those that failed before. Returns how
    many were handed over."""
    with current().db.session() as session:
        stalled = stalled_events(session, older_than=STALL_AFTER)
    untried = sum(1 for _event_id, attempts in stalled if attempts == 0)
    job_queues = queues()
    if untried:
        job_queues.wake_inbound_drain()
    requeued = untried
    for event_id in (event_id for event_id, attempts in stalled if attempts > 0):
        existing = Job.fetch_many([f"inbound-{event_id}"], connection=job_queues.connection)[0]
        if existing is not None and existing.get_status(refresh=False) not in _FINISHED:
            continue  # still waiting or running
        if existing is not None:
            existing.delete()
        if job_queues.enqueue_inbound_event(event_id):
            requeued += 1
    if requeued:
        log.info("re-queued %d stalled inbound events", requeued)
    return requeued


@job
def sweep_due_enrollments() -> int:
    """The clock's tick: claim due steps in the database and queue one job per claim batch.

    If Redis refuses a job, the claims stay in the database and the reaper hands them back.
    """
    runtime = current()
    job_queues = queues()
    claimed = 0
    for _batch in range(MAX_BATCHES):
        with runtime.db.session() as session:
            claims = claim_due(session, utcnow(), limit=CLAIM_BATCH)
        claimed += len(claims)
        try:
            queue_claims(job_queues, claims)
        except QueueUnavailable as error:
            log.warning("due steps claimed but not queued (the reaper will retry): %s", error)
            break
        if len(claims) < CLAIM_BATCH:
            break
    if claimed:
        log.info("claimed %d due steps", claimed)
    return claimed


def queue_claims(job_queues: JobQueues, claims: Sequence[Claim]) -> None:
    """One job for the steps of one `claim_due` call (they share its token)."""
    if claims:
        steps = [(claim.enrollment_id, claim.step) for claim in claims]
        job_queues.enqueue_step_batch(claims[0].token, steps)


@job
def reap_stale_claims() -> int:
    """Release steps whose job died (worker killed, Redis flushed); fail them after 5 claims."""
    runtime = current()
    now = utcnow()
    with runtime.db.session() as session:
        claims = stale_claims(session, now, older_than=CLAIM_STALE_AFTER)
    released = 0
    for claim in claims:
        if _job_still_owns(claim, now):
            continue
        with runtime.db.session() as session:
            outcome = release_claim(session, claim, now)
        if outcome != "gone":
            released += 1
            log.warning("enrollment %s step %s: claim %s", claim.enrollment_id, claim.step, outcome)
    return released


def _job_still_owns(claim: StaleClaim, now: datetime) -> bool:
    """True while a live job holds this claim (queued, running, or waiting for a retry)."""
    job_queues = queues()
    young = now - claim.claimed_at < CLAIM_FORCE_AFTER
    existing = job_queues.fetch(f"step-{claim.enrollment_id}-{claim.step}")
    if existing is not None:
        status = existing.get_status(refresh=False)
        ours = list(existing.args) == [claim.enrollment_id, claim.token]
        if ours and status not in _FINISHED and young:
            return True
        if status != JobStatus.STARTED:
            existing.delete()  # so the sweep can queue the step afresh
    # The claim batch's job, unless it finished (a step it handed on has a job of its own).
    batch = job_queues.fetch(step_batch_id(claim.token))
    if batch is None or batch.get_status(refresh=False) in _FINISHED or not young:
        return False
    listed = batch_steps(str(batch.args[1])) if len(batch.args) > 1 else []
    return (claim.enrollment_id, claim.step) in listed


@job
def purge_processed_email_events() -> int:
    """Forget the ids of provider events applied long ago (their retries are long over)."""
    with current().db.session() as session:
        purged = purge_processed_events(session)
        session.commit()
    if purged:
        log.info("purged %d processed email event ids", purged)
    return purged


@job
def prune_personal_data() -> dict[str, int]:
    """Retention (docs/data-protection.md): raw bodies of settled webhooks and rendered emails
    after INBOUND_BODY_RETENTION_DAYS, product views after PRODUCT_VIEW_RETENTION_DAYS."""
    runtime = current()
    settings = runtime.settings
    now = utcnow()
    with runtime.db.session() as session:
        keep_raw = timedelta(days=settings.inbound_body_retention_days)
        bodies = prune_inbound_bodies(session, now, keep_raw)
        payloads = prune_message_payloads(session, now, keep_raw)
        views = prune_product_views(
            session, now, timedelta(days=settings.product_view_retention_days)
        )
    if bodies or payloads or views:
        log.info(
            "retention: pruned %d webhook bodies and %d email payloads, deleted %d views",
            bodies,
            payloads,
            views,
        )
    return {"inbound_bodies": bodies, "message_payloads": payloads, "product_views": views}
