"""WooCommerce payloads → `app.core.values`. `mapping*.py` are the only places Woo's field names
are read: this module (REST resources and `map_event`), `mapping_fields` (names and formats) and
`mapping_storefront` (the snippet's Store API cart).

Webhook bodies for coupon, customer, order and product topics are "exactly the same as if
requested via the REST API" (docs `_webhooks.md`), so one set of functions maps both webhook
deliveries and REST listings. `*.deleted` bodies are only `{"id": N}`. `customer_id` 0 is a guest;
`checkout-draft` orders are open checkouts, never orders (research §2.6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.core.values import (
    Birthday,
    CartData,
    CartUpserted,
    ConsentState,
    CustomerData,
    CustomerDeleted,
    CustomerUpserted,
    LineData,
    OrderData,
    OrderUpserted,
    ProductData,
    ProductDeleted,
    ProductUpserted,
    StoreEvent,
    VariantData,
)
from connectors.woocommerce.mapping_fields import (
    BIRTHDAY_FORMAT,
    BIRTHDAY_META_KEYS,
    CONSENT_META_KEY,
    CONSENT_STATES,
    COUPON_META_KEY,
    DRAFT_STATUS,
    ORDER_FINANCIAL,
    PRODUCT_STATUS,
    STOREFRONT_TOPICS,
    WEBHOOK_TOPICS,
    MappingError,
    Payload,
    clean,
    load_payload,
    meta_values,
    modified_at,
    money,
    optional_id,
    optional_int,
    optional_money,
    resource_id,
    text,
    utc,
)
from connectors.woocommerce.mapping_storefront import (
    checkout_link,
    link_items,
    storefront_events,
)

__all__ = [
    "COUPON_META_KEY",
    "CONSENT_META_KEY",
    "DRAFT_STATUS",
    "STOREFRONT_TOPICS",
    "WEBHOOK_TOPICS",
    "MappingError",
    "checkout_link",
    "customer_from",
    "draft_cart_from",
    "load_payload",
    "map_event",
    "meta_values",
    "modified_at",
    "order_from",
    "parse_birthday",
    "product_from",
    "resource_id",
]


def map_event(topic: str, body: str) -> list[StoreEvent]:
    """One stored WooCommerce event (webhook or storefront) → neutral store events."""
    payload = load_payload(body)
    if topic in STOREFRONT_TOPICS:
        return storefront_events(topic, payload)
    if topic not in WEBHOOK_TOPICS:
        raise MappingError(f"unmapped WooCommerce topic {topic!r}")
    resource, _, event = topic.partition(".")
    if event == "deleted":
        return _deleted(resource, payload)
    if resource == "customer":
        return [CustomerUpserted(customer_from(payload))]
    if resource == "product":
        return [ProductUpserted(product_from(payload))]
    if resource == "order":
        return [order_event(payload)]
    # Coupons: redemptions are read from orders' coupon_lines; a coupon change alone moves no
    # mirror row, so it is acknowledged and dropped.
    return []


def _deleted(resource: str, payload: Payload) -> list[StoreEvent]:
    if resource == "product":
        return [ProductDeleted(resource_id(payload))]
    if resource == "customer":
        return [CustomerDeleted(resource_id(payload))]
    # A deleted (trashed) order or coupon: the mirror keeps its history.
    return []


# --- Customers ----------------------------------------------------------------------------------


def customer_from(payload: Payload) -> CustomerData:
    """A REST customer → CustomerData (names fall back to the billing address)."""
    meta = meta_values(payload.get("meta_data"))
    billing = payload.get("billing") or {}
    return CustomerData(
        platform_id=resource_id(payload),
        email=clean(payload.get("email")) or clean(billing.get("email")),
        first_name=clean(payload.get("first_name")) or clean(billing.get("first_name")),
        last_name=clean(payload.get("last_name")) or clean(billing.get("last_name")),
        consent=consent_from(meta),
        birthday=birthday_from(meta),
        orders_count=optional_int(payload.get("orders_count")),
        total_spent=optional_money(payload.get("total_spent")),
        updated_at=modified_at(payload),
    )


def consent_from(meta: Mapping[str, Any]) -> ConsentState | None:
    """Marketing consent as Nudge last wrote it; None when the store does not say.

    WooCommerce core has no consent field, so an absent key is "not reported", never
    "not subscribed": the consent a shopper gave at checkout (or through another plugin) must
    not be overwritten by a profile update that knows nothing about it.
    """
    value = str(meta.get(CONSENT_META_KEY, "")).strip().lower()
    for state in CONSENT_STATES:
        if value == state:
            return state
    return None


def birthday_from(meta: Mapping[str, Any]) -> Birthday | None:
    """The first parseable birthday among the known meta keys."""
    for key in BIRTHDAY_META_KEYS:
        birthday = parse_birthday(meta.get(key))
        if birthday is not None:
            return birthday
    return None


def parse_birthday(value: Any) -> Birthday | None:
    """`YYYY-MM-DD` or `MM-DD` → Birthday; anything else (or an impossible date) → None."""
    if not isinstance(value, str):
        return None
    match = BIRTHDAY_FORMAT.match(value.strip())
    if match is None:
        return None
    year_text, month, day = match.groups()
    year = int(year_text) if year_text else None
    if year is not None and not 1900 <= year <= datetime.now(UTC).year:
        year = None
    try:
        return Birthday(month=int(month), day=int(day), year=year)
    except ValueError:
        return None


# --- Products -----------------------------------------------------------------------------------


def product_from(payload: Payload, variations: Sequence[Payload] | None = None) -> ProductData:
    """A REST product → ProductData. A simple product is its own single variant; a variable
    product's variants come from `variations` (its `/variations` listing) when given, else from
    the id list in the payload, priced at the product's (lowest) price."""
    images = payload.get("images") or []
    image_url = clean(images[0].get("src")) if images else None
    return ProductData(
        platform_id=resource_id(payload),
        title=text(payload.get("name")),
        handle=clean(payload.get("slug")),
        url=clean(payload.get("permalink")),
        image_url=image_url,
        status=PRODUCT_STATUS.get(str(payload.get("status")), "archived"),
        product_type=clean(payload.get("type")),
        collections=tuple(str(item["id"]) for item in payload.get("categories") or ()),
        tags=tuple(text(item.get("name")) for item in payload.get("tags") or ()),
        variants=_variants(payload, variations, image_url),
        updated_at=modified_at(payload),
    )


