"""Connecting a store: the merchant's store URL, the `/wc-auth/v1/authorize` redirect, and the keys
the store POSTs back (research/woocommerce.md §3).

The state (`user_id`) is signed by the web layer; this module only builds and parses.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

APP_NAME = "Nudge"
SCOPE = "read_write"
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_KEY = re.compile(r"^ck_[0-9a-f]{20,64}$")
_SECRET = re.compile(r"^cs_[0-9a-f]{20,64}$")
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


class InvalidStoreUrl(ValueError):
    """The URL the merchant typed cannot be a WooCommerce store Nudge may call."""


class InvalidKeyGrant(ValueError):
    """The keys posted to the callback are malformed or not read/write."""


@dataclass(frozen=True)
class StoreUrl:
    """A normalised store URL: `url` to call, `domain` (host[:port][/path]) to key the Store."""

    url: str
    domain: str

    @property
    def origin(self) -> str:
        """scheme://host[:port], what a browser on the storefront sends as `Origin`."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class KeyGrant:
    """What `/wc-auth` POSTs to the callback once the merchant approves."""

    key_id: int
    state: str
    consumer_key: str
    consumer_secret: str
    permissions: str


def normalize_store_url(raw: str, *, allow_private: bool = False) -> StoreUrl:
    """Validate and normalise a store URL.

    https only; no user:password, query or fragment; a real host name. Loopback, private and
    link-local addresses (and plain http) are refused unless `allow_private` (a sandbox or local
    development store): Nudge's workers call this URL, so it must not reach the operator's own
    network. The host is checked as typed; DNS answers are not pinned (see the report).
    """
    text = (raw or "").strip()
    if not text or len(text) > 2000:
        raise InvalidStoreUrl("enter your store's address, e.g. https://shop.example.com")
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_private):
        raise InvalidStoreUrl("the store address must start with https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidStoreUrl("the store address must not contain a user name or password")
    if parts.query or parts.fragment:
        raise InvalidStoreUrl("the store address must not contain ?query or #fragment")
    host = _valid_host(parts.hostname or "", allow_private=allow_private)
    try:
        port = parts.port
    except ValueError:
        raise InvalidStoreUrl("the store address has an invalid port") from None
    default_port = 443 if scheme == "https" else 80
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return StoreUrl(url=f"{scheme}://{netloc}{path}", domain=f"{netloc}{path}")


def _valid_host(host: str, *, allow_private: bool) -> str:
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if not allow_private and not address.is_global:
            raise InvalidStoreUrl("the store address must be a public site")
        return f"[{host}]" if address.version == 6 else host
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidStoreUrl("the store address has an invalid host name") from None
    labels = ascii_host.split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        raise InvalidStoreUrl("the store address has an invalid host name")
    if not allow_private and (ascii_host in _LOCAL_NAMES or len(labels) < 2):
        raise InvalidStoreUrl("the store address must be a public site")
    return ascii_host


def authorize_url(store: StoreUrl, *, state: str, return_url: str, callback_url: str) -> str:
    """The store's app-authorization page asking for read/write keys for Nudge."""
    query = urlencode(
        {
            "app_name": APP_NAME,
            "scope": SCOPE,
            "user_id": state,
            "return_url": return_url,
            "callback_url": callback_url,
        }
    )
    return f"{store.url}/wc-auth/v1/authorize?{query}"


def parse_key_grant(payload: Any) -> KeyGrant:
    """The callback's JSON body → KeyGrant, or InvalidKeyGrant naming what is wrong."""
    if not isinstance(payload, dict):
        raise InvalidKeyGrant("body is not a JSON object")
    key = payload.get("consumer_key")
    secret = payload.get("consumer_secret")
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidKeyGrant("consumer_key is missing or malformed")
    if not isinstance(secret, str) or not _SECRET.match(secret):
        raise InvalidKeyGrant("consumer_secret is missing or malformed")
    if payload.get("key_permissions") != SCOPE:
        raise InvalidKeyGrant("key_permissions must be read_write")
    state = payload.get("user_id")
    if not isinstance(state, str | int) or not str(state):
        raise InvalidKeyGrant("user_id is missing")
    key_id = payload.get("key_id")
    if isinstance(key_id, bool) or not isinstance(key_id, int | str) or not str(key_id).isdigit():
        raise InvalidKeyGrant("key_id is missing or malformed")
    return KeyGrant(
        key_id=int(key_id),
        state=str(state),
        consumer_key=key,
        consumer_secret=secret,
        permissions=SCOPE,
    )
