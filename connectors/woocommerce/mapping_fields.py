"""WooCommerce field names and scalar formats shared by the mapping modules.

Quirks handled here (research/woocommerce.md and fixtures/README.md): `_gmt` dates are naive UTC;
money is a string except `line_items[].price`; names carry HTML entities; ids are integers.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.core.values import ConsentState

Payload = Mapping[str, Any]

RESOURCES = ("order", "customer", "product", "coupon")
EVENTS = ("created", "updated", "deleted")
WEBHOOK_TOPICS = tuple(f"{resource}.{event}" for resource in RESOURCES for event in EVENTS)
STOREFRONT_TOPICS = ("storefront.product_viewed", "storefront.cart")

#: Customer meta keys holding a birthday, best first: Nudge's own, then AutomateWoo Birthdays
#: (`_full` is Y-m-d when the add-on requires a year, `_md` is m-d and always set; §4.4).
BIRTHDAY_META_KEYS = ("_nudge_birthday", "_automatewoo_birthday_full", "_automatewoo_birthday_md")
#: Customer meta Nudge writes when a shopper (un)subscribes (`set_marketing_consent`).
CONSENT_META_KEY = "_nudge_marketing_consent"
#: Coupon meta marking a coupon Nudge created, and the spec fingerprint it was made for.
COUPON_META_KEY = "_nudge_coupon"

DRAFT_STATUS = "checkout-draft"
CONSENT_STATES: tuple[ConsentState, ...] = (
    "subscribed",
    "not_subscribed",
    "pending",
    "unsubscribed",
    "redacted",
    "invalid",
)
PRODUCT_STATUS = {"publish": "active", "future": "draft", "draft": "draft", "pending": "draft"}
ORDER_FINANCIAL = {
    "processing": "paid",
    "completed": "paid",
    "refunded": "refunded",
    "cancelled": "voided",
    "failed": "voided",
    "trash": "voided",
}
BIRTHDAY_FORMAT = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$")


class MappingError(ValueError):
    """A payload that cannot be mapped (not JSON, no id, unknown topic)."""


def load_payload(body: str | bytes) -> dict[str, Any]:
    """Parse a JSON object body or raise MappingError."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MappingError(f"body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise MappingError("body is not a JSON object")
    return payload


def resource_id(payload: Payload) -> str:
    """The resource's id as a string; MappingError when it has none."""
    value = payload.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) in ("", "0"):
        raise MappingError("payload has no id")
    return str(value)


def modified_at(payload: Payload) -> datetime | None:
    """When the resource last changed, in UTC (the `_gmt` field, else the creation date)."""
    return utc(payload.get("date_modified_gmt")) or utc(payload.get("date_created_gmt"))


def meta_values(meta_data: Any) -> dict[str, Any]:
    """`meta_data: [{id, key, value}]` → {key: value} (the last value of a repeated key wins)."""
    values: dict[str, Any] = {}
    for item in meta_data or ():
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            values[item["key"]] = item.get("value")
    return values


# --- Scalars ------------------------------------------------------------------------------------


def utc(value: Any) -> datetime | None:
    """An ISO 8601 date; naive values are UTC (WooCommerce's `_gmt` fields)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def money(value: Any) -> Decimal:
    """A money string or number → Decimal; blank → 0."""
    return optional_money(value) or Decimal("0")


def text(value: Any) -> str:
    """Display text with HTML entities decoded (`&ndash;` → `–`)."""
    return html.unescape(str(value)).strip() if value is not None else ""


def optional_money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def minor_units(value: Any, minor_unit: int | None) -> Decimal | None:
    amount = optional_money(value)
    if amount is None:
        return None
    return amount.scaleb(-(minor_unit if minor_unit is not None else 2))


def optional_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def optional_id(value: Any) -> str | None:
    number = optional_int(value)
    return str(number) if number else None


def clean(value: Any) -> str | None:
    if value is None:
        return None
    cleaned = str(value).strip()
    return cleaned or None
