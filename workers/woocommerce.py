"""WooCommerce jobs: setup after connect, the watchdog + catch-up, coupon clean-up, disconnect.

Store calls happen outside database transactions: a job reads what it needs, closes its session,
calls the store, then writes the outcome in a new short transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.events import apply_event
from app.core.lifecycle import mark_uninstalled
from app.core.ports import AuthRevoked, ConnectorError, NotFound, Permanent
from app.core.values import ShopData, ShopUpdated, WebhookReport
from app.db.base import utcnow
from app.db.models import AuditEntry, Store
from workers.queues import QueueUnavailable
from workers.runtime import current, job, queues
from workers.woocommerce_state import (
    PLATFORM,
    connector_for,
    credentials_of,
    iso,
    save_woo_state,
    webhook_url,
    woo_state,
)
from workers.woocommerce_sync import POLLED_COLLECTIONS, backfill_stalled, catch_up

log = logging.getLogger(__name__)

#: The watchdog + catch-up period (the cron line in workers/cron.py uses the same).
MAINTAIN_EVERY = timedelta(minutes=10)
#: A store still "installing" this long after connecting gets its setup queued again.
SETUP_STALL = timedelta(minutes=15)
#: Expired Nudge coupons are kept this long (a shopper mid-checkout at expiry), then deleted.


@job
def woocommerce_setup(store_id: int) -> str:
    """After a connect: prove the new keys, adopt them, set up webhooks, start the backfill."""
    with current().db.session() as session:
        store = session.get(Store, store_id)
        if store is None or store.platform != PLATFORM:
            return "missing"
        credentials = credentials_of(store)
    pending = credentials.get("pending")
    if isinstance(pending, dict):
        try:
            shop = connector_for(store, pending).fetch_shop()
        except (AuthRevoked, NotFound, Permanent) as error:
            _discard_pending(store_id, pending, error)
            return "refused"
        _adopt_keys(store_id, pending, shop)
    elif not credentials.get("consumer_key"):
        return "no-credentials"
    return _finish_setup(store_id)


def _discard_pending(store_id: int, pending: dict[str, Any], error: ConnectorError) -> None:
    log.warning(
        "store %s: keys from the connect callback refused by the store: %s", store_id, error
    )
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        credentials = credentials_of(store)
        if credentials.get("pending") == pending:
            credentials.pop("pending")
            store.set_credentials(current().cipher, credentials)
        if not credentials.get("consumer_key"):
            store.status = "disconnected"
        woo = woo_state(store)
        woo["setup_pending"] = False
        save_woo_state(store, woo)
        session.add(AuditEntry(store_id=store_id, action="woocommerce.keys_refused"))
        session.commit()


def _adopt_keys(store_id: int, pending: dict[str, Any], shop: ShopData) -> None:
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        credentials = credentials_of(store)
        newer = credentials.get("pending")
        adopted = dict(pending)
        if isinstance(newer, dict) and newer != pending:
            adopted["pending"] = newer  # another connect arrived meanwhile: its setup follows
        store.set_credentials(current().cipher, adopted)
        apply_event(session, store, ShopUpdated(shop))
        woo = woo_state(store)
        woo["webhook_secret_synced"] = False
        woo["setup_pending"] = False
        woo["backfill"] = {}  # a new connection: read everything again (upserts are idempotent)
        save_woo_state(store, woo)
        session.add(
            AuditEntry(store_id=store_id, action="woocommerce.connected", subject=shop.domain)
        )
        session.commit()


def _finish_setup(store_id: int) -> str:
    _sync_webhooks(store_id)
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        now = utcnow()
        woo = woo_state(store)
        marks = dict(woo.get("watermarks") or {})
        for collection in POLLED_COLLECTIONS:
            marks.setdefault(collection, iso(now))  # the backfill covers what came before
        woo["watermarks"] = marks
        woo.setdefault("backfill", {})["heartbeat"] = iso(now)
        save_woo_state(store, woo)
        store.status = "active"
        store.installed_at = store.installed_at or now
        store.uninstalled_at = None
        session.commit()
        stamp = int(now.timestamp())
    _enqueue(lambda: queues().enqueue_woocommerce_backfill(store_id, stamp))
    return "active"


def _sync_webhooks(store_id: int) -> WebhookReport:
    """Ensure the store's webhooks; after a connect, also put the new secret on every one."""
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        connector = connector_for(store)
        synced = bool(woo_state(store).get("webhook_secret_synced"))
        address = webhook_url(store)
    report = connector.ensure_webhooks(address, reset_secret=not synced)
    if not synced:
        with current().db.session() as session:
            store = session.get_one(Store, store_id)
            woo = woo_state(store)
            woo["webhook_secret_synced"] = True
            save_woo_state(store, woo)
            session.commit()
    return report


