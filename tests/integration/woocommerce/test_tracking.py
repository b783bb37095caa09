"""GET /t/woo.js and POST /t/events for WooCommerce storefronts."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

from app.core.inbox import process_event
from app.db.models import Cart, Customer, InboundEvent, ProductView
from app.web.tracking_woo import PER_TOKEN_PER_MINUTE, mint_token, verify_token
from tests.factories import make_store
from workers.handlers import handle_inbound_event

ORIGIN = "https://shop.example.com"
CART = {
    "items": [
        {
            "id": 794,
            "quantity": 2,
            "name": "Premium Quality",
            "permalink": "https://shop.example.com/product/premium-quality-19/",
            "variation": [],
            "images": [{"src": "https://shop.example.com/t.jpg"}],
            "prices": {"price": "2199", "currency_minor_unit": 2},
        }
    ],
    "totals": {"total_items": "4398", "currency_code": "USD", "currency_minor_unit": 2},
    "billing_address": {"email": ""},
}


def snippet_config(client, store) -> dict:
    response = client.get("/t/woo.js", query_string={"k": store.key})
    assert response.status_code == 200
    match = re.search(r"\}\)\(window, document, (\{.*\})\);", response.get_data(as_text=True))
    assert match is not None
    return json.loads(match.group(1))


def event(store, token: str, **fields) -> dict:
    return {
        "p": "woocommerce",
        "k": store.key,
        "t": token,
        "v": "visitor-0001",
        "e": f"event-{time.monotonic_ns()}",
        **fields,
    }


def post(client, payload, *, origin: str | None = ORIGIN):
    headers = {"Origin": origin} if origin else {}
    return client.post(
        "/t/events",
        data=json.dumps(payload),
        headers=headers,
        content_type="text/plain;charset=UTF-8",
    )


def stored(session) -> list[InboundEvent]:
    return list(session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


def test_the_snippet_is_served_with_a_token_for_its_store(client, woo_store, settings) -> None:
    response = client.get("/t/woo.js", query_string={"k": woo_store.key})
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-store"
    config = snippet_config(client, woo_store)
    assert config["endpoint"] == "https://nudge.test/t/events"
    assert (config["key"], config["storePath"]) == (woo_store.key, "")
    assert verify_token(settings.secret_key, woo_store.key, config["token"])
    assert not verify_token(settings.secret_key, "another-store-key", config["token"])
    assert client.get("/t/woo.js", query_string={"k": "unknown-key-123"}).status_code == 404


def test_a_cart_with_the_typed_email_becomes_an_open_cart(client, session, woo_store) -> None:
    token = snippet_config(client, woo_store)["token"]
    response = post(
        client, event(woo_store, token, type="cart", cart=CART, email="Ann@Example.com")
    )
    assert response.status_code == 200, response.json
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    (inbound,) = stored(session)
    assert (inbound.topic, inbound.store_id) == ("storefront.cart", woo_store.id)
    assert process_event(session, inbound.id, handle_inbound_event) == "done"
    cart = session.execute(select(Cart)).scalar_one()
    assert (cart.kind, cart.platform_token, cart.email) == (
        "cart",
        "visitor:visitor-0001",
        "ann@example.com",
    )
    assert cart.is_open and cart.lines[0]["product_id"] == "794" and cart.lines[0]["quantity"] == 2
    assert str(cart.subtotal_price) in ("43.98", "43.980")
    assert cart.recovery_url == "https://shop.example.com/checkout-link/?products=794:2"
    customer = session.get(Customer, cart.customer_id)
    assert (customer.email, customer.platform_id) == ("ann@example.com", None)


def test_a_product_view_is_recorded(client, session, woo_store) -> None:
    token = snippet_config(client, woo_store)["token"]
    assert (
        post(client, event(woo_store, token, type="product_viewed", product_id="794")).status_code
        == 200
    )
    (inbound,) = stored(session)
    process_event(session, inbound.id, handle_inbound_event)
    view = session.execute(select(ProductView)).scalar_one()
    assert (view.visitor_id, view.product_platform_id) == ("visitor-0001", "794")


def test_a_retried_beacon_is_stored_once(client, session, woo_store) -> None:
    token = snippet_config(client, woo_store)["token"]
    payload = event(woo_store, token, type="product_viewed", product_id="794")
    assert post(client, payload).json["status"] == "accepted"
    assert post(client, payload).json["status"] == "duplicate"
    assert len(stored(session)) == 1


@pytest.mark.parametrize(
    "origin", [None, "https://evil.example", "null", "http://shop.example.com:8080"]
)
def test_events_from_another_origin_are_refused(client, session, woo_store, origin) -> None:
    token = snippet_config(client, woo_store)["token"]
    response = post(client, event(woo_store, token, type="cart", cart=CART), origin=origin)
    assert response.status_code == 403
    assert stored(session) == []


def test_tokens_of_another_store_forged_or_expired_are_refused(
    client, session, woo_store, settings
) -> None:
    other = make_store(session, platform="woocommerce", domain="other.example.com")
    session.commit()
    tokens = [
        snippet_config(client, other)["token"],
        mint_token("not-our-secret-key-000", woo_store.key),
        mint_token(settings.secret_key, woo_store.key, now=time.time() - 2 * 24 * 3600),
        "1.2.3",
        "",
    ]
    for token in tokens:
        response = post(client, event(woo_store, token, type="product_viewed", product_id="1"))
        assert response.status_code == 403, token
    assert stored(session) == []


def test_one_token_is_rate_limited(client, session, woo_store) -> None:
    token = snippet_config(client, woo_store)["token"]
    codes = [
        post(client, event(woo_store, token, type="product_viewed", product_id="1")).status_code
        for _ in range(PER_TOKEN_PER_MINUTE + 1)
    ]
    assert codes[:-1] == [200] * PER_TOKEN_PER_MINUTE
    assert codes[-1] == 429
    assert len(stored(session)) == PER_TOKEN_PER_MINUTE


@pytest.mark.parametrize(
    "change",
    [
        {"type": "checkout_started"},
        {"v": "short"},
        {"v": "bad visitor id!"},
        {"e": None},
        {"email": "not-an-email"},
        {"email": "a@b.c<script>"},
        {"cart": "not an object"},
        {"type": "product_viewed", "product_id": "12a"},
        {"order_id": "x"},
    ],
)
def test_malformed_events_are_400(client, session, woo_store, change) -> None:
    token = snippet_config(client, woo_store)["token"]
    payload = {**event(woo_store, token, type="cart", cart=CART), **change}
    assert post(client, payload).status_code == 400
    assert stored(session) == []


def test_unparseable_unknown_and_oversized_bodies(client, session, woo_store) -> None:
    assert client.post("/t/events", data="{not json").status_code == 400
    assert client.post("/t/events", data=json.dumps({"p": "myspace"})).status_code == 400
    assert (
        client.post(
            "/t/events", data=json.dumps({"p": "woocommerce", "k": "missing-store"})
        ).status_code
        == 404
    )
    big = json.dumps({"p": "woocommerce", "pad": "x" * 70_000})
    assert client.post("/t/events", data=big).status_code == 413
    assert stored(session) == []
