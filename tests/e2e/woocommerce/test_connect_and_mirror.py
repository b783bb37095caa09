"""Connect through wc-auth, backfill, live webhooks, signed fixtures, bad signatures, disconnect:
Nudge against the sandbox WooCommerce over real HTTP."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, select

from app.db.models import Customer, InboundEvent, Order, Product, Store
from connectors.woocommerce.webhooks import sign
from tests.e2e.woocommerce.conftest import connect_through_wc_auth
from workers.woocommerce_state import credentials_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce"
TOPICS = {
    "order": "order.updated",
    "customer": "customer.updated",
    "product": "product.updated",
    "coupon": "coupon.updated",
}


def seed(woo, slug: str) -> dict:
    shirt = woo.control(
        "POST",
        f"{slug}/products",
        json={
            "name": "Linen Shirt",
            "regular_price": "40.00",
            "sale_price": "32.00",
            "categories": [{"name": "Shirts"}],
        },
    )
    hoodie = woo.control("POST", f"{slug}/products", json={"name": "Hoodie", "type": "variable"})
    for size, price in (("S", "50.00"), ("L", "55.00")):
        woo.control(
            "POST",
            f"{slug}/products/{hoodie['id']}/variations",
            json={"regular_price": price, "attributes": [{"name": "Size", "option": size}]},
        )
    ann = woo.control(
        "POST",
        f"{slug}/customers",
        json={
            "email": "ann@example.com",
            "first_name": "Ann",
            "last_name": "Lee",
            "birthday": "1990-07-14",
        },
    )
    order = woo.control(
        "POST",
        f"{slug}/orders",
        json={"customer_id": ann["id"], "line_items": [{"product_id": shirt["id"], "quantity": 2}]},
    )
    return {"shirt": shirt, "hoodie": hoodie, "ann": ann, "order": order}


def count(nudge, model, **where) -> int:
    with nudge.runtime.db.session() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_connect_through_wc_auth_sets_up_webhooks_and_backfills(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store(
        "shop", auto_approve=True, name="Sandbox Shop", timezone="Europe/Paris", currency="EUR"
    )
    seeded = seed(woo_sandbox, "shop")
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    assert (store.status, store.name, store.timezone, store.currency) == (
        "active",
        "Sandbox Shop",
        "Europe/Paris",
        "EUR",
    )
    credentials = credentials_of(store)
    assert "pending" not in credentials and credentials["consumer_key"].startswith("ck_")
    hooks = woo_sandbox.control("GET", "shop/webhooks")
    assert sorted(hook["topic"] for hook in hooks) == sorted(
        f"{r}.{e}"
        for r in ("order", "customer", "product", "coupon")
        for e in ("created", "updated", "deleted")
    )
    for hook in hooks:
        assert hook["status"] == "active"
        assert hook["delivery_url"] == f"{nudge.url}/webhooks/woocommerce/{store.key}"
        assert hook["secret"] == credentials["webhook_secret"]
        assert hook["pending_delivery"] is False  # our 200 answered the creation ping
    with nudge.runtime.db.session() as session:
        hoodie = session.execute(
            select(Product).where(Product.platform_id == str(seeded["hoodie"]["id"]))
        ).scalar_one()
        assert sorted(v.price for v in hoodie.variants) == [Decimal("50.00"), Decimal("55.00")]
        ann = session.execute(
            select(Customer).where(Customer.email == "ann@example.com")
        ).scalar_one()
        assert (ann.birth_month, ann.birth_day, ann.birth_year) == (7, 14, 1990)
        order = session.execute(select(Order)).scalar_one()
        assert (order.platform_id, order.customer_id) == (str(seeded["order"]["id"]), ann.id)
        assert order.total_price > 0 and order.lines[0].quantity == 2
    # Live: a change in the store arrives as a signed webhook and lands in the mirror.
    woo_sandbox.control(
        "PATCH", f"shop/customers/{seeded['ann']['id']}", json={"first_name": "Annie"}
    )
    woo_sandbox.control("POST", "shop/products", json={"name": "Cap", "regular_price": "15.00"})
    woo_sandbox.drain()
    nudge.run_jobs()
    with nudge.runtime.db.session() as session:
        assert (
            session.scalar(select(Customer.first_name).where(Customer.email == "ann@example.com"))
            == "Annie"
        )
        assert (
            session.scalar(select(func.count()).select_from(Product).where(Product.title == "Cap"))
            == 1
        )
    failed = [d for d in woo_sandbox.control("GET", "shop/deliveries") if not d["success"]]
    assert failed == []


def test_every_fixture_signed_with_the_stores_secret_lands_in_the_mirror(
    nudge, woo_sandbox
) -> None:
    shop = woo_sandbox.create_store("fixtures", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    # The secret as the store holds it: what Woo signs with is what Nudge verifies with.
    secret = woo_sandbox.control("GET", "fixtures/webhooks")[0]["secret"]
    address = f"{nudge.url}/webhooks/woocommerce/{store.key}"
    with httpx.Client(timeout=10) as http:
        for resource, topic in TOPICS.items():
            body = (FIXTURES / f"{resource}.json").read_bytes()
            response = http.post(
                address,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-WC-Webhook-Topic": topic,
                    "X-WC-Webhook-Signature": sign(secret, body),
                    "X-WC-Webhook-Delivery-ID": f"fixture-{resource}",
                },
            )
            assert response.status_code == 200, response.text
        nudge.run_jobs()
        assert count(nudge, Order, platform_id="727") == 1
        assert count(nudge, Customer, platform_id="25") == 1
        assert count(nudge, Product, platform_id="794") == 1
        statuses = {e.topic: e.status for e in _fixture_events(nudge)}
        assert set(statuses.values()) == {"done"} and len(statuses) == 4
        # A bad signature: 401, and the inbox is unchanged.
        before = count(nudge, InboundEvent)
        body = json.dumps({**json.loads((FIXTURES / "order.json").read_text()), "id": 728}).encode()
        refused = http.post(
            address,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-WC-Webhook-Topic": "order.updated",
                "X-WC-Webhook-Signature": sign("wrong-secret", body),
            },
        )
        assert refused.status_code == 401
        assert count(nudge, InboundEvent) == before and count(nudge, Order, platform_id="728") == 0


def _fixture_events(nudge) -> list[InboundEvent]:
    with nudge.runtime.db.session() as session:
        return list(
            session.scalars(select(InboundEvent).where(InboundEvent.external_id.like("%:%:20170%")))
        )


def test_disconnect_removes_our_webhooks_and_forgets_the_keys(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("leaving", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    from workers.runtime import queues

    queues().enqueue_woocommerce_disconnect(store.id)
    nudge.run_jobs()
    assert woo_sandbox.control("GET", "leaving/webhooks") == []
    with nudge.runtime.db.session() as session:
        gone = session.get(Store, store.id)
        assert (gone.status, gone.credentials_encrypted) == ("disconnected", None)


def test_forged_keys_posted_to_the_callback_never_replace_working_ones(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("guarded", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    working = credentials_of(store)["consumer_key"]
    with httpx.Client(timeout=10) as http:
        # Anyone can start a connect for any store URL and read the state from the redirect.
        start = http.get(f"{nudge.url}/woocommerce/connect", params={"store_url": shop["url"]})
        state = httpx.URL(start.headers["Location"]).params["user_id"]
        forged = http.post(
            f"{nudge.url}/woocommerce/callback",
            json={
                "key_id": 99,
                "user_id": state,
                "key_permissions": "read_write",
                "consumer_key": "ck_" + "0" * 40,
                "consumer_secret": "cs_" + "0" * 40,
            },
        )
    assert forged.status_code == 200  # answered at once, as Woo requires...
    nudge.run_jobs()  # ...but the setup job proves them against the store first
    kept = nudge.store(store.domain)
    assert kept.status == "active"
    credentials = credentials_of(kept)
    assert credentials["consumer_key"] == working and "pending" not in credentials
    assert all(
        hook["status"] == "active" for hook in woo_sandbox.control("GET", "guarded/webhooks")
    )


def test_consent_written_back_and_a_trashed_product_come_back_through_webhooks(
    nudge, woo_sandbox
) -> None:
    from workers.woocommerce_state import connector_for

    shop = woo_sandbox.create_store("roundtrip", auto_approve=True)
    ann = woo_sandbox.control("POST", "roundtrip/customers", json={"email": "ann@example.com"})
    lamp = woo_sandbox.control(
        "POST", "roundtrip/products", json={"name": "Lamp", "regular_price": "30"}
    )
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    connector = connector_for(store)
    connector.set_marketing_consent(str(ann["id"]), "ann@example.com", False)
    connector.set_marketing_consent(None, "guest@example.com", False)  # a guest: nothing to write
    woo_sandbox.control("DELETE", f"roundtrip/products/{lamp['id']}")  # trash: product.deleted
    woo_sandbox.drain()
    nudge.run_jobs()
    with nudge.runtime.db.session() as session:
        consent = session.scalar(
            select(Customer.consent).where(Customer.platform_id == str(ann["id"]))
        )
        status = session.scalar(
            select(Product.status).where(Product.platform_id == str(lamp["id"]))
        )
    assert (consent, status) == ("unsubscribed", "deleted")
