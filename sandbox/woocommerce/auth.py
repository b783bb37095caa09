"""REST API keys and `WC_REST_Authentication`: who is calling, and may this key do this?

- Over HTTPS (`is_ssl()`), Basic auth or `?consumer_key=&consumer_secret=` is tried first.
- Otherwise (and when no key was found that way) OAuth 1.0a one-legged: signature, then a
  timestamp within 15 minutes, then a nonce unused within 15 minutes.
- With no credentials at all the request runs as a visitor and the route's permission check
  answers 401 `woocommerce_rest_cannot_*`.
- A key may only `GET`/`HEAD` with `read`/`read_write` and write with `write`/`read_write`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.woocommerce import oauth1
from sandbox.woocommerce.dates import utc_now
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.state import ADMIN_USER_ID, Record, Store

PERMISSIONS = ("read", "write", "read_write")
NONCE_WINDOW = 15 * 60


def auth_error(message: str) -> WooError:
    """401 `woocommerce_rest_authentication_error`."""
    return WooError("woocommerce_rest_authentication_error", message, 401)


def api_hash(consumer_key: str) -> str:
    """`wc_api_hash`: keys are stored hashed, so a lost key cannot be read back."""
    return hmac.new(b"wc-api", consumer_key.encode(), hashlib.sha256).hexdigest()


def create_key(
    store: Store, permissions: str, description: str, user_id: int = ADMIN_USER_ID
) -> Record:
    """A new key pair (`WC_Auth::create_keys`); the returned record holds the plain key once."""
    consumer_key = "ck_" + secrets.token_hex(20)
    consumer_secret = "cs_" + secrets.token_hex(20)
    key_id = store.next_key_id()
    store.api_keys[key_id] = {
        "key_id": key_id,
        "user_id": user_id,
        "description": description,
        "permissions": permissions,
        "consumer_key_hash": api_hash(consumer_key),
        "consumer_secret": consumer_secret,
        "truncated_key": consumer_key[-7:],
        "nonces": {},
        "last_access": None,
    }
    return {**store.api_keys[key_id], "consumer_key": consumer_key}


def find_key(store: Store, consumer_key: str) -> Record | None:
    """The key record for a plain consumer key, or None."""
    wanted = api_hash(consumer_key)
    for key in store.api_keys.values():
        if hmac.compare_digest(key["consumer_key_hash"], wanted):
            return key
    return None


@dataclass
class Credentials:
    """What a request carried that authentication looks at."""

    method: str
    base_uri: str
    is_ssl: bool
    query: dict[str, Any]
    form: dict[str, Any] = field(default_factory=dict)
    authorization: str = ""
    basic: tuple[str, str] | None = None


@dataclass
class AuthResult:
    """The authenticated key (None: a visitor) and how it authenticated."""

    key: Record | None = None
    method: str | None = None


def authenticate(store: Store, creds: Credentials) -> AuthResult:
    """Identify the key or raise the authentication error WooCommerce would answer."""
    error: WooError | None = None
    if creds.is_ssl:
        key, error = _basic(store, creds)
        if key is not None:
            return _checked(AuthResult(key, "basic_auth"), creds.method)
    key = _oauth(store, creds)
    if key is not None:
        return _checked(AuthResult(key, "oauth1"), creds.method)
    if error is not None:
        raise error
    return AuthResult()


def _basic(store: Store, creds: Credentials) -> tuple[Record | None, WooError | None]:
    consumer_key = str(creds.query.get("consumer_key") or "")
    consumer_secret = str(creds.query.get("consumer_secret") or "")
    if not (consumer_key and consumer_secret) and creds.basic is not None:
        consumer_key, consumer_secret = creds.basic
    if not (consumer_key and consumer_secret):
        return None, None
    key = find_key(store, consumer_key)
    if key is None:
        return None, auth_error("Consumer key is invalid.")
    if not hmac.compare_digest(key["consumer_secret"], consumer_secret):
        return None, auth_error("Consumer secret is invalid.")
    return key, None


def _oauth(store: Store, creds: Credentials) -> Record | None:
    params = {**creds.query, **creds.form, **oauth1.header_params(creds.authorization)}
    present = [name for name in oauth1.REQUIRED_PARAMS if params.get(name)]
    if not present:
        return None
    missing = [name for name in oauth1.REQUIRED_PARAMS if not params.get(name)]
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        raise WooError(
            "woocommerce_rest_authentication_missing_parameter",
            f"Missing OAuth {noun} {', '.join(missing)}",
            401,
        )
    key = find_key(store, str(params["oauth_consumer_key"]))
    if key is None:
        raise auth_error("Consumer key is invalid.")
    _check_signature(key, creds, params)
    _check_timestamp_and_nonce(key, params)
    return key


def _check_signature(key: Record, creds: Credentials, params: dict[str, Any]) -> None:
    provided = oauth1.provided_signature(str(params.pop("oauth_signature")))
    method_name = str(params.get("oauth_signature_method"))
    if method_name not in oauth1.ACCEPTED_METHODS:
        raise auth_error("Invalid signature - signature method is invalid.")
    base = oauth1.base_string(creds.method, creds.base_uri, params)
    expected = oauth1.signature(base, key["consumer_secret"], method_name)
    if not hmac.compare_digest(expected, provided):
        raise auth_error("Invalid signature - provided signature does not match.")


def _check_timestamp_and_nonce(key: Record, params: dict[str, Any]) -> None:
    now = int(time.time())
    try:
        timestamp = int(str(params["oauth_timestamp"]))
    except ValueError:
        timestamp = 0
    if not now - NONCE_WINDOW <= timestamp <= now + NONCE_WINDOW:
        raise auth_error("Invalid timestamp.")
    nonce = str(params["oauth_nonce"])
    used: dict[int, str] = key["nonces"]
    if nonce in used.values():
        raise auth_error("Invalid nonce - nonce has already been used.")
    # WooCommerce keys used nonces by timestamp, so two requests in the same second keep only
    # the later nonce; the sandbox keeps that quirk.
    used[timestamp] = nonce
    for stamp in [stamp for stamp in used if stamp < now - NONCE_WINDOW]:
        del used[stamp]


def _checked(result: AuthResult, method: str) -> AuthResult:
    permissions = result.key["permissions"] if result.key else ""
    if method in ("GET", "HEAD") and permissions not in ("read", "read_write"):
        raise auth_error("The API key provided does not have read permissions.")
    if method in ("POST", "PUT", "PATCH", "DELETE") and permissions not in ("write", "read_write"):
        raise auth_error("The API key provided does not have write permissions.")
    if method not in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        raise auth_error("Unknown request method.")
    if result.key is not None:
        result.key["last_access"] = utc_now()
    return result


def cannot(action: str) -> WooError:
    """The route permission error a visitor gets (`rest_authorization_required_code()` = 401)."""
    messages = {
        "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
        "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
        "create": (
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        ),
        "edit": (
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        ),
        "delete": (
            "woocommerce_rest_cannot_delete",
            "Sorry, you are not allowed to delete this resource.",
        ),
        "batch": (
            "woocommerce_rest_cannot_batch",
            "Sorry, you are not allowed to batch manipulate this resource.",
        ),
    }
    code, message = messages[action]
    return WooError(code, message, 401)
