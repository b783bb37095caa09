"""Unique coupons through `POST /coupons/batch` (research/woocommerce.md §1.5, §1.6).

- A batch takes at most 100 items in total; one failed item does not fail the request (HTTP 200
  with `{"id": 0, "error": {...}}` in its place).
- Codes are lowercased by the store, so Nudge sends them lowercased.
- A taken code answers `woocommerce_rest_coupon_code_already_exists`. If the coupon holding it is
  Nudge's own for the same discount and shopper (a retried call after an earlier success), it
  counts as issued. Otherwise the code belongs to someone else and is replaced by a new one derived
  deterministically from it, so a retried job arrives at the same replacement (and finds it
  issued) instead of minting a second coupon. The caller learns the final code from the result.
- `date_expires` is sent with an explicit UTC offset: a bare date is read in the store's zone and
  `date_expires_gmt` is ignored on write (§1.6).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.ports import Permanent
from app.core.values import CodeRequest, DiscountSpec, IssuedCode, IssueResult
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.mapping import COUPON_META_KEY, meta_values

BATCH_LIMIT = 100
DUPLICATE_CODE = "woocommerce_rest_coupon_code_already_exists"
TOO_LARGE = "woocommerce_rest_request_entity_too_large"
_MISSING = frozenset({"woocommerce_rest_invalid_id", "woocommerce_rest_shop_coupon_invalid_id"})
#: AutomateWoo's alphabet: no 0/o, 1/i/l to misread (§7.2).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MAX_RENAMES = 3
_DISCOUNT_TYPES = {
    "percentage": "percent",
    "fixed_amount": "fixed_cart",
    "free_shipping": "fixed_cart",
}


@dataclass
class _Attempt:
    index: int
    request: CodeRequest
    code: str
    renames: int = 0


def coupon_body(
    spec: DiscountSpec, request: CodeRequest, code: str | None = None
) -> dict[str, Any]:
    """The coupon create body for one code: single use, restricted to the shopper's email."""
    expires = request.ends_at or spec.ends_at
    body: dict[str, Any] = {
        "code": (code or request.code).lower(),
        "discount_type": _DISCOUNT_TYPES[spec.kind],
        "amount": "0" if spec.kind == "free_shipping" else format(spec.value, "f"),
        "description": spec.title,
        "individual_use": True,
        "usage_limit": 1,
        "usage_limit_per_user": 1,
        "free_shipping": spec.kind == "free_shipping",
        "meta_data": [{"key": COUPON_META_KEY, "value": spec.fingerprint()}],
    }
    if request.email:
        body["email_restrictions"] = [request.email.strip().lower()]
    if expires is not None:
        body["date_expires"] = expires_value(expires)
    if spec.product_platform_ids:
        body["product_ids"] = [int(product_id) for product_id in spec.product_platform_ids]
    if spec.minimum_subtotal is not None:
        body["minimum_amount"] = format(spec.minimum_subtotal, "f")
    return body


