"""OAuth 1.0a one-legged signatures exactly as WooCommerce checks them over plain http.

`WC_REST_Authentication::check_oauth_signature`: the base string is
`METHOD&rawurlencode(home_url(path))&<params>`, where the params (query string, form body and
`Authorization: OAuth` header, minus `oauth_signature`) are sorted by key with `strcmp`, their
keys and values rawurlencoded once, and each `key=value` pair rawurlencoded again and joined with
`%26`. The HMAC key is `consumer_secret + "&"`; HMAC-SHA1 and HMAC-SHA256 are accepted. The body
of a JSON request is not signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

ACCEPTED_METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
REQUIRED_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
_HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')


def rawurlencode(value: str) -> str:
    """PHP `rawurlencode` (RFC 3986: everything but `A-Za-z0-9-_.~` is escaped)."""
    return quote(value, safe="")


def header_params(header: str) -> dict[str, str]:
    """The `oauth_*` pairs of an `Authorization: OAuth ...` header (`parse_header`)."""
    if not header.startswith("OAuth "):
        return {}
    params: dict[str, str] = {}
    for match in _HEADER_PARAM.finditer(header):
        quoted, bare = match.group(3), match.group(4)
        params[match.group(1)] = unquote_plus(quoted if quoted else (bare or ""))
    params.pop("realm", None)
    return params


def base_string(method: str, base_uri: str, params: dict[str, Any]) -> str:
    """The string WooCommerce signs; `params` excludes `oauth_signature`."""
    ordered = {key: params[key] for key in sorted(params)}
    normalized = {rawurlencode(key): _encode_values(value) for key, value in ordered.items()}
    pairs = _join_with_equals_sign(normalized)
    return f"{method.upper()}&{rawurlencode(base_uri)}&{'%26'.join(pairs)}"


def signature(base: str, consumer_secret: str, signature_method: str) -> str:
    """base64 HMAC of the base string with `consumer_secret&`."""
    digest = ACCEPTED_METHODS[signature_method]
    key = f"{consumer_secret}&".encode()
    return base64.b64encode(hmac.new(key, base.encode(), digest).digest()).decode()


def provided_signature(raw: str) -> str:
    """The consumer's signature as WooCommerce reads it (`rawurldecode(str_replace(' ', '+'))`)."""
    return unquote(raw.replace(" ", "+"))


def _encode_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _encode_values(inner) for key, inner in value.items()}
    return rawurlencode(str(value))


def _join_with_equals_sign(params: dict[str, Any], prefix: str = "") -> list[str]:
    pairs: list[str] = []
    for key, value in params.items():
        name = f"{prefix}%5B{key}%5D" if prefix else key
        if isinstance(value, dict):
            pairs.extend(_join_with_equals_sign(value, name))
        else:
            pairs.append(rawurlencode(f"{name}={value}"))
    return pairs
