"""Coupon and webhook request bodies against the WooCommerce REST v3 OpenAPI description.

The description has no /batch paths, so each item of a coupons/batch `create` list is checked
against `POST /coupons`. Its schemas allow any extra property; here they are closed, so a field
WooCommerce does not have (`exclude_product_ids` for `excluded_product_ids`, say) fails.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from app.core.values import CodeRequest, DiscountSpec
from connectors.woocommerce.coupons import coupon_body, expires_value, replacement_code
from connectors.woocommerce.mapping_fields import WEBHOOK_TOPICS
from connectors.woocommerce.webhooks import webhook_body

SPEC = (
    Path(__file__).resolve().parents[2] / "fixtures" / "specs" / "woocommerce-rest-v3.openapi.yml"
)


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text())


def request_schema(path: str, method: str) -> dict[str, Any]:
    operation = spec()["paths"][path][method]
    schema = copy.deepcopy(operation["requestBody"]["content"]["application/json"]["schema"])
    schema["additionalProperties"] = False
    return schema


def validate(body: dict[str, Any], path: str, method: str) -> None:
    jsonschema.validate(body, request_schema(path, method))


SPECS = [
    DiscountSpec(
        kind="percentage",
        value=Decimal("10"),
        title="Abandoned cart 10%",
        starts_at=datetime(2026, 9, 1, tzinfo=UTC),
        ends_at=datetime(2026, 9, 4, tzinfo=UTC),
    ),
    DiscountSpec(
        kind="fixed_amount",
        value=Decimal("5.50"),
        title="Product interest",
        starts_at=datetime(2026, 9, 1, tzinfo=UTC),
        ends_at=None,
        product_platform_ids=("794", "93"),
        minimum_subtotal=Decimal("20"),
    ),
    DiscountSpec(
        kind="free_shipping",
        value=Decimal("0"),
        title="Birthday shipping",
        starts_at=datetime(2026, 9, 1, tzinfo=UTC),
        ends_at=datetime(2026, 9, 15, 23, 59, 59, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize("discount", SPECS, ids=lambda s: s.kind)
def test_coupon_bodies_validate_against_the_spec(discount: DiscountSpec) -> None:
    body = coupon_body(discount, CodeRequest(code="NUDGE-AbC234", email="Ann@Example.com"))
    validate(body, "/coupons", "post")
    assert body["code"] == "nudge-abc234"  # Woo lowercases codes; we send what it will keep
    assert body["usage_limit"] == 1 and body["usage_limit_per_user"] == 1
    assert body["email_restrictions"] == ["ann@example.com"]


def test_a_coupon_body_restricts_products_and_gives_free_shipping() -> None:
    restricted = coupon_body(SPECS[1], CodeRequest(code="x"))
    assert (restricted["discount_type"], restricted["amount"]) == ("fixed_cart", "5.50")
    assert restricted["product_ids"] == [794, 93]
    assert restricted["minimum_amount"] == "20"
    assert "date_expires" not in restricted and "email_restrictions" not in restricted
    shipping = coupon_body(SPECS[2], CodeRequest(code="y"))
    assert (shipping["free_shipping"], shipping["amount"]) == (True, "0")
    assert shipping["date_expires"] == "2026-09-15T23:59:59+00:00"


def test_expiry_is_sent_with_an_explicit_offset() -> None:
    paris = timezone(timedelta(hours=2))
    assert expires_value(datetime(2026, 9, 1, 23, 0, tzinfo=paris)) == "2026-09-01T21:00:00+00:00"
    assert expires_value(datetime(2026, 9, 1, 23, 0)) == "2026-09-01T23:00:00+00:00"
    per_code = coupon_body(
        SPECS[0], CodeRequest(code="z", ends_at=datetime(2026, 9, 2, tzinfo=UTC))
    )
    assert per_code["date_expires"] == "2026-09-02T00:00:00+00:00"


def test_a_field_woocommerce_lacks_fails_validation() -> None:
    body = coupon_body(SPECS[0], CodeRequest(code="x"))
    body["exclude_product_ids"] = [1]
    with pytest.raises(jsonschema.ValidationError):
        validate(body, "/coupons", "post")


def test_replacement_codes_are_deterministic_and_distinct() -> None:
    first = replacement_code("Nudge-ABC", 1)
    assert first == replacement_code("nudge-abc", 1)
    assert first.startswith("nudge-abc-") and first != replacement_code("nudge-abc", 2)


@pytest.mark.parametrize("topic", WEBHOOK_TOPICS)
def test_webhook_bodies_validate_against_the_spec(topic: str) -> None:
    validate(
        webhook_body(topic, "https://n.test/webhooks/woocommerce/k", "s" * 48), "/webhooks", "post"
    )


def test_webhook_repairs_validate_against_the_spec() -> None:
    validate({"status": "active", "secret": "s" * 48}, "/webhooks/{id}", "put")
    validate({"secret": "s" * 48}, "/webhooks/{id}", "put")
