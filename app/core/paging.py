"""Keyset pagination: pages that cost the same however deep the merchant goes.

A page is cut by a cursor on the sort key (not an offset), so a busy store's hundredth page of
its email log is as fast as its first, and rows added meanwhile do not shift the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from app.core.tenancy import AnySelect, StoreScope

EntryT = TypeVar("EntryT")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Cursor:
    """A position in a list: the page that follows (`next`) or precedes (`previous`) `key`.

    `encode()` gives the opaque text carried in page links; `parse()` reads it back and refuses
    anything it did not write (a ValueError), so a hand-edited link cannot inject a value.
    """

    direction: str
    key: tuple[int | datetime, ...]

    def __post_init__(self) -> None:
        if self.direction not in ("next", "previous"):
            raise ValueError(f"unknown cursor direction {self.direction!r}")

    def encode(self) -> str:
        """The cursor as URL-safe text: `n.i42` or `p.t1767225600000000.i42`."""
        parts = [self.direction[0]]
        for value in self.key:
            if isinstance(value, datetime):
                parts.append(f"t{_epoch_micros(value)}")
            else:
                parts.append(f"i{int(value)}")
        return ".".join(parts)

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """Read a cursor written by `encode`; ValueError for anything else."""
        direction, *parts = text.split(".")
        directions = {"n": "next", "p": "previous"}
        if direction not in directions or not 1 <= len(parts) <= 2:
            raise ValueError("malformed cursor")
        key: list[int | datetime] = []
        for part in parts:
            kind, digits = part[:1], part[1:]
            if kind not in ("i", "t") or not digits.isdigit() or len(digits) > 19:
                raise ValueError("malformed cursor")
            key.append(int(digits) if kind == "i" else _from_epoch_micros(int(digits)))
        return cls(directions[direction], tuple(key))


@dataclass(frozen=True)
class Page(Generic[EntryT]):
    """One page of a list, with the cursors of the pages around it (None at either end)."""

    entries: list[EntryT]
    previous: Cursor | None
    next: Cursor | None


def keyset_page(
    scope: StoreScope,
    statement: AnySelect,
    key: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...],
    cursor: Cursor | None,
    limit: int,
    *,
    newest: bool,
) -> tuple[list[Any], Cursor | None, Cursor | None]:
    """Run `statement` one page at a time along `key` (descending when `newest`)."""
    forward = cursor is None or cursor.direction == "next"
    descending = newest == forward
    if cursor is not None:
        if len(cursor.key) != len(key):
            raise ValueError("cursor does not belong to this list")
        # Typed binds: a datetime bound goes through UTCDateTime like the column it meets.
        bounds = [
            bindparam(None, value, type_=column.type)
            for value, column in zip(cursor.key, key, strict=True)
        ]
        key_expr, bound = (tuple_(*key), tuple_(*bounds)) if len(key) > 1 else (key[0], bounds[0])
        statement = statement.where(key_expr < bound if descending else key_expr > bound)
    order = [column.desc() if descending else column.asc() for column in key]
    rows = scope.rows(statement.add_columns(*key).order_by(*order).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    keys = [tuple(row[-len(key) :]) for row in rows]
    entries = [tuple(row[: -len(key)]) for row in rows]
    if not entries:
        return [], None, None
    has_previous = (cursor is not None and forward) or (not forward and more)
    has_next = (forward and more) or (cursor is not None and not forward)
    previous = Cursor("previous", keys[0]) if has_previous else None
    following = Cursor("next", keys[-1]) if has_next else None
    return entries, previous, following


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_micros(value: datetime) -> int:
    return (value.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)


def _from_epoch_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)
