"""Unique coupons in the sandbox store: 1,000 with at most 10 batch calls, every request body valid
against the OpenAPI description, duplicates answered, expired ones deleted nightly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core.values import CodeRequest, DiscountSpec
from app.db.models import IssuedDiscount
from connectors.woocommerce.client import WooClient
from tests.e2e.woocommerce.conftest import connect_through_wc_auth
from tests.unit.woocommerce.test_request_bodies import validate
from workers.steps import expire_discount_codes
from workers.woocommerce_state import connector_for

SPEC = DiscountSpec(
    kind="percentage",
    value=Decimal("10"),
    title="Nudge: abandoned cart (10 %)",
    starts_at=datetime(2026, 9, 1, tzinfo=UTC),
    ends_at=datetime.now(UTC) + timedelta(days=3),
)


@pytest.fixture
def sent_bodies(monkeypatch) -> list[tuple[str, str, object]]:
    """Every (method, endpoint, body) the connector sends (a spy around the client's transport)."""
    sent: list[tuple[str, str, object]] = []
    original = WooClient._send

    def spy(self, method, endpoint, params, body):
        sent.append((method, endpoint, body))
        return original(self, method, endpoint, params, body)

    monkeypatch.setattr(WooClient, "_send", spy)
    return sent


def batch_calls(woo, slug: str) -> int:
    return woo.control("GET", f"{slug}/requests")["counts"].get("POST /wc/v3/coupons/batch", 0)


@pytest.mark.slow
def test_a_thousand_coupons_in_ten_batch_calls(nudge, woo_sandbox, sent_bodies) -> None:
    shop = woo_sandbox.create_store("codes", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    connector = connector_for(store)
    woo_sandbox.control("DELETE", "codes/requests")
    requests = [
        CodeRequest(code=f"NUDGE-{n:04d}", email=f"shopper{n}@example.com") for n in range(1000)
    ]
    result = connector.issue_codes(SPEC, requests, None)
    assert batch_calls(woo_sandbox, "codes") <= 10
    assert [issued.code for issued in result.issued] == [r.code.lower() for r in requests]
    coupons = {c["code"]: c for c in woo_sandbox.control("GET", "codes/coupons")}
    assert len(coupons) == 1000
    sample = coupons["nudge-0042"]
    assert (sample["usage_limit"], sample["usage_limit_per_user"]) == (1, 1)
    assert sample["email_restrictions"] == ["shopper42@example.com"]
    assert sample["discount_type"] == "percent" and Decimal(sample["amount"]) == Decimal("10")
    assert sample["date_expires_gmt"].startswith(SPEC.ends_at.strftime("%Y-%m-%dT%H:%M"))
    batches = [body for method, endpoint, body in sent_bodies if endpoint == "coupons/batch"]
    assert len(batches) == 10 and all(len(body["create"]) <= 100 for body in batches)
    for body in batches:
        for item in body["create"]:
            validate(item, "/coupons", "post")
    for method, endpoint, body in sent_bodies:
        if endpoint == "webhooks" and method == "POST":
            validate(body, "/webhooks", "post")
        elif endpoint.startswith("webhooks/") and method == "PUT":
            validate(body, "/webhooks/{id}", "put")

    # A retried job re-sends the same codes: they are Nudge's own, so they count as issued.
    again = connector.issue_codes(SPEC, requests[:150], None)
    assert [issued.platform_ref for issued in again.issued] == [
        issued.platform_ref for issued in result.issued[:150]
    ]
    assert len(woo_sandbox.control("GET", "codes/coupons")) == 1000


def test_a_code_taken_by_another_coupon_is_replaced_once(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("clash", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    woo_sandbox.control("POST", "clash/coupons", json={"code": "summer-sale", "amount": "5"})
    connector = connector_for(store)
    request = CodeRequest(code="SUMMER-SALE", email="ann@example.com")
    (issued,) = connector.issue_codes(SPEC, [request], None).issued
    assert issued.code.startswith("summer-sale-") and issued.code != "summer-sale"
    (retried,) = connector.issue_codes(SPEC, [request], None).issued
    assert retried == issued  # the same replacement, found again: no second coupon
    codes = sorted(c["code"] for c in woo_sandbox.control("GET", "clash/coupons"))
    assert codes == sorted(["summer-sale", issued.code])


def test_expired_nudge_coupons_are_deleted_nightly(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("expiring", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    connector = connector_for(store)
    issued = connector.issue_codes(
        SPEC, [CodeRequest(code=f"old-{n}") for n in range(3)], None
    ).issued
    now = datetime.now(UTC)
    with nudge.runtime.db.session() as session:
        for n, code in enumerate(issued):
            session.add(
                IssuedDiscount(
                    store_id=store.id,
                    idempotency_key=f"code:test-{n}",
                    code=code.code,
                    kind="percentage",
                    value=Decimal("10"),
                    status="issued",
                    platform_ref=code.platform_ref,
                    # Two long expired, one still inside the grace day.
                    expires_at=now - (timedelta(days=3) if n < 2 else timedelta(hours=2)),
                )
            )
        session.commit()
    assert expire_discount_codes() == 2
    remaining = {
        c["code"]
        for c in woo_sandbox.control("GET", "expiring/coupons")
        if c.get("status") != "trash"
    }
    assert remaining == {issued[2].code}
    with nudge.runtime.db.session() as session:
        statuses = sorted(session.scalars(select(IssuedDiscount.status)))
    assert statuses == ["deleted", "deleted", "issued"]
    # Deleting again (a missing coupon) is not an error.
    connector.delete_codes([issued[0].platform_ref])
