"""Nudge served over real HTTP beside the sandbox WooCommerce, and a store connected through
`/wc-auth` exactly as a merchant would.

Nudge's app runs in a ServerThread on the committed database (the sandbox calls back into it
from its own threads); jobs run in-process with an RQ SimpleWorker in burst mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import create_app
from app.config import Settings
from app.db import Database
from app.db.models import Store
from app.runtime import Runtime
from sandbox.serving import ServerThread
from sandbox.woocommerce import create_app as create_sandbox
from workers import runtime as worker_runtime
from workers.queues import ALL_QUEUES, JobQueues
from workers.serializer import JobSerializer


@dataclass
class WooSandbox:
    """The sandbox WooCommerce process and its control API."""

    url: str
    http: httpx.Client

    def create_store(self, slug: str, **settings: Any) -> dict[str, Any]:
        response = self.http.post("/_sandbox/stores", json={"slug": slug, **settings})
        assert response.status_code == 201, response.text
        return response.json()

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/_sandbox/stores/{path}", **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def drain(self) -> None:
        assert self.http.post("/_sandbox/deliveries/drain", json={"timeout": 20}).status_code == 200


@dataclass
class Nudge:
    """Nudge's web app on a loopback port, its runtime, and a way to run queued jobs."""

    url: str
    runtime: Runtime

    def run_jobs(self) -> None:
        queues = JobQueues(self.runtime.redis)
        worker = SimpleWorker(
            [queues.queue(name) for name in ALL_QUEUES],
            connection=self.runtime.redis,
            serializer=JobSerializer,
        )
        worker.work(burst=True)

    def store(self, domain: str) -> Store:
        with self.runtime.db.session() as session:
            return session.execute(
                select(Store).where(Store.platform == "woocommerce", Store.domain == domain)
            ).scalar_one()


@pytest.fixture
def woo_sandbox() -> Iterator[WooSandbox]:
    app = create_sandbox({"delivery_timeout": 10})
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield WooSandbox(server.url, http)
        app.extensions["woo_deliverer"].stop()


@pytest.fixture
def nudge(settings: Settings, committed_db: Database, redis_client) -> Iterator[Nudge]:
    holder: dict[str, Any] = {}
    server = ServerThread(lambda environ, start: holder["app"](environ, start)).start()
    served = dataclasses.replace(
        settings, app_url=server.url, woocommerce_allow_private_stores=True
    )
    process_runtime = Runtime(served, database=committed_db)
    worker_runtime.install(process_runtime)
    holder["app"] = create_app(runtime=process_runtime)
    try:
        yield Nudge(server.url, process_runtime)
    finally:
        server.stop()
        worker_runtime.install(None)


def connect_through_wc_auth(nudge: Nudge, woo: WooSandbox, store_url: str) -> Store:
    """The merchant's path: Nudge's connect page → the store's approval → callback → return."""
    with httpx.Client(timeout=30) as browser:
        start = browser.get(f"{nudge.url}/woocommerce/connect", params={"store_url": store_url})
        assert start.status_code == 302, start.text
        approval = browser.get(start.headers["Location"])  # auto_approve: grants at once
        assert approval.status_code == 302, approval.text
        assert approval.headers["Location"].startswith(f"{nudge.url}/woocommerce/return?")
        landing = browser.get(approval.headers["Location"])
    assert landing.status_code == 302
    assert landing.headers["Location"] == "/admin/?woocommerce=connected"
    nudge.run_jobs()  # setup (keys proven, webhooks), then the backfill
    domain = store_url.split("://", 1)[1]
    return nudge.store(domain)
