"""Jobs of the recipe engine: run one claimed step; the birthday scan; the code clean-up."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from app.core import engine
from app.core.discounts import stores_with_expired_codes
from app.core.enrollment import stores_with_recipe
from app.core.ports import ConnectorError, StoreConnector
from app.db.base import utcnow
from app.db.models import Store
from workers import services
from workers.runtime import current, job

log = logging.getLogger(__name__)


@job
def run_step(enrollment_id: int, claim_token: str) -> str:
    """Run the step an enrollment was claimed for; returns what happened (sent, deferred, ...)."""
    runtime = current()
    opened: list[StoreConnector] = []

    def connector_for(store: Store) -> StoreConnector:
        connector = services.store_connector(store, runtime)
        opened.append(connector)
        return connector

    step_services = replace(services.step_services(runtime), connector_for=connector_for)
    try:
        with runtime.db.session() as session:
            result = engine.run_step(session, enrollment_id, claim_token, step_services)
    finally:
        for connector in opened:
            services.close_connector(connector)
    log.info("enrollment %s: %s %s", enrollment_id, result.outcome, result.detail)
    return result.outcome


@job
def scan_birthdays() -> int:
    """Enroll today's and tomorrow's birthdays in every store with the recipe on (hourly; the
    year is the trigger ref, so running it again enrolls nobody twice)."""
    runtime = current()
    with runtime.db.session() as session:
        store_ids = stores_with_recipe(session, "birthday")
    enrolled = 0
    for store_id in store_ids:
        with runtime.db.session() as session:
            store = session.get(Store, store_id)
            if store is None:
                continue
            enrolled += engine.scan_birthdays(session, store, utcnow())
            session.commit()
    return enrolled


#: How long an expired code stays in the store before the nightly clean-up deletes it.
EXPIRED_CODE_GRACE = timedelta(days=1)


@job
def expire_discount_codes() -> int:
    """Nightly: delete expired, unredeemed codes from each store through its connector.

    Codes are deleted a day after they expire: the platform itself refuses an expired code at
    checkout with its own "expired" message, which is kinder than "does not exist".
    """
    runtime = current()
    now = utcnow() - EXPIRED_CODE_GRACE
    with runtime.db.session() as session:
        store_ids = stores_with_expired_codes(session, now)
    deleted = 0
    for store_id in store_ids:
        with runtime.db.session() as session:
            store = session.get(Store, store_id)
            if store is None or not store.is_active:
                continue
            connector = None
            try:
                connector = services.store_connector(store, runtime)
                deleted += engine.expire_codes(session, store, connector, now)
            except ConnectorError as error:
                # One store's outage must not stop the others; tomorrow's run tries again.
                log.warning("store %s: expired codes not deleted: %s", store_id, error)
            finally:
                services.close_connector(connector)
    return deleted
