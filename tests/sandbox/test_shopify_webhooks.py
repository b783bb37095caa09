"""Webhook delivery by the sandbox Shopify, to a real loopback receiver: headers and HMAC (checked
by the real `shopifyapp`), app-level and API subscriptions, retries, removal of failing
subscriptions, duplicate and out-of-order switches, uninstall and compliance topics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from shopify_app import ShopifyApp

from sandbox.shopify.config import AppSubscription
from tests.sandbox.shopify_support import (
    API_KEY,
    API_SECRET,
    RunningSandbox,
    WebhookReceiver,
    running_sandbox,
    webhook_receiver,
)

CREATE_SUBSCRIPTION = """
mutation Sub($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format includeFields }
    userErrors { field message }
  }
}"""
LIST_SUBSCRIPTIONS = "{ webhookSubscriptions(first: 10) { nodes { id topic uri } } }"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


def _sandbox(receiver: WebhookReceiver, **config: object):
    return running_sandbox(app_url=receiver.url, webhook_retry_delays=(0.05, 0.05), **config)


def _subscribe(sandbox: RunningSandbox, domain: str, token: str, topic: str, uri: str) -> dict:
    variables = {"topic": topic, "sub": {"uri": uri, "format": "JSON"}}
    answer = sandbox.graphql(domain, token, CREATE_SUBSCRIPTION, variables).json()
    return dict(answer["data"]["webhookSubscriptionCreate"])


def _drain(sandbox: RunningSandbox) -> None:
    drained = sandbox.control("POST", "/webhooks/drain", json={"timeout": 10}).json()
    assert drained["drained"], drained


def test_app_level_webhooks_carry_shopify_headers_and_a_valid_hmac(
    receiver: WebhookReceiver,
) -> None:
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        created = sandbox.control(
            "POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"}
        )
        assert created.status_code == 201
        [delivery] = receiver.wait_for(1)
    assert delivery.path == "/webhooks/shopify"
    headers = delivery.headers
    assert headers["X-Shopify-Topic"] == "customers/create"
    assert headers["X-Shopify-Shop-Domain"] == "acme.myshopify.com"
    assert headers["X-Shopify-Api-Version"] == "2026-07"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Shopify-Webhook-Id"] and headers["X-Shopify-Event-Id"]
    datetime.fromisoformat(headers["X-Shopify-Triggered-At"].replace("Z", "+00:00"))
    request = {
        "method": "POST",
        "headers": headers,
        "url": receiver.url + delivery.path,
        "body": delivery.body.decode(),
    }
    verified = ShopifyApp(API_KEY, API_SECRET).verify_webhook_req(request)
    assert verified.ok, verified.log
    assert verified.shop == "acme"
    tampered = request | {"body": delivery.body.decode().replace("ann@", "eve@")}
    assert not ShopifyApp(API_KEY, API_SECRET).verify_webhook_req(tampered).ok
    assert b", " not in delivery.body and b": " not in delivery.body  # compact JSON
    body = json.loads(delivery.body)
    assert body["email"] == "ann@example.com"
    assert body["admin_graphql_api_id"] == f"gid://shopify/Customer/{body['id']}"


def test_shops_without_the_app_get_no_webhooks(receiver: WebhookReceiver) -> None:
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme", installed=False)
        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"})
        _drain(sandbox)
        # Compliance topics still arrive (shop/redact comes after uninstall).
        sandbox.control("POST", f"/shops/{domain}/compliance/shop/redact")
        [delivery] = receiver.wait_for(1)
    assert delivery.headers["X-Shopify-Topic"] == "shop/redact"
    assert json.loads(delivery.body) == {
        "shop_id": json.loads(delivery.body)["shop_id"],
        "shop_domain": domain,
    }


def test_api_subscriptions_are_validated_and_delivered(receiver: WebhookReceiver) -> None:
    with _sandbox(receiver, app_subscriptions=()) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        http_remote = _subscribe(sandbox, domain, token, "ORDERS_CREATE", "http://example.com/hook")
        assert http_remote["userErrors"] == [
            {
                "field": ["webhookSubscription", "callbackUrl"],
                "message": "Address protocol http:// is not supported",
            }
        ]
        shopify_host = _subscribe(
            sandbox, domain, token, "ORDERS_CREATE", "https://x.myshopify.com/h"
        )
        assert shopify_host["webhookSubscription"] is None
        created = _subscribe(
            sandbox, domain, token, "CUSTOMERS_CREATE", receiver.url + "/customers"
        )
        assert created["userErrors"] == []
        assert created["webhookSubscription"]["topic"] == "CUSTOMERS_CREATE"
        again = _subscribe(sandbox, domain, token, "CUSTOMERS_CREATE", receiver.url + "/customers")
        assert again["userErrors"][0]["message"] == "Address for this topic has already been taken"
        listed = sandbox.graphql(domain, token, LIST_SUBSCRIPTIONS).json()["data"]
        assert [n["uri"] for n in listed["webhookSubscriptions"]["nodes"]] == [
            receiver.url + "/customers"
        ]

        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "bob@example.com"})
        [delivery] = receiver.wait_for(1)
        assert (
            delivery.path == "/customers"
            and delivery.headers["X-Shopify-Topic"] == "customers/create"
        )


def test_customer_webhooks_carry_the_metafields_a_subscription_asks_for(
    receiver: WebhookReceiver,
) -> None:
    with _sandbox(receiver, app_subscriptions=()) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        for path, namespaces in (("/facts", ["facts"]), ("/plain", [])):
            variables = {
                "topic": "CUSTOMERS_UPDATE",
                "sub": {"uri": receiver.url + path, "metafieldNamespaces": namespaces},
            }
            answer = sandbox.graphql(domain, token, CREATE_SUBSCRIPTION, variables).json()
            assert answer["data"]["webhookSubscriptionCreate"]["userErrors"] == []
        created = sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "a@x.io"})
        customer_id = created.json()["id"]
        body = {"birth_date": "1990-06-04"}
        sandbox.control("PATCH", f"/shops/{domain}/customers/{customer_id}", json=body)
        deliveries = {d.path: json.loads(d.body) for d in receiver.wait_for(2)}
    [birthday] = deliveries["/facts"]["metafields"]
    assert (birthday["namespace"], birthday["key"], birthday["value"]) == (
        "facts",
        "birth_date",
        "1990-06-04",
    )
    assert birthday["owner_id"] == customer_id and birthday["owner_resource"] == "customer"
    assert "metafields" not in deliveries["/plain"]


def test_unknown_and_compliance_topics_are_not_subscribable(receiver: WebhookReceiver) -> None:
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        for topic in ("NOT_A_REAL_TOPIC", "CUSTOMERS_REDACT"):
            variables = {"topic": topic, "sub": {"uri": receiver.url + "/x"}}
            answer = sandbox.graphql(domain, token, CREATE_SUBSCRIPTION, variables).json()
            assert "data" not in answer
            [error] = answer["errors"]
            assert error["message"] == (
                "Variable $topic of type WebhookSubscriptionTopic! was provided invalid value"
            )
            assert error["extensions"]["code"] == "INVALID_VARIABLE"
        assert (
            sandbox.control("GET", f"/shops/{domain}/app-activity").json()["webhook_subscriptions"]
            == []
        )


def test_failed_deliveries_are_retried_with_the_same_ids(receiver: WebhookReceiver) -> None:
    receiver.statuses = [500, 302]  # a redirect is a failure too
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"})
        deliveries = receiver.wait_for(3)
        _drain(sandbox)
        attempts = sandbox.control("GET", "/webhooks/deliveries", params={"shop": domain}).json()
    assert len({d.headers["X-Shopify-Webhook-Id"] for d in deliveries}) == 1
    assert len({d.headers["X-Shopify-Event-Id"] for d in deliveries}) == 1
    assert len({d.body for d in deliveries}) == 1
    assert [(a["attempt"], a["status"], a["ok"]) for a in attempts] == [
        (1, 500, False),
        (2, 302, False),
        (3, 200, True),
    ]


def test_a_timeout_is_a_failure(receiver: WebhookReceiver) -> None:
    receiver.delays = [0.6]
    with _sandbox(receiver, webhook_timeout=0.3) as sandbox:
        domain = sandbox.create_shop("acme")
        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"})
        receiver.wait_for(2)
        _drain(sandbox)
        attempts = sandbox.control("GET", "/webhooks/deliveries").json()
    assert attempts[0]["ok"] is False and "Timeout" in attempts[0]["error"]
    assert attempts[1]["ok"] is True


def test_a_subscription_that_keeps_failing_is_removed(receiver: WebhookReceiver) -> None:
    receiver.statuses = [500] * 6
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        _subscribe(sandbox, domain, token, "CUSTOMERS_CREATE", receiver.url + "/api-sub")
        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"})
        receiver.wait_for(6)
        _drain(sandbox)
        listed = sandbox.graphql(domain, token, LIST_SUBSCRIPTIONS).json()["data"]
        assert listed["webhookSubscriptions"]["nodes"] == []
        # The app-level (TOML) subscription failed just as often but is managed by Shopify.
        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "bob@example.com"})
        deliveries = receiver.wait_for(7)
    paths = [d.path for d in deliveries]
    assert paths.count("/api-sub") == 3 and paths.count("/webhooks/shopify") == 4


def test_duplicate_switch_repeats_the_event(receiver: WebhookReceiver) -> None:
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        switched = sandbox.control("POST", "/webhooks/switches", json={"duplicate": True})
        assert switched.json()["duplicate"] is True
        sandbox.control("POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"})
        first, second = receiver.wait_for(2)
    assert first.headers["X-Shopify-Event-Id"] == second.headers["X-Shopify-Event-Id"]
    assert first.headers["X-Shopify-Webhook-Id"] != second.headers["X-Shopify-Webhook-Id"]
    assert first.body == second.body


def test_out_of_order_switch_sends_the_newest_first(receiver: WebhookReceiver) -> None:
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        sandbox.control("POST", "/webhooks/switches", json={"paused": True, "out_of_order": True})
        customer = sandbox.control(
            "POST", f"/shops/{domain}/customers", json={"email": "a@example.com"}
        )
        customer_id = customer.json()["id"]
        sandbox.control(
            "PATCH", f"/shops/{domain}/customers/{customer_id}", json={"first_name": "Ann"}
        )
        assert sandbox.control("POST", "/webhooks/switches", json={}).json()["pending"] == 2
        sandbox.control("POST", "/webhooks/switches", json={"paused": False})
        receiver.wait_for(2)
    assert receiver.topics() == ["customers/update", "customers/create"]


def test_bad_switch_values_change_nothing(receiver: WebhookReceiver) -> None:
    with _sandbox(receiver) as sandbox:
        answer = sandbox.control("POST", "/webhooks/switches", json={"duplicate": "yes"})
        assert answer.status_code == 400
        assert sandbox.control("POST", "/webhooks/switches", json={}).json()["duplicate"] is False


def test_uninstall_sends_app_uninstalled_and_drops_api_subscriptions(
    receiver: WebhookReceiver,
) -> None:
    with _sandbox(receiver) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        _subscribe(sandbox, domain, token, "APP_UNINSTALLED", receiver.url + "/gone")
        sandbox.control("POST", f"/shops/{domain}/uninstall")
        deliveries = receiver.wait_for(2)
        activity = sandbox.control("GET", f"/shops/{domain}/app-activity").json()
    assert sorted(d.path for d in deliveries) == ["/gone", "/webhooks/shopify"]
    assert {d.headers["X-Shopify-Topic"] for d in deliveries} == {"app/uninstalled"}
    body = json.loads(deliveries[0].body)
    assert body["myshopify_domain"] == domain
    assert activity["webhook_subscriptions"] == []


def test_compliance_topics_go_to_the_configured_compliance_uri(receiver: WebhookReceiver) -> None:
    subscriptions = (
        AppSubscription(("customers/create",), receiver.url + "/webhooks"),
        AppSubscription(
            ("customers/data_request", "customers/redact", "shop/redact"),
            receiver.url + "/compliance",
        ),
    )
    with _sandbox(receiver, app_subscriptions=subscriptions) as sandbox:
        domain = sandbox.create_shop("acme")
        customer = sandbox.control(
            "POST", f"/shops/{domain}/customers", json={"email": "ann@example.com"}
        )
        customer_id = customer.json()["id"]
        missing = sandbox.control("POST", f"/shops/{domain}/compliance/customers/redact")
        assert missing.status_code == 400
        for topic in ("customers/data_request", "customers/redact"):
            sent = sandbox.control(
                "POST", f"/shops/{domain}/compliance/{topic}", json={"customer_id": customer_id}
            )
            assert sent.status_code == 200 and sent.json()["event_id"]
        deliveries = receiver.wait_for(3)
    redact = next(d for d in deliveries if d.headers["X-Shopify-Topic"] == "customers/redact")
    assert redact.path == "/compliance"
    body = json.loads(redact.body)
    assert body["customer"] == {"id": customer_id, "email": "ann@example.com", "phone": None}
    assert body["orders_to_redact"] == [] and body["shop_domain"] == domain
