"""The authorization-code grant's checks: query HMAC, timestamps, the authorize URL.

Query HMAC (research/shopify.md §1.1, ShopifyAPI `calculate_hmac`): every parameter except
`hmac` and `signature`, sorted by key, `key=value` joined by `&`, with `%`→`%25` and `&`→`%26`
escaped in keys and values and `=`→`%3D` in keys; a repeated `ids[]` parameter is signed as
`ids=["2", "1"]`. Lowercase hex HMAC-SHA256 with the app secret, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from connectors.shopify.transport import browser_url

#: How old (or how far ahead, for clock skew) a signed request's `timestamp` may be.
TIMESTAMP_TOLERANCE = 600


def _escape(text: str, *, is_key: bool) -> str:
    text = text.replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if is_key else text


def query_message(pairs: Iterable[tuple[str, str]]) -> str:
    """The string Shopify signs for these query parameters."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key not in ("hmac", "signature"):
            grouped.setdefault(key, []).append(value)
    parts = []
    for key in sorted(grouped):
        values = grouped[key]
        if key.endswith("[]"):
            name, text = key[:-2], json.dumps(values, separators=(", ", ":"))
        else:
            name, text = key, values[-1]
        parts.append(f"{_escape(name, is_key=True)}={_escape(text, is_key=False)}")
    return "&".join(parts)


def query_hmac(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of `query_message(pairs)`."""
    return hmac.new(secret.encode(), query_message(pairs).encode(), hashlib.sha256).hexdigest()


def verify_query(pairs: Sequence[tuple[str, str]], secrets_to_try: Sequence[str]) -> bool:
    """True when the `hmac` parameter signs the others (current or previous app secret)."""
    given = [value for key, value in pairs if key == "hmac"]
    if len(given) != 1 or not given[0]:
        return False
    # Bytes, not str: compare_digest raises TypeError on a non-ASCII str (a crafted `hmac`).
    received = given[0].lower().encode()
    return any(
        hmac.compare_digest(query_hmac(pairs, secret).encode(), received)
        for secret in secrets_to_try
        if secret
    )


def verify_body_hmac(raw: bytes, received: str | None, secrets_to_try: Sequence[str]) -> bool:
    """True when `received` (X-Shopify-Hmac-Sha256) is the base64 HMAC-SHA256 of the raw body
    under the current or previous app secret; compared as bytes in constant time."""
    if not received:
        return False
    given = received.strip().encode("utf-8", "surrogateescape")
    return any(
        hmac.compare_digest(
            base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()), given
        )
        for secret in secrets_to_try
        if secret
    )


def timestamp_is_fresh(value: str | None, now: float) -> bool:
    """True when a signed `timestamp` (Unix seconds) is within TIMESTAMP_TOLERANCE of now."""
    if not value or not value.isdigit():
        return False
    return abs(now - int(value)) <= TIMESTAMP_TOLERANCE


def new_state() -> str:
    """A state nonce: 32 random bytes as hex (URL-safe, nothing to escape when signed)."""
    return secrets.token_hex(32)


def authorize_url(
    shop_domain: str,
    *,
    api_key: str,
    scopes: Sequence[str],
    redirect_uri: str,
    state: str,
    admin_origin: str | None = None,
) -> str:
    """Where the merchant approves the install (offline access: no grant_options)."""
    query = urlencode(
        {
            "client_id": api_key,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return browser_url(shop_domain, f"/admin/oauth/authorize?{query}", admin_origin)
