"""The webhook inbox: every verified inbound event is stored before anything else happens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, utcnow
from app.db.types import BigId, JSONDoc, UTCDateTime

#: received (stored; a job is queued or the sweep will queue one) → done | failed | ignored.
INBOX_STATUSES = ("received", "done", "failed", "ignored")


class InboundEvent(IdMixin, Base):
    """A raw inbound event, unique by `dedupe_key` = inbound:<platform>:<store>:<event id>.

    The body is kept verbatim so a failed event can be replayed (`flask replay-event ID`).
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        # The sweep that re-enqueues events Redis never got, or workers dropped.
        Index(
            "ix_inbound_events_pending",
            "received_at",
            postgresql_where=text("status = 'received'"),
            sqlite_where=text("status = 'received'"),
        ),
        # The drains' claim (`claim_next_event`): the oldest event never tried, by an index scan
        # in this order that stops at the first row it can lock.
        Index(
            "ix_inbound_events_untried",
            "received_at",
            postgresql_where=text("status = 'received' AND attempts = 0"),
            sqlite_where=text("status = 'received' AND attempts = 0"),
        ),
        Index(None, "store_id", "received_at"),
    )

    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("stores.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(255))
    headers: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<InboundEvent {self.id} {self.dedupe_key} {self.status}>"
