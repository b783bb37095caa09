"""Jobs that keep a store in step with its platform: setup after install, the backfill, and the
nightly reconcile (webhook subscriptions re-created, unfinished backfills resumed)."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select

from app.core import sync
from app.core.events import apply_event
from app.core.ports import ConnectorError
from app.core.values import ShopUpdated
from app.db.models import Store
from connectors.shopify.connector import ShopifyConnector
from workers import services
from workers.connections import store_connector
from workers.runtime import current, job, queues

log = logging.getLogger(__name__)

#: Pages one backfill job mirrors before handing over to a fresh job (no job runs for hours).
PAGES_PER_JOB = 50
WEBHOOK_PATH = "/webhooks/shopify"
TRACKING_PATH = "/t/events"


@job
def set_up_store(store_id: int) -> str:
    """Fetch the shop's profile, subscribe to webhooks, activate the pixel, start the backfill."""
    runtime = current()
    with runtime.db.session() as session:
        store = session.get(Store, store_id)
        if store is None or not store.is_active:
            return "skipped"
        key, domain = store.key, store.domain
        session.commit()
        connector = store_connector(runtime, store)
        try:
            shop = connector.fetch_shop()
            apply_event(session, store, ShopUpdated(shop))
            session.commit()
            report = connector.ensure_webhooks(runtime.settings.app_url + WEBHOOK_PATH)
            log.info("store %s webhooks: %s", store_id, report)
            if isinstance(connector, ShopifyConnector):
                _activate_pixel(connector, key, runtime.settings.app_url, domain)
        finally:
            services.close_connector(connector)
        sync.start(session, store)
        session.commit()
    for resource in sync.RESOURCES:
        queues().enqueue_backfill(store_id, resource)
    return "started"


def pixel_settings(store_key: str, app_url: str) -> dict[str, str]:
    """The web pixel's settings (fields of extensions/nudge-pixel/shopify.extension.toml)."""
    return {"storeKey": store_key, "endpoint": app_url + TRACKING_PATH}


def _activate_pixel(connector: ShopifyConnector, key: str, app_url: str, domain: str) -> None:
    try:
        connector.ensure_web_pixel(pixel_settings(key, app_url))
    except ConnectorError as error:
        if error.retryable:
            raise
        # Product views are a bonus, not a reason to leave the store half set up.
        log.warning("web pixel not activated on %s: %s", domain, error)


@job
def backfill_resource(store_id: int, resource: str) -> str:
    """Mirror one resource page by page; hands over to a new job after PAGES_PER_JOB pages."""
    if resource not in sync.RESOURCES:
        raise ValueError(f"unknown backfill resource {resource!r}")
    runtime = current()
    with runtime.db.session() as session:
        store = session.get(Store, store_id)
        if store is None:
            return "stopped"
        connector = store_connector(runtime, store)
        try:
            outcome = sync.backfill(session, store, connector, resource, max_pages=PAGES_PER_JOB)
        finally:
            services.close_connector(connector)
        cursor = sync.progress(store, resource).get("cursor") or ""
    if outcome == "more":
        position = hashlib.sha256(cursor.encode()).hexdigest()[:16]
        queues().enqueue_backfill(store_id, resource, position)
    log.info("backfill %s of store %s: %s", resource, store_id, outcome)
    return outcome


@job
def reconcile_store(store_id: int) -> str:
    """Repair one store's webhook subscriptions and resume any unfinished backfill."""
    runtime = current()
    with runtime.db.session() as session:
        store = session.get(Store, store_id)
        if store is None or not store.is_active:
            return "skipped"
        unfinished = sync.unfinished(store)
        session.commit()
        connector = store_connector(runtime, store)
        try:
            report = connector.ensure_webhooks(runtime.settings.app_url + WEBHOOK_PATH)
        finally:
            services.close_connector(connector)
    for resource in unfinished:
        queues().enqueue_backfill(store_id, resource, "resume")
    return f"created={len(report.created)} repaired={len(report.repaired)}"


@job
def reconcile_all_stores() -> int:
    """Nightly: queue a reconcile for every active Shopify store."""
    with current().db.session() as session:
        store_ids = list(
            session.execute(
                select(Store.id).where(Store.platform == "shopify", Store.status == "active")
            ).scalars()
        )
    job_queues = queues()
    return sum(1 for store_id in store_ids if job_queues.enqueue_webhook_reconcile(store_id))


@job
def repair_store(store_id: int) -> object:
    """The admin's "Repair connection": re-check the credentials and the webhooks, per platform
    (Shopify: re-create deleted subscriptions, resume backfills; WooCommerce: the watchdog
    re-enables disabled webhooks and the catch-up poll fills the gap)."""
    with current().db.session() as session:
        store = session.get(Store, store_id)
        platform = store.platform if store is not None else None
    if platform == "woocommerce":
        from workers.woocommerce import woocommerce_maintain

        return woocommerce_maintain(store_id)
    return reconcile_store(store_id)
