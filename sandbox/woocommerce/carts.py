"""Cart operations on a shopper session (shared by the Store API, the pages and checkout links)."""

from __future__ import annotations

import hashlib

from sandbox.woocommerce import coupon_rules
from sandbox.woocommerce.coupon_rules import CouponRejected
from sandbox.woocommerce.coupons import find_by_code, format_code
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.pricing import Totals, build_line, price, resolve_item
from sandbox.woocommerce.state import CartSession, Record, Store


def item_key(product_id: int, variation_id: int) -> str:
    """`WC_Cart::generate_cart_id`: md5 of the product and variation."""
    return hashlib.md5(f"{product_id}_{variation_id}".encode(), usedforsecurity=False).hexdigest()


def add_item(
    store: Store, session: CartSession, product_id: int, quantity: int, variation_id: int = 0
) -> Record:
    """Add (or increase) a line; out-of-stock and unpurchasable products are refused."""
    if quantity <= 0:
        raise WooError(
            "woocommerce_rest_invalid_quantity", "Quantity must be a positive number.", 400
        )
    product, variation = resolve_item(store, product_id, variation_id)
    item = variation or product
    if item["status"] != "publish":
        raise WooError(
            "woocommerce_rest_cart_invalid_product",
            "This product cannot be added to the cart.",
            400,
        )
    build_line(store, "", product["id"], variation["id"] if variation else 0, 1)  # purchasable?
    key = item_key(product["id"], variation["id"] if variation else 0)
    existing = session.items.get(key)
    wanted = quantity + (existing["quantity"] if existing else 0)
    if product["sold_individually"]:
        wanted = 1
    _check_stock(product, item, wanted)
    line = {
        "key": key,
        "product_id": product["id"],
        "variation_id": variation["id"] if variation else 0,
        "quantity": wanted,
    }
    session.items[key] = line
    return line


def _check_stock(product: Record, item: Record, quantity: int) -> None:
    if item["stock_status"] == "outofstock":
        raise WooError(
            "woocommerce_rest_product_out_of_stock",
            f"You cannot add &quot;{product['name']}&quot; to the cart because the product is "
            "out of stock.",
            400,
        )
    limited = (
        item["manage_stock"] and item["stock_quantity"] is not None and item["backorders"] == "no"
    )
    if limited and quantity > item["stock_quantity"]:
        raise WooError(
            "woocommerce_rest_product_partially_out_of_stock",
            f"You cannot add that amount of &quot;{product['name']}&quot; to the cart because "
            "there is not enough stock.",
            400,
        )


def set_quantity(store: Store, session: CartSession, key: str, quantity: int) -> None:
    """Change a line's quantity (0 removes it)."""
    line = _line(session, key)
    if quantity <= 0:
        del session.items[key]
        return
    product, variation = resolve_item(store, line["product_id"], line["variation_id"])
    _check_stock(product, variation or product, quantity)
    line["quantity"] = 1 if product["sold_individually"] else quantity


def remove_item(session: CartSession, key: str) -> None:
    """Remove a line."""
    _line(session, key)
    del session.items[key]


def _line(session: CartSession, key: str) -> Record:
    line = session.items.get(key)
    if line is None:
        raise WooError(
            "woocommerce_rest_cart_invalid_key", "Cart item no longer exists or is invalid.", 409
        )
    return line


def lines(store: Store, session: CartSession) -> list[coupon_rules.Line]:
    """The session's lines, priced per unit (lines whose product vanished are dropped)."""
    result = []
    for key, line in list(session.items.items()):
        try:
            result.append(
                build_line(store, key, line["product_id"], line["variation_id"], line["quantity"])
            )
        except WooError:
            del session.items[key]
    return result


def apply_coupon(store: Store, session: CartSession, code: str) -> None:
    """Apply a coupon with WooCommerce's checks (email rules too once the email is known)."""
    current = lines(store, session)
    applied = [c for c in (find_by_code(store, c) for c in session.coupons) if c]
    try:
        coupon = coupon_rules.lookup(store, code)
        coupon_rules.check_coupon(coupon, current, applied)
        if session.billing.get("email"):
            coupon_rules.check_customer(coupon, session.billing["email"], 0)
    except CouponRejected as rejected:
        raise WooError("woocommerce_rest_cart_coupon_error", str(rejected), 400) from rejected
    session.coupons.append(coupon["code"])


def remove_coupon(session: CartSession, code: str) -> None:
    """Remove an applied coupon."""
    wanted = format_code(code)
    if wanted not in session.coupons:
        raise WooError(
            "woocommerce_rest_cart_coupon_invalid_code", "Coupon does not exist in the cart.", 400
        )
    session.coupons.remove(wanted)


def totals(store: Store, session: CartSession) -> Totals:
    """The session's cart priced with its still-valid coupons (invalid ones are dropped)."""
    current = lines(store, session)
    applied: list[Record] = []
    for code in list(session.coupons):
        coupon = find_by_code(store, code)
        try:
            if coupon is None:
                raise CouponRejected(code)
            coupon_rules.check_coupon(coupon, current, applied)
            applied.append(coupon)
        except CouponRejected:
            session.coupons.remove(code)
    return price(store, current, applied)
