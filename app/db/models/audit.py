"""Audit trail of actions taken on a store's behalf (installs, redactions, exports, erasures)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, StoreScoped, TimestampMixin
from app.db.types import JSONDoc


class AuditEntry(IdMixin, StoreScoped, TimestampMixin, Base):
    """One audited action; `detail` holds identifiers, never personal data."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "store_id", "created_at"),)

    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
