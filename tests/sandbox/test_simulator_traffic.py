"""Simulated shoppers over real HTTP against the three sandboxes: carts, checkouts and orders in
both stores, the same actions for the same seed, what the Shopify pixel and woo.js report to the
app, simulated timestamps, and shoppers reading their email and using its code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.web.tracking_woo import validated
from connectors.shopify.mapping.pixel import parse_batch
from sandbox.simulator import Rates, SimulatorConfig
from sandbox.simulator.runner import Simulator
from tests.sandbox.simulator_support import STORE_KEY, TOKEN, Sandboxes, sandboxes

PIXEL_CREATE = """mutation($webPixel: WebPixelInput!) {
  webPixelCreate(webPixel: $webPixel) { webPixel { id } userErrors { message } }
}"""
DISCOUNT_CREATE = """mutation($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { message }
  }
}"""


@pytest.fixture(scope="module")
def running() -> Iterator[Sandboxes]:
    with sandboxes() as running:
        yield running


def make_simulator(
    running: Sandboxes, name: str, seed: int = 3, rates: Rates | None = None, **config: float
) -> Simulator:
    settings = SimulatorConfig(
        seed=seed, products=12, customers=16, rates=rates or Rates(), **config
    )
    sim = Simulator(settings, sendgrid_url=running.stack.sendgrid_url)
    sim.add_shopify(running.stack.shopify_url, name).ensure_shop("Sim", "America/New_York")
    sim.add_woocommerce(running.stack.woocommerce_url, name).ensure_store("Sim")
    sim.seed()
    return sim


def run(sim: Simulator, visits: int) -> None:
    try:
        sim.run(visits=visits, paced=False)
    finally:
        sim.close()
    assert sim.report.errors == []


def test_a_short_run_leaves_carts_checkouts_and_orders_in_both_stores(running: Sandboxes) -> None:
    rates = Rates(add_to_cart=0.8, checkout=0.8, purchase=0.5)
    sim = make_simulator(running, "traffic", rates=rates)
    run(sim, 40)
    domain = "traffic.myshopify.com"
    assert running.shopify("GET", f"/shops/{domain}/carts")
    checkouts = running.shopify("GET", f"/shops/{domain}/checkouts")
    orders = running.shopify("GET", f"/shops/{domain}/orders")
    assert any(c["completed_at"] is None for c in checkouts)  # abandoned ones
    assert orders and len(orders) == sim.report.counts["shopify:traffic orders"]
    assert {o["email"] for o in orders} <= {c["email"] for c in checkouts}
    woo_orders = running.woo("GET", "/stores/traffic/orders")
    placed = [o for o in woo_orders if o["status"] == "processing"]
    drafts = [o for o in woo_orders if o["status"] == "checkout-draft"]
    assert placed and len(placed) == sim.report.counts["woocommerce:traffic orders"]
    assert drafts and all(d["billing"]["email"] for d in drafts)  # the email was typed
    assert sim.report.counts["shopify:traffic untracked events"] > 0  # no pixel activated here


@pytest.mark.slow
def test_the_same_seed_gives_the_same_actions(running: Sandboxes) -> None:
    logs = []
    for name, seed in (("same-a", 9), ("same-b", 9), ("other", 10)):
        sim = make_simulator(running, name, seed=seed)
        run(sim, 25)
        logs.append([sim.report.actions_of(store.name) for store in sim.stores])
    assert logs[0] == logs[1]
    assert logs[0] != logs[2]
    assert len(logs[0][0]) == 25 and len(logs[0][1]) == 25


@pytest.mark.slow
def test_the_pixel_reports_views_and_carts_to_the_app(running: Sandboxes) -> None:
    sim = make_simulator(running, "pixel", rates=Rates(known_shopper=0.5, add_to_cart=0.7))
    endpoint = f"{running.app.url}/t/events"
    settings = {"storeKey": STORE_KEY, "endpoint": endpoint}
    pixel = {"settings": json.dumps(settings)}
    created = running.shopify_graphql("pixel", PIXEL_CREATE, webPixel=pixel)
    assert created["data"]["webPixelCreate"]["userErrors"] == []
    before = len(running.app.posted("/t/events"))
    run(sim, 30)
    batches = [r.json() for r in running.app.posted("/t/events")[before:]]
    batches = [b for b in batches if b.get("shop") == "pixel.myshopify.com"]
    assert batches and all(r["key"] == STORE_KEY and r["platform"] == "shopify" for r in batches)
    for batch in batches:
        parse_batch(batch)  # what the app's /t/events accepts from the real pixel
    events = [(batch, event) for batch in batches for event in batch["events"]]
    assert {e["name"] for _, e in events} == {"product_viewed", "cart_viewed"}
    products = {str(p["id"]) for p in running.shopify("GET", "/shops/pixel/products")}
    carts = {c["token"] for c in running.shopify("GET", "/shops/pixel/carts")}
    customers = {str(c["id"]): c["email"] for c in running.shopify("GET", "/shops/pixel/customers")}
    for batch, event in events:
        assert set(event) == {"id", "name", "timestamp", "data"} and batch["client_id"]
        if event["name"] == "product_viewed":
            assert event["data"]["productVariant"]["product"]["id"] in products
            assert event["data"]["productVariant"]["image"]["src"].endswith(".svg")
        else:
            assert event["data"]["cart"]["id"] in carts and event["data"]["cart"]["lines"]
        shopper = batch["customer"]
        if shopper is not None and shopper["id"] is not None:
            assert customers[shopper["id"]] == shopper["email"]  # a logged-in customer
    assert any(b["customer"] is None for b in batches)  # guests before checkout
    assert any(b["customer"] and b["customer"]["id"] is None for b in batches)  # after it


def test_woo_js_reports_views_carts_emails_and_orders(running: Sandboxes) -> None:
    sim = make_simulator(running, "snippet", rates=Rates(add_to_cart=0.8, checkout=0.9))
    snippet = f"{running.app.url}/t/woo.js?k={STORE_KEY}&path=/snippet"
    running.woo("PATCH", "/stores/snippet/settings", json={"snippet_url": snippet})
    before = len(running.app.posted("/t/events"))
    run(sim, 25)
    posts = running.app.posted("/t/events")[before:]
    events = [p.json() for p in posts]
    assert events and all(e["p"] == "woocommerce" and e["k"] == STORE_KEY for e in events)
    for event in events:
        validated(event)  # the shape the app's /t/events accepts from the real woo.js
    assert all(e["t"] == TOKEN and len(e["v"]) == 24 and len(e["e"]) == 24 for e in events)
    origin = running.stack.woocommerce_url
    assert all(p.headers["origin"] == origin for p in posts)
    assert all(p.headers["content-type"].startswith("text/plain") for p in posts)
    products = {str(p["id"]) for p in running.woo("GET", "/stores/snippet/products")}
    views = [e for e in events if e["type"] == "product_viewed"]
    assert views and {v["product_id"] for v in views} <= products
    carts = [e for e in events if e["type"] == "cart"]
    assert any(c["cart"]["items"] and c.get("email") for c in carts)  # typed at checkout
    orders = {str(o["id"]) for o in running.woo("GET", "/stores/snippet/orders")}
    received = [c["order_id"] for c in carts if "order_id" in c]
    assert received and set(received) <= orders
    item = next(c["cart"]["items"][0] for c in carts if c["cart"]["items"])
    # slimCart keeps these keys; one the Store API leaves out stays out (JSON.stringify).
    kept = {"id", "parent", "quantity", "name", "permalink", "variation", "images", "prices"}
    assert {"id", "quantity", "name", "images", "prices"} <= set(item) <= kept


def test_a_fast_forwarded_shop_carries_simulated_times(running: Sandboxes) -> None:
    rates = Rates(visits_per_hour=2, add_to_cart=1, checkout=1, purchase=0.5)
    sim = make_simulator(running, "history", rates=rates, fast_forward_hours=20, speed=100000)
    started = datetime.now(UTC)
    run(sim, 12)
    checkouts = running.shopify("GET", "/shops/history/checkouts")
    created = sorted(datetime.fromisoformat(c["created_at"]) for c in checkouts)
    assert created[0] < started - timedelta(hours=10)  # a history, not just now
    assert all(c["created_at"] == c["updated_at"] for c in checkouts if not c["completed_at"])
    orders = running.shopify("GET", "/shops/history/orders")
    assert any(
        datetime.fromisoformat(o["created_at"]) < started - timedelta(hours=1) for o in orders
    )
    woo_orders = running.woo("GET", "/stores/history/orders")
    assert woo_orders  # WooCommerce stamps its own orders: nothing to shift there


def send_code(running: Sandboxes, address: str, code: str) -> None:
    body = {
        "personalizations": [{"to": [{"email": address}]}],
        "from": {"email": "shop@example.com"},
        "subject": "Still thinking about it?",
        "content": [
            {"type": "text/plain", "value": f"10% off with this code: {code}\nValid 3 days."},
            {
                "type": "text/html",
                "value": '<p><a href="https://shop.example.com/cart">Cart</a></p>',
            },
        ],
    }
    response = running.http.post(
        f"{running.stack.sendgrid_url}/v3/mail/send",
        json=body,
        headers={"Authorization": f"Bearer {running.stack.config.sendgrid_api_key}"},
    )
    assert response.status_code == 202, response.text


def test_returning_shoppers_read_their_email_and_use_its_code(running: Sandboxes) -> None:
    rates = Rates(
        known_shopper=1, add_to_cart=1, checkout=1, purchase=0, come_back=1, use_code=1,
        come_back_hours=(0.0, 0.0), refund=0, cancel=0,
    )  # fmt: skip
    sim = make_simulator(running, "reader", rates=rates)
    discount = {
        "title": "Simulator 10%",
        "code": "SIMTEN",
        "startsAt": "2026-01-01T00:00:00Z",
        "context": {"all": "ALL"},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
    }
    made = running.shopify_graphql("reader", DISCOUNT_CREATE, input=discount)
    assert made["data"]["discountCodeBasicCreate"]["userErrors"] == []
    coupon = {"code": "simten", "amount": "10", "discount_type": "percent"}
    running.woo("POST", "/stores/reader/coupons", json=coupon)
    for store in sim.stores:
        for person in store.customers:
            send_code(running, person.email, "SIMTEN")
    run(sim, 10)
    orders = running.shopify("GET", "/shops/reader/orders")
    assert orders and all(o["discount_codes"][0]["code"] == "SIMTEN" for o in orders)
    woo_orders = [
        o for o in running.woo("GET", "/stores/reader/orders") if o["status"] == "processing"
    ]
    assert woo_orders and all(o["coupon_lines"][0]["code"] == "simten" for o in woo_orders)
    assert sim.report.total("codes used") == len(orders) + len(woo_orders)
    reader = orders[0]["email"]
    messages = running.http.get(
        f"{running.stack.sendgrid_url}/_sandbox/messages", params={"to": reader}
    ).json()["messages"]
    events = {e["event"] for m in messages for e in m["events"]}
    assert {"open", "click"} <= events  # the app hears that the email was read
