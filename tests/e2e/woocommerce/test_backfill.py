"""The initial backfill pages through the store and resumes where it stopped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.ports import AuthRevoked, Transient
from app.db.models import AuditEntry, Customer, Store
from connectors.woocommerce.client import WooClient
from tests.e2e.woocommerce.conftest import connect_through_wc_auth
from workers.woocommerce import woocommerce_maintain
from workers.woocommerce_state import woo_state
from workers.woocommerce_sync import woocommerce_backfill


def test_an_interrupted_backfill_resumes_from_its_saved_cursor(
    nudge, woo_sandbox, monkeypatch
) -> None:
    shop = woo_sandbox.create_store("many", auto_approve=True)
    for n in range(230):
        woo_sandbox.control("POST", "many/customers", json={"email": f"c{n:03d}@example.com"})
    original = WooClient.page
    calls: list[tuple[str, int]] = []

    def drop_customers_page_two_once(self, endpoint, params, page):
        calls.append((endpoint, page))
        if endpoint == "customers" and page == 2 and calls.count(("customers", 2)) == 1:
            raise Transient("connection reset (simulated)")
        return original(self, endpoint, params, page)

    monkeypatch.setattr(WooClient, "page", drop_customers_page_two_once)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])  # its backfill fails

    with nudge.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 100
        progress = woo_state(session.get_one(Store, store.id))["backfill"]
    assert progress["customers"] == {"cursor": "2", "done": False}
    assert progress["products"]["done"] is True

    counts = woocommerce_backfill(store.id)  # the retry
    assert counts["customers"] == 130 and counts["products"] == 0  # products were done
    assert calls.count(("customers", 1)) == 1  # page 1 was not read again
    with nudge.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 230
        progress = woo_state(session.get_one(Store, store.id))["backfill"]
    assert all(progress[name]["done"] for name in ("products", "customers", "orders", "carts"))


def test_revoked_keys_mark_the_store_disconnected(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("revoked", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    for key in woo_sandbox.control("GET", "revoked/api-keys"):
        woo_sandbox.control("DELETE", f"revoked/api-keys/{key['key_id']}")
    with pytest.raises(AuthRevoked):
        woocommerce_maintain(store.id)
    with nudge.runtime.db.session() as session:
        assert session.get_one(Store, store.id).status == "disconnected"
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.store_id == store.id))
        )
    assert "woocommerce.keys_revoked" in actions
