"""The Store API (`/wp-json/wc/store/v1`): the shopper's own cart and checkout, no API keys.

Writes need a valid `Cart-Token` or the session's `Nonce` header: missing → 401
`woocommerce_rest_missing_nonce`, wrong → 403 `woocommerce_rest_invalid_nonce`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from werkzeug.wrappers import Response as WebResponse

from sandbox.woocommerce import carts, checkout, sessions
from sandbox.woocommerce.cart_views import cart_view, checkout_view, currency_fields
from sandbox.woocommerce.dates import gmt_string, utc_now
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.money import minor_units
from sandbox.woocommerce.params import Arg, validate
from sandbox.woocommerce.payloads import php_json
from sandbox.woocommerce.products import active_price, permalink
from sandbox.woocommerce.rest import Reply, Router
from sandbox.woocommerce.state import CartSession, Record, Sandbox, Store

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class ShopperCall:
    """One Store API request: the store, the shopper's session and the arguments."""

    store: Store
    session: CartSession
    params: dict[str, Any]


STORE_V1: Router[ShopperCall] = Router("wc/store/v1")


def _cart(call: ShopperCall, status: int = 200) -> Reply:
    return Reply(
        cart_view(call.store, call.session, carts.totals(call.store, call.session)), status=status
    )


@STORE_V1.route("/cart", ["GET"], action=None)
def get_cart(call: ShopperCall) -> Reply:
    """The shopper's cart."""
    return _cart(call)


@STORE_V1.route("/cart/add-item", ["POST"], action=None)
def add_item(call: ShopperCall) -> Reply:
    """`{id, quantity}` (id may be a variation) → 201 with the cart."""
    args = validate(
        call.params, [Arg("id", "integer", required=True), Arg("quantity", "integer", default=1)]
    )
    carts.add_item(call.store, call.session, args["id"], args["quantity"])
    _refresh_draft(call)
    return _cart(call, status=201)


@STORE_V1.route("/cart/update-item", ["POST"], action=None)
def update_item(call: ShopperCall) -> Reply:
    """`{key, quantity}`."""
    args = validate(
        call.params,
        [Arg("key", "string", required=True), Arg("quantity", "integer", required=True)],
    )
    carts.set_quantity(call.store, call.session, args["key"], args["quantity"])
    _refresh_draft(call)
    return _cart(call)


@STORE_V1.route("/cart/remove-item", ["POST"], action=None)
def remove_item(call: ShopperCall) -> Reply:
    """`{key}`."""
    args = validate(call.params, [Arg("key", "string", required=True)])
    carts.remove_item(call.session, args["key"])
    _refresh_draft(call)
    return _cart(call)


@STORE_V1.route("/cart/apply-coupon", ["POST"], action=None)
def apply_coupon(call: ShopperCall) -> Reply:
    """`{code}`; a refused coupon answers 400 `woocommerce_rest_cart_coupon_error`."""
    args = validate(call.params, [Arg("code", "string", required=True)])
    carts.apply_coupon(call.store, call.session, args["code"])
    _refresh_draft(call)
    return _cart(call)


@STORE_V1.route("/cart/remove-coupon", ["POST"], action=None)
def remove_coupon(call: ShopperCall) -> Reply:
    """`{code}`."""
    args = validate(call.params, [Arg("code", "string", required=True)])
    carts.remove_coupon(call.session, args["code"])
    _refresh_draft(call)
    return _cart(call)


@STORE_V1.route("/cart/update-customer", ["POST"], action=None)
def update_customer(call: ShopperCall) -> Reply:
    """`{billing_address, shipping_address}`: what block checkout posts as the email is typed."""
    args = validate(
        call.params, [Arg("billing_address", "object"), Arg("shipping_address", "object")]
    )
    checkout.update_customer(
        call.store, call.session, args.get("billing_address"), args.get("shipping_address")
    )
    return _cart(call)


def _refresh_draft(call: ShopperCall) -> None:
    if checkout.current_draft(call.store, call.session) is not None:
        checkout.sync_draft(call.store, call.session)


@STORE_V1.route("/checkout", ["GET", "PUT"], action=None)
def get_checkout(call: ShopperCall) -> Reply:
    """Create or refresh the session's `checkout-draft` order."""
    if call.params.get("billing_address") is not None:
        checkout.update_customer(call.store, call.session, call.params["billing_address"], None)
    draft = checkout.sync_draft(call.store, call.session)
    return Reply(checkout_view(call.store, draft, call.session))


@STORE_V1.route("/checkout", ["POST"], action=None)
def place_order(call: ShopperCall) -> Reply:
    """Place the order: `{billing_address: {email, ...}, shipping_address, payment_method}`."""
    args = validate(
        call.params,
        [
            Arg("billing_address", "object", required=True),
            Arg("shipping_address", "object"),
            Arg("payment_method", "string", default="cod"),
            Arg("customer_note", "string", default=""),
        ],
    )
    checkout.update_customer(
        call.store, call.session, args["billing_address"], args.get("shipping_address")
    )
    order = checkout.place_order(
        call.store, call.session, args["payment_method"], args["customer_note"]
    )
    body = checkout_view(call.store, order, call.session)
    received = (
        f"{call.store.home_url}/checkout/order-received/{order['id']}/?key={order['order_key']}"
    )
    body["payment_result"] = {
        "payment_status": "success",
        "payment_details": [],
        "redirect_url": received,
    }
    return Reply(body)


