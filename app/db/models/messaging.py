"""Outbound messages (the outbox) and the addresses that must never be emailed again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc, UTCDateTime

MESSAGE_STATUSES = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "dropped",
    "complained",
    "failed",
    "held_out",
)
SUPPRESSION_REASONS = ("unsubscribed", "bounced", "complained", "manual", "redacted")


class Message(IdMixin, StoreScoped, TimestampMixin, Base):
    """One email, unique by `idempotency_key` = message:<enrollment>:<step no> (or test:<uuid>)."""

    __tablename__ = "messages"
    __table_args__ = (
        # Frequency cap: a customer's marketing emails in the last N hours.
        Index(None, "store_id", "customer_id", "sent_at"),
        Index(None, "store_id", "recipe", "created_at"),
        Index(None, "store_id", "created_at"),
        Index(None, "enrollment_id"),
    )

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    enrollment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    recipe: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[int | None] = mapped_column(SmallInteger)
    #: marketing or transactional: only marketing counts against the frequency cap.
    category: Mapped[str] = mapped_column(String(16), default="marketing")
    to_email: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    discount_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("issued_discounts.id", ondelete="SET NULL")
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: Rendered parts kept until sent so a retry sends exactly what was rendered.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First time the provider reported a bounce or a drop (status bounced / dropped).
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First spam report (status complained).
    complained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First unsubscribe through this message (the status keeps its engagement value).
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Suppression(IdMixin, StoreScoped, TimestampMixin, Base):
    """An address this store must not email again (unsubscribed, bounced, complained)."""

    __tablename__ = "suppressions"
    __table_args__ = (
        UniqueConstraint("store_id", "email"),
        # The clock's sweep: unsubscribes whose platform write-back is still owed.
        Index(
            "ix_suppressions_write_back_owed",
            "created_at",
            postgresql_where=text("reason = 'unsubscribed' AND consent_written_back_at IS NULL"),
            sqlite_where=text("reason = 'unsubscribed' AND consent_written_back_at IS NULL"),
        ),
    )

    email: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default="")
    #: When an unsubscribe was written back to the platform's marketing consent; None while the
    #: write-back is owed (the clock re-queues it), so the promise lives in the database.
    consent_written_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
