"""The control API (stores, settings, seeding, request counts, refunds) and the standalone
`python -m sandbox.woocommerce`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.woocommerce_support import ROOT, WooSandbox, control_json, woo_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store()


def test_stores_are_created_with_checked_slugs_and_settings(sandbox: WooSandbox) -> None:
    created = sandbox.control.post(
        "/stores", json={"slug": "shop-x", "timezone": "Europe/Paris", "currency": "EUR"}
    )
    assert created.status_code == 201
    summary = created.json()
    assert summary["url"] == f"{sandbox.url}/shop-x"
    assert summary["rest_url"] == f"{sandbox.url}/shop-x/wp-json/wc/v3"
    assert summary["settings"]["timezone"] == "Europe/Paris"
    assert sandbox.control.post("/stores", json={"slug": "shop-x"}).status_code == 409
    for body in (
        {"slug": "Bad Slug"},
        {"slug": "_sandbox"},
        {"slug": "ok-1", "timezone": "Mars/Base"},
        {"slug": "ok-2", "https": "yes"},
        {"slug": "ok-3", "colour": "red"},
    ):
        response = sandbox.control.post("/stores", json=body)
        assert response.status_code == 400, body
    assert "ok-1" not in sandbox.control.get("/health").json()["stores"]
    assert sandbox.control.delete("/stores/shop-x").status_code == 200
    assert sandbox.control.get("/stores/shop-x").status_code == 404


def test_settings_can_be_changed_and_bad_values_change_nothing(woo: WooSandbox) -> None:
    changed = control_json(
        woo, "PATCH", "/settings", json={"auto_approve": True, "shipping_flat_rate": "0.00"}
    )
    assert changed["auto_approve"] is True
    refused = woo.control.patch(
        f"/stores/{woo.slug}/settings", json={"auto_approve": True, "max_delivery_failures": -1}
    )
    assert refused.status_code == 400
    assert control_json(woo, "GET", "")["settings"]["max_delivery_failures"] == 5


def test_the_request_log_counts_calls_per_endpoint(woo: WooSandbox) -> None:
    api = woo.api()
    product = woo.product()
    api.get("orders")
    api.get("orders", params={"page": 2})
    api.get(f"products/{product['id']}")
    api.post("coupons", {"code": "a", "amount": "1"})
    httpx.get(f"{woo.store_url()}/wp-json/wc/v3/orders")  # a refused call counts too
    log = control_json(woo, "GET", "/requests")
    assert log["counts"] == {
        "GET /wc/v3/orders": 3,
        "GET /wc/v3/products/<id>": 1,
        "POST /wc/v3/coupons": 1,
    }
    assert log["total"] == 5 and log["entries"][-1]["status"] == 401
    control_json(woo, "DELETE", "/requests")
    assert control_json(woo, "GET", "/requests") == {"total": 0, "counts": {}, "entries": []}


def test_refunds_and_status_changes(woo: WooSandbox) -> None:
    product = woo.product(regular_price="20.00")
    order = control_json(
        woo,
        "POST",
        "/orders",
        json={"email": "r@example.com", "line_items": [{"product_id": product["id"]}]},
    )
    partial = control_json(
        woo, "POST", f"/orders/{order['id']}/refunds", json={"amount": "5.00", "reason": "scratch"}
    )
    assert partial["order"]["refunds"] == [
        {"id": partial["id"], "reason": "scratch", "total": "-5.00"}
    ]
    assert partial["order"]["status"] == "processing"
    rest = control_json(woo, "POST", f"/orders/{order['id']}/refunds", json={})
    assert rest["amount"] == "20.00" and rest["order"]["status"] == "refunded"
    too_much = woo.control.post(
        f"/stores/{woo.slug}/orders/{order['id']}/refunds", json={"amount": "1"}
    )
    assert too_much.status_code == 400
    cancelled = control_json(woo, "PATCH", f"/orders/{order['id']}", json={"status": "cancelled"})
    assert cancelled["status"] == "cancelled"


def test_cancelling_an_order_releases_its_coupon_use_and_stock(woo: WooSandbox) -> None:
    product = woo.product(manage_stock=True, stock_quantity=2)
    control_json(woo, "POST", "/coupons", json={"code": "once", "amount": "1", "usage_limit": 1})
    order = control_json(
        woo,
        "POST",
        "/orders",
        json={
            "email": "s@example.com",
            "line_items": [{"product_id": product["id"]}],
            "coupon_code": "once",
        },
    )
    assert control_json(woo, "GET", "/coupons")[0]["usage_count"] == 1
    control_json(woo, "PATCH", f"/orders/{order['id']}", json={"status": "cancelled"})
    assert control_json(woo, "GET", "/coupons")[0]["usage_count"] == 0
    assert control_json(woo, "GET", "/products")[0]["stock_quantity"] == 2


def test_bad_control_input_is_a_clear_error(woo: WooSandbox) -> None:
    assert (
        woo.control.post(f"/stores/{woo.slug}/orders", json={"line_items": "many"}).status_code
        == 400
    )
    assert (
        woo.control.post(f"/stores/{woo.slug}/api-keys", json={"permissions": "admin"}).status_code
        == 400
    )
    assert (
        woo.control.post(
            f"/stores/{woo.slug}/customers", json={"email": "x@example.com", "birthday": "July"}
        ).status_code
        == 400
    )
    assert (
        woo.control.post(f"/stores/{woo.slug}/deliveries/fail-next", json={"count": -1}).status_code
        == 400
    )
    assert woo.control.get("/stores/nope/orders").status_code == 404
    assert control_json(woo, "GET", "/customers") == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_the_sandbox_runs_standalone() -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [
            sys.executable,
            "-m",
            "sandbox.woocommerce",
            "--port",
            str(port),
            "--store",
            "demo",
            "--snippet-url",
            "http://127.0.0.1:8000/t/woo.js",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/demo/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the standalone sandbox did not start")
        assert page.status_code == 200 and 'src="http://127.0.0.1:8000/t/woo.js"' in page.text
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_the_sandbox_imports_nothing_of_nudge() -> None:
    code = (
        "import sys, sandbox.woocommerce, sandbox.woocommerce.__main__;"
        "nudge = ('app', 'connectors', 'workers');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in nudge))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
