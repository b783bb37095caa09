"""What Nudge sends Shopify to create a parent discount, and how it names a code afterwards.

DiscountCodeBasicInput / DiscountCodeFreeShippingInput (Admin API 2026-07): `context: {all: ALL}`
replaced `customerSelection`; a percentage is a fraction (0.0-1.0); `usageLimit: 1` and
`appliesOncePerCustomer` apply per redeem code (research/shopify.md §4.1-4.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.core.ports import Permanent
from app.core.values import CodeRequest, DiscountSpec
from connectors.shopify.mapping.fields import global_id

MAX_CODE_LENGTH = 255


def encode_ref(parent_id: str, code_id: str) -> str:
    """The opaque reference the core stores for a code."""
    return f"{parent_id}|{code_id}"


#: The second half of a reference that names the code rather than its redeem code id.
CODE_PREFIX = "code:"


def code_ref(parent_id: str, code: str) -> str:
    """The reference of a code known by name: "<parent id>|code:<code>" (its id is looked up
    when it is deleted)."""
    return encode_ref(parent_id, CODE_PREFIX + code)


def decode_ref(ref: str) -> tuple[str, str]:
    """(parent id, redeem code id or "code:<code>") of a reference made by `encode_ref`."""
    parent_id, separator, code_id = ref.partition("|")
    if not separator or not parent_id or not code_id:
        raise Permanent(f"not a Shopify discount code reference: {ref!r}")
    return parent_id, code_id


def iso(moment: datetime | None) -> str | None:
    """An ISO 8601 UTC timestamp as Shopify writes them (`...Z`), or None."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def discount_input(spec: DiscountSpec, code: str) -> dict[str, Any]:
    """The DiscountCodeBasicInput / DiscountCodeFreeShippingInput for a spec, seeded with `code`."""
    data: dict[str, Any] = {
        "title": spec.title,
        "code": code,
        "startsAt": iso(spec.starts_at),
        "endsAt": iso(spec.ends_at),
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"all": "ALL"},
    }
    if spec.minimum_subtotal:
        data["minimumRequirement"] = {
            "subtotal": {"greaterThanOrEqualToSubtotal": str(spec.minimum_subtotal)}
        }
    if spec.kind == "free_shipping":
        data["destination"] = {"all": True}
        data["combinesWith"] = {"productDiscounts": True, "orderDiscounts": True}
        return data
    data["combinesWith"] = {"shippingDiscounts": True}
    data["customerGets"] = {"value": _value(spec), "items": _items(spec)}
    return data


def _value(spec: DiscountSpec) -> dict[str, Any]:
    if spec.kind == "percentage":
        # Shopify takes a fraction (0.0-1.0); the spec says percent.
        return {"percentage": float(spec.value / Decimal(100))}
    return {"discountAmount": {"amount": str(spec.value), "appliesOnEachItem": False}}


def _items(spec: DiscountSpec) -> dict[str, Any]:
    if spec.product_platform_ids:
        ids = [global_id("Product", product_id) for product_id in spec.product_platform_ids]
        return {"products": {"productsToAdd": ids}}
    return {"all": True}


def validate_request(spec: DiscountSpec, codes: Sequence[CodeRequest]) -> None:
    """Refuse what Shopify would refuse, before any call (Permanent, nothing created)."""
    if spec.kind == "percentage" and not Decimal(0) < spec.value <= Decimal(100):
        raise Permanent(f"a percentage discount must be in (0, 100], got {spec.value}")
    if spec.kind == "fixed_amount" and spec.value <= 0:
        raise Permanent(f"a fixed discount must be positive, got {spec.value}")
    seen: set[str] = set()
    for request in codes:
        code = request.code
        if not code or len(code) > MAX_CODE_LENGTH or "\n" in code or "\r" in code:
            raise Permanent(f"invalid discount code {code!r} (1-255 characters, no newlines)")
        if code.upper() in seen:
            raise Permanent(f"discount code {code!r} is requested twice")
        seen.add(code.upper())
