"""The fault tests' stack: Nudge over HTTP, a sandbox Shopify shop with Nudge installed, a sandbox
SendGrid account, and real worker processes (`python -m workers`, forking or `--no-fork`) on the
test's database and Redis.

Time is the one thing these tests fake: RQ notices a dead worker's job when its heartbeat expires
(90 s; a --no-fork worker's, the job's timeout + 60 s) and the reaper waits 10 minutes before it
calls a claim stale. Instead of waiting, the tests run RQ's and Nudge's own recovery code with
the clock moved forward (`abandon_dead_jobs`, `release_retries`, `age_claims`), which is exactly
what the running system does later.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import redis
from rq.job import Job
from sqlalchemy import select

from app.config import Settings
from app.core.scheduling import claim_due
from app.core.values import CustomerData
from app.db import Database
from app.db.base import utcnow
from app.db.models import Enrollment, InboundEvent, IssuedDiscount, Message, Store
from tests.e2e.shopify_stack import API_KEY, API_SECRET, ShopifyStack, shopify_stack
from tests.e2e.test_shopify_webhooks import FIXTURES
from tests.integration.engine_support import Engine, cart, customer_data
from tests.integration.test_worker_process import worker_env
from tests.sendgrid_support import API_KEY as SENDGRID_KEY
from tests.sendgrid_support import RunningSandbox, running_sandbox
from workers.maintenance import queue_claims
from workers.queues import ALL_QUEUES, DEFAULT, JobQueues, step_batch_id
from workers.serializer import JobSerializer

#: What a store needs before a recipe may send: a sender and a postal address. Quiet hours and
#: the frequency cap are off so the tests do not depend on the hour they run at.
SENDING_SETTINGS: dict[str, Any] = {
    "sender_email": "hello@faults.example",
    "sender_name": "Faults",
    "postal_address": "150 Elgin Street\nOttawa ON K2P 1L4, Canada",
    "quiet_hours": {"enabled": False, "start": "21:00", "end": "08:00"},
    "frequency_cap_hours": 0,
}
SHOPPER = customer_data(1, first_name="Ada")
#: Shopify gives up on a delivery that takes longer than this.
SHOPIFY_TIMEOUT = 5.0
#: How `python -m workers` runs jobs: in a forked work horse each, or in the worker itself.
FORK, NO_FORK = "fork", "no-fork"
#: Run a test once per worker mode (the `stack` fixture's workers run in that mode).
in_both_worker_modes = pytest.mark.parametrize("stack", [FORK, NO_FORK], indirect=True)


def customer_body(number: int) -> bytes:
    """A signed-able customers/create body for shopper `number`."""
    body = json.loads((FIXTURES / "customers__create.json").read_bytes())
    body.update(id=9000 + number, email=f"outage{number}@example.com")
    body["admin_graphql_api_id"] = f"gid://shopify/Customer/{9000 + number}"
    return json.dumps(body).encode()


@dataclass
class FaultStack:
    """The running pieces and the questions the tests ask of them."""

    shop: ShopifyStack
    sendgrid: RunningSandbox
    redis: redis.Redis
    domain: str
    worker_mode: str = FORK

    @property
    def database(self) -> Any:
        return self.shop.database

    def env(self, **overrides: str) -> dict[str, str]:
        """A deployed worker's environment, pointed at this stack's services."""
        settings = self.shop.runtime.settings
        return (
            worker_env(settings)
            | {
                "APP_URL": settings.app_url,
                "SHOPIFY_API_KEY": API_KEY,
                "SHOPIFY_API_SECRET": API_SECRET,
                "SHOPIFY_ADMIN_ORIGIN": self.shop.sandbox_url,
                "MAIL_BACKEND": "sendgrid",
                "SENDGRID_API_KEY": SENDGRID_KEY,
                "SENDGRID_API_HOST": self.sendgrid.url,
                "LOG_LEVEL": "INFO",
            }
            | overrides
        )

    def start_worker(self, *queues: str, kill_at: str | None = None) -> subprocess.Popen[str]:
        """A burst worker process in this stack's mode (in its own session, so the test can kill
        it and its horse)."""
        module = ["-m", "tests.faults.killable_worker", kill_at] if kill_at else ["-m", "workers"]
        mode = ["--no-fork"] if self.worker_mode == NO_FORK else []
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, *module, *(queues or ALL_QUEUES), "--burst", *mode],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def run_worker(self, *queues: str, kill_at: str | None = None) -> tuple[int, str]:
        """Run a burst worker to the end (or its death); returns its exit code and output."""
        process = self.start_worker(*queues, kill_at=kill_at)
        output, _ = process.communicate(timeout=120)
        return process.returncode, output

    # What the outside world saw.

    def emails(self, to: str = SHOPPER.email) -> list[dict[str, Any]]:
        """Every email the sandbox SendGrid accepted for `to`."""
        response = self.sendgrid.control("GET", "/messages", params={"to": to, "limit": 1000})
        return list(response.json()["messages"])

    def shop_codes(self) -> list[str]:
        """Every discount code Nudge created in the sandbox shop."""
        activity = self.shop.sandbox_call("GET", f"/shops/{self.domain}/app-activity")
        return [code["code"] for parent in activity["discounts"] for code in parent["codes"]]

    # What Nudge recorded.

    def rows(self, model: Any) -> list[Any]:
        with self.database.session() as session:
            return list(session.execute(select(model).order_by(model.id)).scalars())

    def enrollment(self) -> Enrollment:
        [row] = self.rows(Enrollment)
        return row


@contextmanager
def fault_stack(
    settings: Settings, database: Database, worker_mode: str = FORK, **sandbox: Any
) -> Iterator[FaultStack]:
    """Serve the stack on `settings`' database and Redis for one test; its workers run in
    `worker_mode`."""
    with shopify_stack(settings, database) as shop, running_sandbox(**sandbox) as sendgrid:
        domain = install_shop(shop, "faults")
        connection = redis.Redis.from_url(settings.redis_url)
        # The install queued the store's setup and backfill; these tests are about what follows.
        connection.flushdb()
        try:
            yield FaultStack(shop, sendgrid, connection, domain, worker_mode)
        finally:
            connection.close()


def install_shop(shop: ShopifyStack, handle: str) -> str:
    """A sandbox shop with Nudge installed and ready to send; returns its domain."""
    domain = shop.create_shop(handle)
    assert shop.open_app(domain).status_code == 200
    with shop.database.session() as session:
        store = session.execute(select(Store).where(Store.domain == domain)).scalar_one()
        store.settings = {**(store.settings or {}), **SENDING_SETTINGS}
        session.commit()
    return domain


def abandoned_cart_due_for_the_code_step(stack: FaultStack) -> int:
    """Ada abandoned a checkout 25 hours ago and got the first reminder; the second one (with
    her unique code) is due now. Returns the enrollment's id."""
    [enrollment_id] = abandoned_carts_due_for_the_code_step(stack, [SHOPPER])
    return enrollment_id


