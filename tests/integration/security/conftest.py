"""A world to attack: a Shopify shop and a WooCommerce store with real secrets, a SendGrid
signing key, and a probe that proves a refused request changed nothing.

`Probe.state()` is every row of every table plus the size of every RQ key in Redis; a refused
request must leave both exactly as they were (rate-limit counters are not RQ keys: counting a
refused request against its sender's limit is intended).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.db import Base
from app.db.models import Store
from app.runtime import Runtime
from connectors.woocommerce.webhooks import new_webhook_secret
from sandbox.sendgrid.signing import WebhookSigner
from tests.admin_data import API_SECRET
from tests.factories import make_store
from workers import runtime as worker_runtime

SHOP = "fuzz-shop.myshopify.com"
WOO_DOMAIN = "woo.fuzz.example"
SENDGRID = WebhookSigner()


@pytest.fixture
def runtime(settings, db, redis_client) -> Iterator[Runtime]:
    """The suite's runtime with a realistic Shopify secret and a SendGrid verification key."""
    configured = replace(
        settings, shopify_api_secret=API_SECRET, sendgrid_webhook_public_key=SENDGRID.public_key
    )
    process_runtime = Runtime(configured, database=db)
    worker_runtime.install(process_runtime)
    yield process_runtime
    worker_runtime.install(None)


@dataclass
class World:
    shop: Store
    woo: Store
    woo_secret: str


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    """One active store per platform, with credentials."""
    shop = make_store(session, domain=SHOP, name="Fuzz Shop")
    shop.set_credentials(runtime.cipher, {"access_token": "shpat_" + "a" * 32})
    woo = make_store(session, platform="woocommerce", domain=WOO_DOMAIN, name="Fuzz Woo")
    secret = new_webhook_secret()
    woo.set_credentials(
        runtime.cipher,
        {
            "store_url": f"https://{WOO_DOMAIN}",
            "consumer_key": "ck_" + "1" * 40,
            "consumer_secret": "cs_" + "2" * 40,
            "webhook_secret": secret,
        },
    )
    session.commit()
    return World(shop, woo, secret)


class Probe:
    """Reads everything a request could have changed."""

    def __init__(self, session: Session, client: redis.Redis) -> None:
        self.session = session
        self.redis = client

    def state(self) -> dict[str, Any]:
        """Every row of every table, and the size of every RQ key."""
        self.session.expire_all()
        tables = {
            table.name: sorted(repr(tuple(row)) for row in self.session.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }
        return {"tables": tables, "rq": self._rq_keys()}

    def _rq_keys(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for raw in self.redis.scan_iter(match="rq:*", count=500):
            key = raw.decode()
            kind = self.redis.type(raw).decode()
            sizes[key] = {
                "list": self.redis.llen,
                "zset": self.redis.zcard,
                "hash": self.redis.hlen,
                "set": self.redis.scard,
            }.get(kind, lambda _key: 1)(raw)
        return sizes


@pytest.fixture
def probe(session: Session, redis_client: redis.Redis) -> Probe:
    """Reads the whole state of the database and the queues."""
    return Probe(session, redis_client)


class Refusals:
    """Send one hostile request and check the promise: a clear 4xx, one log line, no change."""

    def __init__(self, probe: Probe, caplog: pytest.LogCaptureFixture) -> None:
        self.probe = probe
        self.caplog = caplog

    def check(self, send: Any, statuses: set[int] | int) -> TestResponse:
        """Call `send()` and assert the refusal promise; returns the response."""
        allowed = {statuses} if isinstance(statuses, int) else statuses
        before = self.probe.state()
        self.caplog.clear()
        response: TestResponse = send()
        assert response.status_code in allowed, (response.status_code, response.data[:300])
        assert 400 <= response.status_code < 500
        self.assert_clear_answer(response)
        lines = [r for r in self.caplog.records if r.levelno >= logging.INFO]
        assert len(lines) == 1, [r.getMessage() for r in lines]
        assert lines[0].name == "app.web.refused"
        assert "\n" not in lines[0].getMessage() and "\r" not in lines[0].getMessage()
        assert self.probe.state() == before, "a refused request changed the stored state"
        return response

    @staticmethod
    def assert_clear_answer(response: TestResponse) -> None:
        """JSON with an error (and usually a message), or a rendered HTML page."""
        if response.is_json:
            document = response.get_json()
            assert isinstance(document, dict) and document.get("error"), document
        else:
            assert response.mimetype in ("text/html", "application/javascript", "text/plain")
            assert response.data, "an empty refusal"


@pytest.fixture
def refusals(probe: Probe, caplog: pytest.LogCaptureFixture) -> Refusals:
    """The refusal checker, capturing log records from INFO up."""
    caplog.set_level(logging.INFO)
    return Refusals(probe, caplog)


def shopify_signature(body: bytes, secret: str = API_SECRET) -> str:
    """X-Shopify-Hmac-Sha256 of `body`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_headers(body: bytes, *, shop: str = SHOP, topic: str = "orders/create", **extra: str):
    """A delivery's headers, signed for `body`."""
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": "wh-1",
        "X-Shopify-Event-Id": "evt-1",
        "X-Shopify-Triggered-At": "2026-07-01T00:00:00Z",
        "X-Shopify-Hmac-Sha256": shopify_signature(body),
    }
    headers.update(extra)
    return headers


def post_shopify(client: FlaskClient, body: bytes, headers: dict[str, str], **kwargs: Any):
    """POST a Shopify webhook delivery."""
    kwargs.setdefault("content_type", "application/json")
    return client.post("/webhooks/shopify", data=body, headers=headers, **kwargs)


def json_bytes(document: Any) -> bytes:
    """Compact JSON bytes, as platforms send."""
    return json.dumps(document, separators=(",", ":")).encode()