def expires_value(moment: datetime) -> str:
    """An ISO 8601 time with an explicit offset (naive datetimes are taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def replacement_code(code: str, attempt: int) -> str:
    """A new code for one already taken, the same every time for the same code and attempt."""
    digest = hashlib.sha256(f"{code.lower()}#{attempt}".encode()).digest()
    suffix = "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest[:4])
    return f"{code.lower()}-{suffix}"


def issue_codes(client: WooClient, spec: DiscountSpec, codes: Sequence[CodeRequest]) -> IssueResult:
    """Create every code; `issued[i]` answers `codes[i]` (its code may be a replacement).

    Raises Permanent listing the codes the store refused for another reason; codes created before
    that are found again (as Nudge's own) when the job retries.
    """
    issued: dict[int, IssuedCode] = {}
    failures: list[dict[str, Any]] = []
    pending = [
        _Attempt(index, request, request.code.lower()) for index, request in enumerate(codes)
    ]
    while pending:
        retry: list[_Attempt] = []
        for attempt, answer in _create_all(client, spec, pending):
            _settle(client, spec, attempt, answer, issued, retry, failures)
        pending = retry
    if failures:
        raise Permanent(f"the store refused {len(failures)} coupon(s)", detail=failures)
    return IssueResult(parent_ref=None, issued=tuple(issued[index] for index in sorted(issued)))


def _settle(
    client: WooClient,
    spec: DiscountSpec,
    attempt: _Attempt,
    answer: dict[str, Any],
    issued: dict[int, IssuedCode],
    retry: list[_Attempt],
    failures: list[dict[str, Any]],
) -> None:
    error = answer.get("error")
    if not error and answer.get("id"):
        issued[attempt.index] = IssuedCode(code=str(answer["code"]), platform_ref=str(answer["id"]))
        return
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    if code == DUPLICATE_CODE:
        existing = find_coupon(client, attempt.code)
        if existing is not None and _is_ours(existing, spec, attempt.request):
            issued[attempt.index] = IssuedCode(str(existing["code"]), str(existing["id"]))
            return
        if attempt.renames < MAX_RENAMES:
            attempt.renames += 1
            attempt.code = replacement_code(attempt.request.code, attempt.renames)
            retry.append(attempt)
            return
    failures.append({"code": attempt.code, "error": error})


def _create_all(
    client: WooClient, spec: DiscountSpec, attempts: list[_Attempt]
) -> Iterator[tuple[_Attempt, dict[str, Any]]]:
    for start in range(0, len(attempts), BATCH_LIMIT):
        yield from _create_chunk(client, spec, attempts[start : start + BATCH_LIMIT])


def _create_chunk(
    client: WooClient, spec: DiscountSpec, chunk: list[_Attempt]
) -> Iterator[tuple[_Attempt, dict[str, Any]]]:
    bodies = [coupon_body(spec, attempt.request, attempt.code) for attempt in chunk]
    try:
        answer = client.post("coupons/batch", {"create": bodies})
    except Permanent as error:
        # A store that lowered woocommerce_rest_batch_items_limit answers 413: halve and go on.
        if _error_code(error.detail) == TOO_LARGE and len(chunk) > 1:
            middle = len(chunk) // 2
            yield from _create_chunk(client, spec, chunk[:middle])
            yield from _create_chunk(client, spec, chunk[middle:])
            return
        raise
    created = answer.get("create") if isinstance(answer, dict) else None
    if not isinstance(created, list) or len(created) != len(chunk):
        raise Permanent("coupons/batch answered without one entry per coupon", detail=answer)
    yield from zip(chunk, created, strict=True)


def find_coupon(client: WooClient, code: str) -> dict[str, Any] | None:
    """The coupon holding `code`, if any (`GET /coupons?code=` resolves exact codes)."""
    for coupon in client.get("coupons", {"code": code.lower()}) or ():
        if isinstance(coupon, dict) and str(coupon.get("code", "")).lower() == code.lower():
            return coupon
    return None


def _is_ours(coupon: dict[str, Any], spec: DiscountSpec, request: CodeRequest) -> bool:
    meta = meta_values(coupon.get("meta_data"))
    if meta.get(COUPON_META_KEY) != spec.fingerprint():
        return False
    wanted = [request.email.strip().lower()] if request.email else []
    return [str(email).lower() for email in coupon.get("email_restrictions") or []] == wanted


def delete_codes(client: WooClient, platform_refs: Sequence[str]) -> None:
    """Delete coupons by id in batches (always `force=true` in a batch, §1.5); missing ones are
    ignored, any other refusal raises Permanent."""
    ids = [int(ref) for ref in platform_refs]
    refused: list[Any] = []
    for start in range(0, len(ids), BATCH_LIMIT):
        answer = client.post("coupons/batch", {"delete": ids[start : start + BATCH_LIMIT]})
        for item in (answer or {}).get("delete") or ():
            code = _error_code(item.get("error")) if isinstance(item, dict) else ""
            if code and code not in _MISSING:
                refused.append(item)
    if refused:
        raise Permanent(f"the store refused to delete {len(refused)} coupon(s)", detail=refused)


def _error_code(detail: Any) -> str:
    return str(detail.get("code", "")) if isinstance(detail, dict) else ""
