"""Erasing one shopper's personal data, table by table (used by app.core.privacy).

Each function touches one table of one store and returns how many rows it changed. What stays
is anonymous: totals, statuses and timestamps, linked to a blank customer tombstone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from app.core.messaging.suppressions import erased_marker
from app.core.values import STORE_KEY_ARG
from app.db.base import utcnow
from app.db.models import (
    Cart,
    Customer,
    DataExport,
    Enrollment,
    InboundEvent,
    IssuedDiscount,
    Message,
    Order,
    ProductView,
    Store,
    Suppression,
)

#: What a stored webhook body becomes once it held erased personal data.
REDACTED_BODY = '{"redacted": true}'


@dataclass(frozen=True)
class Person:
    """Who a privacy request is about, as the platform and the mirror know them."""

    customer_ids: tuple[int, ...]
    platform_ids: tuple[str, ...]
    emails: tuple[str, ...]
    order_platform_ids: tuple[str, ...]


def _any(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return or_(false(), *conditions)


def visitor_ids(session: Session, store: Store, person: Person) -> tuple[str, ...]:
    """The browser ids seen on the shopper's product views."""
    if not person.customer_ids:
        return ()
    rows = session.execute(
        select(ProductView.visitor_id)
        .where(ProductView.store_id == store.id, ProductView.customer_id.in_(person.customer_ids))
        .distinct()
    ).scalars()
    return tuple(visitor for visitor in rows if visitor and visitor != "redacted")


