"""Webhook ingest over HTTP: signed Shopify webhooks into `web` under gunicorn (issue 10, #1).

A separate load-generator process (bench/load_generator.py) keeps CONNECTIONS keep-alive
connections busy with real fixture bodies and real HMACs for SECONDS, first against a bare Flask
app on the same gunicorn settings (the baseline), then against Nudge (`app:create_app()`, as the
Procfile's `web` runs it) on DATABASE_URL + REDIS_URL. Reported: requests/s, p50/p99 latency,
and rows stored, which must equal the requests answered "accepted" (0 lost).

`BENCH_SECONDS` (default 10) and `BENCH_CONNECTIONS` (default 16) size the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from sqlalchemy import delete, func, select

from app.db.models import InboundEvent, Store
from bench.app_processes import (
    ROOT,
    SHOPIFY_SECRET,
    add_store,
    bench_environment,
    cpu_seconds,
    gunicorn,
)
from workers.queues import INBOUND, JobQueues


def _load(server: tuple[int, int], shop: str, seconds: float, connections: int) -> dict[str, Any]:
    """Run the load generator in its own process against the server; its JSON summary, with the
    server's CPU time per request (steadier than rates on a machine shared with other work)."""
    port, pid = server
    cpu_before = cpu_seconds(pid)
    output = subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "bench.load_generator",
            f"--port={port}",
            f"--shop={shop}",
            f"--secret={SHOPIFY_SECRET}",
            f"--seconds={seconds}",
            f"--warmup={min(2.0, seconds / 5)}",
            f"--connections={connections}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    summary: dict[str, Any] = json.loads(output)
    answered = sum(summary["answers_by_status"].values())
    summary["server_cpu_ms_per_request"] = round(
        (cpu_seconds(pid) - cpu_before) * 1000 / max(answered, 1), 3
    )
    return summary


def run() -> dict[str, object]:
    """Baseline, then Nudge, in the same run; rates, latencies, rows and the ratio."""
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    with bench_environment() as environment:
        database = environment.database()
        store_id, shop = add_store(database)
        try:
            with gunicorn(environment.variables, app="bench.bare_app:app") as server:
                baseline = _load(server, shop, seconds, connections)
            with gunicorn(environment.variables) as server:
                nudge = _load(server, shop, seconds, connections)
            with database.session() as session:
                stored = session.execute(
                    select(func.count())
                    .select_from(InboundEvent)
                    .where(InboundEvent.store_id == store_id)
                ).scalar_one()
        finally:
            # No worker runs here: drop the queued jobs and the rows this run made.
            JobQueues(_redis(environment.redis_url)).queue(INBOUND).empty()
            with database.session_scope() as session:
                session.execute(delete(InboundEvent).where(InboundEvent.store_id == store_id))
                session.execute(delete(Store).where(Store.id == store_id))
            database.dispose()
    accepted = nudge["answers_by_status"].get("200", 0)
    return {
        "seconds": seconds,
        "connections": connections,
        "gunicorn": "gunicorn.conf.py defaults: 2 workers x 4 threads (gthread)",
        "baseline": baseline,
        "nudge": nudge,
        "requests_per_s": nudge["requests_per_s"],
        "baseline_requests_per_s": baseline["requests_per_s"],
        "ratio_to_baseline": round(nudge["requests_per_s"] / baseline["requests_per_s"], 3),
        "server_cpu_ms_per_request": nudge["server_cpu_ms_per_request"],
        "baseline_server_cpu_ms_per_request": baseline["server_cpu_ms_per_request"],
        "p50_ms": nudge["latency_ms"]["p50"],
        "p99_ms": nudge["latency_ms"]["p99"],
        "accepted": accepted,
        "rows_stored": stored,
        "lost": accepted - stored,
    }


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)
