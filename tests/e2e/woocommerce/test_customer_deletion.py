"""A customer deleted in WooCommerce (customer.deleted through POST /webhooks/woocommerce/<key>)
is erased by the privacy erasure, also while the store is disconnected."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.db.models import AuditEntry, Customer, InboundEvent, Order, Store
from tests.e2e.woocommerce.conftest import connect_through_wc_auth

pytestmark = pytest.mark.slow


def erased(nudge, email: str) -> bool:
    with nudge.runtime.db.session() as session:
        if session.execute(select(Customer).where(Customer.email == email)).first():
            return False
        if session.execute(select(Order).where(Order.email == email)).first():
            return False
        bodies = session.execute(select(InboundEvent.body)).scalars().all()
        return not any(email in (body or "") for body in bodies)


def deletions(nudge) -> list[tuple[str, str]]:
    with nudge.runtime.db.session() as session:
        rows = session.execute(
            select(InboundEvent.topic, InboundEvent.status).where(
                InboundEvent.topic == "customer.deleted"
            )
        )
        return [tuple(row) for row in rows]


def test_a_customer_deleted_in_woocommerce_is_erased(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("forgetful", auto_approve=True)
    shirt = woo_sandbox.control(
        "POST", "forgetful/products", json={"name": "Shirt", "regular_price": "20.00"}
    )
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    ann = woo_sandbox.control(
        "POST",
        "forgetful/customers",
        json={"email": "ann@example.com", "first_name": "Ann", "birthday": "1990-07-14"},
    )
    woo_sandbox.control(
        "POST",
        "forgetful/orders",
        json={"customer_id": ann["id"], "line_items": [{"product_id": shirt["id"]}]},
    )
    woo_sandbox.drain()
    nudge.run_jobs()
    with nudge.runtime.db.session() as session:
        mirrored = session.execute(
            select(Customer).where(Customer.email == "ann@example.com")
        ).scalar_one()
        assert mirrored.birth_month == 7
        assert session.execute(select(Order.customer_id)).scalar_one() == mirrored.id

    woo_sandbox.control("DELETE", f"forgetful/customers/{ann['id']}")
    woo_sandbox.drain()
    nudge.run_jobs()

    assert deletions(nudge) == [("customer.deleted", "done")]
    assert erased(nudge, "ann@example.com")
    with nudge.runtime.db.session() as session:
        tombstone = session.get(Customer, mirrored.id)
        assert tombstone is not None and tombstone.consent == "redacted"
        assert (tombstone.first_name, tombstone.birth_month) == (None, None)
        order = session.execute(select(Order)).scalar_one()
        assert order.customer_id == mirrored.id and order.total_price > 0  # aggregates kept
        audit = session.execute(
            select(AuditEntry).where(AuditEntry.action == "privacy.customer_erased")
        ).scalar_one()
        assert audit.detail["reason"] == "deleted_on_platform"

    # The store's keys stopped working (disconnected); its webhooks still arrive, signed.
    bob = woo_sandbox.control("POST", "forgetful/customers", json={"email": "bob@example.com"})
    woo_sandbox.drain()
    nudge.run_jobs()
    with nudge.runtime.db.session() as session:
        session.execute(update(Store).where(Store.id == store.id).values(status="disconnected"))
        session.commit()
    woo_sandbox.control("DELETE", f"forgetful/customers/{bob['id']}")
    woo_sandbox.drain()
    nudge.run_jobs()
    assert erased(nudge, "bob@example.com")
    assert [status for _topic, status in deletions(nudge)] == ["done", "done"]
