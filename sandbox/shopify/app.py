"""`create_app(config)`: the sandbox Shopify as a Flask app (one app, many shops)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from sandbox.shopify import control, control_resources, graphql_api, oauth, storefront
from sandbox.shopify.config import SandboxConfig
from sandbox.shopify.routing import ShopPrefixMiddleware
from sandbox.shopify.state import Sandbox


def create_app(config: SandboxConfig | Mapping[str, Any]) -> Flask:
    """Build the sandbox. `config` is a SandboxConfig or a mapping of its fields.

    The Sandbox (state, tokens, webhook worker) is `app.extensions["shopify_sandbox"]`; call its
    `close()` to stop the webhook thread. The Admin GraphQL schema is built on first use."""
    settings = config if isinstance(config, SandboxConfig) else SandboxConfig(**config)
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep GraphQL field order
    app.extensions["shopify_sandbox"] = Sandbox(settings)
    for blueprint in (
        oauth.blueprint,
        graphql_api.blueprint,
        control.blueprint,
        control_resources.blueprint,
        storefront.blueprint,
    ):
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = ShopPrefixMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _http_error(error: HTTPException) -> tuple[Response, int]:
    return jsonify({"error": error.description or error.name}), error.code or 500
