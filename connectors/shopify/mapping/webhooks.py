"""Webhook payloads (REST-shaped JSON, API 2026-07) → neutral store events.

Field meanings: the Shopify webhooks reference, https://shopify.dev/docs/api/webhooks/2026-07
(sample payloads in ../shared/fixtures/shopify/webhooks/). A field the payload does not carry is
reported as None (unknown) rather than as an empty value, so an update never wipes what the
backfill learned: the 2026-07 customer payloads carry no tags and no marketing consent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from app.core.values import (
    AppUninstalled,
    Birthday,
    CartData,
    CartUpserted,
    ConsentState,
    CustomerConsentChanged,
    CustomerData,
    CustomerDeleted,
    CustomerUpserted,
    LineData,
    OrderData,
    OrderUpserted,
    ProductData,
    ProductDeleted,
    ProductUpserted,
    ShopRedactRequested,
    StoreEvent,
    VariantData,
)
from connectors.shopify.mapping.compliance import data_request, redact_request
from connectors.shopify.mapping.fields import (
    Json,
    PayloadError,
    integer,
    money,
    optional_money,
    platform_id,
    required_id,
    required_timestamp,
    tag_list,
    text,
    timestamp,
)

_CONSENT_STATES: dict[str, ConsentState] = {
    "subscribed": "subscribed",
    "not_subscribed": "not_subscribed",
    "pending": "pending",
    "unsubscribed": "unsubscribed",
    "redacted": "redacted",
    "invalid": "invalid",
}
#: Order financial states that mean the money was taken (REST `financial_status`).
PAID_STATES = frozenset(("paid", "partially_paid", "partially_refunded", "refunded"))


def consent_state(value: object) -> ConsentState | None:
    """A neutral consent state from Shopify's (REST lowercase or GraphQL uppercase) state."""
    if not isinstance(value, str):
        return None
    return _CONSENT_STATES.get(value.lower())


def birthday_from(value: object) -> Birthday | None:
    """The `facts.birth_date` metafield value (`YYYY-MM-DD`); a malformed value is ignored."""
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return Birthday(month=day.month, day=day.day, year=day.year)


def _metafield_birthday(data: Json) -> Birthday | None:
    # Present when the subscription asks for metafieldNamespaces ["facts"].
    for field in data.get("metafields") or ():
        if (
            isinstance(field, Mapping)
            and field.get("namespace") == "facts"
            and field.get("key") == "birth_date"
        ):
            return birthday_from(field.get("value"))
    return None


def _rest_consent(data: Json, accepts_marketing: bool | None) -> tuple[ConsentState | None, Any]:
    info = data.get("email_marketing_consent")
    if isinstance(info, Mapping) and consent_state(info.get("state")):
        return consent_state(info.get("state")), timestamp(info.get("consent_updated_at"))
    if isinstance(data.get("accepts_marketing"), bool):
        # Pre-2022 payloads: a plain flag.
        return ("subscribed" if data["accepts_marketing"] else "not_subscribed"), None
    if accepts_marketing:
        # The checkout's marketing box, ticked: explicit consent. Unticked revokes nothing.
        return "subscribed", None
    return None, None


def customer_data(
    data: Json, *, accepts_marketing: bool | None = None, locale: str | None = None
) -> CustomerData:
    """A REST customer object (top-level or nested in an order or checkout)."""
    consent, consent_at = _rest_consent(data, accepts_marketing)
    return CustomerData(
        platform_id=required_id(data, "id"),
        email=text(data.get("email")),
        first_name=text(data.get("first_name")),
        last_name=text(data.get("last_name")),
        consent=consent,
        consent_updated_at=consent_at,
        birthday=_metafield_birthday(data),
        locale=text(data.get("locale")) or locale,
        tags=tag_list(data["tags"]) if "tags" in data else None,
        orders_count=integer(data.get("orders_count")),
        total_spent=optional_money(data.get("total_spent")),
        updated_at=timestamp(data.get("updated_at")),
    )


