"""Run one claimed step of one enrollment, safe to crash at any line and to run twice.

The order of a step (each arrow is a commit, so a retry resumes from the last one):
  check the claim → recipe exits → audience (suppression, consent) → content
  → lock the customer, quiet hours + frequency cap, reserve the Message row (queued) and the
    code row (pending) → issue it through the connector (idempotent)
  → render into the Message, re-check exits, queued→sending (compare-and-set) → send → sent
  → advance the enrollment to its next step.
A retry that finds the step's message already handed to the provider only advances. Keys:
`message:<enrollment>:<step>` and `code:<enrollment>` are unique in the database.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from app.core import discounts, facts, outbox, policies
from app.core.compose import StepEmail, render_payload
from app.core.configs import ActiveConfig, enabled_configs, enrollment_settings, priorities
from app.core.messaging.contracts import EmailRenderer, LinkSigner
from app.core.ports import MessageSender, StoreConnector
from app.core.recipes import REGISTRY
from app.core.recipes.base import Content, Due, Exit, Recipe
from app.db.base import utcnow
from app.db.models import Customer, Enrollment, IssuedDiscount, Message, Store

log = logging.getLogger(__name__)


def _no_checkpoint(_name: str) -> None:
    return None


@dataclass
class StepServices:
    """The adapters a step uses, injected (fakes in tests, real ones in workers/services.py).

    `checkpoint` is called at named points (claimed, slot_reserved, code_issued, rendered,
    sending, sent); fault-injection tests kill the process there.
    """

    connector_for: Callable[[Store], StoreConnector]
    sender: MessageSender
    renderer: EmailRenderer
    signer: LinkSigner
    clock: Callable[[], datetime] = utcnow
    checkpoint: Callable[[str], None] = _no_checkpoint


@dataclass(frozen=True)
class StepResult:
    """What a step run did: sent, held_out, deferred, exited, completed, failed, stale, done."""

    outcome: str
    detail: str = ""


@dataclass
class Run:
    """One step run's working set."""

    session: Session
    services: StepServices
    enrollment: Enrollment
    token: str
    store: Store
    customer: Customer
    recipe: Recipe[Any]
    settings: dict[str, Any]
    configs: dict[str, ActiveConfig]
    now: datetime
    facts: Any = None
    message: Message | None = field(default=None)

    @property
    def key(self) -> str:
        """The idempotency key of this step's message."""
        return outbox.message_key(self.enrollment.id, self.enrollment.step)

    @property
    def category(self) -> str:
        """Marketing or transactional, as the recipe's settings say."""
        return self.recipe.category(self.settings)


def run_step(
    session: Session, enrollment_id: int, claim_token: str, services: StepServices
) -> StepResult:
    """Run the claimed step of an enrollment; a stale or foreign claim does nothing."""
    enrollment = session.get(Enrollment, enrollment_id, populate_existing=True)
    if enrollment is None or enrollment.state != "claimed" or enrollment.claim_token != claim_token:
        session.rollback()
        return StepResult("stale")
    services.checkpoint("claimed")
    try:
        run = _prepare(session, enrollment, claim_token, services)
        if isinstance(run, StepResult):
            return run
        return _execute(run)
    except Exception as error:
        session.rollback()
        summary = "".join(traceback.format_exception_only(type(error), error)).strip()
        session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .values(last_error=summary[:4000])
            .execution_options(synchronize_session=False)
        )
        session.commit()
        raise


def _prepare(
    session: Session, enrollment: Enrollment, token: str, services: StepServices
) -> Run | StepResult:
    now = services.clock()
    store = session.get(Store, enrollment.store_id)
    customer = session.get(Customer, enrollment.customer_id)
    recipe = REGISTRY.get(enrollment.recipe)
    configs = enabled_configs(session, store) if store is not None else {}
    reason = None
    if store is None or not store.is_active:
        reason = "store_inactive"
    elif recipe is None or enrollment.recipe not in configs:
        reason = "recipe_disabled"
    elif customer is None:
        reason = "customer_gone"
    if reason is not None or store is None or customer is None or recipe is None:
        _drop_unsent(session, enrollment)
        _settle(session, enrollment, token, **_exited(reason or "gone", now))
        return StepResult("exited", reason or "gone")
    settings = enrollment_settings(enrollment, configs.get(enrollment.recipe))
    return Run(
        session, services, enrollment, token, store, customer, recipe, settings, configs, now
    )


