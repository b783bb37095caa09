"""Shopify session tokens (ID tokens): the proof an embedded admin request comes from the shop.

App Bridge mints a token for every request (`shopify.idToken()`): a JWT signed HS256 with the
app's client secret, `aud` = the client id, valid one minute, whose `dest` is the shop
(https://shopify.dev/docs/apps/auth/session-tokens). We verify it the way Shopify's own
libraries do (ShopifyAPI `session_token.py`, shopify-app-js `decode-session-token.ts`): HS256
only, audience checked, `exp`/`nbf` with 10 s of leeway because "AppBridge frequently sends
future nbf", and `iss` on the same shop as `dest`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import jwt

#: Shopify's anchored shop-domain rule (app-security check "weak shop validation").
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
#: App Bridge's `host` parameter: base64 of the admin URL (no padding or padding kept).
_HOST_PARAM = re.compile(r"^[A-Za-z0-9+/_-]{4,255}={0,2}$")
LEEWAY_SECONDS = 10
REQUIRED_CLAIMS = ("exp", "nbf", "iss", "dest", "aud")


class InvalidSessionToken(Exception):
    """The token is missing, malformed, expired, forged or for another app."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def shop_domain(value: str | None) -> str | None:
    """The myshopify domain if `value` is one (lower-cased), else None."""
    if not value:
        return None
    value = value.strip().lower()
    return value if _SHOP_DOMAIN.match(value) else None


def host_param(value: str | None) -> str | None:
    """App Bridge's `host` query parameter if well formed, else None."""
    if value and _HOST_PARAM.match(value):
        return value
    return None


def verify_session_token(token: str, *, api_key: str, api_secret: str) -> str:
    """The shop domain a valid session token was issued for; InvalidSessionToken otherwise."""
    if not token:
        raise InvalidSessionToken("missing")
    try:
        claims = jwt.decode(
            token,
            api_secret,
            algorithms=["HS256"],
            audience=api_key,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidSessionToken("expired") from None
    except jwt.PyJWTError as error:
        raise InvalidSessionToken(f"invalid: {type(error).__name__}") from None
    shop = shop_domain(urlsplit(str(claims["dest"])).hostname)
    issuer = shop_domain(urlsplit(str(claims["iss"])).hostname)
    if shop is None or issuer != shop:
        raise InvalidSessionToken("invalid: dest is not the issuing shop")
    return shop


def bearer_token(header: str) -> str:
    """The token of an `Authorization: Bearer <token>` header; InvalidSessionToken otherwise."""
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token.strip():
        raise InvalidSessionToken("invalid: not a Bearer authorization")
    return token.strip()