def abandoned_carts_due_for_the_code_step(
    stack: FaultStack, shoppers: list[CustomerData]
) -> list[int]:
    """Each shopper abandoned a checkout 25 hours ago and got the first reminder (through a
    fake sender); the second (with a unique code) is due now. Returns the enrollments' ids."""
    started = utcnow() - timedelta(hours=25)
    with stack.database.session() as session:
        store = session.execute(select(Store).where(Store.domain == stack.domain)).scalar_one()
        engine = Engine(session, store, now=started)
        engine.enable("abandoned_cart", holdout_percent=0)
        carts = [cart(f"tok-{shopper.platform_id}", shopper, started) for shopper in shoppers]
        engine.ingest(*carts, at=started)
        engine.run_until(started + timedelta(hours=2))
        assert len(engine.sender.sent) == len(shoppers)
        enrollments = engine.enrollments()
        assert {(row.state, row.step) for row in enrollments} == {("active", 1)}
        return [row.id for row in enrollments]


def claim_and_queue(stack: FaultStack) -> str:
    """What the clock's sweep does: claim the due step in the database and queue its job."""
    [job_id] = claim_and_queue_all(stack)
    return job_id


def claim_and_queue_all(stack: FaultStack) -> list[str]:
    """Claim every due step and queue a job for each; returns the job ids."""
    with stack.database.session() as session:
        claims = claim_due(session, utcnow())
    queues = JobQueues(stack.redis)
    for claim in claims:
        queues.enqueue_step(claim.enrollment_id, claim.step, claim.token)
    return [f"step-{claim.enrollment_id}-{claim.step}" for claim in claims]


