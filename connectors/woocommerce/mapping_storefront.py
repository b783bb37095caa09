"""Storefront events (the `woo.js` snippet) → neutral values; the Store API cart's fields are
read here and nowhere else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from app.core.values import (
    CartData,
    CartUpserted,
    LineData,
    ProductViewData,
    ProductViewed,
    StoreEvent,
)
from connectors.woocommerce.mapping_fields import (
    MappingError,
    Payload,
    clean,
    minor_units,
    optional_id,
    optional_int,
    resource_id,
    text,
    utc,
)


def storefront_events(topic: str, envelope: Payload) -> list[StoreEvent]:
    """An event the storefront snippet reported, as stored by the tracking endpoint.

    The envelope is Nudge's own: `visitor`, `received_at` (server time, never the browser's),
    `store_url`, optional `email`, and `product_id` (views) or `cart` (the Store API's
    `/wc/store/v1/cart` response, passed through) and `order_id` (the draft or order the
    shopper's checkout became, when the page shows it).
    """
    visitor = str(envelope.get("visitor") or "")
    received = utc(envelope.get("received_at"))
    if not visitor or received is None:
        raise MappingError("storefront event without visitor or time")
    email = clean(envelope.get("email"))
    if topic == "storefront.product_viewed":
        view = ProductViewData(
            visitor_id=visitor,
            product_platform_id=str(envelope.get("product_id") or ""),
            viewed_at=received,
            email=email,
        )
        if not view.product_platform_id:
            raise MappingError("product view without product")
        return [ProductViewed(view)]
    cart = envelope.get("cart") or {}
    return [CartUpserted(store_api_cart(cart, envelope, visitor=visitor, received=received))]


def store_api_cart(
    cart: Payload, envelope: Payload, *, visitor: str, received: datetime
) -> CartData:
    """A Store API cart → the visitor's cart. Prices there are integers in minor units."""
    totals = cart.get("totals") or {}
    minor_unit = optional_int(totals.get("currency_minor_unit"))
    lines = tuple(_store_api_line(item, minor_unit) for item in cart.get("items") or ())
    subtotal = minor_units(totals.get("total_items"), minor_unit)
    if subtotal is None:
        subtotal = sum((line.price * line.quantity for line in lines), Decimal("0"))
    email = clean(envelope.get("email")) or clean((cart.get("billing_address") or {}).get("email"))
    order_id = optional_id(envelope.get("order_id"))
    return CartData(
        platform_token=f"visitor:{visitor}",
        updated_at=received,
        kind="cart",
        email=email,
        lines=lines,
        subtotal_price=subtotal,
        currency=str(totals.get("currency_code") or "USD"),
        recovery_url=checkout_link(clean(envelope.get("store_url")), link_items(lines)),
        # The checkout draft / order this cart became: the order's checkout_token closes it.
        cart_token=order_id,
    )


def _store_api_line(item: Payload, minor_unit: int | None) -> LineData:
    prices = item.get("prices") or {}
    unit = minor_units(
        prices.get("price"), optional_int(prices.get("currency_minor_unit")) or minor_unit
    )
    item_id = resource_id(item)
    variation = [entry for entry in item.get("variation") or () if isinstance(entry, Mapping)]
    parent = optional_id(item.get("parent") or item.get("parent_id"))
    images = item.get("images") or []
    return LineData(
        # A variation's cart item carries the variation id; its product id may be absent.
        product_platform_id=parent if variation else item_id,
        variant_platform_id=item_id,
        title=text(item.get("name")),
        quantity=optional_int(item.get("quantity")) or 0,
        price=unit if unit is not None else Decimal("0"),
        variant_title=" / ".join(text(entry.get("value")) for entry in variation) or None,
        image_url=clean(images[0].get("src")) if images else None,
        url=clean(item.get("permalink")),
    )


def checkout_link(
    store_url: str | None, items: Iterable[tuple[str, int]], coupon: str | None = None
) -> str | None:
    """A shareable checkout URL that rebuilds the cart: `/checkout-link/?products=ID:QTY,...`
    (WooCommerce 9.9+, research §4.1); `coupon` is appended by whoever issues one."""
    products = ",".join(f"{item_id}:{quantity}" for item_id, quantity in items if quantity > 0)
    if not store_url or not products:
        return None
    link = f"{store_url.rstrip('/')}/checkout-link/?products={products}"
    return f"{link}&coupon={coupon}" if coupon else link


def link_items(lines: Iterable[LineData]) -> list[tuple[str, int]]:
    return [
        (line.variant_platform_id or line.product_platform_id or "", line.quantity)
        for line in lines
        if line.variant_platform_id or line.product_platform_id
    ]
