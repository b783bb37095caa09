"""Every accepted message, one copy per recipient, kept for inspection (tests, the demo inbox).

One mail-send request gets one `X-Message-Id`; each recipient of each personalization becomes a
`Delivery` whose `sg_message_id` begins with it, as SendGrid's per-recipient ids do
(https://www.twilio.com/docs/sendgrid/glossary/x-message-id).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Delivery:
    """One recipient's copy of an accepted message, as SendGrid would deliver it."""

    sg_message_id: str
    x_message_id: str
    received_at: float
    email: str
    name: str | None
    kind: str
    from_email: str
    from_name: str | None
    reply_to: str | None
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    categories: list[str]
    custom_args: dict[str, str]
    send_at: int | None = None
    template_id: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, *, with_content: bool = True) -> dict[str, Any]:
        """JSON form for the control API."""
        data = asdict(self)
        if not with_content:
            data.pop("html")
            data.pop("text")
        return data


def deliveries_from_body(
    body: dict[str, Any], x_message_id: str, received_at: float
) -> list[Delivery]:
    """Expand a valid mail-send body into one Delivery per recipient."""
    deliveries: list[Delivery] = []
    for index, personalization in enumerate(body["personalizations"]):
        shared = _personalized_parts(body, personalization)
        for kind, recipient in _recipients(personalization):
            deliveries.append(
                Delivery(
                    sg_message_id=f"{x_message_id}.sandbox-{index}-{len(deliveries)}.0",
                    x_message_id=x_message_id,
                    received_at=received_at,
                    email=recipient["email"],
                    name=recipient.get("name"),
                    kind=kind,
                    **shared,
                )
            )
    return deliveries


def _recipients(personalization: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in ("to", "cc", "bcc"):
        for recipient in personalization.get(kind, []):
            yield kind, recipient


def _substitute(text: str, substitutions: dict[str, str]) -> str:
    for key, value in substitutions.items():
        text = text.replace(key, value)
    return text


def _personalized_parts(body: dict[str, Any], personalization: dict[str, Any]) -> dict[str, Any]:
    """What every recipient of one personalization gets (personalization values win)."""
    substitutions = personalization.get("substitutions", {})
    content = {block["type"]: block["value"] for block in body.get("content", [])}
    sender = personalization.get("from", body["from"])
    reply_to = body.get("reply_to") or next(iter(body.get("reply_to_list", [])), None)
    html = content.get("text/html", "")
    if not content and "template_id" in body:
        html = f"<p>(dynamic template {body['template_id']})</p>"
    subject = personalization.get("subject", body.get("subject", ""))
    return {
        "from_email": sender["email"],
        "from_name": sender.get("name"),
        "reply_to": reply_to["email"] if reply_to else None,
        "subject": _substitute(subject, substitutions),
        "text": _substitute(content.get("text/plain", ""), substitutions),
        "html": _substitute(html, substitutions),
        "headers": {**body.get("headers", {}), **personalization.get("headers", {})},
        "categories": list(body.get("categories", [])),
        "custom_args": {**body.get("custom_args", {}), **personalization.get("custom_args", {})},
        "send_at": personalization.get("send_at", body.get("send_at")),
        "template_id": body.get("template_id"),
    }


class Mailbox:
    """A bounded, thread-safe store of deliveries, newest last."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._items: deque[Delivery] = deque(maxlen=capacity)

    def add(self, deliveries: list[Delivery]) -> None:
        """Keep these deliveries (the oldest fall out beyond capacity)."""
        with self._lock:
            self._items.extend(deliveries)

    def get(self, sg_message_id: str) -> Delivery | None:
        """The delivery with this id, if still kept."""
        with self._lock:
            return next((d for d in self._items if d.sg_message_id == sg_message_id), None)

    def latest_to(self, email: str) -> Delivery | None:
        """The newest delivery to `email` (case-insensitive)."""
        wanted = email.lower()
        with self._lock:
            return next((d for d in reversed(self._items) if d.email.lower() == wanted), None)

    def newest(self, *, to: str | None = None, limit: int = 100) -> list[Delivery]:
        """Deliveries newest first, optionally only those to one address."""
        with self._lock:
            items = list(reversed(self._items))
        if to:
            items = [d for d in items if d.email.lower() == to.lower()]
        return items[:limit]

    def count(self) -> int:
        """How many deliveries are kept."""
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        """Forget every delivery."""
        with self._lock:
            self._items.clear()
