"""Privacy-law duties: a shopper's data export, a shopper's erasure, a shop's erasure.

Shopify's mandatory compliance webhooks (https://shopify.dev/docs/apps/build/privacy-law-compliance)
arrive as neutral events: `CustomerDataRequested`, `CustomerRedactRequested`,
`ShopRedactRequested`; a platform's customer deletion (`CustomerDeleted`) is erased the same way.
Erasure removes personal data everywhere Nudge keeps it (mirror, messages, enrollments, views,
suppressions, stored webhook bodies, earlier exports) and keeps anonymous aggregates: the
customer row stays as a blank tombstone so orders, messages and enrollments still count.
Every action writes an AuditEntry whose subject is a one-way reference, never the email.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.core import privacy_erasure as erasure
from app.core.mirror import normalize_email
from app.core.privacy_erasure import Person
from app.core.privacy_export import build_export
from app.core.values import (
    CustomerDataRequested,
    CustomerDeleted,
    CustomerRedactRequested,
    ShopRedactRequested,
    StoreEvent,
)
from app.db.base import Base
from app.db.models import (
    AuditEntry,
    Customer,
    DataExport,
    InboundEvent,
    Store,
)

log = logging.getLogger(__name__)

PRIVACY_EVENTS = (
    CustomerDataRequested,
    CustomerRedactRequested,
    ShopRedactRequested,
    CustomerDeleted,
)
#: Tables a shop erasure keeps: the audit trail and the event being processed.
_KEPT_ON_SHOP_ERASURE = frozenset(("audit_entries", "inbound_events", "stores"))


def subject_ref(store: Store, platform_id: str | None, email: str | None) -> str:
    """A one-way reference to a shopper for audit entries (verifiable, not reversible)."""
    text = f"{store.id}:{platform_id or ''}:{normalize_email(email) or ''}"
    return "customer:" + hashlib.sha256(text.encode()).hexdigest()[:20]


def find_person(
    session: Session,
    store: Store,
    platform_id: str | None,
    email: str | None,
    order_platform_ids: Sequence[str] = (),
) -> Person:
    """The mirror's customers matching a platform id or an email (guests included)."""
    email = normalize_email(email)
    conditions = []
    if platform_id:
        conditions.append(Customer.platform_id == platform_id)
    if email:
        conditions.append(Customer.email == email)
    customers = (
        list(
            session.execute(
                select(Customer).where(Customer.store_id == store.id, or_(*conditions))
            ).scalars()
        )
        if conditions
        else []
    )
    emails = {email} if email else set()
    emails.update(customer.email for customer in customers if customer.email)
    platform_ids = {platform_id} if platform_id else set()
    platform_ids.update(customer.platform_id for customer in customers if customer.platform_id)
    return Person(
        customer_ids=tuple(customer.id for customer in customers),
        platform_ids=tuple(sorted(platform_ids)),
        emails=tuple(sorted(emails)),
        order_platform_ids=tuple(order_platform_ids),
    )


def export_customer(session: Session, store: Store, request: CustomerDataRequested) -> DataExport:
    """Keep the shopper's data for the merchant (customers/data_request) and audit it."""
    person = find_person(
        session, store, request.customer_platform_id, request.email, request.order_platform_ids
    )
    data = build_export(session, store, person)
    export = DataExport(
        store_id=store.id,
        request_ref=request.request_id[:64],
        customer_id=person.customer_ids[0] if person.customer_ids else None,
        customer_platform_id=request.customer_platform_id,
        email=normalize_email(request.email),
        data=data,
    )
    session.add(export)
    session.flush()
    counts = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    session.add(
        AuditEntry(
            store_id=store.id,
            action="privacy.data_exported",
            subject=subject_ref(store, request.customer_platform_id, request.email),
            detail={"export_id": export.id, "request": request.request_id, "counts": counts},
        )
    )
    log.info(
        "data export %s made for store %s (request %s)", export.id, store.id, request.request_id
    )
    return export


