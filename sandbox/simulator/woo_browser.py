"""A shopper's browser on a sandbox WooCommerce storefront, running Nudge's woo.js.

It keeps cookies (the WooCommerce session), `localStorage` and `sessionStorage`, loads pages,
uses the Store API as block themes do, and when a page carries the snippet's `<script src>` it
fetches the script and does what connectors/woocommerce/woo.js does in a browser:

- on load: `product_viewed` on a single-product page (`body.single-product.postid-<id>`), then
  `reportCart()` (with the order id on the order-received page);
- `reportCart()`: read `<storePath>/wp-json/wc/store/v1/cart`, slim it, send a `cart` event unless
  it is unchanged since the last report in this tab (`sessionStorage.nudge_cart`);
- the email typed at checkout is remembered (`localStorage.nudge_email`), then `reportCart()`;
- events are POSTed as text/plain to the configured endpoint with the page's `Origin`.

The snippet's configuration is the JSON literal the app writes into the script in place of
`/*NUDGE_CONFIG*/null` (connectors/woocommerce/storefront.py); a script without one (or no
script) means nothing is reported, as in a browser.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from sandbox.simulator.control import SimulatorError

Json = dict[str, Any]
SNIPPET_TAG = re.compile(r'<script src="([^"]+)" async></script>')
CONFIG = re.compile(r"\}\)\(window, document, (\{.*?\})\);\s*$", re.S)
NONCE = re.compile(r'"storeApiNonce": "([0-9a-f]+)"')
BODY_CLASS = re.compile(r'<body class="([^"]*)"')
ORDER_RECEIVED = re.compile(r"/order-received/(\d+)")


@dataclass
class Page:
    """A loaded storefront page."""

    url: str
    html: str
    nonce: str | None


@dataclass
class WooBrowser:
    """One shopper's browser for one store (`store_url` is http://host:port/<store>)."""

    client: httpx.Client
    store_url: str
    local_storage: dict[str, str] = field(default_factory=dict)
    session_storage: dict[str, str] = field(default_factory=dict)
    #: Statuses of the events sent (for the run report).
    sent: list[int] = field(default_factory=list)
    _config: Json | None = None

    @property
    def origin(self) -> str:
        """The page origin (scheme://host:port), what the browser sends as `Origin`."""
        parts = urlsplit(self.store_url)
        return f"{parts.scheme}://{parts.netloc}"

    def new_tab(self) -> None:
        """A new visit: sessionStorage starts empty (cookies and localStorage stay)."""
        self.session_storage.clear()

    def load(self, path: str, *, order_id: str | None = None) -> Page:
        """GET a storefront page and run the snippet on it."""
        response = self.client.get(self.store_url + path, follow_redirects=True)
        if response.status_code >= 400:
            raise SimulatorError(f"GET {path} answered {response.status_code}")
        page = Page(str(response.url), response.text, _first(NONCE, response.text))
        self._config = self._snippet_config(page.html)
        if self._config is not None:
            product = self._product_id(page.html)
            if product is not None:
                self._send("product_viewed", {"product_id": product})
            order = order_id or _first(ORDER_RECEIVED, urlsplit(page.url).path)
            self.report_cart({"order_id": order} if order else None)
        return page

    def store_api(self, method: str, path: str, nonce: str | None, body: Json | None) -> Json:
        """A Store API call from the page (same origin, session cookie, the page's Nonce)."""
        headers = {"Nonce": nonce} if nonce else {}
        url = f"{self.store_url}/wp-json/wc/store/v1{path}"
        response = self.client.request(method, url, json=body, headers=headers)
        if response.status_code >= 400:
            raise SimulatorError(
                f"{method} {path} answered {response.status_code}: {response.text[:200]}"
            )
        data: Json = response.json()
        return data

    def type_email(self, page: Page, email: str) -> None:
        """Type the email at checkout: block checkout posts it, woo.js captures it."""
        self.store_api(
            "POST", "/cart/update-customer", page.nonce, {"billing_address": {"email": email}}
        )
        value = email.strip().lower()
        if self._config is not None and value != self.local_storage.get("nudge_email"):
            self.local_storage["nudge_email"] = value
            self.report_cart(None)

    def cart_changed(self) -> None:
        """`wc-blocks_added_to_cart` and friends: woo.js reports the cart."""
        if self._config is not None:
            self.report_cart(None)

    # --- woo.js ------------------------------------------------------------------------------

    def _snippet_config(self, html: str) -> Json | None:
        src = _first(SNIPPET_TAG, html)
        if src is None:
            return None
        script = self.client.get(
            src.replace("&amp;", "&"), headers={"Referer": self.store_url + "/"}
        )
        if script.status_code != 200:
            return None
        found = _first(CONFIG, script.text)
        return json.loads(found) if found else None

    @staticmethod
    def _product_id(html: str) -> str | None:
        classes = f" {_first(BODY_CLASS, html) or ''} "
        match = re.search(r" postid-(\d+) ", classes)
        return match.group(1) if match and " single-product " in classes else None

    def report_cart(self, extra: Json | None) -> None:
        """woo.js `reportCart()`."""
        assert self._config is not None  # noqa: S101 - only called with a snippet loaded
        url = urljoin(self.origin, self._config["storePath"] + "/wp-json/wc/store/v1/cart")
        response = self.client.get(url, headers={"Accept": "application/json"})
        if response.status_code != 200:
            return
        slim = slim_cart(response.json())
        data: Json = {"cart": slim}
        if extra and extra.get("order_id"):
            data["order_id"] = extra["order_id"]
        email = self.local_storage.get("nudge_email")
        signature = json.dumps([slim, email, data.get("order_id")], separators=(",", ":"))
        last = self.session_storage.get("nudge_cart")
        if signature == last:
            return
        if last is None and not slim["items"] and not email and "order_id" not in data:
            return
        self.session_storage["nudge_cart"] = signature
        self._send("cart", data)

    def _send(self, kind: str, data: Json) -> None:
        assert self._config is not None  # noqa: S101
        visitor = self.local_storage.setdefault("nudge_vid", secrets.token_hex(12))
        body: Json = {
            "p": "woocommerce",
            "k": self._config["key"],
            "t": self._config["token"],
            "v": visitor,
            "e": secrets.token_hex(12),
            "type": kind,
            **data,
        }
        if self.local_storage.get("nudge_email"):
            body["email"] = self.local_storage["nudge_email"]
        response = self.client.post(
            self._config["endpoint"],
            content=json.dumps(body, separators=(",", ":")),
            headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": self.origin},
        )
        self.sent.append(response.status_code)


def slim_cart(cart: Json) -> Json:
    """woo.js `slimCart()`: the fields Nudge reads (keys the Store API left out stay out)."""
    items = []
    for item in (cart.get("items") or [])[:100]:
        prices = item.get("prices") or {}
        images = [
            {"src": image.get("thumbnail") or image.get("src")}
            for image in (item.get("images") or [])[:1]
        ]
        slim = _pick(item, ("id", "parent", "quantity", "name", "permalink", "variation"))
        slim["images"] = images
        slim["prices"] = _pick(prices, ("price", "currency_minor_unit"))
        items.append(slim)
    totals = cart.get("totals") or {}
    return {
        "items": items,
        "totals": _pick(totals, ("total_items", "currency_code", "currency_minor_unit")),
        "billing_address": {"email": (cart.get("billing_address") or {}).get("email") or ""},
    }


def _pick(source: Json, keys: tuple[str, ...]) -> Json:
    # JSON.stringify drops undefined: a key the source lacks is absent, a null stays null.
    return {key: source[key] for key in keys if key in source}


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None
