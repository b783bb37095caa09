"""Nudge's Shopify web pixel, run by a simulated shopper's browser.

Shopify runs the pixel extension (extensions/nudge-pixel/src/index.js) in every storefront page
with the settings the app activated (`webPixelCreate`): `storeKey` and `endpoint`. The sandbox
has no storefront JavaScript, so this module does what the pixel does: for `product_viewed` and
`cart_viewed` it posts `{platform, shop, key, client_id, customer, events: [...]}` as text/plain
to the endpoint. Event data follow the Web Pixels API standard events
(https://shopify.dev/docs/api/web-pixels-api/standard-events/product_viewed, `cart_viewed`).
`customer` is the logged-in customer, else the email this browser typed at its last checkout
(the pixel keeps it from `checkout_contact_info_submitted`), else null.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from sandbox.simulator.clock import iso_millis

Json = dict[str, Any]


@dataclass(frozen=True)
class PixelSettings:
    """What the app activated on the shop."""

    store_key: str
    endpoint: str

    @classmethod
    def from_control(cls, body: Mapping[str, Any]) -> PixelSettings | None:
        """From `web_pixel` of `GET /sandbox/shops/<shop>/app-activity` (settings parsed);
        None when the settings are incomplete."""
        settings = body.get("settings") or {}
        key, endpoint = settings.get("storeKey"), settings.get("endpoint")
        if isinstance(key, str) and isinstance(endpoint, str) and key and endpoint:
            return cls(store_key=key, endpoint=endpoint)
        return None


@dataclass(frozen=True)
class Variant:
    """The product variant fields a pixel event carries."""

    variant_id: int
    product_id: int
    title: str
    sku: str
    price: Decimal
    currency: str
    image_src: str | None
    product_type: str
    vendor: str
    url: str

    def as_event_data(self) -> Json:
        """ProductVariant as the Web Pixels API shapes it."""
        return {
            "id": str(self.variant_id),
            "title": "Default Title",
            "untranslatedTitle": "Default Title",
            "sku": self.sku,
            "price": {"amount": float(self.price), "currencyCode": self.currency},
            "image": {"src": self.image_src} if self.image_src else None,
            "product": {
                "id": str(self.product_id),
                "title": self.title,
                "untranslatedTitle": self.title,
                "type": self.product_type,
                "url": self.url,
                "vendor": self.vendor,
            },
        }


@dataclass
class PixelBrowser:
    """One shopper's browser: its pixel client id and what it remembers."""

    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    #: Logged-in customer (id, email), if any.
    customer: tuple[int, str] | None = None
    #: The email typed at this browser's last checkout (the pixel's localStorage).
    remembered_email: str | None = None

    def identity(self) -> Json | None:
        """The pixel's `shopper()`."""
        if self.customer is not None:
            return {"id": str(self.customer[0]), "email": self.customer[1]}
        return {"id": None, "email": self.remembered_email} if self.remembered_email else None


def product_viewed(variant: Variant, at: float) -> Json:
    """A product_viewed standard event."""
    return _event("product_viewed", at, {"productVariant": variant.as_event_data()})


def cart_viewed(cart_token: str, lines: Sequence[tuple[Variant, int]], at: float) -> Json:
    """A cart_viewed standard event for the cart `cart_token`."""
    currency = lines[0][0].currency if lines else "USD"
    total = sum((variant.price * quantity for variant, quantity in lines), Decimal(0))
    cart_lines = [
        {
            "quantity": quantity,
            "cost": {
                "totalAmount": {"amount": float(variant.price * quantity), "currencyCode": currency}
            },
            "merchandise": variant.as_event_data(),
        }
        for variant, quantity in lines
    ]
    cart = {
        "id": cart_token,
        "lines": cart_lines,
        "totalQuantity": sum(quantity for _, quantity in lines),
        "cost": {"totalAmount": {"amount": float(total), "currencyCode": currency}},
    }
    return _event("cart_viewed", at, {"cart": cart})


def _event(name: str, at: float, data: Json) -> Json:
    return {
        "id": f"sh-{uuid.uuid4()}",
        "name": name,
        "type": "standard",
        "timestamp": iso_millis(at),
        "data": data,
    }


def send(
    client: httpx.Client,
    settings: PixelSettings,
    shop: str,
    browser: PixelBrowser,
    event: Json,
) -> int:
    """Post one event as the pixel does (`sendBeacon`, text/plain); the HTTP status."""
    body = {
        "platform": "shopify",
        "shop": shop,
        "key": settings.store_key,
        "client_id": browser.client_id,
        "customer": browser.identity(),
        # index.js forwards exactly these four fields of the standard event.
        "events": [{key: event[key] for key in ("id", "name", "timestamp", "data")}],
    }
    response = client.post(
        settings.endpoint,
        content=json.dumps(body),
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    return response.status_code
