"""The activity log: every email with what came of it, and every step still waiting, with why.

Both lists page by keyset (a cursor on the sort key, not an offset), so the hundredth page of
a busy store costs what the first one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from app.core.paging import PAGE_SIZE, Cursor, Page, keyset_page
from app.core.tenancy import StoreScope
from app.db.models import Customer, Enrollment, IssuedDiscount, Message, Order

#: Enrollment states that still have a step ahead of them.
WAITING_STATES = ("active", "claimed")

#: Why a step waits, in the merchant's words (Enrollment.wait_reason).
WAIT_REASONS = {
    "scheduled": "Waiting for its scheduled time",
    "quiet_hours": "Deferred by quiet hours",
    "frequency_cap": "Deferred by the frequency cap",
}


@dataclass(frozen=True)
class MessageFilter:
    """What the merchant searches the email log for."""

    query: str = ""
    recipe: str = ""
    status: str = ""


@dataclass(frozen=True)
class MessageEntry:
    """One email as the activity log shows it."""

    id: int
    created_at: datetime
    sent_at: datetime | None
    to_email: str | None
    customer_id: int | None
    recipe: str | None
    step: int | None
    status: str
    subject: str
    error: str | None
    code: str | None
    order_id: int | None
    order_name: str | None


@dataclass(frozen=True)
class ScheduledEntry:
    """One enrollment's next step: when it runs, and why it waits."""

    enrollment_id: int
    customer_id: int
    customer_email: str | None
    recipe: str
    step: int
    state: str
    next_run_at: datetime | None
    wait_reason: str | None
    holdout: bool

    @property
    def why(self) -> str:
        """The reason in words: holdout first, since a held-out customer is never emailed."""
        if self.holdout:
            return "In holdout: gets no email, measures what the recipe adds"
        if self.state == "claimed":
            return "Running now"
        return WAIT_REASONS.get(self.wait_reason or "scheduled", self.wait_reason or "")


def search_messages(
    scope: StoreScope,
    search: MessageFilter,
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[MessageEntry]:
    """The store's emails, newest first, matching `search` (recipient, subject or code)."""
    code = aliased(IssuedDiscount)
    order = aliased(Order)
    statement = (
        select(Message, code.code, order.id, order.name)
        .outerjoin(code, and_(code.id == Message.discount_id, scope.owns(code)))
        .outerjoin(order, and_(order.id == code.redeemed_order_id, scope.owns(order)))
        .where(scope.owns(Message))
    )
    if search.query:
        needle = search.query.strip().lower()
        statement = statement.where(
            or_(
                func.lower(Message.to_email).contains(needle, autoescape=True),
                func.lower(Message.subject).contains(needle, autoescape=True),
                func.lower(code.code).contains(needle, autoescape=True),
            )
        )
    if search.recipe:
        statement = statement.where(Message.recipe == search.recipe)
    if search.status:
        statement = statement.where(Message.status == search.status)
    # Newest first by creation time (id breaks ties): the order the merchant expects a log in.
    rows, previous, following = keyset_page(
        scope, statement, (Message.created_at, Message.id), cursor, limit, newest=True
    )
    entries = [_message_entry(message, *extra) for message, *extra in rows]
    return Page(entries, previous, following)


def customer_messages(
    scope: StoreScope, customer_id: int, limit: int = PAGE_SIZE
) -> list[MessageEntry]:
    """A customer's latest emails."""
    statement = (
        scope.select(Message)
        .where(Message.customer_id == customer_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return [_message_entry(message, None, None, None) for message in scope.all(statement)]


def scheduled_steps(
    scope: StoreScope,
    query: str = "",
    recipe: str = "",
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[ScheduledEntry]:
    """Enrollments with a step ahead, soonest first, optionally by customer email or recipe."""
    statement = (
        select(Enrollment, Customer.email)
        .join(Customer, and_(Customer.id == Enrollment.customer_id, scope.owns(Customer)))
        .where(scope.owns(Enrollment), Enrollment.state.in_(WAITING_STATES))
    )
    if query:
        needle = query.strip().lower()
        statement = statement.where(func.lower(Customer.email).contains(needle, autoescape=True))
    if recipe:
        statement = statement.where(Enrollment.recipe == recipe)
    due = func.coalesce(Enrollment.next_run_at, Enrollment.created_at)
    rows, previous, following = keyset_page(
        scope, statement, (due, Enrollment.id), cursor, limit, newest=False
    )
    entries = [_scheduled_entry(enrollment, email) for enrollment, email in rows]
    return Page(entries, previous, following)


def _message_entry(
    message: Message, code: str | None, order_id: int | None, order_name: str | None
) -> MessageEntry:
    return MessageEntry(
        id=message.id,
        created_at=message.created_at,
        sent_at=message.sent_at,
        to_email=message.to_email,
        customer_id=message.customer_id,
        recipe=message.recipe,
        step=message.step,
        status=message.status,
        subject=message.subject,
        error=message.error,
        code=code,
        order_id=order_id,
        order_name=order_name,
    )


def _scheduled_entry(enrollment: Enrollment, email: str | None) -> ScheduledEntry:
    return ScheduledEntry(
        enrollment_id=enrollment.id,
        customer_id=enrollment.customer_id,
        customer_email=email,
        recipe=enrollment.recipe,
        step=enrollment.step,
        state=enrollment.state,
        next_run_at=enrollment.next_run_at,
        wait_reason=enrollment.wait_reason,
        holdout=enrollment.holdout,
    )
