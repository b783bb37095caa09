"""Jobs of the recipe engine: run claimed steps (one, or a claim batch); the birthday scan;
the code clean-up."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from rq.timeouts import JobTimeoutException
from sqlalchemy.orm import Session

from app.core import engine
from app.core.discounts import stores_with_expired_codes
from app.core.enrollment import stores_with_recipe
from app.core.ports import AuthRevoked, ConnectorError, RateLimited, StoreConnector
from app.db.base import utcnow
from app.db.models import Store
from app.runtime import Runtime
from workers import services
from workers.queues import STEP_BATCH_BUDGET, STEP_RETRY, batch_steps
from workers.runtime import current, job, queues

log = logging.getLogger(__name__)


@job
def run_step(enrollment_id: int, claim_token: str) -> str:
    """Run the step an enrollment was claimed for; returns what happened (sent, deferred, ...)."""
    runtime = current()
    connectors = _Connectors(runtime)
    step_services = replace(services.step_services(runtime), connector_for=connectors.get)
    try:
        with runtime.db.session() as session:
            result = engine.run_step(session, enrollment_id, claim_token, step_services)
    finally:
        connectors.close()
    log.info("enrollment %s: %s %s", enrollment_id, result.outcome, result.detail)
    return result.outcome


@job
def run_steps(claim_token: str, steps: str) -> dict[str, int]:
    """Run the steps one claim statement took (`JobQueues.enqueue_step_batch`; `steps` is
    "<enrollment>:<step>,..." in the order they fell due); returns the count of each outcome.

    Each step runs exactly as `run_step` runs it (its own claim check, its own commits in the
    same order), so a worker killed anywhere leaves every step where RQ's retry of this job
    resumes it: steps already settled are stale and skipped, the interrupted one finds its
    message and code rows. What the batch shares is the per-job cost: one RQ job, one session,
    one connector (and HTTP connection pool) per store, the sender's session.

    A step that raises is handed on as a job of its own (`step-<enrollment>-<step>`, with the
    single step's retry policy) after the wait a failed step job would have had, and the batch
    goes on. A rate limit hands on this step and every later one, after the wait the platform
    asked for. A permanent refusal leaves the claim to the reaper, as a failed step job does.
    """
    runtime = current()
    pending = batch_steps(steps)
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    connectors = _Connectors(runtime)
    step_services = replace(services.step_services(runtime), connector_for=connectors.get)
    try:
        with runtime.db.session() as session:
            for index, (enrollment_id, step) in enumerate(pending):
                # Each step reads its rows afresh, as a job of its own would.
                session.expunge_all()
                if time.monotonic() - started > STEP_BATCH_BUDGET:
                    _hand_off(pending[index:], claim_token, delay=0)
                    outcomes["handed_off"] += len(pending) - index
                    break
                try:
                    result = engine.run_step(session, enrollment_id, claim_token, step_services)
                except RateLimited as error:
                    _rolled_back(session)
                    wait = math.ceil(error.retry_after) or 1
                    log.warning("rate limited: %d steps handed on", len(pending) - index)
                    _hand_off(pending[index:], claim_token, delay=wait)
                    outcomes["handed_off"] += len(pending) - index
                    break
                except JobTimeoutException:
                    raise  # RQ's own: the batch's retry resumes every unsettled step
                except Exception as error:  # noqa: BLE001 - any failure: that step alone retries
                    _rolled_back(session)
                    outcomes[_after_failure(error, enrollment_id, step, claim_token)] += 1
                    continue
                outcomes[result.outcome] += 1
                log.info("enrollment %s: %s %s", enrollment_id, result.outcome, result.detail)
    finally:
        connectors.close()
    return dict(outcomes)


def _after_failure(error: Exception, enrollment_id: int, step: int, claim_token: str) -> str:
    """Hand a failed step on to a job of its own, unless the platform refused for good (then
    the reaper releases the claim, as after a failed step job)."""
    if isinstance(error, ConnectorError) and not error.retryable:
        level = logging.ERROR if isinstance(error, AuthRevoked) else logging.WARNING
        log.log(level, "enrollment %s failed permanently: %s", enrollment_id, error)
        return "refused"
    if isinstance(error, ConnectorError):
        log.warning("enrollment %s: step %s failed, retried: %s", enrollment_id, step, error)
    else:
        log.error("enrollment %s: step %s failed", enrollment_id, step, exc_info=error)
    _hand_off([(enrollment_id, step)], claim_token, delay=_first_retry_wait())
    return "handed_off"


def _first_retry_wait() -> int:
    intervals = STEP_RETRY.intervals
    return int(intervals[0]) if intervals else 10


def _hand_off(steps: list[tuple[int, int]], claim_token: str, *, delay: int) -> None:
    job_queues = queues()
    for enrollment_id, step in steps:
        job_queues.hand_off_step(enrollment_id, step, claim_token, delay=delay)


def _rolled_back(session: Session) -> None:
    """The failed step's transaction is over (run_step recorded its error); the next step
    starts clean. A database that is gone fails the next step too, which is handed on."""
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already invalid; the next use reconnects
        log.debug("rollback after a failed step failed", exc_info=True)


class _Connectors:
    """One connector per store for a step job or a batch, all closed at its end (a --no-fork
    worker lives for many jobs: an open connector would keep its pooled sockets)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.opened: dict[int, StoreConnector] = {}

    def get(self, store: Store) -> StoreConnector:
        if store.id not in self.opened:
            self.opened[store.id] = services.store_connector(store, self.runtime)
        return self.opened[store.id]

    def close(self) -> None:
        for connector in self.opened.values():
            services.close_connector(connector)
        self.opened.clear()


@job
def scan_birthdays() -> int:
    """Enroll today's and tomorrow's birthdays in every store with the recipe on (hourly; the
    year is the trigger ref, so running it again enrolls nobody twice)."""
    runtime = current()
    with runtime.db.session() as session:
        store_ids = stores_with_recipe(session, "birthday")
    enrolled = 0
    for store_id in store_ids:
        with runtime.db.session() as session:
            store = session.get(Store, store_id)
            if store is None:
                continue
            enrolled += engine.scan_birthdays(session, store, utcnow())
            session.commit()
    return enrolled


#: How long an expired code stays in the store before the nightly clean-up deletes it.
EXPIRED_CODE_GRACE = timedelta(days=1)


@job
def expire_discount_codes() -> int:
    """Nightly: delete expired, unredeemed codes from each store through its connector.

    Codes are deleted a day after they expire: the platform itself refuses an expired code at
    checkout with its own "expired" message, which is kinder than "does not exist".
    """
    runtime = current()
    now = utcnow() - EXPIRED_CODE_GRACE
    with runtime.db.session() as session:
        store_ids = stores_with_expired_codes(session, now)
    deleted = 0
    for store_id in store_ids:
        with runtime.db.session() as session:
            store = session.get(Store, store_id)
            if store is None or not store.is_active:
                continue
            connector = None
            try:
                connector = services.store_connector(store, runtime)
                deleted += engine.expire_codes(session, store, connector, now)
            except ConnectorError as error:
                # One store's outage must not stop the others; tomorrow's run tries again.
                log.warning("store %s: expired codes not deleted: %s", store_id, error)
            finally:
                services.close_connector(connector)
    return deleted
