"""The declarative base every model shares, with constraint names Alembic can diff and drop."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.types import BigId, UTCDateTime

# Deterministic constraint names: migrations stay reviewable and `alembic check` stays quiet.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind stored)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of every Nudge model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    """A 64-bit surrogate key (plain INTEGER on SQLite so it auto-increments)."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)


class TimestampMixin:
    """created_at / updated_at maintained by the ORM."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StoreScoped:
    """Every tenant table carries the store it belongs to; erasing a store cascades."""

    store_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("stores.id", ondelete="CASCADE"), index=False
    )
