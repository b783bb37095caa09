"""`create_app(config)`: one Flask app hosting every sandbox store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from sandbox.woocommerce import (
    control,
    control_log,
    storefront,
    storefront_checkout,
    wc_auth,
    wp_json,
)
from sandbox.woocommerce.config import WooSandboxConfig
from sandbox.woocommerce.delivery import Deliverer
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.payloads import php_json
from sandbox.woocommerce.state import Sandbox


def create_app(config: WooSandboxConfig | Mapping[str, Any] | None = None) -> Flask:
    """The sandbox WooCommerce: stores under `/<store>/`, the control API under `/_sandbox/`.

    `config` is a WooSandboxConfig or plain data for `WooSandboxConfig.from_mapping`. The
    webhook delivery thread starts with the first delivery; `app.extensions["woo_sandbox"]`
    is the state and `app.extensions["woo_deliverer"]` the deliverer (`stop()` it when done).
    """
    if not isinstance(config, WooSandboxConfig):
        config = WooSandboxConfig.from_mapping(config)
    deliverer = Deliverer(timeout=config.delivery_timeout)
    sandbox = Sandbox(config, emit_sink=deliverer.emit)
    deliverer.sandbox = sandbox
    app = Flask(__name__, static_folder=None)
    app.extensions["woo_sandbox"] = sandbox
    app.extensions["woo_deliverer"] = deliverer
    app.register_blueprint(control.blueprint)
    app.register_blueprint(control_log.blueprint)
    app.register_blueprint(wp_json.blueprint)
    app.register_blueprint(wc_auth.blueprint)
    app.register_blueprint(storefront.blueprint)
    app.register_blueprint(storefront_checkout.blueprint)
    app.register_error_handler(WooError, _woo_error)
    return app


def _woo_error(error: WooError) -> Response:
    return Response(
        php_json(error.body()), status=error.status, content_type="application/json; charset=UTF-8"
    )
