"""Carts, checkouts and orders, each change emitting its webhooks. Callers hold the lock.

Discount codes given on a checkout or order must exist in the shop (created by the app through
`discountCodeBasicCreate`/`discountCodeFreeShippingCreate`/`discountRedeemCodeBulkAdd`, or by
the merchant) and respect the discount's dates and per-code usage limit, as a real checkout
would; using one counts a use.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.shopify import changes, records
from sandbox.shopify.payloads_commerce import cart_body, checkout_body, order_body
from sandbox.shopify.records import InputError

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox, Shop

Record = dict[str, Any]
CENT = Decimal("0.01")


def _lines(sandbox: Sandbox, shop: Shop, value: object) -> list[Record]:
    variants = {v["id"]: (p, v) for p in shop.products.values() for v in p["variants"]}
    lines = []
    for variant_id, quantity, price in records.line_inputs(value):
        if variant_id not in variants:
            raise InputError(f"variant {variant_id} not found")
        product, variant = variants[variant_id]
        lines.append(
            {
                "id": sandbox.ids.next(),
                "key": f"{variant_id}:{secrets.token_hex(16)}",
                "product_id": product["id"],
                "variant_id": variant_id,
                "title": product["title"],
                "variant_title": variant["title"],
                "sku": variant["sku"],
                "vendor": product["vendor"],
                "quantity": quantity,
                "price": price or variant["price"],
            }
        )
    return lines


def _code_amount(discount: Record, subtotal: Decimal) -> Decimal:
    if discount["kind"] == "free_shipping":
        # Sandbox checkouts carry no shipping lines: free shipping takes nothing off the lines.
        return Decimal("0.00")
    value = discount["value"]
    if "percentage" in value:
        return (subtotal * Decimal(str(value["percentage"]))).quantize(CENT)
    return min(subtotal, Decimal(value["amount"])).quantize(CENT)


def _apply_codes(sandbox: Sandbox, shop: Shop, value: object, lines: list[Record]) -> list[Record]:
    """Validate codes against the shop's discounts; amounts default to what the discount gives."""
    subtotal = Decimal(_totals(lines, [])["line_items_price"])
    applied = []
    for index, code in enumerate(records.discount_code_inputs(value)):
        where = f"discount_codes[{index}]: {code['code']!r}"
        redeem = shop.redeem_codes.get(code["code"].lower())
        discount = shop.discounts.get(redeem["discount_id"]) if redeem else None
        if redeem is None or discount is None:
            raise InputError(f"{where} is not a valid code")
        now = sandbox.now()
        if discount["starts_at"] > now or (discount["ends_at"] or now + 1) <= now:
            raise InputError(f"{where} is not active")
        limit = discount["usage_limit"]
        if limit is not None and redeem["usage_count"] >= limit:
            raise InputError(f"{where} has reached its usage limit")
        if Decimal(code["amount"]) == 0:
            code["amount"] = f"{_code_amount(discount, subtotal)}"
        code |= {"code": redeem["code"]} | _code_kind(discount)
        applied.append(code)
    return applied


def _code_kind(discount: Record) -> Record:
    """`type` and `value` of an applied code, as order payloads report them."""
    if discount["kind"] == "free_shipping":
        return {"type": "shipping", "value": "100.0"}
    value = discount["value"]
    kind = "percentage" if "percentage" in value else "fixed_amount"
    return {"type": kind, "value": str(value.get("percentage", value.get("amount")))}


def _count_uses(shop: Shop, codes: list[Record]) -> None:
    for code in codes:
        shop.redeem_codes[code["code"].lower()]["usage_count"] += 1


def _totals(lines: list[Record], codes: list[Record]) -> Record:
    line_total = sum((Decimal(line["price"]) * line["quantity"] for line in lines), Decimal(0))
    discounts = sum((Decimal(code["amount"]) for code in codes), Decimal(0))
    total = max(Decimal(0), line_total - discounts)
    return {
        "line_items_price": f"{line_total:.2f}",
        "subtotal_price": f"{total:.2f}",
        "total_discounts": f"{discounts:.2f}",
        "total_price": f"{total:.2f}",
    }


def _customer_by_email(shop: Shop, email: str | None) -> int | None:
    for record in shop.customers.values():
        if email and (record["email"] or "").lower() == email.lower():
            return int(record["id"])
    return None


def _customer_id(shop: Shop, data: Record, email: str | None) -> int | None:
    if data.get("customer_id") is None:
        return _customer_by_email(shop, email)
    customer_id = records.count(data["customer_id"], "customer_id", 1)
    if customer_id not in shop.customers:
        raise InputError(f"customer {customer_id} not found")
    return customer_id


