"""What every admin page shares: links that stay embedded, the template context, error pages."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from app.core.store_settings import effective_timezone, load_store_settings
from app.web.admin.access import SessionTokenRejected, embedded_query
from app.web.admin.csrf import csrf_token
from app.web.admin.recipe_catalog import RECIPES, recipe_title
from app.web.request_scope import runtime

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: The navigation, in order: (endpoint, label).
NAVIGATION = (
    ("admin.home", "Home"),
    ("admin.recipes", "Recipes"),
    ("admin.activity", "Activity"),
    ("admin.customers", "Customers"),
    ("admin.settings", "Settings"),
)

#: Banners shown after a successful action (`?notice=<key>`); a fixed list, never echoed text.
NOTICES = {
    "settings_saved": "Settings saved.",
    "recipe_on": "Recipe turned on.",
    "recipe_off": "Recipe turned off.",
    "unsubscribed": "Customer unsubscribed. They will get no more marketing email.",
    "customer_erased": "Customer erased. Nudge no longer holds their personal data.",
    "repair_queued": "Repair started. Refresh this page in a minute to see the result.",
    "recipe_saved": "Recipe settings saved. People already in the recipe keep their settings.",
    "email_saved": "Email saved.",
    "email_reset": "Email reset to Nudge's default copy.",
    "test_sent": "Test email sent. It can take a minute to arrive.",
    "dry_run_started": "Dry run started. The results appear below when it finishes.",
    "dry_run_running": "A dry run of this recipe is already running.",
}


def admin_url(endpoint: str, **values: Any) -> str:
    """`url_for` that keeps an embedded page embedded (shop, host and embedded=1 carried)."""
    return url_for(endpoint, **{**embedded_query(), **values})


def redirect_to(endpoint: str, **values: Any) -> BaseResponse:
    """303 to another admin page after a write (the browser then GETs it)."""
    return redirect(admin_url(endpoint, **values), code=303)


@cache
def _static_version(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A cache-busted URL of an admin static file."""
    return url_for("admin.static", filename=filename, v=_static_version(filename))


def template_context() -> dict[str, Any]:
    """Names every admin template can use."""
    access = g.get("admin_access")
    context: dict[str, Any] = {
        "admin_url": admin_url,
        "embedded_query": embedded_query,
        "static_url": static_url,
        "navigation": NAVIGATION,
        "recipes": RECIPES,
        "recipe_title": recipe_title,
        "access": access,
        "embedded": bool(access and access.embedded),
        "shopify_api_key": runtime().settings.shopify_api_key or "",
        "notice": NOTICES.get(request.args.get("notice", "")),
    }
    if access is not None:
        store = access.store
        context["store"] = store
        context["store_timezone"] = effective_timezone(store, load_store_settings(store))
        # Only cookie sessions use CSRF tokens; an embedded page must not set a cookie.
        context["csrf_token"] = "" if access.embedded else csrf_token()
    return context


def wants_json() -> bool:
    """True when the caller asked for JSON (the progress poller, API clients)."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_page(error: HTTPException) -> ResponseReturnValue:
    """Admin errors as a page for people and as JSON for scripts, with the right status."""
    code = error.code or 500
    headers = {}
    if isinstance(error, SessionTokenRejected):
        # App Bridge sees this header and retries the request with a fresh session token.
        headers["X-Shopify-Retry-Invalid-Session-Request"] = "1"
    if wants_json():
        return jsonify(error=error.name, message=error.description), code, headers
    page = render_template("admin/error.html", code=code, title=error.name, error=error)
    return page, code, headers
