"""A customer deleted in Shopify (customers/delete through POST /webhooks/shopify) is erased by
the privacy erasure: no personal data left, anonymous rows kept, audited; also while the store
is disconnected (revoked token), because erasure is a duty, not marketing work."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.db.models import AuditEntry, Cart, Customer, InboundEvent, Store
from tests.e2e.shopify_stack import ShopifyStack

pytestmark = pytest.mark.slow


def shopper_with_checkout(stack: ShopifyStack, domain: str, email: str, variant: int) -> int:
    customer = stack.seed(
        domain,
        "customers",
        {
            "email": email,
            "first_name": "Gone",
            "last_name": "Soon",
            "email_marketing_consent": {"state": "subscribed"},
        },
    )
    stack.seed(
        domain,
        "checkouts",
        {
            "email": email,
            "customer_id": customer["id"],
            "line_items": [{"variant_id": variant, "quantity": 1}],
        },
    )
    return int(customer["id"])


def assert_erased(stack: ShopifyStack, email: str) -> None:
    with stack.database.session() as session:
        assert session.execute(select(Customer).where(Customer.email == email)).first() is None
        assert session.execute(select(Cart).where(Cart.email == email)).first() is None
        bodies = session.execute(select(InboundEvent.body)).scalars().all()
        assert bodies and not any(email in (body or "") for body in bodies)
        deletions = session.execute(
            select(InboundEvent.status).where(InboundEvent.topic == "customers/delete")
        ).scalars()
        assert set(deletions) == {"done"}


def test_a_customer_deleted_in_shopify_is_erased(stack: ShopifyStack):
    domain = stack.create_shop("forgetful")
    product = stack.seed(domain, "products", {"title": "Cup", "variants": [{"price": "9"}]})
    variant = product["variants"][0]["id"]
    assert stack.open_app(domain).status_code == 200
    stack.settle()
    first = shopper_with_checkout(stack, domain, "gone@example.com", variant)
    stack.settle()
    with stack.database.session() as session:
        mirrored = session.execute(
            select(Customer).where(Customer.platform_id == str(first))
        ).scalar_one()
        assert (mirrored.email, mirrored.first_name) == ("gone@example.com", "Gone")

    stack.sandbox_call("DELETE", f"/shops/{domain}/customers/{first}")
    stack.settle()

    assert_erased(stack, "gone@example.com")
    with stack.database.session() as session:
        tombstone = session.get(Customer, mirrored.id)
        assert tombstone is not None and tombstone.consent == "redacted"
        assert (tombstone.first_name, tombstone.last_name) == (None, None)
        assert session.execute(select(Cart)).scalar_one().customer_id == mirrored.id
        audit = session.execute(
            select(AuditEntry).where(AuditEntry.action == "privacy.customer_erased")
        ).scalar_one()
        assert audit.detail["reason"] == "deleted_on_platform"
        assert "gone@example.com" not in str(audit.subject)

    # The shop revoked Nudge's token (store disconnected): deletions are still erased.
    second = shopper_with_checkout(stack, domain, "later@example.com", variant)
    stack.settle()
    with stack.database.session() as session:
        session.execute(update(Store).values(status="disconnected"))
        session.commit()
    stack.sandbox_call("DELETE", f"/shops/{domain}/customers/{second}")
    stack.settle()
    assert_erased(stack, "later@example.com")
