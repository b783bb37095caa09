"""Connecting a WooCommerce store through its app-authorization endpoint (research §3).

1. `GET /woocommerce/connect?store_url=…` validates the URL and sends the merchant to the store's
   `/wc-auth/v1/authorize`, with a signed, expiring state as `user_id` (the store echoes it back).
2. The store POSTs the new keys to `POST /woocommerce/callback` (server to server) and deletes
   them unless we answer 200. We check the state, store the keys encrypted (as pending, with a
   fresh webhook secret), answer 200 at once and queue the setup job, which proves the keys
   against the store before they replace anything, then sets up webhooks and the backfill.
3. The merchant's browser lands on `GET /woocommerce/return`, which forwards to the admin page.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.db.models import Store
from app.security import is_public_key, new_public_key
from app.web.refusals import note_refusal
from app.web.request_scope import db_session, job_queues, runtime
from connectors.woocommerce.auth import (
    InvalidKeyGrant,
    InvalidStoreUrl,
    KeyGrant,
    StoreUrl,
    authorize_url,
    normalize_store_url,
    parse_key_grant,
)
from connectors.woocommerce.webhooks import new_webhook_secret
from workers.queues import QueueUnavailable

bp = Blueprint("woocommerce", __name__)
log = logging.getLogger(__name__)

PLATFORM = "woocommerce"
#: The merchant approves within this; the store's callback follows within seconds.
STATE_MAX_AGE = 3600
_STATE_SALT = "nudge.woocommerce.connect"
#: The last connect states used per store, refused if posted again (a replayed callback).
_KEPT_NONCES = 20


@bp.get("/woocommerce/connect")
def connect() -> ResponseReturnValue:
    """Validate the store URL and redirect to the store's authorization page."""
    try:
        store = _store_url(request.args.get("store_url", ""))
    except InvalidStoreUrl as error:
        return jsonify(error="Bad Request", message=str(error)), 400
    state = _serializer().dumps({"u": store.url, "n": secrets.token_urlsafe(12)})
    app_url = runtime().settings.app_url
    target = authorize_url(
        store,
        state=state,
        return_url=f"{app_url}/woocommerce/return",
        callback_url=f"{app_url}/woocommerce/callback",
    )
    return redirect(target, code=302)


@bp.post("/woocommerce/callback")
def callback() -> ResponseReturnValue:
    """Receive the store's keys: check the state, store them encrypted, queue the setup."""
    try:
        grant = parse_key_grant(request.get_json(force=True, silent=True))
        claims = _load_state(grant.state)
        store_url = _store_url(str(claims.get("u", "")))
    except (InvalidKeyGrant, InvalidStoreUrl) as error:
        note_refusal(f"woocommerce callback refused: {error}")
        return jsonify(error="Bad Request", message=str(error)), 400
    session = db_session()
    store = _find_or_create_store(store_url)
    nonce = str(claims.get("n", ""))
    if nonce in _used_nonces(store):
        note_refusal(f"woocommerce callback replayed for store {store.id}")
        return jsonify(error="Bad Request", message="this authorization was already used"), 400
    _save_grant(store, store_url, grant, nonce)
    session.commit()
    _queue_setup(store)
    return jsonify(status="ok", store=store.key), 200


@bp.get("/woocommerce/return")
def return_from_store() -> ResponseReturnValue:
    """Where the store sends the merchant after approving (success=1) or denying (success=0)."""
    outcome = "connected" if request.args.get("success") == "1" else "denied"
    return redirect(f"/admin/?woocommerce={outcome}", code=302)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime().settings.secret_key, salt=_STATE_SALT)


def _load_state(state: str) -> dict[str, Any]:
    try:
        claims = _serializer().loads(state, max_age=STATE_MAX_AGE)
    except SignatureExpired:
        raise InvalidKeyGrant("the authorization took too long; connect again") from None
    except BadSignature:
        raise InvalidKeyGrant("user_id is not a state Nudge issued") from None
    if not isinstance(claims, dict):
        raise InvalidKeyGrant("user_id is not a state Nudge issued")
    return claims


def _store_url(raw: str) -> StoreUrl:
    return normalize_store_url(
        raw, allow_private=runtime().settings.woocommerce_allow_private_stores
    )


def _find_or_create_store(store_url: StoreUrl) -> Store:
    session = db_session()
    store = session.execute(
        select(Store).where(Store.platform == PLATFORM, Store.domain == store_url.domain)
    ).scalar_one_or_none()
    if store is None:
        store = Store(
            platform=PLATFORM,
            domain=store_url.domain,
            key=new_public_key(),
            status="installing",
            name=store_url.domain,
            settings={},
            sync_state={},
        )
        session.add(store)
        session.flush()
    return store


def _used_nonces(store: Store) -> list[str]:
    nonces = (store.sync_state or {}).get(PLATFORM, {}).get("connect_nonces", [])
    return [str(nonce) for nonce in nonces]


def _save_grant(store: Store, store_url: StoreUrl, grant: KeyGrant, nonce: str) -> None:
    """Keep the keys as *pending*: anyone can obtain a state from /connect, so keys posted here
    replace the working ones only once the setup job has seen them work against the store."""
    credentials = store.get_credentials(runtime().cipher)
    credentials["pending"] = {
        "store_url": store_url.url,
        "consumer_key": grant.consumer_key,
        "consumer_secret": grant.consumer_secret,
        "key_id": grant.key_id,
        "key_permissions": grant.permissions,
        # Fresh on every connect: the setup job sets it on every Nudge webhook of the store.
        "webhook_secret": new_webhook_secret(),
    }
    store.set_credentials(runtime().cipher, credentials)
    if store.status != "active":
        store.status = "installing"
    state = dict(store.sync_state or {})
    woo = dict(state.get(PLATFORM, {}))
    woo["connect_nonces"] = [*_used_nonces(store), nonce][-_KEPT_NONCES:]
    woo["setup_pending"] = True  # cleared by the setup job; the maintenance cron retries it
    state[PLATFORM] = woo
    store.sync_state = state


def _queue_setup(store: Store) -> None:
    # One setup job per connect: microseconds, as two connects can fall in the same second.
    updated = store.credentials_updated_at
    stamp = int(updated.timestamp() * 1_000_000) if updated else 0
    try:
        job_queues().enqueue_woocommerce_setup(store.id, stamp)
    except QueueUnavailable as error:
        # Stored is what matters: the maintenance cron queues setups still pending.
        log.warning("woocommerce setup of store %s not queued: %s", store.id, error)


def require_woocommerce_store(store_key: str) -> Store:
    """The WooCommerce store a public key names, or 404."""
    if not is_public_key(store_key):
        abort(404, description="unknown store")
    store = (
        db_session()
        .execute(select(Store).where(Store.key == store_key, Store.platform == PLATFORM))
        .scalar_one_or_none()
    )
    if store is None:
        abort(404, description="unknown store")
    return store
