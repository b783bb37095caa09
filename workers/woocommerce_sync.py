"""Reading a WooCommerce store into the mirror: the initial backfill and the catch-up poll.

The backfill writes the mirror directly (history is not news: recipes are not told about a year
of past orders), page by page, saving its cursor after each page so an interrupted run resumes.
The catch-up poll reads live changes the webhooks may have missed and hands them to the inbox,
named like the deliveries they stand for, so a change seen by both is processed once and recipes
react to it as to any webhook.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from app.core.events import apply_event
from app.core.inbox import accept_event
from app.core.values import (
    CartUpserted,
    CustomerUpserted,
    OrderUpserted,
    Page,
    ProductUpserted,
    StoreEvent,
)
from app.db.base import utcnow
from app.db.models import Store
from connectors.woocommerce import WooCommerceConnector
from connectors.woocommerce.catchup import OVERLAP, POLLED, RawChange
from workers.queues import QueueUnavailable
from workers.runtime import current, job, queues
from workers.woocommerce_state import PLATFORM, connector_for, iso, save_woo_state, woo_state

log = logging.getLogger(__name__)

POLLED_COLLECTIONS = tuple(POLLED)
BACKFILL_RESOURCES = ("products", "customers", "orders", "carts")
#: Orders older than this are not mirrored at install (purchase history for the recipes).
ORDER_HISTORY = timedelta(days=365)
#: Checkout drafts are deleted by Woo after about a day (research §4.1).
CART_HISTORY = timedelta(days=2)
#: A backfill that saved no page for this long is queued again by the maintenance cron.
BACKFILL_STALL = timedelta(minutes=30)


@job
def woocommerce_backfill(store_id: int) -> dict[str, int]:
    """Mirror products, customers, recent orders and open checkout drafts, resumably."""
    with current().db.session() as session:
        store = session.get(Store, store_id)
        if store is None or store.platform != PLATFORM or not store.is_active:
            return {}
        connector = connector_for(store)
    return {
        resource: _backfill_resource(store_id, connector, resource)
        for resource in BACKFILL_RESOURCES
    }


def _backfill_resource(store_id: int, connector: WooCommerceConnector, resource: str) -> int:
    read = 0
    while True:
        with current().db.session() as session:
            progress = _progress(session.get_one(Store, store_id), resource)
        if progress.get("done"):
            return read
        page = _fetch(connector, resource, progress)
        with current().db.session() as session:
            store = session.get_one(Store, store_id)
            for event in _events(resource, page.items):
                apply_event(session, store, event)
            progress["cursor"] = page.next_cursor
            progress["done"] = page.next_cursor is None
            woo = woo_state(store)
            backfill = dict(woo.get("backfill") or {})
            backfill[resource] = progress
            backfill["heartbeat"] = iso(utcnow())
            woo["backfill"] = backfill
            save_woo_state(store, woo)
            session.commit()
        read += len(page.items)
        if page.next_cursor is None:
            return read


def _progress(store: Store, resource: str) -> dict[str, Any]:
    progress = dict((woo_state(store).get("backfill") or {}).get(resource) or {})
    # The window is fixed when a resource starts, so page numbers stay stable across runs.
    window = {"orders": ORDER_HISTORY, "carts": CART_HISTORY}.get(resource)
    if window is not None and "since" not in progress:
        progress["since"] = iso(utcnow() - window)
    return progress


def _fetch(connector: WooCommerceConnector, resource: str, progress: dict[str, Any]) -> Page[Any]:
    cursor = progress.get("cursor")
    since = datetime.fromisoformat(progress["since"]) if progress.get("since") else None
    if resource == "products":
        return connector.list_products(cursor)
    if resource == "customers":
        return connector.list_customers(cursor)
    if resource == "orders":
        return connector.list_orders(cursor, since)
    return connector.list_open_carts(cursor, since)


def _events(resource: str, items: Sequence[Any]) -> list[StoreEvent]:
    wrap = {
        "products": ProductUpserted,
        "customers": CustomerUpserted,
        "orders": OrderUpserted,
        "carts": CartUpserted,
    }[resource]
    return [wrap(item) for item in items]


def backfill_stalled(store: Store) -> bool:
    """True when the store's backfill is unfinished and saved no page for a while."""
    backfill = woo_state(store).get("backfill") or {}
    if all((backfill.get(resource) or {}).get("done") for resource in BACKFILL_RESOURCES):
        return False
    heartbeat = backfill.get("heartbeat")
    last = datetime.fromisoformat(heartbeat) if heartbeat else None
    return last is None or utcnow() - last > BACKFILL_STALL


def catch_up(store_id: int, connector: WooCommerceConnector) -> dict[str, Any]:
    """Read every change since each collection's watermark (less an overlap) into the inbox,
    and sweep on through the customers; returns what was stored."""
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        woo = woo_state(store)
        default = store.installed_at or utcnow()
    marks = dict(woo.get("watermarks") or {})
    stored, complete = 0, True
    for collection in POLLED_COLLECTIONS:
        mark = datetime.fromisoformat(marks[collection]) if collection in marks else default
        batch = connector.poll_changes(collection, mark - OVERLAP)
        stored += _store_changes(store_id, batch.changes, watermark=(collection, batch.watermark))
        complete = complete and batch.complete
    changes, next_page = connector.sweep_customers(int(woo.get("customer_sweep_page") or 1))
    stored += _store_changes(store_id, changes, sweep_page=next_page)
    return {"stored": stored, "complete": complete}


def _store_changes(
    store_id: int,
    changes: Sequence[RawChange],
    *,
    watermark: tuple[str, datetime] | None = None,
    sweep_page: int | None = None,
) -> int:
    created: list[int] = []
    with current().db.session() as session:
        for change in changes:
            accepted = accept_event(
                session,
                platform=PLATFORM,
                store_id=store_id,
                external_id=change.external_id,
                topic=change.topic,
                body=change.body,
                headers={"X-Nudge-Source": "catch-up"},
            )
            if accepted.created:
                created.append(accepted.event_id)
        store = session.get_one(Store, store_id)
        woo = woo_state(store)
        if watermark is not None:
            collection, moment = watermark
            marks = dict(woo.get("watermarks") or {})
            previous = marks.get(collection)
            if previous is None or moment > datetime.fromisoformat(previous):
                marks[collection] = iso(moment)  # never backwards
            woo["watermarks"] = marks
        if sweep_page is not None:
            woo["customer_sweep_page"] = sweep_page
        save_woo_state(store, woo)
        session.commit()
    _queue_events(created)
    return len(created)


def _queue_events(event_ids: list[int]) -> None:
    if not event_ids:
        return
    try:
        queues().wake_inbound_drain()
    except QueueUnavailable as error:
        # Stored is what matters: the clock's sweep queues them when Redis is back.
        log.warning("%d caught-up events stored, not queued: %s", len(event_ids), error)
