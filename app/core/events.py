"""Ingest neutral store events: update the mirror, then let the recipes react.

A connector's mapping turns one inbound payload into `StoreEvent`s; `ingest` applies them inside
the job's transaction. Recipes subscribe through `EventListener`s (the engine registers them), so
this module knows the mirror, not the recipes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.core import mirror
from app.core.values import (
    CartUpserted,
    CustomerConsentChanged,
    CustomerUpserted,
    OrderUpserted,
    ProductDeleted,
    ProductUpserted,
    ProductViewed,
    ShopUpdated,
    StoreEvent,
)
from app.db.base import utcnow
from app.db.models import Cart, Customer, Order, Product, ProductView, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    """What one event changed in the mirror, handed to listeners."""

    event: StoreEvent
    customer: Customer | None = None
    order: Order | None = None
    cart: Cart | None = None
    product: Product | None = None


#: `Store.last_event_at` feeds the "no events lately" warning, which counts in hours. Writing it
#: at most this often spares every event an UPDATE of the store's row, which each concurrent
#: worker would otherwise wait on until the other commits.
LAST_EVENT_PRECISION = timedelta(minutes=1)

#: A listener reacts to an applied event (the recipe engine enrolls or exits customers).
EventListener = Callable[[Session, Store, Applied], None]


@dataclass
class EventRouter:
    """Applies events to the mirror and notifies listeners, in registration order."""

    listeners: list[EventListener] = field(default_factory=list)
    #: Handlers for events that are not mirror updates (compliance, uninstall), by event type.
    special: dict[type, Callable[[Session, Store, StoreEvent], None]] = field(default_factory=dict)

    def ingest(self, session: Session, store: Store, events: Sequence[StoreEvent]) -> None:
        """Apply each event and notify listeners; the caller owns the transaction."""
        for event in events:
            handler = self.special.get(type(event))
            if handler is not None:
                handler(session, store, event)
                continue
            applied = apply_event(session, store, event)
            for listener in self.listeners:
                listener(session, store, applied)
        now = utcnow()
        if store.last_event_at is None or now - store.last_event_at >= LAST_EVENT_PRECISION:
            store.last_event_at = now


def apply_event(session: Session, store: Store, event: StoreEvent) -> Applied:
    """Update the mirror for one event and report what changed."""
    match event:
        case CustomerUpserted(customer=data):
            return Applied(event, customer=mirror.upsert_customer(session, store, data))
        case CustomerConsentChanged():
            return Applied(event, customer=mirror.change_consent(session, store, event))
        case ProductUpserted(product=data):
            return Applied(event, product=mirror.upsert_product(session, store, data))
        case ProductDeleted(platform_id=platform_id):
            _mark_product_deleted(session, store, platform_id)
            return Applied(event)
        case OrderUpserted(order=data):
            order, customer = mirror.upsert_order(session, store, data)
            complete_carts_for_order(session, store, order)
            customer = _linked_customer(session, customer, order.customer_id)
            return Applied(event, order=order, customer=customer)
        case CartUpserted(cart=data):
            cart, customer = mirror.upsert_cart(session, store, data)
            customer = _linked_customer(session, customer, cart.customer_id)
            return Applied(event, cart=cart, customer=customer)
        case ProductViewed(view=data):
            return Applied(event, customer=_record_view(session, store, event))
        case ShopUpdated(shop=data):
            store.name, store.email = data.name, data.email
            store.timezone, store.currency, store.locale = data.timezone, data.currency, data.locale
            store.storefront_url = data.storefront_url
            return Applied(event)
    raise TypeError(f"no mirror rule for {type(event).__name__}; register a special handler")


def _linked_customer(
    session: Session, linked: Customer | None, customer_id: int | None
) -> Customer | None:
    """The customer an upsert linked, or (a stale update) the one the row already names."""
    if linked is not None and linked.id == customer_id:
        return linked
    return session.get(Customer, customer_id) if customer_id else None


def complete_carts_for_order(session: Session, store: Store, order: Order) -> None:
    """Close the carts and checkouts an order came from, so no recovery email follows a sale."""
    tokens = [token for token in (order.cart_token, order.checkout_token) if token]
    if not tokens:
        return
    session.execute(
        update(Cart)
        .where(
            Cart.store_id == store.id,
            Cart.completed_at.is_(None),
            or_(Cart.platform_token.in_(tokens), Cart.cart_token.in_(tokens)),
        )
        .values(completed_at=order.placed_at, order_id=order.id)
    )


def _mark_product_deleted(session: Session, store: Store, platform_id: str) -> None:
    session.execute(
        update(Product)
        .where(Product.store_id == store.id, Product.platform_id == platform_id)
        .values(status="deleted", deleted_at=utcnow())
    )


def _record_view(session: Session, store: Store, event: ProductViewed) -> Customer | None:
    data = event.view
    customer = None
    if data.customer_platform_id:
        customer = session.execute(
            select(Customer).where(
                Customer.store_id == store.id, Customer.platform_id == data.customer_platform_id
            )
        ).scalar_one_or_none()
    if customer is None and data.email:
        customer = mirror.customer_for_email(session, store, data.email)
    session.add(
        ProductView(
            store_id=store.id,
            visitor_id=data.visitor_id,
            customer_id=customer.id if customer else None,
            product_platform_id=data.product_platform_id,
            viewed_at=data.viewed_at,
        )
    )
    if customer is not None:
        link_visitor(session, store, data.visitor_id, customer)
    return customer


def link_visitor(session: Session, store: Store, visitor_id: str, customer: Customer) -> None:
    """Attribute a visitor's earlier anonymous views to the customer who identified themselves."""
    session.execute(
        update(ProductView)
        .where(
            ProductView.store_id == store.id,
            ProductView.visitor_id == visitor_id,
            ProductView.customer_id.is_(None),
        )
        .values(customer_id=customer.id)
    )


def event_names(events: Iterable[StoreEvent]) -> list[str]:
    """Event type names, for logs."""
    return [type(event).__name__ for event in events]
