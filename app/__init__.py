"""Nudge: marketing automation for Shopify and WooCommerce stores.

`create_app()` builds the web application. Importing this package does nothing else: no engine,
no Redis client, no app, and no framework import (so `app.core` stays importable on its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from app.config import Settings
    from app.runtime import Runtime

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: Request bodies above this are refused with 413 (Shopify's largest orders stay well below).
MAX_BODY_BYTES = 5 * 1024 * 1024


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Flask:
    """Build the Flask app from `settings` (default: `Settings.from_env()`)."""
    from flask import Flask

    from app import cli
    from app.config import Settings
    from app.log import configure_logging
    from app.runtime import Runtime
    from app.web import register_blueprints, request_scope

    if runtime is None:
        runtime = Runtime(settings or Settings.from_env())
    configure_logging(runtime.settings.log_level)
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        instance_path=str(runtime.settings.instance_dir),
    )
    app.config.update(
        SECRET_KEY=runtime.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_SECURE=runtime.settings.app_url.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.extensions["nudge"] = runtime
    request_scope.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    return app
