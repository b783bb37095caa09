"""WooCommerce storefront events: serving `woo.js` and verifying what it reports.

Threat model. The snippet is public: anyone can read it, and so anything in it — the store's
public key and the page-load token alike — is known to an attacker. What each measure buys:

- Per-store key (`Store.key`, also in webhook URLs) names the store; it grants nothing by itself.
- Page-load token: `GET /t/woo.js` mints `<issued>.<nonce>.<HMAC(SECRET_KEY, key|issued|nonce)>`
  for that store. Events must carry a token minted for *their* store in the last 24 hours, so a
  token cannot be moved to another store, cannot be forged without SECRET_KEY, and an attacker
  must keep fetching the script to keep a token — each token is rate-limited on its own, which
  turns "forge millions of events" into "fetch and stay under per-token, per-IP limits".
- `Origin` must be the store's own site. A browser sets it and page scripts cannot change it, so
  no other website can make its visitors' browsers send events for the store (the CSRF-style
  attack). A script outside a browser can set any Origin: this stops browsers, not curl.
- Rate limits per IP and per token (Redis, fixed window) bound what one client can inject.
- Input limits: 64 KiB bodies, strict formats for ids, emails and product ids, a JSON object cart
  passed to the mapping, which reads only the fields it knows.

Residual risk, accepted as with every client-side tracker (Klaviyo, Omnisend): a determined
script can report made-up carts and views for a store at a bounded rate, including a cart with
someone else's email. What that can cause is bounded elsewhere: events only upsert the reporting
visitor's own cart row and views; a guest email from the snippet never grants marketing consent
(the engine's consent policy and frequency caps apply before any email), and the event cannot
touch orders, customers' consent or another store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Response, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.db.base import utcnow
from app.db.models import Store
from app.web.inbox import accept_webhook
from app.web.rate_limit import hit
from app.web.request_scope import db_session, runtime
from connectors.woocommerce.storefront import snippet

PLATFORM = "woocommerce"
TOKEN_TTL = 24 * 3600
#: Clock skew tolerated on a token's issue time (several app servers).
_SKEW = 300
PER_IP_PER_MINUTE = 120
PER_TOKEN_PER_MINUTE = 60
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_EMAIL = re.compile(r"^[^\s@<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_TYPES = ("product_viewed", "cart")


class BadEvent(ValueError):
    """A storefront event that does not have the shape woo.js sends."""


def serve_snippet() -> ResponseReturnValue:
    """`GET /t/woo.js?k=<store key>`: the snippet with a fresh page-load token."""
    store = _active_store(request.args.get("k", ""))
    if store is None:
        return Response("/* unknown store */\n", 404, mimetype="application/javascript")
    settings = runtime().settings
    body = snippet(
        endpoint=f"{settings.app_url}/t/events",
        store_key=store.key,
        token=mint_token(settings.secret_key, store.key),
        store_path=_store_path(store),
    )
    response = Response(body, 200, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def accept_storefront_event(payload: dict[str, Any]) -> ResponseReturnValue:
    """Verify one woo.js event (store, origin, token, rate, shape) and store it in the inbox."""
    store = _active_store(str(payload.get("k", "")))
    if store is None:
        return jsonify(error="Not Found", message="unknown store"), 404
    origin = request.headers.get("Origin", "")
    if not origin_matches(origin, store.domain):
        return jsonify(error="Forbidden", message="origin is not the store's site"), 403
    token = str(payload.get("t", ""))
    if not verify_token(runtime().settings.secret_key, store.key, token):
        return jsonify(error="Forbidden", message="token invalid or expired"), 403
    limited = _rate_limited(store.id, token)
    if limited is not None:
        return limited
    try:
        event = validated(payload)
    except BadEvent as error:
        return jsonify(error="Bad Request", message=str(error)), 400
    envelope = {
        **event,
        "received_at": utcnow().isoformat(),
        "store_url": f"{urlsplit(origin).scheme}://{store.domain}",
    }
    response = make_response(
        accept_webhook(
            platform=PLATFORM,
            store_id=store.id,
            external_id=f"sf:{event['visitor']}:{payload['e']}",
            topic=f"storefront.{payload['type']}",
            body=json.dumps(envelope, separators=(",", ":")).encode(),
        )
    )
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    return response


def validated(payload: dict[str, Any]) -> dict[str, Any]:
    """The event's fields in Nudge's envelope shape, or BadEvent naming what is wrong."""
    if payload.get("type") not in _TYPES:
        raise BadEvent("type must be product_viewed or cart")
    visitor, event_id = str(payload.get("v", "")), str(payload.get("e", ""))
    if not _ID.match(visitor) or not _ID.match(event_id):
        raise BadEvent("visitor and event ids must be 8-64 letters, digits, - or _")
    event: dict[str, Any] = {"visitor": visitor}
    email = payload.get("email")
    if email is not None:
        if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email.strip()):
            raise BadEvent("email is malformed")
        event["email"] = email.strip().lower()
    if payload["type"] == "product_viewed":
        event["product_id"] = _digits(payload.get("product_id"), "product_id")
        return event
    if not isinstance(payload.get("cart"), dict):
        raise BadEvent("cart must be an object")
    event["cart"] = payload["cart"]
    if payload.get("order_id") is not None:
        event["order_id"] = _digits(payload.get("order_id"), "order_id")
    return event


def mint_token(secret_key: str, store_key: str, *, now: float | None = None) -> str:
    """A page-load token for one store."""
    issued = int(now if now is not None else time.time())
    nonce = secrets.token_urlsafe(9)
    return f"{issued}.{nonce}.{_token_mac(secret_key, store_key, issued, nonce)}"


def verify_token(secret_key: str, store_key: str, token: str, *, now: float | None = None) -> bool:
    """True for a token minted for this store within TOKEN_TTL (constant-time MAC check)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not _ID.match(parts[1] + "xxxxxxxx"):
        return False
    issued = int(parts[0])
    moment = now if now is not None else time.time()
    if not moment - TOKEN_TTL <= issued <= moment + _SKEW:
        return False
    expected = _token_mac(secret_key, store_key, issued, parts[1])
    return hmac.compare_digest(expected.encode(), parts[2].encode())


