"""The inbox: accept a verified inbound event exactly once, then process it exactly once.

Accepting needs only the database, never Redis: a webhook is stored and acknowledged even while
the queue is down, and the clock's sweep hands stored events to workers when it is back.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core.ports import ConnectorError
from app.db.base import utcnow
from app.db.models import InboundEvent
from app.db.storable import clean_text

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
    if len(external_id) > _MAX_KEYED_ID:
        external_id = "sha256:" + hashlib.sha256(external_id.encode("utf-8", "replace")).hexdigest()
    return f"inbound:{platform}:{store_id if store_id is not None else '-'}:{external_id}"


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
        "platform": platform,
        "store_id": store_id,
        # Core insert: the ORM's storable guard does not see it, so the same cleaning here.
        "external_id": clean_text(external_id, 255),
        "topic": clean_text(topic, 100),
        "headers": {clean_text(k): clean_text(v) for k, v in (headers or {}).items()},
        "body": clean_text(body),
        "status": "received",
        "attempts": 0,
        "received_at": utcnow(),
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(InboundEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(InboundEvent.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        return Accepted(event_id=new_id, created=True)
    existing = session.execute(
        select(InboundEvent.id).where(InboundEvent.dedupe_key == key)
    ).scalar_one()
    return Accepted(event_id=existing, created=False)


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


def stalled_event_ids(session: Session, *, older_than: timedelta, limit: int = 1000) -> list[int]:
    """Events stored but not processed for a while (Redis was down, a worker died)."""
    cutoff: datetime = utcnow() - older_than
    rows = session.execute(
        select(InboundEvent.id)
        .where(InboundEvent.status == "received", InboundEvent.received_at < cutoff)
        .order_by(InboundEvent.received_at)
        .limit(limit)
    )
    return list(rows.scalars())