def erase_orders(session: Session, store: Store, person: Person) -> int:
    """Drop the email from the shopper's orders (totals stay for attribution)."""
    match = _any(
        Order.customer_id.in_(person.customer_ids),
        Order.email.in_(person.emails),
        Order.platform_id.in_(person.order_platform_ids),
    )
    result = session.execute(
        update(Order).where(Order.store_id == store.id, match).values(email=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_carts(session: Session, store: Store, person: Person) -> int:
    """Drop email and recovery link from the shopper's carts and checkouts."""
    match = _any(Cart.customer_id.in_(person.customer_ids), Cart.email.in_(person.emails))
    result = session.execute(
        update(Cart).where(Cart.store_id == store.id, match).values(email=None, recovery_url=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_messages(session: Session, store: Store, person: Person) -> int:
    """Drop address, subject and rendered body of messages to the shopper."""
    match = _any(Message.customer_id.in_(person.customer_ids), Message.to_email.in_(person.emails))
    # Subjects and rendered bodies carry names and addresses; status and timing stay for stats.
    result = session.execute(
        update(Message)
        .where(Message.store_id == store.id, match)
        .values(to_email=None, subject="", payload={}, error=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_enrollments(session: Session, store: Store, person: Person) -> int:
    """Exit the shopper's running enrollments and blank their context."""
    if not person.customer_ids:
        return 0
    mine = (Enrollment.store_id == store.id, Enrollment.customer_id.in_(person.customer_ids))
    session.execute(
        update(Enrollment)
        .where(*mine, Enrollment.state.in_(("active", "claimed")))
        .values(state="exited", exit_reason="redacted", next_run_at=None, finished_at=utcnow())
    )
    result = session.execute(update(Enrollment).where(*mine).values(context={}, last_error=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_views(session: Session, store: Store, person: Person, visitor_ids: Sequence[str]) -> int:
    """Replace the browser id on the shopper's product views."""
    match = _any(
        ProductView.customer_id.in_(person.customer_ids), ProductView.visitor_id.in_(visitor_ids)
    )
    # The browser id is an online identifier; the view itself stays as an anonymous count.
    result = session.execute(
        update(ProductView)
        .where(ProductView.store_id == store.id, match)
        .values(visitor_id="redacted")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_discount_emails(session: Session, store: Store, person: Person) -> int:
    """Drop the email stored with the shopper's codes."""
    if not person.customer_ids:
        return 0
    rows = session.execute(
        select(IssuedDiscount).where(
            IssuedDiscount.store_id == store.id, IssuedDiscount.customer_id.in_(person.customer_ids)
        )
    ).scalars()
    touched = 0
    for row in rows:
        if "email" in (row.spec or {}):
            row.spec = {key: value for key, value in row.spec.items() if key != "email"}
            touched += 1
    return touched


def _export_match(person: Person) -> ColumnElement[bool]:
    return _any(
        DataExport.customer_id.in_(person.customer_ids),
        DataExport.email.in_(person.emails),
        DataExport.customer_platform_id.in_(person.platform_ids),
    )


def delete_suppressions(session: Session, store: Store, person: Person) -> int:
    """Replace the shopper's addresses on the do-not-email list by their salted digests.

    The address is the personal data and goes; the opt-out stays, so an erased shopper who
    comes back (a new order, a resubscribe by the store's import) is still never emailed
    against their word (app/core/messaging/suppressions.erased_marker).
    """
    rows = session.execute(
        select(Suppression).where(
            Suppression.store_id == store.id, Suppression.email.in_(person.emails)
        )
    ).scalars()
    changed = 0
    for row in rows:
        marker = erased_marker(store.key, row.email)
        exists = session.execute(
            select(Suppression.id).where(
                Suppression.store_id == store.id, Suppression.email == marker
            )
        ).scalar_one_or_none()
        if exists is not None:
            session.delete(row)
        else:
            row.email, row.source = marker, "erased"
        changed += 1
    session.flush()
    return changed


def delete_exports(session: Session, store: Store, person: Person) -> int:
    """Delete earlier data exports of the shopper (an export is personal data itself)."""
    result = session.execute(
        delete(DataExport).where(DataExport.store_id == store.id, _export_match(person))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def blank_customers(session: Session, person: Person) -> int:
    """Turn the shopper's customer rows into blank tombstones."""
    if not person.customer_ids:
        return 0
    now = utcnow()
    session.execute(
        update(Customer)
        .where(Customer.id.in_(person.customer_ids))
        .values(
            platform_id=None,
            email=None,
            first_name=None,
            last_name=None,
            consent="redacted",
            consent_updated_at=now,
            birth_month=None,
            birth_day=None,
            birth_year=None,
            timezone=None,
            locale=None,
            tags=[],
            redacted_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    return len(person.customer_ids)


def scrub_inbound_events(
    session: Session, store: Store, needles: Iterable[str], source_event_id: int | None
) -> int:
    """Blank stored webhook bodies that mention any of `needles` (case-insensitive).

    Events not processed yet are set aside (`ignored`) so they cannot bring the data back; the
    event carrying the request itself (`source_event_id`) keeps its status.
    """
    terms = sorted({needle.lower() for needle in needles if needle and len(needle) >= 3})
    if not terms:
        return 0
    body = func.lower(InboundEvent.body)
    match = or_(*(body.contains(term, autoescape=True) for term in terms))
    mine = (InboundEvent.store_id == store.id, match)
    result = session.execute(
        update(InboundEvent)
        .where(*mine)
        .values(body=REDACTED_BODY, headers={})
        .execution_options(synchronize_session="fetch")
    )
    pending = update(InboundEvent).where(
        InboundEvent.store_id == store.id,
        InboundEvent.body == REDACTED_BODY,
        InboundEvent.status.in_(("received", "failed")),
    )
    if source_event_id is not None:
        pending = pending.where(InboundEvent.id != source_event_id)
    session.execute(
        pending.values(status="ignored", error="redacted").execution_options(
            synchronize_session="fetch"
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def scrub_shared_batches(session: Session, store: Store, emails: Iterable[str]) -> int:
    """Remove the shopper's events from stored provider batches that belong to no store.

    One SendGrid account serves every store, so its event webhook posts are stored without a
    store and mix everyone's events: only this store's events about these addresses go (each
    names its store in its custom args); others' stay, so a batch still waiting is processed
    for them. A body that is not an event array is blanked whole.
    """
    terms = sorted({email.lower() for email in emails if email and "@" in email})
    if not terms:
        return 0
    body = func.lower(InboundEvent.body)
    rows = session.execute(
        select(InboundEvent).where(
            InboundEvent.store_id.is_(None),
            or_(*(body.contains(term, autoescape=True) for term in terms)),
        )
    ).scalars()
    touched = 0
    for event in rows:
        kept = _events_not_about(event.body, store.key, terms)
        event.body = REDACTED_BODY if kept is None else json.dumps(kept)
        event.headers = {}
        touched += 1
    return touched


def _events_not_about(body: str, store_key: str, terms: Sequence[str]) -> list[Any] | None:
    try:
        events = json.loads(body)
    except ValueError:
        return None
    if not isinstance(events, list):
        return None

    def about_shopper(item: Any) -> bool:
        text = json.dumps(item).lower()
        mentions = any(term in text for term in terms)
        other_store = isinstance(item, dict) and item.get(STORE_KEY_ARG) not in (None, store_key)
        return mentions and not other_store

    return [item for item in events if not about_shopper(item)]


def drop_store_from_shared_batches(session: Session, store: Store) -> int:
    """Remove every event of `store` from stored provider batches (a shop's erasure)."""
    rows = session.execute(
        select(InboundEvent).where(
            InboundEvent.store_id.is_(None),
            InboundEvent.body.contains(store.key, autoescape=True),
        )
    ).scalars()
    touched = 0
    for event in rows:
        try:
            events = json.loads(event.body)
        except ValueError:
            continue
        if isinstance(events, list):
            kept = [
                e for e in events if not (isinstance(e, dict) and e.get(STORE_KEY_ARG) == store.key)
            ]
            if len(kept) != len(events):
                event.body = json.dumps(kept)
                touched += 1
    return touched
