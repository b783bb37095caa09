"""REST-shaped bodies of orders/*, checkouts/* and carts/* (keys as in the 2026-07 samples)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.shopify.ids import gid
from sandbox.shopify.payloads import customer_body, money_set
from sandbox.shopify.timestamps import iso_local

if TYPE_CHECKING:
    from sandbox.shopify.state import Shop

Record = dict[str, Any]


def _time(shop: Shop, value: float | None) -> str | None:
    return iso_local(value, shop.timezone) if value is not None else None


def _line_total(line: Record) -> str:
    from decimal import Decimal

    return f"{Decimal(line['price']) * line['quantity']:.2f}"


def _customer(shop: Shop, customer_id: int | None) -> Record | None:
    record = shop.customers.get(customer_id) if customer_id is not None else None
    return customer_body(shop, record, with_addresses=False) if record else None


def order_line_body(shop: Shop, line: Record) -> Record:
    """One line item of an order."""
    zero = money_set("0.00", shop.currency)
    return {
        "id": line["id"],
        "admin_graphql_api_id": gid("LineItem", line["id"]),
        "current_quantity": line["quantity"],
        "fulfillable_quantity": line["quantity"],
        "fulfillment_service": "manual",
        "fulfillment_status": None,
        "gift_card": False,
        "grams": 0,
        "name": f"{line['title']} - {line['variant_title']}",
        "price": line["price"],
        "price_set": money_set(line["price"], shop.currency),
        "product_exists": line["product_id"] in shop.products,
        "product_id": line["product_id"],
        "properties": [],
        "quantity": line["quantity"],
        "requires_shipping": True,
        "sku": line["sku"],
        "taxable": True,
        "title": line["title"],
        "total_discount": "0.00",
        "total_discount_set": zero,
        "variant_id": line["variant_id"],
        "variant_inventory_management": "shopify",
        "variant_title": line["variant_title"],
        "vendor": line["vendor"],
        "tax_lines": [],
        "duties": [],
        "discount_allocations": [],
    }


def _discount_application(code: Record) -> Record:
    shipping = code["type"] == "shipping"
    return {
        # A free-shipping code applies to the shipping lines, 100 % off each (REST Order docs).
        "target_type": "shipping_line" if shipping else "line_item",
        "type": "discount_code",
        "value": code.get("value", code["amount"]),
        "value_type": "percentage" if shipping else code["type"],
        "allocation_method": "each" if shipping else "across",
        "target_selection": "all",
        "code": code["code"],
    }


def _discount_applications(order: Record) -> list[Record]:
    return [_discount_application(code) for code in order["discount_codes"]]


def order_body(shop: Shop, order: Record) -> Record:
    """orders/create|paid|updated|cancelled body."""
    currency = shop.currency
    codes = [
        {key: code[key] for key in ("code", "amount", "type")} for code in order["discount_codes"]
    ]
    body: Record = {
        "id": order["id"],
        "admin_graphql_api_id": gid("Order", order["id"]),
        "app_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": order["buyer_accepts_marketing"],
        "cancel_reason": order["cancel_reason"],
        "cancelled_at": _time(shop, order["cancelled_at"]),
        "cart_token": order["cart_token"],
        "checkout_token": order["checkout_token"],
        "client_details": None,
        "closed_at": _time(shop, order["closed_at"]),
        "confirmation_number": order["confirmation_number"],
        "confirmed": True,
        "contact_email": order["email"],
        "created_at": _time(shop, order["created_at"]),
        "currency": currency,
        "current_subtotal_price": order["subtotal_price"],
        "current_total_discounts": order["total_discounts"],
        "current_total_price": order["total_price"],
        "current_total_tax": "0.00",
        "customer_locale": order["customer_locale"],
        "discount_codes": codes,
        "email": order["email"],
        "financial_status": order["financial_status"],
        "fulfillment_status": None,
        "landing_site": None,
        "name": order["name"],
        "note": order["note"],
        "note_attributes": [],
        "number": order["number"],
        "order_number": order["order_number"],
        "order_status_url": f"https://{shop.domain}/{shop.id}/orders/{order['token']}/authenticate",
        "phone": None,
        "presentment_currency": currency,
        "processed_at": _time(shop, order["processed_at"]),
        "source_name": "web",
        "subtotal_price": order["subtotal_price"],
        "subtotal_price_set": money_set(order["subtotal_price"], currency),
        "tags": ", ".join(order["tags"]),
        "tax_lines": [],
        "taxes_included": False,
        "test": False,
        "token": order["token"],
        "total_discounts": order["total_discounts"],
        "total_discounts_set": money_set(order["total_discounts"], currency),
        "total_line_items_price": order["line_items_price"],
        "total_line_items_price_set": money_set(order["line_items_price"], currency),
        "total_outstanding": "0.00"
        if order["financial_status"] == "paid"
        else order["total_price"],
        "total_price": order["total_price"],
        "total_price_set": money_set(order["total_price"], currency),
        "total_shipping_price_set": money_set("0.00", currency),
        "total_tax": "0.00",
        "total_tax_set": money_set("0.00", currency),
        "total_weight": 0,
        "updated_at": _time(shop, order["updated_at"]),
        "user_id": None,
        "billing_address": None,
        "customer": _customer(shop, order["customer_id"]),
        "discount_applications": _discount_applications(order),
        "fulfillments": [],
        "line_items": [order_line_body(shop, line) for line in order["line_items"]],
        "refunds": [],
        "shipping_address": None,
        "shipping_lines": [],
    }
    return body


def checkout_line_body(line: Record) -> Record:
    """One line item of a checkout."""
    return {
        "applied_discounts": [],
        "discount_allocations": [],
        "key": line["key"],
        "fulfillment_service": "manual",
        "gift_card": False,
        "grams": 0,
        "presentment_title": line["title"],
        "presentment_variant_title": line["variant_title"],
        "product_id": line["product_id"],
        "properties": None,
        "quantity": line["quantity"],
        "requires_shipping": True,
        "sku": line["sku"],
        "tax_lines": [],
        "taxable": True,
        "title": line["title"],
        "variant_id": line["variant_id"],
        "variant_title": line["variant_title"],
        "variant_price": line["price"],
        "vendor": line["vendor"],
        "user_id": None,
        "rank": None,
        "compare_at_price": None,
        "line_price": _line_total(line),
        "price": line["price"],
    }


def checkout_body(shop: Shop, checkout: Record) -> Record:
    """checkouts/create|update body."""
    codes = [
        {key: code[key] for key in ("code", "amount", "type")}
        for code in checkout["discount_codes"]
    ]
    body: Record = {
        "token": checkout["token"],
        "cart_token": checkout["cart_token"],
        "email": checkout["email"],
        "gateway": None,
        "buyer_accepts_marketing": checkout["buyer_accepts_marketing"],
        "created_at": _time(shop, checkout["created_at"]),
        "updated_at": _time(shop, checkout["updated_at"]),
        "landing_site": None,
        "note": None,
        "note_attributes": [],
        "referring_site": None,
        "shipping_lines": [],
        "taxes_included": False,
        "total_weight": 0,
        "currency": shop.currency,
        "completed_at": _time(shop, checkout["completed_at"]),
        "closed_at": None,
        "user_id": None,
        "location_id": None,
        "source_identifier": None,
        "source_url": None,
        "device_id": None,
        "phone": None,
        "customer_locale": checkout["customer_locale"],
        "line_items": [checkout_line_body(line) for line in checkout["line_items"]],
        "name": f"#{checkout['id']}",
        "source": None,
        "abandoned_checkout_url": checkout["abandoned_checkout_url"],
        "discount_codes": codes,
        "tax_lines": [],
        "source_name": "web",
        "presentment_currency": shop.currency,
        "buyer_accepts_sms_marketing": False,
        "sms_marketing_phone": None,
        "total_discounts": checkout["total_discounts"],
        "total_line_items_price": checkout["line_items_price"],
        "total_price": checkout["total_price"],
        "total_tax": "0.00",
        "subtotal_price": checkout["subtotal_price"],
        "total_duties": None,
        "reservation_token": None,
        "billing_address": None,
        "shipping_address": None,
    }
    customer = _customer(shop, checkout["customer_id"])
    if customer is not None:
        body["customer"] = customer
    return body


def cart_line_body(shop: Shop, line: Record) -> Record:
    """One line of a cart."""
    total = _line_total(line)
    return {
        "id": line["variant_id"],
        "properties": None,
        "quantity": line["quantity"],
        "variant_id": line["variant_id"],
        "key": line["key"],
        "discounted_price": line["price"],
        "discounts": [],
        "gift_card": False,
        "grams": 0,
        "line_price": total,
        "original_line_price": total,
        "original_price": line["price"],
        "price": line["price"],
        "product_id": line["product_id"],
        "sku": line["sku"],
        "taxable": True,
        "title": f"{line['title']} - {line['variant_title']}",
        "total_discount": "0.00",
        "vendor": line["vendor"],
        "discounted_price_set": money_set(line["price"], shop.currency),
        "line_price_set": money_set(total, shop.currency),
        "original_line_price_set": money_set(total, shop.currency),
        "price_set": money_set(line["price"], shop.currency),
        "total_discount_set": money_set("0.00", shop.currency),
        "parent_relationship": None,
    }


def cart_body(shop: Shop, cart: Record) -> Record:
    """carts/create|update body (carts carry no customer or email)."""
    return {
        "id": cart["token"],
        "token": cart["token"],
        "line_items": [cart_line_body(shop, line) for line in cart["line_items"]],
        "note": cart["note"],
        "updated_at": iso_local(cart["updated_at"], "UTC").replace("+00:00", ".000Z"),
        "created_at": iso_local(cart["created_at"], "UTC").replace("+00:00", ".000Z"),
    }
