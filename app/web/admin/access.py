"""Who is asking: the store behind an admin request, resolved once, before any view runs.

Two ways in, never mixed:
- Embedded in Shopify: a session token from App Bridge, in `Authorization: Bearer` (fetches)
  or in the `id_token` query parameter (document loads, as Shopify sends them, and the few
  read-only POSTs of `READ_ONLY_POSTS`, such as a draft email posted into its preview frame).
  A document load without one is sent to the App Bridge page that fetches one and reloads
  (`shopifyapp` `verify_app_home_req` does the same).
- Standalone (WooCommerce, tests): a session cookie set by a login link, with CSRF checked on
  every write.

Views read the result through `current_store()` / `current_scope()`; there is no other way to
learn the store, and no view runs without one unless it is marked `@public`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import g, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.wrappers import Response as BaseResponse

from app.core.tenancy import StoreScope
from app.db.models import Store
from app.web.admin.blueprint import PUBLIC_ENDPOINTS, READ_ONLY_POSTS
from app.web.admin.csrf import csrf_token, require_csrf
from app.web.admin.session_tokens import (
    InvalidSessionToken,
    bearer_token,
    host_param,
    shop_domain,
    verify_session_token,
)
from app.web.request_scope import db_session, runtime

SESSION_KEY = "admin"
#: A cookie session ends this long after the login link was used, whatever happens.
SESSION_LIFETIME = timedelta(hours=12)
EMBEDDED = "session_token"
STANDALONE = "cookie"


@dataclass(frozen=True)
class AdminAccess:
    """The signed-in store and how it signed in."""

    store: Store
    via: str
    #: For embedded requests: the verified shop and App Bridge's `host`, carried in links.
    shop: str | None = None
    host: str | None = None

    @property
    def embedded(self) -> bool:
        """True inside the Shopify admin (session token), False in a standalone browser tab."""
        return self.via == EMBEDDED


class SessionTokenRejected(Unauthorized):
    """401 for a fetch whose session token failed; App Bridge retries with a fresh one."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.retry_header = True


def authenticate() -> BaseResponse | None:
    """The guard before every admin view: resolve the store, or answer 401/403 or a redirect."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    resolved = _resolve()
    if isinstance(resolved, BaseResponse):
        return resolved
    g.admin_access = resolved
    if not resolved.embedded:
        require_csrf()
    return None


def current_access() -> AdminAccess:
    """This request's access (set by the guard)."""
    access: AdminAccess | None = g.get("admin_access")
    if access is None:
        raise RuntimeError("no admin access resolved: is this view marked @public?")
    return access


def current_store() -> Store:
    """The one store this request may see."""
    return current_access().store


def current_scope() -> StoreScope:
    """The request's database session bound to its store: the only way views read data."""
    if "admin_scope" not in g:
        g.admin_scope = StoreScope(db_session(), current_store())
    scope: StoreScope = g.admin_scope
    return scope


def start_cookie_session(store: Store) -> None:
    """Sign this browser into `store` (after a login link): a fresh session and CSRF token."""
    session.clear()
    session[SESSION_KEY] = {"store_id": store.id, "store_key": store.key, "since": int(time.time())}
    csrf_token()


def end_cookie_session() -> None:
    """Sign out of the standalone admin."""
    session.clear()


def embedded_query() -> dict[str, str]:
    """The query parameters that keep a link inside the Shopify admin (empty when standalone)."""
    access: AdminAccess | None = g.get("admin_access")
    if access is None or not access.embedded or access.shop is None:
        return {}
    params = {"shop": access.shop, "embedded": "1"}
    if access.host:
        params["host"] = access.host
    return params


def patch_id_token_redirect(shop: str) -> BaseResponse:
    """Send a document load without a valid token to the App Bridge page that gets one."""
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "id_token"]
    reload_path = request.path + (f"?{urlencode(kept)}" if kept else "")
    params: dict[str, Any] = {"shop": shop, "embedded": "1", "shopify-reload": reload_path}
    host = host_param(request.args.get("host"))
    if host:
        params["host"] = host
    return redirect(url_for("admin.session_token", **params), code=302)


def _resolve() -> AdminAccess | BaseResponse:
    header = request.headers.get("Authorization")
    if header is not None:
        try:
            return _embedded_access(bearer_token(header))
        except InvalidSessionToken as error:
            raise SessionTokenRejected(_token_message(error)) from None
    id_token = request.args.get("id_token")
    claimed_shop = shop_domain(request.args.get("shop"))
    if id_token and (request.method == "GET" or request.endpoint in READ_ONLY_POSTS):
        try:
            return _embedded_access(id_token)
        except InvalidSessionToken:
            if claimed_shop and request.method == "GET":
                return patch_id_token_redirect(claimed_shop)
            raise Unauthorized("The session token is invalid or expired.") from None
    from_cookie = _cookie_access()
    if from_cookie is not None:
        return from_cookie
    if claimed_shop and request.method == "GET" and request.args.get("embedded") == "1":
        return patch_id_token_redirect(claimed_shop)
    raise Unauthorized("Sign in to see this store's Nudge admin.")


def _embedded_access(token: str) -> AdminAccess:
    settings = runtime().settings
    if not (settings.shopify_api_key and settings.shopify_api_secret):
        raise InvalidSessionToken("this deployment has no Shopify app configured")
    shop = verify_session_token(
        token, api_key=settings.shopify_api_key, api_secret=settings.shopify_api_secret
    )
    store = (
        db_session()
        .execute(select(Store).where(Store.platform == "shopify", Store.domain == shop))
        .scalar_one_or_none()
    )
    if store is None or store.status == "uninstalled":
        raise Forbidden(f"Nudge is not installed on {shop}. Open it from the Apps section.")
    return AdminAccess(store, EMBEDDED, shop=shop, host=host_param(request.args.get("host")))


def _cookie_access() -> AdminAccess | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    store_id, since = data.get("store_id"), data.get("since")
    if not isinstance(store_id, int) or not isinstance(since, int):
        session.pop(SESSION_KEY, None)
        return None
    store = db_session().get(Store, store_id)
    expired = time.time() - since > SESSION_LIFETIME.total_seconds()
    if (
        store is None
        or store.key != data.get("store_key")
        or store.status == "uninstalled"
        or expired
    ):
        session.pop(SESSION_KEY, None)
        return None
    return AdminAccess(store, STANDALONE)


def _token_message(error: InvalidSessionToken) -> str:
    if error.reason == "expired":
        return "The session token expired."
    return "The session token is invalid."
