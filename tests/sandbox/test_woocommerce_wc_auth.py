"""`/wc-auth/v1/authorize`: approval, keys POSTed to the app's callback (200 required), return."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from woocommerce import API

from tests.sandbox.woocommerce_support import (
    Receiver,
    WooSandbox,
    control_json,
    receiver,
    woo_sandbox,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store(name="Ann's Shop")


@pytest.fixture
def app_server() -> Iterator[Receiver]:
    with receiver() as target:
        yield target


def authorize_params(app_server: Receiver, scope: str = "read_write") -> dict[str, str]:
    return {
        "app_name": "Nudge",
        "scope": scope,
        "user_id": "state-token-123",
        "return_url": f"{app_server.url}/woocommerce/return",
        "callback_url": f"{app_server.url}/woocommerce/callback",
    }


def approve_link(page: str) -> str:
    start = page.index('href="', page.index("wc-auth-actions")) + len('href="')
    return page[start : page.index('"', start)].replace("&amp;", "&")


def test_the_merchant_approves_and_the_app_receives_working_keys(
    woo: WooSandbox, app_server: Receiver
) -> None:
    page = httpx.get(f"{woo.store_url()}/wc-auth/v1/authorize", params=authorize_params(app_server))
    assert page.status_code == 200
    assert "<strong>Nudge</strong> would like to connect" in page.text
    assert "View and manage coupons" in page.text and "Create webhooks" in page.text
    assert app_server.requests == []  # nothing happens before approval
    granted = httpx.get(approve_link(page.text))
    assert granted.status_code == 302
    location = urlsplit(granted.headers["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == f"{app_server.url}/woocommerce/return"
    )
    assert parse_qs(location.query) == {"success": ["1"], "user_id": ["state-token-123"]}
    (callback,) = app_server.requests
    assert callback.method == "POST" and callback.path == "/woocommerce/callback"
    assert callback.headers["content-type"] == "application/json;charset=UTF-8"
    keys = json.loads(callback.body)
    assert list(keys) == ["key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"]
    assert keys["user_id"] == "state-token-123" and keys["key_permissions"] == "read_write"
    assert keys["consumer_key"].startswith("ck_") and keys["consumer_secret"].startswith("cs_")
    api = API(
        url=woo.store_url(),
        consumer_key=keys["consumer_key"],
        consumer_secret=keys["consumer_secret"],
    )
    status = api.get("system_status")
    assert status.status_code == 200 and status.json()["environment"]["home_url"] == woo.store_url()
    (stored,) = control_json(woo, "GET", "/api-keys")
    assert stored["key_id"] == keys["key_id"] and stored["description"].startswith("Nudge - API (")
    assert stored["truncated_key"] == keys["consumer_key"][-7:]


@pytest.mark.parametrize("status", [201, 204, 302, 500])
def test_a_callback_that_does_not_answer_200_gets_no_keys(
    woo: WooSandbox, app_server: Receiver, status: int
) -> None:
    app_server.default_status = status
    page = httpx.get(f"{woo.store_url()}/wc-auth/v1/authorize", params=authorize_params(app_server))
    denied = httpx.get(approve_link(page.text))
    assert denied.status_code == 401
    message = (
        "An error occurred in the request and at the time were unable to send the consumer data"
    )
    assert f"Error: {message}." in denied.text
    assert len(app_server.requests) == 1
    keys = json.loads(app_server.requests[0].body)
    assert control_json(woo, "GET", "/api-keys") == []
    api = API(
        url=woo.store_url(),
        consumer_key=keys["consumer_key"],
        consumer_secret=keys["consumer_secret"],
    )
    assert api.get("orders").json()["message"] == "Consumer key is invalid."


def test_auto_approve_grants_without_a_click(sandbox: WooSandbox, app_server: Receiver) -> None:
    woo = sandbox.fresh_store(auto_approve=True)
    granted = httpx.get(
        f"{woo.store_url()}/wc-auth/v1/authorize", params=authorize_params(app_server, "read")
    )
    assert granted.status_code == 302 and "success=1" in granted.headers["Location"]
    assert json.loads(app_server.requests[0].body)["key_permissions"] == "read"


def test_deny_returns_success_0(woo: WooSandbox, app_server: Receiver) -> None:
    page = httpx.get(f"{woo.store_url()}/wc-auth/v1/authorize", params=authorize_params(app_server))
    start = page.text.index('href="', page.text.index("wc-auth-deny") - 200)
    deny = page.text[start + 6 : page.text.index('"', start + 6)].replace("&amp;", "&")
    assert parse_qs(urlsplit(deny).query) == {"success": ["0"], "user_id": ["state-token-123"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"app_name": ""}, "Error: Missing parameter app_name."),
        ({"scope": "admin"}, "Error: Invalid scope admin."),
        ({"return_url": "http://"}, "is not a valid URL"),
    ],
)
def test_bad_requests_are_refused(
    woo: WooSandbox, app_server: Receiver, change: dict[str, str], message: str
) -> None:
    page = httpx.get(
        f"{woo.store_url()}/wc-auth/v1/authorize", params={**authorize_params(app_server), **change}
    )
    assert page.status_code == 401 and message in page.text
    assert "<title>Access denied</title>" in page.text


def test_the_callback_must_be_https_when_the_store_requires_it(
    sandbox: WooSandbox, app_server: Receiver
) -> None:
    woo = sandbox.fresh_store(require_ssl_callback=True)
    page = httpx.get(f"{woo.store_url()}/wc-auth/v1/authorize", params=authorize_params(app_server))
    assert page.status_code == 401 and "The callback_url needs to be over SSL" in page.text


def test_a_forged_approval_is_refused(woo: WooSandbox, app_server: Receiver) -> None:
    page = httpx.get(f"{woo.store_url()}/wc-auth/v1/authorize", params=authorize_params(app_server))
    forged = approve_link(page.text).replace("scope=read_write", "scope=read")
    refused = httpx.get(forged)
    assert refused.status_code == 401 and "Invalid nonce verification" in refused.text
    assert app_server.requests == []
