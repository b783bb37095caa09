"""Web blueprints. Views only translate: parse, verify, call one core function or enqueue."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """The single list of blueprints."""
    from app.web import (
        admin,
        cookie_session,
        errors,
        health,
        page_headers,
        refusals,
        sendgrid_webhook,
        shopify,
        shopify_webhooks,
        tracking,
        unsubscribe,
        woocommerce,
        woocommerce_webhooks,
    )

    app.register_blueprint(health.bp)
    app.register_blueprint(unsubscribe.bp)
    app.register_blueprint(sendgrid_webhook.bp)
    app.register_blueprint(shopify.bp)
    app.register_blueprint(shopify_webhooks.bp)
    app.register_blueprint(woocommerce.bp)
    app.register_blueprint(woocommerce_webhooks.bp)
    app.register_blueprint(tracking.bp)
    admin.init_app(app)
    cookie_session.init_app(app)
    errors.init_app(app)
    refusals.init_app(app)
    page_headers.init_app(app)