def _existing_checkout(shop: Shop, token: str) -> Record:
    for checkout in shop.checkouts.values():
        if checkout["token"] == token:
            return checkout
    raise LookupError(f"checkout {token} not found")


def create_checkout(sandbox: Sandbox, shop: Shop, data: Record) -> Record:
    """A checkout with contact information (checkouts/create)."""
    now = sandbox.now()
    email = records.email_field(data)
    lines = _lines(sandbox, shop, data.get("line_items", []))
    codes = _apply_codes(sandbox, shop, data.get("discount_codes", []), lines)
    token = records.text(data, "token") or secrets.token_hex(16)
    if any(c["token"] == token for c in shop.checkouts.values()):
        raise InputError(f"checkout token {token!r} already exists")
    created_at = records.timestamp(data, "created_at", now)
    checkout: Record = {
        "id": sandbox.ids.next(),
        "token": token,
        "cart_token": records.text(data, "cart_token"),
        "email": email,
        "customer_id": _customer_id(shop, data, email),
        "buyer_accepts_marketing": bool(data.get("buyer_accepts_marketing", False)),
        "customer_locale": records.text(data, "customer_locale") or "en",
        "line_items": lines,
        "discount_codes": codes,
        # A new checkout's updated_at equals its created_at (which may be given, for simulated
        # histories; see sandbox/simulator).
        "created_at": created_at,
        "updated_at": created_at,
        "completed_at": None,
        "order_id": None,
        "recovery_key": secrets.token_hex(16),
    } | _totals(lines, codes)
    checkout["abandoned_checkout_url"] = sandbox.recovery_url(shop, token, checkout["recovery_key"])
    shop.checkouts[checkout["id"]] = checkout
    sandbox.webhooks.emit(shop, "checkouts/create", checkout_body(shop, checkout))
    return checkout


def update_checkout(sandbox: Sandbox, shop: Shop, token: str, data: Record) -> Record:
    """Change email, lines, codes or marketing choice of an open checkout (checkouts/update)."""
    checkout = _existing_checkout(shop, token)
    if checkout["completed_at"] is not None:
        raise InputError(f"checkout {token} is completed")
    fields: Record = {}
    if "email" in data:
        fields["email"] = records.email_field(data)
        fields["customer_id"] = _customer_id(shop, data, fields["email"])
    if "buyer_accepts_marketing" in data:
        fields["buyer_accepts_marketing"] = bool(data["buyer_accepts_marketing"])
    lines = _lines(sandbox, shop, data["line_items"]) if "line_items" in data else None
    lines = lines if lines is not None else checkout["line_items"]
    codes_input = data.get("discount_codes", checkout["discount_codes"])
    codes = _apply_codes(sandbox, shop, codes_input, lines)
    checkout |= fields | {"line_items": lines, "discount_codes": codes, "updated_at": sandbox.now()}
    checkout |= _totals(lines, codes)
    sandbox.webhooks.emit(shop, "checkouts/update", checkout_body(shop, checkout))
    return checkout


def complete_checkout(sandbox: Sandbox, shop: Shop, token: str, data: Record) -> Record:
    """Turn a checkout into an order (orders/create [+ orders/paid], then checkouts/update)."""
    checkout = _existing_checkout(shop, token)
    if checkout["completed_at"] is not None:
        raise InputError(f"checkout {token} is already completed")
    order_input = {
        "email": checkout["email"],
        "customer_id": checkout["customer_id"],
        "line_items": [
            {"variant_id": line["variant_id"], "quantity": line["quantity"], "price": line["price"]}
            for line in checkout["line_items"]
        ],
        "discount_codes": [
            {key: code[key] for key in ("code", "amount", "type")}
            for code in checkout["discount_codes"]
        ],
        "buyer_accepts_marketing": checkout["buyer_accepts_marketing"],
        "checkout_token": checkout["token"],
        "cart_token": checkout["cart_token"],
    } | {key: data[key] for key in ("financial_status", "created_at") if key in data}
    order = create_order(sandbox, shop, order_input)
    checkout |= {
        "completed_at": sandbox.now(),
        "updated_at": sandbox.now(),
        "order_id": order["id"],
    }
    sandbox.webhooks.emit(shop, "checkouts/update", checkout_body(shop, checkout))
    return order


