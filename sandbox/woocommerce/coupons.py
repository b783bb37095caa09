"""Coupons with WooCommerce's rules: lowercase codes, unique among published coupons, amounts,
expiry read in the store's zone, email restrictions, usage counts.

Sources: `class-wc-rest-coupons-v2-controller.php::prepare_object_for_database` (duplicate code
→ 400 `woocommerce_rest_coupon_code_already_exists`), `WC_Coupon` setters, `wc_format_coupon_code`
(the `woocommerce_coupon_code` filter lowercases). `date_expires_gmt` is ignored on write:
`WC_Coupon` has no `set_date_expires_gmt`, and the controller only calls setters that exist.
"""

from __future__ import annotations

import html
import re
from typing import Any

from sandbox.woocommerce import records
from sandbox.woocommerce.dates import gmt_string, local_string, parse_rest_date, utc_now
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.money import ZERO, rest_money, to_decimal
from sandbox.woocommerce.params import Arg
from sandbox.woocommerce.state import Record, Store

DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
_EMAIL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")

WRITE_ARGS = [
    Arg("code", "string"),
    Arg("amount", "string"),
    Arg("status", "string"),
    Arg("discount_type", "string", enum=DISCOUNT_TYPES),
    Arg("description", "string"),
    Arg("date_expires", "string"),
    Arg("date_expires_gmt", "string"),
    Arg("individual_use", "boolean"),
    Arg("product_ids", "array", items="integer"),
    Arg("excluded_product_ids", "array", items="integer"),
    Arg("usage_limit", "integer"),
    Arg("usage_limit_per_user", "integer"),
    Arg("limit_usage_to_x_items", "integer"),
    Arg("free_shipping", "boolean"),
    Arg("product_categories", "array", items="integer"),
    Arg("excluded_product_categories", "array", items="integer"),
    Arg("exclude_sale_items", "boolean"),
    Arg("minimum_amount", "string"),
    Arg("maximum_amount", "string"),
    Arg("email_restrictions", "array", items="string"),
    Arg("meta_data", "array"),
]
CREATE_DEFAULTS = {
    "discount_type": "fixed_cart",
    "individual_use": False,
    "free_shipping": False,
    "exclude_sale_items": False,
}
_COPIED = (
    "individual_use",
    "free_shipping",
    "exclude_sale_items",
    "product_ids",
    "excluded_product_ids",
    "product_categories",
    "excluded_product_categories",
    "description",
    "discount_type",
)
_LIMITS = ("usage_limit", "usage_limit_per_user", "limit_usage_to_x_items")


def format_code(code: str) -> str:
    """`wc_format_coupon_code`: entities decoded, tags stripped, trimmed, lowercased."""
    text = html.unescape(code)
    text = re.sub(r"<[^>]*>", "", text).strip()
    return text.lower()


def find_by_code(store: Store, code: str, exclude_id: int = 0) -> Record | None:
    """`wc_get_coupon_id_by_code`: the published coupon with this (formatted) code."""
    wanted = format_code(code)
    return next(
        (
            c
            for c in store.coupons.values()
            if c["code"] == wanted and c["status"] == "publish" and c["id"] != exclude_id
        ),
        None,
    )


def new_coupon(store: Store, values: dict[str, Any]) -> Record:
    """Create a coupon from validated REST values (create defaults already merged)."""
    if not values.get("code") or not format_code(values["code"]):
        raise WooError(
            "woocommerce_rest_empty_coupon_code", "The coupon code cannot be empty.", 400
        )
    now = utc_now()
    coupon: Record = {
        "id": 0,
        "code": "",
        "amount": ZERO,
        "status": "publish",
        "discount_type": "fixed_cart",
        "description": "",
        "date_expires": None,
        "usage_count": 0,
        "individual_use": False,
        "product_ids": [],
        "excluded_product_ids": [],
        "usage_limit": None,
        "usage_limit_per_user": None,
        "limit_usage_to_x_items": None,
        "free_shipping": False,
        "product_categories": [],
        "excluded_product_categories": [],
        "exclude_sale_items": False,
        "minimum_amount": ZERO,
        "maximum_amount": ZERO,
        "email_restrictions": [],
        "used_by": [],
        "meta_data": [],
        "date_created": now,
        "date_modified": now,
    }
    apply_changes(store, coupon, values)
    coupon["id"] = store.next_post_id()
    store.coupons[coupon["id"]] = coupon
    return coupon


def apply_changes(store: Store, coupon: Record, values: dict[str, Any]) -> bool:
    """Write validated REST values onto a coupon (all checks first, so an error changes
    nothing); True if anything changed."""
    staged = _staged(store, coupon, values)
    before = repr(coupon)
    coupon.update(staged)
    records.update_meta(store, coupon["meta_data"], values.get("meta_data"))
    changed = repr(coupon) != before
    if changed:
        coupon["date_modified"] = utc_now()
    return changed


