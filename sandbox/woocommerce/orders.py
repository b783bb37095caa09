"""Orders: building them from priced lines, status changes and their side effects.

Side effects follow WooCommerce's status hooks: entering a paid status sets `date_paid`
(`maybe_set_date_paid`), reduces stock once and counts sales (`wc_maybe_reduce_stock_levels`,
`wc_update_total_sales_counts`); entering pending/processing/on-hold/completed records coupon
usage once (`wc_update_coupon_usage_counts`) and `cancelled` releases it and restores stock.
Stock and usage counts are written directly, so they fire no product/coupon webhook (as in
WooCommerce, where `wc_update_product_stock` and `increase_usage_count` skip the save hooks).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sandbox.woocommerce import records
from sandbox.woocommerce.config import WC_VERSION
from sandbox.woocommerce.coupons import record_usage, release_usage
from sandbox.woocommerce.dates import utc_now
from sandbox.woocommerce.money import ZERO
from sandbox.woocommerce.pricing import Totals
from sandbox.woocommerce.state import Record, Store

STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
PAID_STATUSES = ("processing", "completed")
USAGE_STATUSES = ("pending", "processing", "on-hold", "completed")
STOCK_STATUSES = ("processing", "completed", "on-hold")
DRAFT = "checkout-draft"
PAYMENT_TITLES = {
    "cod": "Cash on delivery",
    "bacs": "Direct bank transfer",
    "cheque": "Check payments",
}


def new_order(store: Store, totals: Totals, created_via: str, status: str = "pending") -> Record:
    """An order holding these priced lines; the caller sets addresses, then `set_status`."""
    now = utc_now()
    order: Record = {
        "id": store.next_post_id(),
        "parent_id": 0,
        "order_key": "wc_order_" + secrets.token_hex(7)[:13],
        "created_via": created_via,
        "version": WC_VERSION,
        "status": status,
        "currency": store.settings.currency,
        "date_created": now,
        "date_modified": now,
        "date_paid": None,
        "date_completed": None,
        "customer_id": 0,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "customer_note": "",
        "billing": records.empty_address(records.BILLING_FIELDS),
        "shipping": records.empty_address(records.SHIPPING_FIELDS),
        "payment_method": "",
        "payment_method_title": "",
        "transaction_id": "",
        "cart_hash": "",
        "meta_data": [],
        "line_items": [],
        "shipping_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "discount_total": ZERO,
        "shipping_total": ZERO,
        "total": ZERO,
        "usage_recorded": False,
        "stock_reduced": False,
    }
    set_totals(store, order, totals)
    store.orders[order["id"]] = order
    return order


def set_totals(store: Store, order: Record, totals: Totals) -> None:
    """Replace the order's items, coupon and shipping lines and totals."""
    order["line_items"] = [_line_item(store, line) for line in totals.lines]
    order["coupon_lines"] = [
        {
            "id": store.next_item_id(),
            "code": coupon["code"],
            "discount": totals.coupon_discounts.get(coupon["code"], ZERO),
            "discount_type": coupon["discount_type"],
            "nominal_amount": coupon["amount"],
            "free_shipping": coupon["free_shipping"],
        }
        for coupon in totals.coupons
    ]
    order["shipping_lines"] = (
        [
            {
                "id": store.next_item_id(),
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "total": totals.shipping,
            }
        ]
        if totals.needs_shipping
        else []
    )
    order["discount_total"] = totals.discount
    order["shipping_total"] = totals.shipping
    order["total"] = totals.total
    order["cart_hash"] = (
        secrets.token_hex(16) if order["created_via"] in ("checkout", "store-api") else ""
    )


def _line_item(store: Store, line: Any) -> Record:
    item = line.variation or line.product
    name = line.product["name"]
    if line.variation is not None:
        options = ", ".join(str(a.get("option", "")) for a in line.variation["attributes"])
        name = f"{name} - {options}" if options else name
    image_id = (item["image_ids"] or line.product["image_ids"] or [None])[0]
    return {
        "id": store.next_item_id(),
        "name": name,
        "product_id": line.product["id"],
        "variation_id": line.variation["id"] if line.variation else 0,
        "quantity": line.quantity,
        "subtotal": line.subtotal,
        "total": line.total,
        "sku": item["sku"],
        "image": {"id": image_id or "", "src": store.images[image_id]["src"] if image_id else ""},
        "parent_name": line.product["name"] if line.variation else None,
    }


