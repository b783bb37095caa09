"""Discounts: discountCodeBasicCreate, the asynchronous discountRedeemCodeBulkAdd (≤ 250 codes,
per-code errors, polling), lookups by id and code, deletion, and codes used at checkout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.shopify_support import RunningSandbox, running_sandbox

CREATE = """
mutation Create($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode {
      id
      codeDiscount {
        __typename
        ... on DiscountCodeBasic {
          title status usageLimit appliesOncePerCustomer
          codesCount { count }
          customerGets { value { ... on DiscountPercentage { percentage } } items { __typename } }
          minimumRequirement {
            ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } }
          }
        }
      }
    }
    userErrors { field code message }
  }
}"""
BULK_ADD = """
mutation Add($id: ID!, $codes: [DiscountRedeemCodeInput!]!) {
  discountRedeemCodeBulkAdd(discountId: $id, codes: $codes) {
    bulkCreation { id done codesCount importedCount failedCount }
    userErrors { field code message }
  }
}"""
BULK_STATUS = """
query Status($id: ID!) {
  discountRedeemCodeBulkCreation(id: $id) {
    done codesCount importedCount failedCount
    codes(first: 250) {
      nodes { code errors { field message code } discountRedeemCode { id code } }
    }
  }
}"""
BY_CODE = """
query ByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      ... on DiscountCodeBasic {
        codesCount { count }
        codes(first: 5, query: "code:ac-1") { nodes { code } }
      }
    }
  }
}"""

CODES = """
query ($id: ID!) {
  codeDiscountNode(id: $id) {
    codeDiscount { ... on DiscountCodeBasic { codes(first: 5) { nodes { id code } } } }
  }
}"""
DELETE_CODES = """
mutation ($id: ID!, $ids: [ID!]!) {
  discountCodeRedeemCodeBulkDelete(discountId: $id, ids: $ids) {
    job { id done }
    userErrors { message }
  }
}"""
DELETE = """
mutation ($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { message } } }
"""


def _input(code: str = "AC-SEED", **extra: Any) -> dict[str, Any]:
    return {
        "title": "Abandoned cart 10%",
        "code": code,
        "startsAt": "2026-01-01T00:00:00Z",
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"all": "ALL"},
        "combinesWith": {
            "productDiscounts": False,
            "orderDiscounts": False,
            "shippingDiscounts": True,
        },
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        "minimumRequirement": {"subtotal": {"greaterThanOrEqualToSubtotal": "50.00"}},
    } | extra


class Shop:
    """An installed shop and its token, with GraphQL shortcuts."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.domain = sandbox.create_shop("acme")
        self.token = sandbox.exchange(self.domain)["access_token"]

    def ask(self, document: str, **variables: Any) -> dict[str, Any]:
        response = self.sandbox.graphql(self.domain, self.token, document, variables)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def create(self, **extra: Any) -> dict[str, Any]:
        return dict(self.ask(CREATE, input=_input(**extra))["data"]["discountCodeBasicCreate"])

    def activity(self) -> dict[str, Any]:
        return dict(self.sandbox.control("GET", f"/shops/{self.domain}/app-activity").json())


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_sandbox() as sandbox:
        yield Shop(sandbox)


