"""The store's catalog: products and their variants."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc, Money, UTCDateTime


class Product(IdMixin, StoreScoped, TimestampMixin, Base):
    """A product as recipes need it: title, link, image, grouping, status."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("store_id", "platform_id"),)

    platform_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(512))
    handle: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2048))
    image_url: Mapped[str | None] = mapped_column(String(2048))
    #: active / draft / archived (Shopify) or publish / draft / private (WooCommerce), normalised.
    status: Mapped[str] = mapped_column(String(20), default="active")
    product_type: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str | None] = mapped_column(String(255))
    #: Collections (Shopify) or categories (WooCommerce) as stable ids or names.
    collections: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )


class Variant(IdMixin, StoreScoped, TimestampMixin, Base):
    """A purchasable variant with its price and stock."""

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index(None, "product_id"),
    )

    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(512), default="")
    sku: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    #: None when the platform does not track stock for this variant.
    inventory_quantity: Mapped[int | None] = mapped_column(BigInteger)
    available: Mapped[bool] = mapped_column(default=True)
    image_url: Mapped[str | None] = mapped_column(String(2048))
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")