def _staged(store: Store, coupon: Record, values: dict[str, Any]) -> Record:
    staged: Record = {name: values[name] for name in _COPIED if name in values}
    if "code" in values:
        staged["code"] = _unique_code(store, coupon, values["code"])
    if "status" in values:
        known = values["status"] in ("publish", "draft", "pending")
        staged["status"] = values["status"] if known else "publish"
    for name in _LIMITS:
        if name in values:
            staged[name] = abs(values[name]) or None
    for name in ("amount", "minimum_amount", "maximum_amount"):
        if name in values:
            staged[name] = _decimal(name, values[name])
    discount_type = staged.get("discount_type", coupon["discount_type"])
    amount = staged.get("amount", coupon["amount"])
    if amount < 0 or (discount_type == "percent" and amount > 100):
        raise WooError("coupon_invalid_amount", "Invalid discount amount", 400)
    if "date_expires" in values:
        staged["date_expires"] = _expiry(store, values["date_expires"])
    if "email_restrictions" in values:
        staged["email_restrictions"] = _emails(values["email_restrictions"])
    return staged


def _unique_code(store: Store, coupon: Record, raw: str) -> str:
    code = format_code(raw)
    if not code:
        raise WooError(
            "woocommerce_rest_empty_coupon_code", "The coupon code cannot be empty.", 400
        )
    if find_by_code(store, code, exclude_id=coupon["id"]) is not None:
        raise WooError(
            "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists", 400
        )
    return code


def _decimal(name: str, raw: str) -> Any:
    if raw.strip() == "":
        return ZERO
    number = to_decimal(raw)
    if number is None:
        raise WooError(
            "rest_invalid_param",
            f"Invalid parameter(s): {name}",
            400,
            {"params": {name: f"{name} is not a number."}},
        )
    return number


def _expiry(store: Store, raw: str) -> Any:
    if raw.strip() == "":
        return None
    moment = parse_rest_date(raw, store.settings.zone)
    if moment is None:
        raise WooError(
            "rest_invalid_param",
            "Invalid parameter(s): date_expires",
            400,
            {"params": {"date_expires": "Invalid date."}},
        )
    return moment


def _emails(raw: list[str]) -> list[str]:
    emails = [email.strip().lower() for email in raw if email.strip()]
    for email in emails:
        if not _EMAIL.match(email):
            raise WooError("coupon_invalid_email_address", "Invalid email address restriction", 400)
    return emails


def record_usage(coupon: Record, used_by: str) -> None:
    """`WC_Coupon::increase_usage_count`: one more use, by a user ID or a guest's email."""
    coupon["usage_count"] += 1
    coupon["used_by"].append(used_by)


def release_usage(coupon: Record, used_by: str) -> None:
    """`decrease_usage_count` (an order with the coupon was cancelled)."""
    coupon["usage_count"] = max(0, coupon["usage_count"] - 1)
    if used_by in coupon["used_by"]:
        coupon["used_by"].remove(used_by)


def coupon_view(store: Store, coupon: Record) -> Record:
    """`GET /wc/v3/coupons/<id>` (also what coupon.* webhooks deliver)."""
    zone = store.settings.zone
    return {
        "id": coupon["id"],
        "code": coupon["code"],
        "amount": rest_money(coupon["amount"]),
        "status": coupon["status"],
        "date_created": local_string(coupon["date_created"], zone),
        "date_created_gmt": gmt_string(coupon["date_created"]),
        "date_modified": local_string(coupon["date_modified"], zone),
        "date_modified_gmt": gmt_string(coupon["date_modified"]),
        "discount_type": coupon["discount_type"],
        "description": coupon["description"],
        "date_expires": local_string(coupon["date_expires"], zone),
        "date_expires_gmt": gmt_string(coupon["date_expires"]),
        "usage_count": coupon["usage_count"],
        "individual_use": coupon["individual_use"],
        "product_ids": list(coupon["product_ids"]),
        "excluded_product_ids": list(coupon["excluded_product_ids"]),
        "usage_limit": coupon["usage_limit"],
        "usage_limit_per_user": coupon["usage_limit_per_user"],
        "limit_usage_to_x_items": coupon["limit_usage_to_x_items"],
        "free_shipping": coupon["free_shipping"],
        "product_categories": list(coupon["product_categories"]),
        "excluded_product_categories": list(coupon["excluded_product_categories"]),
        "exclude_sale_items": coupon["exclude_sale_items"],
        "minimum_amount": rest_money(coupon["minimum_amount"]),
        "maximum_amount": rest_money(coupon["maximum_amount"]),
        "email_restrictions": list(coupon["email_restrictions"]),
        "used_by": list(coupon["used_by"]),
        "meta_data": records.meta_view(coupon["meta_data"]),
        "_links": records.links(store.home_url, "coupons", coupon["id"]),
    }