def _execute(run: Run) -> StepResult:
    existing = outbox.find_message(run.session, run.key)
    if existing is not None and existing.status in outbox.HANDED_OVER | {"held_out"}:
        return _advance(run, "done")
    if existing is not None and existing.status == "failed":
        return _fail(run, existing.error or "send failed")
    verdict = _check(run)
    if verdict is not None:
        return verdict
    step, context = run.enrollment.step, run.enrollment.context
    # The facts `_check` just read (with what composing needs): read again before the send.
    content = run.recipe.compose(step, run.facts, run.settings, context)
    if isinstance(content, Exit):
        return _exit(run, content.reason)
    deferral = _timing(run)
    if deferral is not None:
        return _reschedule(run, deferral.until, deferral.reason)
    if run.enrollment.holdout:
        return _hold_out(run, content, existing)
    # The message (the customer's slot) and the code row are reserved in one commit.
    run.message = _reserve(run, "queued", existing=existing, commit=False)
    code_row = _code_row(run, content)
    run.session.commit()
    run.services.checkpoint("slot_reserved")
    return _send(run, content, code_row)


def _check(run: Run) -> StepResult | None:
    """Recipe exits, the schedule, and who may be emailed; None when the step may go on."""
    # Read once with what composing needs too: a due step (the usual case) composes next.
    verdict = run.recipe.evaluate(
        run.enrollment.step,
        _facts(run, compose=True),
        run.settings,
        run.enrollment.context,
        run.now,
    )
    if isinstance(verdict, Exit):
        return _exit(run, verdict.reason)
    if isinstance(verdict, Due) and verdict.at > run.now:
        return _reschedule(run, verdict.at, verdict.reason)
    suppression = policies.suppression_reason(run.session, run.store, run.customer.email)
    blocked = policies.audience_block(run.customer, run.category, suppression)
    return _exit(run, blocked) if blocked else None


def _facts(run: Run, *, compose: bool = False) -> Any:
    run.facts = facts.for_enrollment(
        run.session, run.store, run.enrollment, run.customer, run.settings, run.now, compose=compose
    )
    return run.facts


def _timing(run: Run) -> policies.Defer | None:
    """Quiet hours and the frequency cap, decided under the customer's lock.

    The lock is held until the step's message row is committed (`_reserve`), so two recipes
    cannot both take the customer's slot.
    """
    policies.lock_customer(run.session, run.customer.id)
    query = policies.CapQuery(
        run.store,
        run.customer.id,
        run.enrollment.recipe,
        run.key,
        priorities(run.configs),
        wait_reason=run.enrollment.wait_reason,
    )
    return policies.timing(run.session, query, run.customer, run.category, run.now)


def _reserve(
    run: Run,
    status: str,
    payload: dict[str, Any] | None = None,
    *,
    existing: Message | None,
    commit: bool = True,
) -> Message:
    """The step's message row: `existing` (the row `_execute` found, still queued) or a new
    one (`_execute` just looked: outbox.reserve need not look again)."""
    email = run.customer.email or ""
    message = existing or outbox.reserve(
        run.session,
        run.store,
        run.enrollment,
        run.category,
        email,
        now=run.now,
        status=status,
        looked_up=True,
    )
    if payload is not None:
        message.payload, message.subject = payload, payload["subject"]
    if commit:
        run.session.commit()
    return message


def _hold_out(run: Run, content: Content, existing: Message | None) -> StepResult:
    """Record what would have been sent (no code, no send) and move on."""
    payload = _render(run, content, None)
    payload["would_issue_code"] = content.discount is not None
    run.message = _reserve(run, "held_out", payload, existing=existing)
    return _advance(run, "held_out")


def _send(run: Run, content: Content, code_row: IssuedDiscount | None) -> StepResult:
    message = run.message
    if message is None:
        raise RuntimeError("a step must reserve its message before sending")
    code = _issue(run, code_row) if content.discount == "issue" else code_row
    payload = _render(run, content, code)
    message.payload, message.subject = payload, payload["subject"]
    message.discount_id = code.id if code is not None else None
    # Committed with the move to `sending`: rendering again after a crash gives the same email
    # (same code, same content), so a commit of its own would only cost a round trip.
    run.session.flush()
    run.services.checkpoint("rendered")
    late = _last_look(run)
    if late is not None:
        return late
    if outbox.start_sending(run.session, message.id, run.now):
        run.services.checkpoint("sending")
        status = outbox.deliver(run.session, run.services.sender, message)
        run.services.checkpoint("sent")
        if status == "failed":
            run.session.refresh(message)
            return _fail(run, message.error or "send failed")
    return _advance(run, "sent")


def _code_row(run: Run, content: Content) -> IssuedDiscount | None:
    """The step's code row, not committed: reserved (pending) on the discount step, the issued
    one reused after it, none otherwise."""
    if content.discount is None:
        return None
    existing = discounts.find_code(run.session, run.enrollment.id)
    if content.discount == "reuse":
        return existing if existing is not None and existing.status == "issued" else None
    if existing is not None:
        return existing
    spec = discounts.spec_from_settings(
        run.recipe.title,
        run.settings,
        run.now,
        currency=run.store.currency,
        product_ids=content.discount_products,
    )
    label = discounts.discount_label(spec.kind, spec.value, run.store.currency)
    return discounts.reserve_code(
        run.session,
        run.store,
        run.enrollment,
        spec,
        email=run.customer.email or "",
        label=label,
        looked_up=True,
    )


