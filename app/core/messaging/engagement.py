"""Apply an email provider's delivery and engagement events: once each, forward only.

A batch of `MessageEvent`s (mapped by the provider's connector from one stored webhook) is
applied inside the caller's transaction:

1. Each event is claimed by inserting its (provider, event_id) into `processed_email_events`
   with ON CONFLICT DO NOTHING; an event already claimed, by an earlier batch or a concurrent
   job, is skipped. SendGrid duplicates events and retries posts for a day (research/email.md
   §3.1), so this unique key, not the webhook body, is what makes a replay harmless.
2. The event must name one of our messages (custom_args) of the store it claims (the store key)
   and its recipient; anything else is recorded as unmatched/foreign and changes nothing, so a
   second deployment sharing the SendGrid account cannot touch our rows.
3. The message's status moves forward only (`status.py`), in one UPDATE whose WHERE clause is
   the rule, so concurrent jobs cannot move it backwards; first-seen timestamps keep the
   earliest time reported.
4. Hard bounces, drops of bad addresses and spam reports suppress the address for the
   message's store (`suppressions.py`, never weakened); an unsubscribe goes through
   `unsubscribe.unsubscribe`, exactly like the one-click link: suppression, consent, open
   enrollments exited, and the platform write-back owed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.messaging.status import TERMINAL, statuses_before
from app.core.messaging.suppressions import suppress_address
from app.core.messaging.unsubscribe import unsubscribe
from app.core.values import MessageEvent
from app.db.base import utcnow
from app.db.models import Message, ProcessedEmailEvent, Store
from app.db.types import UTCDateTime

log = logging.getLogger(__name__)

#: Event kind → (status it moves the message to, first-seen timestamp it sets).
TRANSITIONS: dict[str, tuple[str | None, str]] = {
    "processed": ("sent", "sent_at"),
    "delivered": ("delivered", "delivered_at"),
    "opened": ("opened", "opened_at"),
    "clicked": ("clicked", "clicked_at"),
    "bounced": ("bounced", "bounced_at"),
    "dropped": ("dropped", "bounced_at"),
    "complained": ("complained", "complained_at"),
    "unsubscribed": (None, "unsubscribed_at"),
}
#: Keep processed event ids this long: far beyond SendGrid's 24 hours of retries.
RETENTION = timedelta(days=30)
_CLAIM_CHUNK = 500


class _Target(NamedTuple):
    store_id: int
    store_key: str
    to_email: str | None


@dataclass
class EngagementSummary:
    """How many events of a batch did what."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        """Count one event's outcome."""
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def __getitem__(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)


def apply_message_events(session: Session, events: Sequence[MessageEvent]) -> EngagementSummary:
    """Apply each new event once; the caller commits (see the module docstring)."""
    summary = EngagementSummary()
    first_of_each: dict[tuple[str, str], MessageEvent] = {}
    for event in events:
        key = (event.provider, event.event_id)
        if key in first_of_each:
            summary.add("duplicate")
        else:
            first_of_each[key] = event
    unique = list(first_of_each.values())
    targets = _load_targets(session, {e.message_id for e in unique if e.message_id is not None})
    outcomes = {(e.provider, e.event_id): _outcome(e, targets) for e in unique}
    # One order for every job (by event id for the claims, by message for the updates), so two
    # jobs with overlapping batches wait for each other instead of deadlocking.
    claimed = _claim(session, sorted(unique, key=lambda e: (e.provider, e.event_id)), outcomes)
    for event in sorted(unique, key=lambda e: (e.message_id or 0, e.occurred_at, e.event_id)):
        key = (event.provider, event.event_id)
        if key not in claimed:
            summary.add("duplicate")
            continue
        summary.add(outcomes[key])
        if outcomes[key] == "applied" and event.message_id is not None:
            _apply(session, event, targets[event.message_id])
    return summary


def _load_targets(session: Session, message_ids: set[int]) -> dict[int, _Target]:
    if not message_ids:
        return {}
    rows = session.execute(
        select(Message.id, Message.store_id, Store.key, Message.to_email)
        .join(Store, Store.id == Message.store_id)
        .where(Message.id.in_(message_ids))
    )
    return {row[0]: _Target(row[1], row[2], row[3]) for row in rows}


def _outcome(event: MessageEvent, targets: dict[int, _Target]) -> str:
    target = targets.get(event.message_id) if event.message_id is not None else None
    if target is None:
        return "unmatched"
    if event.store_key is not None and event.store_key != target.store_key:
        return "foreign"
    if target.to_email and target.to_email.lower() != event.email.strip().lower():
        return "foreign"
    return "applied" if event.kind in TRANSITIONS else "ignored"


def _claim(
    session: Session, events: list[MessageEvent], outcomes: dict[tuple[str, str], str]
) -> set[tuple[str, str]]:
    """Insert the dedupe rows; returns the keys this transaction claimed (new ones)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    claimed: set[tuple[str, str]] = set()
    for start in range(0, len(events), _CLAIM_CHUNK):
        chunk = events[start : start + _CLAIM_CHUNK]
        rows = [_claim_row(e, outcomes[(e.provider, e.event_id)], now) for e in chunk]
        statement = (
            insert(ProcessedEmailEvent)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
            .returning(ProcessedEmailEvent.provider, ProcessedEmailEvent.event_id)
        )
        claimed.update((row[0], row[1]) for row in session.execute(statement))
    return claimed


def _claim_row(event: MessageEvent, outcome: str, now: datetime) -> dict[str, Any]:
    return {
        "provider": event.provider,
        "event_id": event.event_id,
        "kind": event.kind,
        "outcome": outcome,
        "message_id": event.message_id if outcome in ("applied", "ignored") else None,
        "occurred_at": event.occurred_at,
        "processed_at": now,
    }


def _apply(session: Session, event: MessageEvent, target: _Target) -> None:
    status, column_name = TRANSITIONS[event.kind]
    column: InstrumentedAttribute[datetime | None] = getattr(Message, column_name)
    at = literal(event.occurred_at, UTCDateTime())
    values: dict[Any, Any] = {column: case((or_(column.is_(None), column > at), at), else_=column)}
    if status is not None:
        movable = Message.status.in_(statuses_before(status))
        values[Message.status] = case((movable, status), else_=Message.status)
        if status in TERMINAL and event.reason:
            values[Message.error] = case((movable, event.reason[:4000]), else_=Message.error)
    session.execute(
        update(Message)
        .where(Message.id == event.message_id)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    source = f"{event.provider}:{event.kind}"
    if event.suppress == "unsubscribed":
        store = session.get(Store, target.store_id)
        if store is not None:
            unsubscribe(session, store, event.email, source)
    elif event.suppress is not None:
        suppress_address(session, target.store_id, event.email, event.suppress, source)


def purge_processed_events(session: Session, *, older_than: timedelta = RETENTION) -> int:
    """Forget dedupe rows older than `older_than`; returns how many were deleted."""
    result = session.execute(
        delete(ProcessedEmailEvent).where(ProcessedEmailEvent.processed_at < utcnow() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)
