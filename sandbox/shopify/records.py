"""Validated records built from control-API input (REST-like JSON), one builder per resource.

A builder returns the fields to set, or raises InputError naming the bad field; nothing is
stored before every field has been checked, so bad input changes nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.shopify.timestamps import is_timezone, parse_time

Record = dict[str, Any]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONSENT_STATES = ("not_subscribed", "pending", "subscribed", "unsubscribed", "redacted", "invalid")
OPT_IN_LEVELS = ("single_opt_in", "confirmed_opt_in", "unknown")
PRODUCT_STATUSES = ("active", "draft", "archived", "unlisted")
FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
)


ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "country",
    "country_code",
    "zip",
    "phone",
    "time_zone",
)


class InputError(ValueError):
    """Bad control-API input; the message names the field."""


def text(data: Record, key: str, default: str | None = None, required: bool = False) -> str | None:
    """An optional (or required) string field."""
    value = data.get(key, default)
    if value is None:
        if required:
            raise InputError(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise InputError(f"{key} must be a string")
    if required and not value.strip():
        raise InputError(f"{key} can't be blank")
    return value


def money(value: object, key: str) -> str:
    """A non-negative amount as Shopify's 2-decimal string."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{key} must be a decimal amount") from None
    if amount < 0 or not amount.is_finite():
        raise InputError(f"{key} must be a non-negative amount")
    return f"{amount.quantize(Decimal('0.01'))}"


