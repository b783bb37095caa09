"""Storefront pages: shop, product, cart, and placeholder product images.

Plain server-rendered HTML with no external assets. Every page carries what a WordPress page
gives a storefront script: the REST discovery link `<link rel="https://api.w.org/">`, the
Store API nonce (`wcBlocksMiddlewareConfig.storeApiNonce`), `wcSettings`, and the store's
configured snippet `<script src>` (Nudge's `/t/woo.js`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as WebResponse

from sandbox.woocommerce import carts, sessions
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.money import currency_symbol, rest_money, to_decimal
from sandbox.woocommerce.pricing import Totals
from sandbox.woocommerce.products import (
    active_price,
    is_on_sale,
    permalink,
    price_string,
    variations_of,
)
from sandbox.woocommerce.state import CartSession, Record, Store
from sandbox.woocommerce.store_api import set_session_cookie
from sandbox.woocommerce.wp_json import sandbox, store_for_request

blueprint = Blueprint("woo_storefront", __name__, template_folder="templates")


@dataclass
class Page:
    """A storefront request: the store, the shopper's session, and what to tell them."""

    store: Store
    session: CartSession
    new_session: bool
    errors: list[str] = field(default_factory=list)


def open_page(slug: str, session_token: str | None = None) -> Page:
    """Resolve the store and the shopper's session (cookie, or a `?session=` Cart-Token);
    call with the state lock held."""
    store = store_for_request(slug)
    session = sessions.from_cart_token(store, session_token) if session_token else None
    from_link = session is not None
    if session is None:
        session = sessions.from_cookie(store, request.cookies.get(sessions.cookie_name(store)))
    if session is None:
        return Page(store, sessions.new_session(store), True)
    return Page(store, session, from_link)


def render(page: Page, template: str, status: int = 200, **context: Any) -> WebResponse:
    """Render a page with the shared context and keep the session cookie."""
    store, session = page.store, page.session
    notices, session.notices = list(session.notices), []
    html = render_template(
        f"woo/{template}",
        store=store,
        notices=notices,
        errors=page.errors,
        cart_count=sum(line["quantity"] for line in session.items.values()),
        nonce=sessions.nonce(store, session),
        nonce_timestamp=str(int(time.time())),
        wc_settings=_wc_settings(store),
        **context,
    )
    response = Response(html, status=status, content_type="text/html; charset=UTF-8")
    response.headers["Link"] = f'<{store.home_url}/wp-json/>; rel="https://api.w.org/"'
    if page.new_session:
        set_session_cookie(response, store, session)
    return response


def _wc_settings(store: Store) -> Record:
    return {
        "homeUrl": f"{store.home_url}/",
        "storeApiRoot": f"{store.home_url}/wp-json/wc/store/v1/",
        "currency": {
            "code": store.settings.currency,
            "symbol": currency_symbol(store.settings.currency),
            "minorUnit": 2,
            "decimalSeparator": ".",
            "thousandSeparator": ",",
        },
    }


def money(store: Store, amount: Any) -> str:
    """A price (Decimal, number or numeric string) as the theme prints it: "$18.00"."""
    return f"{currency_symbol(store.settings.currency)}{rest_money(to_decimal(amount))}"


def redirect_with_cookie(page: Page, location: str) -> WebResponse:
    """A 302 that keeps a new session's cookie."""
    response = redirect(location, 302)
    if page.new_session:
        set_session_cookie(response, page.store, page.session)
    return response


def _listing(store: Store, product: Record) -> Record:
    price = price_string(store, product)
    return {
        "id": product["id"],
        "name": product["name"],
        "type": product["type"],
        "sku": product["sku"],
        "permalink": permalink(store, product),
        "image": store.images[product["image_ids"][0]]["src"] if product["image_ids"] else None,
        "price": (("From " if product["type"] == "variable" else "") + money(store, price))
        if price
        else "",
        "in_stock": product["stock_status"] != "outofstock",
    }


def _add_from_request(page: Page, product_id: str, quantity: str, variation_id: str) -> None:
    try:
        line = carts.add_item(
            page.store, page.session, int(product_id), int(quantity or 1), int(variation_id or 0)
        )
    except (WooError, ValueError) as error:
        page.errors.append(error.message if isinstance(error, WooError) else "Invalid quantity.")
        return
    product = page.store.products[line["product_id"]]
    page.session.notices.append(f"“{product['name']}” has been added to your cart.")


@blueprint.get("/<slug>/")
def shop(slug: str) -> WebResponse:
    """The shop page; `?add-to-cart=ID&quantity=N` adds a product (classic add-to-cart links)."""
    with sandbox().lock:
        page = open_page(slug)
        if request.args.get("add-to-cart"):
            _add_from_request(
                page, request.args["add-to-cart"], request.args.get("quantity", "1"), "0"
            )
            if not page.errors:
                return redirect_with_cookie(page, f"{page.store.home_url}/")
        items = [
            p
            for p in page.store.products.values()
            if p["type"] != "variation" and p["status"] == "publish"
        ]
        listed = [
            _listing(page.store, p)
            for p in items
            if p["catalog_visibility"] in ("visible", "catalog")
        ]
        return render(page, "shop.html", status=400 if page.errors else 200, products=listed)


