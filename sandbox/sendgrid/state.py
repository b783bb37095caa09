"""The sandbox account: configuration, accepted mail, armed faults and the event webhook."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.sendgrid.events import AUTO_EVENTS, EVENT_TYPES, EventOptionError, build_event
from sandbox.sendgrid.faults import FaultSwitch
from sandbox.sendgrid.mailbox import Delivery, Mailbox, deliveries_from_body
from sandbox.sendgrid.signing import WebhookSigner
from sandbox.sendgrid.webhook import DeliveryPolicy, EventDispatcher

DEFAULT_API_KEY = "SG.sandbox-api-key"


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox SendGrid account behaves."""

    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    event_webhook_url: str | None = None
    auto_events: tuple[str, ...] = AUTO_EVENTS
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    rate_limit: int = 600
    capacity: int = 10_000
    #: PEM file holding the webhook signing key (created if missing); None: a fresh key per start.
    signing_key_file: Path | None = None


class UnknownMessage(LookupError):
    """No kept delivery matches the given sg_message_id or address."""


class SandboxState:
    """Everything one sandbox app holds, shared by its views."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.mailbox = Mailbox(config.capacity)
        self.faults = FaultSwitch()
        signer = (
            WebhookSigner.from_file(config.signing_key_file)
            if config.signing_key_file
            else WebhookSigner()
        )
        self.webhook = EventDispatcher(signer, config.event_webhook_url, config.delivery, clock)
        self._lock = threading.Lock()
        self.auto_events = config.auto_events

    @property
    def public_key(self) -> str:
        """The signed event webhook's verification key (base64 DER)."""
        return self.webhook.signer.public_key

    def authorized(self, header: str | None) -> bool:
        """True when the Authorization header carries one of the account's API keys."""
        if not header or not header.startswith("Bearer "):
            return False
        given = header.removeprefix("Bearer ").strip()
        return any(secrets.compare_digest(given, key) for key in self.config.api_keys)

    def accept(self, body: dict[str, Any]) -> tuple[str, list[Delivery]]:
        """Keep a valid message and queue its automatic events; returns the X-Message-Id."""
        x_message_id = secrets.token_urlsafe(16)
        deliveries = deliveries_from_body(body, x_message_id, self.clock())
        self.mailbox.add(deliveries)
        for name in self.auto_events:
            self._emit(deliveries, name, {})
        return x_message_id, deliveries

    def set_auto_events(self, names: list[str]) -> None:
        """Choose which events every accepted message generates by itself."""
        unknown = [name for name in names if name not in EVENT_TYPES]
        if unknown:
            raise EventOptionError(f"unknown event types: {', '.join(map(str, unknown))}")
        self.auto_events = tuple(names)

    def find(self, sg_message_id: str | None, email: str | None) -> Delivery:
        """A delivery by its id, else the newest one to `email`."""
        delivery = None
        if sg_message_id:
            delivery = self.mailbox.get(sg_message_id)
        elif email:
            delivery = self.mailbox.latest_to(email)
        if delivery is None:
            raise UnknownMessage(f"no message for sg_message_id={sg_message_id} email={email}")
        return delivery

    def trigger(
        self, delivery: Delivery, name: str, options: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Generate one event about `delivery` now and queue it for the webhook."""
        return self._emit([delivery], name, options)

    def redeliver(self, delivery: Delivery, names: list[str] | None) -> list[dict[str, Any]]:
        """Post a delivery's earlier events again, same sg_event_id (SendGrid may duplicate)."""
        with self._lock:
            events = [dict(e) for e in delivery.events if not names or e["event"] in names]
        self.webhook.enqueue(events)
        return events

    def _emit(
        self, deliveries: list[Delivery], name: str, options: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        stamp = int(self.clock())
        events = [build_event(delivery, name, stamp, options) for delivery in deliveries]
        with self._lock:
            for delivery, event in zip(deliveries, events, strict=True):
                delivery.events.append(event)
        self.webhook.enqueue(events)
        return events

    def reset(self) -> None:
        """Back to the configured start: no mail, no fault, configured URL and auto events."""
        self.webhook.flush(timeout=5 if self.webhook.url else 0)
        self.webhook.forget()
        self.mailbox.clear()
        self.faults.disarm()
        self.auto_events = self.config.auto_events
        self.webhook.set_url(self.config.event_webhook_url)

    def close(self) -> None:
        """Stop the webhook thread."""
        self.webhook.close()
