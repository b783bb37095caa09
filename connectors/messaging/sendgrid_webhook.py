"""SendGrid's signed event webhook: verify a POST, then map its events to `MessageEvent`s.

Verification (research/email.md §3.4; sendgrid/docs getting-started-event-webhook-security-
features.md): the body is signed with ECDSA P-256 / SHA-256 over `timestamp + raw body`; the
signature (base64 DER) and the timestamp come in `X-Twilio-Email-Event-Webhook-Signature` and
`-Timestamp`; the verification key is the base64 DER SubjectPublicKeyInfo SendGrid shows. Unlike
the official helper (`sendgrid.helpers.eventwebhook`), which raises on a malformed signature and
has no age check, every failure here is one `SignatureRejected` with a reason for the log, and a
timestamp further than `SIGNATURE_TOLERANCE` from now is refused. SendGrid documents no
tolerance; each delivery attempt is signed when it is sent, and a refused post is retried by
SendGrid, so a stale refusal loses nothing. Replays inside the window are harmless anyway:
events are deduplicated by `sg_event_id` when applied.

Mapping (twilio.com/docs/sendgrid/for-developers/tracking-events/event): custom_args come back
as top-level keys, so our message id and store key are read from there. Which events suppress
the address is decided here, because the reasons are SendGrid's words.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.core.values import (
    MESSAGE_ID_ARG,
    STORE_KEY_ARG,
    MessageEvent,
    MessageEventKind,
    SuppressionReason,
)

log = logging.getLogger(__name__)

PROVIDER = "sendgrid"
TOPIC = "event_webhook"
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
#: Seconds a signed timestamp may be away from now, either way.
SIGNATURE_TOLERANCE = 600.0

KINDS: dict[str, MessageEventKind] = {
    "processed": "processed",
    "deferred": "deferred",
    "delivered": "delivered",
    "open": "opened",
    "click": "clicked",
    "bounce": "bounced",
    "dropped": "dropped",
    "spamreport": "complained",
    "unsubscribe": "unsubscribed",
    "group_unsubscribe": "unsubscribed",
    "group_resubscribe": "resubscribed",
}
#: Drop reasons that mean the address itself is bad or opted out (SendGrid's suppression lists).
#: Others ("Spam Content", "Recipient List over Package Quota", "Invalid SMTPAPI header") are
#: about the message or the account, not the address.
DROP_SUPPRESSIONS: dict[str, SuppressionReason] = {
    "bounced address": "bounced",
    "invalid": "bounced",
    "invalid address": "bounced",
    "spam reporting address": "complained",
    "unsubscribed address": "unsubscribed",
}


class SignatureRejected(Exception):
    """The POST is not provably from SendGrid; the reason is for the log, not the caller."""


class MalformedBatch(ValueError):
    """A verified body that is not a JSON array of event objects."""


@functools.lru_cache(maxsize=4)
def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """The P-256 key from its base64 DER form (a pasted PEM block is accepted too)."""
    try:
        if text.lstrip().startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as error:
        raise SignatureRejected(f"SENDGRID_WEBHOOK_PUBLIC_KEY is unreadable: {error}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise SignatureRejected("SENDGRID_WEBHOOK_PUBLIC_KEY is not an ECDSA P-256 public key")
    return key


def verify_signature(
    public_key: str | None,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    *,
    now: float,
    tolerance: float = SIGNATURE_TOLERANCE,
) -> None:
    """Return when `body` carries SendGrid's valid, fresh signature; else SignatureRejected.

    `signature` and `timestamp` are the values of SIGNATURE_HEADER and TIMESTAMP_HEADER.
    """
    if not public_key:
        raise SignatureRejected("SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
    key = load_public_key(public_key)
    if not signature or not timestamp:
        raise SignatureRejected("signature or timestamp header missing")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureRejected("timestamp is not a unix time")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureRejected(f"timestamp {timestamp} is outside the tolerance")
    try:
        der = base64.b64decode(signature, validate=True)
        key.verify(der, timestamp.encode("ascii") + body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise SignatureRejected("signature does not verify") from None


def parse_batch(body: bytes | str) -> list[dict[str, Any]]:
    """The events of a POST: a JSON array of objects, else MalformedBatch."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedBatch("body is not JSON") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise MalformedBatch("body is not an array of event objects")
    return data


def map_event(topic: str, body: str) -> list[MessageEvent]:
    """The message events of one stored event-webhook POST; unusable items are skipped."""
    if topic != TOPIC:
        raise ValueError(f"unmapped SendGrid topic {topic}")
    events = []
    for item in parse_batch(body):
        event = map_one(item)
        if event is not None:
            events.append(event)
    return events


def map_one(item: Mapping[str, Any]) -> MessageEvent | None:
    """One SendGrid event as a MessageEvent, or None (logged) when it is not one we use."""
    kind = KINDS.get(str(item.get("event")))
    event_id, email = item.get("sg_event_id"), item.get("email")
    occurred_at = _unix_time(item.get("timestamp"))
    if kind is None:
        log.info("sendgrid event type %r is not used; skipped", item.get("event"))
        return None
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255:
        log.warning("sendgrid %s event without a usable sg_event_id; skipped", kind)
        return None
    if not isinstance(email, str) or not email or occurred_at is None:
        log.warning("sendgrid event %s lacks an email or a timestamp; skipped", event_id)
        return None
    return MessageEvent(
        provider=PROVIDER,
        event_id=event_id,
        kind=kind,
        email=email,
        occurred_at=occurred_at,
        message_id=_message_id(item.get(MESSAGE_ID_ARG)),
        store_key=_text(item.get(STORE_KEY_ARG)),
        provider_message_id=_text(item.get("sg_message_id")),
        suppress=suppression_for(item),
        reason=_text(item.get("reason")) or _text(item.get("response")),
        url=_text(item.get("url")),
    )


def suppression_for(item: Mapping[str, Any]) -> SuppressionReason | None:
    """Whether this SendGrid event means the address must not be emailed again, and why."""
    name = item.get("event")
    if name == "bounce":
        # type "blocked" is a temporary refusal (reputation, content), not a bad address.
        return "bounced" if item.get("type", "bounce") == "bounce" else None
    if name == "dropped":
        return DROP_SUPPRESSIONS.get(str(item.get("reason", "")).strip().lower())
    if name == "spamreport":
        return "complained"
    if name in ("unsubscribe", "group_unsubscribe"):
        return "unsubscribed"
    return None


def _unix_time(value: object) -> datetime | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return datetime.fromtimestamp(int(value), UTC)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e12:
        return datetime.fromtimestamp(int(value), UTC)
    return None


def _message_id(value: object) -> int | None:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
