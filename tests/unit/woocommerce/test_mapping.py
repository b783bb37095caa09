"""WooCommerce payloads → neutral values, on the official samples and the quirks they show."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.values import (
    Birthday,
    CartUpserted,
    CustomerDeleted,
    CustomerUpserted,
    OrderUpserted,
    ProductDeleted,
    ProductUpserted,
    ProductViewed,
)
from connectors import event_mapper
from connectors.woocommerce.mapping import (
    MappingError,
    checkout_link,
    map_event,
    parse_birthday,
    product_from,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def body(payload: dict) -> str:
    return json.dumps(payload)


def test_the_registry_points_at_this_mapping() -> None:
    assert event_mapper("woocommerce") is map_event


def test_customer_sample_maps_every_field_we_use() -> None:
    (event,) = map_event("customer.updated", (FIXTURES / "customer.json").read_text())
    assert isinstance(event, CustomerUpserted)
    customer = event.customer
    assert customer.platform_id == "25"
    assert customer.email == "john.doe@example.com"
    assert (customer.first_name, customer.last_name) == ("John", "Doe")
    assert customer.consent is None  # Woo has no consent field: "not reported"
    assert customer.birthday is None
    assert customer.updated_at == datetime(2017, 3, 21, 19, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"_automatewoo_birthday_md": "02-29"}, Birthday(2, 29)),
        (
            {"_automatewoo_birthday_md": "07-04", "_automatewoo_birthday_full": "1990-07-04"},
            Birthday(7, 4, 1990),
        ),
        (
            {"_nudge_birthday": "1985-12-01", "_automatewoo_birthday_md": "07-04"},
            Birthday(12, 1, 1985),
        ),
        ({"_nudge_birthday": "not a date", "_automatewoo_birthday_md": "03-15"}, Birthday(3, 15)),
        ({"_automatewoo_birthday_md": "02-30"}, None),
        ({"_automatewoo_birthday_md": 1234}, None),
    ],
)
def test_birthdays_come_from_meta_best_key_first(meta: dict, expected: Birthday | None) -> None:
    payload = fixture("customer")
    payload["meta_data"] = [
        {"id": index, "key": key, "value": value} for index, (key, value) in enumerate(meta.items())
    ]
    (event,) = map_event("customer.created", body(payload))
    assert event.customer.birthday == expected


def test_a_year_in_the_future_is_dropped_but_the_day_kept() -> None:
    assert parse_birthday("2999-05-06") == Birthday(5, 6)


def test_consent_is_read_from_nudges_meta_key() -> None:
    payload = fixture("customer")
    payload["meta_data"] = [{"id": 1, "key": "_nudge_marketing_consent", "value": "subscribed"}]
    (event,) = map_event("customer.updated", body(payload))
    assert event.customer.consent == "subscribed"


def test_order_sample_is_a_placed_paid_order_with_lines() -> None:
    (event,) = map_event("order.updated", (FIXTURES / "order.json").read_text())
    assert isinstance(event, OrderUpserted)
    order = event.order
    assert order.platform_id == "727"
    assert order.name == "#727"
    assert order.email == "john.doe@example.com"
    assert order.customer is None  # a guest (customer_id 0), linked by email
    assert order.financial_status == "paid"
    assert order.placed_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.paid_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert order.total_price == Decimal("29.35")
    assert order.subtotal_price == Decimal("18.00")
    assert order.checkout_token == "727"
    first, second = order.lines
    assert (first.product_platform_id, first.variant_platform_id) == ("93", "93")
    assert (first.quantity, first.price) == (2, Decimal("3"))
    assert (second.product_platform_id, second.variant_platform_id) == ("22", "23")
    assert second.title == "Ship Your Idea – Color: Black, Size: M Test"
    assert second.variant_title == "black / M Test"


@pytest.mark.parametrize(
    ("status", "refunds", "expected"),
    [
        ("pending", [], "pending"),
        ("on-hold", [], "pending"),
        ("cancelled", [], "voided"),
        ("refunded", [{"id": 1, "total": "-29.35"}], "refunded"),
        ("completed", [{"id": 1, "total": "-5.00"}], "partially_refunded"),
    ],
)
def test_order_statuses_normalise(status: str, refunds: list, expected: str) -> None:
    payload = fixture("order")
    payload.update(status=status, refunds=refunds)
    if status in ("pending", "on-hold"):
        payload["date_paid_gmt"] = None
    (event,) = map_event("order.updated", body(payload))
    assert event.order.financial_status == expected
    assert (event.order.cancelled_at is not None) == (status == "cancelled")


def test_coupon_codes_on_an_order_are_kept() -> None:
    payload = fixture("order")
    payload["coupon_lines"] = [{"id": 9, "code": "nudge-abc123", "discount": "3.00"}]
    (event,) = map_event("order.created", body(payload))
    assert event.order.discount_codes == ("nudge-abc123",)


def test_a_checkout_draft_is_an_open_checkout_never_an_order() -> None:
    payload = fixture("order")
    payload.update(status="checkout-draft", created_via="store-api", date_paid_gmt=None)
    (event,) = map_event("order.updated", body(payload))
    assert isinstance(event, CartUpserted)
    cart = event.cart
    assert (cart.kind, cart.platform_token, cart.email) == (
        "checkout",
        "727",
        "john.doe@example.com",
    )
    assert cart.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert cart.subtotal_price == Decimal("18")
    assert cart.recovery_url == "https://example.com/checkout-link/?products=93:2,23:1"


def test_product_sample_maps_to_one_variant_of_itself() -> None:
    (event,) = map_event("product.updated", (FIXTURES / "product.json").read_text())
    assert isinstance(event, ProductUpserted)
    product = event.product
    assert (product.platform_id, product.title, product.status) == (
        "794",
        "Premium Quality",
        "active",
    )
    assert product.url == "https://example.com/product/premium-quality-19/"
    assert product.image_url == "https://example.com/wp-content/uploads/2017/03/T_2_front-4.jpg"
    assert product.collections == ("9", "14")
    (variant,) = product.variants
    assert (variant.platform_id, variant.price, variant.available) == (
        "794",
        Decimal("21.99"),
        True,
    )
    assert variant.inventory_quantity is None  # manage_stock is false


def test_variable_product_uses_its_variations_when_given() -> None:
    payload = fixture("product")
    payload.update(type="variable", variations=[801, 802], status="private")
    variations = [
        {
            "id": 801,
            "price": "18.00",
            "regular_price": "20.00",
            "stock_status": "instock",
            "manage_stock": True,
            "stock_quantity": 4,
            "attributes": [{"name": "Size", "option": "M"}],
            "image": {"src": "https://example.com/m.jpg"},
        },
        {"id": 802, "price": "20.00", "regular_price": "20.00", "stock_status": "outofstock"},
    ]
    product = product_from(payload, variations)
    assert product.status == "archived"
    first, second = product.variants
    assert (first.platform_id, first.title, first.inventory_quantity) == ("801", "M", 4)
    assert first.compare_at_price == Decimal("20.00")
    assert first.image_url == "https://example.com/m.jpg"
    assert second.available is False
    # Without the listing (a webhook), the ids are known and priced at the product's price.
    (event,) = map_event("product.updated", body(payload))
    assert [variant.platform_id for variant in event.product.variants] == ["801", "802"]


def test_deletions() -> None:
    assert map_event("product.deleted", '{"id": 794}') == [ProductDeleted("794")]
    assert map_event("customer.deleted", '{"id": 25}') == [CustomerDeleted("25")]
    assert map_event("order.deleted", '{"id": 727}') == []


def test_coupon_topics_are_acknowledged_without_events() -> None:
    assert map_event("coupon.updated", (FIXTURES / "coupon.json").read_text()) == []


@pytest.mark.parametrize(
    ("topic", "raw"),
    [
        ("order.updated", "not json"),
        ("order.updated", "[1, 2]"),
        ("order.updated", '{"status": "processing"}'),
        ("action.woocommerce_add_to_cart", "{}"),
        ("storefront.cart", '{"visitor": "", "received_at": "2026-01-01T00:00:00Z"}'),
    ],
)
def test_unmappable_payloads_raise_a_clear_error(topic: str, raw: str) -> None:
    with pytest.raises(MappingError):
        map_event(topic, raw)


STORE_API_CART = {
    "items": [
        {
            "key": "a1",
            "id": 93,
            "quantity": 2,
            "name": "Woo Single &amp; Co",
            "permalink": "https://shop.test/product/woo-single/",
            "images": [{"src": "https://shop.test/single.jpg"}],
            "variation": [],
            "prices": {"price": "300", "currency_minor_unit": 2},
        },
        {
            "key": "b2",
            "id": 23,
            "quantity": 1,
            "name": "Ship Your Idea",
            "variation": [{"attribute": "Color", "value": "Black"}],
            "prices": {"price": "1200", "currency_minor_unit": 2},
        },
    ],
    "totals": {"total_items": "1800", "currency_code": "EUR", "currency_minor_unit": 2},
    "billing_address": {"email": ""},
}


def test_a_storefront_cart_becomes_the_visitors_cart() -> None:
    envelope = {
        "visitor": "v-123",
        "received_at": "2026-09-01T10:00:00+00:00",
        "store_url": "https://shop.test",
        "email": "Shopper@Example.com",
        "cart": STORE_API_CART,
    }
    (event,) = map_event("storefront.cart", json.dumps(envelope))
    assert isinstance(event, CartUpserted)
    cart = event.cart
    assert (cart.kind, cart.platform_token) == ("cart", "visitor:v-123")
    assert cart.email == "Shopper@Example.com"
    assert (cart.currency, cart.subtotal_price) == ("EUR", Decimal("18.00"))
    single, variation = cart.lines
    assert (single.title, single.price, single.quantity) == ("Woo Single & Co", Decimal("3.00"), 2)
    assert single.product_platform_id == single.variant_platform_id == "93"
    assert (variation.variant_platform_id, variation.variant_title) == ("23", "Black")
    assert cart.recovery_url == "https://shop.test/checkout-link/?products=93:2,23:1"
    assert cart.updated_at == datetime(2026, 9, 1, 10, tzinfo=UTC)


def test_a_storefront_view_becomes_a_product_view() -> None:
    envelope = {"visitor": "v-9", "received_at": "2026-09-01T10:00:00Z", "product_id": "794"}
    (event,) = map_event("storefront.product_viewed", json.dumps(envelope))
    assert isinstance(event, ProductViewed)
    assert (event.view.visitor_id, event.view.product_platform_id) == ("v-9", "794")


def test_checkout_link_carries_a_coupon_when_given() -> None:
    link = checkout_link("https://shop.test/", [("12", 2), ("34", 1)], coupon="nudge-x")
    assert link == "https://shop.test/checkout-link/?products=12:2,34:1&coupon=nudge-x"
    assert checkout_link("https://shop.test", []) is None
