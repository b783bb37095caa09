"""The inbox: accept a verified inbound event exactly once, then process it exactly once.

Accepting needs only the database, never Redis: a webhook is stored and acknowledged even while
the queue is down, and the clock's sweep hands stored events to workers when it is back.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import traceback
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    String,
    Table,
    bindparam,
    cast,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core.ports import ConnectorError
from app.db.base import utcnow
from app.db.models import InboundEvent, Store
from app.db.storable import clean_text

if typing.TYPE_CHECKING:
    from app.db import Database

log = logging.getLogger(__name__)

#: Event ids longer than this are keyed by their digest (dedupe_key is 400 characters).
_MAX_KEYED_ID = 300

#: A handler maps and ingests one stored event inside the job's transaction.
EventHandler = Callable[[Session, InboundEvent], None]


@dataclass(frozen=True)
class Accepted:
    """The outcome of accepting an event: its row id, and False when it was a duplicate."""

    event_id: int
    created: bool


def dedupe_key(platform: str, store_id: int | None, external_id: str) -> str:
    """The inbox idempotency key: inbound:<platform>:<store>:<event id>.

    An event id too long for the key's column (a crafted header) is replaced by its digest, so
    it still deduplicates and never overflows the column.
    """
    store = store_id if store_id is not None else "-"
    return f"inbound:{platform}:{store}:{_keyed_id(external_id)}"


def _keyed_id(external_id: str) -> str:
    if len(external_id) > _MAX_KEYED_ID:
        return "sha256:" + hashlib.sha256(external_id.encode("utf-8", "replace")).hexdigest()
    return external_id


def accept_event(
    session: Session,
    *,
    platform: str,
    store_id: int | None,
    external_id: str,
    topic: str,
    body: str,
    headers: Mapping[str, str] | None = None,
) -> Accepted:
    """Store an inbound event unless one with the same id is already stored.

    One INSERT ... ON CONFLICT DO NOTHING, so concurrent duplicate deliveries cannot both win.
    The caller commits.
    """
    key = dedupe_key(platform, store_id, external_id)
    values = {
        "dedupe_key": key,
        "store_id": store_id,
        **_stored_values(platform, external_id, topic, body, headers),
    }
    statement = (
        _insert(session)(InboundEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(InboundEvent.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        return Accepted(event_id=new_id, created=True)
    return Accepted(event_id=_existing_id(session, key), created=False)


def accept_store_event(
    database: Database,
    *,
    platform: str,
    domain: str,
    external_id: str,
    topic: str,
    body: str,
    headers: Mapping[str, str] | None = None,
) -> Accepted | None:
    """`accept_event` for the store of `platform` at `domain`; None when there is no such store.

    The store is looked up inside the INSERT (INSERT ... SELECT FROM stores), so a new event
    costs one statement, run in autocommit (`Database.autocommit_scalar`: on PostgreSQL straight
    on the driver): a webhook's only round trip to the database. Only a duplicate or an unknown
    shop needs the second look. Committed on return.
    """
    stored = _stored_values(platform, external_id, topic, body, headers)
    params = {**stored, "key_prefix": f"inbound:{platform}:", "domain": domain}
    params["key_suffix"] = ":" + _keyed_id(external_id)
    new_id = database.autocommit_scalar(_store_insert(database.dialect), params)
    if new_id is not None:
        return Accepted(event_id=new_id, created=True)
    with database.autocommit_connection() as connection:
        store_id = connection.execute(
            select(Store.id).where(Store.platform == platform, Store.domain == domain)
        ).scalar_one_or_none()
        if store_id is None:
            return None
        key = dedupe_key(platform, store_id, external_id)
        return Accepted(event_id=_existing_id(connection, key), created=False)


@functools.cache
def _store_insert(dialect: str) -> Executable:
    """INSERT INTO inbound_events (...) SELECT <key>, stores.id, <values> FROM stores WHERE
    platform = :platform AND domain = :domain ON CONFLICT (dedupe_key) DO NOTHING RETURNING id.

    Built once per dialect with bound parameters: building it per request costs more CPU than
    the rest of the webhook's database work.
    """
    table = typing.cast(Table, InboundEvent.__table__)
    names = list(_stored_values("", "", "", "", None))
    # PostgreSQL types a bare parameter in a SELECT list as text (wrong for jsonb, timestamptz);
    # SQLite needs no cast, and CAST(... AS DATETIME) there would turn the time into a number.
    typed = cast if dialect == "postgresql" else type_coerce
    key = bindparam("key_prefix", type_=String) + cast(Store.id, String)
    source = select(
        (key + bindparam("key_suffix", type_=String)).label("key"),
        Store.id,
        *(typed(bindparam(name, type_=table.c[name].type), table.c[name].type) for name in names),
    ).where(Store.platform == bindparam("platform"), Store.domain == bindparam("domain"))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .from_select(["dedupe_key", "store_id", *names], source)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )


def _stored_values(
    platform: str, external_id: str, topic: str, body: str, headers: Mapping[str, str] | None
) -> dict[str, object]:
    # Core insert: the ORM's storable guard does not see it, so the same cleaning here.
    return {
        "platform": platform,
        "external_id": clean_text(external_id, 255),
        "topic": clean_text(topic, 100),
        "headers": {clean_text(k): clean_text(v) for k, v in (headers or {}).items()},
        "body": clean_text(body),
        "status": "received",
        "attempts": 0,
        "received_at": utcnow(),
    }


def _insert(session: Session) -> Callable[..., Any]:
    postgres = session.get_bind().dialect.name == "postgresql"
    return postgresql.insert if postgres else sqlite.insert


def _existing_id(session: Session | Connection, key: str) -> int:
    existing: int = session.execute(
        select(InboundEvent.id).where(InboundEvent.dedupe_key == key)
    ).scalar_one()
    return existing


def process_event(session: Session, event_id: int, handler: EventHandler) -> str:
    """Run `handler` on a stored event once; returns the event's final status.

    Done or ignored events are skipped, so a duplicated or retried job does nothing twice.
    A failure rolls the handler's work back, records the error on the event (for replay) and
    re-raises so the job runner can retry or fail it.
    """
    event = session.get(InboundEvent, event_id, with_for_update=True)
    if event is None:
        log.warning("inbound event %s no longer exists", event_id)
        return "missing"
    if event.status in ("done", "ignored"):
        return event.status
    return process_claimed_event(session, event, handler)


def claim_next_event(session: Session) -> InboundEvent | None:
    """Lock the oldest event never tried yet that no other worker holds; None when none is left.

    The row lock lasts until the caller commits or rolls back, so a worker that dies mid-event
    leaves it `received` for the next claim (PostgreSQL rolls the dead connection back). SKIP
    LOCKED lets two workers drain side by side without waiting on each other's rows
    (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE). SQLite has
    no row locks: there every transaction begins IMMEDIATE, one writer at a time.

    Events that failed before (`attempts` > 0) are left to their own retrying job, so an event
    that keeps failing is retried with backoff instead of at the head of every drain.
    """
    statement = (
        select(InboundEvent)
        .where(InboundEvent.status == "received", InboundEvent.attempts == 0)
        # The pending index's own order: an index scan that stops at the first row it can
        # lock, and marks the dead entries of processed events so later claims skip them.
        .order_by(InboundEvent.received_at)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return session.execute(statement).scalar_one_or_none()


def process_claimed_event(session: Session, event: InboundEvent, handler: EventHandler) -> str:
    """`process_event` for an event this transaction has locked (`claim_next_event`)."""
    event_id = event.id
    try:
        handler(session, event)
    except Exception as error:
        session.rollback()
        _record_failure(session, event_id, error)
        raise
    event.status = "done" if event.status != "ignored" else "ignored"
    event.attempts += 1
    event.error = None
    event.processed_at = utcnow()
    session.commit()
    return event.status


def _record_failure(session: Session, event_id: int, error: Exception) -> None:
    retryable = isinstance(error, ConnectorError) and error.retryable
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(
            status="received" if retryable else "failed",
            error=summary[:4000],
            attempts=InboundEvent.attempts + 1,
        )
    )
    session.commit()


def reset_for_replay(session: Session, event_id: int) -> InboundEvent | None:
    """Mark a stored event as received again so it can be processed anew (operator replay)."""
    event = session.get(InboundEvent, event_id)
    if event is None:
        return None
    event.status = "received"
    event.error = None
    event.processed_at = None
    return event


def stalled_events(
    session: Session, *, older_than: timedelta, limit: int = 1000
) -> list[tuple[int, int]]:
    """(id, attempts) of events still `received` after a while, oldest first: never tried
    (Redis was down when they arrived, or no drain ran) or failed before (their retrying job was
    lost with Redis, or its worker died)."""
    cutoff: datetime = utcnow() - older_than
    rows = session.execute(
        select(InboundEvent.id, InboundEvent.attempts)
        .where(InboundEvent.status == "received", InboundEvent.received_at < cutoff)
        .order_by(InboundEvent.received_at)
        .limit(limit)
    )
    return [(event_id, attempts) for event_id, attempts in rows]
