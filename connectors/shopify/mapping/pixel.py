"""Storefront events from Nudge's Web Pixel extension (extensions/nudge-pixel) → store events.

The pixel posts a batch to `POST /t/events`: the shop, the store's public key, the shopper's
`clientId` and standard Web Pixel events as Shopify shapes them
(https://shopify.dev/docs/api/web-pixels-api/standard-events/product_viewed, `cart_viewed`).
`parse_batch` validates a batch and keeps only the fields Nudge uses; each kept event is stored in
the inbox under the topic `pixel/<event name>` and mapped here by `map_pixel_event`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.values import (
    CartData,
    CartUpserted,
    LineData,
    ProductViewData,
    ProductViewed,
    StoreEvent,
)
from connectors.shopify.mapping.fields import (
    Json,
    PayloadError,
    integer,
    money,
    platform_id,
    required_timestamp,
    text,
)

#: Standard events the pixel subscribes to and Nudge records.
PIXEL_EVENTS = ("product_viewed", "cart_viewed")
PIXEL_TOPIC_PREFIX = "pixel/"
MAX_EVENTS_PER_BATCH = 20
MAX_LINES = 100
_TOKEN = re.compile(r"^[A-Za-z0-9._:/?=&+-]{1,255}$")
#: Timestamps come from the shopper's clock; refuse the absurd, keep the merely skewed.
_MAX_AGE = timedelta(days=2)
_MAX_AHEAD = timedelta(hours=1)


@dataclass(frozen=True)
class PixelEvent:
    """One validated storefront event, ready for the inbox."""

    event_id: str
    topic: str
    body: str


@dataclass(frozen=True)
class PixelBatch:
    """A validated batch: which shop, which shopper, which events."""

    shop_domain: str
    store_key: str
    client_id: str
    events: tuple[PixelEvent, ...]


def _short_text(value: object, name: str, limit: int = 255) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise PayloadError(f"{name} must be a non-empty string of at most {limit} characters")
    return value.strip()


def _identity(payload: Json) -> dict[str, str | None]:
    customer = payload.get("customer")
    if customer is None:
        return {"customer_id": None, "email": None}
    if not isinstance(customer, Mapping):
        raise PayloadError("customer must be an object or null")
    email = customer.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email or len(email) > 320):
        raise PayloadError("customer.email is not an email address")
    return {"customer_id": platform_id(customer.get("id")), "email": email}


def _variant(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError("a product variant is missing")
    product = value.get("product")
    if not isinstance(product, Mapping) or platform_id(product.get("id")) is None:
        raise PayloadError("productVariant.product.id is missing")
    price = value.get("price")
    image = value.get("image")
    return {
        "id": platform_id(value.get("id")),
        "title": text(value.get("title")),
        "price": {"amount": str(money(price))} if isinstance(price, Mapping) else None,
        "image": {"src": text(image.get("src"))} if isinstance(image, Mapping) else None,
        "product": {
            "id": platform_id(product.get("id")),
            "title": text(product.get("title")),
            "url": text(product.get("url")),
        },
    }


def _cart(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError("cart_viewed carries no cart")
    token = platform_id(value.get("id"))
    if token is None or not _TOKEN.match(token):
        raise PayloadError("cart.id is missing or malformed")
    lines = value.get("lines") or []
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise PayloadError(f"cart.lines must be a list of at most {MAX_LINES} lines")
    kept = []
    for line in lines:
        if not isinstance(line, Mapping):
            raise PayloadError("a cart line is not an object")
        kept.append(
            {
                "quantity": integer(line.get("quantity")) or 0,
                "merchandise": _variant(line.get("merchandise")),
            }
        )
    cost = value.get("cost")
    total = cost.get("totalAmount") if isinstance(cost, Mapping) else None
    return {
        "id": token,
        "lines": kept,
        "cost": {"totalAmount": {"amount": str(money(total)), "currencyCode": _currency(total)}},
    }


def _currency(amount: object) -> str:
    code = amount.get("currencyCode") if isinstance(amount, Mapping) else None
    return code if isinstance(code, str) and len(code) == 3 else "USD"


def _event(
    raw: object, identity: Mapping[str, str | None], client_id: str, now: datetime
) -> PixelEvent:
    if not isinstance(raw, Mapping):
        raise PayloadError("each event must be an object")
    event_id = _short_text(raw.get("id"), "event id", 128)
    name = raw.get("name")
    if name not in PIXEL_EVENTS:
        raise PayloadError(
            f"unsupported event {name!r} (expected one of {', '.join(PIXEL_EVENTS)})"
        )
    at = required_timestamp(raw, "timestamp")
    if not now - _MAX_AGE <= at <= now + _MAX_AHEAD:
        raise PayloadError(f"event timestamp {raw.get('timestamp')!r} is out of range")
    data = raw.get("data")
    if not isinstance(data, Mapping):
        raise PayloadError("event data is missing")
    kept = (
        {"productVariant": _variant(data.get("productVariant"))}
        if name == "product_viewed"
        else {"cart": _cart(data.get("cart"))}
    )
    body = {
        "id": event_id,
        "name": name,
        "timestamp": at.isoformat(),
        "clientId": client_id,
        "customer": dict(identity),
        "data": kept,
    }
    return PixelEvent(
        event_id=event_id, topic=PIXEL_TOPIC_PREFIX + str(name), body=json.dumps(body)
    )


def parse_batch(payload: object, *, now: datetime | None = None) -> PixelBatch:
    """Validate a pixel batch; a PayloadError names the first thing wrong with it."""
    if not isinstance(payload, Mapping):
        raise PayloadError("the body must be a JSON object")
    shop = _short_text(payload.get("shop"), "shop").lower()
    store_key = _short_text(payload.get("key"), "key", 64)
    client_id = _short_text(payload.get("client_id"), "client_id", 128)
    events = payload.get("events")
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS_PER_BATCH:
        raise PayloadError(f"events must be a list of 1 to {MAX_EVENTS_PER_BATCH} events")
    identity = _identity(payload)
    moment = now or datetime.now(UTC)
    return PixelBatch(
        shop_domain=shop,
        store_key=store_key,
        client_id=client_id,
        events=tuple(_event(raw, identity, client_id, moment) for raw in events),
    )


def _pixel_line(line: Json) -> LineData:
    merchandise = line["merchandise"]
    product = merchandise["product"]
    return LineData(
        product_platform_id=platform_id(product.get("id")),
        variant_platform_id=platform_id(merchandise.get("id")),
        title=text(product.get("title")) or text(merchandise.get("title")) or "",
        quantity=integer(line.get("quantity")) or 0,
        price=money(merchandise.get("price")),
        variant_title=text(merchandise.get("title")),
        image_url=text((merchandise.get("image") or {}).get("src")),
        url=text(product.get("url")),
    )


def map_pixel_event(name: str, data: Json) -> Sequence[StoreEvent]:
    """A stored pixel event (as kept by `parse_batch`) → ProductViewed or CartUpserted."""
    identity = data.get("customer") or {}
    at = required_timestamp(data, "timestamp")
    payload = data.get("data") or {}
    if name == "product_viewed":
        variant = payload["productVariant"]
        view = ProductViewData(
            visitor_id=str(data["clientId"]),
            product_platform_id=str(platform_id(variant["product"]["id"])),
            viewed_at=at,
            customer_platform_id=identity.get("customer_id"),
            email=identity.get("email"),
        )
        return [ProductViewed(view)]
    if name == "cart_viewed":
        cart = payload["cart"]
        total = cart.get("cost", {}).get("totalAmount")
        lines = tuple(_pixel_line(line) for line in cart.get("lines") or ())
        return [
            CartUpserted(
                CartData(
                    platform_token=str(cart["id"]),
                    updated_at=at,
                    kind="cart",
                    email=identity.get("email"),
                    lines=lines,
                    subtotal_price=money(total),
                    currency=_currency(total),
                )
            )
        ]
    raise PayloadError(f"unsupported pixel event {name!r}")
