"""Signed unsubscribe links: round trip, tamper resistance, clear failures, RFC 8058 headers."""

from __future__ import annotations

import base64

import pytest

from app.core.messaging.unsubscribe import (
    InvalidUnsubscribeToken,
    UnsubscribeLinks,
    UnsubscribeTarget,
    list_unsubscribe_headers,
)

SECRET = "test-secret-key-0123456789"
LINKS = UnsubscribeLinks(SECRET, "https://nudge.test/")


def test_a_link_round_trips_to_its_store_and_normalised_email() -> None:
    url = LINKS.unsubscribe_url("StoreKey_-1", "  Ada.Lovelace+news@Example.COM ")
    assert url.startswith("https://nudge.test/u/1.")
    token = url.removeprefix("https://nudge.test/u/")
    assert "/" not in token and "@" not in token and "=" not in token
    assert LINKS.parse(token) == UnsubscribeTarget("StoreKey_-1", "ada.lovelace+news@example.com")


def test_links_differ_per_recipient_and_store_and_are_stable() -> None:
    one = LINKS.token("store-a", "a@example.com")
    assert one == LINKS.token("store-a", "A@example.com")
    assert one != LINKS.token("store-b", "a@example.com")
    assert one != LINKS.token("store-a", "b@example.com")


def test_another_secret_or_purpose_key_does_not_verify() -> None:
    token = UnsubscribeLinks("another-secret-key-000000", "https://nudge.test").token("s", "a@b.co")
    with pytest.raises(InvalidUnsubscribeToken, match="signature does not match"):
        LINKS.parse(token)


def test_a_token_re_targeted_at_another_address_is_refused() -> None:
    version, _payload, tag = LINKS.token("store-a", "a@example.com").split(".")
    forged = base64.urlsafe_b64encode(b"store-a\nvictim@example.com").rstrip(b"=").decode()
    with pytest.raises(InvalidUnsubscribeToken, match="signature does not match"):
        LINKS.parse(f"{version}.{forged}.{tag}")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "malformed"),
        ("abc", "malformed"),
        ("1.a.b.c", "malformed"),
        ("2.abc.def", "unknown link version"),
        ("1.!!!.???", "malformed"),
        ("1." + "A" * 2000 + ".x", "malformed"),
        ("1.YWJj.AAAAAAAAAAAAAAAAAAAAAA", "signature does not match"),
    ],
)
def test_bad_tokens_fail_with_a_clear_reason(token: str, reason: str) -> None:
    with pytest.raises(InvalidUnsubscribeToken, match=reason):
        LINKS.parse(token)


def test_a_validly_signed_but_malformed_payload_is_refused() -> None:
    payload = base64.urlsafe_b64encode(b"no-newline-here").rstrip(b"=").decode()
    tag = base64.urlsafe_b64encode(LINKS._mac(payload)).rstrip(b"=").decode()
    with pytest.raises(InvalidUnsubscribeToken, match="malformed"):
        LINKS.parse(f"1.{payload}.{tag}")


@pytest.mark.parametrize(("store_key", "email"), [("", "a@b.co"), ("k", ""), ("k", "not-an-email")])
def test_a_link_needs_a_store_and_an_address(store_key: str, email: str) -> None:
    with pytest.raises(ValueError, match="needs a store key and an email"):
        LINKS.token(store_key, email)


def test_rfc_8058_headers() -> None:
    assert list_unsubscribe_headers("https://nudge.test/u/1.x.y") == {
        "List-Unsubscribe": "<https://nudge.test/u/1.x.y>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