def _variants(
    payload: Payload, variations: Sequence[Payload] | None, image_url: str | None
) -> tuple[VariantData, ...]:
    if payload.get("type") != "variable":
        return (_variant(payload, position=0, image_url=image_url),)
    if variations is not None:
        return tuple(
            _variant(item, position=index, image_url=image_url)
            for index, item in enumerate(variations)
        )
    price = money(payload.get("price"))
    return tuple(
        VariantData(platform_id=str(variation_id), price=price, position=index)
        for index, variation_id in enumerate(payload.get("variations") or ())
    )


def _variant(item: Payload, *, position: int, image_url: str | None) -> VariantData:
    regular = optional_money(item.get("regular_price"))
    price = money(item.get("price") or item.get("regular_price"))
    image = item.get("image")
    own_image = clean(image.get("src")) if isinstance(image, Mapping) else None
    stock = item.get("stock_quantity") if item.get("manage_stock") else None
    return VariantData(
        platform_id=resource_id(item),
        price=price,
        title=_attributes_title(item.get("attributes")),
        sku=clean(item.get("sku")),
        compare_at_price=regular if regular is not None and regular > price else None,
        inventory_quantity=optional_int(stock),
        available=item.get("stock_status", "instock") in ("instock", "onbackorder")
        and item.get("purchasable", True) is not False,
        image_url=own_image or image_url,
        position=position,
    )


def _attributes_title(attributes: Any) -> str:
    values = [text(item.get("option")) for item in attributes or () if isinstance(item, Mapping)]
    return " / ".join(value for value in values if value)


# --- Orders and checkout drafts -----------------------------------------------------------------


def order_event(payload: Payload) -> StoreEvent:
    """An order payload → OrderUpserted, or CartUpserted(kind checkout) for a checkout draft."""
    if payload.get("status") == DRAFT_STATUS:
        return CartUpserted(draft_cart_from(payload))
    return OrderUpserted(order_from(payload))


