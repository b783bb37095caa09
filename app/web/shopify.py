"""Shopify install and App Home: token exchange on first load, authorization-code grant for
non-managed installs. Views verify, call one core function, queue the setup, answer.

- `GET /shopify`: App Home in the admin iframe. `shopifyapp` verifies the ID (session) token;
  the first load of a shop (or of a disconnected one) exchanges it for an expiring offline token.
- `GET /shopify/install` → Shopify's authorize page with a hex state nonce in a signed cookie;
  `GET /shopify/callback` checks shop, query HMAC, timestamp and state (constant time), then
  trades the code for an expiring offline token.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer
from shopify_app import RequestInput, Res, ShopifyApp
from sqlalchemy import select

from app.core import sync
from app.core.lifecycle import install_store
from app.core.ports import AuthRevoked, ConnectorError
from app.db.models import Store
from app.security import constant_time_equals
from app.web.page_headers import CSP, page_policy
from app.web.refusals import note_refusal
from app.web.request_scope import db_session, job_queues, runtime
from connectors.shopify import SCOPES, normalize_shop_domain
from connectors.shopify.oauth import authorize_url, new_state, timestamp_is_fresh, verify_query
from connectors.shopify.tokens import OfflineToken, exchange_authorization_code, exchange_id_token
from connectors.shopify.transport import browser_url, build_http_client
from workers.queues import QueueUnavailable

bp = Blueprint("shopify", __name__)
log = logging.getLogger(__name__)

STATE_COOKIE = "shopify_app_state"
STATE_MAX_AGE = 600
PATCH_ID_TOKEN_PATH = "/shopify/patch-id-token"  # noqa: S105 - a URL path, not a secret


def shopify_app() -> ShopifyApp:
    """The Shopify app of this deployment; 404 when Shopify is not configured."""
    settings = runtime().settings
    if not (settings.shopify_api_key and settings.shopify_api_secret):
        abort(404, description="Shopify is not configured on this deployment")
    return ShopifyApp(client_id=settings.shopify_api_key, client_secret=settings.shopify_api_secret)


def request_input() -> RequestInput:
    """The current request in `shopifyapp`'s shape."""
    return {
        "method": request.method,
        "headers": dict(request.headers.items()),
        "url": request.url,
        "body": request.get_data(as_text=True),
    }


def as_response(res: Res) -> Response:
    """A `shopifyapp` suggested response as a Flask response."""
    return Response(res.body, status=res.status, headers=res.headers)


def _claims_name_the_shop(claims: dict[str, Any]) -> str | None:
    # Like ShopifyAPI's session_token: `iss` and `dest` must be the same valid shop.
    dest = str(claims.get("dest", "")).removeprefix("https://").split("/", 1)[0]
    issuer = str(claims.get("iss", "")).removeprefix("https://").split("/", 1)[0]
    shop = normalize_shop_domain(dest)
    return shop if shop is not None and issuer == shop else None


@bp.get("/shopify")
def app_home() -> ResponseReturnValue:
    """App Home: verify the session token; connect the shop on its first load."""
    app = shopify_app()
    if "hmac" in request.args and not _signed_and_fresh(app):
        # Document loads also carry the admin's query HMAC: a tampered URL stops here.
        abort(401, description="the App Home request's signature is invalid or expired")
    result = app.verify_app_home_req(request_input(), PATCH_ID_TOKEN_PATH)
    if not result.ok or result.id_token is None:
        return as_response(result.response)
    shop = _claims_name_the_shop(result.id_token.claims)
    if shop is None:
        abort(401, description="the session token does not name a valid shop")
    session = db_session()
    store = session.execute(
        select(Store).where(Store.platform == "shopify", Store.domain == shop)
    ).scalar_one_or_none()
    just_installed = store is None or not store.is_active or not store.credentials_encrypted
    if store is None or just_installed:
        try:
            with build_http_client(runtime().settings.shopify_admin_origin) as client:
                token = exchange_id_token(app, result.id_token, client)
        except ConnectorError as error:
            return _exchange_failed(error)
        store = _connect(shop, token)
    page = render_template(
        "shopify/app_home.html",
        api_key=runtime().settings.shopify_api_key,
        store=store,
        just_installed=just_installed,
        sync=[(name, sync.progress(store, name)) for name in sync.RESOURCES],
        admin_url="/admin/",
    )
    headers = dict(result.response.headers)
    # shopifyapp's policy only names the frame ancestors; ours also limits what the page loads.
    headers[CSP] = page_policy(framed_by_shop=shop)
    return Response(page, status=200, headers=headers)


