"""Unique discount codes: what they give, how they are named, issued once, and cleaned up.

Crash safety: the code is chosen and stored (`IssuedDiscount`, status pending, key
`code:<enrollment>`) and committed BEFORE the platform is asked to create it. A retry finds the
row and asks for the same code again; the connector counts "already exists" as success. So a
worker killed anywhere leaves at most one code per enrollment, never two.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.ports import AuthRevoked, ConnectorError, StoreConnector
from app.core.values import CodeRequest, DiscountSpec
from app.db.idempotent import insert_unless_taken
from app.db.models import Enrollment, IssuedDiscount, RecipeConfig, Store

log = logging.getLogger(__name__)

#: Upper-case letters and digits without the look-alikes 0/O, 1/I/L (read aloud, typed on phones).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: A readable prefix per recipe; the random part carries the uniqueness (31^8 ≈ 8.5e11).
PREFIXES = {
    "abandoned_cart": "CART",
    "product_interest": "LOOK",
    "cross_sell": "MORE",
    "birthday": "BDAY",
}
#: Codes are deleted from the store in batches of this size (WooCommerce batch ≤ 100).
DELETE_BATCH = 100


def code_key(enrollment_id: int) -> str:
    """The idempotency key of an enrollment's code: code:<enrollment>."""
    return f"code:{enrollment_id}"


def generate_code(recipe: str, choose: Callable[[str], str] = secrets.choice) -> str:
    """A new code such as CART-7KQ4M2XP."""
    body = "".join(choose(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{PREFIXES.get(recipe, 'NUDGE')}-{body}"


def discount_label(kind: str, value: Decimal, currency: str) -> str:
    """How an email names the discount: "10% off", "5.00 USD off", "free shipping"."""
    if kind == "percentage":
        return f"{value.normalize():f}% off"
    if kind == "fixed_amount":
        return f"{value.quantize(Decimal('0.01'))} {currency} off"
    return "free shipping"


def spec_from_settings(
    recipe_title: str,
    settings: Mapping[str, Any],
    now: datetime,
    *,
    currency: str,
    product_ids: Sequence[str] = (),
) -> DiscountSpec:
    """What a recipe's code gives, from its validated settings, valid from `now`."""
    kind = settings["discount_kind"]
    value = Decimal(str(settings["discount_value"])) if kind != "free_shipping" else Decimal(0)
    return DiscountSpec(
        kind=kind,
        value=value,
        title=f"Nudge: {recipe_title} ({discount_label(kind, value, currency)})",
        starts_at=now,
        ends_at=now + timedelta(hours=settings["discount_valid_hours"]),
        product_platform_ids=tuple(product_ids),
    )


def spec_to_json(spec: DiscountSpec) -> dict[str, Any]:
    """A spec as stored on the IssuedDiscount row (a retry re-sends exactly this)."""
    return {
        "kind": spec.kind,
        "value": str(spec.value),
        "title": spec.title,
        "starts_at": spec.starts_at.isoformat(),
        "ends_at": spec.ends_at.isoformat() if spec.ends_at else None,
        "product_platform_ids": list(spec.product_platform_ids),
        "minimum_subtotal": str(spec.minimum_subtotal) if spec.minimum_subtotal else None,
    }


def spec_from_json(data: Mapping[str, Any]) -> DiscountSpec:
    """The spec stored by `spec_to_json`."""
    return DiscountSpec(
        kind=data["kind"],
        value=Decimal(data["value"]),
        title=data["title"],
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]) if data.get("ends_at") else None,
        product_platform_ids=tuple(data.get("product_platform_ids") or ()),
        minimum_subtotal=(
            Decimal(data["minimum_subtotal"]) if data.get("minimum_subtotal") else None
        ),
    )


def find_code(session: Session, enrollment_id: int) -> IssuedDiscount | None:
    """The enrollment's code row, if one was reserved."""
    return session.execute(
        select(IssuedDiscount).where(IssuedDiscount.idempotency_key == code_key(enrollment_id))
    ).scalar_one_or_none()


