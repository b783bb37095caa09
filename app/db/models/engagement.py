"""Delivery and engagement events already applied, so a redelivered event changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, utcnow
from app.db.types import BigId, UTCDateTime

#: applied: it updated its message and/or a suppression; ignored: nothing to do (deferred,
#: resubscribed); unmatched: no message with that id; foreign: the store key or address did not
#: match the message (another deployment sharing the SendGrid account).
ENGAGEMENT_OUTCOMES = ("applied", "ignored", "unmatched", "foreign")


class ProcessedEmailEvent(IdMixin, Base):
    """One provider event that was processed, unique by (provider, event_id).

    SendGrid retries and may duplicate event webhook posts for up to a day, so its
    `sg_event_id` is the dedupe key (research/email.md §3.1). Rows are purged after
    `RETENTION` by the clock, long after any retry.
    """

    __tablename__ = "processed_email_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id"),
        Index(None, "processed_at"),
    )

    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL")
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