def erase_customer(
    session: Session,
    store: Store,
    *,
    platform_id: str | None,
    email: str | None,
    order_platform_ids: Sequence[str] = (),
    reason: str,
    source_event_id: int | None = None,
) -> dict[str, int]:
    """Erase a shopper's personal data in every table; returns what was touched, by table."""
    person = find_person(session, store, platform_id, email, order_platform_ids)
    visitor_ids = erasure.visitor_ids(session, store, person)
    counts = {
        "orders": erasure.erase_orders(session, store, person),
        "carts": erasure.erase_carts(session, store, person),
        "messages": erasure.erase_messages(session, store, person),
        "enrollments": erasure.erase_enrollments(session, store, person),
        "product_views": erasure.erase_views(session, store, person, visitor_ids),
        "discounts": erasure.erase_discount_emails(session, store, person),
        "suppressions": erasure.delete_suppressions(session, store, person),
        "data_exports": erasure.delete_exports(session, store, person),
        "inbound_events": erasure.scrub_inbound_events(
            session, store, (*person.emails, *person.platform_ids, *visitor_ids), source_event_id
        ),
        "provider_batches": erasure.scrub_shared_batches(session, store, person.emails),
        "customers": erasure.blank_customers(session, person),
    }
    session.add(
        AuditEntry(
            store_id=store.id,
            action="privacy.customer_erased",
            subject=subject_ref(store, platform_id, email),
            detail={"reason": reason, "counts": counts},
        )
    )
    log.info("erased a customer of store %s (%s): %s", store.id, reason, counts)
    return counts


def erase_shop(session: Session, store: Store, *, source_event_id: int | None = None) -> bool:
    """Erase everything Nudge holds for a shop (shop/redact), keeping the audit trail and a
    blank store row. A shop that was reinstalled since is left alone. True when erased."""
    if store.is_active:
        session.add(
            AuditEntry(
                store_id=store.id,
                action="privacy.shop_erasure_skipped",
                subject=store.domain,
                detail={"reason": "store is active again"},
            )
        )
        return False
    for table in reversed(Base.metadata.sorted_tables):
        if "store_id" in table.c and table.name not in _KEPT_ON_SHOP_ERASURE:
            session.execute(delete(table).where(table.c.store_id == store.id))
    events = delete(InboundEvent).where(InboundEvent.store_id == store.id)
    if source_event_id is not None:
        events = events.where(InboundEvent.id != source_event_id)
    session.execute(events.execution_options(synchronize_session="fetch"))
    erasure.drop_store_from_shared_batches(session, store)
    store.name, store.email = "", None
    store.settings, store.sync_state = {}, {}
    store.credentials_encrypted = None
    store.status = "uninstalled"
    session.add(AuditEntry(store_id=store.id, action="privacy.shop_erased", subject=store.domain))
    log.info("erased every record of store %s", store.id)
    return True


def apply(
    session: Session, store: Store, event: StoreEvent, *, source_event_id: int | None = None
) -> None:
    """Carry out one privacy event inside the caller's transaction."""
    match event:
        case CustomerDataRequested():
            export_customer(session, store, event)
        case CustomerRedactRequested(customer_platform_id=platform_id, email=email):
            erase_customer(
                session,
                store,
                platform_id=platform_id,
                email=email,
                order_platform_ids=event.order_platform_ids,
                reason="redact_request",
                source_event_id=source_event_id,
            )
        case CustomerDeleted(platform_id=platform_id):
            erase_customer(
                session,
                store,
                platform_id=platform_id,
                email=None,
                reason="deleted_on_platform",
                source_event_id=source_event_id,
            )
        case ShopRedactRequested():
            erase_shop(session, store, source_event_id=source_event_id)
        case _:
            raise TypeError(f"{type(event).__name__} is not a privacy event")
