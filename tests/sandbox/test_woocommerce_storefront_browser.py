"""The storefront in headless Chromium: the configured snippet loads, the cart form works, and
typing an email on the block-style checkout puts it on the checkout-draft order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.woocommerce_support import WooSandbox, control_json, receiver, woo_sandbox

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def woo() -> Iterator[WooSandbox]:
    with woo_sandbox() as sandbox:
        yield sandbox.fresh_store()


def draft_email(woo: WooSandbox) -> str:
    drafts = control_json(woo, "GET", "/orders", params={"status": "checkout-draft"})
    return str(drafts[0]["billing"]["email"]) if drafts else ""


def test_a_shopper_adds_to_cart_and_types_an_email(woo: WooSandbox, browser: Any) -> None:
    product = woo.product(name="Linen Shirt", regular_price="42.00", images=[{}])
    with receiver() as nudge:
        control_json(woo, "PATCH", "/settings", json={"snippet_url": f"{nudge.url}/t/woo.js?k=pk"})
        page = browser.new_page()
        page.goto(product["permalink"])
        page.click("button[name=add-to-cart]")
        page.wait_for_selector(".woocommerce-message")
        assert page.inner_text(".cart-contents .count") == "1"
        page.goto(f"{woo.store_url()}/checkout/")
        page.fill("#email", "Shopper@Example.com")
        page.dispatch_event("#email", "blur")
        deadline = time.monotonic() + 10
        while draft_email(woo) != "shopper@example.com" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert draft_email(woo) == "shopper@example.com"
        assert [r.path for r in nudge.requests].count("/t/woo.js") >= 2  # product + checkout page
        page.close()
