"""Single use of admin login links, recorded in the store's audit trail.

A login link is signed by the web layer (it carries the store and a random nonce); this module
only remembers which nonces were redeemed. The audit entry doubles as the record of who signed
in when, and looking a nonce up is scoped to the store and to the link's lifetime.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.core.tenancy import StoreScope
from app.db.base import utcnow
from app.db.models import AuditEntry

LOGIN_LINK_REDEEMED = "admin.login_link_redeemed"


def redeem_login_nonce(
    scope: StoreScope, nonce: str, *, lifetime: timedelta, now: datetime | None = None
) -> bool:
    """Record the nonce as used; False when it was used before (the link is spent).

    Two simultaneous redemptions on PostgreSQL can both pass this check (there is no unique
    key on audit entries); the link stays single-use in every sequential case, which is what
    a forwarded or replayed email link needs.
    """
    now = now or utcnow()
    if login_nonce_redeemed(scope, nonce, lifetime=lifetime, now=now):
        return False
    scope.session.add(
        AuditEntry(
            store_id=scope.store_id,
            action=LOGIN_LINK_REDEEMED,
            subject=f"nonce:{nonce}",
            created_at=now,
        )
    )
    scope.session.flush()
    return True


def login_nonce_redeemed(
    scope: StoreScope, nonce: str, *, lifetime: timedelta, now: datetime | None = None
) -> bool:
    """True when a link with this nonce was already used (looked up within its lifetime)."""
    now = now or utcnow()
    used = scope.session.execute(
        select(func.count(AuditEntry.id)).where(
            scope.owns(AuditEntry),
            AuditEntry.action == LOGIN_LINK_REDEEMED,
            AuditEntry.subject == f"nonce:{nonce}",
            # A link cannot be redeemed after it expires, so older entries cannot match.
            AuditEntry.created_at >= now - lifetime - timedelta(minutes=5),
        )
    ).scalar_one()
    return bool(used)