def count(value: object, key: str, minimum: int = 0) -> int:
    """An integer at least `minimum`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InputError(f"{key} must be an integer >= {minimum}")
    return value


def timestamp(data: Record, key: str, default: float) -> float:
    """An ISO 8601 field as epoch seconds (default when absent)."""
    value = data.get(key)
    if value is None:
        return default
    try:
        return parse_time(str(value))
    except ValueError:
        raise InputError(f"{key} must be an ISO 8601 date-time") from None


def tag_list(value: object) -> list[str]:
    """Tags from a list or a comma-separated string (REST style)."""
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return [tag.strip() for tag in value if tag.strip()]
    raise InputError("tags must be a list of strings or a comma-separated string")


def email_field(data: Record) -> str | None:
    """An optional, well-formed email."""
    email = text(data, "email")
    if email is not None and not EMAIL.match(email):
        raise InputError(f"email {email!r} is not a valid address")
    return email


def consent(value: object, now: float) -> Record:
    """email_marketing_consent {state, opt_in_level, consent_updated_at} (lowercase, REST)."""
    if not isinstance(value, dict):
        raise InputError("email_marketing_consent must be an object")
    state = str(value.get("state", "")).lower()
    if state not in CONSENT_STATES:
        raise InputError(
            f"email_marketing_consent.state must be one of {', '.join(CONSENT_STATES)}"
        )
    level = value.get("opt_in_level")
    if level is not None and str(level).lower() not in OPT_IN_LEVELS:
        raise InputError(f"email_marketing_consent.opt_in_level must be one of {OPT_IN_LEVELS}")
    updated = timestamp(value, "consent_updated_at", now) if state != "not_subscribed" else None
    return {
        "state": state,
        "opt_in_level": str(level).lower() if level is not None else None,
        "consent_updated_at": updated,
    }


def address(value: object) -> Record:
    """A mailing address (REST keys); `time_zone` is kept for GraphQL MailingAddress.timeZone."""
    if not isinstance(value, dict):
        raise InputError("default_address must be an object")
    clean = {key: text(value, key) for key in ADDRESS_KEYS}
    if clean["time_zone"] is not None and not is_timezone(clean["time_zone"]):
        raise InputError(f"time_zone {clean['time_zone']!r} is not an IANA time zone")
    return clean


def _time_zone(data: Record, key: str) -> str | None:
    zone = text(data, key)
    if zone is not None and not is_timezone(zone):
        raise InputError(f"{key} {zone!r} is not an IANA time zone")
    return zone


# How each customer input key is read; keys absent from the input are left unchanged.
CUSTOMER_FIELDS: dict[str, Any] = {
    "first_name": lambda data, _now: text(data, "first_name"),
    "last_name": lambda data, _now: text(data, "last_name"),
    "phone": lambda data, _now: text(data, "phone"),
    "note": lambda data, _now: text(data, "note"),
    "locale": lambda data, _now: text(data, "locale"),
    "email": lambda data, _now: email_field(data),
    "state": lambda data, _now: _choice(
        data, "state", ("disabled", "invited", "enabled", "declined")
    ),
    "tags": lambda data, _now: tag_list(data["tags"]),
    "email_marketing_consent": lambda data, now: consent(data["email_marketing_consent"], now),
    "default_address": lambda data, _now: address(data["default_address"]),
    "time_zone": lambda data, _now: _time_zone(data, "time_zone"),
    "birth_date": lambda data, _now: _date(data, "birth_date"),
}


def customer_fields(data: Record, now: float, creating: bool) -> Record:
    """Fields of a customer from input (only the keys present when updating)."""
    fields = {key: read(data, now) for key, read in CUSTOMER_FIELDS.items() if key in data}
    if creating:
        fields.setdefault("email_marketing_consent", consent({"state": "not_subscribed"}, now))
        fields["created_at"] = timestamp(data, "created_at", now)
    return fields


def _choice(data: Record, key: str, choices: tuple[str, ...]) -> str:
    value = str(data.get(key, "")).lower()
    if value not in choices:
        raise InputError(f"{key} must be one of {', '.join(choices)}")
    return value


def _date(data: Record, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InputError(f"{key} must be a YYYY-MM-DD date")
    return value


def product_fields(data: Record, creating: bool) -> Record:
    """Scalar fields of a product (variants, images and collections are built separately)."""
    fields: Record = {}
    if creating or "title" in data:
        fields["title"] = text(data, "title", required=True)
    for key in ("body_html", "vendor", "product_type", "handle"):
        if key in data:
            fields[key] = text(data, key) or ""
    if "status" in data:
        fields["status"] = _choice(data, "status", PRODUCT_STATUSES)
    if "tags" in data:
        fields["tags"] = tag_list(data["tags"])
    return fields


def variant_input(value: object, index: int) -> Record:
    """One variant: title, price, compare_at_price, sku, inventory_quantity, option1."""
    if not isinstance(value, dict):
        raise InputError(f"variants[{index}] must be an object")
    where = f"variants[{index}]"
    compare_at = value.get("compare_at_price")
    return {
        "title": text(value, "title") or "Default Title",
        "price": money(value.get("price", "0"), f"{where}.price"),
        "compare_at_price": money(compare_at, f"{where}.compare_at_price") if compare_at else None,
        "sku": text(value, "sku"),
        "inventory_quantity": count(
            value.get("inventory_quantity", 0), f"{where}.inventory_quantity"
        ),
        "option1": text(value, "option1") or text(value, "title") or "Default Title",
    }


def image_input(value: object, index: int) -> Record:
    """One product image: src (required), alt, width, height."""
    if not isinstance(value, dict):
        raise InputError(f"images[{index}] must be an object")
    src = text(value, "src", required=True)
    if src is None or not src.startswith(("http://", "https://")):
        raise InputError(f"images[{index}].src must be an http(s) URL")
    width, height = value.get("width"), value.get("height")
    return {
        "src": src,
        "alt": text(value, "alt"),
        "width": count(width, f"images[{index}].width", 1) if width is not None else None,
        "height": count(height, f"images[{index}].height", 1) if height is not None else None,
    }


def line_inputs(value: object) -> list[tuple[int, int, str | None]]:
    """[(variant_id, quantity, price override)] from `line_items`."""
    if not isinstance(value, list):
        raise InputError("line_items must be a list")
    lines = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError(f"line_items[{index}] must be an object")
        variant = count(item.get("variant_id"), f"line_items[{index}].variant_id", 1)
        quantity = count(item.get("quantity", 1), f"line_items[{index}].quantity", 1)
        price = item.get("price")
        lines.append(
            (variant, quantity, money(price, f"line_items[{index}].price") if price else None)
        )
    return lines


def discount_code_inputs(value: object) -> list[Record]:
    """[{code, amount, type}] applied to a checkout or order."""
    if not isinstance(value, list):
        raise InputError("discount_codes must be a list")
    codes = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise InputError(f"discount_codes[{index}] must be an object with a code")
        kind = str(item.get("type", "percentage"))
        if kind not in ("percentage", "fixed_amount", "shipping"):
            raise InputError(
                f"discount_codes[{index}].type is percentage, fixed_amount or shipping"
            )
        amount = money(item.get("amount", "0"), f"discount_codes[{index}].amount")
        codes.append({"code": item["code"], "amount": amount, "type": kind})
    return codes


def financial_status(data: Record, default: str) -> str:
    """financial_status of an order."""
    return (
        _choice(data, "financial_status", FINANCIAL_STATUSES)
        if "financial_status" in data
        else default
    )
