"""One store's rows and only that store's: the scope every merchant-facing read goes through.

The admin resolves the signed-in store once per request and hands its `StoreScope` to the read
and write functions of the core. Those functions never take a bare session: a query that is
not filtered by the store cannot be written without reaching past the scope on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from app.db.base import StoreScoped
from app.db.models import Store

RowT = TypeVar("RowT", bound=StoreScoped)
#: A SELECT of any columns (aggregates, joins).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class StoreScope:
    """A database session bound to one store: every helper filters by `store.id`."""

    session: Session
    store: Store

    @property
    def store_id(self) -> int:
        """The id of the store this scope reads."""
        return self.store.id

    def owns(self, model: type[StoreScoped]) -> ColumnElement[bool]:
        """The criterion `model.store_id == this store` (for joins and aggregates)."""
        criterion: ColumnElement[bool] = model.store_id == self.store.id
        return criterion

    def select(self, model: type[RowT]) -> Select[RowT]:
        """`SELECT model WHERE store_id = this store`; add filters, order and limits to it."""
        return select(model).where(self.owns(model))

    def get(self, model: type[RowT], row_id: int) -> RowT | None:
        """The row with this id if it belongs to this store, else None (never another's row)."""
        row = self.session.get(model, row_id)
        if row is None or row.store_id != self.store.id:
            return None
        return row

    def all(self, statement: Select[RowT]) -> list[RowT]:
        """Run a statement built from `select()` and return its rows."""
        return list(self.session.execute(statement).scalars())

    def rows(self, statement: AnySelect) -> list[Any]:
        """Run an aggregate or multi-column statement; the caller scoped it with `owns()`."""
        return list(self.session.execute(statement).all())
