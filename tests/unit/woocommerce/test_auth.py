"""Store URL validation and the key grant the store posts back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.woocommerce.auth import (
    InvalidKeyGrant,
    InvalidStoreUrl,
    authorize_url,
    normalize_store_url,
    parse_key_grant,
)


@pytest.mark.parametrize(
    ("raw", "url", "domain"),
    [
        ("shop.example.com", "https://shop.example.com", "shop.example.com"),
        ("  HTTPS://Shop.Example.COM/ ", "https://shop.example.com", "shop.example.com"),
        (
            "https://shop.example.com:443/store//",
            "https://shop.example.com/store",
            "shop.example.com/store",
        ),
        ("https://shop.example.com:8443", "https://shop.example.com:8443", "shop.example.com:8443"),
        ("https://bücher.example/", "https://xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_store_urls_are_normalised(raw: str, url: str, domain: str) -> None:
    store = normalize_store_url(raw)
    assert (store.url, store.domain) == (url, domain)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ftp://shop.example.com",
        "http://shop.example.com",
        "https://admin:secret@shop.example.com",
        "https://shop.example.com/?x=1",
        "https://shop.example.com/#top",
        "https://localhost",
        "https://127.0.0.1",
        "https://10.0.0.8",
        "https://169.254.169.254/latest",
        "https://[::1]",
        "https://intranet",
        "https://-bad-.example.com",
        "https://shop.example.com:99999",
        "javascript:alert(1)",
    ],
)
def test_unsafe_or_malformed_store_urls_are_refused(raw: str) -> None:
    with pytest.raises(InvalidStoreUrl):
        normalize_store_url(raw)


def test_private_stores_are_allowed_only_when_configured() -> None:
    store = normalize_store_url("http://127.0.0.1:8123/", allow_private=True)
    assert (store.url, store.domain, store.origin) == (
        "http://127.0.0.1:8123",
        "127.0.0.1:8123",
        "http://127.0.0.1:8123",
    )
    with pytest.raises(InvalidStoreUrl):
        normalize_store_url("http://user:pw@127.0.0.1:8123/", allow_private=True)


def test_authorize_url_asks_for_read_write_with_our_state_and_callback() -> None:
    store = normalize_store_url("https://shop.example.com/wp")
    target = authorize_url(
        store,
        state="signed.state",
        return_url="https://nudge.test/woocommerce/return",
        callback_url="https://nudge.test/woocommerce/callback",
    )
    parts = urlsplit(target)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://shop.example.com/wp/wc-auth/v1/authorize"
    )
    assert parse_qs(parts.query) == {
        "app_name": ["Nudge"],
        "scope": ["read_write"],
        "user_id": ["signed.state"],
        "return_url": ["https://nudge.test/woocommerce/return"],
        "callback_url": ["https://nudge.test/woocommerce/callback"],
    }


GRANT = {
    "key_id": 1,
    "user_id": "state",
    "consumer_key": "ck_" + "a" * 40,
    "consumer_secret": "cs_" + "b" * 40,
    "key_permissions": "read_write",
}


def test_a_key_grant_is_parsed() -> None:
    grant = parse_key_grant(GRANT)
    assert (grant.key_id, grant.state, grant.permissions) == (1, "state", "read_write")


@pytest.mark.parametrize(
    "change",
    [
        {"consumer_key": "nope"},
        {"consumer_secret": None},
        {"key_permissions": "read"},
        {"user_id": ""},
        {"key_id": True},
        {"key_id": "x"},
    ],
)
def test_bad_key_grants_are_refused(change: dict) -> None:
    with pytest.raises(InvalidKeyGrant):
        parse_key_grant({**GRANT, **change})
    with pytest.raises(InvalidKeyGrant):
        parse_key_grant(["not", "an", "object"])


def test_the_factory_needs_keys_and_a_store_url() -> None:
    from app.core.ports import AuthRevoked
    from connectors.woocommerce import connector_from_credentials

    keys = {"consumer_key": "ck_1", "consumer_secret": "cs_1", "webhook_secret": "s"}
    connector = connector_from_credentials(
        {**keys, "store_url": "https://shop.example.com/"}, domain="ignored", timeout=7
    )
    assert (connector.platform, connector.client.store_url, connector.client.timeout) == (
        "woocommerce",
        "https://shop.example.com",
        7.0,
    )
    for broken in ({**keys}, {"store_url": "https://shop.example.com", "consumer_key": "ck_1"}):
        with pytest.raises(AuthRevoked):
            connector_from_credentials(broken)
