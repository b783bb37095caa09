"""What every code discount's input must satisfy, whatever its kind (basic, free shipping).

DiscountCodeBasicInput and DiscountCodeFreeShippingInput share their common fields (code, title,
dates, usage limit, context, minimum requirement, combinesWith, tags) and Shopify checks them the
same way; only the field paths differ (`basicCodeDiscount.title`, `freeShippingCodeDiscount.title`).
userErrors follow captured Shopify responses (draft-proxy conformance fixtures, research §4):
codes BLANK / TOO_SHORT / TOO_LONG / INVALID / TAKEN / GREATER_THAN / END_DATE_BEFORE_START_DATE.
"""

from __future__ import annotations

from typing import Any

from sandbox.shopify.ids import parse_gid
from sandbox.shopify.resolvers.context import Context, user_error
from sandbox.shopify.timestamps import parse_time

Record = dict[str, Any]
MAX_CODE = 255
COMBINE_KEYS = ("productDiscounts", "orderDiscounts", "shippingDiscounts")


class Invalid(Exception):
    """A discount input Shopify refuses; `error` is the userError to answer with."""

    def __init__(self, error: Record) -> None:
        super().__init__(error["message"])
        self.error = error


def code_problem(code: str | None, field: list[str]) -> Record | None:
    """Why a code string is not acceptable, as a userError; None when it is fine."""
    if code is None:
        return user_error(field, "Code can't be blank", "BLANK")
    if code == "":
        return user_error(field, "Code is too short (minimum is 1 character)", "TOO_SHORT")
    if "\n" in code or "\r" in code:
        return user_error(field, "Code cannot contain newline characters.", "INVALID")
    if len(code) > MAX_CODE:
        return user_error(field, "Code is too long (maximum is 255 characters)", "TOO_LONG")
    return None


def _context(context: Context, data: Record, root: str) -> Record:
    chosen = data.get("context") or data.get("customerSelection")
    if not chosen:
        raise Invalid(user_error([root, "context"], "Context can't be blank", "BLANK"))
    if chosen.get("customers"):
        ids = [parse_gid(v, "Customer") for v in chosen["customers"].get("add") or []]
        if any(found not in context.shop.customers for found in ids):
            raise Invalid(
                user_error([root, "context", "customers"], "Customer does not exist", "INVALID")
            )
        return {"customers": ids}
    return {"all": True}


def _minimum(data: Record, root: str) -> Record | None:
    minimum = data.get("minimumRequirement") or {}
    subtotal = (minimum.get("subtotal") or {}).get("greaterThanOrEqualToSubtotal")
    quantity = (minimum.get("quantity") or {}).get("greaterThanOrEqualToQuantity")
    if subtotal is not None and quantity is not None:
        raise Invalid(
            user_error(
                [root, "minimumRequirement"],
                "Minimum subtotal and quantity can't both be set",
                "MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT",
            )
        )
    if subtotal is not None:
        return {"subtotal": f"{float(subtotal):.2f}"}
    return {"quantity": int(quantity)} if quantity is not None else None


def ends_before_start(root: str) -> Record:
    """The userError for an end date not after the start."""
    return user_error(
        [root, "endsAt"], "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE"
    )


def _dates(data: Record, root: str) -> tuple[float, float | None]:
    if data.get("startsAt") is None:
        raise Invalid(user_error([root, "startsAt"], "Starts at can't be blank", "BLANK"))
    starts = parse_time(str(data["startsAt"]))
    ends = parse_time(str(data["endsAt"])) if data.get("endsAt") else None
    if ends is not None and ends <= starts:
        raise Invalid(ends_before_start(root))
    return starts, ends


def _new_code(context: Context, data: Record, root: str) -> None:
    problem = code_problem(data.get("code"), [root, "code"])
    if problem is not None:
        raise Invalid(problem)
    if data["code"].lower() in context.shop.redeem_codes:
        raise Invalid(
            user_error([root, "code"], "Code must be unique. Please try a different code.", "TAKEN")
        )


def common_fields(context: Context, data: Record, root: str) -> Record:
    """The checked common fields of a new code discount; raises Invalid with the first problem."""
    _new_code(context, data, root)
    if not (data.get("title") or "").strip():
        raise Invalid(user_error([root, "title"], "Title can't be blank", "BLANK"))
    limit = data.get("usageLimit")
    if limit is not None and limit < 1:
        raise Invalid(
            user_error([root, "usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN")
        )
    starts, ends = _dates(data, root)
    combines = data.get("combinesWith") or {}
    return {
        "title": data["title"],
        "starts_at": starts,
        "ends_at": ends,
        "usage_limit": limit,
        "applies_once_per_customer": bool(data.get("appliesOncePerCustomer")),
        "combines_with": {key: bool(combines.get(key)) for key in COMBINE_KEYS},
        "context": _context(context, data, root),
        "minimum": _minimum(data, root),
        "tags": list(data.get("tags") or []),
    }
