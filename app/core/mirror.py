"""Upserts of platform data into the mirror tables, ignoring updates older than what we hold.

Webhooks arrive duplicated and out of order (Shopify: "webhooks can be delivered out of order";
WooCommerce coalesces updates), so every upsert compares the platform's `updated_at` with the
stored one and keeps the newer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.values import (
    CartData,
    CustomerConsentChanged,
    CustomerData,
    LineData,
    OrderData,
    ProductData,
)
from app.db.models import Cart, Customer, Order, OrderLine, Product, Store, Variant


def is_stale(stored: datetime | None, incoming: datetime | None) -> bool:
    """True when the stored row is strictly newer than the incoming payload."""
    return stored is not None and incoming is not None and incoming < stored


def normalize_email(email: str | None) -> str | None:
    """Lower-cased, trimmed email, or None for an empty value."""
    if not email:
        return None
    email = email.strip().lower()
    return email or None


def upsert_customer(session: Session, store: Store, data: CustomerData) -> Customer:
    """Create or update a customer; a guest row with the same email is adopted, not duplicated."""
    customer = _customer(session, store, data.platform_id)
    email = normalize_email(data.email)
    if customer is None and email:
        customer = find_guest(session, store, email)
    if customer is None:
        customer = Customer(store_id=store.id, platform_id=data.platform_id)
        session.add(customer)
    elif is_stale(customer.platform_updated_at, data.updated_at):
        return customer
    customer.platform_id = data.platform_id
    customer.email = email
    customer.first_name = data.first_name
    customer.last_name = data.last_name
    if data.consent is not None and customer.consent != data.consent:
        customer.consent = data.consent
        customer.consent_updated_at = data.consent_updated_at or data.updated_at
    if data.birthday is not None:
        customer.birth_month = data.birthday.month
        customer.birth_day = data.birthday.day
        customer.birth_year = data.birthday.year
    customer.timezone = data.timezone or customer.timezone
    customer.locale = data.locale or customer.locale
    if data.tags is not None:
        customer.tags = list(data.tags)
    if data.orders_count is not None:
        customer.orders_count = data.orders_count
    if data.total_spent is not None:
        customer.total_spent = data.total_spent
    customer.platform_updated_at = data.updated_at or customer.platform_updated_at
    session.flush()
    return customer


def change_consent(session: Session, store: Store, event: CustomerConsentChanged) -> Customer:
    """Apply a consent change reported on its own; an older report than the one held is
    ignored. A customer not mirrored yet is created with it (their customers/create, which
    carries no consent, fills in the rest)."""
    customer = _customer(session, store, event.platform_id)
    if customer is None:
        data = CustomerData(
            platform_id=event.platform_id,
            email=event.email,
            consent=event.consent,
            consent_updated_at=event.consent_updated_at,
            tags=None,
        )
        return upsert_customer(session, store, data)
    if is_stale(customer.consent_updated_at, event.consent_updated_at):
        return customer
    if customer.redacted_at is None and customer.consent != event.consent:
        customer.consent = event.consent
        customer.consent_updated_at = event.consent_updated_at or customer.consent_updated_at
        session.flush()
    return customer


def _customer(session: Session, store: Store, platform_id: str) -> Customer | None:
    return session.execute(
        select(Customer).where(Customer.store_id == store.id, Customer.platform_id == platform_id)
    ).scalar_one_or_none()


def find_guest(session: Session, store: Store, email: str) -> Customer | None:
    """The guest row (no platform id) for an email, if one exists."""
    return session.execute(
        select(Customer)
        .where(
            Customer.store_id == store.id,
            Customer.email == email,
            Customer.platform_id.is_(None),
        )
        .limit(1)
    ).scalar_one_or_none()


def customer_for_email(
    session: Session, store: Store, email: str | None, *, accepts_marketing: bool | None = None
) -> Customer | None:
    """The customer known by this email, creating a guest row when none exists."""
    email = normalize_email(email)
    if email is None:
        return None
    customer = session.execute(
        select(Customer)
        .where(Customer.store_id == store.id, Customer.email == email)
        .order_by(Customer.platform_id.is_(None))
        .limit(1)
    ).scalar_one_or_none()
    if customer is None:
        customer = Customer(store_id=store.id, email=email, platform_id=None)
        session.add(customer)
    if accepts_marketing and customer.consent == "not_subscribed":
        # The checkout's marketing box is explicit consent (Shopify buyer_accepts_marketing).
        customer.consent = "subscribed"
    session.flush()
    return customer


def upsert_product(session: Session, store: Store, data: ProductData) -> Product:
    """Create or update a product and replace its variants with the reported set."""
    product = session.execute(
        select(Product).where(Product.store_id == store.id, Product.platform_id == data.platform_id)
    ).scalar_one_or_none()
    if product is None:
        product = Product(store_id=store.id, platform_id=data.platform_id, title=data.title)
        session.add(product)
    elif is_stale(product.platform_updated_at, data.updated_at):
        return product
    product.title = data.title
    product.handle = data.handle
    product.url = data.url
    product.image_url = data.image_url
    product.status = data.status
    product.product_type = data.product_type
    product.vendor = data.vendor
    if data.collections is not None:
        product.collections = list(data.collections)
    product.tags = list(data.tags)
    product.platform_updated_at = data.updated_at or product.platform_updated_at
    product.deleted_at = None
    _replace_variants(session, store, product, data)
    session.flush()
    return product


def _replace_variants(session: Session, store: Store, product: Product, data: ProductData) -> None:
    by_platform_id = {variant.platform_id: variant for variant in product.variants}
    keep: list[Variant] = []
    for item in data.variants:
        variant = by_platform_id.get(item.platform_id)
        if variant is None:
            variant = Variant(store_id=store.id, platform_id=item.platform_id, price=item.price)
        variant.title = item.title
        variant.sku = item.sku
        variant.price = item.price
        variant.compare_at_price = item.compare_at_price
        variant.inventory_quantity = item.inventory_quantity
        variant.available = item.available
        variant.image_url = item.image_url
        variant.position = item.position
        keep.append(variant)
    product.variants = keep


def upsert_order(session: Session, store: Store, data: OrderData) -> tuple[Order, Customer | None]:
    """Create or update an order with its lines; links the customer (guest rows included).

    Returns the order and the customer it was linked to now (None when the update was stale
    or named nobody): the caller uses that object rather than loading it again (the session
    only holds it weakly once this returns)."""
    order = session.execute(
        select(Order).where(Order.store_id == store.id, Order.platform_id == data.platform_id)
    ).scalar_one_or_none()
    if order is not None and is_stale(order.platform_updated_at, data.updated_at):
        return order, None
    customer = (
        upsert_customer(session, store, data.customer)
        if data.customer is not None
        else customer_for_email(session, store, data.email)
    )
    if order is None:
        order = Order(store_id=store.id, platform_id=data.platform_id, placed_at=data.placed_at)
        session.add(order)
    order.customer_id = customer.id if customer is not None else None
    order.email = normalize_email(data.email) or (customer.email if customer else None)
    order.name = data.name
    order.currency = data.currency
    order.subtotal_price = data.subtotal_price
    order.total_price = data.total_price
    order.discount_codes = [code.lower() for code in data.discount_codes]
    order.financial_status = data.financial_status
    order.cart_token = data.cart_token
    order.checkout_token = data.checkout_token
    order.placed_at = data.placed_at
    order.paid_at = data.paid_at
    order.cancelled_at = data.cancelled_at
    order.platform_updated_at = data.updated_at or order.platform_updated_at
    order.lines = [_order_line(store, line) for line in data.lines]
    session.flush()
    return order, customer


def _order_line(store: Store, line: LineData) -> OrderLine:
    return OrderLine(
        store_id=store.id,
        product_platform_id=line.product_platform_id,
        variant_platform_id=line.variant_platform_id,
        title=line.title,
        variant_title=line.variant_title,
        quantity=line.quantity,
        price=line.price,
    )


def upsert_cart(session: Session, store: Store, data: CartData) -> tuple[Cart, Customer | None]:
    """Create or update a cart or checkout as last reported; returns it and the customer it was
    linked to now, as `upsert_order` does."""
    cart = session.execute(
        select(Cart).where(
            Cart.store_id == store.id,
            Cart.kind == data.kind,
            Cart.platform_token == data.platform_token,
        )
    ).scalar_one_or_none()
    if cart is not None and is_stale(cart.platform_updated_at, data.updated_at):
        return cart, None
    if data.customer is not None:
        customer: Customer | None = upsert_customer(session, store, data.customer)
    else:
        customer = customer_for_email(
            session, store, data.email, accepts_marketing=data.accepts_marketing
        )
    if cart is None:
        cart = Cart(
            store_id=store.id,
            kind=data.kind,
            platform_token=data.platform_token,
            platform_updated_at=data.updated_at,
        )
        session.add(cart)
    cart.cart_token = data.cart_token
    cart.customer_id = customer.id if customer is not None else cart.customer_id
    cart.email = normalize_email(data.email) or (customer.email if customer else cart.email)
    cart.lines = [line_to_dict(line) for line in data.lines]
    cart.subtotal_price = data.subtotal_price
    cart.currency = data.currency
    cart.recovery_url = data.recovery_url or cart.recovery_url
    cart.platform_updated_at = data.updated_at
    cart.completed_at = data.completed_at
    session.flush()
    return cart, customer


def line_to_dict(line: LineData) -> dict[str, object]:
    """A cart line as stored in `Cart.lines` (JSON: money as a string)."""
    return {
        "product_id": line.product_platform_id,
        "variant_id": line.variant_platform_id,
        "title": line.title,
        "variant_title": line.variant_title,
        "quantity": line.quantity,
        "price": str(line.price),
        "image_url": line.image_url,
        "url": line.url,
    }
