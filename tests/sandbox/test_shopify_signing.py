"""The sandbox signs like Shopify: documented test vectors (research/shopify.md §1.1, §9c)."""

from __future__ import annotations

import jwt
import pytest

from sandbox.shopify.signing import (
    admin_host_param,
    body_hmac,
    decode_id_token,
    issue_id_token,
    query_hmac,
    query_message,
)

# ShopifyAPI test/session_test.py and the hexdocs examples, secret "hush" (§1.1).
QUERY_VECTORS = [
    (
        {
            "code": "a94a110d86d2452eb3e2af4cfb8a3828",
            "shop": "some-shop.myshopify.com",
            "timestamp": "1337178173",
        },
        "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2",
    ),
    (
        {"shop": "some-shop.myshopify.com", "ids[]": ["2", "1"]},
        "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e",
    ),
    (
        {
            "code": "0907a61c0c8d55e99db179b68161bc00",
            "shop": "some-shop.myshopify.com",
            "timestamp": "1337178173",
        },
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20",
    ),
    (
        {
            "code": "0907a61c0c8d55e99db179b68161bc00",
            "shop": "some-shop.myshopify.com",
            "state": "0.6784241404160823",
            "timestamp": "1337178173",
        },
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf",
    ),
]

# §9c: SQLPage's vector, and two computed independently with secret "hush".
BODY_VECTORS = [
    (
        b'{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}',
        "test-webhook-secret",
        "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw=",
    ),
    (
        b'{"shop_id":954889,"shop_domain":"{shop}.myshopify.com","customer":{"id":191167,'
        b'"email":"john@example.com","phone":"555-625-1199"},"orders_to_redact":[299938,280263,220458]}',
        "hush",
        "MpWzhAO7C8qeFDpZzIpB90On3gnIAlu2sTQPLxPqzUg=",
    ),
    (b'{"id":788032119674292922}', "hush", "fhhqwxYconmiOqTJ0cD1XzOlT7ONdp6Ryc18pkvlq5Q="),
]


@pytest.mark.parametrize(("params", "expected"), QUERY_VECTORS)
def test_query_hmac_matches_shopify_vectors(params: dict[str, str], expected: str) -> None:
    assert query_hmac(params | {"hmac": "ignored"}, "hush") == expected


def test_list_params_and_escaping_follow_shopify_api() -> None:
    assert query_message({"shop": "s", "ids[]": ["2", "1"]}) == 'ids=["2", "1"]&shop=s'
    assert query_message({"a": "1&b=2", "c=3&d": "4"}) == "a=1%26b=2&c%3D3%26d=4"


@pytest.mark.parametrize(("body", "secret", "expected"), BODY_VECTORS)
def test_webhook_body_hmac_matches_vectors(body: bytes, secret: str, expected: str) -> None:
    assert body_hmac(body, secret) == expected


def test_host_param_is_unpadded_base64_of_the_admin_url() -> None:
    import base64

    host = admin_host_param("test-shop")
    assert "=" not in host
    padded = host + "=" * (-len(host) % 4)
    assert base64.urlsafe_b64decode(padded) == b"admin.shopify.com/store/test-shop"


def test_id_token_round_trip_and_rejections() -> None:
    secret = "an-app-secret-long-enough-for-hs256-keys"
    token, claims = issue_id_token("test-shop.myshopify.com", "api-key", secret, 1, 1_000_000.0, 60)
    assert claims["iss"] == "https://test-shop.myshopify.com/admin"
    assert claims["dest"] == "https://test-shop.myshopify.com"
    assert decode_id_token(token, "api-key", secret, 1_000_030.0) == claims
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_id_token(token, "api-key", secret, 1_000_071.0)
    with pytest.raises(jwt.InvalidAudienceError):
        decode_id_token(token, "other-key", secret, 1_000_030.0)
    with pytest.raises(jwt.InvalidSignatureError):
        decode_id_token(token, "api-key", secret + "x", 1_000_030.0)