@STORE_V1.route("/products", ["GET"], action=None)
def list_products(call: ShopperCall) -> Reply:
    """Published products in Store API shape."""
    items = [
        p
        for p in call.store.products.values()
        if p["type"] != "variation" and p["status"] == "publish"
    ]
    return Reply([store_product(call.store, p) for p in items])


@STORE_V1.route("/products/<id>", ["GET"], action=None)
def get_product(call: ShopperCall) -> Reply:
    """One published product in Store API shape."""
    product = call.store.products.get(int(call.params["id"]))
    if product is None or product["status"] != "publish":
        raise WooError("woocommerce_rest_product_invalid_id", "Invalid product ID.", 404)
    return Reply(store_product(call.store, product))


def store_product(store: Store, product: Record) -> Record:
    """A product as the Store API shows it to shoppers."""
    price = active_price(product)
    return {
        "id": product["id"],
        "name": product["name"],
        "slug": product["slug"],
        "parent": product["parent_id"],
        "type": product["type"],
        "permalink": permalink(store, product),
        "sku": product["sku"],
        "short_description": product["short_description"],
        "description": product["description"],
        "on_sale": False,
        "prices": {
            "price": minor_units(price) if price is not None else "",
            **currency_fields(store),
        },
        "images": [
            {"id": i, "src": store.images[i]["src"], "alt": store.images[i]["alt"]}
            for i in product["image_ids"]
        ],
        "categories": [
            {"id": c, "name": store.categories[c]["name"], "slug": store.categories[c]["slug"]}
            for c in product["category_ids"]
        ],
        "is_purchasable": price is not None,
        "is_in_stock": product["stock_status"] != "outofstock",
    }


def serve(box: Sandbox, store: Store, path: str) -> WebResponse:
    """Answer one Store API request (session, nonce, route, headers, log)."""
    new_cookie = False
    with box.lock:
        session, trusted = _session(store)
        if session is None:
            session, new_cookie = sessions.new_session(store), True
        try:
            route, url_params = STORE_V1.match(path, request.method)
            endpoint = f"{request.method} /wc/store/v1{route.template}"
            if request.method in WRITE_METHODS and not trusted:
                _check_nonce(store, session)
            reply = route.handler(ShopperCall(store, session, {**_params(), **url_params}))
        except WooError as error:
            endpoint = f"{request.method} /wc/store/v1{path}"
            reply = Reply(error.body(), status=error.status)
        store.log_request(
            {
                "at": gmt_string(utc_now()),
                "method": request.method,
                "path": f"/wc/store/v1{path}",
                "endpoint": endpoint,
                "status": reply.status,
                "key_id": None,
            }
        )
        response = _response(store, session, reply)
        if new_cookie or request.cookies.get(sessions.cookie_name(store)) is None:
            set_session_cookie(response, store, session)
    return response


def _session(store: Store) -> tuple[CartSession | None, bool]:
    by_token = sessions.from_cart_token(store, request.headers.get("Cart-Token"))
    if by_token is not None:
        return by_token, True
    return sessions.from_cookie(store, request.cookies.get(sessions.cookie_name(store))), False


def _check_nonce(store: Store, session: CartSession) -> None:
    provided = request.headers.get("Nonce") or request.headers.get("X-WC-Store-API-Nonce")
    if not provided:
        raise WooError(
            "woocommerce_rest_missing_nonce",
            "Missing the Nonce header. This endpoint requires a valid nonce.",
            401,
        )
    if not sessions.nonce_is_valid(store, session, provided):
        raise WooError("woocommerce_rest_invalid_nonce", "Nonce is invalid.", 403)


def _params() -> dict[str, Any]:
    params: dict[str, Any] = dict(request.args)
    if request.mimetype == "application/json" and request.get_data():
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError as error:
            raise WooError("rest_invalid_json", "Invalid JSON body passed.", 400) from error
        if isinstance(body, dict):
            params.update(body)
    elif request.form:
        params.update(request.form.to_dict())
    return params


def _response(store: Store, session: CartSession, reply: Reply) -> WebResponse:
    response = Response(
        php_json(reply.body), status=reply.status, content_type="application/json; charset=UTF-8"
    )
    response.headers["Cart-Token"] = sessions.cart_token(store, session)
    response.headers["Nonce"] = sessions.nonce(store, session)
    response.headers["Nonce-Timestamp"] = str(int(time.time()))
    response.headers["User-ID"] = "0"
    items = repr(sorted(session.items.items())).encode()
    response.headers["Cart-Hash"] = hashlib.md5(items, usedforsecurity=False).hexdigest()
    return response


def set_session_cookie(response: WebResponse, store: Store, session: CartSession) -> None:
    """Send the session cookie, scoped to the store's path."""
    response.set_cookie(
        sessions.cookie_name(store),
        sessions.cookie_value(store, session),
        max_age=sessions.SESSION_SECONDS,
        path=f"/{store.slug}/",
        httponly=True,
        samesite="Lax",
    )