def claim_and_queue_batch(stack: FaultStack) -> str:
    """What the clock's sweep does: claim every due step in one statement and queue one job
    for the batch (`steps-<token>`); returns its id."""
    with stack.database.session() as session:
        claims = claim_due(session, utcnow())
    assert claims
    queue_claims(JobQueues(stack.redis), claims)
    return step_batch_id(claims[0].token)


# Recovery with the clock moved forward.


def abandon_dead_jobs(connection: redis.Redis) -> None:
    """What RQ does once a dead worker's heartbeat has expired (90 s later): each job it held is
    retried if it has retries left (after its retry interval), else failed."""
    queues = JobQueues(connection)
    later = time.time() + 600
    for name in ALL_QUEUES:
        queues.queue(name).started_job_registry.cleanup(timestamp=later)


def seconds_until_abandoned(connection: redis.Redis, queue: str) -> float:
    """How long RQ waits before it calls the jobs a dead worker held on `queue` abandoned: until
    the last heartbeat it wrote for them expires."""
    registry = JobQueues(connection).queue(queue).started_job_registry
    scores = [score for _member, score in connection.zrange(registry.key, 0, -1, withscores=True)]
    return max(scores) - time.time()


def release_retries(connection: redis.Redis) -> list[str]:
    """Scheduled retries are due now (as if their backoff had passed); returns their ids."""
    queues = JobQueues(connection)
    released = []
    for name in ALL_QUEUES:
        registry = queues.queue(name).scheduled_job_registry
        for job_id in registry.get_job_ids():
            registry.requeue(job_id)
            released.append(job_id)
    return released


def retry_wait(connection: redis.Redis, job_id: str) -> float:
    """Seconds until a scheduled retry of `job_id` runs."""
    registry = JobQueues(connection).queue("steps").scheduled_job_registry
    job = Job.fetch(job_id, connection=connection, serializer=JobSerializer)
    return (registry.get_scheduled_time(job) - utcnow()).total_seconds()


def age_claims(stack: FaultStack, by: timedelta) -> None:
    """Claims look `by` older (the reaper's threshold is 10 minutes)."""
    _age(stack, Enrollment, "claimed_at", by)


def _age(stack: FaultStack, model: Any, column: str, by: timedelta) -> None:
    # Row by row: the timestamp type's SQL arithmetic differs between PostgreSQL and SQLite.
    with stack.database.session() as session:
        for row in session.execute(select(model)).scalars():
            if getattr(row, column) is not None:
                setattr(row, column, getattr(row, column) - by)
        session.commit()


def kill_process_tree(process: subprocess.Popen[str]) -> None:
    """SIGKILL a worker and its work horse (which runs in a process group of its own)."""
    for child in children(process.pid):
        os.kill(child, signal.SIGKILL)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as handle:
        return [int(part) for part in handle.read().split()]


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll `condition` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")


def code_rows(stack: FaultStack) -> list[IssuedDiscount]:
    return stack.rows(IssuedDiscount)


def message_rows(stack: FaultStack) -> list[Message]:
    return stack.rows(Message)


def on_redis(settings: Settings, url: str) -> Settings:
    """The test settings with another Redis."""
    return dataclasses.replace(settings, redis_url=url)


def run_clock(stack: FaultStack, *jobs: str, queues: tuple[str, ...] = ()) -> tuple[int, str]:
    """What the clock does on its tick: queue these maintenance jobs (by name, as rq cron does),
    then a worker (on `queues`, default all) runs them and whatever they queue."""
    queue = JobQueues(stack.redis).queue(DEFAULT)
    for name in jobs:
        queue.enqueue(f"workers.maintenance.{name}")
    return stack.run_worker(*queues)


def age_events(stack: FaultStack, by: timedelta) -> None:
    """Stored events look `by` older (the sweep re-queues those waiting over 2 minutes)."""
    _age(stack, InboundEvent, "received_at", by)


def assert_one_code_and_one_email(stack: FaultStack) -> None:
    """After recovery: one email at SendGrid carrying the one code issued in the shop, and the
    abandoned cart's last reminder next."""
    [email] = stack.emails()
    [code] = code_rows(stack)
    assert code.status == "issued"
    assert stack.shop_codes() == [code.code]
    sent = stack.sendgrid.control("GET", f"/messages/{email['sg_message_id']}").json()
    assert code.code in sent["html"]
    enrollment = stack.enrollment()
    assert (enrollment.state, enrollment.step) == ("active", 2)  # the last reminder is next
    assert [m.step for m in message_rows(stack)] == [0, 1]
