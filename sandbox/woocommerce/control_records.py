"""Conveniences the control API accepts on top of the REST bodies."""

from __future__ import annotations

import re
from typing import Any

from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.ordering import OrderRequest
from sandbox.woocommerce.state import Store

_BIRTHDAY = re.compile(r"^(?:(\d{4})-)?(\d{2})-(\d{2})$")


def product_body(body: dict[str, Any]) -> dict[str, Any]:
    """`categories: [{"name": "Shirts"}]` creates missing categories by name."""
    result = dict(body)
    if isinstance(body.get("categories"), list):
        result["categories"] = [
            {**entry, "create": True}
            if isinstance(entry, dict) and "name" in entry and "id" not in entry
            else entry
            for entry in body["categories"]
        ]
    return result


def customer_body(body: dict[str, Any]) -> dict[str, Any]:
    """`birthday: "1990-07-14"` (or "07-14") becomes AutomateWoo Birthdays' user meta:
    `_automatewoo_birthday_md` (m-d, always) and `_automatewoo_birthday_full` (Y-m-d)."""
    result = dict(body)
    birthday = result.pop("birthday", None)
    if birthday is None:
        return result
    match = _BIRTHDAY.match(str(birthday))
    if match is None:
        raise WooError("sandbox_invalid_birthday", "birthday: YYYY-MM-DD or MM-DD.", 400)
    year, month, day = match.groups()
    meta = list(result.get("meta_data") or [])
    meta.append({"key": "_automatewoo_birthday_md", "value": f"{month}-{day}"})
    if year:
        meta.append({"key": "_automatewoo_birthday_full", "value": f"{year}-{month}-{day}"})
    result["meta_data"] = meta
    return result


def order_request(store: Store, body: dict[str, Any]) -> OrderRequest:
    """A control-API order: `line_items`, `email` or `billing`, `customer_id`, `coupon_code(s)`,
    `status` (default processing), `payment_method` (default cod), `created_via` (checkout)."""
    items = []
    for entry in body.get("line_items") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("product_id"), int):
            raise WooError(
                "sandbox_invalid_line_items", "line_items: [{product_id, quantity}].", 400
            )
        items.append(
            (
                entry["product_id"],
                int(entry.get("variation_id") or 0),
                int(entry.get("quantity") or 1),
            )
        )
    billing = dict(body.get("billing") or {})
    customer_id = int(body.get("customer_id") or 0)
    if customer_id in store.customers and not billing.get("email"):
        billing["email"] = store.customers[customer_id]["email"]
    if body.get("email"):
        billing["email"] = body["email"]
    codes = list(
        body.get("coupon_codes") or ([body["coupon_code"]] if body.get("coupon_code") else [])
    )
    return OrderRequest(
        items=items,
        coupon_codes=codes,
        billing=billing,
        shipping=dict(body.get("shipping") or {}),
        customer_id=customer_id,
        status=str(body.get("status") or "processing"),
        created_via=str(body.get("created_via") or "checkout"),
        payment_method=str(body.get("payment_method") or "cod"),
        check_stock=True,
    )
