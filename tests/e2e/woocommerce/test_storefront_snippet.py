"""woo.js in headless Chromium on the sandbox storefront: a product view, a cart and the email
typed at checkout reach Nudge and become an open (abandoned-cart candidate) Cart with the email.

The enrollment itself is the recipe engine's work (its listeners react to the CartUpserted this
produces); here the Cart and Customer rows it starts from are asserted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.db.models import Cart, Customer, InboundEvent, ProductView
from tests.e2e.woocommerce.conftest import connect_through_wc_auth

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def wait_for_event(nudge, topic: str, *, containing: str = "", timeout: float = 15) -> InboundEvent:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with nudge.runtime.db.session() as session:
            found = session.scalars(
                select(InboundEvent)
                .where(InboundEvent.topic == topic, InboundEvent.body.contains(containing))
                .order_by(InboundEvent.id.desc())
            ).first()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {topic} event containing {containing!r} within {timeout}s")


def test_a_cart_captured_by_woo_js_becomes_an_open_cart_with_the_email(
    nudge, woo_sandbox, browser
) -> None:
    shop = woo_sandbox.create_store("browse", auto_approve=True, name="Browse Shop")
    shirt = woo_sandbox.control(
        "POST", "browse/products", json={"name": "Linen Shirt", "regular_price": "40.00"}
    )
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    snippet = f"{nudge.url}/t/woo.js?k={store.key}"
    woo_sandbox.control("PATCH", "browse/settings", json={"snippet_url": snippet})

    page = browser.new_page()
    page.goto(shirt["permalink"])
    view = wait_for_event(nudge, "storefront.product_viewed")
    assert json.loads(view.body)["product_id"] == str(shirt["id"])

    page.click("button.single_add_to_cart_button")
    page.wait_for_load_state("load")
    wait_for_event(nudge, "storefront.cart", containing="Linen Shirt")

    page.goto(f"{shop['url']}/checkout/")
    page.fill("#email", "Shopper@Example.com")
    page.press("#email", "Tab")
    typed = wait_for_event(nudge, "storefront.cart", containing="shopper@example.com")
    assert json.loads(typed.body)["visitor"] == json.loads(view.body)["visitor"]
    # Back on the product page, the view now carries the email the shopper typed.
    page.goto(shirt["permalink"])
    wait_for_event(nudge, "storefront.product_viewed", containing="shopper@example.com")
    page.close()

    woo_sandbox.drain()  # the block checkout's draft order goes out as order.updated
    nudge.run_jobs()
    with nudge.runtime.db.session() as session:
        cart = session.execute(select(Cart).where(Cart.kind == "cart")).scalar_one()
        assert cart.email == "shopper@example.com" and cart.is_open
        assert [(line["product_id"], line["quantity"]) for line in cart.lines] == [
            (str(shirt["id"]), 1)
        ]
        assert cart.recovery_url == f"{shop['url']}/checkout-link/?products={shirt['id']}:1"
        shopper = session.get(Customer, cart.customer_id)
        assert (shopper.email, shopper.platform_id) == ("shopper@example.com", None)
        views = list(session.scalars(select(ProductView)))
        # The anonymous views before the email, attributed once the visitor was identified.
        assert len(views) >= 3 and {row.customer_id for row in views} == {shopper.id}
        draft = session.execute(select(Cart).where(Cart.kind == "checkout")).scalar_one()
        assert draft.email == "shopper@example.com" and draft.is_open


def test_the_recovery_link_rebuilds_the_cart_with_a_coupon(nudge, woo_sandbox, browser) -> None:
    shop = woo_sandbox.create_store("recover", auto_approve=True)
    mug = woo_sandbox.control(
        "POST", "recover/products", json={"name": "Mug", "regular_price": "12.00"}
    )
    woo_sandbox.control(
        "POST",
        "recover/coupons",
        json={"code": "back10", "amount": "10", "discount_type": "percent"},
    )
    page = browser.new_page()
    page.goto(f"{shop['url']}/checkout-link/?products={mug['id']}:2&coupon=back10")
    summary = page.inner_text(".wc-block-checkout__sidebar")
    assert "Mug × 2" in summary and "back10" in summary
