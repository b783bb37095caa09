"""Shoppers mirrored from the platform (and guests known only by the email they typed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import JSONDoc, Money, UTCDateTime

#: Email marketing consent, normalised across platforms (Shopify's CustomerEmailMarketingState).
CONSENT_STATES = ("subscribed", "not_subscribed", "pending", "unsubscribed", "redacted", "invalid")


class Customer(IdMixin, StoreScoped, TimestampMixin, Base):
    """A shopper of one store. `platform_id` is None for a guest seen only at checkout."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index(None, "store_id", "email"),
        # Birthday audience of a day: (store, month, day) without scanning the store.
        Index(
            None,
            "store_id",
            "birth_month",
            "birth_day",
            postgresql_where=text("birth_month IS NOT NULL"),
            sqlite_where=text("birth_month IS NOT NULL"),
        ),
    )

    platform_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    consent: Mapped[str] = mapped_column(String(20), default="not_subscribed")
    consent_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Birthday parts; the year is often unknown (AutomateWoo's `_md` key has none).
    birth_month: Mapped[int | None] = mapped_column(SmallInteger)
    birth_day: Mapped[int | None] = mapped_column(SmallInteger)
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    #: IANA zone of the shopper when known; else the store's zone applies.
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    orders_count: Mapped[int] = mapped_column(default=0)
    total_spent: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        """First name for greetings, falling back to a neutral word."""
        return self.first_name or "there"

    def __repr__(self) -> str:
        return f"<Customer {self.id} store={self.store_id} platform_id={self.platform_id}>"
