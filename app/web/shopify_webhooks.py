"""`POST /webhooks/shopify`: every topic, the three compliance topics included.

Order of checks (research/shopify.md §3): the HMAC on the raw body first (401, nothing read or
stored, as the compliance rules require), then the delivery headers and JSON (400), then the
shop (404). A verified delivery is stored once per (topic, X-Shopify-Event-Id) through the inbox
and answered at once; processing happens in a worker.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue

from app.web.inbox import accept_store_webhook
from app.web.refusals import note_refusal
from app.web.shopify import shopify_app
from connectors.shopify import normalize_shop_domain
from connectors.shopify.oauth import verify_body_hmac

bp = Blueprint("shopify_webhooks", __name__)

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
#: Delivery headers kept with the stored event (never the HMAC).
KEPT_HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
    "X-Shopify-Name",
)
#: (header, its WSGI environ key): read straight from the environ, one dict lookup each.
_KEPT_ENVIRON = tuple((name, "HTTP_" + name.upper().replace("-", "_")) for name in KEPT_HEADERS)


@bp.post("/webhooks/shopify")
def receive() -> ResponseReturnValue:
    """Verify, store once, queue, answer 200."""
    raw = request.get_data(cache=True)
    topic, shop, event_id = _verified_delivery(raw)
    environ = request.environ
    headers = {name: environ[key] for name, key in _KEPT_ENVIRON if key in environ}
    # The shop is looked up inside the insert: one statement, one round trip (404 if unknown).
    return accept_store_webhook(
        platform="shopify",
        domain=shop,
        # One merchant action can fire several topics with the same event id.
        external_id=f"{topic}:{event_id}",
        topic=topic,
        body=raw,
        headers=headers,
    )


def _verified_delivery(raw: bytes) -> tuple[str, str, str]:
    """(topic, shop, event id) of a delivery whose HMAC verifies; aborts otherwise."""
    # The HMAC is checked on the raw bytes, before anything is decoded: shopifyapp's
    # verify_webhook_req needs a text body (a non-UTF-8 one would be a 400 before the 401) and
    # raises TypeError on a non-ASCII header (a 500). Same algorithm, same two secrets.
    config = shopify_app().config
    secrets_to_try = [config["client_secret"], config.get("old_client_secret") or ""]
    if not verify_body_hmac(raw, request.headers.get(HMAC_HEADER), secrets_to_try):
        reason = "invalid" if request.headers.get(HMAC_HEADER) else "missing"
        note_refusal(f"Shopify webhook HMAC {reason}")
        abort(401, description="the webhook's HMAC is missing or invalid")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, description="the body is not UTF-8")
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    shop = normalize_shop_domain(request.headers.get("X-Shopify-Shop-Domain"))
    event_id = request.headers.get("X-Shopify-Event-Id") or request.headers.get(
        "X-Shopify-Webhook-Id"
    )
    if not topic or shop is None or not event_id:
        abort(400, description="X-Shopify-Topic, -Shop-Domain and -Event-Id are required")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        abort(400, description="the body is not a JSON object")
    return topic, shop, event_id
