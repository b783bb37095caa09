"""Is the store still connected? Credentials, webhook subscriptions, and the last event seen.

Connectors record what they last found about their webhook subscriptions in
`Store.sync_state["webhooks"]`:

    {"recorded_at": "2026-11-24T10:00:00+00:00",
     "subscriptions": [{"topic": "orders/paid", "status": "active", "detail": ""}, ...]}

A status other than "active" is shown as a problem. This module only reads; the repair job
(`workers.queues.JobQueues.enqueue_reconcile_store`, per platform: workers.sync.repair_store) fixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.db.base import utcnow
from app.db.models import Store

#: A store that sent nothing for this long may have lost its webhooks.
QUIET_WARNING = timedelta(days=3)
HEALTHY_WEBHOOK_STATUSES = ("active",)


@dataclass(frozen=True)
class WebhookStatus:
    """One webhook subscription as last recorded by the connector."""

    topic: str
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when the subscription was found working."""
        return self.status in HEALTHY_WEBHOOK_STATUSES


@dataclass(frozen=True)
class ConnectionHealth:
    """What the settings page shows about the store's connection."""

    platform: str
    domain: str
    status: str
    credentials_stored: bool
    credentials_updated_at: datetime | None
    installed_at: datetime | None
    last_event_at: datetime | None
    webhooks: tuple[WebhookStatus, ...]
    webhooks_recorded_at: datetime | None
    problems: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        """True when nothing needs the merchant's attention."""
        return not self.problems


def describe_connection(store: Store, now: datetime | None = None) -> ConnectionHealth:
    """The store's connection health from what is stored (no call to the platform)."""
    now = now or utcnow()
    webhooks, recorded_at = _recorded_webhooks(store.sync_state or {})
    return ConnectionHealth(
        platform=store.platform,
        domain=store.domain,
        status=store.status,
        credentials_stored=bool(store.credentials_encrypted),
        credentials_updated_at=store.credentials_updated_at,
        installed_at=store.installed_at,
        last_event_at=store.last_event_at,
        webhooks=webhooks,
        webhooks_recorded_at=recorded_at,
        problems=tuple(_problems(store, webhooks, now)),
    )


def _problems(store: Store, webhooks: tuple[WebhookStatus, ...], now: datetime) -> list[str]:
    problems = []
    if store.status in ("disconnected", "uninstalled"):
        problems.append(f"The store is {store.status}: Nudge cannot reach it.")
    elif not store.credentials_encrypted:
        problems.append("No access credentials are stored: connect the store again.")
    broken = [hook.topic for hook in webhooks if not hook.ok]
    if broken:
        problems.append(f"Webhooks not working: {', '.join(broken)}.")
    since = store.last_event_at or store.installed_at
    if store.status == "active" and since is not None and now - since > QUIET_WARNING:
        days = (now - since).days
        problems.append(f"No event received for {days} days: webhooks may have been removed.")
    return problems


def _recorded_webhooks(
    sync_state: Mapping[str, Any],
) -> tuple[tuple[WebhookStatus, ...], datetime | None]:
    record = sync_state.get("webhooks")
    if not isinstance(record, Mapping):
        return (), None
    hooks = []
    for item in record.get("subscriptions") or ():
        if isinstance(item, Mapping) and item.get("topic"):
            hooks.append(
                WebhookStatus(
                    topic=str(item["topic"]),
                    status=str(item.get("status") or "unknown"),
                    detail=str(item.get("detail") or ""),
                )
            )
    return tuple(sorted(hooks, key=lambda hook: hook.topic)), _instant(record.get("recorded_at"))


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
