"""`POST /webhooks/woocommerce/<store_key>`: WooCommerce deliveries into the inbox.

Unknown store key → 404. The creation ping (an unsigned form POST `webhook_id=N`) → 200, not
stored: only a 200 clears Woo's `pending_delivery` (research §2.4). A missing or wrong
`X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body with the store's webhook secret,
compared in constant time) → 401, nothing stored. A signed body that is not a resource of a topic
Nudge subscribes to → 400. Otherwise the delivery is stored once under the id of the state it
carries (`connectors.woocommerce.webhooks.event_identity`) and queued.

Woo counts any answer outside 200-302 as a failure and disables the webhook after repeated
failures, so nothing here is slow: verify, store, enqueue, answer.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.db.models import Store
from app.security import CredentialsUnreadable
from app.web.inbox import accept_webhook
from app.web.refusals import note_refusal
from app.web.request_scope import runtime
from app.web.woocommerce import PLATFORM, require_woocommerce_store
from connectors.woocommerce.mapping import WEBHOOK_TOPICS, MappingError, load_payload
from connectors.woocommerce.webhooks import event_identity, is_ping, signature_valid

bp = Blueprint("woocommerce_webhooks", __name__)
log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
#: Delivery headers kept with the stored event (for tracing; never used to decide anything).
_KEPT_HEADERS = (
    "X-WC-Webhook-Topic",
    "X-WC-Webhook-Resource",
    "X-WC-Webhook-Event",
    "X-WC-Webhook-ID",
    "X-WC-Webhook-Delivery-ID",
    "X-WC-Webhook-Source",
)


@bp.post("/webhooks/woocommerce/<store_key>")
def receive(store_key: str) -> ResponseReturnValue:
    """Verify, store once, queue; see the module docstring for every answer."""
    store = require_woocommerce_store(store_key)
    body = request.get_data(cache=False)
    signature = request.headers.get(SIGNATURE_HEADER)
    if is_ping(body, signature):
        return jsonify(status="pong"), 200
    if not signature_valid(_webhook_secret(store), body, signature):
        note_refusal(f"woocommerce webhook for store {store.id}: bad signature")
        return jsonify(error="Unauthorized", message="signature does not match"), 401
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    if topic not in WEBHOOK_TOPICS:
        return jsonify(error="Bad Request", message=f"unsupported topic {topic!r}"), 400
    delivery_id = request.headers.get("X-WC-Webhook-Delivery-ID")
    try:
        external_id = event_identity(topic, load_payload(body), delivery_id)
    except MappingError as error:
        return jsonify(error="Bad Request", message=str(error)), 400
    headers = {name: request.headers[name] for name in _KEPT_HEADERS if name in request.headers}
    return accept_webhook(
        platform=PLATFORM,
        store_id=store.id,
        external_id=external_id,
        topic=topic,
        body=body,
        headers=headers,
    )


def _webhook_secret(store: Store) -> str:
    try:
        credentials = store.get_credentials(runtime().cipher)
    except CredentialsUnreadable:
        log.error("store %s: credentials unreadable with ENCRYPTION_KEY", store.id)
        return ""
    return str(credentials.get("webhook_secret") or "")
