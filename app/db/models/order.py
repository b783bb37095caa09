"""Orders and their lines: the minimal normalised copy recipes and attribution need."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc, Money, UTCDateTime


class Order(IdMixin, StoreScoped, TimestampMixin, Base):
    """A placed order (never a draft or an open checkout)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index(None, "store_id", "customer_id", "placed_at"),
        Index(None, "store_id", "placed_at"),
        Index(None, "store_id", "email"),
        Index(None, "store_id", "cart_token"),
        Index(None, "store_id", "checkout_token"),
    )

    platform_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    subtotal_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    discount_codes: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    #: pending / paid / partially_refunded / refunded / voided, normalised.
    financial_status: Mapped[str] = mapped_column(String(32), default="pending")
    cart_token: Mapped[str | None] = mapped_column(String(255))
    checkout_token: Mapped[str | None] = mapped_column(String(255))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )


class OrderLine(IdMixin, StoreScoped, Base):
    """One line of an order, keyed by the platform's product/variant ids (the catalog may lag)."""

    __tablename__ = "order_lines"
    __table_args__ = (
        Index(None, "order_id"),
        Index(None, "store_id", "product_platform_id"),
    )

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    product_platform_id: Mapped[str | None] = mapped_column(String(64))
    variant_platform_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(512), default="")
    variant_title: Mapped[str | None] = mapped_column(String(512))
    quantity: Mapped[int] = mapped_column(default=1)
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    order: Mapped[Order] = relationship(back_populates="lines")
