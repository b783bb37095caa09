"""Orders credited to the Nudge message that earned them (one credit per order at most)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, Money, UTCDateTime

#: Why an order was credited: it used the message's code, or followed a click on it.
ATTRIBUTION_REASONS = ("code", "click")


class Attribution(IdMixin, StoreScoped, TimestampMixin, Base):
    """One order credited to one message (recipe and step kept, should the message be erased)."""

    __tablename__ = "attributions"
    __table_args__ = (
        UniqueConstraint("order_id"),
        # Revenue per recipe and step over a period.
        Index(None, "store_id", "placed_at"),
        Index(None, "message_id"),
    )

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    recipe: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(String(8))
    #: The order's total, kept current as the order changes (refunds, edits).
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
