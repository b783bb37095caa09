"""What a shopper's data export contains: every row Nudge keeps about them, as plain JSON."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import (
    Cart,
    Customer,
    Enrollment,
    IssuedDiscount,
    Message,
    Order,
    ProductView,
    Store,
    Suppression,
)

if TYPE_CHECKING:
    from app.core.privacy_erasure import Person


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _any(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return or_(false(), *conditions)


_CUSTOMER = (
    "platform_id", "email", "first_name", "last_name", "consent", "consent_updated_at",
    "birth_month", "birth_day", "birth_year", "timezone", "locale", "tags", "orders_count",
    "total_spent", "created_at",
)  # fmt: skip
_ORDER = (
    "platform_id", "name", "email", "placed_at", "currency", "subtotal_price", "total_price",
    "financial_status", "discount_codes", "cancelled_at",
)  # fmt: skip
_CART = ("kind", "email", "lines", "subtotal_price", "currency", "platform_updated_at")
_MESSAGE = ("recipe", "step", "to_email", "subject", "status", "sent_at", "opened_at", "clicked_at")
_ENROLLMENT = ("recipe", "state", "step", "created_at", "finished_at", "exit_reason")
_DISCOUNT = ("code", "kind", "value", "status", "expires_at")


def build_export(session: Session, store: Store, person: Person) -> dict[str, Any]:
    """The export document for `person` in `store`."""
    ids, emails = person.customer_ids, person.emails

    def rows(model: Any, match: ColumnElement[bool], fields: tuple[str, ...]) -> list[Any]:
        found = session.execute(select(model).where(model.store_id == store.id, match)).scalars()
        return [_row(item, fields) for item in found]

    orders = rows(
        Order,
        _any(
            Order.customer_id.in_(ids),
            Order.email.in_(emails),
            Order.platform_id.in_(person.order_platform_ids),
        ),
        _ORDER,
    )
    return {
        "store": store.domain,
        "exported_at": utcnow().isoformat(),
        "customers": rows(Customer, Customer.id.in_(ids), _CUSTOMER),
        "orders": orders,
        "carts": rows(Cart, _any(Cart.customer_id.in_(ids), Cart.email.in_(emails)), _CART),
        "messages": rows(
            Message, _any(Message.customer_id.in_(ids), Message.to_email.in_(emails)), _MESSAGE
        ),
        "enrollments": rows(Enrollment, Enrollment.customer_id.in_(ids), _ENROLLMENT),
        "product_views": rows(
            ProductView, ProductView.customer_id.in_(ids), ("product_platform_id", "viewed_at")
        ),
        "discounts": rows(IssuedDiscount, IssuedDiscount.customer_id.in_(ids), _DISCOUNT),
        "suppressions": rows(
            Suppression, Suppression.email.in_(emails), ("email", "reason", "created_at")
        ),
    }
