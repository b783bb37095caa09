"""Access tokens, rotating refresh tokens and one-time authorization codes.

Shapes follow Shopify's token endpoint (research §1.4): an expiring offline token answers
`access_token, scope, expires_in, refresh_token, refresh_token_expires_in`; a non-expiring one only
`access_token, scope`; an online token adds `associated_user` and `associated_user_scope`.

Refresh tokens rotate. With `refresh_rotation="until-successor-used"` (Shopify since 2026-08-28)
the previous refresh token keeps working until the new pair is used (the new access token on an
admin call, or the new refresh token); `"strict"` refuses it as soon as it has been rotated.
Callers hold `Sandbox.lock`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox

CODE_TTL = 600.0


@dataclass
class AccessToken:
    """One access token; `expires_at` None means it never expires."""

    value: str
    shop: str
    mode: str  # "offline" | "online"
    scope: str
    expires_at: float | None
    user_id: int | None = None
    refresh_token: str | None = None
    revoked: bool = False


@dataclass
class RefreshToken:
    """One refresh token and its place in the rotation chain."""

    value: str
    shop: str
    expires_at: float
    access_token: str
    predecessor: str | None = None
    successor: str | None = None
    retired: bool = False


@dataclass
class AuthorizationCode:
    """A code from /admin/oauth/authorize, redeemable once."""

    value: str
    shop: str
    mode: str
    expires_at: float


def _user(user_id: int, shop_handle: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "first_name": "Sandbox",
        "last_name": f"Staff {user_id}",
        "email": f"staff{user_id}@{shop_handle}.example",
        "email_verified": True,
        "account_owner": user_id == 1,
        "locale": "en",
        "collaborator": False,
    }


class TokenStore:
    """All tokens of the app, across shops."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthorizationCode] = {}

    def issue(
        self, shop: str, mode: str, expiring: bool, user_id: int | None = None
    ) -> dict[str, Any]:
        """Mint a token for `shop` and return the token endpoint's JSON body."""
        config, now = self._sandbox.config, self._sandbox.now()
        record = self._sandbox.shops[shop]
        prefix = "shpua_" if mode == "online" else "shpat_"
        value = prefix + secrets.token_hex(16)
        body: dict[str, Any] = {"access_token": value, "scope": record.scopes}
        if mode == "online":
            user = user_id or 1
            ttl = config.online_token_ttl
            self.access[value] = AccessToken(value, shop, mode, record.scopes, now + ttl, user)
            body |= {
                "expires_in": int(ttl),
                "associated_user_scope": record.scopes,
                "associated_user": _user(user, record.handle),
            }
            return body
        if not expiring:
            self.access[value] = AccessToken(value, shop, mode, record.scopes, None)
            return body
        token = AccessToken(value, shop, mode, record.scopes, now + config.access_token_ttl)
        refresh = RefreshToken(
            "shprt_" + secrets.token_hex(16), shop, now + config.refresh_token_ttl, value
        )
        token.refresh_token = refresh.value
        self.access[value], self.refresh[refresh.value] = token, refresh
        return body | {
            "expires_in": int(config.access_token_ttl),
            "refresh_token": refresh.value,
            "refresh_token_expires_in": int(config.refresh_token_ttl),
        }

    def issue_code(self, shop: str, mode: str) -> str:
        """A one-time authorization code for the OAuth redirect."""
        code = secrets.token_hex(16)
        self.codes[code] = AuthorizationCode(code, shop, mode, self._sandbox.now() + CODE_TTL)
        return code

    def redeem_code(self, shop: str, code: str) -> AuthorizationCode | None:
        """The code's grant if it is valid for `shop`; a code works once."""
        grant = self.codes.pop(code, None)
        if grant is None or grant.shop != shop or grant.expires_at < self._sandbox.now():
            return None
        return grant

    def rotate(self, shop: str, value: str) -> dict[str, Any] | None:
        """Exchange a refresh token for a new pair; None when it is unknown, expired or retired."""
        old = self.refresh.get(value)
        if old is None or old.shop != shop or old.retired:
            return None
        if old.expires_at <= self._sandbox.now():
            return None
        self._retire_predecessor(old)
        if old.successor is not None:  # reused before its successor was used: replace that one
            self.refresh[old.successor].retired = True
        body = self.issue(shop, "offline", expiring=True)
        new = self.refresh[body["refresh_token"]]
        new.predecessor, old.successor = old.value, new.value
        if self._sandbox.config.refresh_rotation == "strict":
            old.retired = True
        return body

    def authenticate(self, shop: str, value: str) -> AccessToken | None:
        """The live access token for an admin call on `shop`, else None (→ 401)."""
        token = self.access.get(value)
        if token is None or token.shop != shop or token.revoked:
            return None
        if token.expires_at is not None and token.expires_at <= self._sandbox.now():
            return None
        if token.refresh_token is not None:
            self._retire_predecessor(self.refresh[token.refresh_token])
        return token

    def _retire_predecessor(self, refresh: RefreshToken) -> None:
        if refresh.predecessor is not None:
            self.refresh[refresh.predecessor].retired = True

    def expire(self, shop: str, value: str | None = None) -> int:
        """Force access tokens of `shop` (or just `value`) to be expired now; returns how many."""
        now, count = self._sandbox.now(), 0
        for token in self.access.values():
            if token.shop == shop and value in (None, token.value):
                token.expires_at, count = now - 1, count + 1
        return count

    def revoke(self, shop: str, value: str | None = None) -> int:
        """Revoke access (and their refresh) tokens of `shop`, or only `value`; returns how many."""
        count = 0
        for token in self.access.values():
            if token.shop == shop and value in (None, token.value) and not token.revoked:
                token.revoked, count = True, count + 1
                if token.refresh_token is not None:
                    self.refresh[token.refresh_token].retired = True
        for refresh in self.refresh.values():
            if refresh.shop == shop and value in (None, refresh.value):
                refresh.retired = True
        return count

    def describe(self, shop: str) -> list[dict[str, Any]]:
        """Every access token of `shop` with its state (control API)."""
        now = self._sandbox.now()
        return [
            {
                "access_token": token.value,
                "mode": token.mode,
                "expires_at": token.expires_at,
                "expired": token.expires_at is not None and token.expires_at <= now,
                "revoked": token.revoked,
                "refresh_token": token.refresh_token,
                "refresh_token_retired": (
                    self.refresh[token.refresh_token].retired if token.refresh_token else None
                ),
            }
            for token in self.access.values()
            if token.shop == shop
        ]
