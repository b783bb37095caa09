"""REST authentication as WooCommerce does it: OAuth 1.0a over http (what the `woocommerce`
package sends), Basic auth / query-string keys only when the store is on HTTPS, key permissions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from woocommerce import API
from woocommerce.oauth import OAuth

from tests.sandbox.woocommerce_support import WooSandbox, woo_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[WooSandbox]:
    with woo_sandbox() as running:
        yield running


@pytest.fixture
def woo(sandbox: WooSandbox) -> WooSandbox:
    return sandbox.fresh_store()


def signed_url(
    woo: WooSandbox, key: dict[str, str], path: str, method: str = "GET", **extra: object
) -> str:
    """A URL signed the way the `woocommerce` package signs it."""
    url = f"{woo.store_url()}/wp-json/wc/v3/{path}"
    oauth = OAuth(
        url=url,
        consumer_key=key["consumer_key"],
        consumer_secret=key["consumer_secret"],
        version="wc/v3",
        method=method,
        oauth_timestamp=extra.get("timestamp", int(time.time())),
    )
    return oauth.get_oauth_url()


def test_the_woocommerce_package_authenticates_over_http_with_oauth1(woo: WooSandbox) -> None:
    woo.product()
    api = woo.api()
    response = api.get("products", params={"per_page": 5, "orderby": "id", "order": "asc"})
    assert response.status_code == 200, response.text
    assert [p["name"] for p in response.json()] == ["Blue Shirt"]
    created = api.post("customers", {"email": "ann@example.com", "first_name": "Ann"})
    assert created.status_code == 201, created.text
    assert woo.control.get(f"/stores/{woo.slug}/requests").json()["entries"][-1]["key_id"]


def test_no_credentials_is_a_visitor_refused_by_the_route(woo: WooSandbox) -> None:
    listing = httpx.get(f"{woo.store_url()}/wp-json/wc/v3/orders")
    assert listing.status_code == 401
    assert listing.json() == {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    }
    create = httpx.post(f"{woo.store_url()}/wp-json/wc/v3/coupons", json={"code": "x"})
    assert create.json()["code"] == "woocommerce_rest_cannot_create"


def test_basic_auth_over_plain_http_is_ignored_like_wordpress_does(woo: WooSandbox) -> None:
    key = woo.key()
    response = httpx.get(
        f"{woo.store_url()}/wp-json/wc/v3/orders",
        auth=(key["consumer_key"], key["consumer_secret"]),
    )
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_cannot_view"
    query = httpx.get(
        f"{woo.store_url()}/wp-json/wc/v3/orders",
        params={"consumer_key": key["consumer_key"], "consumer_secret": key["consumer_secret"]},
    )
    assert query.json()["code"] == "woocommerce_rest_cannot_view"


def test_basic_auth_and_query_string_keys_work_when_the_store_is_on_https(woo: WooSandbox) -> None:
    secure = woo.fresh_store(https=True)
    key = secure.key()
    url = f"{secure.store_url()}/wp-json/wc/v3/orders"
    assert httpx.get(url, auth=(key["consumer_key"], key["consumer_secret"])).status_code == 200
    query = {"consumer_key": key["consumer_key"], "consumer_secret": key["consumer_secret"]}
    assert httpx.get(url, params=query).status_code == 200
    wrong = httpx.get(url, auth=(key["consumer_key"], "cs_wrong"))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "woocommerce_rest_authentication_error"
    assert wrong.json()["message"] == "Consumer secret is invalid."
    unknown = httpx.get(url, auth=("ck_unknown", "cs_unknown"))
    assert unknown.json()["message"] == "Consumer key is invalid."


def test_a_tampered_signature_is_refused(woo: WooSandbox) -> None:
    url = signed_url(woo, woo.key(), "orders")
    tampered = url.replace("oauth_signature=", "oauth_signature=AAAA")
    response = httpx.get(tampered)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid signature - provided signature does not match."


def test_a_reused_nonce_and_a_stale_timestamp_are_refused(woo: WooSandbox) -> None:
    key = woo.key()
    url = signed_url(woo, key, "orders")
    assert httpx.get(url).status_code == 200
    replay = httpx.get(url)
    assert replay.status_code == 401
    assert replay.json()["message"] == "Invalid nonce - nonce has already been used."
    stale = httpx.get(signed_url(woo, key, "orders", timestamp=int(time.time()) - 16 * 60))
    assert stale.json()["message"] == "Invalid timestamp."


def test_missing_oauth_parameters_are_named(woo: WooSandbox) -> None:
    response = httpx.get(
        f"{woo.store_url()}/wp-json/wc/v3/orders", params={"oauth_consumer_key": "ck_x"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    assert "oauth_timestamp" in response.json()["message"]


def test_oauth_parameters_in_the_authorization_header_are_accepted(woo: WooSandbox) -> None:
    url = signed_url(woo, woo.key(), "orders")
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    header = "OAuth " + ", ".join(f'{name}="{value}"' for name, value in params.items())
    bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert httpx.get(bare, headers={"Authorization": header}).status_code == 200


def test_a_read_key_may_read_but_not_write(woo: WooSandbox) -> None:
    api = woo.api(permissions="read")
    assert api.get("coupons").status_code == 200
    refused = api.post("coupons", {"code": "nope", "amount": "5"})
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "The API key provided does not have write permissions.",
        "data": {"status": 401},
    }
    assert woo.control.get(f"/stores/{woo.slug}/coupons").json() == []


def test_a_write_key_may_not_read(woo: WooSandbox) -> None:
    api = woo.api(permissions="write")
    response = api.get("coupons")
    assert response.status_code == 401
    assert response.json()["message"] == "The API key provided does not have read permissions."


def test_a_revoked_key_stops_working(woo: WooSandbox) -> None:
    key = woo.key()
    api = API(
        url=woo.store_url(),
        consumer_key=key["consumer_key"],
        consumer_secret=key["consumer_secret"],
    )
    assert api.get("orders").status_code == 200
    assert woo.control.delete(f"/stores/{woo.slug}/api-keys/{key['key_id']}").status_code == 200
    response = api.get("orders")
    assert response.status_code == 401
    assert response.json()["message"] == "Consumer key is invalid."


def test_a_signature_for_another_host_name_fails(woo: WooSandbox) -> None:
    # WooCommerce signs over home_url(): the URL the client used must match the store's.
    key = woo.key()
    url = signed_url(woo, key, "orders")
    other = url.replace("127.0.0.1", "localhost")
    assert httpx.get(other).status_code == 401


def test_query_values_with_a_slash_break_the_packages_signature(woo: WooSandbox) -> None:
    # WooCommerce rawurlencodes "/" in each value; the package's quote() keeps it, so over http
    # a query value containing "/" never verifies. Known package behaviour, kept on purpose.
    api = woo.api()
    assert api.get("orders", params={"search": "a-b"}).status_code == 200
    response = api.get("orders", params={"search": "a/b"})
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid signature - provided signature does not match."