def create_order(sandbox: Sandbox, shop: Shop, data: Record) -> Record:
    """Place an order (orders/create, and orders/paid when paid). An email without a customer
    creates one, as Shopify's checkout does."""
    now = sandbox.now()
    email = records.email_field(data)
    lines = _lines(sandbox, shop, data.get("line_items", []))
    if not lines:
        raise InputError("line_items can't be empty")
    codes = _apply_codes(sandbox, shop, data.get("discount_codes", []), lines)
    status = records.financial_status(data, "paid")
    customer_id = _customer_id(shop, data, email)
    created_at = records.timestamp(data, "created_at", now)
    if customer_id is None and email is not None:
        customer_id = changes.create_customer(sandbox, shop, {"email": email})["id"]
    _count_uses(shop, codes)
    number = shop.next_order_number
    shop.next_order_number += 1
    order: Record = {
        "id": sandbox.ids.next(),
        "name": f"#{number}",
        "number": number - 1000,
        "order_number": number,
        "token": secrets.token_hex(16),
        "confirmation_number": secrets.token_hex(5).upper(),
        "email": email,
        "customer_id": customer_id,
        "customer_locale": "en",
        "buyer_accepts_marketing": bool(data.get("buyer_accepts_marketing", False)),
        "checkout_token": records.text(data, "checkout_token"),
        "cart_token": records.text(data, "cart_token"),
        "financial_status": status,
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "note": records.text(data, "note"),
        "tags": records.tag_list(data.get("tags", [])),
        "line_items": lines,
        "discount_codes": codes,
        "created_at": created_at,
        "processed_at": created_at,
        "updated_at": created_at,
    } | _totals(lines, codes)
    shop.orders[order["id"]] = order
    sandbox.webhooks.emit(shop, "orders/create", order_body(shop, order))
    if status == "paid":
        sandbox.webhooks.emit(shop, "orders/paid", order_body(shop, order))
    return order


def update_order(sandbox: Sandbox, shop: Shop, order_id: int, data: Record) -> Record:
    """Change financial status, tags or note (orders/updated; orders/paid on becoming paid)."""
    order = shop.orders.get(order_id)
    if order is None:
        raise LookupError(f"order {order_id} not found")
    fields: Record = {}
    if "financial_status" in data:
        fields["financial_status"] = records.financial_status(data, order["financial_status"])
    if "tags" in data:
        fields["tags"] = records.tag_list(data["tags"])
    if "note" in data:
        fields["note"] = records.text(data, "note")
    became_paid = fields.get("financial_status") == "paid" != order["financial_status"]
    order |= fields | {"updated_at": sandbox.now()}
    sandbox.webhooks.emit(shop, "orders/updated", order_body(shop, order))
    if became_paid:
        sandbox.webhooks.emit(shop, "orders/paid", order_body(shop, order))
    return order


def cancel_order(sandbox: Sandbox, shop: Shop, order_id: int, data: Record) -> Record:
    """Cancel (and refund a paid order unless refund=false): orders/cancelled, orders/updated."""
    order = shop.orders.get(order_id)
    if order is None:
        raise LookupError(f"order {order_id} not found")
    if order["cancelled_at"] is not None:
        raise InputError(f"order {order_id} is already cancelled")
    reason = str(data.get("reason", "customer")).lower()
    if reason not in ("customer", "declined", "fraud", "inventory", "staff", "other"):
        raise InputError("reason must be customer, declined, fraud, inventory, staff or other")
    paid = order["financial_status"] in ("paid", "partially_refunded")
    refunded = "refunded" if paid and data.get("refund", True) else order["financial_status"]
    now = sandbox.now()
    order |= {"cancelled_at": now, "cancel_reason": reason, "closed_at": now, "updated_at": now}
    order["financial_status"] = refunded if paid else "voided"
    sandbox.webhooks.emit(shop, "orders/cancelled", order_body(shop, order))
    sandbox.webhooks.emit(shop, "orders/updated", order_body(shop, order))
    return order


def create_cart(sandbox: Sandbox, shop: Shop, data: Record) -> Record:
    """An online-store cart (carts/create); carts carry no customer or email."""
    token = records.text(data, "token") or secrets.token_hex(16)
    if token in shop.carts:
        raise InputError(f"cart token {token!r} already exists")
    created_at = records.timestamp(data, "created_at", sandbox.now())
    cart = {
        "token": token,
        "line_items": _lines(sandbox, shop, data.get("line_items", [])),
        "note": records.text(data, "note"),
        "created_at": created_at,
        "updated_at": created_at,
    }
    shop.carts[token] = cart
    sandbox.webhooks.emit(shop, "carts/create", cart_body(shop, cart))
    return cart


def update_cart(sandbox: Sandbox, shop: Shop, token: str, data: Record) -> Record:
    """Replace a cart's lines or note (carts/update)."""
    cart = shop.carts.get(token)
    if cart is None:
        raise LookupError(f"cart {token} not found")
    fields: Record = {}
    if "line_items" in data:
        fields["line_items"] = _lines(sandbox, shop, data["line_items"])
    if "note" in data:
        fields["note"] = records.text(data, "note")
    cart |= fields | {"updated_at": sandbox.now()}
    sandbox.webhooks.emit(shop, "carts/update", cart_body(shop, cart))
    return cart
