"""The schedule is the database: claim due steps, and release claims whose job died.

`claim_due` marks due enrollments `claimed` with a fresh token in one statement. On PostgreSQL
the candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent clocks (or a clock and
a reaper) never hand the same enrollment out twice and never wait on each other. On SQLite every
transaction starts with BEGIN IMMEDIATE (app/db/session.py), which serialises writers, so the
same statement is atomic there too. A job must present the token to run the step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import Enrollment

#: A step that has been claimed this many times without finishing fails for an operator to see.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claim:
    """A claimed step: the job `run_step(enrollment_id, token)` must run it."""

    enrollment_id: int
    step: int
    token: str


@dataclass(frozen=True)
class StaleClaim:
    """A claim older than a job could take."""

    enrollment_id: int
    step: int
    token: str
    claimed_at: datetime
    attempts: int


def claim_due(session: Session, now: datetime, *, limit: int = 200) -> list[Claim]:
    """Claim up to `limit` due steps (oldest first) and commit; returns what was claimed."""
    token = uuid.uuid4().hex
    due = (
        select(Enrollment.id)
        .where(Enrollment.state == "active", Enrollment.next_run_at <= now)
        .order_by(Enrollment.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        # A materialised CTE runs once; as an IN (subquery) PostgreSQL may re-scan the LIMIT
        # subquery inside the join and update more rows than asked for.
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    rows = session.execute(
        update(Enrollment)
        .where(Enrollment.id == due.c.id, Enrollment.state == "active")
        .values(
            state="claimed",
            claim_token=token,
            claimed_at=now,
            attempts=Enrollment.attempts + 1,
        )
        .returning(Enrollment.id, Enrollment.step, Enrollment.next_run_at)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    # RETURNING follows no order; hand the steps out in the order they fell due.
    ordered = sorted(rows, key=lambda row: (row[2], row[0]))
    return [Claim(enrollment_id, step, token) for enrollment_id, step, _due in ordered]


def stale_claims(
    session: Session, now: datetime, *, older_than: timedelta, limit: int = 500
) -> list[StaleClaim]:
    """Claims older than `older_than` (their job may have died)."""
    rows = session.execute(
        select(
            Enrollment.id,
            Enrollment.step,
            Enrollment.claim_token,
            Enrollment.claimed_at,
            Enrollment.attempts,
        )
        .where(Enrollment.state == "claimed", Enrollment.claimed_at < now - older_than)
        .order_by(Enrollment.claimed_at)
        .limit(limit)
    ).all()
    session.commit()
    return [StaleClaim(row[0], row[1], row[2] or "", row[3] or now, row[4]) for row in rows]


def release_claim(session: Session, claim: StaleClaim, now: datetime) -> str:
    """Give a dead job's step back to the schedule, or fail it after MAX_ATTEMPTS claims.

    Conditional on the token, so a job that finished meanwhile is left alone. Returns
    "released", "failed" or "gone". Commits.
    """
    exhausted = claim.attempts >= MAX_ATTEMPTS
    values = (
        {
            "state": "failed",
            "last_error": f"step {claim.step} did not finish after {claim.attempts} attempts",
            "next_run_at": None,
            "finished_at": now,
        }
        if exhausted
        else {"state": "active", "wait_reason": "retry"}
    )
    result = session.execute(
        update(Enrollment)
        .where(
            Enrollment.id == claim.enrollment_id,
            Enrollment.state == "claimed",
            Enrollment.claim_token == claim.token,
        )
        .values(claim_token=None, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if getattr(result, "rowcount", 0) != 1:
        return "gone"
    return "failed" if exhausted else "released"
