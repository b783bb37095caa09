"""Data exports made for the merchant when a shopper asks for their data (GDPR/CCPA)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import BigId, JSONDoc


class DataExport(IdMixin, StoreScoped, TimestampMixin, Base):
    """Everything Nudge holds about one shopper, for the merchant to hand over.

    It is personal data itself: erasing the shopper (customers/redact) deletes it too.
    """

    __tablename__ = "data_exports"
    __table_args__ = (
        Index(None, "store_id", "created_at"),
        Index(None, "store_id", "email"),
    )

    #: The platform's request id (Shopify `data_request.id`), for the merchant's reference.
    request_ref: Mapped[str] = mapped_column(String(64), default="")
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    customer_platform_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
