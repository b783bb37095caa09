"""Unique codes in a sandbox shop: one parent per configuration, bulk adds, idempotent retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.core.ports import Permanent
from app.core.values import CodeRequest, DiscountSpec
from tests.e2e.shopify_stack import ShopifyStack

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC).replace(microsecond=0)


def installed(stack: ShopifyStack, handle: str) -> str:
    domain = stack.create_shop(handle)
    assert stack.open_app(domain).status_code == 200
    return domain


def spec(**changes: object) -> DiscountSpec:
    values: dict[str, object] = {
        "kind": "percentage",
        "value": Decimal("10"),
        "title": "Nudge: Abandoned cart (10% off)",
        "starts_at": NOW,
        "ends_at": NOW + timedelta(hours=72),
    }
    values.update(changes)
    return DiscountSpec(**values)  # type: ignore[arg-type]


def discounts(stack: ShopifyStack, domain: str) -> list[dict]:
    return stack.sandbox_call("GET", f"/shops/{domain}/app-activity")["discounts"]


def test_a_thousand_unique_codes_take_at_most_four_bulk_adds(stack: ShopifyStack):
    # A Shopify Plus bucket (restore 1000 points/s): the check is the call count, not pacing.
    stack.sandbox_call("POST", "/settings", json={"bucket_size": 10000, "restore_rate": 1000})
    domain = installed(stack, "codes")
    codes = [CodeRequest(f"CART-{index:05d}Q") for index in range(1000)]
    with stack.connector(domain) as connector:
        result = connector.issue_codes(spec(), codes, None)
        assert connector.discounts.bulk_add_calls <= 4

    assert stack.operation_count(domain, "mutation discountRedeemCodeBulkAdd") <= 4
    assert stack.operation_count(domain, "mutation discountCodeBasicCreate") == 1
    assert result.parent_ref and len(result.issued) == 1000
    assert {issued.code for issued in result.issued} == {request.code for request in codes}
    assert len({issued.platform_ref for issued in result.issued}) == 1000
    [parent] = discounts(stack, domain)
    assert parent["usage_limit"] == 1 and len(parent["codes"]) == 1000
    assert parent["value"] == {"percentage": 0.1}

    # A retried job sends the same codes again: "already exists" counts as issued, same refs.
    with stack.connector(domain) as connector:
        again = connector.issue_codes(spec(), codes[:300], result.parent_ref)
    assert {i.platform_ref for i in again.issued} <= {i.platform_ref for i in result.issued}
    assert len(again.issued) == 300
    assert len(discounts(stack, domain)[0]["codes"]) == 1000


def test_a_lost_parent_reference_finds_the_parent_again(stack: ShopifyStack):
    domain = installed(stack, "crashy")
    request = [CodeRequest("LOOK-AAAA2222")]
    with stack.connector(domain) as connector:
        first = connector.issue_codes(spec(), request, None)
        # The worker died before recording the parent; the retry knows only the code.
        second = connector.issue_codes(spec(), request, None)
    assert second.parent_ref == first.parent_ref and second.issued == first.issued
    assert len(discounts(stack, domain)) == 1


def test_the_parent_end_moves_with_the_latest_code(stack: ShopifyStack):
    domain = installed(stack, "longer")
    with stack.connector(domain) as connector:
        first = connector.issue_codes(spec(), [CodeRequest("BDAY-1111AAAA")], None)
        later = spec(starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=20))
        connector.issue_codes(later, [CodeRequest("BDAY-2222BBBB")], first.parent_ref)
    [parent] = discounts(stack, domain)
    assert parent["ends_at"] == (NOW + timedelta(days=20)).timestamp()
    assert len(parent["codes"]) == 2


def test_expired_codes_are_deleted_and_missing_ones_ignored(stack: ShopifyStack):
    domain = installed(stack, "cleanup")
    codes = [CodeRequest(f"MORE-{index:04d}ZZ") for index in range(20)]
    with stack.connector(domain) as connector:
        result = connector.issue_codes(spec(), codes, None)
        refs = [issued.platform_ref for issued in result.issued[:10]]
        connector.delete_codes(refs)
        connector.delete_codes(refs)  # already gone: nothing to do, no error
    assert len(discounts(stack, domain)[0]["codes"]) == 10


def test_a_deleted_parent_is_replaced(stack: ShopifyStack):
    domain = installed(stack, "merchant-cleanup")
    with stack.connector(domain) as connector:
        first = connector.issue_codes(spec(), [CodeRequest("CART-0001AAAA")], None)
        connector.api.execute(
            "mutation NudgeTestDelete($id: ID!) { discountCodeDelete(id: $id) "
            "{ deletedCodeDiscountId userErrors { message } } }",
            {"id": first.parent_ref},
        )
        second = connector.issue_codes(spec(), [CodeRequest("CART-0002BBBB")], first.parent_ref)
    assert second.parent_ref != first.parent_ref
    assert [code.code for code in second.issued] == ["CART-0002BBBB"]


def test_fixed_amount_for_one_product(stack: ShopifyStack):
    domain = installed(stack, "fixed")
    product = stack.seed(domain, "products", {"title": "Kettle", "variants": [{"price": "30"}]})
    fixed = spec(
        kind="fixed_amount",
        value=Decimal("5.00"),
        title="Nudge: Product interest (5.00 USD off)",
        product_platform_ids=(str(product["id"]),),
        minimum_subtotal=Decimal("20"),
    )
    with stack.connector(domain) as connector:
        result = connector.issue_codes(fixed, [CodeRequest("LOOK-KETTLE01")], None)
    assert [code.code for code in result.issued] == ["LOOK-KETTLE01"]
    assert discounts(stack, domain)[0]["value"]["amount"] == "5.00"


def test_bad_requests_fail_before_any_call(stack: ShopifyStack):
    domain = installed(stack, "picky")
    before = stack.sandbox_call("GET", f"/shops/{domain}/requests")["total"]
    with stack.connector(domain) as connector:
        with pytest.raises(Permanent, match="requested twice"):
            connector.issue_codes(spec(), [CodeRequest("A-1"), CodeRequest("a-1")], None)
        with pytest.raises(Permanent, match="percentage"):
            connector.issue_codes(spec(value=Decimal("150")), [CodeRequest("A-2")], None)
        with pytest.raises(Permanent, match="no newlines"):
            connector.issue_codes(spec(), [CodeRequest("A\n3")], None)
    assert stack.sandbox_call("GET", f"/shops/{domain}/requests")["total"] == before
    assert discounts(stack, domain) == []


def test_unsubscribes_are_written_back(stack: ShopifyStack):
    domain = installed(stack, "consent")
    customer = stack.seed(
        domain,
        "customers",
        {"email": "sam@example.com", "email_marketing_consent": {"state": "subscribed"}},
    )
    with stack.connector(domain) as connector:
        connector.set_marketing_consent(None, "sam@example.com", subscribed=False)
        connector.set_marketing_consent(None, "nobody@example.com", subscribed=False)
    updates = stack.sandbox_call("GET", f"/shops/{domain}/app-activity")["consent_updates"]
    assert len(updates) == 1 and updates[0]["customer_id"] == customer["id"]
    assert updates[0]["after"]["state"] == "unsubscribed"


def test_free_shipping_codes_are_issued_in_bulk(stack: ShopifyStack):
    stack.sandbox_call("POST", "/settings", json={"bucket_size": 10000, "restore_rate": 1000})
    domain = installed(stack, "free-ship")
    free = spec(
        kind="free_shipping",
        value=Decimal("0"),
        title="Nudge: Birthday (free shipping)",
        minimum_subtotal=Decimal("30"),
    )
    codes = [CodeRequest(f"SHIP-{index:04d}Z") for index in range(600)]
    with stack.connector(domain) as connector:
        result = connector.issue_codes(free, codes, None)
        assert connector.discounts.bulk_add_calls == 3
        # A retried job: codes already there count as issued, with the same references.
        again = connector.issue_codes(free, codes[:260], result.parent_ref)
        # A worker that died before recording the parent finds it again by its first code.
        lost = connector.issue_codes(free, codes[:1], None)
        # Codes issued later end later: the parent's end moves (discountCodeFreeShippingUpdate).
        later = spec(
            kind="free_shipping",
            value=Decimal("0"),
            title=free.title,
            minimum_subtotal=Decimal("30"),
            ends_at=NOW + timedelta(days=30),
        )
        connector.issue_codes(later, [CodeRequest("SHIP-LATE01")], result.parent_ref)

    assert stack.operation_count(domain, "mutation discountCodeFreeShippingCreate") == 2
    assert stack.operation_count(domain, "mutation discountCodeBasicCreate") == 0
    assert stack.operation_count(domain, "mutation discountCodeFreeShippingUpdate") == 1
    assert [issued.code for issued in result.issued] == [request.code for request in codes]
    assert len({issued.platform_ref for issued in result.issued}) == 600
    assert {i.platform_ref for i in again.issued} <= {i.platform_ref for i in result.issued}
    assert len(again.issued) == 260
    assert lost.parent_ref == result.parent_ref and lost.issued == result.issued[:1]
    [parent] = discounts(stack, domain)
    assert parent["admin_graphql_api_id"] == result.parent_ref
    assert parent["kind"] == "free_shipping" and parent["destination"] == {"all": True}
    assert parent["usage_limit"] == 1 and parent["applies_once_per_customer"] is True
    assert parent["ends_at"] == (NOW + timedelta(days=30)).timestamp()
    assert len(parent["codes"]) == 601

    # A shopper uses one code at checkout: free shipping, once.
    product = stack.seed(domain, "products", {"title": "Lamp", "variants": [{"price": "45"}]})
    order = {
        "email": "ada@example.com",
        "line_items": [{"variant_id": product["variants"][0]["id"], "quantity": 1}],
        "discount_codes": [{"code": "ship-0007z"}],
    }
    placed = stack.seed(domain, "orders", order)
    assert placed["discount_codes"] == [
        {"code": "SHIP-0007Z", "amount": "0.00", "type": "shipping"}
    ]
    refused = stack.control.post(f"/sandbox/shops/{domain}/orders", json=order)
    assert refused.status_code == 400 and "usage limit" in refused.text
