"""Every value the ORM writes is made storable the same way on PostgreSQL and SQLite.

Mirrored rows are filled from platform payloads, which carry whatever a shopper or a plugin
typed. PostgreSQL refuses what SQLite takes silently: NUL characters in text and JSON, strings
longer than their column, integers beyond their column's range. Without this guard the same
payload is mirrored on the embedded default and fails on PostgreSQL, and a customer with a NUL
in their name could never be mirrored at all. Before every flush, for each new or changed row:

- text (and strings inside JSON documents): NUL characters removed, lone surrogates (which no
  database can encode) replaced by U+FFFD, then cut to the column's length: the mirror is a
  working copy for emails, not the record of truth, and a 300-character name is still a name;
- integers and decimals outside their column's range: refused with `UnstorableValue` naming the
  column, because a wrong number (a count, a price, an id) must not be stored as another one.
  The flush stops, the caller's transaction rolls back, and an inbound event fails cleanly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, Numeric, SmallInteger, String, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeEngine

_INT_BITS = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))


class UnstorableValue(ValueError):
    """A number does not fit its column (the row is refused, not altered)."""


def install(factory: sessionmaker[Session]) -> None:
    """Run the guard before every flush of the sessions `factory` makes."""
    event.listen(factory, "before_flush", _before_flush)


def clean_text(value: str, length: int | None = None) -> str:
    """`value` without NUL characters or lone surrogates, cut to `length`."""
    cleaned = value.replace("\x00", "") if "\x00" in value else value
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (from JSON "\ud800" escapes)
        cleaned = cleaned.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return cleaned[:length] if length and len(cleaned) > length else cleaned


def clean_document(value: Any) -> Any:
    """A JSON document with every string (keys included) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_document(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_document(item) for item in value]
    return value


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        table = state.mapper.local_table
        for attribute in state.mapper.column_attrs:
            # Only loaded values: reading an expired one here would query inside the flush.
            if attribute.key not in state.dict:
                continue
            column = attribute.columns[0]
            value = state.dict[attribute.key]
            cleaned = _storable(value, column.type, f"{table.name}.{column.name}")
            if cleaned is not value:
                setattr(row, attribute.key, cleaned)


def _storable(value: Any, column_type: TypeEngine[Any], where: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and isinstance(column_type, String):
        cleaned = clean_text(value, column_type.length)
        return value if cleaned == value else cleaned
    if isinstance(column_type, JSON):
        cleaned_document = clean_document(value)
        return value if cleaned_document == value else cleaned_document
    if isinstance(value, int) and isinstance(column_type, Integer):
        _check_int(value, column_type, where)
    elif isinstance(value, Decimal | int) and isinstance(column_type, Numeric):
        _check_decimal(Decimal(value), column_type, where)
    return value


def _check_int(value: int, column_type: Integer, where: str) -> None:
    bits = next((size for kind, size in _INT_BITS if isinstance(column_type, kind)), 64)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise UnstorableValue(f"{where}: {str(value)[:40]} does not fit a {bits}-bit integer")


def _check_decimal(value: Decimal, column_type: Numeric[Any], where: str) -> None:
    precision, scale = column_type.precision, column_type.scale or 0
    if precision is None:
        return
    if not value.is_finite() or abs(value) >= Decimal(10) ** (precision - scale):
        shown = str(value)[:40]
        raise UnstorableValue(f"{where}: {shown} does not fit NUMERIC({precision},{scale})")
