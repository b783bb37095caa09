"""Placing orders: from REST `line_items`, from the control API and from a checkout.

Webhook hooks follow WooCommerce: a new order fires `woocommerce_new_order` (order.created),
except a block-checkout draft (`checkout-draft`, kept out of order.created, woocommerce#66995);
saving a draft fires `woocommerce_update_order` (order.updated, status `checkout-draft`); a draft
leaving `checkout-draft` counts as a creation (the order data stores fire `woocommerce_new_order`
when an order leaves a draft status).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.woocommerce import coupon_rules, orders, records
from sandbox.woocommerce.coupon_rules import CouponRejected, Line
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.pricing import Totals, build_line, price
from sandbox.woocommerce.state import Record, Store


@dataclass
class OrderRequest:
    """Everything needed to place an order."""

    items: list[tuple[int, int, int]]
    coupon_codes: list[str] = field(default_factory=list)
    billing: dict[str, Any] = field(default_factory=dict)
    shipping: dict[str, Any] = field(default_factory=dict)
    customer_id: int = 0
    status: str = "pending"
    created_via: str = "rest-api"
    payment_method: str = ""
    customer_note: str = ""
    check_stock: bool = False


def priced(
    store: Store,
    items: Sequence[tuple[int, int, int]],
    codes: Sequence[str],
    email: str,
    user_id: int,
) -> Totals:
    """Price the items with the coupons, checking every coupon rule (incl. email restrictions
    and per-user limits against `email`); CouponRejected names the first failure."""
    lines = [build_line(store, f"{p}:{v}", p, v, q) for p, v, q in items]
    applied: list[Record] = []
    for code in codes:
        coupon = coupon_rules.lookup(store, code)
        coupon_rules.check_coupon(coupon, lines, applied)
        if email:
            coupon_rules.check_customer(coupon, email, user_id)
        applied.append(coupon)
    return price(store, lines, applied)


def check_stock(lines: Sequence[Line]) -> None:
    """A checkout cannot buy more than is in stock."""
    for line in lines:
        item = line.variation or line.product
        short = (
            item["manage_stock"]
            and item["stock_quantity"] is not None
            and item["backorders"] == "no"
            and item["stock_quantity"] < line.quantity
        )
        if item["stock_status"] == "outofstock" or short:
            raise WooError(
                "woocommerce_rest_product_out_of_stock",
                f"Sorry, &quot;{line.product['name']}&quot; is not in stock. Please edit your "
                "cart and try again.",
                400,
            )


def place(store: Store, request: OrderRequest, draft: Record | None = None) -> Record:
    """Create the order (or finish `draft`), apply its status side effects, fire its hook."""
    if request.customer_id and request.customer_id not in store.customers:
        raise WooError("woocommerce_rest_invalid_customer_id", "Customer ID is invalid.", 400)
    if not request.items:
        raise WooError("woocommerce_rest_cart_empty", "Cannot create order from empty cart.", 400)
    email = str(request.billing.get("email") or "")
    try:
        totals = priced(store, request.items, request.coupon_codes, email, request.customer_id)
    except CouponRejected as rejected:
        raise WooError("woocommerce_rest_invalid_coupon", str(rejected), 400) from rejected
    if request.check_stock:
        check_stock(totals.lines)
    order = draft if draft is not None else orders.new_order(store, totals, request.created_via)
    if draft is not None:
        orders.set_totals(store, order, totals)
    _fill(order, request)
    orders.set_status(store, order, request.status)
    store.emit("order", "created", order["id"])
    return order


def _fill(order: Record, request: OrderRequest) -> None:
    order["customer_id"] = request.customer_id
    order["billing"] = records.merge_address(
        order["billing"], request.billing, records.BILLING_FIELDS, "billing"
    )
    order["shipping"] = records.merge_address(
        order["shipping"], request.shipping, records.SHIPPING_FIELDS, "shipping"
    )
    order["payment_method"] = request.payment_method
    order["payment_method_title"] = orders.PAYMENT_TITLES.get(
        request.payment_method, request.payment_method
    )
    order["customer_note"] = request.customer_note
