"""Checkout pages: the block-style checkout, shareable checkout links and the thank-you page.

`/checkout-link/?products=123:2,456:1&coupon=CODE` (WooCommerce 10.x, woocommerce#58140)
builds a new cart from the products and coupon and redirects to `/checkout/?session=<token>`,
which loads that cart into the browser's session; problems become notices on the checkout.
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response as WebResponse

from sandbox.woocommerce import carts, checkout, sessions
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.order_views import order_view
from sandbox.woocommerce.storefront import (
    Page,
    cart_context,
    money,
    open_page,
    redirect_with_cookie,
    render,
)
from sandbox.woocommerce.wp_json import sandbox

blueprint = Blueprint("woo_storefront_checkout", __name__, template_folder="templates")
ADDRESS_FIELDS = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("address_1", "Address"),
    ("city", "City"),
    ("postcode", "Postal code"),
    ("country", "Country"),
    ("phone", "Phone"),
]


def _checkout_page(page: Page, status: int = 200) -> WebResponse:
    totals = carts.totals(page.store, page.session)
    draft = checkout.sync_draft(page.store, page.session) if page.session.items else None
    billing = {
        name: page.session.billing.get(name, "") for name, _ in [("email", ""), *ADDRESS_FIELDS]
    }
    return render(
        page,
        "checkout.html",
        status=status,
        draft_id=draft["id"] if draft else None,
        billing=billing,
        address_fields=ADDRESS_FIELDS,
        **cart_context(page.store, totals),
    )


@blueprint.get("/<slug>/checkout/")
def checkout_page(slug: str) -> WebResponse:
    """The checkout; rendering it creates or refreshes the session's `checkout-draft` order,
    as the checkout block's preload of `GET /wc/store/v1/checkout` does."""
    with sandbox().lock:
        page = open_page(slug, session_token=request.args.get("session"))
        return _checkout_page(page)


@blueprint.post("/<slug>/checkout/")
def place_order(slug: str) -> WebResponse:
    """The checkout form without JavaScript: save the address, place the order."""
    form = request.form
    with sandbox().lock:
        page = open_page(slug)
        billing = {name: form.get(name, "") for name, _ in ADDRESS_FIELDS}
        billing["email"] = form.get("email", "")
        try:
            checkout.update_customer(page.store, page.session, billing, None)
            order = checkout.place_order(
                page.store, page.session, form.get("payment_method", "cod")
            )
        except WooError as error:
            page.errors.append(error.message)
            return _checkout_page(page, status=400)
        received = (
            f"{page.store.home_url}/checkout/order-received/{order['id']}/?key={order['order_key']}"
        )
        return redirect_with_cookie(page, received)


@blueprint.get("/<slug>/checkout/order-received/<int:order_id>/")
def order_received(slug: str, order_id: int) -> WebResponse:
    """The thank-you page (the order key must match)."""
    with sandbox().lock:
        page = open_page(slug)
        order = page.store.orders.get(order_id)
        if order is None or request.args.get("key") != order["order_key"]:
            page.errors.append("Sorry, this order is invalid and cannot be paid for.")
            return render(page, "shop.html", status=404, products=[])
        view = {**order_view(page.store, order), "total": money(page.store, order["total"])}
        return render(page, "order_received.html", order=view)


@blueprint.get("/<slug>/checkout-link/")
def checkout_link(slug: str) -> WebResponse:
    """Rebuild a cart from `products=ID:QTY,...` and `coupon=CODE`, then go to checkout."""
    with sandbox().lock:
        page = open_page(slug)
        store = page.store
        session = sessions.new_session(store)
        for product_id, quantity in _parse_products(
            request.args.get("products", ""), session.notices
        ):
            try:
                carts.add_item(store, session, product_id, quantity)
            except WooError as error:
                session.notices.append(_product_notice(error, product_id))
        code = request.args.get("coupon", "").strip()
        if code:
            try:
                carts.apply_coupon(store, session, code)
            except WooError as error:
                session.notices.append(
                    error.message.replace(f'Coupon "{code.lower()}"', f"Coupon '{code}'")
                )
        token = sessions.cart_token(store, session)
        page.session, page.new_session = session, True
        return redirect_with_cookie(page, f"{store.home_url}/checkout/?session={token}")


def _parse_products(raw: str, notices: list[str]) -> list[tuple[int, int]]:
    items = []
    for part in filter(None, (chunk.strip() for chunk in raw.split(","))):
        product, _, quantity = part.partition(":")
        if not product.isdigit() or (quantity and not quantity.isdigit()):
            notices.append(f"The product '{part}' could not be added to the cart.")
            continue
        items.append((int(product), int(quantity or 1)))
    return items


def _product_notice(error: WooError, product_id: int) -> str:
    if error.code == "woocommerce_rest_cart_invalid_product":
        return f"Product with ID '{product_id}' was not found and cannot be added to the cart."
    return error.message