def _issue(run: Run, row: IssuedDiscount | None) -> IssuedDiscount | None:
    """Create the committed code row in the store (a retry asks for the same code again).

    The row was committed with the message, so no transaction is open across the store call:
    it may take seconds (throttling) and may save refreshed credentials in a session of its
    own, which on SQLite would wait on this one's write lock (BEGIN IMMEDIATE) until "database
    is locked", failing every retry of the step.
    """
    if row is None:
        return None
    config = run.configs.get(run.enrollment.recipe)
    connector = run.services.connector_for(run.store)
    issued = discounts.issue(run.session, connector, config.row if config else None, row)
    run.services.checkpoint("code_issued")
    return issued if issued.status == "issued" else None


def _render(run: Run, content: Content, code: IssuedDiscount | None) -> dict[str, Any]:
    email = StepEmail(
        store=run.store,
        customer=run.customer,
        recipe=run.enrollment.recipe,
        step=run.enrollment.step,
        step_count=run.recipe.step_count(run.settings),
        enrollment_id=run.enrollment.id,
    )
    return render_payload(email, content, code, run.services.renderer, run.services.signer)


def _last_look(run: Run) -> StepResult | None:
    """Exits re-checked just before the send (an order may have landed while the code was made)."""
    run.session.refresh(run.customer)
    verdict = run.recipe.evaluate(
        run.enrollment.step, _facts(run), run.settings, run.enrollment.context, run.now
    )
    reason = verdict.reason if isinstance(verdict, Exit) else None
    if reason is None:
        suppression = policies.suppression_reason(run.session, run.store, run.customer.email)
        reason = policies.audience_block(run.customer, run.category, suppression)
    return _exit(run, reason) if reason else None


# --- Settling the enrollment (every write checks the claim is still ours) ---------------------


def _settle(session: Session, enrollment: Enrollment, token: str, **values: Any) -> bool:
    result = session.execute(
        update(Enrollment)
        .where(
            Enrollment.id == enrollment.id,
            Enrollment.claim_token == token,
            Enrollment.state == "claimed",
        )
        .values(claim_token=None, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    won = getattr(result, "rowcount", 0) == 1
    if not won:
        log.warning("enrollment %s: claim %s was lost before settling", enrollment.id, token)
    return bool(won)


def _exited(reason: str, now: datetime) -> dict[str, Any]:
    return {"state": "exited", "exit_reason": reason, "next_run_at": None, "finished_at": now}


def _drop_unsent(session: Session, enrollment: Enrollment) -> None:
    """Forget this step's reserved message if it never reached the provider."""
    key = outbox.message_key(enrollment.id, enrollment.step)
    session.execute(
        delete(Message).where(Message.idempotency_key == key, Message.status == "queued")
    )


def _exit(run: Run, reason: str) -> StepResult:
    _drop_unsent(run.session, run.enrollment)
    _settle(run.session, run.enrollment, run.token, **_exited(reason, run.now))
    return StepResult("exited", reason)


def _reschedule(run: Run, until: datetime, reason: str) -> StepResult:
    _drop_unsent(run.session, run.enrollment)
    _settle(
        run.session,
        run.enrollment,
        run.token,
        state="active",
        next_run_at=until,
        wait_reason=reason,
    )
    return StepResult("deferred", reason)


def _fail(run: Run, error: str) -> StepResult:
    values = {"state": "failed", "last_error": error[:4000], "next_run_at": None}
    _settle(run.session, run.enrollment, run.token, finished_at=run.now, **values)
    return StepResult("failed", error)


def _advance(run: Run, outcome: str) -> StepResult:
    """Move to the next step (its due time from the recipe), or complete the series."""
    following = run.enrollment.step + 1
    session, enrollment, token = run.session, run.enrollment, run.token
    if following >= run.recipe.step_count(run.settings):
        values = {"state": "completed", "next_run_at": None, "finished_at": run.now}
        _settle(session, enrollment, token, step=following, **values)
        return StepResult(outcome, "completed")
    verdict = run.recipe.evaluate(
        following, run.facts or _facts(run), run.settings, enrollment.context, run.now
    )
    if isinstance(verdict, Exit):
        _settle(session, enrollment, token, step=following, **_exited(verdict.reason, run.now))
        return StepResult(outcome, verdict.reason)
    _settle(
        session,
        enrollment,
        token,
        state="active",
        step=following,
        next_run_at=verdict.at,
        wait_reason="scheduled",
        attempts=0,
    )
    return StepResult(outcome)
