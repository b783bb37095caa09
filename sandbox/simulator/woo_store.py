"""A sandbox WooCommerce store, seeded through its control API and shopped at like a browser.

Seeding: products (categories, stock, a generated picture each) and customers (billing
address, AutomateWoo-style birthday, and the marketing consent Nudge keeps in the customer meta
`_nudge_marketing_consent`, as if they had opted in through Nudge) through
`/_sandbox/stores/<store>/...`. Shopping: a `WooBrowser` per shopper loads the storefront pages,
uses the Store API for the cart and checkout, and runs woo.js when the page loads it. Refunds
and cancellations are the merchant's, through the control API. Nothing here can carry a
simulated time: WooCommerce stamps its orders and drafts, Nudge stamps woo.js events on arrival.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import httpx

from sandbox.simulator.catalog import ProductSpec
from sandbox.simulator.control import ControlApi, SimulatorError
from sandbox.simulator.people import CustomerSpec
from sandbox.simulator.plan import ComeBack, Shopper
from sandbox.simulator.report import SeedReport
from sandbox.simulator.store_base import SimulatedStore, VisitContext
from sandbox.simulator.woo_browser import Page, WooBrowser

Json = dict[str, Any]
CONSENT_META_KEY = "_nudge_marketing_consent"
#: Browsers (cookie jars) kept; the oldest is closed beyond this.
MAX_BROWSERS = 500


class WooStore(SimulatedStore):
    """One store of a sandbox WooCommerce."""

    platform = "woocommerce"
    time_shift = False

    def __init__(self, client: httpx.Client, sandbox_url: str, slug: str, **kwargs: Any) -> None:
        kwargs.setdefault("store_tag", slug)
        super().__init__(name=f"woocommerce:{slug}", **kwargs)
        self.slug = slug
        self.sandbox_url = sandbox_url.rstrip("/")
        self.store_url = f"{self.sandbox_url}/{slug}"
        self.client = client
        self.api = ControlApi(client, f"{self.sandbox_url}/_sandbox/stores/{slug}")
        self.products: dict[int, Json] = {}
        self._browsers: OrderedDict[str, WooBrowser] = OrderedDict()
        self._orders: dict[int, int] = {}
        self._visit_lines: dict[int, list[tuple[ProductSpec, int]]] = {}

    def ensure_store(self, name: str, timezone: str = "UTC", **settings: Any) -> None:
        """Create the store unless it exists (settings: auto_approve, snippet_url, ...)."""
        root = ControlApi(self.client, f"{self.sandbox_url}/_sandbox")
        body = {"slug": self.slug, "name": name, "timezone": timezone, **settings}
        root.call("POST", "/stores", body, ok=(409,))

    def seed(self) -> SeedReport:
        """Products and customers; existing ones (same SKU/email) are kept."""
        existing = {p["sku"]: p for p in self.api.call("GET", "/products") if p.get("sku")}
        created = 0
        for spec in self.catalog:
            record = existing.get(spec.sku)
            if record is None:
                record = self.api.call("POST", "/products", self._product(spec))
                created += 1
            self.products[spec.index] = record
        emails = {c["email"] for c in self.api.call("GET", "/customers")}
        missing = [person for person in self.customers if person.email not in emails]
        for person in missing:
            self.api.call("POST", "/customers", self._customer(person))
        return SeedReport(
            self.name,
            created,
            len(self.catalog) - created,
            len(missing),
            len(self.customers) - len(missing),
        )

    @staticmethod
    def _product(spec: ProductSpec) -> Json:
        on_sale = spec.compare_at_price is not None
        return {
            "name": spec.title,
            "slug": spec.handle,
            "type": "simple",
            "status": "publish",
            "regular_price": str(spec.compare_at_price if on_sale else spec.price),
            "sale_price": str(spec.price) if on_sale else "",
            "description": f"<p>{spec.description}</p>",
            "short_description": spec.description,
            "sku": spec.sku,
            "manage_stock": True,
            "stock_quantity": spec.stock,
            "categories": [{"name": spec.category}],
            # No src: the sandbox draws a picture and serves it from wp-content/uploads.
            "images": [{"name": spec.title, "alt": spec.title}],
        }

    @staticmethod
    def _customer(person: CustomerSpec) -> Json:
        body: Json = {
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "billing": {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "city": person.city,
                "state": person.province_code,
                "country": person.country_code,
            },
            "meta_data": [{"key": CONSENT_META_KEY, "value": person.consent}],
        }
        if person.birthday is not None:
            body["birthday"] = person.birthday.isoformat()
        return body

    # --- browsers ----------------------------------------------------------------------------

    def browser(self, shopper: Shopper) -> WooBrowser:
        """The shopper's browser (cookies, storage), kept across visits."""
        browser = self._browsers.get(shopper.key)
        if browser is None:
            client = httpx.Client(timeout=15.0)
            browser = self._browsers[shopper.key] = WooBrowser(client, self.store_url)
            while len(self._browsers) > MAX_BROWSERS:
                self._browsers.popitem(last=False)[1].client.close()
        self._browsers.move_to_end(shopper.key)
        return browser

    def close(self) -> None:
        """Close every browser."""
        for browser in self._browsers.values():
            browser.client.close()
        self._browsers.clear()

    def _load(self, context: VisitContext, path: str) -> Page:
        browser = self.browser(context.visit.shopper)
        if not context.state.get("tab"):
            browser.new_tab()
            context.state["tab"] = True
        before = len(browser.sent)
        page = browser.load(path)
        for status in browser.sent[before:]:
            self.report.count(self.name, f"woo.js {status}")
        context.state["page"] = page
        return page

    # --- the steps ---------------------------------------------------------------------------

    def view(self, context: VisitContext, product: ProductSpec) -> None:
        """The product page (woo.js reports the view)."""
        self._load(context, f"/product/{self.products[product.index]['slug']}/")
        self.report.count(self.name, "product views")

    def add_to_cart(self, context: VisitContext, lines: list[tuple[ProductSpec, int]]) -> None:
        """Store API add-item from the product page, then woo.js reports the cart."""
        page: Page = context.state.get("page") or self._load(context, "/")
        browser = self.browser(context.visit.shopper)
        for spec, quantity in lines:
            item = {"id": self.products[spec.index]["id"], "quantity": quantity}
            browser.store_api("POST", "/cart/add-item", page.nonce, item)
        self._visit_lines[context.visit.number] = list(context.lines)
        browser.cart_changed()
        self.report.count(self.name, "carts")

    def checkout(self, context: VisitContext) -> None:
        """The checkout page (a checkout-draft order), then the email typed."""
        page = self._load(context, "/checkout/")
        self.browser(context.visit.shopper).type_email(page, context.email)
        self.report.count(self.name, "checkouts")

    def purchase(self, context: VisitContext) -> None:
        """Place the order (Store API), then the order-received page."""
        self._place_order(context, context.visit.number)

    def _place_order(self, context: VisitContext, of_visit: int) -> None:
        browser = self.browser(context.visit.shopper)
        page: Page = context.state.get("page") or self._load(context, "/checkout/")
        person = self._person(context.visit.shopper)
        billing = {
            "email": context.email,
            "first_name": person.first_name if person else "Guest",
            "last_name": person.last_name if person else "Shopper",
            "address_1": "1 Sandbox Way",
            "city": person.city if person else "Springfield",
            "postcode": "12345",
            "country": person.country_code if person else "US",
        }
        placed = browser.store_api(
            "POST", "/checkout", page.nonce, {"billing_address": billing, "payment_method": "cod"}
        )
        order_id = int(placed["order_id"])
        self._orders[of_visit] = order_id
        redirect = placed["payment_result"]["redirect_url"]
        self._load(context, redirect.removeprefix(self.store_url))
        coupons = ", ".join(c["code"] for c in placed.get("coupons") or [])
        used = f" with {coupons}" if coupons else ""
        self.report.outcome(self.name, f"#{context.visit.number} order {order_id}{used}", "orders")

    def _person(self, shopper: Shopper) -> CustomerSpec | None:
        return self.customers[shopper.customer] if shopper.customer is not None else None

    def come_back(self, context: VisitContext, step: ComeBack) -> None:
        """Back to the cart (refilled if it was emptied since), a code if any, then pay."""
        browser = self.browser(context.visit.shopper)
        page = self._load(context, "/cart/")
        cart = browser.store_api("GET", "/cart", None, None)
        if not cart.get("items"):
            for spec, quantity in self._visit_lines.get(step.of_visit, []):
                item = {"id": self.products[spec.index]["id"], "quantity": quantity}
                browser.store_api("POST", "/cart/add-item", page.nonce, item)
            browser.cart_changed()
        email = self.code_for(context, step)
        if email is not None and email.code:
            try:
                browser.store_api("POST", "/cart/apply-coupon", page.nonce, {"code": email.code})
                self.report.count(self.name, "codes used")
            except SimulatorError as error:
                self.report.outcome(self.name, f"#{context.visit.number} code refused: {error}")
        checkout = self._load(context, "/checkout/")
        browser.type_email(checkout, context.email)
        self._place_order(context, step.of_visit)

    def refund(self, context: VisitContext, of_visit: int) -> None:
        """The merchant refunds the order in full."""
        order_id = self._orders.get(of_visit)
        if order_id is not None:
            self.api.call("POST", f"/orders/{order_id}/refunds", {"reason": "Changed my mind"})
            self.report.outcome(self.name, f"#{context.visit.number} refunded", "refunds")

    def cancel(self, context: VisitContext, of_visit: int) -> None:
        """The merchant cancels the order."""
        order_id = self._orders.get(of_visit)
        if order_id is not None:
            self.api.call("PATCH", f"/orders/{order_id}", {"status": "cancelled"})
            self.report.outcome(self.name, f"#{context.visit.number} cancelled", "cancellations")
