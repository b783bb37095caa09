"""Free-shipping code discounts: discountCodeFreeShippingCreate/Update with the real schema's
shapes and userErrors, bulk codes under a free-shipping parent, lookups, and use at checkout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.shopify_support import running_sandbox
from tests.sandbox.test_shopify_discounts import BULK_ADD, BULK_STATUS, Shop

CREATE = """
mutation Create($input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
    codeDiscountNode {
      id
      codeDiscount {
        __typename
        ... on DiscountCodeFreeShipping {
          title status usageLimit appliesOncePerCustomer summary discountClasses
          codesCount { count }
          codes(first: 5) { nodes { code } }
          combinesWith { productDiscounts orderDiscounts shippingDiscounts }
          destinationSelection {
            __typename
            ... on DiscountCountryAll { allCountries }
            ... on DiscountCountries { countries includeRestOfWorld }
          }
          maximumShippingPrice { amount currencyCode }
          minimumRequirement {
            ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } }
          }
        }
      }
    }
    userErrors { field code message }
  }
}"""
UPDATE = """
mutation Update($id: ID!, $input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingUpdate(id: $id, freeShippingCodeDiscount: $input) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeFreeShipping { title endsAt } } }
    userErrors { field code message }
  }
}"""
BASIC_UPDATE = """
mutation Update($id: ID!, $input: DiscountCodeBasicInput!) {
  discountCodeBasicUpdate(id: $id, basicCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}"""
NODE = """
query Node($id: ID!) {
  node(id: $id) {
    ... on DiscountCodeNode {
      codeDiscount { __typename ... on DiscountCodeFreeShipping { codesCount { count } } }
    }
  }
  discountNode(id: $id) { discount { __typename } }
}"""
ROOT = "freeShippingCodeDiscount"


def _input(code: str = "SHIP-SEED", **extra: Any) -> dict[str, Any]:
    return {
        "title": "Nudge: Birthday (free shipping)",
        "code": code,
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2036-01-01T00:00:00Z",
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"all": "ALL"},
        "destination": {"all": True},
        "combinesWith": {"productDiscounts": True, "orderDiscounts": True},
    } | extra


class FreeShippingShop(Shop):
    def create_free(self, **extra: Any) -> dict[str, Any]:
        answer = self.ask(CREATE, input=_input(**extra))
        return dict(answer["data"]["discountCodeFreeShippingCreate"])


@pytest.fixture
def shop() -> Iterator[FreeShippingShop]:
    with running_sandbox() as sandbox:
        yield FreeShippingShop(sandbox)


def test_create_a_free_shipping_parent(shop: FreeShippingShop) -> None:
    created = shop.create_free(
        minimumRequirement={"subtotal": {"greaterThanOrEqualToSubtotal": "20"}}
    )
    assert created["userErrors"] == []
    node = created["codeDiscountNode"]
    assert node["id"].startswith("gid://shopify/DiscountCodeNode/")
    assert node["codeDiscount"] == {
        "__typename": "DiscountCodeFreeShipping",
        "title": "Nudge: Birthday (free shipping)",
        "status": "ACTIVE",
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "summary": "Free shipping on all products, for all countries",
        "discountClasses": ["SHIPPING"],
        "codesCount": {"count": 1},
        "codes": {"nodes": [{"code": "SHIP-SEED"}]},
        "combinesWith": {
            "productDiscounts": True,
            "orderDiscounts": True,
            "shippingDiscounts": False,
        },
        "destinationSelection": {"__typename": "DiscountCountryAll", "allCountries": True},
        "maximumShippingPrice": None,
        "minimumRequirement": {"greaterThanOrEqualToSubtotal": {"amount": "20.00"}},
    }
    [discount] = shop.activity()["discounts"]
    assert discount["kind"] == "free_shipping" and discount["value"] is None
    looked_up = shop.ask(NODE, id=node["id"])["data"]
    assert looked_up["node"]["codeDiscount"]["__typename"] == "DiscountCodeFreeShipping"
    assert looked_up["discountNode"]["discount"]["__typename"] == "DiscountCodeFreeShipping"


def test_countries_and_a_maximum_shipping_price(shop: FreeShippingShop) -> None:
    created = shop.create_free(
        destination={"countries": {"add": ["FR", "DE", "FR"], "includeRestOfWorld": False}},
        maximumShippingPrice="12.5",
    )
    view = created["codeDiscountNode"]["codeDiscount"]
    assert view["destinationSelection"] == {
        "__typename": "DiscountCountries",
        "countries": ["DE", "FR"],
        "includeRestOfWorld": False,
    }
    assert view["maximumShippingPrice"] == {"amount": "12.50", "currencyCode": "USD"}


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"code": None}, [ROOT, "code"], "BLANK"),
        ({"code": "A\nB"}, [ROOT, "code"], "INVALID"),
        ({"code": "X" * 256}, [ROOT, "code"], "TOO_LONG"),
        ({"title": ""}, [ROOT, "title"], "BLANK"),
        ({"startsAt": None}, [ROOT, "startsAt"], "BLANK"),
        ({"endsAt": "2025-01-01T00:00:00Z"}, [ROOT, "endsAt"], "END_DATE_BEFORE_START_DATE"),
        ({"usageLimit": 0}, [ROOT, "usageLimit"], "GREATER_THAN"),
        ({"context": None}, [ROOT, "context"], "BLANK"),
        (
            {"destination": {"all": True, "countries": {"add": ["FR"]}}},
            [ROOT, "destination"],
            "CONFLICT",
        ),
        ({"destination": {"countries": {"add": []}}}, [ROOT, "destination", "countries"], "BLANK"),
        (
            {"maximumShippingPrice": "-1"},
            [ROOT, "maximumShippingPrice"],
            "GREATER_THAN_OR_EQUAL_TO",
        ),
        (
            {"combinesWith": {"shippingDiscounts": True}},
            [ROOT, "combinesWith"],
            "INVALID_COMBINES_WITH_FOR_DISCOUNT_CLASS",
        ),
    ],
)
def test_invalid_free_shipping_discounts_get_user_errors_and_create_nothing(
    shop: FreeShippingShop, extra: dict[str, Any], field: list[str], code: str
) -> None:
    created = shop.create_free(**extra)
    assert created["codeDiscountNode"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [(field, code)]
    assert shop.activity()["discounts"] == []


def test_a_code_is_unique_across_discount_kinds(shop: FreeShippingShop) -> None:
    shop.create(code="WELCOME")  # a basic discount
    again = shop.create_free(code="welcome")
    assert again["userErrors"] == [
        {
            "field": [ROOT, "code"],
            "code": "TAKEN",
            "message": "Code must be unique. Please try a different code.",
        }
    ]


def test_update_moves_the_end_and_only_reaches_its_own_kind(shop: FreeShippingShop) -> None:
    free_id = shop.create_free()["codeDiscountNode"]["id"]
    basic_id = shop.create(code="BASIC-1")["codeDiscountNode"]["id"]
    moved = shop.ask(UPDATE, id=free_id, input={"endsAt": "2040-01-01T00:00:00Z"})
    payload = moved["data"]["discountCodeFreeShippingUpdate"]
    assert payload["userErrors"] == []
    assert payload["codeDiscountNode"]["codeDiscount"]["endsAt"] == "2040-01-01T00:00:00Z"
    early = shop.ask(UPDATE, id=free_id, input={"endsAt": "2020-01-01T00:00:00Z"})
    assert early["data"]["discountCodeFreeShippingUpdate"]["userErrors"][0]["code"] == (
        "END_DATE_BEFORE_START_DATE"
    )
    cross = shop.ask(UPDATE, id=basic_id, input={"title": "x"})
    assert cross["data"]["discountCodeFreeShippingUpdate"]["codeDiscountNode"] is None
    other_way = shop.ask(BASIC_UPDATE, id=free_id, input={"title": "x"})
    assert other_way["data"]["discountCodeBasicUpdate"]["userErrors"][0]["field"] == ["id"]
    ends = {d["kind"]: d["ends_at"] for d in shop.activity()["discounts"]}
    assert ends["free_shipping"] == 2208988800.0  # 2040-01-01: only the valid update applied


def test_bulk_codes_under_a_free_shipping_parent_work_at_checkout_once(
    shop: FreeShippingShop,
) -> None:
    discount_id = shop.create_free()["codeDiscountNode"]["id"]
    added = shop.ask(BULK_ADD, id=discount_id, codes=[{"code": "SHIP-1"}, {"code": "SHIP-2"}])
    creation = added["data"]["discountRedeemCodeBulkAdd"]["bulkCreation"]
    status = shop.ask(BULK_STATUS, id=creation["id"])["data"]["discountRedeemCodeBulkCreation"]
    assert (status["done"], status["importedCount"]) == (True, 2)
    sandbox, domain = shop.sandbox, shop.domain
    product = sandbox.control(
        "POST", f"/shops/{domain}/products", json={"title": "Bag", "variants": [{"price": "80.00"}]}
    ).json()
    order = {
        "email": "ann@example.com",
        "line_items": [{"variant_id": product["variants"][0]["id"], "quantity": 1}],
        "discount_codes": [{"code": "ship-1"}],
    }
    placed = sandbox.control("POST", f"/shops/{domain}/orders", json=order)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert body["discount_codes"] == [{"code": "SHIP-1", "amount": "0.00", "type": "shipping"}]
    assert body["total_price"] == "80.00"
    again = sandbox.control("POST", f"/shops/{domain}/orders", json=order)
    assert again.status_code == 400 and "usage limit" in again.json()["error"]
    [discount] = shop.activity()["discounts"]
    assert {c["code"]: c["usage_count"] for c in discount["codes"]} == {
        "SHIP-SEED": 0,
        "SHIP-1": 1,
        "SHIP-2": 0,
    }
