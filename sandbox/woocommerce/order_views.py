"""REST body of an order (`GET /wc/v3/orders/<id>`), keyed like `fixtures/woocommerce/order.json`
plus the fields current WooCommerce adds (`currency_symbol`, `payment_url`, `is_editable`,
`needs_payment`, `needs_processing`, `shipping.phone`, line item `image` and `parent_name`)."""

from __future__ import annotations

from sandbox.woocommerce import records
from sandbox.woocommerce.dates import gmt_string, local_string
from sandbox.woocommerce.money import ZERO, currency_symbol, php_number, rest_money
from sandbox.woocommerce.state import Record, Store

_ZERO = "0.00"


def order_view(store: Store, order: Record) -> Record:
    """`GET /wc/v3/orders/<id>` (also what order.* webhooks deliver)."""
    extra_links = {}
    if order["customer_id"]:
        extra_links["customer"] = f"{store.home_url}/wp-json/wc/v3/customers/{order['customer_id']}"
    return {
        **_head(store, order),
        **_customer_and_payment(store, order),
        "meta_data": records.meta_view(order["meta_data"]),
        "line_items": [_line_item(item) for item in order["line_items"]],
        "tax_lines": [],
        "shipping_lines": [_shipping_line(line) for line in order["shipping_lines"]],
        "fee_lines": [],
        "coupon_lines": [_coupon_line(line) for line in order["coupon_lines"]],
        "refunds": [
            {"id": r["id"], "reason": r["reason"], "total": "-" + rest_money(r["amount"])}
            for r in order["refunds"]
        ],
        "currency_symbol": currency_symbol(order["currency"]),
        "payment_url": (
            f"{store.home_url}/checkout/order-pay/{order['id']}/"
            f"?pay_for_order=true&key={order['order_key']}"
        ),
        "is_editable": order["status"] in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": order["status"] in ("pending", "failed") and order["total"] > ZERO,
        "needs_processing": True,
        "_links": records.links(store.home_url, "orders", order["id"], **extra_links),
    }


def _head(store: Store, order: Record) -> Record:
    zone = store.settings.zone
    return {
        "id": order["id"],
        "parent_id": order["parent_id"],
        "number": str(order["id"]),
        "order_key": order["order_key"],
        "created_via": order["created_via"],
        "version": order["version"],
        "status": order["status"],
        "currency": order["currency"],
        "date_created": local_string(order["date_created"], zone),
        "date_created_gmt": gmt_string(order["date_created"]),
        "date_modified": local_string(order["date_modified"], zone),
        "date_modified_gmt": gmt_string(order["date_modified"]),
        "discount_total": rest_money(order["discount_total"]),
        "discount_tax": _ZERO,
        "shipping_total": rest_money(order["shipping_total"]),
        "shipping_tax": _ZERO,
        "cart_tax": _ZERO,
        "total": rest_money(order["total"]),
        "total_tax": _ZERO,
        "prices_include_tax": False,
    }


def _customer_and_payment(store: Store, order: Record) -> Record:
    zone = store.settings.zone
    return {
        "customer_id": order["customer_id"],
        "customer_ip_address": order["customer_ip_address"],
        "customer_user_agent": order["customer_user_agent"],
        "customer_note": order["customer_note"],
        "billing": dict(order["billing"]),
        "shipping": dict(order["shipping"]),
        "payment_method": order["payment_method"],
        "payment_method_title": order["payment_method_title"],
        "transaction_id": order["transaction_id"],
        "date_paid": local_string(order["date_paid"], zone),
        "date_paid_gmt": gmt_string(order["date_paid"]),
        "date_completed": local_string(order["date_completed"], zone),
        "date_completed_gmt": gmt_string(order["date_completed"]),
        "cart_hash": order["cart_hash"],
    }


def _line_item(item: Record) -> Record:
    quantity = max(1, item["quantity"])
    return {
        "id": item["id"],
        "name": item["name"],
        "product_id": item["product_id"],
        "variation_id": item["variation_id"],
        "quantity": item["quantity"],
        "tax_class": "",
        "subtotal": rest_money(item["subtotal"]),
        "subtotal_tax": _ZERO,
        "total": rest_money(item["total"]),
        "total_tax": _ZERO,
        "taxes": [],
        "meta_data": [],
        "sku": item["sku"],
        "price": php_number(item["total"] / quantity),
        "image": dict(item["image"]),
        "parent_name": item["parent_name"],
    }


def _shipping_line(line: Record) -> Record:
    return {
        "id": line["id"],
        "method_title": line["method_title"],
        "method_id": line["method_id"],
        "instance_id": "1",
        "total": rest_money(line["total"]),
        "total_tax": _ZERO,
        "taxes": [],
        "meta_data": [],
    }


def _coupon_line(line: Record) -> Record:
    return {
        "id": line["id"],
        "code": line["code"],
        "discount": rest_money(line["discount"]),
        "discount_tax": _ZERO,
        "discount_type": line["discount_type"],
        "nominal_amount": php_number(line["nominal_amount"]),
        "free_shipping": line["free_shipping"],
        "meta_data": [],
    }
