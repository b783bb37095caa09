"""`POST /webhooks/sendgrid`: SendGrid's signed event webhook, stored through the inbox.

Why the inbox and a worker job rather than applying events in the request: the same durability
as platform webhooks. The verified POST is stored once (keyed by the body's SHA-256, so
SendGrid re-posting the same batch is a no-op) and acknowledged even while Redis is down;
`process_inbound_event` maps it (`connectors.messaging.sendgrid_webhook`) and applies it
(`app.core.messaging.engagement`, deduplicated per `sg_event_id`); a failure keeps the stored
body for retry and `flask replay-event`. One provider account serves every store, so the
event is stored without a store; each event names its message and store in its custom_args.

Any verification failure (no key configured, a malformed key, a missing, garbage or wrong
signature, a stale timestamp) is a 401 and one log line; SendGrid retries non-2xx answers.
"""

from __future__ import annotations

import hashlib
import time

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.web.inbox import accept_webhook
from app.web.refusals import note_refusal
from app.web.request_scope import runtime
from connectors.messaging.sendgrid_webhook import (
    PROVIDER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOPIC,
    MalformedBatch,
    SignatureRejected,
    parse_batch,
    verify_signature,
)

bp = Blueprint("sendgrid_webhook", __name__)


@bp.post("/webhooks/sendgrid")
def sendgrid_events() -> ResponseReturnValue:
    """Verify the signature on the raw body, check it is an event array, store it, answer."""
    body = request.get_data(cache=True)
    try:
        verify_signature(
            runtime().settings.sendgrid_webhook_public_key,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(TIMESTAMP_HEADER),
            body,
            now=time.time(),
        )
    except SignatureRejected as rejection:
        note_refusal(f"sendgrid webhook signature refused from {request.remote_addr}: {rejection}")
        return jsonify(error="Unauthorized", message="invalid event webhook signature"), 401
    try:
        events = parse_batch(body)
    except MalformedBatch as problem:
        note_refusal(f"sendgrid webhook with a malformed body: {problem}")
        return jsonify(error="Bad Request", message=str(problem)), 400
    if not events:
        return jsonify(status="empty"), 200
    return accept_webhook(
        platform=PROVIDER,
        store_id=None,
        external_id=hashlib.sha256(body).hexdigest(),
        topic=TOPIC,
        body=body,
    )
