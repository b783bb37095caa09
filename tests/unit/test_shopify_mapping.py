"""Shopify payloads map to neutral values: every webhook fixture, GraphQL nodes, pixel events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.values import (
    AppUninstalled,
    Birthday,
    CartUpserted,
    CustomerConsentChanged,
    CustomerDataRequested,
    CustomerDeleted,
    CustomerRedactRequested,
    CustomerUpserted,
    OrderUpserted,
    ProductDeleted,
    ProductUpserted,
    ProductViewed,
    ShopRedactRequested,
)
from connectors.shopify.mapping import (
    PayloadError,
    UnknownTopic,
    admin,
    map_event,
    supported_topics,
)
from connectors.shopify.mapping.pixel import parse_batch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify" / "webhooks"


def fixture(topic: str) -> str:
    return (FIXTURES / f"{topic.replace('/', '__')}.json").read_text()


def test_every_fixture_topic_is_mapped() -> None:
    topics = {path.stem.replace("__", "/") for path in FIXTURES.glob("*.json")}
    assert len(topics) == 17
    assert topics <= set(supported_topics())
    for topic in topics:
        assert map_event(topic, fixture(topic)), topic


def test_order_payload() -> None:
    [event] = map_event("orders/paid", fixture("orders/paid"))
    assert isinstance(event, OrderUpserted)
    order = event.order
    assert order.platform_id == "820982911946154508"  # > 2**53: kept exact
    assert order.email == "jon@example.com"
    assert order.name == "#9999"
    assert order.total_price == Decimal("404.95")
    assert order.financial_status == "voided"
    assert order.paid_at is None
    assert order.cancelled_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    assert order.placed_at.tzinfo is not None
    assert order.customer is not None and order.customer.platform_id == "115310627314723954"
    # buyer_accepts_marketing: true is the checkout's consent box.
    assert order.customer.consent == "subscribed"
    assert order.customer.locale == "en"
    assert order.customer.tags is None  # not in the payload: the mirror keeps what it has
    assert len(order.lines) == 5
    assert order.lines[0].product_platform_id == "788032119674292922"
    assert order.lines[0].variant_platform_id is None
    assert order.lines[0].price == Decimal("89.99")


def test_checkout_payload() -> None:
    [event] = map_event("checkouts/create", fixture("checkouts/create"))
    assert isinstance(event, CartUpserted)
    cart = event.cart
    assert cart.kind == "checkout" and cart.platform_token == "123123123"
    assert cart.cart_token == "eeafa272cebfd4b22385bc4b645e762c"
    assert cart.email == "example@email.com"
    assert cart.recovery_url and "/checkouts/123123123/recover" in cart.recovery_url
    assert cart.completed_at is None
    assert cart.accepts_marketing is False
    assert cart.customer is not None and cart.customer.consent is None
    assert cart.subtotal_price == Decimal("398.00")
    assert [line.quantity for line in cart.lines] == [1, 1]


def test_cart_payload() -> None:
    [event] = map_event("carts/update", fixture("carts/update"))
    assert isinstance(event, CartUpserted)
    cart = event.cart
    assert cart.kind == "cart" and cart.platform_token == "exampleCartId"
    assert cart.email is None and cart.customer is None
    assert cart.subtotal_price == Decimal("59.97")
    assert cart.lines[0].variant_platform_id == "704912205188288575"


def test_customer_payload_reports_unknown_consent_and_tags_as_none() -> None:
    [event] = map_event("customers/update", fixture("customers/update"))
    assert isinstance(event, CustomerUpserted)
    customer = event.customer
    assert customer.platform_id == "706405506930370084"
    assert customer.email == "bob@biller.com" and customer.first_name == "Bob"
    assert customer.consent is None and customer.tags is None
    assert customer.updated_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)


def test_customer_consent_and_birthday_when_present() -> None:
    body = json.loads(fixture("customers/update"))
    body["email_marketing_consent"] = {
        "state": "subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": "2024-03-01T10:00:00-05:00",
    }
    body["metafields"] = [{"namespace": "facts", "key": "birth_date", "value": "1990-02-28"}]
    body["tags"] = "vip, newsletter"
    [event] = map_event("customers/update", json.dumps(body))
    customer = event.customer  # type: ignore[union-attr]
    assert customer.consent == "subscribed"
    assert customer.consent_updated_at == datetime(2024, 3, 1, 15, 0, tzinfo=UTC)
    assert customer.birthday == Birthday(month=2, day=28, year=1990)
    assert customer.tags == ("vip", "newsletter")


def test_consent_topic_maps_to_a_consent_change() -> None:
    # The research's 2026-07 sample of customers_email_marketing_consent/update.
    body = {
        "customer_id": 706405506930370084,
        "email_address": "bob@biller.com",
        "email_marketing_consent": {
            "state": "unsubscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-06-01T10:00:00Z",
        },
    }
    [event] = map_event("customers_email_marketing_consent/update", json.dumps(body))
    assert event == CustomerConsentChanged(
        platform_id="706405506930370084",
        email="bob@biller.com",
        consent="unsubscribed",
        consent_updated_at=datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
    )
    body["email_marketing_consent"] = {"state": "something_new"}
    assert map_event("customers_email_marketing_consent/update", json.dumps(body)) == []


def test_product_payload() -> None:
    [event] = map_event("products/update", fixture("products/update"))
    assert isinstance(event, ProductUpserted)
    product = event.product
    assert product.platform_id == "788032119674292922"
    assert product.handle == "example-t-shirt" and product.status == "active"
    assert product.tags == ("example", "mens", "t-shirt")
    assert product.collections is None
    assert [v.platform_id for v in product.variants] == ["642667041472713922", "757650484644203962"]
    assert product.variants[0].inventory_quantity == 75 and product.variants[0].available
    assert product.variants[0].compare_at_price == Decimal("24.99")


def test_deletes_uninstall_and_compliance() -> None:
    assert map_event("products/delete", fixture("products/delete")) == [
        ProductDeleted("788032119674292922")
    ]
    assert map_event("customers/delete", fixture("customers/delete")) == [
        CustomerDeleted("706405506930370084")
    ]
    assert map_event("app/uninstalled", fixture("app/uninstalled")) == [AppUninstalled()]
    assert map_event("shop/redact", fixture("shop/redact")) == [ShopRedactRequested()]
    assert map_event("customers/data_request", fixture("customers/data_request")) == [
        CustomerDataRequested(
            request_id="9999",
            customer_platform_id="191167",
            email="john@example.com",
            order_platform_ids=("299938", "280263", "220458"),
        )
    ]
    assert map_event("customers/redact", fixture("customers/redact")) == [
        CustomerRedactRequested(
            customer_platform_id="191167",
            email="john@example.com",
            order_platform_ids=("299938", "280263", "220458"),
        )
    ]


@pytest.mark.parametrize(
    ("topic", "body", "message"),
    [
        ("orders/paid", "not json", "not JSON"),
        ("orders/paid", "[1, 2]", "not a JSON object"),
        ("orders/paid", '{"id": 1}', "none of processed_at, created_at"),
        ("checkouts/update", '{"updated_at": "2024-01-01T00:00:00Z"}', "no 'token'"),
        ("products/update", '{"title": "x"}', "no 'id'"),
        ("orders/paid", '{"id": 1, "created_at": "yesterday"}', "malformed timestamp"),
        ("customers/redact", '{"shop_id": 1}', "no 'customer'"),
    ],
)
def test_malformed_payloads_are_clear_errors(topic: str, body: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        map_event(topic, body)


def test_unknown_topic() -> None:
    with pytest.raises(UnknownTopic, match="themes/publish"):
        map_event("themes/publish", "{}")


# --- GraphQL nodes ------------------------------------------------------------------------------

CUSTOMER_NODE = {
    "id": "gid://shopify/Customer/42",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "locale": "en-GB",
    "tags": ["vip"],
    "updatedAt": "2026-05-01T12:00:00Z",
    "numberOfOrders": "3",
    "amountSpent": {"amount": "120.50", "currencyCode": "GBP"},
    "defaultEmailAddress": {
        "emailAddress": "ada@example.com",
        "marketingState": "SUBSCRIBED",
        "marketingUpdatedAt": "2026-01-02T00:00:00Z",
    },
    "birthDate": {"value": "1815-12-10"},
}


def test_graphql_customer() -> None:
    customer = admin.customer(CUSTOMER_NODE)
    assert customer.platform_id == "42" and customer.email == "ada@example.com"
    assert customer.consent == "subscribed"
    assert customer.birthday == Birthday(month=12, day=10, year=1815)
    assert customer.orders_count == 3 and customer.total_spent == Decimal("120.50")
    assert customer.locale == "en-GB" and customer.tags == ("vip",)


def test_graphql_product_and_order_and_checkout() -> None:
    product = admin.product(
        {
            "id": "gid://shopify/Product/7",
            "title": "Mug",
            "handle": "mug",
            "status": "ACTIVE",
            "tags": [],
            "updatedAt": "2026-05-01T12:00:00Z",
            "onlineStoreUrl": "https://shop.example/products/mug",
            "featuredMedia": {"preview": {"image": {"url": "https://cdn.example/mug.png"}}},
            "collections": {"nodes": [{"handle": "kitchen"}]},
            "variants": {
                "nodes": [
                    {
                        "id": "gid://shopify/ProductVariant/70",
                        "title": "Blue",
                        "price": "12.00",
                        "inventoryQuantity": 0,
                        "availableForSale": False,
                        "position": 1,
                        "media": {"nodes": []},
                    }
                ],
                "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
            },
        }
    )
    assert product.collections == ("kitchen",) and product.status == "active"
    assert product.variants[0].platform_id == "70" and not product.variants[0].available
    order = admin.order(
        {
            "id": "gid://shopify/Order/9",
            "name": "#1001",
            "email": "ada@example.com",
            "createdAt": "2026-05-02T10:00:00Z",
            "processedAt": "2026-05-02T10:00:00Z",
            "updatedAt": "2026-05-02T10:05:00Z",
            "currencyCode": "GBP",
            "displayFinancialStatus": "PAID",
            "discountCodes": ["NUDGE-1"],
            "customerAcceptsMarketing": False,
            "subtotalPriceSet": {"shopMoney": {"amount": "12.00", "currencyCode": "GBP"}},
            "totalPriceSet": {"shopMoney": {"amount": "15.00", "currencyCode": "GBP"}},
            "customer": CUSTOMER_NODE,
            "lineItems": {"nodes": [{"title": "Mug", "quantity": 1, "product": {"id": "7"}}]},
        }
    )
    assert order.paid_at == datetime(2026, 5, 2, 10, tzinfo=UTC)
    assert order.total_price == Decimal("15.00") and order.discount_codes == ("NUDGE-1",)
    checkout = admin.abandoned_checkout(
        {
            "id": "gid://shopify/AbandonedCheckout/555",
            "createdAt": "2026-05-02T09:00:00Z",
            "updatedAt": "2026-05-02T09:30:00Z",
            "abandonedCheckoutUrl": "https://shop.example/1/checkouts/ac/tok123/recover?key=k",
            "customer": CUSTOMER_NODE,
            "subtotalPriceSet": {"shopMoney": {"amount": "12.00", "currencyCode": "GBP"}},
            "lineItems": {"nodes": []},
        }
    )
    assert checkout.platform_token == "tok123" and checkout.email == "ada@example.com"
    assert checkout.currency == "GBP"


def shop_answer(primary_url: object) -> dict[str, object]:
    return {
        "shop": {
            "name": "Mugs",
            "myshopifyDomain": "mugs.myshopify.com",
            "contactEmail": "owner@mugs.example",
            "ianaTimezone": "Europe/Paris",
            "currencyCode": "EUR",
            "primaryDomain": {"url": primary_url},
        },
        "shopLocales": [{"locale": "fr", "primary": True}],
    }


@pytest.mark.parametrize(
    ("primary_url", "storefront_url"),
    [
        ("https://mugs.example.com", "https://mugs.example.com"),
        ("https://mugs.example.com/", "https://mugs.example.com"),
        ("https://mugs.myshopify.com", "https://mugs.myshopify.com"),
        ("javascript:alert(1)", None),
        ("mugs.example.com", None),
        (None, None),
    ],
)
def test_graphql_shop_reports_its_primary_domain(primary_url: object, storefront_url: object):
    shop = admin.shop(shop_answer(primary_url))
    assert (shop.domain, shop.timezone, shop.currency, shop.locale) == (
        "mugs.myshopify.com",
        "Europe/Paris",
        "EUR",
        "fr",
    )
    assert shop.storefront_url == storefront_url


# --- Storefront pixel ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def pixel_batch(**overrides: object) -> dict[str, object]:
    batch: dict[str, object] = {
        "shop": "demo.myshopify.com",
        "key": "store-key",
        "client_id": "client-1",
        "customer": {"id": "gid://shopify/Customer/42", "email": "ada@example.com"},
        "events": [
            {
                "id": "evt-1",
                "name": "product_viewed",
                "timestamp": NOW.isoformat(),
                "data": {
                    "productVariant": {
                        "id": "gid://shopify/ProductVariant/70",
                        "price": {"amount": 12.0, "currencyCode": "GBP"},
                        "product": {"id": "7", "title": "Mug", "url": "/products/mug"},
                    }
                },
            }
        ],
    }
    batch.update(overrides)
    return batch


def test_pixel_product_view_round_trip() -> None:
    batch = parse_batch(pixel_batch(), now=NOW)
    assert batch.shop_domain == "demo.myshopify.com" and batch.client_id == "client-1"
    [event] = batch.events
    assert event.topic == "pixel/product_viewed" and event.event_id == "evt-1"
    [viewed] = map_event(event.topic, event.body)
    assert isinstance(viewed, ProductViewed)
    assert viewed.view.visitor_id == "client-1" and viewed.view.product_platform_id == "7"
    assert viewed.view.customer_platform_id == "42" and viewed.view.email == "ada@example.com"


def test_pixel_cart_viewed() -> None:
    raw = {
        "id": "evt-2",
        "name": "cart_viewed",
        "timestamp": NOW.isoformat(),
        "data": {
            "cart": {
                "id": "gid://shopify/Cart/c1-abc?key=secret",
                "cost": {"totalAmount": {"amount": 24.0, "currencyCode": "GBP"}},
                "lines": [
                    {
                        "quantity": 2,
                        "merchandise": {"id": "70", "product": {"id": "7", "title": "Mug"}},
                    }
                ],
            }
        },
    }
    batch = parse_batch(pixel_batch(events=[raw], customer=None), now=NOW)
    [cart_event] = map_event(batch.events[0].topic, batch.events[0].body)
    assert isinstance(cart_event, CartUpserted)
    assert cart_event.cart.platform_token == "c1-abc"
    assert cart_event.cart.subtotal_price == Decimal("24.0") and cart_event.cart.currency == "GBP"
    assert cart_event.cart.lines[0].quantity == 2 and cart_event.cart.email is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shop": ""}, "shop must be"),
        ({"client_id": "x" * 200}, "client_id must be"),
        ({"events": []}, "events must be a list"),
        ({"events": [{"id": "e", "name": "page_viewed"}]}, "unsupported event"),
        ({"customer": {"email": "not-an-email"}}, "not an email"),
        (
            {
                "events": [
                    {
                        "id": "e",
                        "name": "product_viewed",
                        "timestamp": (NOW - timedelta(days=30)).isoformat(),
                        "data": {},
                    }
                ]
            },
            "out of range",
        ),
        (
            {
                "events": [
                    {
                        "id": "e",
                        "name": "product_viewed",
                        "timestamp": NOW.isoformat(),
                        "data": {"productVariant": {"id": "1"}},
                    }
                ]
            },
            "product.id is missing",
        ),
    ],
)
def test_bad_pixel_batches_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_batch(pixel_batch(**change), now=NOW)
