"""Webhooks from the sandbox Shopify into Nudge over HTTP: verified, stored once, mirrored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.models import AuditEntry, Cart, Customer, DataExport, InboundEvent, Order, Product
from connectors.shopify.subscriptions import TOPICS
from tests.e2e.shopify_stack import API_SECRET, ShopifyStack
from workers.queues import JobQueues

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify" / "webhooks"


def installed(stack: ShopifyStack, handle: str) -> str:
    domain = stack.create_shop(handle)
    assert stack.open_app(domain).status_code == 200
    stack.settle()
    return domain


def signed_post(stack: ShopifyStack, domain: str, topic: str, body: bytes, **headers: str):
    signature = base64.b64encode(hmac.new(API_SECRET.encode(), body, hashlib.sha256).digest())
    return stack.http.post(
        "/webhooks/shopify",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": domain,
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-11-20T10:00:00Z",
            "X-Shopify-Hmac-Sha256": signature.decode(),
            **headers,
        },
    )


def replay(stack: ShopifyStack, domain: str, topic: str):
    body = (FIXTURES / f"{topic.replace('/', '__')}.json").read_bytes()
    response = signed_post(stack, domain, topic, body)
    assert response.status_code == 200, (topic, response.text)
    return response


def count(stack: ShopifyStack, model, *where) -> int:
    with stack.database.session() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_live_changes_in_the_shop_reach_the_mirror(stack: ShopifyStack):
    domain = installed(stack, "live")
    product = stack.seed(domain, "products", {"title": "Tea", "variants": [{"price": "4.00"}]})
    customer = stack.seed(domain, "customers", {"email": "lin@example.com", "first_name": "Lin"})
    variant = product["variants"][0]["id"]
    checkout = stack.seed(
        domain,
        "checkouts",
        {
            "email": "lin@example.com",
            "buyer_accepts_marketing": True,
            "line_items": [{"variant_id": variant, "quantity": 3}],
        },
    )
    stack.settle()
    with stack.database.session() as session:
        assert session.execute(select(Product.title)).scalar_one() == "Tea"
        cart = session.execute(select(Cart)).scalar_one()
        assert cart.kind == "checkout" and cart.platform_token == checkout["token"]
        assert cart.completed_at is None and cart.lines[0]["quantity"] == 3
        lin = session.execute(
            select(Customer).where(Customer.email == "lin@example.com")
        ).scalar_one()
        assert lin.platform_id == str(customer["id"]) and lin.consent == "subscribed"

    stack.sandbox_call("POST", f"/shops/{domain}/checkouts/{checkout['token']}/complete", json={})
    stack.settle()
    with stack.database.session() as session:
        order = session.execute(select(Order)).scalar_one()
        cart = session.execute(select(Cart)).scalar_one()
        assert cart.completed_at is not None and cart.order_id == order.id
        assert order.checkout_token == checkout["token"]


def test_every_fixture_replayed_with_a_computed_hmac_lands_in_the_mirror(stack: ShopifyStack):
    domain = installed(stack, "fixtures")
    for topic in (
        "products/create",
        "products/update",
        "customers/create",
        "customers/update",
        "carts/create",
        "carts/update",
        "checkouts/create",
        "checkouts/update",
        "orders/create",
        "orders/paid",
        "orders/updated",
    ):
        replay(stack, domain, topic)
    stack.settle()
    with stack.database.session() as session:
        product = session.execute(select(Product)).scalar_one()
        assert product.platform_id == "788032119674292922" and len(product.variants) == 2
        bob = session.execute(
            select(Customer).where(Customer.platform_id == "706405506930370084")
        ).scalar_one()
        assert bob.email == "bob@biller.com"
        kinds = dict(session.execute(select(Cart.platform_token, Cart.kind)).all())
        assert kinds == {"exampleCartId": "cart", "123123123": "checkout"}
        order = session.execute(select(Order)).scalar_one()
        assert order.platform_id == "820982911946154508" and len(order.lines) == 5
        assert order.email == "jon@example.com"

    replay(stack, domain, "products/delete")
    replay(stack, domain, "customers/delete")
    replay(stack, domain, "customers/data_request")
    stack.settle()
    with stack.database.session() as session:
        assert session.execute(select(Product.status)).scalar_one() == "deleted"
        assert (
            session.execute(select(Customer).where(Customer.email == "bob@biller.com")).first()
            is None
        )
        export = session.execute(select(DataExport)).scalar_one()
        assert export.request_ref == "9999" and export.email == "john@example.com"
        # The order was placed as jon@ by the customer whose address is john@: it is theirs.
        assert [item["platform_id"] for item in export.data["orders"]] == ["820982911946154508"]
        assert export.data["customers"][0]["email"] == "john@example.com"

    replay(stack, domain, "customers/redact")
    stack.settle()
    assert count(stack, DataExport) == 0
    assert count(stack, Customer, Customer.email == "john@example.com") == 0

    replay(stack, domain, "app/uninstalled")
    stack.settle()
    store = stack.store(domain)
    assert (
        store is not None and store.status == "uninstalled" and store.credentials_encrypted is None
    )

    replay(stack, domain, "shop/redact")
    stack.settle()
    assert count(stack, Product) == count(stack, Order) == count(stack, Customer) == 0
    assert count(stack, AuditEntry, AuditEntry.action == "privacy.shop_erased") == 1
    # Every fixture was processed, none failed.
    with stack.database.session() as session:
        statuses = session.execute(select(InboundEvent.topic, InboundEvent.status)).all()
    assert statuses and all(status in ("done", "ignored") for _topic, status in statuses)


def test_a_duplicate_delivery_is_processed_once(stack: ShopifyStack):
    domain = installed(stack, "twice")
    stack.sandbox_call("POST", "/webhooks/switches", json={"duplicate": True})
    stack.seed(domain, "customers", {"email": "dup@example.com"})
    stack.settle()
    deliveries = stack.sandbox_call(
        "GET", "/webhooks/deliveries", params={"shop": domain, "topic": "customers/create"}
    )
    assert len(deliveries) == 2 and deliveries[0]["event_id"] == deliveries[1]["event_id"]
    assert count(stack, InboundEvent, InboundEvent.topic == "customers/create") == 1
    assert count(stack, Customer, Customer.email == "dup@example.com") == 1

    first = replay(stack, domain, "products/create")
    body = (FIXTURES / "products__create.json").read_bytes()
    again = signed_post(
        stack, domain, "products/create", body,
        **{"X-Shopify-Event-Id": first.request.headers["X-Shopify-Event-Id"]},
    )  # fmt: skip
    assert again.json()["status"] == "duplicate"
    assert count(stack, InboundEvent, InboundEvent.topic == "products/create") == 1


def test_bad_signatures_and_bad_input_store_nothing(stack: ShopifyStack):
    domain = installed(stack, "strict")
    before = stack.event_count()
    body = (FIXTURES / "orders__create.json").read_bytes()
    wrong = signed_post(stack, domain, "orders/create", body, **{"X-Shopify-Hmac-Sha256": "AAAA"})
    assert wrong.status_code == 401
    tampered = signed_post(stack, domain, "orders/create", body)
    assert tampered.status_code == 200
    unsigned = stack.http.post(
        "/webhooks/shopify",
        content=body,
        headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": domain},
    )
    assert unsigned.status_code == 401
    forged = signed_post(stack, domain, "customers/redact", b'{"customer": {"id": 1}}x')
    assert forged.status_code == 400  # signed, but not JSON
    unknown = signed_post(stack, "nobody.myshopify.com", "orders/create", body)
    assert unknown.status_code == 404
    assert stack.event_count() == before + 1  # only the properly signed delivery


def test_subscriptions_are_reconciled(stack: ShopifyStack):
    domain = installed(stack, "reconcile")
    store = stack.store(domain)
    assert store is not None
    with stack.connector(domain) as connector:
        connector.remove_webhooks()  # as if Shopify deleted them after failed deliveries
        assert connector.subscriptions.list() == []
    from workers.sync import reconcile_all_stores

    assert reconcile_all_stores() == 1
    stack.run_jobs()
    activity = stack.sandbox_call("GET", f"/shops/{domain}/app-activity")
    assert len(activity["webhook_subscriptions"]) == len(TOPICS)
    with stack.connector(domain) as connector:
        report = connector.ensure_webhooks(stack.app_url + "/webhooks/shopify")
    assert report.created == () and report.repaired == () and len(report.present) == len(TOPICS)
    JobQueues(stack.runtime.redis)  # the queues stay usable after the nightly run


def test_uninstall_from_the_shop_stops_everything(stack: ShopifyStack):
    domain = installed(stack, "goodbye")
    stack.sandbox_call("POST", f"/shops/{domain}/uninstall", json={})
    stack.settle()
    store = stack.store(domain)
    assert store is not None and store.status == "uninstalled"
    assert store.credentials_encrypted is None and store.uninstalled_at is not None
    # Later webhooks for the shop are stored but not applied.
    replay(stack, domain, "products/create")
    stack.settle()
    assert count(stack, Product) == 0
