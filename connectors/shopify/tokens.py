"""Expiring offline access tokens: obtain them, keep them fresh, never lose a rotated one.

Shopify's offline tokens expire after 60 minutes and come with a rotating refresh token
(https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens).
`TokenManager` refreshes a few minutes before expiry and after a 401, one refresh at a time per
shop (under the vault's lock, re-reading what another process may already have refreshed), and
saves the new pair before using it. Exchanges go through `shopifyapp` (token exchange, refresh);
the authorization-code grant, which `shopifyapp` does not offer, is a plain POST.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import httpx
from shopify_app import IdTokenDetails, ShopifyApp, TokenExchangeAccessToken, TokenExchangeResult

from app.core.ports import AuthRevoked, CredentialVault, Permanent, RateLimited, Transient

log = logging.getLogger(__name__)

#: Refresh this long before the access token expires, so no call races the expiry.
REFRESH_MARGIN = timedelta(minutes=5)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _format_time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@dataclass(frozen=True)
class OfflineToken:
    """An offline access token and, when it expires, its refresh token."""

    access_token: str
    scope: str = ""
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_token_expires_at: datetime | None = None

    @classmethod
    def from_credentials(cls, data: Mapping[str, Any]) -> OfflineToken:
        """Read what `to_credentials` stored; no access token means the store is not connected."""
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthRevoked("no Shopify access token is stored for this shop; reconnect it")
        return cls(
            access_token=access,
            scope=str(data.get("scope") or ""),
            expires_at=_parse_time(data.get("expires_at")),
            refresh_token=data.get("refresh_token") or None,
            refresh_token_expires_at=_parse_time(data.get("refresh_token_expires_at")),
        )

    def to_credentials(self) -> dict[str, Any]:
        """The mapping a vault stores (encrypted)."""
        return {
            "platform": "shopify",
            "access_token": self.access_token,
            "scope": self.scope,
            "expires_at": _format_time(self.expires_at),
            "refresh_token": self.refresh_token,
            "refresh_token_expires_at": _format_time(self.refresh_token_expires_at),
        }

    @classmethod
    def from_shopifyapp(cls, token: TokenExchangeAccessToken) -> OfflineToken:
        """From `shopifyapp`'s exchange or refresh result."""
        return cls(
            access_token=token.token,
            scope=token.scope,
            expires_at=_parse_time(token.expires),
            refresh_token=token.refresh_token or None,
            refresh_token_expires_at=_parse_time(token.refresh_token_expires),
        )

    @classmethod
    def from_token_response(cls, body: Mapping[str, Any], now: datetime) -> OfflineToken:
        """From the token endpoint's JSON (authorization-code grant)."""
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise Permanent("Shopify's token endpoint answered without an access token")

        def after(key: str) -> datetime | None:
            seconds = body.get(key)
            return now + timedelta(seconds=seconds) if isinstance(seconds, int | float) else None

        return cls(
            access_token=access,
            scope=str(body.get("scope") or ""),
            expires_at=after("expires_in"),
            refresh_token=body.get("refresh_token") or None,
            refresh_token_expires_at=after("refresh_token_expires_in"),
        )

    def needs_refresh(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        """True when the access token expires within `margin` (never for non-expiring ones)."""
        return self.expires_at is not None and self.expires_at - margin <= now


def _http_status(result: TokenExchangeResult) -> int:
    return result.http_logs[-1].res.status if result.http_logs else 0


def raise_for_exchange(result: TokenExchangeResult, action: str) -> NoReturn:
    """Map a failed `shopifyapp` exchange or refresh to the connector error tree."""
    code, status = result.log.code, _http_status(result)
    message = f"Shopify {action} failed ({code}): {result.log.detail}"
    if code in (
        "invalid_grant",
        "refresh_token_expired",
        "invalid_subject_token",
        "invalid_client",
    ):
        raise AuthRevoked(message, detail=code)
    if status == 429 or code == "rate_limit_exceeded":
        raise RateLimited(message, retry_after=1.0, detail=code)
    if code in ("network_error", "server_error") or status >= 500:
        raise Transient(message, detail=code)
    raise Permanent(message, detail=code)


def exchange_id_token(
    app: ShopifyApp, id_token: IdTokenDetails, http_client: httpx.Client
) -> OfflineToken:
    """Token exchange: a verified App Home session token → an expiring offline token."""
    result = app.exchange_using_token_exchange(
        "offline", id_token=id_token, expiring=True, http_client=http_client
    )
    if not result.ok or result.access_token is None:
        raise_for_exchange(result, "token exchange")
    return OfflineToken.from_shopifyapp(result.access_token)


def exchange_authorization_code(
    shop_domain: str,
    code: str,
    *,
    api_key: str,
    api_secret: str,
    http_client: httpx.Client,
    clock: Clock = _utcnow,
) -> OfflineToken:
    """Authorization-code grant, asking for an expiring offline token (`expiring=1`)."""
    try:
        response = http_client.post(
            f"https://{shop_domain}/admin/oauth/access_token",
            json={"client_id": api_key, "client_secret": api_secret, "code": code, "expiring": 1},
            headers={"Accept": "application/json"},
        )
    except httpx.TransportError as error:
        raise Transient(f"Shopify token endpoint unreachable: {error}") from error
    if response.status_code >= 500:
        raise Transient(f"Shopify token endpoint answered {response.status_code}")
    if response.status_code != 200:
        # 400 invalid_request / invalid_grant: a used, expired or forged code.
        raise AuthRevoked(
            f"Shopify refused the authorization code ({response.status_code})",
            detail=response.text[:500],
        )
    return OfflineToken.from_token_response(response.json(), clock())


def refresh_offline_token(
    app: ShopifyApp, shop_domain: str, token: OfflineToken, http_client: httpx.Client
) -> OfflineToken:
    """Trade the refresh token for a new pair (the old refresh token is then rotated out)."""
    if not token.refresh_token:
        raise AuthRevoked("the stored Shopify token cannot be refreshed; reconnect the shop")
    result = app.refresh_token_exchanged_access_token(
        {
            "shop": shop_domain.removesuffix(".myshopify.com"),
            "refresh_token": token.refresh_token,
            # Empty: refresh now, even if our clock thinks the token still has time (a 401).
            "expires": "",
            "refresh_token_expires": _format_time(token.refresh_token_expires_at) or "",
            "access_mode": "offline",
        },
        http_client=http_client,
    )
    if not result.ok or result.access_token is None:
        raise_for_exchange(result, "token refresh")
    return OfflineToken.from_shopifyapp(result.access_token)


Refresher = Callable[[OfflineToken], OfflineToken]


class TokenManager:
    """The current access token of one shop, refreshed when due (thread-safe per process via
    the vault's lock; cross-process via the same lock)."""

    def __init__(self, vault: CredentialVault, refresher: Refresher, clock: Clock = _utcnow):
        self._vault = vault
        self._refresher = refresher
        self._clock = clock
        self._token: OfflineToken | None = None
        self.refreshes = 0

    def access_token(self) -> str:
        """A token good for at least REFRESH_MARGIN more (refreshing first when it is not)."""
        token = self._token or OfflineToken.from_credentials(self._vault.load())
        self._token = token
        if token.needs_refresh(self._clock()):
            return self.refresh(stale=token.access_token)
        return token.access_token

    def refresh(self, stale: str) -> str:
        """Replace `stale` with a fresh token, unless another process already did. A refused
        refresh token disconnects the shop (after the lock is released)."""
        try:
            return self._refresh_under_lock(stale)
        except AuthRevoked as error:
            self.revoke(str(error))
            raise

    def _refresh_under_lock(self, stale: str) -> str:
        with self._vault.lock():
            current = OfflineToken.from_credentials(self._vault.load())
            if current.access_token != stale and not current.needs_refresh(self._clock()):
                self._token = current  # someone else refreshed while we waited for the lock
                return current.access_token
            fresh = self._refresher(current)
            # Persisted before first use: a crash after this line loses nothing.
            self._vault.save(fresh.to_credentials())
            self._token = fresh
            self.refreshes += 1
            log.info("refreshed the Shopify access token (expires %s)", fresh.expires_at)
            return fresh.access_token

    def revoke(self, reason: str) -> None:
        """The shop no longer accepts our tokens: tell the vault, forget the cached token."""
        self._token = None
        self._vault.mark_revoked(reason)
