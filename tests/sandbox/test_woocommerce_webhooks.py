"""Webhooks: REST CRUD, the unsigned creation ping, signed deliveries from the background
thread, no retries, and disabling after repeated failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from woocommerce import API

from tests.sandbox.woocommerce_support import (
    Receiver,
    WooSandbox,
    control_json,
    fixture,
    receiver,
    signature,
    validate_component,
    validate_request,
    woo_sandbox,
)

SECRET = "s3cretAlphaNumeric0123456789"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store()


@pytest.fixture
def api(woo: WooSandbox) -> API:
    return woo.api()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as target:
        yield target


def subscribe(api: API, hook: Receiver, topic: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": f"Nudge {topic}",
        "topic": topic,
        "delivery_url": f"{hook.url}/webhooks/woo",
        "secret": SECRET,
        **extra,
    }
    validate_request("/webhooks", "post", body)
    response = api.post("webhooks", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_creating_a_webhook_pings_it_unsigned_before_answering(
    woo: WooSandbox, api: API, hook: Receiver
) -> None:
    created = subscribe(api, hook, "order.updated")
    validate_component("webhook", created)
    assert set(fixture("webhook")) <= set(created)
    assert "secret" not in created
    assert (
        created["status"] == "active"
        and created["resource"] == "order"
        and created["event"] == "updated"
    )
    assert created["hooks"] == [
        "woocommerce_update_order",
        "woocommerce_order_refunded",
        "woocommerce_delete_order_refund",
    ]
    (ping,) = hook.pings()  # sent during the create request, before the 201
    assert ping.body == f"webhook_id={created['id']}".encode()
    assert ping.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert not [name for name in ping.headers if name.startswith("x-wc-webhook")]
    assert (
        ping.headers["user-agent"].startswith("WooCommerce/")
        and "Hookshot" in ping.headers["user-agent"]
    )
    (state,) = woo.webhooks()
    assert state["pending_delivery"] is False and state["secret"] == SECRET
    assert state["api_version"] == "wp_api_v3"


def test_a_failed_ping_does_not_fail_the_create(woo: WooSandbox, api: API, hook: Receiver) -> None:
    hook.statuses = [202]  # only 200 counts for a ping
    created = subscribe(api, hook, "coupon.created")
    assert created["status"] == "active"
    (state,) = woo.webhooks()
    assert state["pending_delivery"] is True
    (log,) = woo.deliveries(kind="ping")
    assert log["error"] == "Error: Delivery URL returned response code: 202"
    # Saving the still-pending webhook pings again (WC_Webhook_Data_Store::update).
    assert api.put(f"webhooks/{created['id']}", {"name": "renamed"}).status_code == 200
    assert len(hook.pings()) == 2
    assert woo.webhooks()[0]["pending_delivery"] is False


def test_a_delivery_is_signed_and_carries_the_rest_body(
    woo: WooSandbox, api: API, hook: Receiver
) -> None:
    webhook = subscribe(api, hook, "coupon.created")
    coupon = api.post("coupons", {"code": "welcome", "amount": "5"}).json()
    woo.drain()
    (delivery,) = hook.deliveries()
    assert delivery.headers["x-wc-webhook-signature"] == signature(delivery.body, SECRET)
    assert delivery.headers["x-wc-webhook-topic"] == "coupon.created"
    assert delivery.headers["x-wc-webhook-resource"] == "coupon"
    assert delivery.headers["x-wc-webhook-event"] == "created"
    assert delivery.headers["x-wc-webhook-id"] == str(webhook["id"])
    assert delivery.headers["x-wc-webhook-source"] == f"{woo.store_url()}/"
    assert len(delivery.headers["x-wc-webhook-delivery-id"]) == 32
    assert delivery.headers["content-type"] == "application/json"
    assert b"\\/" in delivery.body  # PHP's json_encode escapes slashes
    assert json.loads(delivery.body) == api.get(f"coupons/{coupon['id']}").json() == coupon


def test_each_resource_topic_delivers(woo: WooSandbox, api: API, hook: Receiver) -> None:
    for topic in (
        "order.created",
        "order.updated",
        "customer.created",
        "customer.updated",
        "product.created",
        "product.updated",
        "product.deleted",
        "coupon.updated",
    ):
        subscribe(api, hook, topic)
    product = woo.product(regular_price="12.00")
    customer = api.post("customers", {"email": "eve@example.com"}).json()
    api.put(f"customers/{customer['id']}", {"first_name": "Eve"})
    order = control_json(
        woo,
        "POST",
        "/orders",
        json={"customer_id": customer["id"], "line_items": [{"product_id": product["id"]}]},
    )
    api.put(f"orders/{order['id']}", {"status": "completed"})
    api.put(f"products/{product['id']}", {"sale_price": "10.00"})
    api.delete(f"products/{product['id']}")
    woo.drain()
    topics = [d.headers["x-wc-webhook-topic"] for d in hook.deliveries()]
    # The first paid order saves the customer as paying (`wc_paying_customer`): customer.updated.
    assert topics == [
        "product.created",
        "customer.created",
        "customer.updated",
        "customer.updated",
        "order.created",
        "order.updated",
        "product.updated",
        "product.deleted",
    ]
    by_topic = {d.headers["x-wc-webhook-topic"]: json.loads(d.body) for d in hook.deliveries()}
    assert by_topic["product.deleted"] == {"id": product["id"]}
    assert by_topic["order.created"]["customer_id"] == customer["id"]
    assert by_topic["customer.updated"]["first_name"] == "Eve"
    assert by_topic["customer.updated"]["is_paying_customer"] is True
    # Payloads are built when the delivery runs, so they show the resource as it is then.
    assert by_topic["order.updated"]["status"] == "completed"


def test_a_failed_delivery_is_not_retried(woo: WooSandbox, api: API, hook: Receiver) -> None:
    subscribe(api, hook, "coupon.created")
    hook.default_status = 500
    api.post("coupons", {"code": "once", "amount": "1"})
    woo.drain()
    assert len(hook.deliveries()) == 1
    (state,) = woo.webhooks()
    assert state["failure_count"] == 1 and state["status"] == "active"
    (log,) = woo.deliveries(kind="delivery")
    assert log["status_code"] == 500 and log["success"] is False


def test_the_seventh_consecutive_failure_disables_the_webhook(
    woo: WooSandbox, api: API, hook: Receiver
) -> None:
    webhook = subscribe(api, hook, "coupon.created")
    hook.default_status = 503
    for n in range(6):
        api.post("coupons", {"code": f"fail-{n}", "amount": "1"})
    woo.drain()
    assert woo.webhooks()[0]["failure_count"] == 6 and woo.webhooks()[0]["status"] == "active"
    api.post("coupons", {"code": "fail-6", "amount": "1"})
    woo.drain()
    assert woo.webhooks()[0]["status"] == "disabled"
    assert api.get(f"webhooks/{webhook['id']}").json()["status"] == "disabled"
    assert [w["id"] for w in api.get("webhooks", params={"status": "disabled"}).json()] == [
        webhook["id"]
    ]
    api.post("coupons", {"code": "ignored", "amount": "1"})
    woo.drain()
    assert len(hook.deliveries()) == 7  # a disabled webhook gets nothing
    # The app's watchdog re-enables it; the next success resets the counter.
    hook.default_status = 200
    assert api.put(f"webhooks/{webhook['id']}", {"status": "active"}).json()["status"] == "active"
    api.post("coupons", {"code": "back", "amount": "1"})
    woo.drain()
    assert woo.webhooks()[0]["failure_count"] == 0 and len(hook.deliveries()) == 8


def test_fail_next_switch_and_unreachable_urls_count_as_failures(
    woo: WooSandbox, api: API, hook: Receiver
) -> None:
    subscribe(api, hook, "coupon.created")
    control_json(woo, "POST", "/deliveries/fail-next", json={"count": 2})
    for n in range(3):
        api.post("coupons", {"code": f"c{n}", "amount": "1"})
    woo.drain()
    assert len(hook.deliveries()) == 1
    outcomes = [entry["success"] for entry in woo.deliveries(kind="delivery")]
    assert outcomes == [False, False, True]
    assert woo.webhooks()[0]["failure_count"] == 0


def test_coalescing_collapses_queued_updates(sandbox: WooSandbox, hook: Receiver) -> None:
    woo = sandbox.fresh_store(coalesce_updates=True, delivery_delay=2)
    api = woo.api()
    subscribe(api, hook, "product.updated")
    product = woo.product(regular_price="5.00")
    for price in ("6.00", "7.00", "8.00"):
        api.put(f"products/{product['id']}", {"regular_price": price})
    woo.drain()
    (delivery,) = hook.deliveries()
    assert json.loads(delivery.body)["regular_price"] == "8.00"


def test_webhook_crud_rules(api: API, hook: Receiver) -> None:
    bad_topic = api.post("webhooks", {"topic": "order.exploded", "delivery_url": hook.url})
    assert bad_topic.status_code == 400
    assert bad_topic.json()["code"] == "woocommerce_rest_shop_webhook_invalid_topic"
    bad_url = api.post("webhooks", {"topic": "order.created", "delivery_url": "ftp://nope"})
    assert bad_url.json()["code"] == "woocommerce_rest_shop_webhook_invalid_delivery_url"
    missing = api.post("webhooks", {"topic": "order.created"})
    assert missing.json()["code"] == "rest_missing_callback_param"
    webhook = subscribe(api, hook, "order.created", status="paused")
    assert webhook["status"] == "active"  # REST create always saves an active webhook
    assert webhook["name"] == "Nudge order.created"
    paused = api.put(f"webhooks/{webhook['id']}", {"status": "paused"})
    validate_component("webhook", paused.json())
    assert paused.json()["status"] == "paused"
    assert (
        api.put(f"webhooks/{webhook['id']}", {"status": "sleepy"}).json()["code"]
        == "rest_invalid_param"
    )
    assert api.get("webhooks", params={"status": "active"}).json() == []
    not_forced = api.delete(f"webhooks/{webhook['id']}")
    assert not_forced.status_code == 501
    assert not_forced.json()["code"] == "woocommerce_rest_trash_not_supported"
    assert api.delete(f"webhooks/{webhook['id']}", params={"force": "true"}).status_code == 200
    assert api.get(f"webhooks/{webhook['id']}").status_code == 404


def test_an_omitted_secret_is_generated_and_used(woo: WooSandbox, api: API, hook: Receiver) -> None:
    api.post("webhooks", {"topic": "coupon.created", "delivery_url": hook.url})
    (state,) = woo.webhooks()
    assert len(state["secret"]) == 50
    assert state["name"].startswith("Webhook created on ")
    api.post("coupons", {"code": "gen", "amount": "1"})
    woo.drain()
    (delivery,) = hook.deliveries()
    assert delivery.headers["x-wc-webhook-signature"] == signature(delivery.body, state["secret"])