def reserve_code(
    session: Session,
    store: Store,
    enrollment: Enrollment,
    spec: DiscountSpec,
    *,
    email: str,
    label: str,
    looked_up: bool = False,
) -> IssuedDiscount:
    """The enrollment's code row, created (pending, with a fresh store-unique code) if needed.

    The caller commits before asking the platform. A clash on the code retries with another;
    a clash on the key means a concurrent run reserved first, and its row is returned.
    `looked_up`: the caller has just found no row for the enrollment (not looked up again).
    """
    existing = None if looked_up else find_code(session, enrollment.id)
    if existing is not None:
        return existing
    for _attempt in range(8):
        values = {
            "store_id": store.id,
            "idempotency_key": code_key(enrollment.id),
            "enrollment_id": enrollment.id,
            "customer_id": enrollment.customer_id,
            "recipe": enrollment.recipe,
            "code": generate_code(enrollment.recipe),
            "kind": spec.kind,
            "value": spec.value,
            "spec": {**spec_to_json(spec), "email": email, "label": label},
            "status": "pending",
            "expires_at": spec.ends_at,
        }
        row = insert_unless_taken(session, IssuedDiscount, values)
        if row is not None:
            return row
        existing = find_code(session, enrollment.id)
        if existing is not None:
            return existing
        # else the random code collided with another of this store's codes: draw again
    raise RuntimeError("could not find a free discount code after 8 attempts")


def issue(
    session: Session, connector: StoreConnector, config: RecipeConfig | None, row: IssuedDiscount
) -> IssuedDiscount:
    """Create a reserved code in the store (idempotent) and record the platform's answer.

    Retryable faults propagate (the job retries and sends the same code again). A permanent
    refusal marks the code failed and the email goes without one: a reminder without a code
    beats no reminder. The caller must have committed the reserved row.
    """
    if row.status != "pending":
        return row
    spec = spec_from_json(row.spec)
    fingerprint = spec.fingerprint()
    parent = None
    if config is not None and config.discount_parent_fingerprint == fingerprint:
        parent = config.discount_parent_ref
    request = CodeRequest(code=row.code, email=row.spec.get("email"), ends_at=spec.ends_at)
    try:
        result = connector.issue_codes(spec, [request], parent)
    except ConnectorError as error:
        if error.retryable or isinstance(error, AuthRevoked):
            raise  # retried later; a store that reconnects still gets its code
        row.status, row.error = "failed", str(error)[:2000]
        session.commit()
        log.warning("code %s refused by the store: %s", row.id, error)
        return row
    confirmed = {issued.code.upper(): issued for issued in result.issued}
    issued = confirmed.get(row.code.upper())
    if issued is None and len(result.issued) == 1:
        # The store had a code of that name (the merchant's own) and the connector created a
        # replacement: the email must show the code that exists.
        issued = result.issued[0]
        row.code = issued.code
    if issued is None:
        row.status, row.error = "failed", "the store did not confirm the code"
    else:
        row.status, row.platform_ref, row.error = "issued", issued.platform_ref, None
    if config is not None and result.parent_ref:
        config.discount_parent_ref = result.parent_ref
        config.discount_parent_fingerprint = fingerprint
    session.commit()
    return row


def expire_codes(
    session: Session, store: Store, connector: StoreConnector, now: datetime, limit: int = 1000
) -> int:
    """Delete expired, unredeemed codes from the store (nightly); returns how many were deleted.

    Codes the platform never confirmed just become `expired`: they carry an end date there too.
    """
    session.execute(
        update(IssuedDiscount)
        .where(
            IssuedDiscount.store_id == store.id,
            IssuedDiscount.status.in_(("pending", "failed")),
            IssuedDiscount.expires_at < now,
        )
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    rows = list(
        session.execute(
            select(IssuedDiscount)
            .where(
                IssuedDiscount.store_id == store.id,
                IssuedDiscount.status == "issued",
                IssuedDiscount.expires_at < now,
            )
            .order_by(IssuedDiscount.expires_at)
            .limit(limit)
        ).scalars()
    )
    session.commit()  # no transaction (and on SQLite no write lock) across the platform calls
    deleted = 0
    for start in range(0, len(rows), DELETE_BATCH):
        batch = rows[start : start + DELETE_BATCH]
        connector.delete_codes([row.platform_ref for row in batch if row.platform_ref])
        for row in batch:
            row.status = "deleted"
        session.commit()
        deleted += len(batch)
    return deleted


def stores_with_expired_codes(session: Session, now: datetime) -> list[int]:
    """Ids of the stores that have issued codes past their expiry."""
    rows = session.execute(
        select(IssuedDiscount.store_id)
        .where(IssuedDiscount.status == "issued", IssuedDiscount.expires_at < now)
        .distinct()
        .order_by(IssuedDiscount.store_id)
    )
    return list(rows.scalars())
