"""The webhook route's insert on the real engine: `Database.autocommit_scalar`, on PostgreSQL run
straight on the driver (app/db/driver_statement.py), commits, leaves no pooled connection in
autocommit, and turns a driver error into SQLAlchemy's while dropping the connection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DataError

from app.core.inbox import accept_store_event
from app.db import Database
from app.db.models import InboundEvent
from tests.factories import make_store


@pytest.fixture
def one_connection(committed_db: Database) -> Iterator[Database]:
    """The same database through a pool of one connection, so each call reuses it."""
    database = Database(committed_db.url, pool_size=1)
    yield database
    database.dispose()


def test_store_event_is_committed_once_and_an_unknown_shop_is_none(committed_db) -> None:
    with committed_db.session_scope() as session:
        store = make_store(session, platform="shopify", domain="driver.myshopify.com")
        store_id = store.id
    fields = {
        "platform": "shopify",
        "domain": "driver.myshopify.com",
        "external_id": "orders/create:1",
        "topic": "orders/create",
        "body": '{"id": 1}',
        "headers": {"X-Shopify-Topic": "orders/create"},
    }

    first = accept_store_event(committed_db, **fields)
    again = accept_store_event(committed_db, **fields)
    unknown = accept_store_event(committed_db, **{**fields, "domain": "nope.myshopify.com"})

    assert first is not None and first.created
    assert again is not None and not again.created and again.event_id == first.event_id
    assert unknown is None
    with committed_db.session() as session:
        event = session.execute(select(InboundEvent)).scalar_one()
    assert event.id == first.event_id and event.store_id == store_id
    assert event.dedupe_key == f"inbound:shopify:{store_id}:orders/create:1"
    assert event.headers == {"X-Shopify-Topic": "orders/create"}
    assert isinstance(event.received_at, datetime) and event.status == "received"


def test_the_pooled_connection_is_not_left_in_autocommit(one_connection) -> None:
    if one_connection.dialect != "postgresql":
        pytest.skip("autocommit is PostgreSQL's")
    pid = one_connection.autocommit_scalar(text("SELECT pg_backend_pid()"), {})

    with one_connection.session() as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        session.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
        session.rollback()
        # Rolled back: had the connection stayed in autocommit, the table would exist.
        missing = session.execute(text("SELECT to_regclass('pg_temp.scratch')")).scalar()
    assert missing is None


def test_a_driver_error_is_sqlalchemys_and_the_connection_is_dropped(one_connection) -> None:
    if one_connection.dialect != "postgresql":
        pytest.skip("the driver path is PostgreSQL's")
    backend = text("SELECT pg_backend_pid()")
    pid = one_connection.autocommit_scalar(backend, {})
    assert one_connection.autocommit_scalar(backend, {}) == pid  # pooled, reused

    with pytest.raises(DataError):
        one_connection.autocommit_scalar(text("SELECT 1 / 0"), {})

    assert one_connection.autocommit_scalar(backend, {}) != pid
