"""The recipe engine: enroll on events, keep the schedule in the database, run steps once.

How the parts fit (each module's docstring has the details):
- `enrollment`: the EventRouter listener. Events enroll customers (unique per recipe, customer
  and trigger ref), re-evaluate their waiting enrollments and exit them; the daily birthday scan.
- `scheduling`: the clock's sweep claims due enrollments (`Enrollment.next_run_at`) with a claim
  token (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite); the reaper releases
  claims whose job died.
- `steps`: one job per claimed step. It re-checks exits and policies right before acting, and
  every side effect is keyed in the database (`message:<enrollment>:<step>`,
  `code:<enrollment>`), so a retried or duplicated job does nothing twice.
- `policies`, `discounts`, `outbox`, `compose`, `recommend`, `facts`: the rules, the codes, the
  messages, the email content and the mirror reads the steps use.
- `recipes/`: the four recipes, pure planning over facts.
- `preview`: the dry run of a recipe configuration over the last N days.
"""

from __future__ import annotations

from app.core.discounts import expire_codes
from app.core.enrollment import exit_customer, listener, on_event, scan_birthdays
from app.core.scheduling import Claim, StaleClaim, claim_due, release_claim, stale_claims
from app.core.steps import StepResult, StepServices, run_step

__all__ = [
    "Claim",
    "StaleClaim",
    "StepResult",
    "StepServices",
    "claim_due",
    "exit_customer",
    "expire_codes",
    "listener",
    "on_event",
    "release_claim",
    "run_step",
    "scan_birthdays",
    "stale_claims",
]
