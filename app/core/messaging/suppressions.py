"""Provider verdicts on an address (hard bounce, spam complaint) as suppressions, never weakened.

One row per store and address (`uq_suppressions_store_id_email`). A reason only ever gives way
to a stronger one. An unsubscribe outranks the provider's verdicts because it is the shopper's
own word and carries the consent write-back to the platform (`unsubscribe.py`, which sets it);
a merchant's manual block and a GDPR redaction outrank everything. So a bounce never relabels a
complaint, and neither relabels an unsubscribe whose write-back may still be owed.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.mirror import normalize_email
from app.db.idempotent import insert_once
from app.db.models import Suppression

#: Strength of each reason; higher wins.
REASON_STRENGTH = {"bounced": 1, "complained": 2, "unsubscribed": 3, "manual": 4, "redacted": 5}
#: The reasons a provider's event may set here (unsubscribes go through `unsubscribe()`).
PROVIDER_REASONS = ("bounced", "complained")


def suppress_address(
    session: Session, store_id: int, email: str, reason: str, source: str
) -> Suppression:
    """Make sure `email` is suppressed for the store, at least as strongly as `reason`.

    The insert is ON CONFLICT DO NOTHING, so two jobs suppressing the same address at once
    cannot both insert; then the row is locked and upgraded if `reason` is stronger.
    """
    if reason not in PROVIDER_REASONS:
        raise ValueError(f"not a provider suppression reason: {reason!r}")
    address = normalize_email(email)
    if address is None:
        raise ValueError("cannot suppress an empty address")
    values = {"store_id": store_id, "email": address, "reason": reason, "source": source[:40]}
    insert_once(session, Suppression, values, unique=("store_id", "email"))
    row = session.execute(
        select(Suppression)
        .where(Suppression.store_id == store_id, Suppression.email == address)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if REASON_STRENGTH[reason] > REASON_STRENGTH.get(row.reason, 0):
        row.reason, row.source = reason, source[:40]
    return row


#: Prefix of a suppression whose address was erased (GDPR): only its digest is kept.
ERASED_PREFIX = "erased:"


def erased_marker(store_key: str, email: str) -> str:
    """What stays of an erased shopper's suppression: a salted digest of the address.

    Erasure must not re-open the inbox of someone who said "stop": the opt-out is kept as a
    digest that identifies nobody on its own, and an address that comes back (a new order, a new
    sign-up) is matched against it before anything is sent.
    """
    address = normalize_email(email) or ""
    digest = hashlib.sha256(f"{store_key}\n{address}".encode()).hexdigest()
    return f"{ERASED_PREFIX}{digest}"


def suppression_keys(store_key: str, email: str) -> tuple[str, str]:
    """The values a suppression of `email` may be stored under: the address or its digest."""
    return (normalize_email(email) or "", erased_marker(store_key, email))
