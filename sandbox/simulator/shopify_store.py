"""A sandbox Shopify shop, seeded and shopped at through its control API and Nudge's web pixel.

Seeding: collections, products (a generated picture each, served by the sandbox's storefront at
/cdn/shop/files/<handle>.svg) and customers (consent, `birth_date`, `time_zone`) through
`/sandbox/shops/<shop>/...`; each emits the webhooks Shopify would. Shopping: product pages are
fetched from the sandbox storefront and reported by the pixel (pixel.py) once the app has
activated one; carts, checkouts, orders, refunds and cancellations go through the control API,
which stands in for the storefront and checkout. Carts, checkouts and orders carry the
simulated clock's `created_at` (see README "Time").
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import Any

import httpx

from sandbox.simulator.catalog import ProductSpec
from sandbox.simulator.clock import iso
from sandbox.simulator.control import ControlApi, SimulatorError
from sandbox.simulator.pixel import (
    PixelBrowser,
    PixelSettings,
    Variant,
    cart_viewed,
    product_viewed,
    send,
)
from sandbox.simulator.plan import ComeBack, Shopper
from sandbox.simulator.report import SeedReport
from sandbox.simulator.shopify_records import customer_body, product_body
from sandbox.simulator.store_base import SimulatedStore, VisitContext

#: How long "the app has no pixel here yet" is believed before asking the sandbox again.
PIXEL_RECHECK_SECONDS = 5.0
Json = dict[str, Any]


def shop_domain(shop: str) -> str:
    """`acme` or `acme.myshopify.com` → acme.myshopify.com."""
    shop = shop.strip().lower()
    return shop if shop.endswith(".myshopify.com") else f"{shop}.myshopify.com"


class _Records(dict[str, Json]):
    """Records by key, counting how many were created."""

    created = 0


class ShopifyStore(SimulatedStore):
    """One shop of a sandbox Shopify."""

    platform = "shopify"
    time_shift = True

    def __init__(self, client: httpx.Client, sandbox_url: str, shop: str, **kwargs: Any) -> None:
        self.domain = shop_domain(shop)
        handle = self.domain.removesuffix(".myshopify.com")
        kwargs.setdefault("store_tag", handle)
        super().__init__(name=f"shopify:{handle}", **kwargs)
        self.client = client
        self.sandbox_url = sandbox_url.rstrip("/")
        self.api = ControlApi(client, f"{self.sandbox_url}/sandbox/shops/{self.domain}")
        self.storefront = f"{self.sandbox_url}/shops/{self.domain}"
        self.currency = "USD"
        self.variants: dict[int, Variant] = {}
        self.customer_ids: dict[int, int] = {}
        self._browsers: dict[str, PixelBrowser] = {}
        self._checkouts: dict[int, Json] = {}
        self._orders: dict[int, int] = {}
        self._pixel: PixelSettings | None = None
        self._pixel_checked = 0.0

    # --- the shop and its seed data --------------------------------------------------------

    def ensure_shop(self, name: str, timezone: str = "UTC", currency: str = "USD") -> None:
        """Create the shop unless it exists."""
        root = ControlApi(self.client, f"{self.sandbox_url}/sandbox")
        body = {"domain": self.domain, "name": name, "timezone": timezone, "currency": currency}
        root.call("POST", "/shops", body, ok=(409,))

    def seed(self) -> SeedReport:
        """Collections, products and customers; existing ones (same handle/email) are kept."""
        self.currency = self.api.call("GET", "")["currency"]
        collections = {c["handle"] for c in self.api.call("GET", "/collections")}
        for category in sorted({p.category for p in self.catalog}):
            if category.lower() not in collections:
                body = {"title": category, "handle": category.lower()}
                self.api.call("POST", "/collections", body)
        products = self._ensure(
            "/products",
            "handle",
            [(p.handle, product_body(p, self.image_url(p))) for p in self.catalog],
        )
        for spec in self.catalog:
            self.variants[spec.index] = self._variant(spec, products[spec.handle])
        people = self._ensure(
            "/customers", "email", [(c.email, customer_body(c)) for c in self.customers]
        )
        for person in self.customers:
            self.customer_ids[person.index] = int(people[person.email]["id"])
        return SeedReport(
            self.name,
            products_created=products.created,
            products_existing=len(self.catalog) - products.created,
            customers_created=people.created,
            customers_existing=len(self.customers) - people.created,
        )

    def _ensure(self, path: str, key: str, wanted: list[tuple[str, Json]]) -> _Records:
        """Records by `key`: the existing ones, plus the missing ones created."""
        records = _Records({record[key]: record for record in self.api.call("GET", path)})
        for value, body in wanted:
            if value not in records:
                records[value] = self.api.call("POST", path, body)
                records.created += 1
        return records

    def image_url(self, spec: ProductSpec) -> str:
        """The product's generated picture on the sandbox storefront."""
        return f"{self.storefront}/cdn/shop/files/{spec.handle}.svg"

    def _variant(self, spec: ProductSpec, record: Json) -> Variant:
        images = record.get("images") or []
        return Variant(
            variant_id=int(record["variants"][0]["id"]),
            product_id=int(record["id"]),
            title=spec.title,
            sku=spec.sku,
            price=spec.price,
            currency=self.currency,
            image_src=images[0]["src"] if images else None,
            product_type=spec.category,
            vendor=spec.vendor,
            url=f"{self.storefront}/products/{spec.handle}",
        )

    # --- the pixel ---------------------------------------------------------------------------

    def pixel(self) -> PixelSettings | None:
        """The app's pixel settings on this shop, if it activated one."""
        if self._pixel is None and time.monotonic() - self._pixel_checked > PIXEL_RECHECK_SECONDS:
            self._pixel_checked = time.monotonic()
            try:
                found = self.api.call("GET", "/app-activity").get("web_pixel")
            except (SimulatorError, httpx.HTTPError):
                return None  # asked again after PIXEL_RECHECK_SECONDS
            self._pixel = PixelSettings.from_control(found) if found else None
        return self._pixel

    def _browser(self, shopper: Shopper) -> PixelBrowser:
        browser = self._browsers.get(shopper.key)
        if browser is None:
            browser = self._browsers[shopper.key] = PixelBrowser()
            if shopper.customer is not None:
                person = self.customers[shopper.customer]
                browser.customer = (self.customer_ids[shopper.customer], person.email)
        return browser

    def _track(self, context: VisitContext, event: Json) -> None:
        settings = self.pixel()
        if settings is None:
            self.report.count(self.name, "untracked events")
            return
        status = send(
            self.client, settings, self.domain, self._browser(context.visit.shopper), event
        )
        self.report.count(self.name, f"pixel {status}")

    # --- the steps ---------------------------------------------------------------------------

    def view(self, context: VisitContext, product: ProductSpec) -> None:
        """The storefront page, then the pixel's product_viewed."""
        self.client.get(f"{self.storefront}/products/{product.handle}").raise_for_status()
        self.report.count(self.name, "product views")
        self._track(context, product_viewed(self.variants[product.index], context.now()))

    def add_to_cart(self, context: VisitContext, lines: list[tuple[ProductSpec, int]]) -> None:
        """One cart with the visit's lines (created in one go, so its created_at holds)."""
        token = context.state.setdefault("cart_token", secrets.token_hex(16))
        body = {
            "token": token,
            "line_items": self._line_items(context.lines),
            "created_at": iso(context.now()),
        }
        if context.state.get("cart_created"):
            self.api.call("PATCH", f"/carts/{token}", {"line_items": body["line_items"]})
        else:
            self.api.call("POST", "/carts", body)
            context.state["cart_created"] = True
        self.report.count(self.name, "carts")
        cart = [(self.variants[spec.index], quantity) for spec, quantity in context.lines]
        self._track(context, cart_viewed(token, cart, context.now()))

    def _line_items(self, lines: Sequence[tuple[ProductSpec, int]]) -> list[Json]:
        return [
            {"variant_id": self.variants[spec.index].variant_id, "quantity": quantity}
            for spec, quantity in lines
        ]

    def checkout(self, context: VisitContext) -> None:
        """A checkout with the shopper's email (the pixel's browser remembers it)."""
        shopper = context.visit.shopper
        body: Json = {
            "email": context.email,
            "line_items": self._line_items(context.lines),
            "cart_token": context.state.get("cart_token"),
            # Guests tick "email me with news and offers" every other time.
            "buyer_accepts_marketing": shopper.customer is None and (shopper.guest or 0) % 2 == 0,
            "created_at": iso(context.now()),
        }
        if shopper.customer is not None:
            body["customer_id"] = self.customer_ids[shopper.customer]
        checkout = self.api.call("POST", "/checkouts", body)
        self._checkouts[context.visit.number] = checkout
        self._browser(shopper).remembered_email = context.email
        self.report.count(self.name, "checkouts")

    def purchase(self, context: VisitContext) -> None:
        """Complete the visit's checkout."""
        self._complete(context, self._checkouts[context.visit.number], context.visit.number, None)

    def _complete(
        self, context: VisitContext, checkout: Json, of_visit: int, code: str | None
    ) -> None:
        token = checkout["token"]
        body: Json = {}
        if code is None:
            body["created_at"] = iso(context.now())
        else:
            # The shopper read a real (real-time) email: the order follows it, at real time.
            self.api.call("PATCH", f"/checkouts/{token}", {"discount_codes": [{"code": code}]})
        order = self.api.call("POST", f"/checkouts/{token}/complete", body)
        self._orders[of_visit] = int(order["id"])
        used = f" with {code}" if code else ""
        self.report.outcome(
            self.name, f"#{context.visit.number} order {order['name']}{used}", "orders"
        )

    def come_back(self, context: VisitContext, step: ComeBack) -> None:
        """Pay for the abandoned checkout, with the inbox's code when the plan says so."""
        checkout = self._checkouts.get(step.of_visit)
        if checkout is None:
            self.report.outcome(self.name, f"#{context.visit.number} nothing to come back to")
            return
        email = self.code_for(context, step)
        code = email.code if email else None
        if code is not None:
            try:
                self._complete(context, checkout, step.of_visit, code)
                self.report.count(self.name, "codes used")
                return
            except SimulatorError as error:  # a refused code: buy without it
                self.report.outcome(
                    self.name, f"#{context.visit.number} code {code} refused: {error}"
                )
        self._complete(context, checkout, step.of_visit, None)

    def refund(self, context: VisitContext, of_visit: int) -> None:
        """Mark the order refunded (orders/updated)."""
        order_id = self._orders.get(of_visit)
        if order_id is not None:
            self.api.call("PATCH", f"/orders/{order_id}", {"financial_status": "refunded"})
            self.report.outcome(self.name, f"#{context.visit.number} refunded", "refunds")

    def cancel(self, context: VisitContext, of_visit: int) -> None:
        """Cancel (and refund) the order (orders/cancelled)."""
        order_id = self._orders.get(of_visit)
        if order_id is not None:
            self.api.call("POST", f"/orders/{order_id}/cancel", {"reason": "customer"})
            self.report.outcome(self.name, f"#{context.visit.number} cancelled", "cancellations")