@job
def woocommerce_maintain(store_id: int) -> dict[str, Any]:
    """Watchdog and catch-up for one store: re-enable disabled webhooks, then read every change
    since the last poll into the inbox (a repaired webhook's gap is filled right here)."""
    with current().db.session() as session:
        store = session.get(Store, store_id)
        if store is None or store.platform != PLATFORM or not store.is_active:
            return {"status": "skipped"}
        connector = connector_for(store)
    try:
        report = _sync_webhooks(store_id)
    except AuthRevoked as error:
        _mark_revoked(store_id, error)
        raise
    if report.repaired or report.created:
        log.warning(
            "store %s: webhooks repaired %s, created %s", store_id, report.repaired, report.created
        )
    polled = catch_up(store_id, connector)
    return {
        "status": "ok",
        "repaired": list(report.repaired),
        "created": list(report.created),
        **polled,
    }


def _mark_revoked(store_id: int, error: AuthRevoked) -> None:
    """The merchant revoked Nudge's key (or deleted its user): stop work until they reconnect."""
    log.error("store %s: WooCommerce keys no longer work: %s", store_id, error)
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        store.status = "disconnected"
        session.add(AuditEntry(store_id=store_id, action="woocommerce.keys_revoked"))
        session.commit()


@job
def woocommerce_maintain_all() -> int:
    """Cron: queue the watchdog + catch-up of every active store, a setup that never finished
    (Redis was down at connect, or it kept failing), and a backfill that stopped progressing."""
    window = int(utcnow().timestamp() // MAINTAIN_EVERY.total_seconds())
    with current().db.session() as session:
        plans = [
            (store.id, _due_work(store))
            for store in session.scalars(
                select(Store).where(
                    Store.platform == PLATFORM, Store.status.in_(("active", "installing"))
                )
            )
        ]
    return sum(_enqueue_work(kind, store_id, window) for store_id, work in plans for kind in work)


def _due_work(store: Store) -> list[str]:
    work = ["maintain"] if store.is_active else []
    woo = woo_state(store)
    unfinished = bool(woo.get("setup_pending")) or store.status == "installing"
    connected_at = store.credentials_updated_at
    if unfinished and connected_at is not None and utcnow() - connected_at > SETUP_STALL:
        work.append("setup")
    if store.is_active and backfill_stalled(store):
        work.append("backfill")
    return work


def _enqueue_work(kind: str, store_id: int, window: int) -> int:
    job_queues = queues()
    enqueue = {
        "maintain": job_queues.enqueue_woocommerce_maintain,
        "setup": job_queues.enqueue_woocommerce_setup,
        "backfill": job_queues.enqueue_woocommerce_backfill,
    }[kind]
    return _enqueue(lambda: enqueue(store_id, window))


@job
def woocommerce_disconnect(store_id: int) -> str:
    """Remove Nudge's webhooks from the store, then forget its keys and stop all its work.
    (WooCommerce's REST API cannot delete the key itself: the merchant revokes key `key_id`
    under WooCommerce → Settings → Advanced → REST API.)"""
    with current().db.session() as session:
        store = session.get(Store, store_id)
        if store is None or store.platform != PLATFORM:
            return "missing"
        try:
            connector = connector_for(store)
        except AuthRevoked:
            connector = None
    if connector is not None:
        try:
            connector.remove_webhooks()
        except ConnectorError as error:
            log.warning("store %s: webhooks not removed on disconnect: %s", store_id, error)
    with current().db.session() as session:
        store = session.get_one(Store, store_id)
        mark_uninstalled(session, store, reason="disconnected")
        store.status = "disconnected"
        session.add(AuditEntry(store_id=store_id, action="woocommerce.disconnected"))
        session.commit()
    return "disconnected"


def _enqueue(enqueue: Any) -> int:
    try:
        return 1 if enqueue() is not None else 0
    except QueueUnavailable as error:
        log.warning("not queued: %s", error)
        return 0
