"""`POST /t/events`: storefront events (product views, carts) from each platform's script,
and `GET /t/woo.js`, the WooCommerce storefront snippet.

One small verifier per platform turns a posted batch into inbox events for one store, or
refuses it (`TrackingRejected` with a status). Batches are rate-limited per store and shopper,
then stored through the inbox exactly like webhooks, so the same pipeline maps and ingests them.
A platform adds its verifier to `VERIFIERS`. WooCommerce's snippet posts single events marked
`"p": "woocommerce"` that `tracking_woo` verifies (per-page-load tokens, Origin) and stores.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.inbox import accept_event
from app.db.models import Store
from app.security import constant_time_equals
from app.web import tracking_woo
from app.web.request_scope import db_session, job_queues, runtime
from connectors.shopify.mapping import PayloadError
from connectors.shopify.mapping.pixel import parse_batch
from workers.queues import QueueUnavailable

bp = Blueprint("tracking", __name__)
log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
#: Events a shopper's browser may send per minute, and a whole store.
PER_CLIENT_PER_MINUTE = 120
PER_STORE_PER_MINUTE = 6000
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


#: The rate limiter's clock (tests pin it so a minute boundary cannot split a burst).
clock = time.time


class TrackingRejected(Exception):
    """A batch that must not be stored, with the status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TrackedEvent:
    """One event for the inbox: its dedupe id, topic and body."""

    external_id: str
    topic: str
    body: str


@dataclass(frozen=True)
class TrackedBatch:
    """A verified batch for one store and one shopper."""

    platform: str
    store_id: int
    client_id: str
    events: tuple[TrackedEvent, ...]


Verifier = Callable[[Session, dict[str, Any]], TrackedBatch]


def verify_shopify(session: Session, payload: dict[str, Any]) -> TrackedBatch:
    """Nudge's web pixel: shop + the store's public key (from the pixel settings)."""
    try:
        batch = parse_batch(payload)
    except PayloadError as error:
        raise TrackingRejected(400, str(error)) from error
    store = session.execute(
        select(Store).where(Store.platform == "shopify", Store.domain == batch.shop_domain)
    ).scalar_one_or_none()
    if store is None or not store.is_active:
        raise TrackingRejected(404, "no such shop")
    if not constant_time_equals(store.key, batch.store_key):
        raise TrackingRejected(403, "the pixel's store key does not match")
    events = tuple(
        TrackedEvent(f"pixel:{batch.client_id}:{event.event_id}", event.topic, event.body)
        for event in batch.events
    )
    return TrackedBatch("shopify", store.id, batch.client_id, events)


VERIFIERS: dict[str, Verifier] = {"shopify": verify_shopify}


def _cors(response: Response, status: int) -> tuple[Response, int]:
    response.headers.update(CORS_HEADERS)
    return response, status


def _over_limit(batch: TrackedBatch) -> bool:
    """Fixed one-minute windows in Redis; a Redis outage lets events through (they are cheap)."""
    window = int(clock() // 60)
    client = hashlib.sha256(batch.client_id.encode()).hexdigest()[:16]
    keys = (
        (f"nudge:track:{batch.store_id}:{client}:{window}", PER_CLIENT_PER_MINUTE),
        (f"nudge:track:{batch.store_id}:store:{window}", PER_STORE_PER_MINUTE),
    )
    try:
        pipeline = runtime().redis.pipeline()
        for key, _limit in keys:
            pipeline.incrby(key, len(batch.events))
            pipeline.expire(key, 120)
        counts = pipeline.execute()[::2]
    except redis.RedisError as error:
        log.warning("tracking rate limit unavailable: %s", error)
        return False
    return any(count > limit for count, (_key, limit) in zip(counts, keys, strict=True))


@bp.get("/t/woo.js")
def woo_snippet() -> ResponseReturnValue:
    """The WooCommerce storefront snippet for the store named by `?k=`."""
    return tracking_woo.serve_snippet()


@bp.route("/t/events", methods=["POST", "OPTIONS"])
def track() -> ResponseReturnValue:
    """Validate, rate-limit and store a batch of storefront events."""
    if request.method == "OPTIONS":
        return _cors(Response(status=204), 204)
    if (request.content_length or 0) > MAX_BODY:
        return _cors(jsonify(error="batch too large"), 413)
    # A chunked body has no Content-Length: read one byte past the limit to know.
    raw = request.stream.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return _cors(jsonify(error="batch too large"), 413)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except ValueError:
        return _cors(jsonify(error="the body is not JSON"), 400)
    if isinstance(payload, dict) and payload.get("p") == "woocommerce":
        return tracking_woo.accept_storefront_event(payload)
    verify = VERIFIERS.get(str(payload.get("platform"))) if isinstance(payload, dict) else None
    if verify is None:
        return _cors(jsonify(error="unknown or missing platform"), 400)
    session = db_session()
    try:
        batch = verify(session, payload)
    except TrackingRejected as error:
        return _cors(jsonify(error=str(error)), error.status)
    if _over_limit(batch):
        response, status = _cors(jsonify(error="too many events"), 429)
        response.headers["Retry-After"] = "60"
        return response, status
    return _cors(jsonify(_store(session, batch)), 202)


def _store(session: Session, batch: TrackedBatch) -> dict[str, int]:
    accepted = [
        accept_event(
            session,
            platform=batch.platform,
            store_id=batch.store_id,
            external_id=event.external_id,
            topic=event.topic,
            body=event.body,
        )
        for event in batch.events
    ]
    session.commit()
    new = [item.event_id for item in accepted if item.created]
    try:
        if new:
            job_queues().wake_inbound_drain()
    except QueueUnavailable as error:
        log.warning("tracked events stored, queue unavailable: %s", error)
    return {"accepted": len(new), "duplicates": len(accepted) - len(new)}
