"""Pure pieces of the Shopify connector: query HMACs, shop domains, tokens, pacing, inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from graphql import build_schema, parse
from graphql.execution.values import get_variable_values
from graphql.language import OperationDefinitionNode

from app.core.ports import AuthRevoked
from app.core.values import DiscountSpec
from connectors.shopify import SCOPES, documents, normalize_shop_domain
from connectors.shopify.discount_inputs import decode_ref, discount_input, encode_ref
from connectors.shopify.oauth import (
    authorize_url,
    new_state,
    query_hmac,
    query_message,
    timestamp_is_fresh,
    verify_query,
)
from connectors.shopify.subscriptions import TOPICS, desired_input
from connectors.shopify.throttle import CostPacer
from connectors.shopify.tokens import OfflineToken
from tests.unit.test_shopify_documents import CANDIDATES

# Test vectors from ShopifyAPI's test/session_test.py (research/shopify.md §1.1).
VECTORS = [
    (
        [("code", "a94a110d86d2452eb3e2af4cfb8a3828"), ("shop", "some-shop.myshopify.com"),
         ("timestamp", "1337178173")],
        "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2",
    ),
    (
        [("shop", "some-shop.myshopify.com"), ("ids[]", "2"), ("ids[]", "1")],
        "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e",
    ),
    (
        [("code", "0907a61c0c8d55e99db179b68161bc00"), ("shop", "some-shop.myshopify.com"),
         ("state", "0.6784241404160823"), ("timestamp", "1337178173")],
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("pairs", "expected"), VECTORS)
def test_query_hmac_vectors(pairs, expected) -> None:
    assert query_hmac(pairs, "hush") == expected
    assert verify_query([*pairs, ("hmac", expected)], ["hush"])
    assert verify_query([*pairs, ("hmac", expected)], ["rotated-new", "hush"])
    assert not verify_query([*pairs, ("hmac", expected)], ["wrong"])
    assert not verify_query([*pairs, ("hmac", expected.replace("a", "b"))], ["hush"])
    assert not verify_query(pairs, ["hush"])  # no hmac at all


def test_query_message_escaping() -> None:
    assert query_message([("a", "1&b=2"), ("c=3&d", "4")]) == "a=1%26b=2&c%3D3%26d=4"
    assert query_message([("hmac", "x"), ("signature", "y"), ("b", "2"), ("a", "1")]) == "a=1&b=2"


def test_timestamps() -> None:
    assert timestamp_is_fresh("1000", 1000 + 599)
    assert not timestamp_is_fresh("1000", 1000 + 601)
    assert not timestamp_is_fresh("1000", 1000 - 601)
    assert not timestamp_is_fresh("soon", 1000) and not timestamp_is_fresh(None, 1000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("My-Shop.myshopify.com", "my-shop.myshopify.com"),
        (" shop1.myshopify.com ", "shop1.myshopify.com"),
        ("shop.myshopify.com.evil.com", None),
        ("https://shop.myshopify.com", None),
        ("-shop.myshopify.com", None),
        ("shop.example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_shop_domain_validation(value, expected) -> None:
    assert normalize_shop_domain(value) == expected


def test_state_and_authorize_url() -> None:
    state = new_state()
    assert len(state) == 64 and state != new_state() and int(state, 16) >= 0
    url = authorize_url(
        "s.myshopify.com", api_key="k", scopes=SCOPES, redirect_uri="https://a/cb", state=state
    )
    parts = urlsplit(url)
    assert parts.netloc == "s.myshopify.com" and parts.path == "/admin/oauth/authorize"
    query = parse_qs(parts.query)
    assert query["state"] == [state] and query["scope"] == [",".join(SCOPES)]
    assert "grant_options[]" not in query  # offline access
    sandbox = authorize_url(
        "s.myshopify.com", api_key="k", scopes=SCOPES, redirect_uri="https://a/cb",
        state=state, admin_origin="http://127.0.0.1:5000",
    )  # fmt: skip
    assert sandbox.startswith("http://127.0.0.1:5000/shops/s.myshopify.com/admin/oauth/authorize?")


def test_offline_token_round_trip_and_refresh_window() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    token = OfflineToken.from_token_response(
        {"access_token": "shpat_1", "scope": "read_orders", "expires_in": 3600,
         "refresh_token": "shprt_1", "refresh_token_expires_in": 7776000},
        now,
    )  # fmt: skip
    assert token.expires_at == now + timedelta(hours=1)
    assert OfflineToken.from_credentials(token.to_credentials()) == token
    assert not token.needs_refresh(now + timedelta(minutes=54))
    assert token.needs_refresh(now + timedelta(minutes=55))
    forever = OfflineToken("shpat_2")
    assert not forever.needs_refresh(now + timedelta(days=900))
    with pytest.raises(AuthRevoked):
        OfflineToken.from_credentials({})


def test_pacer_waits_until_the_expected_cost_fits() -> None:
    now = [100.0]
    slept: list[float] = []
    pacer = CostPacer(sleep=slept.append, monotonic=lambda: now[0])
    assert pacer.delay_before("q") == 0  # nothing known yet
    status = {"maximumAvailable": 1000, "currentlyAvailable": 100, "restoreRate": 50}
    pacer.observe("q", {"cost": {"requestedQueryCost": 400, "throttleStatus": status}})
    assert pacer.delay_before("q") == pytest.approx(6.0)  # (400 - 100) / 50
    now[0] += 4
    assert pacer.delay_before("q") == pytest.approx(2.0)
    now[0] += 10
    assert pacer.delay_before("q") == 0
    pacer.wait(1.5)
    assert slept == [1.5] and pacer.waited == 1.5
    throttled = {
        "cost": {"requestedQueryCost": 400, "throttleStatus": {**status, "currentlyAvailable": 0}}
    }
    assert pacer.wait_after_throttle(throttled) == pytest.approx(8.0)


def test_code_references() -> None:
    ref = encode_ref("gid://shopify/DiscountCodeNode/1", "gid://shopify/DiscountRedeemCode/2")
    assert decode_ref(ref) == (
        "gid://shopify/DiscountCodeNode/1",
        "gid://shopify/DiscountRedeemCode/2",
    )
    with pytest.raises(Exception, match="not a Shopify discount code reference"):
        decode_ref("gid://shopify/DiscountRedeemCode/2")


# --- Inputs validated against the schema's input types ------------------------------------------


@pytest.fixture(scope="module")
def schema():
    path = next(candidate for candidate in CANDIDATES if candidate.exists())
    return build_schema(path.read_text(), assume_valid=True)


def coerce(schema, document: str, variables: dict) -> dict:
    operation = next(
        item for item in parse(document).definitions if isinstance(item, OperationDefinitionNode)
    )
    result = get_variable_values(schema, operation.variable_definitions or [], variables)
    # A list of GraphQLErrors when the values do not fit the variables' input types.
    assert not isinstance(result, list), [error.message for error in result]
    return dict(getattr(result, "coerced", result))


def spec(kind: str, value: str, **changes) -> DiscountSpec:
    values = {
        "kind": kind,
        "value": Decimal(value),
        "title": "Nudge",
        "starts_at": datetime(2026, 11, 20, tzinfo=UTC),
        "ends_at": datetime(2026, 11, 23, tzinfo=UTC),
        **changes,
    }
    return DiscountSpec(**values)


def test_discount_inputs_match_the_schema(schema) -> None:
    percent = discount_input(spec("percentage", "15"), "BDAY-1")
    assert percent["customerGets"]["value"] == {"percentage": 0.15}
    coerce(schema, documents.DISCOUNT_BASIC_CREATE, {"input": percent})
    fixed = discount_input(
        spec("fixed_amount", "5", product_platform_ids=("7",), minimum_subtotal=Decimal("20")),
        "LOOK-1",
    )
    assert fixed["customerGets"]["items"] == {
        "products": {"productsToAdd": ["gid://shopify/Product/7"]}
    }
    coerce(schema, documents.DISCOUNT_BASIC_CREATE, {"input": fixed})
    free = discount_input(spec("free_shipping", "0"), "SHIP-1")
    assert "customerGets" not in free and free["destination"] == {"all": True}
    coerce(schema, documents.DISCOUNT_FREE_SHIPPING_CREATE, {"input": free})
    extend = {"id": "gid://shopify/DiscountCodeNode/1", "input": {"endsAt": "2026-12-01T00:00:00Z"}}
    coerce(schema, documents.DISCOUNT_BASIC_UPDATE, extend)


def test_subscription_inputs_match_the_schema(schema) -> None:
    for topic, enum in TOPICS.items():
        wanted = desired_input(topic, "https://nudge.example/webhooks/shopify")
        coerce(
            schema, documents.WEBHOOK_SUBSCRIPTION_CREATE, {"topic": enum, "subscription": wanted}
        )
    assert desired_input("customers/update", "u")["metafieldNamespaces"] == ["facts"]
    with pytest.raises(AssertionError):
        # Compliance topics exist only in the app configuration, not in the API's enum.
        redact = {"topic": "CUSTOMERS_REDACT", "subscription": {"uri": "u"}}
        coerce(schema, documents.WEBHOOK_SUBSCRIPTION_CREATE, redact)
