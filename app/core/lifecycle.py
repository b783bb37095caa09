"""A store's life: install, uninstall. Uninstalling stops every pending promise at once."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import AuditEntry, Enrollment, Store
from app.security import new_public_key


def mark_uninstalled(session: Session, store: Store, *, reason: str = "app_uninstalled") -> None:
    """Stop all work for a store: forget its credentials and exit every open enrollment."""
    now = utcnow()
    store.status = "uninstalled"
    store.uninstalled_at = now
    store.credentials_encrypted = None
    store.credentials_updated_at = now
    session.execute(
        update(Enrollment)
        .where(Enrollment.store_id == store.id, Enrollment.state.in_(("active", "claimed")))
        .values(state="exited", exit_reason=reason, finished_at=now, next_run_at=None)
    )
    session.add(AuditEntry(store_id=store.id, action="store.uninstalled", subject=store.domain))


def install_store(session: Session, *, platform: str, domain: str) -> Store:
    """Create or re-activate a store after the merchant installed (or reconnected) Nudge.

    Every activation gets a fresh public `key` (webhook and tracking URLs): whatever knew the old
    key from before an uninstall no longer reaches the store. The caller stores the credentials
    and commits, then queues the store's setup.
    """
    store = session.execute(
        select(Store).where(Store.platform == platform, Store.domain == domain)
    ).scalar_one_or_none()
    action = "store.reinstalled"
    if store is None:
        store = Store(platform=platform, domain=domain, key=new_public_key(), name=domain)
        session.add(store)
        action = "store.installed"
    else:
        store.key = new_public_key()
    store.status = "active"
    store.installed_at = utcnow()
    store.uninstalled_at = None
    session.flush()
    session.add(AuditEntry(store_id=store.id, action=action, subject=domain))
    return store
