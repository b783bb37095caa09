"""Event processing: stored Shopify events drained by 2 real worker processes (issue 10, #2).

BENCH_EVENTS (default 10,000; the issue's figure is 100,000) mixed events are stored in the
inbox as webhooks would store them (carts, checkouts, orders, customers, products; real fixture
bodies with ids varied over 2,000 shoppers and 200 products) and a drain is woken as the web
process wakes one. Then `python -m workers inbound` × 2 (the Procfile's `worker`) drain them,
with the abandoned-cart and post-purchase recipes on, so checkouts and orders enroll shoppers.

Reported: events/s from the first to the last event processed, end-to-end lag (received →
processed) of a trickle of events sent while the workers are idle, and each worker's peak RSS
(the worker and the work horse it forks per job, sampled every 0.2 s). Baseline in the same
run: the same number of no-op jobs through the same 2 workers (what one RQ job per event, as
Nudge ran events before drains, would cost on its own).
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from rq import Queue
from sqlalchemy import delete, func, insert, select

from app.core.configs import save_config
from app.core.inbox import dedupe_key
from app.db import Database, utcnow
from app.db.models import InboundEvent, Store
from bench.app_processes import add_store, bench_environment, rss_mb, workers
from bench.load_generator import percentile
from workers.queues import FAILURE_TTL, INBOUND, INBOUND_RETRY, RESULT_TTL, JobQueues
from workers.serializer import JobSerializer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify" / "webhooks"
#: Topic → share of the events (a busy shop: mostly carts and checkouts).
MIX = {
    "carts/update": 30,
    "checkouts/update": 20,
    "orders/create": 15,
    "customers/update": 20,
    "products/update": 15,
}
SHOPPERS = 2000
PRODUCTS = 200
TRICKLE = 50


def _bodies() -> dict[str, dict[str, Any]]:
    return {
        topic: json.loads((FIXTURES / f"{topic.replace('/', '__')}.json").read_text())
        for topic in MIX
    }


def _event(templates: dict[str, dict[str, Any]], topic: str, number: int) -> dict[str, Any]:
    """One fixture body, made a distinct shopper's, cart's or product's."""
    body = copy.deepcopy(templates[topic])
    shopper = number % SHOPPERS
    email = f"shopper{shopper}@bench.example"
    stamp = f"2026-11-27T{10 + number % 12:02d}:{number % 60:02d}:00Z"
    body["updated_at"] = stamp
    if topic == "products/update":
        body["id"] = 9_000_000 + number % PRODUCTS
        body["title"] = f"Product {number % PRODUCTS}"
        for position, variant in enumerate(body.get("variants") or []):
            variant.update(id=body["id"] * 10 + position, product_id=body["id"])
    elif topic == "customers/update":
        body.update(id=7_000_000 + shopper, email=email)
    elif topic == "carts/update":
        body.update(id=f"cart-{number}", token=f"cart-{number}")
    else:
        body.update(email=email, token=f"tok-{number}", cart_token=f"cart-{number - 1}")
        if isinstance(body.get("customer"), dict):
            body["customer"].update(id=7_000_000 + shopper, email=email)
        if topic == "orders/create":
            body.update(id=8_000_000 + number, name=f"#B{number}")
    return body


def _store_events(
    database: Database, store_id: int, count: int, prefix: str, first: int = 0
) -> list[int]:
    """Insert `count` received events as the inbox stores them; their ids."""
    templates = _bodies()
    topics = [topic for topic, share in MIX.items() for _ in range(share)]
    ids: list[int] = []
    for start in range(first, first + count, 1000):
        rows = []
        for number in range(start, min(first + count, start + 1000)):
            topic = topics[number % len(topics)]
            external_id = f"{topic}:{prefix}-{number}"
            rows.append(
                {
                    "dedupe_key": dedupe_key("shopify", store_id, external_id),
                    "platform": "shopify",
                    "store_id": store_id,
                    "topic": topic,
                    "external_id": external_id,
                    "headers": {"X-Shopify-Topic": topic},
                    "body": json.dumps(_event(templates, topic, number)),
                    "status": "received",
                    "attempts": 0,
                    "received_at": utcnow(),
                }
            )
        with database.session_scope() as session:
            ids += list(
                session.execute(insert(InboundEvent).returning(InboundEvent.id), rows).scalars()
            )
    return ids


def _enqueue(queue: Queue, func: str, ids: list[int], job_prefix: str) -> None:
    """Queue one job per event (the baseline's no-op jobs), in pipelines."""
    for start in range(0, len(ids), 1000):
        jobs = [
            Queue.prepare_data(
                func,
                args=(event_id,),
                job_id=f"{job_prefix}-{event_id}",
                retry=INBOUND_RETRY,
                failure_ttl=FAILURE_TTL,
                result_ttl=RESULT_TTL,
            )
            for event_id in ids[start : start + 1000]
        ]
        queue.enqueue_many(jobs)


class _RssSampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peaks, self.stopped = pids, dict.fromkeys(pids, 0.0), threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            for pid in self.pids:
                self.peaks[pid] = max(self.peaks[pid], rss_mb(pid))


