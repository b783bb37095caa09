"""Unique discount codes issued into a store."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc, Money, UTCDateTime

#: pending (code chosen, not yet confirmed by the platform) → issued → redeemed | expired → deleted.
DISCOUNT_STATUSES = ("pending", "issued", "failed", "redeemed", "expired", "deleted")


class IssuedDiscount(IdMixin, StoreScoped, TimestampMixin, Base):
    """One unique code. The row (and its code) exists before the platform call, so a retried job
    re-sends the same code instead of minting a second one: `code:<enrollment>`."""

    __tablename__ = "issued_discounts"
    __table_args__ = (
        UniqueConstraint("store_id", "code"),
        Index(
            "ix_issued_discounts_expiring",
            "expires_at",
            postgresql_where=text("status IN ('issued', 'expired')"),
            sqlite_where=text("status IN ('issued', 'expired')"),
        ),
        Index(None, "store_id", "customer_id"),
    )

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    enrollment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    recipe: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(64))
    #: percentage / fixed_amount / free_shipping
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    platform_ref: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="SET NULL")
    )
    error: Mapped[str | None] = mapped_column(Text)
