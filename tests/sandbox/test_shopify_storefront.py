"""The sandbox's minimal storefront (recovery links from emails) and the standalone command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.sandbox.shopify_support import API_KEY, API_SECRET, running_sandbox

ROOT = Path(__file__).resolve().parents[2]


def test_recovery_link_shows_the_cart_and_completes_with_a_code() -> None:
    with running_sandbox(public_url="http://sandbox.invalid") as sandbox:
        domain = sandbox.create_shop("acme")
        product = sandbox.control(
            "POST",
            f"/shops/{domain}/products",
            json={"title": "Mug", "variants": [{"price": "10"}]},
        ).json()
        lines = [{"variant_id": product["variants"][0]["id"], "quantity": 3}]
        checkout = sandbox.control(
            "POST",
            f"/shops/{domain}/checkouts",
            json={"email": "ann@example.com", "line_items": lines},
        ).json()
        url = urlsplit(checkout["abandoned_checkout_url"])
        assert url.netloc == "sandbox.invalid" and url.path.startswith(f"/shops/{domain}/")
        page = sandbox.http.get(f"{url.path}?{url.query}")
        assert page.status_code == 200 and "3 × Mug" in page.text
        wrong_key = sandbox.http.get(url.path, params={"key": "nope"})
        assert wrong_key.status_code == 403
        bad_code = sandbox.http.post(f"{url.path}?{url.query}", data={"discount": "NOPE"})
        assert bad_code.status_code == 400 and "not a valid code" in bad_code.text
        assert sandbox.control("GET", f"/shops/{domain}/orders").json() == []
        bought = sandbox.http.post(f"{url.path}?{url.query}", data={"discount": ""})
        assert bought.status_code == 200 and "order is placed" in bought.text
        [order] = sandbox.control("GET", f"/shops/{domain}/orders").json()
        assert order["checkout_token"] == checkout["token"] and order["total_price"] == "30.00"
        shop_page = sandbox.http.get(f"/shops/{domain}/products/mug")
        assert shop_page.status_code == 200 and "Mug" in shop_page.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_python_m_sandbox_shopify_serves_until_stopped() -> None:
    port = _free_port()
    argv = [sys.executable, "-m", "sandbox.shopify", "--port", str(port), "--api-key", API_KEY]
    argv += ["--api-secret", API_SECRET, "--app-url", "http://127.0.0.1:9"]
    process = subprocess.Popen(  # noqa: S603
        argv, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/sandbox/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.json() == {"ok": True, "shops": 0}
        settings = httpx.get(f"http://127.0.0.1:{port}/sandbox/settings").json()
        assert settings["public_url"] == f"http://127.0.0.1:{port}" and "api_secret" not in settings
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_storefront_draws_product_pictures() -> None:
    with running_sandbox() as sandbox:
        domain = sandbox.create_shop("pictures")
        picture = sandbox.http.get(f"/shops/{domain}/cdn/shop/files/alpine-mug.svg")
        assert picture.status_code == 200
        assert picture.headers["content-type"].startswith("image/svg+xml")
        assert "Alpine Mug" in picture.text and picture.text.startswith("<svg")
        other = sandbox.http.get(f"/shops/{domain}/cdn/shop/files/harbor-cap.svg").text
        assert other != picture.text  # the colour and label follow the name
        escaped = sandbox.http.get(f"/shops/{domain}/cdn/shop/files/%3Cb%3E.svg").text
        assert "<b>" not in escaped


def test_a_cart_or_checkout_created_in_the_past_has_that_updated_at() -> None:
    with running_sandbox() as sandbox:
        domain = sandbox.create_shop("history")
        product = sandbox.control(
            "POST", f"/shops/{domain}/products", json={"title": "Mug", "variants": [{"price": "9"}]}
        ).json()
        lines = [{"variant_id": product["variants"][0]["id"], "quantity": 1}]
        past = "2026-01-02T03:04:05Z"
        cart = sandbox.control(
            "POST", f"/shops/{domain}/carts", json={"line_items": lines, "created_at": past}
        ).json()
        checkout = sandbox.control(
            "POST",
            f"/shops/{domain}/checkouts",
            json={"email": "a@example.com", "line_items": lines, "created_at": past},
        ).json()
        for record in (cart, checkout):
            assert record["created_at"] == record["updated_at"]
            assert record["created_at"].startswith("2026-01-0")  # shop-local offset
        bad = sandbox.control(
            "POST", f"/shops/{domain}/carts", json={"line_items": lines, "created_at": "soon"}
        )
        assert bad.status_code == 400 and "created_at" in bad.text
        assert len(sandbox.control("GET", f"/shops/{domain}/carts").json()) == 1
