"""The admin merchants live in: embedded in Shopify, standalone for WooCommerce.

One module per page area (home, recipes, activity, customers, settings), plus access (who is
asking), login links, CSRF and security headers. Every view runs behind `access.authenticate`
and reads data only through `access.current_scope()`.

For connectors: `login_link_for(store)` mints the link to send a merchant after connecting.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from werkzeug.exceptions import HTTPException

from app.db.models import Store
from app.web.admin import (
    activity,
    customers,
    home,
    login,
    progress,
    recipe_dry_run,
    recipe_editor,
    recipe_emails,
    recipes,
    settings,
)
from app.web.admin.access import authenticate
from app.web.admin.blueprint import PUBLIC_ENDPOINTS, bp
from app.web.admin.formatting import init_filters
from app.web.admin.login_links import DEFAULT_LIFETIME, mint_login_link
from app.web.admin.pages import error_page, template_context
from app.web.admin.security_headers import apply_security_headers
from app.web.request_scope import runtime

__all__ = ["PUBLIC_ENDPOINTS", "bp", "init_app", "login_link_for"]

# Route modules register their views on `bp` when imported above.
_VIEW_MODULES = (
    activity,
    customers,
    home,
    login,
    progress,
    recipe_dry_run,
    recipe_editor,
    recipe_emails,
    recipes,
    settings,
)

bp.before_request(authenticate)
bp.after_request(apply_security_headers)
bp.context_processor(template_context)
bp.register_error_handler(HTTPException, error_page)


def init_app(app: Flask) -> None:
    """Register the admin blueprint and its template filters on `app`."""
    app.register_blueprint(bp)
    init_filters(app)


def login_link_for(store: Store, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """A single-use login link to `store`'s admin (call inside a request or app context)."""
    settings = runtime().settings
    return mint_login_link(
        store, secret_key=settings.secret_key, app_url=settings.app_url, lifetime=lifetime
    )
