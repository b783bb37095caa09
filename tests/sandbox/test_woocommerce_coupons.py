"""Coupons with WooCommerce's rules, through the real `woocommerce` package."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from woocommerce import API

from tests.sandbox.woocommerce_support import (
    WooSandbox,
    control_json,
    fixture,
    validate_component,
    validate_request,
    woo_sandbox,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store(timezone="America/New_York")


@pytest.fixture
def api(woo: WooSandbox) -> API:
    return woo.api()


NUDGE_COUPON = {
    "code": "NUDGE-AB12CD",
    "amount": "10",
    "discount_type": "percent",
    "individual_use": True,
    "usage_limit": 1,
    "usage_limit_per_user": 1,
    "email_restrictions": ["Ann@Example.com"],
    "date_expires": "2030-09-01T23:59:59+00:00",
    "meta_data": [{"key": "_nudge_recipe", "value": "abandoned_cart"}],
}


def test_a_coupon_is_created_with_a_lowercased_code_and_the_fixture_shape(api: API) -> None:
    validate_request("/coupons", "post", NUDGE_COUPON)
    response = api.post("coupons", NUDGE_COUPON)
    assert response.status_code == 201, response.text
    body = response.json()
    validate_component("shop_coupon", body)
    assert set(fixture("coupon")) <= set(body)
    assert body["code"] == "nudge-ab12cd"
    assert body["amount"] == "10.00"
    assert body["email_restrictions"] == ["ann@example.com"]
    assert body["usage_limit"] == 1 and body["usage_count"] == 0
    assert body["meta_data"][0]["key"] == "_nudge_recipe" and isinstance(
        body["meta_data"][0]["id"], int
    )
    assert body["_links"]["self"][0]["href"].endswith(f"/wp-json/wc/v3/coupons/{body['id']}")
    assert response.headers["Location"] == body["_links"]["self"][0]["href"]
    # Expiry sent with an offset: local (New York, EDT) and GMT forms.
    assert body["date_expires_gmt"] == "2030-09-01T23:59:59"
    assert body["date_expires"] == "2030-09-01T19:59:59"


def test_a_duplicate_code_in_any_case_is_400_and_changes_nothing(woo: WooSandbox, api: API) -> None:
    assert api.post("coupons", {"code": "save10", "amount": "10"}).status_code == 201
    for code in ("save10", "SAVE10", " Save10 "):
        response = api.post("coupons", {"code": code, "amount": "20"})
        assert response.status_code == 400
        assert response.json() == {
            "code": "woocommerce_rest_coupon_code_already_exists",
            "message": "The coupon code already exists",
            "data": {"status": 400},
        }
    coupons = control_json(woo, "GET", "/coupons")
    assert [(c["code"], c["amount"]) for c in coupons] == [("save10", "10.00")]


def test_a_trashed_code_can_be_used_again(api: API) -> None:
    first = api.post("coupons", {"code": "again", "amount": "5"}).json()
    trashed = api.delete(f"coupons/{first['id']}")
    assert trashed.status_code == 200 and trashed.json()["status"] == "publish"
    assert api.get(f"coupons/{first['id']}").json()["status"] == "trash"
    assert api.delete(f"coupons/{first['id']}").status_code == 410
    assert api.post("coupons", {"code": "again", "amount": "5"}).status_code == 201
    forced = api.delete(f"coupons/{first['id']}", params={"force": "true"})
    assert forced.status_code == 200
    assert (
        api.get(f"coupons/{first['id']}").json()["code"]
        == "woocommerce_rest_shop_coupon_invalid_id"
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": "5"}, "rest_missing_callback_param"),
        ({"code": "", "amount": "5"}, "woocommerce_rest_empty_coupon_code"),
        ({"code": "x1", "amount": 5}, "rest_invalid_param"),
        ({"code": "x2", "discount_type": "half_off"}, "rest_invalid_param"),
        ({"code": "x3", "usage_limit": "many"}, "rest_invalid_param"),
        ({"code": "x4", "email_restrictions": ["not an email"]}, "coupon_invalid_email_address"),
        ({"code": "x5", "amount": "150", "discount_type": "percent"}, "coupon_invalid_amount"),
        ({"code": "x6", "date_expires": "next tuesday"}, "rest_invalid_param"),
    ],
)
def test_bad_coupons_get_the_woocommerce_error_and_change_nothing(
    woo: WooSandbox, api: API, body: dict[str, Any], code: str
) -> None:
    response = api.post("coupons", body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert control_json(woo, "GET", "/coupons") == []


def test_a_wrongly_typed_field_names_the_parameter(api: API) -> None:
    body = api.post("coupons", {"code": "typed", "amount": 5}).json()
    assert body["message"] == "Invalid parameter(s): amount"
    assert body["data"]["params"] == {"amount": "amount is not of type string."}


def test_date_expires_gmt_is_ignored_on_write(api: API) -> None:
    body = api.post(
        "coupons", {"code": "gmtonly", "date_expires_gmt": "2030-01-01T00:00:00"}
    ).json()
    assert body["date_expires"] is None and body["date_expires_gmt"] is None
    local = api.post("coupons", {"code": "local", "date_expires": "2030-01-01T00:00:00"}).json()
    assert local["date_expires"] == "2030-01-01T00:00:00"
    assert local["date_expires_gmt"] == "2030-01-01T05:00:00"


def test_lookup_by_code_is_case_insensitive(api: API) -> None:
    created = api.post("coupons", {"code": "findme", "amount": "3"}).json()
    found = api.get("coupons", params={"code": "FINDME"}).json()
    assert [c["id"] for c in found] == [created["id"]]
    assert api.get("coupons", params={"code": "missing"}).json() == []


def test_update_keeps_rules(api: API) -> None:
    one = api.post("coupons", {"code": "one", "amount": "1"}).json()
    api.post("coupons", {"code": "two", "amount": "2"})
    clash = api.put(f"coupons/{one['id']}", {"code": "TWO"})
    assert clash.json()["code"] == "woocommerce_rest_coupon_code_already_exists"
    updated = api.put(f"coupons/{one['id']}", {"amount": "7.5", "free_shipping": True})
    assert updated.status_code == 200
    assert updated.json()["amount"] == "7.50" and updated.json()["free_shipping"] is True
    assert updated.json()["code"] == "one"


def test_batch_creates_updates_and_deletes_with_errors_per_item(api: API) -> None:
    existing = api.post("coupons", {"code": "old", "amount": "1"}).json()
    doomed = api.post("coupons", {"code": "doomed", "amount": "1"}).json()
    response = api.post(
        "coupons/batch",
        {
            "create": [
                {"code": "B1", "amount": "5"},
                {"code": "old", "amount": "5"},
                {"code": "b1"},
            ],
            "update": [{"id": existing["id"], "amount": "9"}, {"id": 999999, "amount": "1"}],
            "delete": [doomed["id"], 999998],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["create"][0]["code"] == "b1"
    assert body["create"][1] == {
        "id": 0,
        "error": {
            "code": "woocommerce_rest_coupon_code_already_exists",
            "message": "The coupon code already exists",
            "data": {"status": 400},
        },
    }
    assert body["create"][2]["error"]["code"] == "woocommerce_rest_coupon_code_already_exists"
    assert body["update"][0]["amount"] == "9.00"
    assert body["update"][1]["id"] == 999999 and body["update"][1]["error"]["data"]["status"] == 400
    assert body["delete"][0]["id"] == doomed["id"]
    assert body["delete"][1]["error"]["code"] == "woocommerce_rest_shop_coupon_invalid_id"
    assert api.get(f"coupons/{doomed['id']}").status_code == 404  # batch deletes are forced


def test_batch_of_101_is_413_and_creates_nothing(woo: WooSandbox, api: API) -> None:
    items = [{"code": f"bulk-{n}", "amount": "5"} for n in range(101)]
    response = api.post("coupons/batch", {"create": items})
    assert response.status_code == 413
    assert response.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }
    assert control_json(woo, "GET", "/coupons") == []
    mixed = api.post("coupons/batch", {"create": items[:60], "delete": list(range(1, 42))})
    assert mixed.status_code == 413  # the limit counts create + update + delete together
    full = api.post("coupons/batch", {"create": items[:100]})
    assert full.status_code == 200 and len(full.json()["create"]) == 100


def test_pagination_headers_and_links(api: API) -> None:
    api.post(
        "coupons/batch", {"create": [{"code": f"page-{n:02}", "amount": "1"} for n in range(25)]}
    )
    first = api.get("coupons", params={"per_page": 10, "orderby": "id", "order": "asc"})
    assert first.headers["X-WP-Total"] == "25" and first.headers["X-WP-TotalPages"] == "3"
    assert [c["code"] for c in first.json()][:2] == ["page-00", "page-01"]
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    assert "page=2" in first.headers["Link"]
    last = api.get("coupons", params={"per_page": 10, "page": 3, "orderby": "id", "order": "asc"})
    assert len(last.json()) == 5
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]
    beyond = api.get("coupons", params={"per_page": 10, "page": 9})
    assert beyond.json() == [] and beyond.headers["X-WP-Total"] == "25"
    too_many = api.get("coupons", params={"per_page": 101})
    assert too_many.status_code == 400
    assert too_many.json()["data"]["params"]["per_page"] == (
        "per_page must be between 1 (inclusive) and 100 (inclusive)"
    )


def place(woo: WooSandbox, product_id: int, email: str, code: str) -> Any:
    body = {
        "email": email,
        "line_items": [{"product_id": product_id, "quantity": 1}],
        "coupon_code": code,
    }
    return woo.control.post(f"/stores/{woo.slug}/orders", json=body)


def test_placing_an_order_with_a_coupon_increments_usage(woo: WooSandbox, api: API) -> None:
    product = woo.product(regular_price="40.00")
    coupon = api.post("coupons", {**NUDGE_COUPON, "usage_limit_per_user": None}).json()
    order = place(woo, product["id"], "ann@example.com", "NUDGE-AB12CD")
    assert order.status_code == 201, order.text
    body = order.json()
    assert body["coupon_lines"][0]["code"] == "nudge-ab12cd"
    assert body["discount_total"] == "4.00" and body["total"] == "41.00"  # 40 - 4 + 5 shipping
    after = api.get(f"coupons/{coupon['id']}").json()
    assert after["usage_count"] == 1 and after["used_by"] == ["ann@example.com"]
    again = place(woo, product["id"], "ann@example.com", "nudge-ab12cd")
    assert again.status_code == 400
    assert again.json()["message"] == 'Usage limit for coupon "nudge-ab12cd" has been reached.'


def test_email_restrictions_and_product_rules_apply_at_checkout(woo: WooSandbox, api: API) -> None:
    shirt = woo.product(name="Shirt", regular_price="20.00")
    mug = woo.product(name="Mug", regular_price="8.00")
    api.post("coupons", {"code": "annonly", "amount": "5", "email_restrictions": ["*@example.com"]})
    api.post(
        "coupons",
        {
            "code": "shirts",
            "amount": "10",
            "discount_type": "percent",
            "product_ids": [shirt["id"]],
        },
    )
    api.post("coupons", {"code": "expired", "amount": "1", "date_expires": "2020-01-01T00:00:00"})
    api.post("coupons", {"code": "shipfree", "amount": "0", "free_shipping": True})
    refused = place(woo, shirt["id"], "bob@elsewhere.org", "annonly")
    assert refused.status_code == 400
    assert "is not yours" in refused.json()["message"]
    assert place(woo, shirt["id"], "bob@example.com", "annonly").status_code == 201
    assert place(woo, mug["id"], "c@example.com", "shirts").json()["message"] == (
        'Sorry, coupon "shirts" is not applicable to selected products.'
    )
    assert (
        place(woo, mug["id"], "c@example.com", "expired").json()["message"]
        == 'Coupon "expired" has expired.'
    )
    free = place(woo, mug["id"], "c@example.com", "shipfree").json()
    assert free["shipping_total"] == "0.00" and free["total"] == "8.00"
    assert place(woo, mug["id"], "c@example.com", "nosuch").json()["message"] == (
        'Coupon "nosuch" cannot be applied because it does not exist.'
    )


def test_rest_orders_validate_coupon_lines(woo: WooSandbox, api: API) -> None:
    product = woo.product(regular_price="10.00")
    api.post("coupons", {"code": "two", "amount": "2", "discount_type": "fixed_cart"})
    body = {
        "billing": {"email": "dee@example.com"},
        "line_items": [{"product_id": product["id"], "quantity": 2}],
        "coupon_lines": [{"code": "TWO"}],
        "set_paid": True,
    }
    order = api.post("orders", body)
    assert order.status_code == 201, order.text
    assert order.json()["discount_total"] == "2.00" and order.json()["status"] == "processing"
    bad = api.post("orders", {**body, "coupon_lines": [{"code": "ghost"}]})
    assert bad.status_code == 400 and bad.json()["code"] == "woocommerce_rest_invalid_coupon"
