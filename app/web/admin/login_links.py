"""Signed, expiring, single-use login links to the standalone admin (WooCommerce, tests).

A connector calls `login_link_for(store)` when a store connects (and whenever the merchant
asks for a new link) and sends or redirects the merchant to it. The link carries the store, the
store's public key (so a reinstalled store's old links die), a random nonce and an expiry,
signed with SECRET_KEY; redeeming it records the nonce (`app.core.admin_logins`), so it works
once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from app.db.base import utcnow
from app.db.models import Store

_SALT = "nudge.admin.login-link"
DEFAULT_LIFETIME = timedelta(minutes=30)
MAX_LIFETIME = timedelta(days=7)


class LoginLinkInvalid(Exception):
    """The link is malformed, forged, expired or spent; `reason` says which, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LoginClaim:
    """What a verified link grants: this store, once, until `expires_at`."""

    store_id: int
    store_key: str
    nonce: str
    expires_at: datetime
    lifetime: timedelta


def mint_login_link(
    store: Store,
    *,
    secret_key: str,
    app_url: str,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> str:
    """A full URL that signs the merchant into this store's admin once, within `lifetime`."""
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"a login link lives between 0 and {MAX_LIFETIME}")
    now = now or utcnow()
    payload = {
        "s": store.id,
        "k": store.key,
        "n": secrets.token_urlsafe(16),
        "e": int((now + lifetime).timestamp()),
        "l": int(lifetime.total_seconds()),
    }
    token = _serializer(secret_key).dumps(payload)
    return f"{app_url.rstrip('/')}/admin/login/{token}"


def read_login_link(token: str, *, secret_key: str, now: datetime | None = None) -> LoginClaim:
    """Verify the signature and expiry of a link's token (not yet whether it was used)."""
    try:
        payload: Any = _serializer(secret_key).loads(token)
        claim = LoginClaim(
            store_id=int(payload["s"]),
            store_key=str(payload["k"]),
            nonce=str(payload["n"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
            lifetime=timedelta(seconds=int(payload["l"])),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LoginLinkInvalid("invalid") from None
    if (now or utcnow()) >= claim.expires_at:
        raise LoginLinkInvalid("expired")
    return claim


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)
