"""What Nudge knows about a store's customers, as the merchant looks them up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_

from app.core.activity import MessageEntry, customer_messages
from app.core.paging import PAGE_SIZE, Cursor, Page, keyset_page
from app.core.tenancy import StoreScope
from app.db.models import Customer, Enrollment, Suppression


@dataclass(frozen=True)
class CustomerProfile:
    """A customer with their consent, suppressions, enrollments and latest emails."""

    customer: Customer
    suppressions: list[Suppression]
    enrollments: list[Enrollment]
    messages: list[MessageEntry]

    @property
    def is_suppressed(self) -> bool:
        """True when this customer's address may not be emailed by this store."""
        return bool(self.suppressions)

    @property
    def can_unsubscribe(self) -> bool:
        """True while there is something left to stop (consent or a suppression to add)."""
        return self.customer.consent != "unsubscribed" or (
            bool(self.customer.email) and not self.is_suppressed
        )


def search_customers(
    scope: StoreScope,
    query: str = "",
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[Customer]:
    """The store's customers, newest first, matching `query` on email or name."""
    statement = scope.select(Customer)
    if query:
        needle = query.strip().lower()
        statement = statement.where(
            or_(
                func.lower(Customer.email).contains(needle, autoescape=True),
                func.lower(Customer.first_name).contains(needle, autoescape=True),
                func.lower(Customer.last_name).contains(needle, autoescape=True),
            )
        )
    rows, previous, following = keyset_page(
        scope, statement, (Customer.id,), cursor, limit, newest=True
    )
    return Page([customer for (customer,) in rows], previous, following)


def customer_profile(scope: StoreScope, customer_id: int) -> CustomerProfile | None:
    """Everything the customer page shows, or None when the store has no such customer."""
    customer = scope.get(Customer, customer_id)
    if customer is None:
        return None
    suppressions: list[Suppression] = []
    if customer.email:
        suppressions = scope.all(
            scope.select(Suppression).where(Suppression.email == customer.email)
        )
    enrollments = scope.all(
        scope.select(Enrollment)
        .where(Enrollment.customer_id == customer.id)
        .order_by(Enrollment.id.desc())
        .limit(PAGE_SIZE)
    )
    return CustomerProfile(
        customer=customer,
        suppressions=suppressions,
        enrollments=enrollments,
        messages=customer_messages(scope, customer.id),
    )