def order_from(payload: Payload) -> OrderData:
    """A placed order → OrderData. The customer is linked by email, not from the order's copy,
    which lacks consent and birthday and would overwrite the mirrored customer."""
    order_id = resource_id(payload)
    lines = order_lines(payload.get("line_items"))
    created = utc(payload.get("date_created_gmt")) or modified_at(payload)
    if created is None:
        raise MappingError(f"order {order_id} has no creation date")
    status = str(payload.get("status", "pending"))
    cancelled = status in ("cancelled", "trash")
    return OrderData(
        platform_id=order_id,
        placed_at=created,
        email=clean((payload.get("billing") or {}).get("email")),
        name=f"#{payload.get('number') or order_id}",
        currency=str(payload.get("currency") or "USD"),
        subtotal_price=sum(
            (line_subtotal(item) for item in payload.get("line_items") or ()), Decimal("0")
        ),
        total_price=money(payload.get("total")),
        discount_codes=tuple(
            str(item["code"]) for item in payload.get("coupon_lines") or () if item.get("code")
        ),
        financial_status=_financial_status(status, payload),
        lines=lines,
        # The draft that became this order has the same id: closing it ends its recovery.
        checkout_token=order_id,
        paid_at=utc(payload.get("date_paid_gmt")),
        cancelled_at=modified_at(payload) if cancelled else None,
        updated_at=modified_at(payload),
    )


def draft_cart_from(payload: Payload) -> CartData:
    """A `checkout-draft` order (block checkout, created via the Store API) → an open checkout."""
    order_id = resource_id(payload)
    lines = order_lines(payload.get("line_items"))
    updated = modified_at(payload)
    if updated is None:
        raise MappingError(f"checkout draft {order_id} has no date")
    return CartData(
        platform_token=order_id,
        updated_at=updated,
        kind="checkout",
        email=clean((payload.get("billing") or {}).get("email")),
        lines=lines,
        subtotal_price=sum((line.price * line.quantity for line in lines), Decimal("0")),
        currency=str(payload.get("currency") or "USD"),
        recovery_url=checkout_link(_store_url_from_links(payload), link_items(lines)),
    )


def order_lines(items: Any) -> tuple[LineData, ...]:
    """`line_items` → LineData; a simple product's variant id is the product id."""
    lines = []
    for item in items or ():
        quantity = optional_int(item.get("quantity")) or 0
        product_id = optional_id(item.get("product_id"))
        variant_id = optional_id(item.get("variation_id")) or product_id
        unit = item.get("price")
        price = money(unit) if unit not in (None, "") else _per_unit(item, quantity)
        lines.append(
            LineData(
                product_platform_id=product_id,
                variant_platform_id=variant_id,
                title=text(item.get("name")),
                quantity=quantity,
                price=price,
                variant_title=_line_variant_title(item.get("meta_data")) or None,
            )
        )
    return tuple(lines)


def line_subtotal(item: Payload) -> Decimal:
    """A line's subtotal before discounts."""
    return money(item.get("subtotal"))


def _per_unit(item: Payload, quantity: int) -> Decimal:
    subtotal = line_subtotal(item)
    return (subtotal / quantity).quantize(Decimal("0.01")) if quantity else subtotal


def _line_variant_title(meta_data: Any) -> str:
    values = [
        text(value)
        for key, value in meta_values(meta_data).items()
        if not key.startswith("_") and isinstance(value, str)
    ]
    return " / ".join(value for value in values if value)


def _financial_status(status: str, payload: Payload) -> str:
    if status not in ("refunded", "cancelled", "failed", "trash") and payload.get("refunds"):
        return "partially_refunded"
    if status in ORDER_FINANCIAL:
        return ORDER_FINANCIAL[status]
    return "paid" if payload.get("date_paid_gmt") else "pending"


def _store_url_from_links(payload: Payload) -> str | None:
    for link in (payload.get("_links") or {}).get("self") or ():
        href = str(link.get("href", ""))
        if "/wp-json/" in href:
            return href.split("/wp-json/", 1)[0]
    return None
