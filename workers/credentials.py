"""The CredentialVault port over `Store.credentials_encrypted`, for connectors in jobs and views.

Locking: `lock()` takes the store's row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` serialises writers) in a session of its own, so two processes never refresh
the same shop's token at once, and `save()` commits before returning, so a rotated refresh token
is on disk before the new access token is used. The caller must not hold an open transaction on
the store row (SQLite: no open write transaction at all) while calling a connector.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.ports import AuthRevoked
from app.db import Database
from app.db.models import AuditEntry, Store
from app.security import CredentialCipher

log = logging.getLogger(__name__)


class StoreCredentialVault:
    """One store's encrypted credentials."""

    def __init__(self, database: Database, cipher: CredentialCipher, store_id: int) -> None:
        self._database = database
        self._cipher = cipher
        self.store_id = store_id
        self._locked: tuple[Session, Store] | None = None

    def load(self) -> Mapping[str, Any]:
        """The stored credentials (under the lock: as the locked row holds them)."""
        if self._locked is not None:
            return self._locked[1].get_credentials(self._cipher)
        with self._database.session() as session:
            store = session.get(Store, self.store_id)
            return store.get_credentials(self._cipher) if store is not None else {}

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store row until the block ends (or `save` commits)."""
        with self._database.session() as session:
            store = session.execute(
                select(Store).where(Store.id == self.store_id).with_for_update()
            ).scalar_one_or_none()
            if store is None:
                raise AuthRevoked(f"store {self.store_id} no longer exists")
            self._locked = (session, store)
            try:
                yield
            finally:
                self._locked = None
                session.rollback()

    def save(self, credentials: Mapping[str, Any]) -> None:
        """Encrypt and commit the new credentials now."""
        if self._locked is not None:
            session, store = self._locked
            store.set_credentials(self._cipher, dict(credentials))
            session.commit()
            return
        with self._database.session() as session:
            stored = session.get(Store, self.store_id)
            if stored is None:
                raise AuthRevoked(f"store {self.store_id} no longer exists")
            stored.set_credentials(self._cipher, dict(credentials))
            session.commit()

    def mark_revoked(self, reason: str) -> None:
        """Disconnect an active store: forget its tokens; the admin page asks to reconnect."""
        with self._database.session() as session:
            store = session.get(Store, self.store_id)
            if store is None or store.status != "active":
                return  # uninstalled or already disconnected: nothing to change
            store.status = "disconnected"
            store.credentials_encrypted = None
            session.add(
                AuditEntry(
                    store_id=store.id,
                    action="store.disconnected",
                    subject=store.domain,
                    detail={"reason": reason[:500]},
                )
            )
            session.commit()
        log.warning("store %s disconnected: %s", self.store_id, reason)
