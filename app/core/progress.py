"""Progress of long operations (backfill after install, dry runs), polled by the admin page.

A long operation never runs in a request: the view enqueues a job and answers at once. The job
records how far it got with `record_progress` as it goes, in `Store.sync_state["progress"]`
under the operation's name, and the page polls `GET /admin/progress` until it is done:

    job:   record_progress(session, store, "backfill", label="Importing customers",
                           done=1200, total=5000); session.commit()   # every batch
    page:  GET /admin/progress → {"operations": [{"operation": "backfill", "done": 1200, ...}]}

The record lives in the database next to the store, not in Redis, so a restarted worker or a
flushed Redis leaves an honest "stopped at 1,200 of 5,000" instead of a bar that vanished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Store

PROGRESS_STATES = ("running", "done", "failed")
#: Finished operations stay on the page this long, so the merchant sees them end.
SHOWN_AFTER_FINISH = timedelta(hours=1)


@dataclass(frozen=True)
class Progress:
    """How far one operation got."""

    operation: str
    label: str
    state: str
    done: int
    total: int | None
    message: str
    updated_at: datetime | None

    @property
    def percent(self) -> int | None:
        """Whole percent done, when the total is known."""
        if not self.total:
            return 100 if self.state == "done" else None
        return min(100, self.done * 100 // self.total)

    def as_json(self) -> dict[str, Any]:
        """The record as the polling endpoint answers it."""
        return {
            "operation": self.operation,
            "label": self.label,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def record_progress(
    session: Session,
    store: Store,
    operation: str,
    *,
    label: str,
    done: int,
    total: int | None = None,
    state: str = "running",
    message: str = "",
) -> Progress:
    """Write the operation's progress; the caller commits right after (the store row is locked).

    The row is re-read under a lock (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers), so two jobs writing different keys of `sync_state` lose nothing.
    """
    if state not in PROGRESS_STATES:
        raise ValueError(f"unknown progress state {state!r}")
    if done < 0 or (total is not None and total < 0):
        raise ValueError("progress counts cannot be negative")
    session.flush()  # a refresh would discard the caller's unflushed changes to the store
    session.refresh(store, with_for_update=True)
    progress = Progress(operation, label, state, done, total, message, utcnow())
    sync_state = dict(store.sync_state or {})
    records = dict(sync_state.get("progress") or {})
    records[operation] = progress.as_json()
    sync_state["progress"] = records
    store.sync_state = sync_state
    session.flush()
    return progress


def visible_progress(store: Store, now: datetime | None = None) -> list[Progress]:
    """Running operations, and those that finished within the last hour, oldest first."""
    now = now or utcnow()
    records = (store.sync_state or {}).get("progress") or {}
    shown = []
    for operation, record in records.items():
        progress = _read(operation, record)
        if progress is None:
            continue
        recent = progress.updated_at is not None and now - progress.updated_at < SHOWN_AFTER_FINISH
        if progress.state == "running" or recent:
            shown.append(progress)
    return sorted(shown, key=lambda item: item.updated_at or now)


def _read(operation: str, record: Any) -> Progress | None:
    if not isinstance(record, Mapping) or record.get("state") not in PROGRESS_STATES:
        return None
    try:
        updated_at = (
            datetime.fromisoformat(record["updated_at"]) if record.get("updated_at") else None
        )
        total = record.get("total")
        return Progress(
            operation=operation,
            label=str(record.get("label") or operation),
            state=str(record["state"]),
            done=int(record.get("done") or 0),
            total=None if total is None else int(total),
            message=str(record.get("message") or ""),
            updated_at=updated_at,
        )
    except (TypeError, ValueError):
        return None
