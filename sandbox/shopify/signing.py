"""Signatures Shopify puts on what it sends to apps (research/shopify.md §1.1, §2, §3.1).

- query-string HMAC on the OAuth callback and App Home loads: hex HMAC-SHA256 of the sorted
  `key=value` pairs (without `hmac`/`signature`) joined by `&`, escaping `%`→`%25` and `&`→`%26`
  (and `=`→`%3D` in keys), list params as `ids=["2", "1"]` — ShopifyAPI `calculate_hmac`;
- webhook bodies: base64 HMAC-SHA256 of the raw bytes with the app secret;
- ID (session) tokens: HS256 JWTs signed with the app secret, claims iss/dest/aud/sub/exp/nbf/
  iat/jti/sid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import jwt

ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105 - a token-type URN


def _escape(text: str, is_key: bool) -> str:
    text = text.replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if is_key else text


def query_message(params: Mapping[str, str | Sequence[str]]) -> str:
    """The string Shopify signs for query parameters (hmac and signature left out)."""
    pairs = []
    for key in sorted(k for k in params if k not in ("hmac", "signature")):
        value = params[key]
        if isinstance(value, str):
            text = value
        else:  # ids[]=2&ids[]=1 is signed as ids=["2", "1"]
            key_name = key.removesuffix("[]")
            text = json.dumps(list(value), separators=(", ", ":"))
            pairs.append(f"{_escape(key_name, True)}={_escape(text, False)}")
            continue
        pairs.append(f"{_escape(key, True)}={_escape(text, False)}")
    return "&".join(pairs)


def query_hmac(params: Mapping[str, str | Sequence[str]], secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of `query_message(params)`."""
    message = query_message(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def body_hmac(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def admin_host_param(shop_handle: str) -> str:
    """The `host` parameter: base64 of admin.shopify.com/store/<shop>, unpadded (no `=` to
    escape, see the §1.1 caveat)."""
    raw = f"admin.shopify.com/store/{shop_handle}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def issue_id_token(
    shop_domain: str, api_key: str, secret: str, user_id: int, now: float, ttl: float
) -> tuple[str, dict[str, Any]]:
    """A session token as App Bridge hands it to the app: (jwt, claims)."""
    issued = int(now)
    claims: dict[str, Any] = {
        "iss": f"https://{shop_domain}/admin",
        "dest": f"https://{shop_domain}",
        "aud": api_key,
        "sub": str(user_id),
        "exp": issued + int(ttl),
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": secrets.token_hex(16),
    }
    return jwt.encode(claims, secret, algorithm="HS256"), claims


def decode_id_token(token: str, api_key: str, secret: str, now: float) -> dict[str, Any]:
    """Verify a session token as Shopify's token endpoint does; jwt.PyJWTError when invalid.

    10 s of leeway, like Shopify's libraries (App Bridge sends slightly future `nbf`)."""
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience=api_key,
        options={
            "require": ["iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"],
            # Times are checked against the sandbox clock below, not the machine's.
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
        },
    )
    if now > int(claims["exp"]) + 10:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if now < int(claims["nbf"]) - 10:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    return claims
