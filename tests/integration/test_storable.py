"""Rows are stored alike on PostgreSQL and SQLite: text cleaned and cut, bad numbers refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.db.base import utcnow
from app.db.models import Customer, Order
from app.db.storable import UnstorableValue, clean_document, clean_text
from tests.factories import make_store


def test_text_loses_nul_and_lone_surrogates_and_is_cut_to_its_column(session) -> None:
    store = make_store(session)
    customer = Customer(
        store_id=store.id,
        platform_id="1\x002",
        email="ada@example.com",
        first_name="A" * 300,
        last_name="Love\ud800lace",
        tags=["vip\x00", {"k\x00": "v\x00"}],
    )
    session.add(customer)
    session.commit()
    session.expire_all()
    stored = session.get(Customer, customer.id)
    assert stored.platform_id == "12"
    assert stored.first_name == "A" * 255
    assert "\ud800" not in stored.last_name and stored.last_name.startswith("Love")
    assert stored.tags == ["vip", {"k": "v"}]


@pytest.mark.parametrize(
    ("column", "value"),
    [("orders_count", 2**31), ("orders_count", -(2**31) - 1), ("total_spent", Decimal("1e12"))],
)
def test_numbers_out_of_range_are_refused_naming_the_column(session, column, value) -> None:
    store = make_store(session)
    session.add(Customer(store_id=store.id, email="ada@example.com", **{column: value}))
    with pytest.raises(UnstorableValue, match=f"customers.{column}"):
        session.flush()
    session.rollback()


def test_a_nan_price_is_refused(session) -> None:
    store = make_store(session)
    session.add(
        Order(store_id=store.id, platform_id="1", placed_at=utcnow(), total_price=Decimal("NaN"))
    )
    with pytest.raises(UnstorableValue, match="orders.total_price"):
        session.flush()
    session.rollback()


def test_cleaning_leaves_ordinary_values_alone() -> None:
    assert clean_text("Zoë 😀 O'Brien") == "Zoë 😀 O'Brien"
    document = {"a": [1, 2.5, None, True, "x"]}
    assert clean_document(document) == document
