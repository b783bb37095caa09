"""A connected WooCommerce store, and signed deliveries to its webhook address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.db.models import Store
from app.runtime import Runtime
from connectors.woocommerce.webhooks import new_webhook_secret, sign
from tests.factories import make_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce"
TOPICS = {
    "order": "order.updated",
    "customer": "customer.updated",
    "product": "product.updated",
    "coupon": "coupon.updated",
}


@pytest.fixture
def woo_store(session, runtime: Runtime) -> Store:
    """An active WooCommerce store with keys and a webhook secret."""
    store = make_store(session, platform="woocommerce", domain="shop.example.com", name="Woo Shop")
    store.set_credentials(
        runtime.cipher,
        {
            "store_url": "https://shop.example.com",
            "consumer_key": "ck_" + "1" * 40,
            "consumer_secret": "cs_" + "2" * 40,
            "key_id": 7,
            "webhook_secret": new_webhook_secret(),
        },
    )
    session.commit()
    return store


def secret_of(store: Store, runtime: Runtime) -> str:
    return store.get_credentials(runtime.cipher)["webhook_secret"]


def deliver(
    client: FlaskClient,
    store: Store,
    secret: str,
    body: bytes,
    topic: str,
    *,
    delivery_id: str = "d-1",
    signature: str | None = None,
) -> Any:
    """POST a delivery as WooCommerce does (headers of class-wc-webhook.php::deliver)."""
    resource, _, event = topic.partition(".")
    headers = {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign(secret, body) if signature is None else signature,
        "X-WC-Webhook-ID": "142",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }
    return client.post(
        f"/webhooks/woocommerce/{store.key}",
        data=body,
        headers=headers,
        content_type="application/json",
    )