@bp.get(PATCH_ID_TOKEN_PATH)
def patch_id_token() -> ResponseReturnValue:
    """The page App Bridge uses to hand a fresh ID token to a document load."""
    return as_response(shopify_app().app_home_patch_id_token(request_input()).response)


def _exchange_failed(error: ConnectorError) -> ResponseReturnValue:
    if isinstance(error, AuthRevoked):
        note_refusal(f"Shopify token exchange refused: {error}")
        abort(401, description="Shopify refused the session token")
    log.warning("Shopify token exchange failed: %s", error)
    abort(503, description="Shopify could not be reached; reload the page to retry")


def _connect(shop: str, token: OfflineToken) -> Store:
    """Create or re-activate the store with its new tokens, then queue its setup."""
    session = db_session()
    store = install_store(session, platform="shopify", domain=shop)
    store.set_credentials(runtime().cipher, token.to_credentials())
    session.commit()
    try:
        job_queues().enqueue_store_setup(store.id)
    except QueueUnavailable as error:
        # The store is connected; the nightly reconcile (or the next load) sets it up.
        log.error("store %s connected but its setup could not be queued: %s", store.id, error)
    log.info("Shopify store %s connected (%s)", store.id, shop)
    return store


def _state_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime().settings.secret_key, salt="nudge.shopify.oauth-state")


@bp.get("/shopify/install")
def install() -> ResponseReturnValue:
    """Start the authorization-code grant: redirect to the shop's authorize page."""
    app = shopify_app()
    settings = runtime().settings
    shop = normalize_shop_domain(request.args.get("shop"))
    if shop is None:
        abort(400, description="shop must be a <name>.myshopify.com domain")
    if "hmac" in request.args and not _signed_and_fresh(app):
        abort(401, description="the install request's signature is invalid or expired")
    state = new_state()
    target = authorize_url(
        shop,
        api_key=app.config["client_id"],
        scopes=SCOPES,
        redirect_uri=settings.app_url + "/shopify/callback",
        state=state,
        admin_origin=settings.shopify_admin_origin,
    )
    response = make_response(redirect(target))
    response.set_cookie(
        STATE_COOKIE,
        _state_serializer().dumps({"nonce": state, "shop": shop}),
        max_age=STATE_MAX_AGE,
        secure=settings.app_url.startswith("https://"),
        httponly=True,
        samesite="Lax",
        path="/shopify",
    )
    return response


def _signed_and_fresh(app: ShopifyApp) -> bool:
    pairs = list(request.args.items(multi=True))
    secrets_to_try = [app.config["client_secret"], app.config.get("old_client_secret") or ""]
    return verify_query(pairs, secrets_to_try) and timestamp_is_fresh(
        request.args.get("timestamp"), time.time()
    )


def _state_matches(shop: str) -> bool:
    try:
        saved = _state_serializer().loads(
            request.cookies.get(STATE_COOKIE, ""), max_age=STATE_MAX_AGE
        )
    except BadSignature:
        return False
    nonce = str(saved.get("nonce", "")) if isinstance(saved, dict) else ""
    given = request.args.get("state", "")
    return bool(nonce) and constant_time_equals(nonce, given) and saved.get("shop") == shop


@bp.get("/shopify/callback")
def callback() -> ResponseReturnValue:
    """Finish the grant: verify everything, trade the code for tokens, connect the store."""
    app = shopify_app()
    settings = runtime().settings
    shop = normalize_shop_domain(request.args.get("shop"))
    code = request.args.get("code", "")
    if shop is None or not code:
        abort(400, description="the callback needs a valid shop and a code")
    if not _signed_and_fresh(app):
        abort(401, description="the callback's signature is invalid or expired")
    if not _state_matches(shop):
        abort(403, description="the install state does not match; start the install again")
    try:
        with build_http_client(settings.shopify_admin_origin) as client:
            token = exchange_authorization_code(
                shop,
                code,
                api_key=app.config["client_id"],
                api_secret=app.config["client_secret"],
                http_client=client,
            )
    except ConnectorError as error:
        return _exchange_failed(error)
    _connect(shop, token)
    target = browser_url(
        shop, f"/admin/apps/{app.config['client_id']}", settings.shopify_admin_origin
    )
    response = make_response(redirect(target))
    response.delete_cookie(STATE_COOKIE, path="/shopify")
    return response
