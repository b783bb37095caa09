"""Settings: sender and address, branding, sending rules, connection health, storefront snippet."""

from __future__ import annotations

import logging

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import escape

from app.core.connection_health import describe_connection
from app.core.store_settings import (
    StoreSettingsError,
    load_store_settings,
    parse_store_settings,
    save_store_settings,
    settings_form,
    timezone_names,
)
from app.db.models import Store
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp
from app.web.admin.pages import redirect_to
from app.web.request_scope import job_queues, runtime
from workers.queues import QueueUnavailable

log = logging.getLogger(__name__)


def woo_storefront_snippet(app_url: str, store_key: str) -> str:
    """The script tag a WooCommerce merchant pastes into their theme (cart and view events)."""
    return f'<script src="{escape(app_url)}/t/woo.js?k={escape(store_key)}" async></script>'


def render_settings(
    store: Store, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> ResponseReturnValue:
    """The settings page with `form` values and inline `errors`."""
    snippet = None
    if store.platform == "woocommerce":
        snippet = woo_storefront_snippet(runtime().settings.app_url, store.key)
    page = render_template(
        "admin/settings.html",
        form=form,
        errors=errors,
        timezones=timezone_names(),
        health=describe_connection(store),
        snippet=snippet,
    )
    return page, status


@bp.get("/settings")
def settings() -> ResponseReturnValue:
    """The settings form with the stored values."""
    store = current_scope().store
    return render_settings(store, settings_form(load_store_settings(store)), {})


@bp.post("/settings")
def save_settings() -> ResponseReturnValue:
    """Validate and save; on errors show the form again with every message by its field."""
    scope = current_scope()
    submitted = {key: value for key, value in request.form.items() if key != "csrf_token"}
    try:
        chosen = parse_store_settings(submitted, load_store_settings(scope.store))
    except StoreSettingsError as error:
        shown = {**settings_form(load_store_settings(scope.store)), **submitted}
        return render_settings(scope.store, shown, error.errors, status=422)
    save_store_settings(scope.store, chosen)
    scope.session.commit()
    return redirect_to("admin.settings", notice="settings_saved")


@bp.post("/settings/repair")
def repair_connection() -> ResponseReturnValue:
    """Queue the platform's repair job (credentials and webhooks) for this store."""
    store = current_scope().store
    try:
        job_queues().enqueue_reconcile_store(store.id)
    except QueueUnavailable as error:
        log.warning("repair of store %s not queued: %s", store.id, error)
        abort(503, description="The job queue is unavailable. Try again in a minute.")
    return redirect_to("admin.settings", notice="repair_queued")