def used_by(order: Record) -> str:
    """Who used a coupon on this order: the customer ID, or the guest's billing email."""
    return str(order["customer_id"] or order["billing"]["email"])


def set_status(store: Store, order: Record, status: str) -> str:
    """Move to a status with WooCommerce's side effects; returns the previous status."""
    previous = str(order["status"])
    order["status"] = status
    now = utc_now()
    if status in PAID_STATUSES and order["date_paid"] is None:
        order["date_paid"] = now
    if status == "completed" and order["date_completed"] is None:
        order["date_completed"] = now
    if status in USAGE_STATUSES and not order["usage_recorded"]:
        _record_coupon_usage(store, order, record=True)
    if status == "cancelled" and order["usage_recorded"]:
        _record_coupon_usage(store, order, record=False)
    if status in STOCK_STATUSES and not order["stock_reduced"]:
        _adjust_stock(store, order, reduce=True)
    if status == "cancelled" and order["stock_reduced"]:
        _adjust_stock(store, order, reduce=False)
    if status in PAID_STATUSES:
        _mark_paying(store, order["customer_id"])
    order["date_modified"] = now
    return previous


def _mark_paying(store: Store, customer_id: int) -> None:
    """`wc_paying_customer`: the first paid order saves the customer (customer.updated)."""
    customer = store.customers.get(customer_id)
    if customer is not None and not customer["is_paying_customer"]:
        customer["is_paying_customer"] = True
        customer["date_modified"] = utc_now()
        store.emit("customer", "updated", customer_id)


def _record_coupon_usage(store: Store, order: Record, record: bool) -> None:
    for line in order["coupon_lines"]:
        coupon = next((c for c in store.coupons.values() if c["code"] == line["code"]), None)
        if coupon is None:
            continue
        if record:
            record_usage(coupon, used_by(order))
        else:
            release_usage(coupon, used_by(order))
    order["usage_recorded"] = record


def _adjust_stock(store: Store, order: Record, reduce: bool) -> None:
    sign = -1 if reduce else 1
    for item in order["line_items"]:
        target = store.products.get(item["variation_id"] or item["product_id"])
        if target is None:
            continue
        if target["manage_stock"] and target["stock_quantity"] is not None:
            target["stock_quantity"] += sign * item["quantity"]
            in_stock = target["stock_quantity"] > 0 or target["backorders"] != "no"
            target["stock_status"] = "instock" if in_stock else "outofstock"
        parent = store.products.get(item["product_id"])
        if parent is not None:
            parent["total_sales"] = max(0, parent["total_sales"] - sign * item["quantity"])
    order["stock_reduced"] = reduce


def add_refund(store: Store, order: Record, amount: Any, reason: str) -> Record:
    """Refund part or all of an order; a full refund moves it to `refunded`."""
    refunded = sum((r["amount"] for r in order["refunds"]), ZERO)
    refund = {"id": store.next_post_id(), "reason": reason, "amount": amount, "date": utc_now()}
    order["refunds"].append(refund)
    if refunded + amount >= order["total"]:
        set_status(store, order, "refunded")
    order["date_modified"] = utc_now()
    return refund


def refundable(order: Record) -> Any:
    """What is left to refund."""
    return order["total"] - sum((r["amount"] for r in order["refunds"]), ZERO)


def matching_statuses(requested: Sequence[str]) -> set[str] | None:
    """The statuses a `status` filter selects; None for every status but drafts and trash.

    `any` leaves out `checkout-draft` (registered with `show_in_admin_all_list` false);
    ask for `checkout-draft` explicitly to poll block-checkout drafts.
    """
    if not requested or "any" in requested:
        return None
    return set(requested)