def _nested_customer(data: Json, *, accepts_marketing: bool | None) -> CustomerData | None:
    nested = data.get("customer")
    if not isinstance(nested, Mapping) or platform_id(nested.get("id")) is None:
        return None  # a guest: the mirror finds them by email
    return customer_data(
        nested, accepts_marketing=accepts_marketing, locale=text(data.get("customer_locale"))
    )


def _line(item: Json) -> LineData:
    return LineData(
        product_platform_id=platform_id(item.get("product_id")),
        variant_platform_id=platform_id(item.get("variant_id")),
        title=text(item.get("title")) or text(item.get("name")) or "",
        quantity=integer(item.get("quantity")) or 0,
        price=money(item.get("price")),
        variant_title=text(item.get("variant_title")),
    )


def _lines(data: Json) -> tuple[LineData, ...]:
    return tuple(_line(item) for item in data.get("line_items") or () if isinstance(item, Mapping))


def order_data(data: Json) -> OrderData:
    """An order payload (orders/create, paid, updated, cancelled)."""
    placed_at = required_timestamp(data, "processed_at", "created_at")
    status = (text(data.get("financial_status")) or "pending").lower()
    accepts = data.get("buyer_accepts_marketing")
    return OrderData(
        platform_id=required_id(data, "id"),
        placed_at=placed_at,
        email=text(data.get("email")) or text(data.get("contact_email")),
        customer=_nested_customer(data, accepts_marketing=accepts is True),
        name=text(data.get("name")),
        currency=text(data.get("currency")) or "USD",
        subtotal_price=money(data.get("subtotal_price")),
        total_price=money(data.get("total_price")),
        discount_codes=tuple(
            str(item["code"])
            for item in data.get("discount_codes") or ()
            if isinstance(item, Mapping) and item.get("code")
        ),
        financial_status=status,
        lines=_lines(data),
        cart_token=text(data.get("cart_token")),
        checkout_token=text(data.get("checkout_token")),
        paid_at=placed_at if status in PAID_STATES else None,
        cancelled_at=timestamp(data.get("cancelled_at")),
        updated_at=timestamp(data.get("updated_at")),
    )


def checkout_data(data: Json) -> CartData:
    """A checkout payload (checkouts/create, update); identified by `token`, not `id`."""
    token = text(data.get("token"))
    if token is None:
        raise PayloadError("checkout payload has no 'token'")
    accepts = data.get("buyer_accepts_marketing")
    return CartData(
        platform_token=token,
        updated_at=required_timestamp(data, "updated_at", "created_at"),
        kind="checkout",
        email=text(data.get("email")),
        customer=_nested_customer(data, accepts_marketing=accepts is True),
        lines=_lines(data),
        subtotal_price=money(data.get("subtotal_price")),
        currency=text(data.get("presentment_currency")) or text(data.get("currency")) or "USD",
        recovery_url=text(data.get("abandoned_checkout_url")),
        cart_token=text(data.get("cart_token")),
        completed_at=timestamp(data.get("completed_at")),
        accepts_marketing=accepts if isinstance(accepts, bool) else None,
    )


def cart_data(data: Json) -> CartData:
    """An online-store cart payload (carts/create, update): lines only, no customer or email."""
    token = text(data.get("token")) or text(data.get("id"))
    if token is None:
        raise PayloadError("cart payload has no 'token'")
    lines = _lines(data)
    items = [item for item in data.get("line_items") or () if isinstance(item, Mapping)]
    currency = next(
        (
            str(item["price_set"]["shop_money"]["currency_code"])
            for item in items
            if isinstance(item.get("price_set"), Mapping)
            and isinstance(item["price_set"].get("shop_money"), Mapping)
            and item["price_set"]["shop_money"].get("currency_code")
        ),
        "USD",
    )
    return CartData(
        platform_token=token,
        updated_at=required_timestamp(data, "updated_at", "created_at"),
        kind="cart",
        lines=lines,
        subtotal_price=sum((money(item.get("line_price")) for item in items), start=money(0)),
        currency=currency,
    )


