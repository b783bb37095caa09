"""The admin's dry run: `preview()` of a recipe configuration, run as a job with progress.

The request only records that a dry run started (`start_dry_run`) and enqueues the job; the job
(`run_dry_run`) replays the window with `app.core.preview.preview`, reporting how far it got
through app/core/progress.py as it goes, and keeps a summary of the report in
`Store.sync_state["dry_runs"][recipe]` for the editor page. The summary names customers by id
only: the page looks their addresses up through the store's scope when it shows them, so an
erased customer disappears from old dry runs too. Nothing else is written; nothing is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.preview import NOTES, PreviewReport, PreviewSend, preview
from app.core.progress import record_progress, visible_progress
from app.core.recipes import get_recipe
from app.core.tenancy import StoreScope
from app.db.base import utcnow
from app.db.models import Customer, Store

OPERATION_PREFIX = "dry_run:"
#: A dry run whose progress did not move for this long is taken as dead: another may start.
STALE_AFTER = timedelta(minutes=10)
#: The summary keeps this many of the emails it found (the counts cover all of them).
KEPT_SENDS = 100
DEFAULT_DAYS = 30


def operation_name(recipe: str) -> str:
    """The progress record of a recipe's dry run."""
    return f"{OPERATION_PREFIX}{recipe}"


def progress_label(recipe: str, days: int) -> str:
    """What the progress card says is running."""
    return f"Dry run: {get_recipe(recipe).title}, last {days} days"


def dry_run_running(store: Store, recipe: str, now: datetime | None = None) -> bool:
    """True while a dry run of `recipe` is under way (and not stale)."""
    now = now or utcnow()
    for item in visible_progress(store, now):
        if item.operation == operation_name(recipe) and item.state == "running":
            return item.updated_at is not None and now - item.updated_at < STALE_AFTER
    return False


def start_dry_run(session: Session, store: Store, recipe: str, days: int = DEFAULT_DAYS) -> None:
    """Record that a dry run of `recipe` starts (the page shows it at once). The caller commits."""
    get_recipe(recipe)
    record_progress(
        session, store, operation_name(recipe), label=progress_label(recipe, days), done=0
    )


def fail_dry_run(session: Session, store: Store, recipe: str, reason: str) -> None:
    """Record that a dry run stopped, and why. The caller commits."""
    record_progress(
        session,
        store,
        operation_name(recipe),
        label=progress_label(recipe, DEFAULT_DAYS),
        done=0,
        state="failed",
        message=reason,
    )


def run_dry_run(
    session: Session,
    store: Store,
    recipe: str,
    settings: Mapping[str, Any],
    days: int = DEFAULT_DAYS,
    *,
    now: datetime | None = None,
) -> PreviewReport:
    """Replay the last `days` days under `settings`, committing progress as it goes, and keep
    the summary. A failure is recorded as such (and raised)."""
    now = now or utcnow()
    label = progress_label(recipe, days)
    name = operation_name(recipe)

    def report_progress(done: int, total: int) -> None:
        record_progress(session, store, name, label=label, done=done, total=total)
        session.commit()

    try:
        report = preview(
            session, store, recipe, settings, days, now=now, on_progress=report_progress
        )
    except Exception as error:
        session.rollback()
        fail_dry_run(session, store, recipe, f"The dry run stopped: {error}")
        session.commit()
        raise
    _keep_summary(session, store, recipe, _summary_json(report, settings, now))
    done = f"{len(report.sends)} emails to {report.enrolled} customers"
    record_progress(
        session, store, name, label=label, done=report.enrolled, state="done", message=done
    )
    session.commit()
    return report


@dataclass(frozen=True)
class DryRunEmail:
    """One email the dry run found, with the customer's address looked up in the store."""

    customer_id: int
    email: str | None
    step: int
    at: datetime
    code: bool
    holdout: bool


