"""Event webhook objects, shaped like SendGrid's (twilio.com/docs/sendgrid/for-developers/
tracking-events/event; research/email.md §3).

Common fields on every event: `email`, `timestamp` (unix), `event`, `smtp-id`, `sg_event_id`
(base64url of a UUIDv4), `sg_message_id`, `category`. The message's `custom_args` are flattened
in as top-level keys, and the reserved keys win over same-named custom args.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.sendgrid.mailbox import Delivery

#: Generated for every accepted (non sandbox-mode) message unless configured otherwise.
AUTO_EVENTS = ("processed", "delivered")
#: Events the control API can generate on demand.
EVENT_TYPES = (
    "processed",
    "deferred",
    "delivered",
    "open",
    "click",
    "bounce",
    "dropped",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
    "group_resubscribe",
)
_USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
_HREF = re.compile(r"""href=["'](https?://[^"']+)["']""", re.IGNORECASE)


class EventOptionError(ValueError):
    """An on-demand event was asked for with options it cannot have."""


def new_event_id() -> str:
    """A fresh sg_event_id: base64url of a UUIDv4, unpadded."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")


def build_event(
    delivery: Delivery, name: str, timestamp: int, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One event about `delivery`; `options` fill event-specific fields (url, reason, type...)."""
    if name not in EVENT_TYPES:
        raise EventOptionError(f"unknown event type {name!r}; one of {', '.join(EVENT_TYPES)}")
    options = options or {}
    event: dict[str, Any] = dict(delivery.custom_args)
    event.update(
        {
            "email": delivery.email,
            "timestamp": timestamp,
            "event": name,
            "smtp-id": f"<{delivery.x_message_id}@sandbox.sendgrid.invalid>",
            "sg_event_id": new_event_id(),
            "sg_message_id": delivery.sg_message_id,
        }
    )
    if delivery.categories:
        categories = delivery.categories
        event["category"] = categories[0] if len(categories) == 1 else list(categories)
    event.update(_EXTRAS[name](delivery, options))
    return event


def _text_option(options: Mapping[str, Any], key: str, default: str) -> str:
    value = options.get(key, default)
    if not isinstance(value, str) or not value:
        raise EventOptionError(f"{key} must be a non-empty string")
    return value


def _delivered(_delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    response = _text_option(options, "response", "250 2.0.0 OK sandbox")
    return {"response": response, "ip": "127.0.0.1", "tls": 1}


def _deferred(_delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    response = _text_option(options, "response", "451 4.7.1 Please try again later")
    return {"response": response, "attempt": str(options.get("attempt", 1))}


def _open(_delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    machine = options.get("sg_machine_open", False)
    if not isinstance(machine, bool):
        raise EventOptionError("sg_machine_open must be true or false")
    return {"useragent": _USER_AGENT, "ip": "127.0.0.1", "sg_machine_open": machine}


def _click(delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    links = _HREF.findall(delivery.html)
    url = options.get("url") or (links[0] if links else None)
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise EventOptionError("click needs a url (the message has no link to default to)")
    offset = links.index(url) if url in links else 0
    return {
        "url": url,
        "url_offset": {"index": offset, "type": "html"},
        "useragent": _USER_AGENT,
        "ip": "127.0.0.1",
    }


def _bounce(_delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    kind = options.get("type", "bounce")
    if kind not in ("bounce", "blocked"):
        raise EventOptionError("bounce type must be 'bounce' or 'blocked'")
    hard = kind == "bounce"
    default_reason = (
        "550 5.1.1 The email account that you tried to reach does not exist."
        if hard
        else "554 5.7.1 Service unavailable; client host blocked using a blocklist"
    )
    return {
        "reason": _text_option(options, "reason", default_reason),
        "status": _text_option(options, "status", "5.1.1" if hard else "5.7.1"),
        "type": kind,
        "bounce_classification": "Invalid Address" if hard else "Reputation",
    }


def _dropped(_delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    return {"reason": _text_option(options, "reason", "Bounced Address"), "status": "5.0.0"}


def _group(_delivery: Delivery, options: Mapping[str, Any]) -> dict[str, Any]:
    group = options.get("asm_group_id", 1)
    if not isinstance(group, int) or isinstance(group, bool):
        raise EventOptionError("asm_group_id must be an integer")
    return {"asm_group_id": group, "useragent": _USER_AGENT, "ip": "127.0.0.1"}


def _nothing(_delivery: Delivery, _options: Mapping[str, Any]) -> dict[str, Any]:
    return {}


_EXTRAS: dict[str, Callable[[Delivery, Mapping[str, Any]], dict[str, Any]]] = {
    "processed": _nothing,
    "deferred": _deferred,
    "delivered": _delivered,
    "open": _open,
    "click": _click,
    "bounce": _bounce,
    "dropped": _dropped,
    "spamreport": _nothing,
    "unsubscribe": _nothing,
    "group_unsubscribe": _group,
    "group_resubscribe": _group,
}