def _drain(ids: list[int], pids: list[int], done: Callable[[], int]) -> dict[str, Any]:
    """Wait until `done()` counts every event; rate over the first-to-last processing."""
    sampler = _RssSampler(pids)
    sampler.start()
    started = time.monotonic()
    timeout = max(300.0, len(ids) / 5)
    while done() < len(ids):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"only {done()} of {len(ids)} processed in {timeout:.0f} s")
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    sampler.stopped.set()
    sampler.join()
    return {
        "events": len(ids),
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(ids) / elapsed, 1),
        "worker_peak_rss_mb": [sampler.peaks[pid] for pid in pids],
    }


def run() -> dict[str, object]:
    """Per worker mode: baseline (no-op jobs), Nudge's processing, the lag of a trickle."""
    count = int(os.environ.get("BENCH_EVENTS", "1000"))
    modes = os.environ.get("BENCH_WORKER_MODES", "fork,no-fork").split(",")
    with bench_environment() as environment:
        database = environment.database()
        store_id, _domain = add_store(database, timezone="America/New_York")
        with database.session_scope() as session:
            store = session.get(Store, store_id)
            assert store is not None  # noqa: S101 - just created
            store.settings = {"branding": {"from_email": "shop@bench.example"}}
            for recipe in ("abandoned_cart", "cross_sell"):
                save_config(session, store, recipe, {}, enabled=True)
        connection = redis.Redis.from_url(environment.redis_url)
        queue = JobQueues(connection).queue(INBOUND)
        noop_queue = Queue("bench-noop", connection=connection, serializer=JobSerializer)
        results: dict[str, object] = {}
        try:
            for mode in modes:
                ids = _store_events(database, store_id, count, mode)
                results[mode] = _measure(environment.variables, database, store_id, ids, mode)
            with database.session() as session:
                statuses = dict(
                    session.execute(
                        select(InboundEvent.status, func.count())
                        .where(InboundEvent.store_id == store_id)
                        .group_by(InboundEvent.status)
                    ).all()
                )
        finally:
            queue.empty()
            noop_queue.empty()
            with database.session_scope() as session:
                session.execute(delete(Store).where(Store.id == store_id))
            database.dispose()
    return {
        "events": count,
        "mix": MIX,
        "workers": 2,
        "modes": results,
        "statuses": {str(status): number for status, number in statuses.items()},
    }


def _measure(
    variables: dict[str, str], database: Database, store_id: int, ids: list[int], mode: str
) -> dict[str, Any]:
    """No-op jobs, then the stored events, then a trickle, through 2 workers in `mode`."""
    options = ("--no-fork",) if mode == "no-fork" else ()
    connection = redis.Redis.from_url(variables["REDIS_URL"])
    noop_queue = Queue("bench-noop", connection=connection, serializer=JobSerializer)
    _enqueue(noop_queue, "bench.noop_job.noop", ids, f"noop-{mode}")
    with workers(variables, 2, "bench-noop", *options) as pids:
        baseline = _drain(ids, pids, lambda: _noop_done(noop_queue, len(ids)))
    job_queues = JobQueues(connection)
    job_queues.clear_inbound_wake()
    job_queues.wake_inbound_drain()  # as the web process does after storing
    with workers(variables, 2, INBOUND, *options) as pids:
        nudge = _drain(ids, pids, lambda: _processed(database, ids))
        nudge["lag"] = _trickle(database, store_id, job_queues, mode, min(TRICKLE, len(ids)))
    nudge["baseline_noop_jobs"] = baseline
    nudge["ratio_to_baseline"] = round(nudge["events_per_s"] / baseline["events_per_s"], 3)
    return nudge


def _noop_done(noop_queue: Queue, total: int) -> int:
    return total - noop_queue.count - noop_queue.started_job_registry.count


def _processed(database: Database, ids: list[int]) -> int:
    with database.session() as session:
        return session.execute(
            select(func.count())
            .select_from(InboundEvent)
            .where(InboundEvent.id.between(ids[0], ids[-1]), InboundEvent.status != "received")
        ).scalar_one()


def _trickle(
    database: Database, store_id: int, job_queues: JobQueues, mode: str, trickle: int
) -> dict[str, object]:
    """`trickle` events, one every 20 ms, to idle workers: received → processed, in ms."""
    ids: list[int] = []
    for number in range(trickle):
        ids += _store_events(database, store_id, 1, f"trickle-{mode}", first=number)
        job_queues.wake_inbound_drain()
        time.sleep(0.02)
    deadline = time.monotonic() + 60
    while _processed(database, ids) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    with database.session() as session:
        rows = session.execute(
            select(InboundEvent.received_at, InboundEvent.processed_at).where(
                InboundEvent.id.in_(ids)
            )
        ).all()
    lags = sorted(
        (processed - received).total_seconds() * 1000
        for received, processed in rows
        if processed is not None
    )
    return {
        "events": trickle,
        "p50_ms": round(percentile(lags, 0.5), 1),
        "p95_ms": round(percentile(lags, 0.95), 1),
        "max_ms": round(lags[-1], 1) if lags else None,
    }
