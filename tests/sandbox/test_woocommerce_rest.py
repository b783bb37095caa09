"""REST resources: bodies shaped like the official samples, filters, ordering, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from woocommerce import API

from tests.sandbox.woocommerce_support import WooSandbox, control_json, fixture, woo_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store(timezone="America/Sao_Paulo")  # UTC-3, like the samples


@pytest.fixture
def api(woo: WooSandbox) -> API:
    return woo.api()


def same_shape(sample: Any, body: Any, path: str = "") -> list[str]:
    """Keys of the sample missing from the body, or values of another JSON type."""
    problems = []
    if isinstance(sample, dict):
        for key, value in sample.items():
            if key not in body:
                problems.append(f"{path}.{key} missing")
            elif value is not None and body[key] is not None:
                problems.extend(same_shape(value, body[key], f"{path}.{key}"))
    elif isinstance(sample, list) and sample and body:
        problems.extend(same_shape(sample[0], body[0], f"{path}[0]"))
    elif type(sample) is not type(body) and not (
        path.endswith(".price") and isinstance(body, int | float)
    ):
        problems.append(f"{path}: {type(sample).__name__} vs {type(body).__name__}")
    return problems


def seed_order(woo: WooSandbox, sku: str = "") -> dict[str, Any]:
    product = woo.product(name="Woo Single #1", regular_price="3.00", sku=sku, images=[{}])
    return dict(
        control_json(
            woo,
            "POST",
            "/orders",
            json={
                "billing": {
                    "email": "john.doe@example.com",
                    "first_name": "John",
                    "last_name": "Doe",
                },
                "line_items": [{"product_id": product["id"], "quantity": 2}],
            },
        )
    )


def test_bodies_match_the_official_samples(woo: WooSandbox, api: API) -> None:
    order = seed_order(woo, sku="WS1")
    product = api.get(f"products/{order['line_items'][0]['product_id']}").json()
    customer = api.post("customers", {"email": "john.doe@example.com", "first_name": "John"}).json()
    coupon = api.post(
        "coupons", {"code": "10off", "amount": "10", "discount_type": "percent"}
    ).json()
    for name, body in (
        ("order", order),
        ("product", product),
        ("customer", customer),
        ("coupon", coupon),
    ):
        assert same_shape(fixture(name), body) == [], name
    line = order["line_items"][0]
    assert (line["quantity"], line["subtotal"], line["price"], line["sku"]) == (2, "6.00", 3, "WS1")
    assert order["total"] == "11.00" and order["shipping_lines"][0]["total"] == "5.00"
    assert order["created_via"] == "checkout" and order["status"] == "processing"


def test_dates_come_local_and_gmt(api: API) -> None:
    body = api.post("coupons", {"code": "dated", "date_expires": "2030-01-01T12:00:00Z"}).json()
    assert (
        body["date_expires"] == "2030-01-01T09:00:00"
        and body["date_expires_gmt"] == "2030-01-01T12:00:00"
    )
    created_local = datetime.fromisoformat(body["date_created"])
    created_gmt = datetime.fromisoformat(body["date_created_gmt"])
    assert created_gmt - created_local == timedelta(hours=3)


def test_orders_filter_by_status_and_modified_after(woo: WooSandbox, api: API) -> None:
    first = seed_order(woo)
    second = seed_order(woo)
    api.put(f"orders/{first['id']}", {"status": "completed"})
    completed = api.get("orders", params={"status": "completed"}).json()
    assert [o["id"] for o in completed] == [first["id"]]
    both = api.get(
        "orders", params={"status": "completed,processing", "orderby": "id", "order": "asc"}
    ).json()
    assert [o["id"] for o in both] == [first["id"], second["id"]]
    modified = api.get(f"orders/{first['id']}").json()["date_modified_gmt"]
    later = api.get(
        "orders", params={"modified_after": "2999-01-01T00:00:00", "dates_are_gmt": "true"}
    ).json()
    assert later == []
    earlier = api.get(
        "orders", params={"modified_after": "2000-01-01T00:00:00", "dates_are_gmt": "true"}
    ).json()
    assert {o["id"] for o in earlier} == {first["id"], second["id"]}
    assert modified is not None
    bad = api.get("orders", params={"status": "shipped"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    page = api.get("orders", params={"per_page": 1, "page": 2, "orderby": "id", "order": "desc"})
    assert [o["id"] for o in page.json()] == [first["id"]] and page.headers[
        "X-WP-TotalPages"
    ] == "2"


def test_modified_after_compares_wall_clock_local_unless_dates_are_gmt(
    woo: WooSandbox, api: API
) -> None:
    # WP_Date_Query drops the offset and compares with the local column (the store is UTC-3),
    # or with the GMT column when dates_are_gmt=true.
    order = seed_order(woo)
    local = datetime.fromisoformat(order["date_modified"])
    minute_before_local = (local - timedelta(minutes=1)).isoformat()
    gmt_stamp = order["date_modified_gmt"]

    def found(**params: str) -> bool:
        return [o["id"] for o in api.get("orders", params=params).json()] == [order["id"]]

    assert found(modified_after=minute_before_local)
    assert not found(modified_after=gmt_stamp)  # read as local: 3 hours after the order
    assert found(modified_after=minute_before_local, dates_are_gmt="true")
    assert not found(modified_after=gmt_stamp, dates_are_gmt="true")  # strictly after
    assert found(modified_after=minute_before_local + "+05:00")  # the offset is ignored


def test_order_updates_and_trash(woo: WooSandbox, api: API) -> None:
    order = seed_order(woo)
    updated = api.put(
        f"orders/{order['id']}", {"status": "completed", "meta_data": [{"key": "_x", "value": "1"}]}
    )
    assert updated.json()["status"] == "completed" and updated.json()["date_completed_gmt"]
    assert api.delete(f"orders/{order['id']}").status_code == 200
    assert api.get("orders").json() == []
    assert [o["id"] for o in api.get("orders", params={"status": "trash"}).json()] == [order["id"]]
    assert api.get("orders/999999").json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    rejected = api.put(f"orders/{order['id']}", {"status": "exploded"})
    assert rejected.status_code == 400


def test_products_variations_and_categories(woo: WooSandbox, api: API) -> None:
    shirt = woo.product(name="Tee", type="variable", categories=[{"name": "Shirts"}])
    for size, price in (("S", "10.00"), ("M", "12.00")):
        variation = api.post(
            f"products/{shirt['id']}/variations",
            {"regular_price": price, "attributes": [{"name": "Size", "option": size}]},
        )
        assert variation.status_code == 201, variation.text
    parent = api.get(f"products/{shirt['id']}").json()
    assert parent["price"] == "10.00" and len(parent["variations"]) == 2
    assert parent["categories"][0]["name"] == "Shirts"
    listed = api.get(f"products/{shirt['id']}/variations").json()
    assert {v["attributes"][0]["option"] for v in listed} == {"S", "M"}
    as_product = api.get(f"products/{parent['variations'][0]}").json()
    assert as_product["type"] == "variation" and as_product["parent_id"] == shirt["id"]
    assert [p["id"] for p in api.get("products").json()] == [
        shirt["id"]
    ]  # variations are not listed
    categories = api.get("products/categories").json()
    assert categories[0]["name"] == "Shirts" and categories[0]["count"] == 1
    by_category = api.get("products", params={"category": str(categories[0]["id"])}).json()
    assert [p["id"] for p in by_category] == [shirt["id"]]


def test_product_stock_and_duplicate_sku(woo: WooSandbox, api: API) -> None:
    product = api.post(
        "products",
        {
            "name": "Mug",
            "regular_price": "8",
            "sku": "MUG",
            "manage_stock": True,
            "stock_quantity": 1,
        },
    ).json()
    assert product["price"] == "8" and product["stock_status"] == "instock"
    dup = api.post("products", {"name": "Mug 2", "sku": "MUG"})
    assert dup.status_code == 400 and dup.json()["code"] == "product_invalid_sku"
    control_json(
        woo,
        "POST",
        "/orders",
        json={"email": "a@example.com", "line_items": [{"product_id": product["id"]}]},
    )
    after = api.get(f"products/{product['id']}").json()
    assert (
        after["stock_quantity"] == 0
        and after["stock_status"] == "outofstock"
        and after["total_sales"] == 1
    )
    refused = woo.control.post(
        f"/stores/{woo.slug}/orders",
        json={"email": "b@example.com", "line_items": [{"product_id": product["id"]}]},
    )
    assert (
        refused.status_code == 400
        and refused.json()["code"] == "woocommerce_rest_product_out_of_stock"
    )


def test_customers_with_automatewoo_birthdays(woo: WooSandbox, api: API) -> None:
    created = control_json(
        woo,
        "POST",
        "/customers",
        json={
            "email": "Kim@Example.com",
            "first_name": "Kim",
            "birthday": "1990-07-14",
            "billing": {"country": "US", "state": "CA"},
        },
    )
    body = api.get(f"customers/{created['id']}").json()
    meta = {row["key"]: row["value"] for row in body["meta_data"]}
    assert meta == {"_automatewoo_birthday_md": "07-14", "_automatewoo_birthday_full": "1990-07-14"}
    assert (
        body["email"] == "kim@example.com"
        and body["username"] == "kim"
        and body["role"] == "customer"
    )
    listed = api.get("customers", params={"email": "kim@example.com"}).json()
    assert [c["id"] for c in listed] == [created["id"]]
    dup = api.post("customers", {"email": "kim@example.com"})
    assert dup.status_code == 400 and dup.json()["code"] == "registration-error-email-exists"
    bad = api.post("customers", {"email": "not-an-email"})
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    updated = api.put(
        f"customers/{created['id']}",
        {"meta_data": [{"key": "_automatewoo_birthday_md", "value": "07-15"}]},
    )
    assert {r["key"]: r["value"] for r in updated.json()["meta_data"]}[
        "_automatewoo_birthday_md"
    ] == "07-15"
    assert api.delete(f"customers/{created['id']}").status_code == 501
    assert api.delete(f"customers/{created['id']}", params={"force": "true"}).status_code == 200


def test_unknown_routes_bad_json_and_the_index(woo: WooSandbox, api: API) -> None:
    missing = api.get("nothing/here")
    assert missing.status_code == 404 and missing.json()["code"] == "rest_no_route"
    secure = woo.fresh_store(https=True)
    key = secure.key()
    broken = httpx.post(
        f"{secure.store_url()}/wp-json/wc/v3/coupons",
        content=b"{nope",
        headers={"Content-Type": "application/json"},
        auth=(key["consumer_key"], key["consumer_secret"]),
    )
    assert broken.status_code == 400 and broken.json()["code"] == "rest_invalid_json"
    index = httpx.get(f"{woo.store_url()}/wp-json/").json()
    assert index["home"] == woo.store_url() and "wc/v3" in index["namespaces"]
    routes = httpx.get(f"{woo.store_url()}/wp-json/wc/v3").json()["routes"]
    assert "/wc/v3/coupons/batch" in routes
    fields = api.get("coupons", params={"_fields": "id,code"})
    assert fields.status_code == 200 and fields.json() == []
    unknown = httpx.get(f"{woo.url}/no-such-store/wp-json/wc/v3/orders")
    assert unknown.status_code == 404 and unknown.json()["code"] == "sandbox_unknown_store"