@dataclass(frozen=True)
class DryRunSummary:
    """What the last finished dry run of a recipe found."""

    recipe: str
    days: int
    finished_at: datetime
    start: datetime
    end: datetime
    settings: dict[str, Any]
    enrolled: int
    sent: int
    held_out: int
    codes: int
    pending: int
    skipped: dict[str, int]
    exits: dict[str, int]
    emails: list[DryRunEmail] = field(default_factory=list)
    notes: tuple[str, ...] = NOTES

    @property
    def customers(self) -> int:
        """How many different customers the kept emails reach."""
        return len({email.customer_id for email in self.emails})


def dry_run_summary(scope: StoreScope, recipe: str) -> DryRunSummary | None:
    """The last finished dry run of `recipe` for the scope's store, or None."""
    stored = ((scope.store.sync_state or {}).get("dry_runs") or {}).get(recipe)
    if not isinstance(stored, Mapping):
        return None
    try:
        return _summary_from_json(scope, recipe, stored)
    except (KeyError, TypeError, ValueError):
        return None


def _summary_from_json(scope: StoreScope, recipe: str, stored: Mapping[str, Any]) -> DryRunSummary:
    kept = list(stored.get("sends") or [])
    addresses = _addresses(scope, {int(item["customer_id"]) for item in kept})
    emails = [
        DryRunEmail(
            customer_id=int(item["customer_id"]),
            email=addresses.get(int(item["customer_id"])),
            step=int(item["step"]),
            at=datetime.fromisoformat(item["at"]),
            code=bool(item["code"]),
            holdout=bool(item["holdout"]),
        )
        for item in kept
    ]
    counts = {name: int(stored[name]) for name in _COUNT_KEYS}
    return DryRunSummary(
        recipe=recipe,
        days=int(stored["days"]),
        finished_at=datetime.fromisoformat(stored["finished_at"]),
        start=datetime.fromisoformat(stored["start"]),
        end=datetime.fromisoformat(stored["end"]),
        settings=dict(stored.get("settings") or {}),
        skipped={str(k): int(v) for k, v in (stored.get("skipped") or {}).items()},
        exits={str(k): int(v) for k, v in (stored.get("exits") or {}).items()},
        emails=emails,
        notes=tuple(stored.get("notes") or NOTES),
        **counts,
    )


_COUNT_KEYS = ("enrolled", "sent", "held_out", "codes", "pending")


def _addresses(scope: StoreScope, customer_ids: set[int]) -> dict[int, str | None]:
    if not customer_ids:
        return {}
    rows = scope.rows(
        select(Customer.id, Customer.email).where(
            scope.owns(Customer), Customer.id.in_(customer_ids)
        )
    )
    return {int(customer_id): email for customer_id, email in rows}


def _summary_json(
    report: PreviewReport, settings: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    schema = get_recipe(report.recipe).schema
    everything = sorted([*report.sends, *report.held_out], key=lambda send: send.at)
    return {
        "days": report.days,
        "finished_at": now.isoformat(),
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "settings": schema.to_json(schema.validate(settings)),
        "enrolled": report.enrolled,
        "sent": len(report.sends),
        "held_out": len(report.held_out),
        "codes": report.codes,
        "pending": report.pending,
        "skipped": dict(report.skipped),
        "exits": dict(report.exits),
        "sends": [_send_json(send) for send in everything[:KEPT_SENDS]],
        "notes": list(report.notes),
    }


def _send_json(send: PreviewSend) -> dict[str, Any]:
    return {
        "customer_id": send.customer_id,
        "step": send.step,
        "at": send.at.isoformat(),
        "code": send.code,
        "holdout": send.holdout,
    }


def _keep_summary(session: Session, store: Store, recipe: str, summary: dict[str, Any]) -> None:
    # Locked like record_progress: a progress write of another operation must not be lost.
    session.flush()
    session.refresh(store, with_for_update=True)
    sync_state = dict(store.sync_state or {})
    runs = dict(sync_state.get("dry_runs") or {})
    runs[recipe] = summary
    sync_state["dry_runs"] = runs
    store.sync_state = sync_state
    session.flush()