def _variant(item: Json, images: Mapping[str, str], position: int) -> VariantData:
    quantity = integer(item.get("inventory_quantity"))
    return VariantData(
        platform_id=required_id(item, "id"),
        price=money(item.get("price")),
        title=text(item.get("title")) or "",
        sku=text(item.get("sku")),
        compare_at_price=optional_money(item.get("compare_at_price")),
        inventory_quantity=quantity,
        # Sellable when stock is untracked, left, or overselling is allowed.
        available=quantity is None or quantity > 0 or item.get("inventory_policy") == "continue",
        image_url=images.get(platform_id(item.get("image_id")) or ""),
        position=integer(item.get("position")) or position,
    )


def product_data(data: Json) -> ProductData:
    """A product payload (products/create, update) with its variants."""
    images: dict[str, str] = {}
    for image in data.get("images") or ():
        if isinstance(image, Mapping) and image.get("src"):
            images[platform_id(image.get("id")) or ""] = str(image["src"])
    main = data.get("image")
    image_url = text(main.get("src")) if isinstance(main, Mapping) else None
    variants = [item for item in data.get("variants") or () if isinstance(item, Mapping)]
    return ProductData(
        platform_id=required_id(data, "id"),
        title=text(data.get("title")) or "",
        handle=text(data.get("handle")),
        image_url=image_url or next(iter(images.values()), None),
        status=(text(data.get("status")) or "active").lower(),
        product_type=text(data.get("product_type")),
        vendor=text(data.get("vendor")),
        collections=None,  # not in webhook payloads; the backfill knows them
        tags=tag_list(data.get("tags")),
        variants=tuple(
            _variant(item, images, index) for index, item in enumerate(variants, start=1)
        ),
        updated_at=timestamp(data.get("updated_at")),
    )


def consent_change(data: Json) -> list[StoreEvent]:
    """customers_email_marketing_consent/update: `{customer_id, email_address,
    email_marketing_consent: {state, opt_in_level, consent_updated_at}}`; an unknown state
    changes nothing."""
    info = data.get("email_marketing_consent")
    if not isinstance(info, Mapping):
        return []
    state = consent_state(info.get("state"))
    if state is None:
        return []
    return [
        CustomerConsentChanged(
            platform_id=required_id(data, "customer_id"),
            email=text(data.get("email_address")),
            consent=state,
            consent_updated_at=timestamp(info.get("consent_updated_at")),
        )
    ]


WebhookMapper = Callable[[Json], Sequence[StoreEvent]]

WEBHOOK_MAPPERS: dict[str, WebhookMapper] = {
    "orders/create": lambda data: [OrderUpserted(order_data(data))],
    "orders/paid": lambda data: [OrderUpserted(order_data(data))],
    "orders/updated": lambda data: [OrderUpserted(order_data(data))],
    "orders/cancelled": lambda data: [OrderUpserted(order_data(data))],
    "checkouts/create": lambda data: [CartUpserted(checkout_data(data))],
    "checkouts/update": lambda data: [CartUpserted(checkout_data(data))],
    "carts/create": lambda data: [CartUpserted(cart_data(data))],
    "carts/update": lambda data: [CartUpserted(cart_data(data))],
    "customers/create": lambda data: [CustomerUpserted(customer_data(data))],
    "customers/update": lambda data: [CustomerUpserted(customer_data(data))],
    "customers/delete": lambda data: [CustomerDeleted(required_id(data, "id"))],
    "customers_email_marketing_consent/update": lambda data: consent_change(data),
    "products/create": lambda data: [ProductUpserted(product_data(data))],
    "products/update": lambda data: [ProductUpserted(product_data(data))],
    "products/delete": lambda data: [ProductDeleted(required_id(data, "id"))],
    "app/uninstalled": lambda _data: [AppUninstalled()],
    "customers/data_request": lambda data: [data_request(data)],
    "customers/redact": lambda data: [redact_request(data)],
    "shop/redact": lambda _data: [ShopRedactRequested()],
}