def test_create_a_parent_discount(shop: Shop) -> None:
    created = shop.create()
    assert created["userErrors"] == []
    node = created["codeDiscountNode"]
    assert node["id"].startswith("gid://shopify/DiscountCodeNode/")
    assert node["codeDiscount"] == {
        "__typename": "DiscountCodeBasic",
        "title": "Abandoned cart 10%",
        "status": "ACTIVE",
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "codesCount": {"count": 1},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"__typename": "AllDiscountItems"}},
        "minimumRequirement": {"greaterThanOrEqualToSubtotal": {"amount": "50.00"}},
    }


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"code": None}, ["basicCodeDiscount", "code"], "BLANK"),
        ({"code": ""}, ["basicCodeDiscount", "code"], "TOO_SHORT"),
        ({"code": "A\nB"}, ["basicCodeDiscount", "code"], "INVALID"),
        ({"code": "X" * 256}, ["basicCodeDiscount", "code"], "TOO_LONG"),
        ({"title": " "}, ["basicCodeDiscount", "title"], "BLANK"),
        ({"startsAt": None}, ["basicCodeDiscount", "startsAt"], "BLANK"),
        (
            {"endsAt": "2025-01-01T00:00:00Z"},
            ["basicCodeDiscount", "endsAt"],
            "END_DATE_BEFORE_START_DATE",
        ),
        (
            {"customerGets": {"value": {"percentage": 1.5}, "items": {"all": True}}},
            ["basicCodeDiscount", "customerGets", "value", "percentage"],
            "VALUE_OUTSIDE_RANGE",
        ),
    ],
)
def test_invalid_discounts_get_user_errors_and_create_nothing(
    shop: Shop, extra: dict[str, Any], field: list[str], code: str
) -> None:
    created = shop.create(**extra)
    assert created["codeDiscountNode"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [(field, code)]
    assert shop.activity()["discounts"] == []


def test_codes_are_unique_per_shop_case_insensitively(shop: Shop) -> None:
    shop.create(code="WELCOME")
    again = shop.create(code="welcome")
    assert again["userErrors"] == [
        {
            "field": ["basicCodeDiscount", "code"],
            "code": "TAKEN",
            "message": "Code must be unique. Please try a different code.",
        }
    ]


def test_251_codes_are_refused_before_anything_happens(shop: Shop) -> None:
    discount_id = shop.create()["codeDiscountNode"]["id"]
    codes = [{"code": f"AC-{index}"} for index in range(251)]
    answer = shop.ask(BULK_ADD, id=discount_id, codes=codes)
    assert "data" not in answer
    [error] = answer["errors"]
    assert (
        error["message"]
        == "The input array size of 251 is greater than the maximum allowed of 250."
    )
    assert error["extensions"] == {"code": "MAX_INPUT_SIZE_EXCEEDED"}
    assert error["path"] == ["discountRedeemCodeBulkAdd", "codes"]
    assert answer["extensions"]["cost"]["actualQueryCost"] is None
    assert shop.activity()["bulk_creations"] == []


def test_bulk_add_is_asynchronous_and_reports_each_code() -> None:
    # Long enough that the early looks below come before the job finishes on a busy machine
    # (0.3 s was not: three requests took longer in CI).
    with running_sandbox(bulk_job_delay=2.0) as sandbox:
        shop = Shop(sandbox)
        discount_id = shop.create(code="AC-SEED")["codeDiscountNode"]["id"]
        codes = [{"code": f"AC-{index}"} for index in range(248)]
        codes += [
            {"code": "AC-0"},
            {"code": "ac-seed"},
        ]  # duplicate in the batch, taken in the shop
        added = shop.ask(BULK_ADD, id=discount_id, codes=codes)["data"]["discountRedeemCodeBulkAdd"]
        creation = added["bulkCreation"]
        assert added["userErrors"] == []
        assert (creation["done"], creation["codesCount"], creation["importedCount"]) == (
            False,
            250,
            0,
        )
        early = shop.ask(BULK_STATUS, id=creation["id"])["data"]["discountRedeemCodeBulkCreation"]
        assert early["done"] is False
        assert shop.ask(BY_CODE, code="AC-1")["data"]["codeDiscountNodeByCode"] is None
        time.sleep(2.1)
        deadline = time.monotonic() + 15
        while True:
            status = shop.ask(BULK_STATUS, id=creation["id"])["data"][
                "discountRedeemCodeBulkCreation"
            ]
            if status["done"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)  # a status query with its codes costs points: no faster
    assert (status["done"], status["importedCount"], status["failedCount"]) == (True, 248, 2)
    failed = {n["code"]: n["errors"][0]["message"] for n in status["codes"]["nodes"] if n["errors"]}
    assert failed == {
        "AC-0": "Codes must be unique within BulkDiscountCodeCreation",
        "ac-seed": "must be unique. Please try a different code.",
    }
    imported = next(n for n in status["codes"]["nodes"] if n["code"] == "AC-7")
    assert imported["discountRedeemCode"]["id"].startswith("gid://shopify/DiscountRedeemCode/")


def test_bulk_add_user_errors(shop: Shop) -> None:
    answer = shop.ask(BULK_ADD, id="gid://shopify/DiscountCodeNode/1", codes=[{"code": "X"}])
    payload = answer["data"]["discountRedeemCodeBulkAdd"]
    assert payload["bulkCreation"] is None
    assert payload["userErrors"] == [
        {"field": ["discountId"], "code": "INVALID", "message": "Code discount does not exist."}
    ]
    discount_id = shop.create()["codeDiscountNode"]["id"]
    empty = shop.ask(BULK_ADD, id=discount_id, codes=[])["data"]["discountRedeemCodeBulkAdd"]
    assert empty["userErrors"][0]["code"] == "BLANK"


def test_lookup_by_code_is_case_insensitive_and_codes_can_be_deleted(shop: Shop) -> None:
    discount_id = shop.create(code="AC-SEED")["codeDiscountNode"]["id"]
    shop.ask(BULK_ADD, id=discount_id, codes=[{"code": "AC-1"}, {"code": "AC-2"}])
    found = shop.ask(BY_CODE, code="ac-1")["data"]["codeDiscountNodeByCode"]
    assert found["id"] == discount_id
    assert found["codeDiscount"]["codesCount"] == {"count": 3}
    assert found["codeDiscount"]["codes"]["nodes"] == [{"code": "AC-1"}]
    code_ids = shop.ask(CODES, id=discount_id)["data"]["codeDiscountNode"]["codeDiscount"]
    code_ids = code_ids["codes"]["nodes"]
    doomed = [c["id"] for c in code_ids if c["code"] == "AC-1"]
    deleted = shop.ask(DELETE_CODES, id=discount_id, ids=doomed)
    deleted = deleted["data"]["discountCodeRedeemCodeBulkDelete"]
    assert deleted["userErrors"] == [] and deleted["job"]["done"] is True
    assert shop.ask(BY_CODE, code="AC-1")["data"]["codeDiscountNodeByCode"] is None
    gone = shop.ask(DELETE, id=discount_id)["data"]["discountCodeDelete"]
    assert gone == {"deletedCodeDiscountId": discount_id, "userErrors": []}
    assert shop.ask(BY_CODE, code="AC-2")["data"]["codeDiscountNodeByCode"] is None
    assert shop.activity()["discounts"] == []


def test_codes_work_at_checkout_once(shop: Shop) -> None:
    discount_id = shop.create(code="AC-SEED")["codeDiscountNode"]["id"]
    shop.ask(BULK_ADD, id=discount_id, codes=[{"code": "AC-UNIQUE"}])
    sandbox, domain = shop.sandbox, shop.domain
    product = sandbox.control(
        "POST", f"/shops/{domain}/products", json={"title": "Bag", "variants": [{"price": "80.00"}]}
    ).json()
    lines = [{"variant_id": product["variants"][0]["id"], "quantity": 1}]
    order = sandbox.control(
        "POST",
        f"/shops/{domain}/orders",
        json={
            "email": "ann@example.com",
            "line_items": lines,
            "discount_codes": [{"code": "ac-unique"}],
        },
    )
    assert order.status_code == 201, order.text
    body = order.json()
    assert body["discount_codes"] == [{"code": "AC-UNIQUE", "amount": "8.00", "type": "percentage"}]
    assert body["total_price"] == "72.00"
    again = sandbox.control(
        "POST",
        f"/shops/{domain}/orders",
        json={
            "email": "bob@example.com",
            "line_items": lines,
            "discount_codes": [{"code": "AC-UNIQUE"}],
        },
    )
    assert again.status_code == 400 and "usage limit" in again.json()["error"]
    unknown = sandbox.control(
        "POST",
        f"/shops/{domain}/orders",
        json={"line_items": lines, "discount_codes": [{"code": "NOPE"}]},
    )
    assert unknown.status_code == 400
    [discount] = shop.activity()["discounts"]
    assert {c["code"]: c["usage_count"] for c in discount["codes"]} == {
        "AC-SEED": 0,
        "AC-UNIQUE": 1,
    }
    assert len(sandbox.control("GET", f"/shops/{domain}/orders").json()) == 1
