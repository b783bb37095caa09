"""Shared pieces for the SendGrid tests: a running sandbox account and an event receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from flask import Flask, request

from sandbox.sendgrid import (
    DEFAULT_API_KEY,
    DeliveryPolicy,
    SandboxConfig,
    SandboxState,
    sandbox_state,
)
from sandbox.sendgrid import create_app as create_sandbox_app
from sandbox.serving import ServerThread

API_KEY = DEFAULT_API_KEY
FAST_DELIVERY = DeliveryPolicy(batch_interval=0.05, retry_delays=(0.05, 0.1, 0.2), timeout=5.0)


@dataclass
class RunningSandbox:
    """A sandbox SendGrid account served on a loopback port."""

    server: ServerThread
    state: SandboxState
    #: One client for every call (a client per call costs a TLS context each time).
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the control API."""
        return self.http.request(method, f"{self.url}/_sandbox{path}", timeout=30, **kwargs)

    def flush(self) -> None:
        """Wait until every queued event has been posted."""
        response = self.control("POST", "/event-webhook/flush", json={"timeout": 20})
        assert response.status_code == 200, response.text


@contextmanager
def running_sandbox(**overrides: Any) -> Iterator[RunningSandbox]:
    """Serve a sandbox account (fast webhook delivery) for the duration of the block."""
    config = replace(SandboxConfig(delivery=FAST_DELIVERY), **overrides)
    app = create_sandbox_app(config)
    state = sandbox_state(app)
    try:
        with ServerThread(app) as server, httpx.Client(timeout=30) as http:
            yield RunningSandbox(server, state, http)
    finally:
        state.close()


@dataclass
class Received:
    """One POST the receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class EventReceiver:
    """A webhook endpoint that records every POST and can fail the next N with 500."""

    received: list[Received] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Flask:
        receiver = Flask("event_receiver")

        @receiver.post("/events")
        def events() -> tuple[str, int]:
            with self.lock:
                self.received.append(Received(dict(request.headers), request.get_data()))
                if self.failures_left:
                    self.failures_left -= 1
                    return "try later", 500
            return "", 200

        return receiver


@contextmanager
def running_receiver() -> Iterator[tuple[EventReceiver, str]]:
    """An EventReceiver served on a loopback port; yields it and its events URL."""
    receiver = EventReceiver()
    with ServerThread(receiver.app()) as server:
        yield receiver, f"{server.url}/events"


def mail_body(**overrides: Any) -> dict[str, Any]:
    """A valid mail-send body (what Nudge's sender builds for one message)."""
    body: dict[str, Any] = {
        "personalizations": [
            {
                "to": [{"email": "ada@example.com", "name": "Ada"}],
                "custom_args": {"nudge_message_id": "41", "nudge_store": "store-key"},
                "headers": {
                    "List-Unsubscribe": "<https://nudge.test/u/token-ada>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            }
        ],
        "from": {"email": "shop@example.com", "name": "Example Shop"},
        "subject": "You left something behind",
        "content": [
            {"type": "text/plain", "value": "Your cart: https://shop.example.com/cart"},
            {
                "type": "text/html",
                "value": '<p><a href="https://shop.example.com/cart">Cart</a></p>',
            },
        ],
        "categories": ["nudge", "abandoned_cart"],
    }
    body.update(overrides)
    return body
