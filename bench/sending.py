"""Sending: EMAILS abandoned-cart emails (product blocks rendered, a unique code issued in the
store) through the sandbox SendGrid by WORKERS real worker processes (`python -m workers steps`).

The benchmark plays the clock: it claims the due steps with `scheduling.claim_due` and queues
one job per claim batch with `maintenance.queue_claims`, exactly as `sweep_due_enrollments`
does, until every enrollment is claimed, and waits until every message is `sent`. Reported:
emails/s from the first claim to the last send, HTTP requests to SendGrid per email and to the
store per code (counted at the sandboxes), CPU per email of the workers, of the PostgreSQL
backends serving the database and of this process (the sandboxes and the clock), and the
baseline in the same run: `SendGridSender.send` of already rendered emails, one request each,
from one process (what the provider round trip alone allows).

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the workers are separate processes. The
database used is `<name>_send`, created for the run and dropped after it; the `steps` queue of
REDIS_URL is emptied first, so give the benchmark a Redis database of its own. Sizes:
BENCH_EMAILS (10,000), BENCH_WORKERS (2), BENCH_SENDING_PLATFORM (woocommerce | shopify),
BENCH_WORKER_FORK (0, the default: `--no-fork`, as the Procfile runs them; 1: RQ's forking
Worker), BENCH_STEP_JOBS (batch, the default: one job per claim batch, as the clock queues them;
single: one job per step, for comparison).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from rq import Worker
from sqlalchemy import create_engine, func, or_, select, text
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT, Settings, normalize_database_url
from app.core.scheduling import claim_due
from app.core.values import OutboundMessage
from app.db.base import utcnow
from app.db.migrations import upgrade_to_head
from app.db.models import Enrollment, IssuedDiscount, Message
from app.runtime import Runtime
from bench import sending_setup
from bench.app_processes import cpu_seconds
from connectors.messaging.sendgrid import SendGridSender
from workers.maintenance import CLAIM_BATCH, queue_claims
from workers.queues import STEPS, JobQueues

TIMEOUT_S = 1800


def _fork() -> bool:
    """BENCH_WORKER_FORK=1 runs forking workers; by default they run with --no-fork (RQ's
    SimpleWorker), as deployed."""
    return os.environ.get("BENCH_WORKER_FORK", "0") == "1"


def _single_step_jobs() -> bool:
    """BENCH_STEP_JOBS=single queues one job per step (as the sweep did before claim batches
    ran as one job), for comparison."""
    return os.environ.get("BENCH_STEP_JOBS", "batch") == "single"


def _sizes() -> tuple[int, int, str]:
    return (
        int(os.environ.get("BENCH_EMAILS", "10000")),
        int(os.environ.get("BENCH_WORKERS", "2")),
        os.environ.get("BENCH_SENDING_PLATFORM", "woocommerce"),
    )


def run() -> dict[str, object]:
    """Set up, send, count; see the module docstring."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        return {"skipped": "needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL"}
    emails, workers, platform = _sizes()
    url = _fresh_database(database_url)
    try:
        return _run(url, redis_url, emails, workers, platform)
    finally:
        _drop_database(url)


def _run(url: str, redis_url: str, emails: int, workers: int, platform: str) -> dict[str, object]:
    with sending_setup.sandboxes(platform) as world:
        environment = sending_setup.worker_environment(world, url, redis_url)
        runtime = Runtime(Settings.from_env({**os.environ, **environment}))
        store_id = sending_setup.create_store(runtime, world, emails)
        baseline = _baseline(world, min(500, emails))
        world.sendgrid.reset()
        world.store_counter.reset()
        _forget_step_jobs(runtime)
        processes = _start_workers(environment, workers)
        try:
            _wait_until_ready(runtime, workers)
            cpu_before = [cpu_seconds(process.pid) for process in processes]
            process_cpu = time.process_time()
            result = _send_all(runtime, emails)
            result["workers_cpu_s"] = round(
                sum(cpu_seconds(p.pid) for p in processes) - sum(cpu_before), 2
            )
            result["bench_process_cpu_s"] = round(time.process_time() - process_cpu, 2)
            result["database_cpu_s"] = round(_database_cpu(runtime), 2)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
        outcome = _outcome(runtime, store_id)
        runtime.db.dispose()
    sendgrid_calls = sum(world.sendgrid.counts.values())
    store_calls = sum(world.store_counter.counts.values())
    sent = outcome["messages"].get("sent", 0)
    rate = sent / result["wall_s"] if result["wall_s"] else 0.0
    return {
        "emails": emails,
        "workers": workers,
        "platform": platform,
        "worker_forks_per_job": _fork(),
        "step_jobs": "single" if _single_step_jobs() else "batch",
        **result,
        "emails_per_s": round(rate, 1),
        "target_emails_per_s": 200,
        "within_target": rate >= 200,
        "sendgrid_requests": sendgrid_calls,
        "sendgrid_requests_per_email": round(sendgrid_calls / max(1, sent), 3),
        "store_requests": store_calls,
        "store_requests_per_code": round(store_calls / max(1, outcome["codes_issued"]), 3),
        "store_requests_by_endpoint": dict(world.store_counter.counts.most_common(6)),
        **outcome,
        "cpu_ms_per_email": {
            "workers": round(1000 * result["workers_cpu_s"] / max(1, sent), 2),
            "database": round(1000 * result["database_cpu_s"] / max(1, sent), 2),
            "sandboxes_and_clock": round(1000 * result["bench_process_cpu_s"] / max(1, sent), 2),
        },
        "baseline_sender_emails_per_s": round(baseline, 1),
        "ratio_to_baseline": round(rate / baseline, 3) if baseline else None,
    }


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def _fresh_database(database_url: str) -> str:
    parsed = make_url(normalize_database_url(database_url))
    name = f"{parsed.database}_send"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = parsed.set(database=name).render_as_string(hide_password=False)
    upgrade_to_head(url)
    return url


