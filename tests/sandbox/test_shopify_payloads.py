"""Webhook bodies the sandbox generates are shaped like Shopify's published 2026-07 samples
(fixtures/shopify/webhooks/): every key the sandbox sends exists in the sample with a compatible
JSON type, and the keys an app relies on are there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.shopify_support import RunningSandbox, running_sandbox, webhook_receiver

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify" / "webhooks"
REQUIRED = {
    "customers/create": {"id", "email", "first_name", "updated_at", "admin_graphql_api_id"},
    "customers/update": {"id", "email", "updated_at", "default_address"},
    "customers/delete": {"id", "admin_graphql_api_id"},
    "products/create": {"id", "title", "handle", "status", "variants", "images", "updated_at"},
    "products/update": {"id", "variants", "updated_at"},
    "products/delete": {"id"},
    "orders/create": {"id", "email", "customer", "line_items", "discount_codes", "checkout_token"},
    "orders/paid": {"id", "financial_status", "total_price"},
    "orders/updated": {"id", "financial_status", "cancelled_at", "updated_at"},
    "checkouts/create": {"token", "cart_token", "email", "line_items", "abandoned_checkout_url"},
    "checkouts/update": {"token", "completed_at", "updated_at", "customer"},
    "carts/create": {"id", "token", "line_items", "updated_at"},
    "carts/update": {"id", "token", "line_items"},
    "app/uninstalled": {"id", "name", "myshopify_domain"},
    "customers/data_request": {"shop_id", "shop_domain", "customer", "orders_requested"},
    "customers/redact": {"shop_id", "shop_domain", "customer", "orders_to_redact"},
    "shop/redact": {"shop_id", "shop_domain"},
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _compatible(generated: Any, sample: Any, where: str) -> list[str]:
    """Problems where the generated value does not fit the sample's shape."""
    kinds = {_json_type(generated), _json_type(sample)}
    if "null" in kinds or len(kinds) == 1:
        if isinstance(generated, dict) and isinstance(sample, dict):
            return _shape(generated, sample, where)
        if isinstance(generated, list) and isinstance(sample, list) and generated and sample:
            return _compatible(generated[0], sample[0], where + "[0]")
        return []
    return [f"{where}: {_json_type(generated)} where the sample has {_json_type(sample)}"]


def _shape(generated: dict[str, Any], sample: dict[str, Any], where: str = "") -> list[str]:
    problems = [f"{where}.{key}: not in the sample" for key in generated if key not in sample]
    for key in generated.keys() & sample.keys():
        problems += _compatible(generated[key], sample[key], f"{where}.{key}")
    return problems


def _drive(sandbox: RunningSandbox, domain: str) -> None:
    """One of every change, each emitting its topic."""
    control = sandbox.control
    customer = control(
        "POST",
        f"/shops/{domain}/customers",
        json={
            "email": "ann@example.com",
            "first_name": "Ann",
            "default_address": {"city": "Ottawa", "country": "Canada", "country_code": "CA"},
        },
    ).json()
    control("PATCH", f"/shops/{domain}/customers/{customer['id']}", json={"last_name": "Lee"})
    product = control(
        "POST",
        f"/shops/{domain}/products",
        json={
            "title": "Tee",
            "images": [{"src": "https://img.example/t.jpg"}],
            "variants": [{"price": "20"}],
        },
    ).json()
    variant = product["variants"][0]["id"]
    control("PATCH", f"/shops/{domain}/products/{product['id']}", json={"tags": "a, b"})
    lines = [{"variant_id": variant, "quantity": 2}]
    cart = control("POST", f"/shops/{domain}/carts", json={"line_items": lines}).json()
    control("PATCH", f"/shops/{domain}/carts/{cart['token']}", json={"note": "gift"})
    checkout = control(
        "POST",
        f"/shops/{domain}/checkouts",
        json={"email": "ann@example.com", "line_items": lines, "cart_token": cart["token"]},
    ).json()
    order = control("POST", f"/shops/{domain}/checkouts/{checkout['token']}/complete").json()
    control("POST", f"/shops/{domain}/orders/{order['id']}/cancel", json={"reason": "customer"})
    for topic in ("customers/data_request", "customers/redact"):
        control("POST", f"/shops/{domain}/compliance/{topic}", json={"customer_id": customer["id"]})
    control("POST", f"/shops/{domain}/compliance/shop/redact")
    second = control("POST", f"/shops/{domain}/products", json={"title": "Gone"}).json()
    control("DELETE", f"/shops/{domain}/products/{second['id']}")
    other = control("POST", f"/shops/{domain}/customers", json={"email": "bob@example.com"}).json()
    control("DELETE", f"/shops/{domain}/customers/{other['id']}")
    control("POST", f"/shops/{domain}/uninstall")


@pytest.fixture(scope="module")
def bodies() -> dict[str, list[dict[str, Any]]]:
    """Every topic's generated bodies (a real delivery run)."""
    with webhook_receiver() as receiver, running_sandbox(app_url=receiver.url) as sandbox:
        domain = sandbox.create_shop("acme", timezone="America/Toronto")
        _drive(sandbox, domain)
        drained = sandbox.control("POST", "/webhooks/drain", json={"timeout": 10}).json()
        assert drained["drained"]
        collected: dict[str, list[dict[str, Any]]] = {}
        for delivery in receiver.received:
            collected.setdefault(delivery.headers["X-Shopify-Topic"], []).append(
                json.loads(delivery.body)
            )
    return collected


def test_every_topic_was_emitted(bodies: dict[str, list[dict[str, Any]]]) -> None:
    assert set(REQUIRED) | {"orders/cancelled"} == set(bodies)


@pytest.mark.parametrize("topic", sorted(REQUIRED))
def test_bodies_match_the_published_sample(
    topic: str, bodies: dict[str, list[dict[str, Any]]]
) -> None:
    sample = json.loads((FIXTURES / (topic.replace("/", "__") + ".json")).read_text())
    for body in bodies[topic]:
        assert _shape(body, sample) == []
        assert REQUIRED[topic] <= body.keys()


def test_orders_cancelled_is_an_order_body(bodies: dict[str, list[dict[str, Any]]]) -> None:
    sample = json.loads((FIXTURES / "orders__updated.json").read_text())
    [body] = bodies["orders/cancelled"]
    assert _shape(body, sample) == []
    assert body["cancel_reason"] == "customer" and body["cancelled_at"]


def test_values_are_consistent(bodies: dict[str, list[dict[str, Any]]]) -> None:
    [order] = bodies["orders/create"]
    assert order["line_items"][0]["quantity"] == 2 and order["total_price"] == "40.00"
    assert order["customer"]["email"] == "ann@example.com"
    [checkout] = bodies["checkouts/create"]
    assert order["checkout_token"] == checkout["token"]
    assert order["cart_token"] == checkout["cart_token"] == bodies["carts/create"][0]["token"]
    assert checkout["created_at"].endswith(("-05:00", "-04:00"))  # shop-local offsets, like Shopify
    product = bodies["products/create"][0]
    assert product["variants"][0]["price"] == "20.00" and product["images"][0]["src"]
