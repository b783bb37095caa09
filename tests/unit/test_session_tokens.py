"""Shopify session-token verification, with the ShopifyAPI test vector's claims."""

from __future__ import annotations

import time

import jwt
import pytest

from app.web.admin.session_tokens import (
    InvalidSessionToken,
    bearer_token,
    host_param,
    shop_domain,
    verify_session_token,
)

SECRET = "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"
KEY = "API key"


def token(**overrides) -> str:
    # ShopifyAPI test/session_token_test.py's payload, with our key and a secret of real length.
    now = int(time.time())
    claims = {
        "iss": "https://test-shop.myshopify.com/admin", "dest": "https://test-shop.myshopify.com",
        "aud": KEY, "sub": "1", "exp": now + 60, "nbf": now, "iat": now, "jti": "4321",
        "sid": "abc123",
    }  # fmt: skip
    # "+N"/"-N" strings are offsets from now, so parametrized times are computed at run time.
    claims.update(
        {
            k: now + int(v) if isinstance(v, str) and v[:1] in "+-" else v
            for k, v in overrides.items()
        }
    )
    secret = claims.pop("_secret", SECRET)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, "HS256")


def verify(value: str) -> str:
    return verify_session_token(value, api_key=KEY, api_secret=SECRET)


def test_a_valid_token_names_its_shop() -> None:
    assert verify(token()) == "test-shop.myshopify.com"


def test_app_bridges_slightly_future_nbf_is_tolerated() -> None:
    assert verify(token(nbf=int(time.time()) + 5)) == "test-shop.myshopify.com"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": "-30"}, "expired"),
        ({"nbf": "+60"}, "invalid"),
        ({"aud": "another app"}, "invalid"),
        ({"_secret": "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"}, "invalid"),
        ({"exp": None}, "invalid"),
        ({"nbf": None}, "invalid"),
        ({"dest": None}, "invalid"),
        ({"dest": "https://evil.example.com"}, "invalid"),
        ({"iss": "https://other-shop.myshopify.com/admin"}, "invalid"),
    ],
)
def test_bad_tokens_are_refused(overrides, reason) -> None:
    with pytest.raises(InvalidSessionToken) as raised:
        verify(token(**overrides))
    assert raised.value.reason.startswith(reason)


def test_other_algorithms_are_refused() -> None:
    unsigned = jwt.encode(jwt.decode(token(), options={"verify_signature": False}), None, "none")
    with pytest.raises(InvalidSessionToken):
        verify(unsigned)
    with pytest.raises(InvalidSessionToken):
        verify("")


def test_shop_and_host_parameters_are_validated() -> None:
    assert shop_domain("Alpha-1.MyShopify.com ") == "alpha-1.myshopify.com"
    for bad in ("alpha.myshopify.com.evil.test", "-x.myshopify.com", "alpha.example.com", "", None):
        assert shop_domain(bad) is None
    assert host_param("YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxwaGE=") is not None
    assert host_param("a b") is None and host_param("<x>") is None


def test_only_bearer_authorization_is_read() -> None:
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    for bad in ("Basic abc", "Bearer ", "bearer abc", "abc"):
        with pytest.raises(InvalidSessionToken):
            bearer_token(bad)
