"""Expiring tokens and throttling against the sandbox: refresh, one at a time, revocation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core import sync
from app.core.ports import AuthRevoked, RateLimited
from app.db.models import AuditEntry, Customer, Store
from tests.e2e.shopify_stack import ShopifyStack

pytestmark = pytest.mark.slow


def installed_with_customers(stack: ShopifyStack, handle: str, customers: int) -> str:
    domain = stack.create_shop(handle)
    for index in range(customers):
        stack.seed(domain, "customers", {"email": f"shopper{index}@example.com"})
    assert stack.open_app(domain).status_code == 200
    return domain


def backfill_customers(stack: ShopifyStack, domain: str, *, pages: int, connector=None) -> str:
    own = connector is None
    connector = connector or stack.connector(domain)
    try:
        with stack.database.session() as session:
            store = session.execute(select(Store).where(Store.domain == domain)).scalar_one()
            if "customers" not in store.sync_state:
                sync.start(session, store, ("customers",))
            # Like the jobs: no transaction stays open across a connector call (SQLite locks).
            session.commit()
            return sync.backfill(session, store, connector, "customers", max_pages=pages)
    finally:
        if own:
            connector.close()


def customer_count(stack: ShopifyStack) -> int:
    with stack.database.session() as session:
        return session.execute(select(func.count()).select_from(Customer)).scalar_one()


def credentials(stack: ShopifyStack, domain: str) -> dict:
    store = stack.store(domain)
    assert store is not None
    return store.get_credentials(stack.runtime.cipher)


def test_a_token_expiring_mid_sync_is_refreshed_and_the_sync_completes(stack: ShopifyStack):
    domain = installed_with_customers(stack, "expiring", 230)
    before = credentials(stack, domain)
    assert backfill_customers(stack, domain, pages=1) == "more"
    assert customer_count(stack) == 100

    stack.sandbox_call("POST", f"/shops/{domain}/tokens/expire", json={})
    assert backfill_customers(stack, domain, pages=10) == "done"

    assert customer_count(stack) == 230
    assert stack.operation_count(domain, "http 401") == 1
    assert stack.operation_count(domain, "oauth refresh_token") == 1
    after = credentials(stack, domain)
    # The rotated pair was saved: both tokens changed, and the new expiry is in the future.
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert datetime.fromisoformat(after["expires_at"]) > datetime.now(UTC)
    assert stack.store(domain).status == "active"


def test_a_token_about_to_expire_is_refreshed_before_the_call(stack: ShopifyStack):
    domain = installed_with_customers(stack, "soon", 3)
    with stack.database.session() as session:
        store = session.execute(select(Store).where(Store.domain == domain)).scalar_one()
        data = store.get_credentials(stack.runtime.cipher)
        soon = datetime.now(UTC) + timedelta(minutes=2)
        data["expires_at"] = soon.strftime("%Y-%m-%dT%H:%M:%SZ")
        store.set_credentials(stack.runtime.cipher, data)
        session.commit()
    assert backfill_customers(stack, domain, pages=5) == "done"
    assert stack.operation_count(domain, "oauth refresh_token") == 1
    assert stack.operation_count(domain, "http 401") == 0


def test_concurrent_workers_refresh_once(stack: ShopifyStack):
    domain = installed_with_customers(stack, "racing", 1)
    stack.sandbox_call("POST", f"/shops/{domain}/tokens/expire", json={})
    connectors = [stack.connector(domain) for _ in range(4)]
    start = threading.Barrier(len(connectors))
    names: list[str] = []
    errors: list[BaseException] = []

    def work(connector) -> None:
        start.wait()
        try:
            names.append(connector.fetch_shop().name)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(c,)) for c in connectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for connector in connectors:
        connector.close()
    assert not errors, errors
    assert names == ["Racing"] * 4
    assert stack.operation_count(domain, "oauth refresh_token") == 1


def test_revoked_access_disconnects_the_store_until_the_merchant_reopens_the_app(
    stack: ShopifyStack,
):
    domain = installed_with_customers(stack, "revoked", 1)
    stack.sandbox_call("POST", f"/shops/{domain}/tokens/revoke", json={})
    with stack.connector(domain) as connector, pytest.raises(AuthRevoked):
        connector.fetch_shop()
    store = stack.store(domain)
    assert store is not None and store.status == "disconnected"
    assert store.credentials_encrypted is None
    with stack.database.session() as session:
        assert session.execute(
            select(AuditEntry).where(AuditEntry.action == "store.disconnected")
        ).scalar_one()

    assert stack.open_app(domain).status_code == 200  # token exchange again
    assert stack.store(domain).status == "active"
    with stack.connector(domain) as connector:
        assert connector.fetch_shop().domain == domain


def test_throttling_slows_the_sync_without_failing_it(stack: ShopifyStack):
    domain = installed_with_customers(stack, "busy", 250)
    # A small bucket that refills fast: each 502-point page must wait for the next.
    stack.sandbox_call("POST", "/settings", json={"bucket_size": 600, "restore_rate": 400})
    with stack.connector(domain) as connector:
        connector.fetch_shop()  # warm: the next call follows the emptied bucket at once
        stack.sandbox_call("POST", f"/shops/{domain}/throttle", json={"currently_available": 0})
        assert backfill_customers(stack, domain, pages=10, connector=connector) == "done"
        waited = connector.api.pacer.waited
    assert customer_count(stack) == 250
    assert stack.operation_count(domain, "throttled") >= 1  # refused once, then retried
    assert waited > 0  # the pacer held later pages back instead of being refused


def test_http_429_waits_briefly_or_hands_back_to_the_queue(stack: ShopifyStack):
    domain = installed_with_customers(stack, "crowded", 1)
    stack.sandbox_call("POST", f"/shops/{domain}/faults", json={"http_429": 2, "retry_after": 1})
    with stack.connector(domain) as connector:
        assert connector.fetch_shop().domain == domain
    assert stack.operation_count(domain, "http 429") == 2

    stack.sandbox_call("POST", f"/shops/{domain}/faults", json={"http_429": 1, "retry_after": 90})
    with stack.connector(domain) as connector, pytest.raises(RateLimited) as raised:
        connector.fetch_shop()
    assert raised.value.retry_after == 90
