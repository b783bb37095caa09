"""A merchant's store: the tenant every other row belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TimestampMixin, utcnow
from app.db.types import JSONDoc, UTCDateTime
from app.security import CredentialCipher

PLATFORMS = ("shopify", "woocommerce")
STORE_STATUSES = ("installing", "active", "disconnected", "uninstalled")


class Store(IdMixin, TimestampMixin, Base):
    """One installed store. Credentials are Fernet ciphertext, never plain text (app.security)."""

    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("platform", "domain"),)

    platform: Mapped[str] = mapped_column(String(20))
    #: myshopify domain for Shopify, the site URL's host(+path) for WooCommerce.
    domain: Mapped[str] = mapped_column(String(255))
    #: Public, unguessable handle used in webhook and tracking URLs (never the database id).
    key: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="installing")
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    #: The storefront's public origin when it is not `domain` (Shopify's primary domain).
    storefront_url: Mapped[str | None] = mapped_column(String(2048))
    #: Encrypted JSON: access/refresh tokens, consumer keys, webhook secret.
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    credentials_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Merchant settings that are not per recipe: sender, branding, quiet hours, caps.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    #: Backfill progress per resource (cursors), so an interrupted sync resumes.
    sync_state: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def set_credentials(self, cipher: CredentialCipher, credentials: dict[str, Any]) -> None:
        """Encrypt and store the credentials mapping (replaces what was there)."""
        self.credentials_encrypted = cipher.encrypt(credentials)
        self.credentials_updated_at = utcnow()

    def get_credentials(self, cipher: CredentialCipher) -> dict[str, Any]:
        """Decrypt the stored credentials (empty when none are stored)."""
        return cipher.decrypt(self.credentials_encrypted)

    @property
    def is_active(self) -> bool:
        """True while Nudge may work for this store."""
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Store {self.id} {self.platform}:{self.domain} {self.status}>"
