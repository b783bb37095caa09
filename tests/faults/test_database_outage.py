"""The database unreachable: webhooks answer 503 (so the platform retries them), in time, and
nothing is half-written; once the database is back the retried delivery is stored once.

Nudge reaches PostgreSQL through a TCP proxy the test controls (tests/faults/tcp_proxy.py): the
proxy refuses, black-holes or drops connections while the suite's own connection, used for the
assertions, goes straight to the server. SQLite (the embedded default) has no network to lose.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.db import Database
from app.db.models import Customer, InboundEvent
from tests.e2e.test_shopify_webhooks import signed_post
from tests.faults.support import SHOPIFY_TIMEOUT, FaultStack, customer_body, fault_stack
from tests.faults.tcp_proxy import TcpProxy
from workers.queues import ALL_QUEUES, JobQueues

pytestmark = pytest.mark.slow


@pytest.fixture
def proxied(
    settings, committed_db: Database, redis_client
) -> Iterator[tuple[FaultStack, TcpProxy]]:
    """The stack with Nudge's database connections going through a proxy."""
    url = make_url(settings.sqlalchemy_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs a network database (DATABASE_URL=postgresql://...)")
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxy_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        database = Database(proxy_url)
        try:
            with fault_stack(
                dataclasses.replace(settings, database_url=proxy_url), database
            ) as stack:
                yield stack, proxy
        finally:
            database.dispose()


def nothing_queued(stack: FaultStack) -> bool:
    return all(JobQueues(stack.redis).queue(name).count == 0 for name in ALL_QUEUES)


def stored(database: Database, model=InboundEvent) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def deliver(stack: FaultStack, event_id: str = "evt-outage"):
    """One Shopify delivery (a retry is the same delivery again)."""
    started = time.monotonic()
    response = signed_post(
        stack.shop,
        stack.domain,
        "customers/create",
        customer_body(1),
        **{"X-Shopify-Event-Id": event_id},
    )
    return response, time.monotonic() - started


def assert_retry_lands_once(stack: FaultStack, proxy: TcpProxy, committed_db: Database) -> None:
    proxy.restore()
    response, _ = deliver(stack)
    assert response.status_code == 200, response.text
    again, _ = deliver(stack)
    assert again.json()["status"] == "duplicate"
    code, output = stack.run_worker("inbound")
    assert code == 0, output
    with committed_db.session() as session:
        [event] = session.execute(select(InboundEvent)).scalars().all()
        assert event.status == "done"
    assert stored(committed_db, Customer) == 1


def test_a_refused_database_answers_503_and_the_retry_lands_once(proxied, committed_db) -> None:
    stack, proxy = proxied
    proxy.refuse()

    response, took = deliver(stack)

    assert response.status_code == 503, response.text
    assert took < SHOPIFY_TIMEOUT
    assert stored(committed_db) == 0 and nothing_queued(stack)
    assert_retry_lands_once(stack, proxy, committed_db)


def test_a_connection_lost_at_commit_writes_nothing(proxied, committed_db) -> None:
    stack, proxy = proxied
    proxy.drop_at_commit = True  # the INSERT reached the server; its COMMIT never does

    response, _ = deliver(stack)

    assert proxy.commits_dropped == 1
    assert response.status_code == 503, response.text
    assert stored(committed_db) == 0 and nothing_queued(stack)
    assert_retry_lands_once(stack, proxy, committed_db)


def test_an_unresponsive_database_answers_503_before_the_platform_gives_up(
    proxied, committed_db
) -> None:
    stack, proxy = proxied
    proxy.blackhole()  # a network partition: connections open, nothing ever answers

    response, took = deliver(stack)

    assert response.status_code == 503, response.text
    assert took < SHOPIFY_TIMEOUT
    assert stored(committed_db) == 0 and nothing_queued(stack)
    assert_retry_lands_once(stack, proxy, committed_db)
