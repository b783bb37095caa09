"""Signing in and out of the standalone admin, and the App Bridge page that renews tokens."""

from __future__ import annotations

from flask import abort, g, render_template, request
from flask.typing import ResponseReturnValue

from app.core.admin_logins import login_nonce_redeemed, redeem_login_nonce
from app.core.tenancy import StoreScope
from app.db.models import Store
from app.web.admin.access import end_cookie_session, start_cookie_session
from app.web.admin.blueprint import bp, public
from app.web.admin.csrf import csrf_token, require_csrf
from app.web.admin.login_links import LoginClaim, LoginLinkInvalid, read_login_link
from app.web.admin.pages import redirect_to
from app.web.admin.session_tokens import shop_domain
from app.web.request_scope import db_session, runtime


@bp.get("/login/<token>")
@public
def login(token: str) -> ResponseReturnValue:
    """The landing page of a login link: one button that signs in.

    The link is only spent by the button's POST: mail scanners that fetch every link in an
    email (Outlook Safe Links and the like) would otherwise use it up before the merchant.
    """
    try:
        claim = read_login_link(token, secret_key=runtime().settings.secret_key)
    except LoginLinkInvalid as error:
        return render_template("admin/login_invalid.html", reason=error.reason), 410
    store = _claimed_store(claim)
    if store is None:
        return render_template("admin/login_invalid.html", reason="invalid"), 410
    if login_nonce_redeemed(StoreScope(db_session(), store), claim.nonce, lifetime=claim.lifetime):
        return render_template("admin/login_invalid.html", reason="used"), 410
    return render_template(
        "admin/login.html", login_store=store, token=token, login_csrf=csrf_token()
    )


@bp.post("/login/<token>")
@public
def login_submit(token: str) -> ResponseReturnValue:
    """Spend the link and start a cookie session for its store."""
    # A pre-session CSRF token (set by the GET) stops another site from signing this browser
    # into a store of its choosing.
    require_csrf()
    try:
        claim = read_login_link(token, secret_key=runtime().settings.secret_key)
    except LoginLinkInvalid as error:
        return render_template("admin/login_invalid.html", reason=error.reason), 410
    store = _claimed_store(claim)
    if store is None:
        return render_template("admin/login_invalid.html", reason="invalid"), 410
    session = db_session()
    if not redeem_login_nonce(StoreScope(session, store), claim.nonce, lifetime=claim.lifetime):
        session.rollback()
        return render_template("admin/login_invalid.html", reason="used"), 410
    session.commit()
    start_cookie_session(store)
    return redirect_to("admin.home")


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out of the standalone admin."""
    end_cookie_session()
    g.pop("admin_access", None)  # the page after signing out shows no store
    return render_template("admin/signed_out.html")


@bp.get("/auth/session-token")
@public
def session_token() -> ResponseReturnValue:
    """App Bridge's "patch ID token" page: it gets a fresh token and reloads `shopify-reload`."""
    shop = shop_domain(request.args.get("shop"))
    reload_path = request.args.get("shopify-reload", "")
    if shop is None or not _is_admin_path(reload_path):
        abort(400, description="This page only reloads Nudge admin pages inside Shopify.")
    return render_template("admin/session_token.html")


def _claimed_store(claim: LoginClaim) -> Store | None:
    store = db_session().get(Store, claim.store_id)
    if store is None or store.key != claim.store_key or store.status == "uninstalled":
        return None
    return store


def _is_admin_path(path: str) -> bool:
    # Only our own admin pages: App Bridge must never be sent to another origin from here.
    return path.startswith("/admin") and not path.startswith("//") and "\\" not in path
