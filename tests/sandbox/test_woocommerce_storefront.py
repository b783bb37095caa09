"""Storefront pages, the Store API cart, block-checkout drafts, and checkout links."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from woocommerce import API

from tests.sandbox.woocommerce_support import WooSandbox, control_json, receiver, woo_sandbox

SNIPPET = "http://127.0.0.1:8000/t/woo.js?k=pk_test"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store(snippet_url=SNIPPET)


@pytest.fixture
def shopper(woo: WooSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=woo.store_url(), follow_redirects=False) as client:
        yield client


def store_api(
    client: httpx.Client, method: str, path: str, nonce: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"Nonce": nonce} if nonce else {}
    return client.request(method, f"/wp-json/wc/store/v1{path}", json=body or None, headers=headers)


def page_nonce(html: str) -> str:
    match = re.search(r'"storeApiNonce": "([0-9a-f]+)"', html)
    assert match, "the page embeds the Store API nonce"
    return match.group(1)


def test_every_page_loads_the_configured_snippet_and_api_root(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    product = woo.product(images=[{}])
    for path in ("/", f"/product/{product['slug']}/", "/cart/", "/checkout/"):
        page = shopper.get(path)
        assert page.status_code == 200, path
        assert f'<script src="{SNIPPET.replace("&", "&amp;")}" async></script>' in page.text
        assert f'<link rel="https://api.w.org/" href="{woo.store_url()}/wp-json/">' in page.text
        assert 'src="http' not in page.text.replace(SNIPPET, "").replace(
            woo.store_url(), ""
        )  # no external assets


def test_without_a_snippet_url_there_is_no_script_tag(sandbox: WooSandbox) -> None:
    plain = sandbox.fresh_store()
    assert "<script src=" not in httpx.get(f"{plain.store_url()}/").text
    control_json(plain, "PATCH", "/settings", json={"snippet_url": SNIPPET})
    assert f'<script src="{SNIPPET}"' in httpx.get(f"{plain.store_url()}/").text


def test_the_product_page_identifies_the_product(woo: WooSandbox, shopper: httpx.Client) -> None:
    product = woo.product(sku="BS-1", images=[{}])
    page = shopper.get(f"/product/{product['slug']}/").text
    assert f"postid-{product['id']}" in page and f'id="product-{product["id"]}"' in page
    assert f'name="add-to-cart" value="{product["id"]}"' in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["sku"] == "BS-1" and data["offers"][0]["price"] == "18.00"
    image = shopper.get(product["images"][0]["src"].replace(woo.store_url(), ""))
    assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"


def test_the_store_api_cart_needs_a_nonce_or_cart_token_to_write(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    product = woo.product()
    cart = store_api(shopper, "GET", "/cart")
    assert cart.status_code == 200 and cart.json()["items"] == []
    nonce, token = cart.headers["Nonce"], cart.headers["Cart-Token"]
    missing = store_api(shopper, "POST", "/cart/add-item", id=product["id"])
    assert missing.status_code == 401 and missing.json()["code"] == "woocommerce_rest_missing_nonce"
    wrong = store_api(shopper, "POST", "/cart/add-item", nonce="0000000000", id=product["id"])
    assert wrong.status_code == 403 and wrong.json()["code"] == "woocommerce_rest_invalid_nonce"
    added = store_api(shopper, "POST", "/cart/add-item", nonce=nonce, id=product["id"], quantity=2)
    assert added.status_code == 201 and added.json()["items_count"] == 2
    headless = httpx.post(
        f"{woo.store_url()}/wp-json/wc/store/v1/cart/add-item",
        json={"id": product["id"]},
        headers={"Cart-Token": token},
    )
    assert headless.status_code == 201 and headless.json()["items_count"] == 3  # same session


def test_the_cart_shows_items_prices_images_and_totals(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    shirt = woo.product(name="Shirt", regular_price="18.00", sale_price="15.00", images=[{}])
    mug = woo.product(name="Mug", regular_price="8.50")
    nonce = store_api(shopper, "GET", "/cart").headers["Nonce"]
    store_api(shopper, "POST", "/cart/add-item", nonce=nonce, id=shirt["id"], quantity=2)
    cart = store_api(shopper, "POST", "/cart/add-item", nonce=nonce, id=mug["id"]).json()
    first = cart["items"][0]
    assert (first["id"], first["name"], first["quantity"]) == (shirt["id"], "Shirt", 2)
    assert first["prices"]["price"] == "1500" and first["prices"]["regular_price"] == "1800"
    assert first["prices"]["currency_code"] == "USD" and first["prices"]["currency_minor_unit"] == 2
    assert first["totals"]["line_subtotal"] == "3000"
    assert first["images"][0]["src"] == shirt["images"][0]["src"]
    assert first["permalink"] == shirt["permalink"]
    assert cart["totals"]["total_items"] == "3850" and cart["totals"]["total_price"] == "4350"
    updated = store_api(
        shopper, "POST", "/cart/update-item", nonce=nonce, key=first["key"], quantity=1
    ).json()
    assert updated["items"][0]["quantity"] == 1
    removed = store_api(shopper, "POST", "/cart/remove-item", nonce=nonce, key=first["key"]).json()
    assert [item["name"] for item in removed["items"]] == ["Mug"]
    gone = store_api(shopper, "POST", "/cart/remove-item", nonce=nonce, key=first["key"])
    assert gone.status_code == 409 and gone.json()["code"] == "woocommerce_rest_cart_invalid_key"


def test_coupons_apply_to_the_cart_with_woocommerce_messages(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    product = woo.product(regular_price="50.00")
    woo.api().post(
        "coupons",
        {"code": "TEN", "amount": "10", "discount_type": "percent", "minimum_amount": "20"},
    )
    nonce = store_api(shopper, "GET", "/cart").headers["Nonce"]
    store_api(shopper, "POST", "/cart/add-item", nonce=nonce, id=product["id"])
    applied = store_api(shopper, "POST", "/cart/apply-coupon", nonce=nonce, code="Ten").json()
    assert applied["coupons"][0]["code"] == "ten"
    assert applied["coupons"][0]["totals"]["total_discount"] == "500"
    assert applied["totals"]["total_price"] == "5000"  # 50 - 5 + 5 shipping
    again = store_api(shopper, "POST", "/cart/apply-coupon", nonce=nonce, code="ten")
    assert (
        again.status_code == 400 and again.json()["message"] == 'Coupon code "ten" already applied!'
    )
    unknown = store_api(shopper, "POST", "/cart/apply-coupon", nonce=nonce, code="nope")
    assert unknown.json() == {
        "code": "woocommerce_rest_cart_coupon_error",
        "message": 'Coupon "nope" cannot be applied because it does not exist.',
        "data": {"status": 400},
    }


def checkout_draft(woo: WooSandbox, api: API) -> list[dict[str, Any]]:
    return list(api.get("orders", params={"status": "checkout-draft"}).json())


def test_typing_an_email_at_checkout_updates_the_draft_order(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    api = woo.api()
    product = woo.product(regular_price="20.00")
    with receiver() as hook:
        for topic in ("order.created", "order.updated"):
            api.post("webhooks", {"topic": topic, "delivery_url": hook.url, "secret": "sekret"})
        shopper.post(
            f"/product/{product['slug']}/", data={"add-to-cart": product["id"], "quantity": "2"}
        )
        page = shopper.get("/checkout/")
        assert (
            page.status_code == 200
            and 'id="email"' in page.text
            and "wc-block-checkout" in page.text
        )
        (draft,) = checkout_draft(woo, api)
        assert draft["status"] == "checkout-draft" and draft["created_via"] == "store-api"
        assert draft["billing"]["email"] == "" and draft["line_items"][0]["quantity"] == 2
        assert api.get("orders").json() == []  # drafts stay out of the default listing
        store_api(
            shopper,
            "POST",
            "/cart/update-customer",
            nonce=page_nonce(page.text),
            billing_address={"email": "Fay@Example.com"},
        )
        (draft,) = checkout_draft(woo, api)
        assert draft["billing"]["email"] == "fay@example.com"
        woo.drain()
        (delivery,) = hook.deliveries()  # no order.created for a draft; its update goes out
        assert delivery.headers["x-wc-webhook-topic"] == "order.updated"
        body = json.loads(delivery.body)
        assert body["status"] == "checkout-draft" and body["billing"]["email"] == "fay@example.com"
        assert shopper.get("/checkout/").status_code == 200
        woo.drain()
        assert len(hook.deliveries()) == 1  # an unchanged draft is not re-sent
        placed = shopper.post(
            "/checkout/",
            data={"email": "fay@example.com", "first_name": "Fay", "payment_method": "cod"},
        )
        assert (
            placed.status_code == 302 and "/checkout/order-received/" in placed.headers["Location"]
        )
        woo.drain()
        # Placing saves the draft with the form's address (order.updated), then the order
        # leaves checkout-draft: that is its order.created.
        topics = [d.headers["x-wc-webhook-topic"] for d in hook.deliveries()]
        assert topics == ["order.updated", "order.updated", "order.created"]
        order = json.loads(hook.deliveries()[-1].body)
        assert (
            order["id"] == draft["id"]
            and order["status"] == "processing"
            and order["date_paid_gmt"]
        )
        thanks = shopper.get(placed.headers["Location"])
        assert thanks.status_code == 200 and f'data-order-id="{order["id"]}"' in thanks.text
    assert store_api(shopper, "GET", "/cart").json()["items"] == []


def test_store_api_checkout_places_the_order_and_uses_the_coupon(woo: WooSandbox) -> None:
    api = woo.api()
    product = woo.product(regular_price="30.00", manage_stock=True, stock_quantity=3)
    coupon = api.post("coupons", {"code": "five", "amount": "5", "usage_limit": 1}).json()
    cart = httpx.get(f"{woo.store_url()}/wp-json/wc/store/v1/cart")
    headers = {"Cart-Token": cart.headers["Cart-Token"]}
    base = f"{woo.store_url()}/wp-json/wc/store/v1"
    httpx.post(f"{base}/cart/add-item", json={"id": product["id"], "quantity": 2}, headers=headers)
    httpx.post(f"{base}/cart/apply-coupon", json={"code": "five"}, headers=headers)
    draft = httpx.get(f"{base}/checkout", headers=headers).json()
    assert draft["status"] == "checkout-draft"
    bad = httpx.post(
        f"{base}/checkout", json={"billing_address": {"email": "nope"}}, headers=headers
    )
    assert bad.status_code == 400
    placed = httpx.post(
        f"{base}/checkout",
        json={
            "billing_address": {"email": "gus@example.com", "first_name": "Gus"},
            "payment_method": "cod",
        },
        headers=headers,
    )
    assert placed.status_code == 200, placed.text
    result = placed.json()
    assert result["order_id"] == draft["order_id"] and result["status"] == "processing"
    assert result["payment_result"]["redirect_url"].startswith(
        f"{woo.store_url()}/checkout/order-received/"
    )
    order = api.get(f"orders/{result['order_id']}").json()
    assert order["total"] == "60.00" and order["coupon_lines"][0]["discount"] == "5.00"
    assert api.get(f"coupons/{coupon['id']}").json()["usage_count"] == 1
    assert api.get(f"products/{product['id']}").json()["stock_quantity"] == 1


def test_a_checkout_link_rebuilds_the_cart(woo: WooSandbox, shopper: httpx.Client) -> None:
    shirt = woo.product(name="Shirt", regular_price="18.00")
    mug = woo.product(name="Mug", regular_price="8.00")
    woo.api().post("coupons", {"code": "nudge-x1", "amount": "10", "discount_type": "percent"})
    link = shopper.get(
        "/checkout-link/",
        params={"products": f"{shirt['id']}:2,{mug['id']}:1,999999:1", "coupon": "NUDGE-X1"},
    )
    assert link.status_code == 302
    assert link.headers["Location"].startswith(f"{woo.store_url()}/checkout/?session=")
    checkout = shopper.get(link.headers["Location"])
    assert checkout.status_code == 200
    assert (
        "Shirt × 2" in checkout.text
        and "Mug × 1" in checkout.text
        and "Coupon: nudge-x1" in checkout.text
    )
    assert (
        "Product with ID &#39;999999&#39; was not found and cannot be added to the cart."
        in checkout.text
    )
    cart = store_api(shopper, "GET", "/cart").json()  # the browser's session now holds that cart
    assert [(i["id"], i["quantity"]) for i in cart["items"]] == [(shirt["id"], 2), (mug["id"], 1)]
    assert [c["code"] for c in cart["coupons"]] == ["nudge-x1"]


def test_a_checkout_link_with_an_unknown_coupon_still_fills_the_cart(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    product = woo.product()
    link = shopper.get(
        "/checkout-link/", params={"products": f"{product['id']}:1", "coupon": "GHOST"}
    )
    page = shopper.get(link.headers["Location"])
    assert "Coupon &#39;GHOST&#39; cannot be applied because it does not exist." in page.text
    assert store_api(shopper, "GET", "/cart").json()["items_count"] == 1


def test_the_classic_cart_page_updates_and_applies_coupons(
    woo: WooSandbox, shopper: httpx.Client
) -> None:
    product = woo.product(regular_price="10.00")
    woo.api().post("coupons", {"code": "two", "amount": "2"})
    assert shopper.get("/", params={"add-to-cart": product["id"]}).status_code == 302
    cart = shopper.get("/cart/").text
    key = re.search(r'data-cart-item-key="([0-9a-f]+)"', cart).group(1)
    shopper.post("/cart/", data={"action": "update", "key": key, "quantity": "3"})
    shopper.post("/cart/", data={"action": "apply_coupon", "coupon_code": "TWO"})
    page = shopper.get("/cart/").text
    assert "Coupon: two" in page and "$33.00" in page  # 30 - 2 + 5 shipping
    refused = shopper.post("/cart/", data={"action": "apply_coupon", "coupon_code": "zzz"})
    assert refused.status_code == 400 and "does not exist" in refused.text


def test_out_of_stock_products_cannot_be_added(woo: WooSandbox, shopper: httpx.Client) -> None:
    product = woo.product(manage_stock=True, stock_quantity=0)
    nonce = store_api(shopper, "GET", "/cart").headers["Nonce"]
    refused = store_api(shopper, "POST", "/cart/add-item", nonce=nonce, id=product["id"])
    assert (
        refused.status_code == 400
        and refused.json()["code"] == "woocommerce_rest_product_out_of_stock"
    )


def test_store_api_requests_are_counted(woo: WooSandbox, shopper: httpx.Client) -> None:
    store_api(shopper, "GET", "/cart")
    store_api(shopper, "GET", "/cart")
    counts = control_json(woo, "GET", "/requests")["counts"]
    assert counts["GET /wc/store/v1/cart"] == 2
