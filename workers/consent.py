"""Jobs that write an unsubscribe back to the platform's marketing consent.

Nudge suppresses the address at once (`app.core.messaging.unsubscribe`); telling Shopify or
WooCommerce is owed until `Suppression.consent_written_back_at` is set, so a Redis outage or a
dead worker only delays it: the clock's sweep queues what is still owed. The platform is called
outside any database transaction, so a slow platform never holds a lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.ports import NotFound
from app.db.base import utcnow
from app.db.models import Customer, Store, Suppression
from workers.queues import QueueUnavailable
from workers.runtime import current, job, queues

if TYPE_CHECKING:
    from app.core.ports import StoreConnector

log = logging.getLogger(__name__)

#: Give the web request's own enqueue a head start before the sweep steps in.
SWEEP_AFTER = timedelta(minutes=2)
#: CAN-SPAM's 30 days: older owed write-backs are left to the operator (they are logged).
SWEEP_WITHIN = timedelta(days=30)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class _Owed:
    store: Store
    suppression_id: int
    platform_ids: tuple[str | None, ...]


def connector_for(store: Store) -> StoreConnector:
    """The store's platform connector (imported lazily: `workers.services` builds connectors)."""
    from workers import services

    connector: StoreConnector = services.store_connector(store, current())
    return connector


@job
def write_back_unsubscribe(store_id: int, email: str) -> str:
    """Set the platform's marketing consent of `email` to unsubscribed; returns what happened."""
    database = current().db
    with database.session() as session:
        owed = _owed_write_back(session, store_id, email)
        # Read only: end the transaction before calling the platform. A commit, not a rollback:
        # a rollback expires every loaded row, and the Store handed to the connector below
        # (detached once this session closes) could no longer be read (DetachedInstanceError,
        # so no write-back ever reached the platform). Found by tests/e2e/test_ten_days.py.
        session.commit()
    if isinstance(owed, str):
        return owed
    connector = connector_for(owed.store)
    for platform_id in owed.platform_ids:
        try:
            connector.set_marketing_consent(platform_id, email, False)
        except NotFound:
            log.info("store %s: customer %s no longer on the platform", store_id, platform_id)
    with database.session_scope() as session:
        session.execute(
            update(Suppression)
            .where(Suppression.id == owed.suppression_id)
            .values(consent_written_back_at=utcnow())
        )
    return "written"


def _owed_write_back(session: Session, store_id: int, email: str) -> _Owed | str:
    store = session.get(Store, store_id)
    if store is None or not store.is_active:
        return "store_inactive"
    suppression = session.scalar(
        select(Suppression).where(Suppression.store_id == store_id, Suppression.email == email)
    )
    if suppression is None or suppression.reason != "unsubscribed":
        return "not_unsubscribed"  # re-subscribed (suppression removed) since
    if suppression.consent_written_back_at is not None:
        return "already_written"
    platform_ids = tuple(
        session.scalars(
            select(Customer.platform_id)
            .where(
                Customer.store_id == store_id,
                Customer.email == email,
                Customer.platform_id.is_not(None),
            )
            .order_by(Customer.id)
        )
    )
    # A guest known only by email: platforms that can look consent up by email still get it.
    return _Owed(store, suppression.id, platform_ids or (None,))


@job
def requeue_owed_write_backs() -> int:
    """Queue write-backs still owed (Redis was down, or a worker died); run by the clock."""
    now = utcnow()
    with current().db.session() as session:
        rows = session.execute(
            select(Suppression.store_id, Suppression.email)
            .join(Store, Store.id == Suppression.store_id)
            .where(
                Suppression.reason == "unsubscribed",
                Suppression.consent_written_back_at.is_(None),
                Suppression.created_at < now - SWEEP_AFTER,
                Suppression.created_at > now - SWEEP_WITHIN,
                Store.status == "active",
            )
            .order_by(Suppression.created_at)
            .limit(SWEEP_BATCH)
        ).all()
    job_queues = queues()
    queued = 0
    for store_id, email in rows:
        try:
            queued += job_queues.enqueue_consent_write_back(store_id, email) is not None
        except QueueUnavailable as error:
            log.warning("consent write-back sweep stopped: %s", error)
            break
    return queued
