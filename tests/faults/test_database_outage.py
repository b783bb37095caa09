"""The database unreachable: webhooks answer 503 (so the platform retries them), in time, and
nothing is half-written; once the database is back the retried delivery is stored once.

Nudge reaches PostgreSQL through a TCP proxy the test controls (tests/faults/tcp_proxy.py): the
proxy refuses, black-holes or drops connections while the suite's own connection, used for the
assertions, goes straight to the server. SQLite (the embedded default) has no network to lose.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.db import Database
from app.db.models import Customer, InboundEvent
from tests.e2e.test_shopify_webhooks import signed_post
from tests.faults.support import (
    SHOPIFY_TIMEOUT,
    FaultStack,
    age_events,
    customer_body,
    fault_stack,
    run_clock,
)
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
    """The platform's retry is answered 200 and the event is applied exactly once (a stored
    event whose first delivery got a 503 is queued by the clock's sweep)."""
    proxy.restore()
    response, _ = deliver(stack)
    assert response.status_code == 200, response.text
    again, _ = deliver(stack)
    assert again.json()["status"] == "duplicate"
    age_events(stack, timedelta(minutes=3))
    code, output = run_clock(stack, "requeue_stalled_events")
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


def test_a_connection_lost_mid_write_leaves_a_whole_event_or_none(proxied, committed_db) -> None:
    stack, proxy = proxied
    # The server receives the INSERT; Nudge never hears back (whether it committed is unknown).
    proxy.drop_after = b"INSERT INTO inbound_events"

    response, _ = deliver(stack)

    assert proxy.dropped == 1
    assert response.status_code == 503, response.text
    with committed_db.session() as session:
        events = session.execute(select(InboundEvent)).scalars().all()
        assert len(events) <= 1
        for event in events:  # if it was written, it was written whole
            assert json.loads(event.body) == json.loads(customer_body(1))
            assert event.external_id == "customers/create:evt-outage"
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
