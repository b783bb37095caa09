"""Insert a row unless its unique key already exists, atomically, on PostgreSQL and SQLite.

Two deliveries of the same fact (a one-click unsubscribe POSTed twice, an order webhook
processed by two workers) may race; `INSERT … ON CONFLICT DO NOTHING` lets exactly one win
without an IntegrityError rolling back the rest of the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.base import Base


def insert_once(
    session: Session, model: type[Base], values: Mapping[str, Any], unique: Sequence[str]
) -> bool:
    """Insert `values` unless a row with the same `unique` columns exists; True if inserted."""
    table = cast(Table, model.__table__)
    statement = (
        _insert_for(session)(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        # RETURNING tells inserted from skipped on both databases (rowcount is not reliable
        # for ON CONFLICT across drivers).
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None


ModelT = TypeVar("ModelT", bound=Base)


def insert_unless_taken(
    session: Session, model: type[ModelT], values: Mapping[str, Any]
) -> ModelT | None:
    """Insert `values` as a `model` row and return it (in the session), or None when any of
    the table's unique keys is already taken: one round trip, where a SAVEPOINT around an
    INSERT that may raise IntegrityError takes three. The caller looks up who holds the key."""
    statement = (
        _insert_for(session)(model).values(**values).on_conflict_do_nothing().returning(model)
    )
    return session.scalars(statement).one_or_none()


def _insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT (the one with ON CONFLICT) for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"INSERT ... ON CONFLICT is not supported on {dialect}")