def _baseline(world: sending_setup.World, count: int) -> float:
    """Already rendered emails through SendGridSender, one request each, in one process."""
    sender = SendGridSender(sending_setup.SENDGRID_KEY, world.sendgrid_url)
    html = "<p>" + "Trail Shoe " * 400 + "</p>"  # about the size of a rendered cart email
    messages = [
        OutboundMessage(
            message_id=index,
            to_email=f"baseline{index}@bench.example",
            from_email="hello@bench.example",
            subject="You left something behind",
            html=html,
            text="Trail Shoe " * 100,
        )
        for index in range(count)
    ]
    sender.send(messages[:5])  # warm-up
    started = time.perf_counter()
    for message in messages:
        sender.send([message])
    return count / (time.perf_counter() - started)


def _forget_step_jobs(runtime: Runtime) -> None:
    """Step jobs of an earlier run name enrollments of a database that no longer exists."""
    JobQueues(runtime.redis).queue(STEPS).empty()
    for pattern in ("rq:job:step-*", "rq:results:step-*", "rq:job:steps-*", "rq:results:steps-*"):
        for key in runtime.redis.scan_iter(match=pattern, count=1000):
            runtime.redis.delete(key)


def _start_workers(environment: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, **environment}
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workers",
                "steps",
                "--name",
                f"bench-sending-{index}-{os.getpid()}",
                *([] if _fork() else ["--no-fork"]),
            ],
            cwd=PROJECT_ROOT,
            env=env,
        )
        for index in range(count)
    ]


def _wait_until_ready(runtime: Runtime, count: int) -> None:
    """Until every worker has imported what it preloads and registered with RQ."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if Worker.count(connection=runtime.redis) >= count:
            return
        time.sleep(0.1)


def _database_cpu(runtime: Runtime) -> float:
    """CPU seconds of the PostgreSQL backends serving the benchmark's database (the workers'
    connections and the clock's; PostgreSQL runs on this machine)."""
    with runtime.db.session() as session:
        pids = session.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        return sum(cpu_seconds(int(pid)) for pid in pids)


def _send_all(runtime: Runtime, emails: int) -> dict[str, Any]:
    queues = JobQueues(runtime.redis)
    started = time.perf_counter()
    claimed = 0
    claim_s = 0.0
    while claimed < emails and time.perf_counter() - started < TIMEOUT_S:
        tick = time.perf_counter()
        with runtime.db.session() as session:
            claims = claim_due(session, utcnow(), limit=CLAIM_BATCH)
        if _single_step_jobs():
            for claim in claims:
                queues.enqueue_step(claim.enrollment_id, claim.step, claim.token)
        else:
            queue_claims(queues, claims)
        claim_s += time.perf_counter() - tick
        claimed += len(claims)
        if not claims:
            time.sleep(0.2)
    last_count, finished_at = -1, time.perf_counter()
    while time.perf_counter() - started < TIMEOUT_S:
        done = _settled(runtime)
        if done >= emails:
            finished_at = time.perf_counter()
            break
        if done != last_count:
            last_count, finished_at = done, time.perf_counter()
        elif time.perf_counter() - finished_at > 60:
            break  # nothing moved for a minute: report what was done
        time.sleep(0.1)
    return {
        "claimed": claimed,
        "clock_claim_and_enqueue_s": round(claim_s, 2),
        "wall_s": round(finished_at - started, 2),
    }


def _settled(runtime: Runtime) -> int:
    """Enrollments whose step 0 is over (moved on to step 1, or finished)."""
    with runtime.db.session() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Enrollment)
                .where(or_(Enrollment.step > 0, Enrollment.state.not_in(("active", "claimed"))))
            ).scalar_one()
        )


def _outcome(runtime: Runtime, store_id: int) -> dict[str, Any]:
    with runtime.db.session() as session:
        statuses = Counter(
            dict(
                session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
            )
        )
        codes = session.execute(
            select(func.count())
            .select_from(IssuedDiscount)
            .where(IssuedDiscount.store_id == store_id, IssuedDiscount.status == "issued")
        ).scalar_one()
        states = dict(
            session.execute(select(Enrollment.state, func.count()).group_by(Enrollment.state)).all()
        )
    return {"messages": dict(statuses), "codes_issued": int(codes), "enrollment_states": states}
