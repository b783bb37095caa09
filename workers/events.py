"""Jobs for the inbox: drain stored inbound events, and retry one that failed.

The web process stores each webhook and wakes a drain (`JobQueues.wake_inbound_drain`); a
drain claims events one at a time in the database (`claim_next_event`, SKIP LOCKED) until none
is left, each in its own transaction. One RQ job then serves hundreds of events instead of one,
and the database, not Redis, says which events are waiting.
"""

from __future__ import annotations

import logging
import time

from app.core.enrollment import STEPS_DUE_NOW
from app.core.inbox import claim_next_event, process_claimed_event, process_event
from app.core.ports import ConnectorError
from workers.handlers import handle_inbound_event
from workers.maintenance import sweep_due_enrollments
from workers.queues import QueueUnavailable
from workers.runtime import current, job, queues

log = logging.getLogger(__name__)

#: A drain hands over to a fresh job after this long, so a backlog does not hold one job past
#: its timeout and other queues' jobs get a turn between drains.
DRAIN_SECONDS = 20.0
#: Steps due at once (a delay of 0) are claimed at most this often while a drain runs.
DUE_SWEEP_EVERY = 0.5


@job
def process_inbound_event(event_id: int) -> str:
    """Map and ingest one stored event; returns its final status (done, ignored, ...).

    Retries an event that failed in a drain (RQ's backoff), and serves replays and the sweep
    of stalled events."""
    with current().db.session() as session:
        status = process_event(session, event_id, handle_inbound_event)
        due_now = session.info.pop(STEPS_DUE_NOW, False)
    if due_now:
        # A step due at once is claimed now rather than at the clock's next tick (up to 30 s).
        sweep_due_enrollments()
    return status


@job
def drain_inbound_events() -> int:
    """Process stored events until none is waiting (or DRAIN_SECONDS passed); returns how many.

    Starting, it clears the wake flag: an event stored after that wakes another drain, and
    after its first event it wakes one more itself, so every idle worker joins a backlog.
    """
    job_queues = queues()
    job_queues.clear_inbound_wake()
    started = time.monotonic()
    processed, due_pending, last_sweep = 0, False, 0.0
    while time.monotonic() - started < DRAIN_SECONDS:
        outcome = _process_next()
        if outcome is None:
            break
        processed += 1
        due_pending = due_pending or outcome
        if processed == 1:
            job_queues.wake_inbound_drain()
        if due_pending and time.monotonic() - last_sweep >= DUE_SWEEP_EVERY:
            sweep_due_enrollments()
            due_pending, last_sweep = False, time.monotonic()
    else:
        job_queues.wake_inbound_drain()  # out of time with events left: a fresh job goes on
    if due_pending:
        sweep_due_enrollments()
    return processed


def _process_next() -> bool | None:
    """Claim and process one event; None when none is waiting, else whether it made a step due
    at once. A failed event is recorded on its row and handed to `process_inbound_event`."""
    with current().db.session() as session:
        event = claim_next_event(session)
        if event is None:
            return None
        event_id = event.id
        try:
            process_claimed_event(session, event, handle_inbound_event)
        except Exception as error:  # noqa: BLE001 - recorded on the event, retried by its own job
            _hand_over_failure(event_id, error)
            return False
        return bool(session.info.pop(STEPS_DUE_NOW, False))


def _hand_over_failure(event_id: int, error: Exception) -> None:
    if isinstance(error, ConnectorError) and error.retryable:
        log.warning("inbound event %s failed, will retry: %s", event_id, error)
        try:
            queues().enqueue_inbound_event(event_id)
        except QueueUnavailable:
            # Recorded as tried and still received: the clock's sweep requeues it.
            log.warning("inbound event %s: retry not queued (Redis unavailable)", event_id)
    else:
        log.exception("inbound event %s failed", event_id, exc_info=error)
