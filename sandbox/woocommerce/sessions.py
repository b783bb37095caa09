"""Shopper sessions: the session cookie, the Store API `Cart-Token` and the `Nonce`.

- Browsers carry the session in `wp_woocommerce_session_<hash>` (path `/<store>/`).
- Headless clients send `Cart-Token: <JWT>` (HS256 with the site secret, claims `user_id`,
  `exp`, `iss: store-api`), which every Store API response returns; with a valid Cart-Token the
  nonce check is skipped (developer.woocommerce.com/docs/apis/store-api/cart-tokens).
- Otherwise Store API writes need the `Nonce` header (`wp_create_nonce('wc_store_api')`), which
  pages embed and every Store API response returns (…/store-api/nonce-tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import jwt

from sandbox.woocommerce.state import CartSession, Store

SESSION_SECONDS = 2 * 24 * 3600


def cookie_name(store: Store) -> str:
    """`wp_woocommerce_session_<COOKIEHASH>` for this store."""
    digest = hashlib.md5(store.slug.encode(), usedforsecurity=False).hexdigest()
    return f"wp_woocommerce_session_{digest}"


def new_session(store: Store) -> CartSession:
    """A fresh guest session."""
    session = CartSession(token="t_" + secrets.token_hex(16))
    store.sessions[session.token] = session
    return session


def cookie_value(store: Store, session: CartSession) -> str:
    """`<customer id>||<expiration>||<expiring>||<hash>` as WooCommerce writes it."""
    expires = int(time.time()) + SESSION_SECONDS
    mac = _mac(store, f"{session.token}|{expires}")
    return f"{session.token}||{expires}||{expires - 3600}||{mac}"


def from_cookie(store: Store, value: str | None) -> CartSession | None:
    """The session a valid, unexpired cookie names."""
    if not value:
        return None
    parts = value.split("||")
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    token, expires, _, mac = parts
    if int(expires) < time.time() or not hmac.compare_digest(
        mac, _mac(store, f"{token}|{expires}")
    ):
        return None
    return store.sessions.get(token)


def cart_token(store: Store, session: CartSession) -> str:
    """The `Cart-Token` JWT for a session."""
    claims = {
        "user_id": session.token,
        "exp": int(time.time()) + SESSION_SECONDS,
        "iss": "store-api",
    }
    return jwt.encode(claims, store.secret, algorithm="HS256")


def from_cart_token(store: Store, token: str | None) -> CartSession | None:
    """The session a valid Cart-Token names."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, store.secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    if claims.get("iss") != "store-api":
        return None
    return store.sessions.get(str(claims.get("user_id")))


def nonce(store: Store, session: CartSession) -> str:
    """The Store API nonce for this session."""
    return _mac(store, f"wc_store_api|{session.token}")[:10]


def nonce_is_valid(store: Store, session: CartSession, value: str) -> bool:
    """Whether a `Nonce` header belongs to this session."""
    return hmac.compare_digest(nonce(store, session), value)


def _mac(store: Store, text: str) -> str:
    return hmac.new(store.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