def origin_matches(origin: str, domain: str) -> bool:
    """True when `Origin` is the store's site (host and port; a subdirectory install's path is
    not part of an origin)."""
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == domain.split("/")[0]


def _token_mac(secret_key: str, store_key: str, issued: int, nonce: str) -> str:
    key = hmac.new(secret_key.encode(), b"nudge.woo-tracking", hashlib.sha256).digest()
    message = f"{store_key}|{issued}|{nonce}".encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _rate_limited(store_id: int, token: str) -> ResponseReturnValue | None:
    client = runtime().redis
    address = request.remote_addr or "unknown"
    for key, limit in (
        (f"t:woo:{store_id}:ip:{address}", PER_IP_PER_MINUTE),
        (f"t:woo:{store_id}:token:{token.split('.')[1]}", PER_TOKEN_PER_MINUTE),
    ):
        verdict = hit(client, key, limit=limit, window=60)
        if not verdict.allowed:
            response = make_response(jsonify(error="Too Many Requests", message="slow down"), 429)
            response.headers["Retry-After"] = str(verdict.retry_after)
            return response
    return None


def _digits(value: Any, name: str) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _DIGITS.match(text):
        raise BadEvent(f"{name} must be a number")
    return text


def _active_store(store_key: str) -> Store | None:
    if not _ID.match(store_key):
        return None
    return (
        db_session()
        .execute(
            select(Store).where(
                Store.key == store_key, Store.platform == PLATFORM, Store.status == "active"
            )
        )
        .scalar_one_or_none()
    )


def _store_path(store: Store) -> str:
    _host, slash, path = store.domain.partition("/")
    return f"/{path}" if slash else ""
