"""Queue names, retry policies and job ids: the only place that calls `Queue.enqueue`.

Jobs take primitive ids and are serialised as JSON, so a stray object fails at enqueue time.
Every job id is a business key (`inbound-<event id>`, `step-<enrollment>-<step>`), so enqueuing
the same work twice while it waits is refused by RQ, and the database's unique keys stop what
gets past that. Drains of new inbound events are the exception: they carry no work of their own
(the database says which events wait), so any number may run and one waiting is enough.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus

from workers.serializer import JobSerializer

log = logging.getLogger(__name__)

#: Queues in the order a worker serves them: fresh webhooks first, bulk work last.
INBOUND = "inbound"
STEPS = "steps"
DEFAULT = "default"
BULK = "bulk"
ALL_QUEUES = (INBOUND, STEPS, DEFAULT, BULK)

#: Set while a drain of inbound events waits in the queue (`JobQueues.wake_inbound_drain`).
INBOUND_WAKE_KEY = "nudge:inbound:drain-queued"
#: Longer than a drain normally waits for a worker; a lost drain's flag expires after it.
INBOUND_WAKE_TTL = 30

#: Retries with backoff for transient faults; RateLimited overrides the wait with its own.
INBOUND_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])
STEP_RETRY = Retry(max=6, interval=[10, 60, 300, 900, 1800, 3600])
SYNC_RETRY = Retry(max=8, interval=[30, 60, 120, 300, 600, 1200, 1800, 3600])
#: A batch of steps hands its remaining steps on (as jobs of their own) after this long: well
#: inside RQ's default job timeout (180 s), which is also how late RQ notices that a dead
#: --no-fork worker's job was abandoned.
STEP_BATCH_BUDGET = 60
#: A periodic job retries a little; the next period runs it anew anyway.
MAINTAIN_RETRY = Retry(max=2, interval=[60, 180])
#: A backfill saves its cursor after every page; an hour per run, then its retry resumes it.
BACKFILL_TIMEOUT = 3600

#: Every module whose functions are enqueued here or by `workers.cron`: a worker imports them
#: before it forks, so a work horse does not import them again for each job.
JOB_MODULES = (
    "workers.consent",
    "workers.dry_runs",
    "workers.events",
    "workers.maintenance",
    "workers.steps",
    "workers.sync",
    "workers.woocommerce",
    "workers.woocommerce_sync",
)

#: A job in one of these states will not run again by itself.
FINISHED = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})

#: Keep failed jobs a week for inspection; results are not needed.
FAILURE_TTL = int(timedelta(days=7).total_seconds())
RESULT_TTL = 60


def step_batch_id(claim_token: str) -> str:
    """The id of the job running the steps claimed with this token."""
    return f"steps-{claim_token}"


def batch_steps(listed: str) -> list[tuple[int, int]]:
    """The (enrollment id, step) pairs of a batch job's `steps` argument, as
    `JobQueues.enqueue_step_batch` wrote them ("<enrollment>:<step>,...")."""
    pairs = (item.split(":") for item in listed.split(",") if item)
    return [(int(enrollment_id), int(step)) for enrollment_id, step in pairs]


class QueueUnavailable(RuntimeError):
    """Redis did not take the job; the database still holds the work for the sweep."""


class JobQueues:
    """Enqueue functions for every job Nudge runs."""

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection
        self._queues: dict[str, Queue] = {}

    def queue(self, name: str) -> Queue:
        """The named queue with Nudge's JSON serializer."""
        # Kept: building a Queue costs about as much CPU as storing a webhook does.
        if name not in self._queues:
            self._queues[name] = Queue(name, connection=self.connection, serializer=JobSerializer)
        return self._queues[name]

    def enqueue_inbound_event(self, event_id: int) -> Job | None:
        """Process one stored inbound event by itself: the retry of one that failed in a drain,
        a replay, the sweep of stalled ones. New events wake a drain instead."""
        return self._enqueue(
            INBOUND,
            "workers.events.process_inbound_event",
            (event_id,),
            job_id=f"inbound-{event_id}",
            retry=INBOUND_RETRY,
        )

    def wake_inbound_drain(self) -> Job | None:
        """Make sure a drain of stored events is queued (`workers.events.drain_inbound_events`).

        One SET NX per call: while a drain waits in the queue the flag is set and nothing else
        is sent; the drain clears it as it starts, so an event stored after that wakes the next
        one. The flag expires, so a drain lost with Redis does not silence the wake-ups.
        """
        try:
            if not self.connection.set(INBOUND_WAKE_KEY, 1, nx=True, ex=INBOUND_WAKE_TTL):
                return None
        except redis.RedisError as error:
            raise QueueUnavailable(f"could not wake a drain: {error}") from error
        try:
            return self._enqueue(
                INBOUND,
                "workers.events.drain_inbound_events",
                (),
                job_id=f"inbound-drain-{uuid.uuid4().hex}",
                retry=INBOUND_RETRY,
            )
        except QueueUnavailable:
            self.connection.delete(INBOUND_WAKE_KEY)
            raise

    def clear_inbound_wake(self) -> None:
        """A drain is starting: the next stored event must wake another."""
        self.connection.delete(INBOUND_WAKE_KEY)

    def enqueue_step(self, enrollment_id: int, step: int, claim_token: str) -> Job | None:
        """Run one claimed step (`step-<enrollment>-<step>`); None when a live job has it.

        A step can run more than once over its life (deferred by quiet hours, then claimed
        again), so a finished job of the same id, or a waiting one holding an older claim, is
        replaced. A job already started is left alone: the reaper settles its claim.
        """
        job_id = f"step-{enrollment_id}-{step}"
        args = (enrollment_id, claim_token)
        for _attempt in range(2):
            job = self._enqueue(
                STEPS, "workers.steps.run_step", args, job_id=job_id, retry=STEP_RETRY
            )
            if job is not None:
                return job
            existing = self.fetch(job_id)
            if existing is None:
                continue  # it finished and expired between the two calls
            status = existing.get_status(refresh=False)
            stale = status in FINISHED or (
                status != JobStatus.STARTED and list(existing.args) != list(args)
            )
            if not stale:
                return None
            existing.delete()
        return None

    def enqueue_step_batch(self, claim_token: str, steps: Sequence[tuple[int, int]]) -> Job | None:
        """Run the steps one claim statement took (`steps-<token>`): (enrollment id, step
        number) pairs, run in the order given.

        One job for a claim batch instead of one per step: RQ's own bookkeeping costs about
        as much as a step's database work. The token names the batch (`claim_due` gives every
        step it claims in one statement the same token), so the reaper finds the job holding a
        claim from the claim alone (`step_batch_id`).
        """
        if not steps:
            return None
        listed = ",".join(f"{enrollment_id}:{step}" for enrollment_id, step in steps)
        return self._enqueue(
            STEPS,
            "workers.steps.run_steps",
            (claim_token, listed),
            job_id=step_batch_id(claim_token),
            retry=STEP_RETRY,
        )

    def hand_off_step(
        self, enrollment_id: int, step: int, claim_token: str, delay: float = 0
    ) -> Job | None:
        """A step a batch could not finish goes on as a job of its own (`step-<id>-<step>`),
        after `delay` seconds, with the single step's retry policy from then on."""
        if delay <= 0:
            return self.enqueue_step(enrollment_id, step, claim_token)
        return self._enqueue(
            STEPS,
            "workers.steps.run_step",
            (enrollment_id, claim_token),
            job_id=f"step-{enrollment_id}-{step}",
            retry=STEP_RETRY,
            delay=timedelta(seconds=delay),
        )

    def fetch(self, job_id: str) -> Job | None:
        """The job with this id, if Redis still has it."""
        found: Job | None = Job.fetch_many(
            [job_id], connection=self.connection, serializer=JobSerializer
        )[0]
        return found

    def enqueue_store_setup(self, store_id: int) -> Job | None:
        """After install: shop profile, webhook subscriptions, pixel, then the backfill."""
        return self._enqueue(
            DEFAULT,
            "workers.sync.set_up_store",
            (store_id,),
            job_id=f"setup-{store_id}",
            retry=SYNC_RETRY,
        )

    def enqueue_backfill(self, store_id: int, resource: str, position: str = "start") -> Job | None:
        """Mirror one resource of a store, resuming from its stored cursor. `position` names
        where this job starts, so a continuation is not refused as a duplicate of its parent."""
        return self._enqueue(
            BULK,
            "workers.sync.backfill_resource",
            (store_id, resource),
            job_id=f"backfill-{store_id}-{resource}-{position}",
            retry=SYNC_RETRY,
        )

    def enqueue_webhook_reconcile(self, store_id: int) -> Job | None:
        """Re-create or repair a store's webhook subscriptions (nightly, and after install)."""
        return self._enqueue(
            DEFAULT,
            "workers.sync.reconcile_store",
            (store_id,),
            job_id=f"webhooks-{store_id}",
            retry=SYNC_RETRY,
        )

    def enqueue_reconcile_store(self, store_id: int) -> Job | None:
        """The admin's repair button: re-check one store's credentials and webhooks."""
        return self._enqueue(
            DEFAULT,
            "workers.sync.repair_store",
            (store_id,),
            job_id=f"repair-{store_id}",
            retry=MAINTAIN_RETRY,
        )

    def enqueue_woocommerce_setup(self, store_id: int, stamp: int) -> Job | None:
        """Prove a connected store's new keys, set up its webhooks, start its backfill. One job
        per `stamp`: the connect (when its keys were stored, in µs) or the cron's window."""
        return self._enqueue(
            DEFAULT,
            "workers.woocommerce.woocommerce_setup",
            (store_id,),
            job_id=f"woo-setup-{store_id}-{stamp}",
            retry=SYNC_RETRY,
        )

    def enqueue_woocommerce_backfill(self, store_id: int, stamp: int) -> Job | None:
        """Mirror a store's catalog, customers and recent orders (resumes where it stopped)."""
        return self._enqueue(
            BULK,
            "workers.woocommerce_sync.woocommerce_backfill",
            (store_id,),
            job_id=f"woo-backfill-{store_id}-{stamp}",
            retry=SYNC_RETRY,
            job_timeout=BACKFILL_TIMEOUT,
        )

    def enqueue_woocommerce_maintain(self, store_id: int, window: int) -> Job | None:
        """Watchdog + catch-up poll of one store, once per maintenance `window`."""
        return self._enqueue(
            DEFAULT,
            "workers.woocommerce.woocommerce_maintain",
            (store_id,),
            job_id=f"woo-maintain-{store_id}-{window}",
            retry=MAINTAIN_RETRY,
        )

    def enqueue_woocommerce_disconnect(self, store_id: int) -> Job | None:
        """Remove Nudge's webhooks from a store and forget its keys."""
        return self._enqueue(
            DEFAULT,
            "workers.woocommerce.woocommerce_disconnect",
            (store_id,),
            job_id=f"woo-disconnect-{store_id}",
            retry=SYNC_RETRY,
        )

    def enqueue_consent_write_back(self, store_id: int, email: str) -> Job | None:
        """Write an unsubscribe back to the platform's marketing consent (workers.consent)."""
        # The job id must not carry the address (Redis keys show up in monitoring): a digest.
        digest = hashlib.sha256(f"{store_id}:{email}".encode()).hexdigest()[:24]
        return self._enqueue(
            DEFAULT,
            "workers.consent.write_back_unsubscribe",
            (store_id, email),
            job_id=f"consent-{digest}",
            retry=SYNC_RETRY,
        )

    def enqueue_dry_run(
        self, store_id: int, recipe: str, settings_json: str, days: int, run: str
    ) -> Job | None:
        """Replay `days` days of a recipe under some settings (workers.dry_runs); no retries:
        a failed dry run says so on the page and the merchant runs it again."""
        return self._enqueue(
            BULK,
            "workers.dry_runs.run_dry_run",
            (store_id, recipe, settings_json, days),
            job_id=f"dry-run-{store_id}-{recipe}-{run}",
        )

    def forget_job(self, job_id: str) -> None:
        """Delete a finished or failed job so the same work can be enqueued again (replay)."""
        existing = Job.fetch_many([job_id], connection=self.connection, serializer=JobSerializer)[0]
        if existing is not None:
            existing.delete()

    def _enqueue(
        self,
        queue_name: str,
        func: str,
        args: tuple[int | str, ...],
        *,
        job_id: str,
        retry: Retry | None = None,
        delay: timedelta | None = None,
        job_timeout: int | None = None,
    ) -> Job | None:
        queue = self.queue(queue_name)
        options = {
            "args": args,
            "job_id": job_id,
            "retry": retry,
            "failure_ttl": FAILURE_TTL,
            "result_ttl": RESULT_TTL,
        }
        if job_timeout is not None:
            options["job_timeout"] = job_timeout
        try:
            if delay:
                return queue.enqueue_in(delay, func, **options)
            return queue.enqueue(func, unique=True, **options)
        except DuplicateJobError:
            return None
        except redis.RedisError as error:
            raise QueueUnavailable(f"could not enqueue {job_id}: {error}") from error
