"""The outbox: a Message row exists before the provider is called, and is sent at most once.

Statuses a step moves a message through: queued (reserved, rendered) → sending (the send
request is about to go out) → sent | failed. Only the run that moves a message from queued to
sending (a compare-and-set UPDATE) may call the provider, so two runs of one step can never
both send.

A worker killed after the send request and before `sent` is recorded leaves the message in
`sending`. Whether the provider took it is then unknown, and for email we choose the least-bad
answer: a message in `sending` is never sent again (at most once; Nudge promises no duplicate
email). The step counts as done and the enrollment moves on. SendGrid's event webhook carries
the message id (`custom_args`), and its processed/delivered/bounce events settle the status
later (issue 7). The cost is that an email may be lost if the process died in the few
instructions between the commit of `sending` and the request leaving; a duplicate, once sent,
cannot be taken back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.ports import ConnectorError, MessageSender, OutcomeUnknown
from app.core.values import OutboundMessage
from app.db.idempotent import insert_unless_taken
from app.db.models import Enrollment, Message, Store

log = logging.getLogger(__name__)

#: A message in one of these states went (or may have gone) to the provider: never send again.
HANDED_OVER = frozenset(
    {"sending", "sent", "delivered", "opened", "clicked", "bounced", "dropped", "complained"}
)


def message_key(enrollment_id: int, step: int) -> str:
    """The idempotency key of a step's message: message:<enrollment>:<step no>."""
    return f"message:{enrollment_id}:{step}"


def find_message(session: Session, key: str) -> Message | None:
    """The message with this idempotency key, if any."""
    return session.execute(
        select(Message).where(Message.idempotency_key == key)
    ).scalar_one_or_none()


def reserve(
    session: Session,
    store: Store,
    enrollment: Enrollment,
    category: str,
    to_email: str,
    *,
    now: datetime,
    status: str = "queued",
    looked_up: bool = False,
) -> Message:
    """The step's message row, created if missing; it takes the customer's frequency-cap slot.

    Unique by key, so a concurrent run of the same step gets the same row. The caller commits.
    `looked_up`: the caller has just found no row under the key, so it is not looked up again
    (a concurrent insert is still caught by the key).
    """
    key = message_key(enrollment.id, enrollment.step)
    existing = None if looked_up else find_message(session, key)
    if existing is not None:
        return existing
    values = {
        "store_id": store.id,
        "idempotency_key": key,
        "enrollment_id": enrollment.id,
        "customer_id": enrollment.customer_id,
        "recipe": enrollment.recipe,
        "step": enrollment.step,
        "category": category,
        "to_email": to_email,
        "status": status,
        # The frequency cap reads created_at: it must be the engine's clock, like every time.
        "created_at": now,
        "updated_at": now,
    }
    message = insert_unless_taken(session, Message, values)
    if message is not None:
        return message
    found = find_message(session, key)  # a concurrent run of the step inserted it first
    if found is None:
        raise RuntimeError(f"message {key} was neither inserted nor found")
    return found


def start_sending(session: Session, message_id: int, now: datetime) -> bool:
    """Move a queued message to `sending`; True for the one caller that wins. Commits."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "queued")
        .values(status="sending", sent_at=now, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def deliver(session: Session, sender: MessageSender, message: Message) -> str:
    """Hand a message in `sending` to the provider and record the answer; returns the status.

    A provider that refuses the whole request (429, 5xx, or a 4xx such as a revoked API key)
    did not take the message: it goes back to `queued` and the error propagates, so the job
    is retried (transient) or fails visibly for the reaper to retry later (permanent), and the
    recipient is not blamed for the deployment's fault. A refusal of this recipient's message
    (the provider's per-message result) marks it failed. No database work during the request.
    """
    outbound = outbound_message(message)
    try:
        results = sender.send([outbound])
    except OutcomeUnknown as error:
        return _leave_unknown(session, message.id, str(error))
    except ConnectorError as error:
        # 429: SendGrid did not accept; 5xx: "retry the request later"; 4xx: nothing was sent.
        _set_status(session, message.id, "queued", str(error) or type(error).__name__)
        raise
    result = next((item for item in results if item.message_id == message.id), None)
    if result is not None and result.outcome_unknown:
        return _leave_unknown(session, message.id, result.error or "outcome unknown")
    if result is None or not result.accepted:
        reason = result.error if result is not None else "no result for the message"
        _set_status(session, message.id, "failed", reason or "refused")
        return "failed"
    session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == "sending")
        .values(status="sent", provider_message_id=result.provider_message_id, error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return "sent"


def _leave_unknown(session: Session, message_id: int, error: str) -> str:
    """The provider may have taken the message: it stays `sending` (never sent again) with the
    reason recorded; the provider's delivery events settle its status if it went out."""
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "sending")
        .values(error=f"outcome unknown: {error}"[:2000])
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return "unknown"


def _set_status(session: Session, message_id: int, status: str, error: str | None) -> None:
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "sending")
        .values(status=status, error=(error or "")[:2000] or None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def outbound_message(message: Message) -> OutboundMessage:
    """The provider-neutral email stored in a message's payload."""
    payload: Mapping[str, Any] = message.payload
    return OutboundMessage(
        message_id=message.id,
        to_email=payload["to_email"],
        from_email=payload["from_email"],
        subject=payload["subject"],
        html=payload["html"],
        text=payload["text"],
        to_name=payload.get("to_name"),
        from_name=payload.get("from_name"),
        reply_to=payload.get("reply_to"),
        headers=dict(payload.get("headers") or {}),
        categories=tuple(payload.get("categories") or ()),
        custom_args=dict(payload.get("custom_args") or {}),
    )
