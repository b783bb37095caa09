"""Orders credited to messages (code beats click, windows), revenue per step, holdout lift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.attribution import (
    AttributionWindows,
    attribute_order,
    revenue_by_recipe,
    revenue_by_step,
    windows_for,
)
from app.core.events import EventRouter
from app.core.lift import holdout_lift
from app.core.values import CustomerData, OrderData, OrderUpserted
from app.db.models import Attribution, Customer, IssuedDiscount, Message, Order, Store
from tests.factories import make_store
from workers.handlers import build_router

PLACED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
EMAIL = "ada@example.com"


@pytest.fixture
def store(session: Session) -> Store:
    return make_store(session)


@pytest.fixture
def customer(session: Session, store: Store) -> Customer:
    customer = Customer(store_id=store.id, platform_id="1001", email=EMAIL, first_name="Ada")
    session.add(customer)
    session.flush()
    return customer


def message(
    session: Session,
    store: Store,
    customer: Customer | None,
    *,
    recipe: str = "abandoned_cart",
    step: int = 0,
    sent_at: datetime | None = None,
    clicked_at: datetime | None = None,
    discount: IssuedDiscount | None = None,
    status: str = "sent",
    created_at: datetime | None = None,
) -> Message:
    row = Message(
        store_id=store.id,
        idempotency_key=f"message:{recipe}-{session.info.setdefault('n', 0) + 1}:{step}",
        customer_id=customer.id if customer else None,
        recipe=recipe,
        step=step,
        to_email=customer.email if customer else EMAIL,
        status=status,
        sent_at=sent_at,
        clicked_at=clicked_at,
        discount_id=discount.id if discount else None,
        created_at=created_at or sent_at or PLACED - timedelta(days=1),
    )
    session.info["n"] = session.info.get("n", 0) + 1
    session.add(row)
    session.flush()
    return row


def place_order(
    session: Session,
    store: Store,
    *,
    platform_id: str = "5001",
    codes: tuple[str, ...] = (),
    total: str = "120.00",
    placed_at: datetime = PLACED,
    email: str = EMAIL,
    customer_id: str | None = "1001",
    **changes: object,
) -> Attribution | None:
    """Ingest an order event through the router with the attribution listener."""
    customer = CustomerData(platform_id=customer_id, email=email) if customer_id else None
    order = OrderData(
        platform_id=platform_id,
        placed_at=placed_at,
        email=email,
        customer=customer,
        total_price=Decimal(total),
        discount_codes=codes,
        financial_status="paid",
        updated_at=changes.pop("updated_at", placed_at),
        **changes,  # type: ignore[arg-type]
    )
    EventRouter(listeners=[attribute_order]).ingest(session, store, [OrderUpserted(order)])
    return session.scalar(
        select(Attribution)
        .join(Order, Order.id == Attribution.order_id)
        .where(Order.store_id == store.id, Order.platform_id == platform_id)
    )


def issued_code(session: Session, store: Store, customer: Customer, code: str) -> IssuedDiscount:
    discount = IssuedDiscount(
        store_id=store.id,
        idempotency_key=f"code:{code}",
        customer_id=customer.id,
        recipe="abandoned_cart",
        code=code,
        kind="percentage",
        value=Decimal("10"),
        status="issued",
    )
    session.add(discount)
    session.flush()
    return discount


def test_the_router_has_the_attribution_listener() -> None:
    assert attribute_order in build_router().listeners


def test_an_order_within_5_days_of_a_click_is_credited_to_that_message(
    session: Session, store: Store, customer: Customer
) -> None:
    message(
        session,
        store,
        customer,
        step=0,
        sent_at=PLACED - timedelta(days=6),
        clicked_at=PLACED - timedelta(days=5, hours=-1),
    )
    last = message(
        session,
        store,
        customer,
        step=1,
        sent_at=PLACED - timedelta(days=2),
        clicked_at=PLACED - timedelta(days=1),
    )
    credit = place_order(session, store)
    assert credit is not None
    assert (credit.message_id, credit.recipe, credit.step, credit.reason) == (
        last.id,
        "abandoned_cart",
        1,
        "click",
    )
    assert credit.revenue == Decimal("120.00") and credit.customer_id == customer.id


def test_an_order_6_days_after_the_click_is_not_credited(
    session: Session, store: Store, customer: Customer
) -> None:
    message(
        session,
        store,
        customer,
        sent_at=PLACED - timedelta(days=7),
        clicked_at=PLACED - timedelta(days=6),
    )
    assert place_order(session, store) is None


def test_a_click_after_the_order_or_a_mere_open_earns_nothing(
    session: Session, store: Store, customer: Customer
) -> None:
    message(
        session,
        store,
        customer,
        sent_at=PLACED - timedelta(hours=5),
        clicked_at=PLACED + timedelta(minutes=5),
    )
    message(session, store, customer, step=1, sent_at=PLACED - timedelta(hours=2))
    assert place_order(session, store) is None


def test_the_code_wins_over_a_later_click_and_is_marked_redeemed(
    session: Session, store: Store, customer: Customer
) -> None:
    code = issued_code(session, store, customer, "SAVE-7KQ2M9")
    with_code = message(
        session, store, customer, step=1, sent_at=PLACED - timedelta(days=2), discount=code
    )
    message(
        session,
        store,
        customer,
        recipe="product_interest",
        sent_at=PLACED - timedelta(hours=3),
        clicked_at=PLACED - timedelta(hours=1),
    )
    # WooCommerce lowercases codes; the order reports it that way.
    credit = place_order(session, store, codes=("save-7kq2m9",))
    assert credit is not None
    assert (credit.message_id, credit.reason, credit.recipe, credit.step) == (
        with_code.id,
        "code",
        "abandoned_cart",
        1,
    )
    session.refresh(code)
    assert code.status == "redeemed" and code.redeemed_order_id == credit.order_id


def test_a_repeated_or_updated_order_is_credited_once_with_current_revenue(
    session: Session, store: Store, customer: Customer
) -> None:
    message(
        session,
        store,
        customer,
        sent_at=PLACED - timedelta(days=1),
        clicked_at=PLACED - timedelta(hours=20),
    )
    first = place_order(session, store)
    place_order(session, store)  # the same webhook again
    place_order(session, store, total="80.00", updated_at=PLACED + timedelta(days=1))  # refund
    rows = session.scalars(select(Attribution)).all()
    assert len(rows) == 1 and first is not None
    assert rows[0].id == first.id and rows[0].revenue == Decimal("80.00")


def test_a_guest_order_is_matched_by_email(session: Session, store: Store) -> None:
    message(
        session,
        store,
        None,
        sent_at=PLACED - timedelta(days=1),
        clicked_at=PLACED - timedelta(hours=3),
    )
    credit = place_order(session, store, customer_id=None, email="ADA@example.com")
    assert credit is not None and credit.reason == "click"


def test_windows_are_store_settings(session: Session, store: Store, customer: Customer) -> None:
    store.settings = {"attribution_window_days": 7}
    message(
        session,
        store,
        customer,
        sent_at=PLACED - timedelta(days=7),
        clicked_at=PLACED - timedelta(days=6),
    )
    assert place_order(session, store) is not None
    store.settings = {"attribution_window_days": 0}
    message(
        session,
        store,
        customer,
        sent_at=PLACED - timedelta(days=1),
        clicked_at=PLACED - timedelta(hours=1),
    )
    assert place_order(session, store, platform_id="5002") is None


@pytest.mark.parametrize(
    "stored",
    [
        {"attribution_window_days": "five"},
        {"attribution_code_window_days": -1},
        {"attribution_window_days": 500},
    ],
)
def test_invalid_stored_windows_fall_back_to_the_defaults(store: Store, stored: dict) -> None:
    store.settings = stored
    assert windows_for(store) == AttributionWindows(timedelta(days=5), timedelta(days=30))


def test_revenue_per_recipe_and_step_over_a_period(
    session: Session, store: Store, customer: Customer
) -> None:
    code = issued_code(session, store, customer, "BDAY-15")
    message(
        session,
        store,
        customer,
        recipe="birthday",
        sent_at=PLACED - timedelta(days=3),
        discount=code,
    )
    place_order(session, store, platform_id="1", codes=("BDAY-15",), total="50.00")
    message(
        session, store, customer, step=1, sent_at=PLACED, clicked_at=PLACED + timedelta(hours=1)
    )
    place_order(
        session, store, platform_id="2", total="30.00", placed_at=PLACED + timedelta(hours=2)
    )
    place_order(
        session, store, platform_id="3", total="20.00", placed_at=PLACED + timedelta(hours=3)
    )
    place_order(
        session,
        store,
        platform_id="4",
        total="999.00",
        placed_at=PLACED + timedelta(hours=4),
        cancelled_at=PLACED + timedelta(hours=5),
    )
    place_order(
        session, store, platform_id="5", total="70.00", placed_at=PLACED + timedelta(days=20)
    )

    steps = revenue_by_step(session, store, PLACED - timedelta(days=1), PLACED + timedelta(days=7))
    assert [(s.recipe, s.step, s.orders, s.revenue, s.by_code, s.by_click) for s in steps] == [
        ("abandoned_cart", 1, 2, Decimal("50.000"), 0, 2),
        ("birthday", 0, 1, Decimal("50.000"), 1, 0),
    ]
    totals = revenue_by_recipe(
        session, store, PLACED - timedelta(days=1), PLACED + timedelta(days=30)
    )
    assert totals["abandoned_cart"].orders == 2 and totals["abandoned_cart"].revenue == Decimal(
        "50.000"
    )
    other = make_store(session)
    assert (
        revenue_by_step(session, other, PLACED - timedelta(days=30), PLACED + timedelta(days=30))
        == []
    )


def test_holdout_lift_on_a_constructed_audience(session: Session, store: Store) -> None:
    start, end = PLACED - timedelta(days=10), PLACED + timedelta(days=10)
    sent_at = PLACED - timedelta(days=2)

    def audience(count: int, status: str, converters: int, recipe: str = "abandoned_cart") -> None:
        for number in range(count):
            person = Customer(
                store_id=store.id,
                platform_id=f"{recipe}-{status}-{number}",
                email=f"{recipe}{status}{number}@example.com",
            )
            session.add(person)
            session.flush()
            message(
                session,
                store,
                person,
                recipe=recipe,
                status=status,
                sent_at=sent_at if status in ("delivered", "clicked") else None,
                created_at=sent_at,
            )
            if number < converters:
                place_order(
                    session,
                    store,
                    platform_id=f"o-{person.platform_id}",
                    customer_id=person.platform_id,
                    email=person.email or "",
                    placed_at=sent_at + timedelta(days=1),
                )

    audience(10, "delivered", 3)  # treated: 3 of 10 ordered within 5 days
    audience(5, "held_out", 1)  # holdout: 1 of 5
    audience(2, "failed", 2)  # never sent nor held out: in neither group
    audience(4, "clicked", 1, recipe="cross_sell")  # no holdout yet
    late = Customer(store_id=store.id, platform_id="late", email="late@example.com")
    session.add(late)
    session.flush()
    message(session, store, late, status="held_out", created_at=sent_at)
    place_order(
        session,
        store,
        platform_id="o-late",
        customer_id="late",
        email="late@example.com",
        placed_at=sent_at + timedelta(days=6),
    )
    before = Customer(store_id=store.id, platform_id="before", email="before@example.com")
    session.add(before)
    session.flush()
    message(session, store, before, status="held_out", created_at=sent_at)
    place_order(
        session,
        store,
        platform_id="o-before",
        customer_id="before",
        email="before@example.com",
        placed_at=sent_at - timedelta(hours=1),
    )

    cart, cross = holdout_lift(session, store, start, end)
    assert cart.recipe == "abandoned_cart"
    assert (cart.treated.customers, cart.treated.converted) == (10, 3)
    assert (cart.holdout.customers, cart.holdout.converted) == (7, 1)  # + late and before
    assert cart.treated.rate == pytest.approx(0.3) and cart.holdout.rate == pytest.approx(1 / 7)
    assert cart.relative_lift == pytest.approx((0.3 - 1 / 7) / (1 / 7))
    assert cart.rate_difference == pytest.approx(0.3 - 1 / 7)
    assert (cross.treated.customers, cross.treated.converted, cross.holdout.customers) == (4, 1, 0)
    assert cross.holdout.rate is None and cross.relative_lift is None
    # A longer window catches the late holdout order.
    cart7, _ = holdout_lift(session, store, start, end, conversion_window=timedelta(days=7))
    assert cart7.holdout.converted == 2
