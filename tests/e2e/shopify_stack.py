"""Nudge and the sandbox Shopify, each on its own loopback port, wired like production.

Nudge's settings point SHOPIFY_ADMIN_ORIGIN at the sandbox; the sandbox's app configuration
points its App URL and webhook addresses at Nudge. Jobs run in the test thread (RQ burst on the
real Redis); webhooks arrive over HTTP from the sandbox's delivery thread.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from rq import SimpleWorker
from sqlalchemy import func, select

from app import create_app
from app.config import Settings
from app.db import Database
from app.db.models import InboundEvent, Store
from app.runtime import Runtime
from connectors.shopify.connector import ShopifyConnector
from sandbox.serving import ServerThread
from sandbox.shopify import AppSubscription
from sandbox.shopify import create_app as create_sandbox
from sandbox.shopify.config import COMPLIANCE_TOPICS
from sandbox.shopify.state import Sandbox
from workers import runtime as worker_runtime
from workers.connections import shopify_connector
from workers.queues import ALL_QUEUES, JobQueues
from workers.serializer import JobSerializer

API_KEY = "nudge-e2e-client-id"
# ≥ 32 bytes: PyJWT warns (an error under filterwarnings=error) on shorter HS256 keys.
API_SECRET = "nudge-e2e-client-secret-0123456789abcdef"
#: What shopify.app.toml declares: uninstall and compliance topics, for every shop.
TOML_TOPICS = ("app/uninstalled", *COMPLIANCE_TOPICS)


class LateApp:
    """A WSGI app whose target is set after its server knows its port."""

    def __init__(self) -> None:
        self.target: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.target is not None, "the app is not ready yet"
        return self.target(environ, start_response)


@dataclass
class ShopifyStack:
    """Both servers, Nudge's runtime, and shortcuts."""

    app_url: str
    sandbox_url: str
    sandbox: Sandbox
    control: httpx.Client
    http: httpx.Client
    runtime: Runtime

    @property
    def database(self) -> Database:
        return self.runtime.db

    def create_shop(self, handle: str = "demo", **fields: Any) -> str:
        """A shop with the app installed (Shopify-managed install); returns its domain."""
        body = {"domain": handle, "installed": True, "timezone": "Europe/Paris", **fields}
        response = self.control.post("/sandbox/shops", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["domain"])

    def seed(self, domain: str, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a customer, product, checkout, order, cart ... in the shop."""
        response = self.control.post(f"/sandbox/shops/{domain}/{resource}", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def sandbox_call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A control API call under /sandbox/shops/<domain>...; returns its JSON."""
        response = self.control.request(method, "/sandbox" + path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def operation_count(self, domain: str, operation: str) -> int:
        """How often the app made a call, by the sandbox's label: "mutation X", "query X",
        "oauth token-exchange", "oauth refresh_token", "throttled", "http 401"."""
        counts = self.sandbox_call("GET", f"/shops/{domain}/requests")["counts"]
        return int(counts.get(operation, 0))

    def open_app(self, domain: str) -> httpx.Response:
        """Load App Home the way the admin does: the sandbox signs the URL and an ID token."""
        url = self.sandbox_call("GET", f"/shops/{domain}/open-app", params={"format": "json"})
        return self.http.get(url["url"])

    def store(self, domain: str) -> Store | None:
        """Nudge's store row for a shop (a fresh read)."""
        with self.database.session() as session:
            return session.execute(
                select(Store).where(Store.platform == "shopify", Store.domain == domain)
            ).scalar_one_or_none()

    def connector(self, domain: str) -> ShopifyConnector:
        """Nudge's connector for an installed shop."""
        store = self.store(domain)
        assert store is not None
        return shopify_connector(self.runtime, store.id, domain)

    def run_jobs(self) -> None:
        """Run every queued job (and the jobs they queue) in this thread."""
        queues = JobQueues(self.runtime.redis)
        SimpleWorker(
            [queues.queue(name) for name in ALL_QUEUES],
            connection=self.runtime.redis,
            serializer=JobSerializer,
        ).work(burst=True)

    def settle(self, timeout: float = 20.0) -> None:
        """Deliver pending webhooks and run jobs until both are quiet."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.control.post("/sandbox/webhooks/drain", json={"timeout": 10})
            before = self.event_count()
            self.run_jobs()
            if self.sandbox.webhooks.pending() == 0 and self.event_count() == before:
                return
        raise AssertionError("the stack did not settle")

    def event_count(self) -> int:
        with self.database.session() as session:
            return session.execute(select(func.count()).select_from(InboundEvent)).scalar_one()


@contextmanager
def shopify_stack(
    settings: Settings, database: Database, **sandbox_config: Any
) -> Iterator[ShopifyStack]:
    """Serve Nudge and a sandbox Shopify for one test."""
    nudge = LateApp()
    with ServerThread(nudge) as app_server:
        config = {
            "api_key": API_KEY,
            "api_secret": API_SECRET,
            "app_url": app_server.url,
            "app_subscriptions": (
                AppSubscription(TOML_TOPICS, app_server.url + "/webhooks/shopify"),
            ),
            "bulk_job_delay": 0.0,
            "webhook_retry_delays": (0.2, 0.5, 1.0),
        } | sandbox_config
        sandbox_app = create_sandbox(config)
        state: Sandbox = sandbox_app.extensions["shopify_sandbox"]
        with ServerThread(sandbox_app) as sandbox_server:
            stack_settings = dataclasses.replace(
                settings,
                app_url=app_server.url,
                shopify_api_key=API_KEY,
                shopify_api_secret=API_SECRET,
                shopify_admin_origin=sandbox_server.url,
            )
            runtime = Runtime(stack_settings, database=database)
            worker_runtime.install(runtime)
            nudge.target = create_app(runtime=runtime)
            with (
                httpx.Client(base_url=sandbox_server.url, timeout=30) as control,
                httpx.Client(base_url=app_server.url, timeout=30) as http,
            ):
                try:
                    yield ShopifyStack(
                        app_server.url, sandbox_server.url, state, control, http, runtime
                    )
                finally:
                    state.close()
                    worker_runtime.install(None)
                    if "redis" in runtime.__dict__:
                        runtime.redis.close()
