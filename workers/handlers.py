"""From a stored inbound event to core calls: pick the platform's mapping, then ingest."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.core import enrollment, privacy
from app.core.attribution import attribute_order
from app.core.events import EventRouter
from app.core.lifecycle import mark_uninstalled
from app.core.messaging.engagement import apply_message_events
from app.core.values import (
    AppUninstalled,
    CustomerDataRequested,
    CustomerDeleted,
    CustomerRedactRequested,
    ShopRedactRequested,
    StoreEvent,
)
from app.db.models import InboundEvent, Store
from connectors import MESSAGE_EVENT_MAPPERS, event_mapper, message_event_mapper

log = logging.getLogger(__name__)

#: Events that still matter for a store Nudge no longer works for (compliance requests arrive
#: after an uninstall: shop/redact 48 hours later). A customer deleted on the platform is erased
#: too: a disconnected store (revoked token, failing keys) still receives webhooks, and the
#: personal data Nudge holds must not outlive the customer.
_ALWAYS_APPLIED = (
    AppUninstalled,
    CustomerDataRequested,
    CustomerRedactRequested,
    ShopRedactRequested,
    CustomerDeleted,
)


def build_router() -> EventRouter:
    """The router every inbound event goes through: mirror rules, attribution of orders, the
    recipe engine's listener (enroll, reschedule, exit), and lifecycle handlers."""
    router = EventRouter(listeners=[attribute_order, enrollment.listener])
    router.special[AppUninstalled] = _uninstall
    return router


def _uninstall(session: Session, store: Store, _event: StoreEvent) -> None:
    mark_uninstalled(session, store)


_router: EventRouter | None = None


def router() -> EventRouter:
    """The process-wide router (built on first use, after every module is imported)."""
    global _router
    if _router is None:
        _router = build_router()
    return _router


def handle_inbound_event(session: Session, event: InboundEvent) -> None:
    """Map one stored event with its platform's mapping and ingest the result."""
    if event.platform in MESSAGE_EVENT_MAPPERS:
        handle_message_events(session, event)
        return
    store = session.get(Store, event.store_id) if event.store_id is not None else None
    if store is None:
        event.status = "ignored"
        event.error = "store no longer exists"
        return
    events = event_mapper(event.platform)(event.topic, event.body)
    if not store.is_active:
        events = [item for item in events if isinstance(item, _ALWAYS_APPLIED)]
        if not events:
            event.status = "ignored"
            event.error = f"store is {store.status}"
            return
    # Privacy duties run here, not through the router: they need the stored event's id (its own
    # body holds the personal data being erased).
    for item in events:
        if isinstance(item, privacy.PRIVACY_EVENTS):
            privacy.apply(session, store, item, source_event_id=event.id)
    rest = [item for item in events if not isinstance(item, privacy.PRIVACY_EVENTS)]
    if rest:
        router().ingest(session, store, rest)


def handle_message_events(session: Session, event: InboundEvent) -> None:
    """An email provider's event-webhook POST: map it, apply each event once."""
    events = message_event_mapper(event.platform)(event.topic, event.body)
    summary = apply_message_events(session, events)
    log.info("%s events of inbound event %s: %s", event.platform, event.id, summary.counts)