def _product_context(store: Store, product: Record) -> Record:
    price = price_string(store, product)
    in_stock = product["stock_status"] != "outofstock"
    variations = [
        {
            "id": v["id"],
            "label": ", ".join(str(a.get("option", "")) for a in v["attributes"]) or f"#{v['id']}",
            "price": money(store, active_price(v)),
        }
        for v in variations_of(store, product)
        if v["status"] == "publish" and active_price(v) is not None
    ]
    stock_text = (
        f"{product['stock_quantity']} in stock"
        if product["manage_stock"] and in_stock
        else ("In stock" if in_stock else "Out of stock")
    )
    return {
        "id": product["id"],
        "name": product["name"],
        "type": product["type"],
        "permalink": permalink(store, product),
        "price": money(store, price) if price else "",
        "regular_price": money(store, product["regular_price"]) if product["regular_price"] else "",
        "on_sale": is_on_sale(product),
        "in_stock": in_stock,
        "stock_text": stock_text,
        "images": [store.images[i]["src"] for i in product["image_ids"]],
        "variations": variations,
        "short_description": product["short_description"],
        "description": product["description"],
    }


def _structured_data(store: Store, product: Record) -> Record:
    return {
        "@context": "https://schema.org/",
        "@type": "Product",
        "@id": f"{permalink(store, product)}#product",
        "name": product["name"],
        "url": permalink(store, product),
        "sku": product["sku"] or str(product["id"]),
        "image": store.images[product["image_ids"][0]]["src"] if product["image_ids"] else "",
        "offers": [
            {
                "@type": "Offer",
                "price": price_string(store, product),
                "priceCurrency": store.settings.currency,
                "availability": "http://schema.org/"
                + ("InStock" if product["stock_status"] != "outofstock" else "OutOfStock"),
            }
        ],
    }


@blueprint.route("/<slug>/product/<product_slug>/", methods=["GET", "POST"])
def product_page(slug: str, product_slug: str) -> WebResponse:
    """A product page; its form posts `add-to-cart`, `quantity` (and `variation_id`)."""
    with sandbox().lock:
        page = open_page(slug)
        product = next(
            (
                p
                for p in page.store.products.values()
                if p["slug"] == product_slug
                and p["type"] != "variation"
                and p["status"] == "publish"
            ),
            None,
        )
        if product is None:
            return render(page, "shop.html", status=404, products=[])
        if request.method == "POST":
            form = request.form
            _add_from_request(
                page,
                form.get("add-to-cart", str(product["id"])),
                form.get("quantity", "1"),
                form.get("variation_id", "0"),
            )
            if not page.errors:
                return redirect_with_cookie(page, permalink(page.store, product))
        status = 400 if page.errors else 200
        return render(
            page,
            "product.html",
            status=status,
            product=_product_context(page.store, product),
            structured_data=_structured_data(page.store, product),
        )


def cart_context(store: Store, totals: Totals) -> Record:
    """Lines and totals formatted for the cart and checkout pages."""
    lines = [
        {
            "key": line.key,
            "product_id": line.product["id"],
            "name": line.product["name"],
            "permalink": permalink(store, line.product),
            "price": money(store, line.unit_price),
            "quantity": line.quantity,
            "subtotal": money(store, line.subtotal),
        }
        for line in totals.lines
    ]
    summary = {
        "subtotal": money(store, totals.subtotal),
        "coupons": [
            {"code": c["code"], "amount": money(store, totals.coupon_discounts.get(c["code"], 0))}
            for c in totals.coupons
        ],
        "shipping": money(store, totals.shipping) if totals.needs_shipping else None,
        "total": money(store, totals.total),
    }
    return {"lines": lines, "totals": summary}


@blueprint.route("/<slug>/cart/", methods=["GET", "POST"])
def cart_page(slug: str) -> WebResponse:
    """The cart; its forms post `action` = update | remove | apply_coupon | remove_coupon."""
    with sandbox().lock:
        page = open_page(slug)
        if request.method == "POST":
            _cart_action(page, request.form)
            if not page.errors:
                return redirect_with_cookie(page, f"{page.store.home_url}/cart/")
        context = cart_context(page.store, carts.totals(page.store, page.session))
        return render(page, "cart.html", status=400 if page.errors else 200, **context)


def _cart_action(page: Page, form: Any) -> None:
    action, key = form.get("action"), form.get("key", "")
    try:
        if action == "update":
            carts.set_quantity(page.store, page.session, key, int(form.get("quantity", "1")))
        elif action == "remove":
            carts.remove_item(page.session, key)
        elif action == "apply_coupon":
            carts.apply_coupon(page.store, page.session, form.get("coupon_code", ""))
            page.session.notices.append("Coupon code applied successfully.")
        elif action == "remove_coupon":
            carts.remove_coupon(page.session, form.get("coupon_code", ""))
        else:
            page.errors.append("Unknown cart action.")
    except WooError as error:
        page.errors.append(error.message)
    except ValueError:
        page.errors.append("Invalid quantity.")


@blueprint.get("/<slug>/wp-content/uploads/sandbox/<int:image_id>.svg")
def placeholder_image(slug: str, image_id: int) -> WebResponse:
    """A generated product picture (no external assets)."""
    with sandbox().lock:
        store = store_for_request(slug)
        image = store.images.get(image_id)
        label = image["name"] if image else f"Image {image_id}"
    hue = int(hashlib.md5(label.encode(), usedforsecurity=False).hexdigest()[:2], 16) * 360 // 256
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600">'
        f'<rect width="600" height="600" fill="hsl({hue},55%,78%)"/>'
        '<text x="300" y="310" font-family="sans-serif" font-size="34" text-anchor="middle" '
        f'fill="#333">'
        f"{escape(label)}</text></svg>"
    )
    return Response(svg, content_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})
