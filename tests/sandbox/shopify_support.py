"""Helpers for the sandbox Shopify tests: a running sandbox over real HTTP, a webhook receiver,
and the httpx transport that routes https://<shop>.myshopify.com to the sandbox (the way a
connector pointed at SHOPIFY_ADMIN_ORIGIN reaches a shop: the Host header is kept)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from flask import Flask, request

from sandbox.serving import ServerThread
from sandbox.shopify import create_app
from sandbox.shopify.state import Sandbox
from sandbox.shopify.transport import SandboxTransport

API_KEY = "sandbox-test-client-id"
# At least 32 bytes: PyJWT warns (an error under filterwarnings=error) on shorter HS256 keys.
API_SECRET = "sandbox-test-client-secret-0123456789"
VERSION = "2026-07"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


class FakeClock:
    """A sandbox clock (SandboxConfig.clock) that only moves when the test moves it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class RunningSandbox:
    """A sandbox served on a loopback port, with shortcuts for the tests."""

    url: str
    state: Sandbox
    http: httpx.Client

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the control API (`path` after /sandbox)."""
        return self.http.request(method, f"/sandbox{path}", **kwargs)

    def create_shop(self, handle: str = "demo", installed: bool = True, **fields: Any) -> str:
        """A new shop; returns its domain."""
        body = {"domain": handle, "installed": installed, **fields}
        response = self.control("POST", "/shops", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["domain"])

    def id_token(self, domain: str) -> dict[str, Any]:
        """{url, id_token, claims} as the admin hands them to App Home."""
        response = self.control("GET", f"/shops/{domain}/open-app", params={"format": "json"})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def exchange(self, domain: str, expiring: int = 1) -> dict[str, Any]:
        """Token exchange over HTTP (offline); the token endpoint's JSON."""
        body = {
            "client_id": API_KEY,
            "client_secret": API_SECRET,
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": self.id_token(domain)["id_token"],
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": OFFLINE,
            "expiring": expiring,
        }
        response = self.http.post(f"/shops/{domain}/admin/oauth/access_token", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def graphql(
        self, domain: str, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        """POST a GraphQL document, routed by the Host header like a real client."""
        return self.http.post(
            f"/admin/api/{VERSION}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"Host": domain, "X-Shopify-Access-Token": token},
        )

    def transport(self) -> SandboxTransport:
        """An httpx transport sending https://<shop>.myshopify.com/... here."""
        return SandboxTransport(self.url)


@contextmanager
def running_sandbox(**config: Any) -> Iterator[RunningSandbox]:
    """Serve a sandbox Shopify for one test; config overrides SandboxConfig fields."""
    settings = {"api_key": API_KEY, "api_secret": API_SECRET, "app_url": "https://app.example"}
    app = create_app(settings | {"bulk_job_delay": 0.0} | config)
    state: Sandbox = app.extensions["shopify_sandbox"]
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        try:
            yield RunningSandbox(server.url, state, client)
        finally:
            state.close()


@dataclass
class Delivery:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """A loopback HTTP endpoint that records deliveries and answers queued statuses."""

    url: str = ""
    received: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Flask:
        """The receiving WSGI app."""
        app = Flask("webhook_receiver")

        @app.post("/<path:path>")
        def receive(path: str) -> tuple[str, int]:
            with self.lock:
                self.received.append(
                    Delivery("/" + path, dict(request.headers), request.get_data())
                )
                status = self.statuses.pop(0) if self.statuses else 200
                delay = self.delays.pop(0) if self.delays else 0.0
            time.sleep(delay)
            return "", status

        return app

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until `count` deliveries arrived (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")

    def topics(self) -> list[str]:
        """X-Shopify-Topic of every delivery, in arrival order."""
        with self.lock:
            return [d.headers["X-Shopify-Topic"] for d in self.received]


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Serve a WebhookReceiver on a loopback port."""
    receiver = WebhookReceiver()
    with ServerThread(receiver.app()) as server:
        receiver.url = server.url
        yield receiver
