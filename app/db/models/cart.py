"""Open carts and checkouts, and storefront product views."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc, Money, UTCDateTime


class Cart(IdMixin, StoreScoped, TimestampMixin, Base):
    """A cart or checkout as last reported. `lines` is a list of CartLine-shaped dicts."""

    __tablename__ = "carts"
    __table_args__ = (
        UniqueConstraint("store_id", "kind", "platform_token"),
        # Abandoned-cart audience: open carts of a store by idle time.
        Index(
            "ix_carts_open_by_activity",
            "store_id",
            "platform_updated_at",
            postgresql_where=text("completed_at IS NULL"),
            sqlite_where=text("completed_at IS NULL"),
        ),
        Index(None, "store_id", "customer_id"),
        Index(None, "store_id", "email"),
        Index(None, "store_id", "cart_token"),
    )

    #: "cart" or "checkout"; Shopify has both, WooCommerce reports carts and checkout-drafts.
    kind: Mapped[str] = mapped_column(String(16), default="cart")
    platform_token: Mapped[str] = mapped_column(String(255))
    #: For a checkout, the token of the cart it came from (to treat the pair as one basket).
    cart_token: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    email: Mapped[str | None] = mapped_column(String(320))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    subtotal_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    recovery_url: Mapped[str | None] = mapped_column(String(2048))
    platform_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="SET NULL")
    )

    @property
    def is_open(self) -> bool:
        """True while the cart has lines and has not become an order."""
        return self.completed_at is None and bool(self.lines)


class ProductView(IdMixin, StoreScoped, Base):
    """One product view on the storefront, by a visitor who may later be identified."""

    __tablename__ = "product_views"
    __table_args__ = (
        # Product-interest audience: a known customer's views of a product within a window.
        Index(
            "ix_product_views_interest",
            "store_id",
            "customer_id",
            "product_platform_id",
            "viewed_at",
        ),
        Index(None, "store_id", "viewed_at"),
        Index(None, "store_id", "visitor_id"),
    )

    visitor_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    product_platform_id: Mapped[str] = mapped_column(String(64))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
