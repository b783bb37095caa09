"""WooCommerce webhooks: verifying deliveries, naming them for the inbox, and keeping Nudge's
subscriptions in place (research/woocommerce.md §2).

Identity of a delivery (the inbox event id). `X-WC-Webhook-Delivery-ID` is `wp_hash(webhook id .
time())`: one value per webhook per second, so two different orders delivered by the same webhook
in the same second share it, and using it alone as the event id would drop one of them (§2.3).
Woo also coalesces updates and builds the payload at delivery time, so `order.created` and
`order.updated` often carry the same state. The id is therefore the state itself:
`<resource>:<id>:<date_modified_gmt>:<digest of the body>` — a redelivery (same delivery id, same
body) or a second topic for the same state dedupes; two states within one second do not; and the
catch-up poll names what it reads the same way, so a change seen by both is processed once.
A `*.deleted` body is only `{"id": N}`: its id falls back to the delivery id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
from collections.abc import Mapping
from typing import Any

from app.core.ports import NotFound
from app.core.values import WebhookReport
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.mapping import WEBHOOK_TOPICS, modified_at, resource_id

#: Every webhook Nudge creates is named so; the merchant sees it under Settings → Advanced.
NAME_PREFIX = "Nudge: "
_PING = re.compile(rb"^webhook_id=\d+$")
_SECRET_ALPHABET = string.ascii_letters + string.digits


def new_webhook_secret() -> str:
    """A per-store secret. Alphanumeric, because Woo passes the secret through
    `wp_specialchars_decode` before signing (§2.3) and entities would change it."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(48))


def sign(secret: str, body: bytes) -> str:
    """`X-WC-Webhook-Signature`: base64 of HMAC-SHA256 of the raw body with the secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_valid(secret: str, body: bytes, received: str | None) -> bool:
    """Constant-time check of a delivery's signature against the raw body."""
    if not secret or not received:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), received.strip().encode())


def is_ping(body: bytes, signature: str | None) -> bool:
    """The creation ping: an unsigned form POST whose whole body is `webhook_id=<n>` (§2.4)."""
    return not signature and _PING.match(body.strip()) is not None


def event_identity(topic: str, payload: Mapping[str, Any], delivery_id: str | None) -> str:
    """The inbox event id of a delivered (or polled) resource state; see the module docstring."""
    resource = topic.partition(".")[0]
    item_id = resource_id(payload)
    if topic.endswith(".deleted"):
        return f"{resource}:{item_id}:deleted:{delivery_id or content_digest(payload)}"
    modified = modified_at(payload)
    stamp = modified.strftime("%Y%m%dT%H%M%S") if modified else "undated"
    return f"{resource}:{item_id}:{stamp}:{content_digest(payload)}"


def content_digest(payload: Mapping[str, Any]) -> str:
    """A digest of the resource's representation, ignoring `_links` and key order and spacing."""
    canonical = {key: value for key, value in payload.items() if key != "_links"}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def webhook_body(topic: str, delivery_url: str, secret: str) -> dict[str, Any]:
    """The `POST /webhooks` body for one topic."""
    return {
        "name": f"{NAME_PREFIX}{topic}",
        "topic": topic,
        "delivery_url": delivery_url,
        "secret": secret,
        "status": "active",
    }


def ensure_webhooks(
    client: WooClient, delivery_url: str, secret: str, *, reset_secret: bool = False
) -> WebhookReport:
    """Make the store's Nudge webhooks exactly one active webhook per topic to `delivery_url`.

    Creates missing ones, re-activates any that Woo disabled after failed deliveries (it never
    retries, and disables a webhook on the 7th consecutive failure, §2.5) or that were paused,
    resetting the secret while at it; deletes duplicates and Nudge webhooks left pointing at an
    old address of this store. With `reset_secret` (after a connect rotated the secret) every
    webhook kept is given the current secret. Safe to run any number of times.
    """
    # Only this deployment's addresses: another Nudge (staging) may serve the same store.
    prefix = delivery_url.rsplit("/", 1)[0] + "/"
    existing = [
        hook
        for hook in client.iterate("webhooks", {"status": "all"})
        if _ours(hook) and str(hook.get("delivery_url", "")).startswith(prefix)
    ]
    for hook in existing:
        if hook.get("delivery_url") != delivery_url or hook.get("topic") not in WEBHOOK_TOPICS:
            _delete(client, hook)
    current = [hook for hook in existing if hook.get("delivery_url") == delivery_url]
    outcomes: dict[str, list[str]] = {"present": [], "created": [], "repaired": []}
    for topic in WEBHOOK_TOPICS:
        matches = [hook for hook in current if hook.get("topic") == topic]
        outcome = _reconcile_topic(client, topic, matches, delivery_url, secret, reset_secret)
        outcomes[outcome].append(topic)
    return WebhookReport(**{name: tuple(topics) for name, topics in outcomes.items()})


def _reconcile_topic(
    client: WooClient,
    topic: str,
    matches: list[dict[str, Any]],
    delivery_url: str,
    secret: str,
    reset_secret: bool,
) -> str:
    if not matches:
        client.post("webhooks", webhook_body(topic, delivery_url, secret))
        return "created"
    for duplicate in matches[1:]:
        _delete(client, duplicate)
    if matches[0].get("status") != "active":
        client.put(f"webhooks/{matches[0]['id']}", {"status": "active", "secret": secret})
        return "repaired"
    if reset_secret:
        client.put(f"webhooks/{matches[0]['id']}", {"secret": secret})
    return "present"


def remove_webhooks(client: WooClient, delivery_url: str | None) -> int:
    """Delete Nudge's webhooks (those to `delivery_url`, or every Nudge webhook when None)."""
    removed = 0
    for hook in list(client.iterate("webhooks", {"status": "all"})):
        if _ours(hook) and (delivery_url is None or hook.get("delivery_url") == delivery_url):
            _delete(client, hook)
            removed += 1
    return removed


def _ours(hook: Mapping[str, Any]) -> bool:
    return str(hook.get("name", "")).startswith(NAME_PREFIX) and "/webhooks/woocommerce/" in str(
        hook.get("delivery_url", "")
    )


def _delete(client: WooClient, hook: Mapping[str, Any]) -> None:
    # Without force=true Woo answers 501 woocommerce_rest_trash_not_supported (§2.1).
    try:
        client.delete(f"webhooks/{hook['id']}", {"force": "true"})
    except NotFound:
        pass
