"""Product interest, cross-sell and birthday through the real router, engine and database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.enrollment import _birthday_candidates, scan_birthdays
from app.core.values import Birthday, CustomerData, CustomerUpserted
from tests.factories import make_store
from tests.integration.engine_support import (
    T0,
    Engine,
    cart,
    customer_data,
    line,
    order,
    product,
    view,
)

ADA = customer_data(1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def catalog(engine: Engine) -> None:
    engine.ingest(
        product("p-shoe", collections=("trail",)),
        product("p-sock", collections=("trail",)),
        product("p-lace", collections=("trail",)),
        product("p-cap", collections=("hats",)),
        product("p-gone", collections=("trail",), stock=0),
        product("p-plain", collections=("trail",), image=None),
        product("p-draft", collections=("trail",), status="draft"),
        at=T0 - timedelta(days=40),
    )


# --- Product interest -------------------------------------------------------------------------


def interest_engine(session, **settings) -> Engine:
    engine = Engine(session, make_store(session))
    engine.enable("product_interest", holdout_percent=0, **settings)
    catalog(engine)
    engine.ingest(CustomerUpserted(ADA), at=T0 - timedelta(days=1))
    return engine


def twice(engine: Engine, who, pid: str, at: datetime) -> None:
    """Two views an hour apart, each ingested when it happens."""
    engine.ingest(view(who, pid, at), at=at)
    engine.ingest(view(who, pid, at + timedelta(hours=1)), at=at + timedelta(hours=1))


def test_two_views_then_one_email_four_hours_after_the_last(session) -> None:
    engine = interest_engine(session, discount_enabled=True)
    engine.ingest(view(ADA, "p-shoe", T0), at=T0)
    assert engine.enrollments() == []
    second = T0 + timedelta(hours=2)
    engine.ingest(view(ADA, "p-shoe", second), at=second)
    [enrollment] = engine.enrollments()
    assert enrollment.next_run_at == second + timedelta(hours=4)
    third = T0 + timedelta(hours=3)
    engine.ingest(view(ADA, "p-shoe", third), at=third)
    assert engine.enrollments()[0].next_run_at == third + timedelta(hours=4)

    engine.run_until(third + timedelta(hours=3, minutes=59))
    assert engine.sender.sent == []
    engine.run_until(third + timedelta(hours=4))
    [email] = engine.sender.sent
    context = engine.renderer.contexts[0]
    titles = [p.title for p in context.products]
    assert titles[0] == "Shoe" and 1 < len(titles) <= 4
    assert not {"Gone", "Plain", "Draft"} & set(titles)
    assert all(p.reason for p in context.products[1:])
    [(_name, (spec, _codes, _parent))] = [
        c for c in engine.connector.calls if c[0] == "issue_codes"
    ]
    assert spec.product_platform_ids == ("p-shoe",)
    assert context.code and context.code.startswith("LOOK-")


def test_views_by_an_anonymous_visitor_count_once_they_identify(session) -> None:
    engine = interest_engine(session)
    anonymous = view(ADA, "p-shoe", T0)
    from app.core.values import ProductViewData, ProductViewed

    early = ProductViewed(
        ProductViewData(
            visitor_id="v-c1", product_platform_id="p-shoe", viewed_at=T0 - timedelta(hours=1)
        )
    )
    engine.ingest(early, at=T0 - timedelta(hours=1))
    assert engine.enrollments() == []
    engine.ingest(anonymous, at=T0)
    assert len(engine.enrollments()) == 1


def test_carting_the_product_exits_and_a_recent_purchase_prevents_it(session) -> None:
    engine = interest_engine(session)
    twice(engine, ADA, "p-shoe", T0)
    carted = T0 + timedelta(hours=2)
    engine.ingest(cart("tok-1", ADA, carted, lines=(line("p-shoe"),)), at=carted)
    [enrollment] = engine.enrollments()
    assert enrollment.exit_reason == "carted"

    bob = customer_data(2)
    engine.ingest(order("1001", bob, T0 - timedelta(days=3), products=("p-sock",)), at=T0)
    twice(engine, bob, "p-sock", T0)
    assert [e.customer_id for e in engine.enrollments()] == [enrollment.customer_id]


def test_at_most_one_per_product_per_30_days(session) -> None:
    engine = interest_engine(session)
    twice(engine, ADA, "p-shoe", T0)
    engine.run_until(T0 + timedelta(hours=6))
    assert len(engine.sender.sent) == 1
    again = T0 + timedelta(days=10)
    twice(engine, ADA, "p-shoe", again)
    assert len(engine.enrollments()) == 1
    twice(engine, ADA, "p-cap", again)
    assert len(engine.enrollments()) == 2
    later = T0 + timedelta(days=31)
    twice(engine, ADA, "p-shoe", later)
    assert len(engine.enrollments()) == 3


# --- Cross-sell -------------------------------------------------------------------------------


def cross_engine(session) -> Engine:
    engine = Engine(session, make_store(session))
    catalog(engine)
    # Store history: shoes are often bought with laces, sometimes with socks.
    for number in range(5):
        buyer = customer_data(100 + number)
        products = ("p-shoe", "p-lace") if number < 3 else ("p-shoe", "p-sock")
        engine.ingest(
            order(f"h{number}", buyer, T0 - timedelta(days=20), products=products),
            at=T0 - timedelta(days=20),
        )
    engine.enable("cross_sell", holdout_percent=0)
    return engine


def test_cross_sell_a_week_after_payment_with_reasons(session) -> None:
    engine = cross_engine(session)
    engine.ingest(order("2001", ADA, T0, products=("p-shoe",)), at=T0)
    [enrollment] = engine.enrollments()
    assert enrollment.next_run_at == T0 + timedelta(days=7)
    engine.run_until(T0 + timedelta(days=7))
    [email] = engine.sender.sent
    products = engine.renderer.contexts[0].products
    assert products[0].title == "Lace"  # bought with shoes most often
    assert products[0].reason == "Because you bought Shoe"
    assert products[1].title == "Sock"
    titles = {p.title for p in products}
    assert "Shoe" not in titles and not {"Gone", "Plain", "Draft"} & titles
    assert len(products) <= 4


def test_never_recommends_what_the_customer_already_bought(session) -> None:
    engine = cross_engine(session)
    engine.ingest(
        order("1999", ADA, T0 - timedelta(days=60), products=("p-lace",)),
        at=T0 - timedelta(days=60),
    )
    engine.ingest(order("2001", ADA, T0, products=("p-shoe",)), at=T0)
    engine.run_until(T0 + timedelta(days=61))
    contexts = [c for c in engine.renderer.contexts if c.to_email == ADA.email]
    assert contexts and all("Lace" not in {p.title for p in c.products} for c in contexts)


def test_a_refund_exits_the_cross_sell(session) -> None:
    engine = cross_engine(session)
    engine.ingest(order("2001", ADA, T0), at=T0)
    refunded = order(
        "2001", ADA, T0, financial_status="refunded", updated_at=T0 + timedelta(days=2)
    )
    engine.ingest(refunded, at=T0 + timedelta(days=2))
    assert engine.enrollments()[0].exit_reason == "order_refunded"
    engine.run_until(T0 + timedelta(days=8))
    assert engine.sender.sent == []


def test_an_unpaid_order_does_not_enroll_until_paid(session) -> None:
    engine = cross_engine(session)
    engine.ingest(order("2001", ADA, T0, financial_status="pending", paid_at=None), at=T0)
    assert engine.enrollments() == []
    paid = order(
        "2001", ADA, T0, paid_at=T0 + timedelta(hours=5), updated_at=T0 + timedelta(hours=5)
    )
    engine.ingest(paid, at=T0 + timedelta(hours=5))
    assert engine.enrollments()[0].next_run_at == T0 + timedelta(days=7, hours=5)


# --- Birthday ---------------------------------------------------------------------------------


def birthday_engine(session) -> Engine:
    engine = Engine(session, make_store(session, timezone="Europe/London"))
    engine.enable("birthday", holdout_percent=0)
    return engine


def test_birthday_at_nine_in_auckland_with_a_15_percent_code(session) -> None:
    engine = birthday_engine(session)
    kiwi = customer_data(1, timezone="Pacific/Auckland", birthday=Birthday(11, 24))
    londoner = customer_data(2, birthday=Birthday(11, 24))
    engine.ingest(CustomerUpserted(kiwi), CustomerUpserted(londoner), at=T0)
    now = utc(2026, 11, 23, 12)  # already the 24th in Auckland
    assert scan_birthdays(engine.session, engine.store, now) == 2
    assert scan_birthdays(engine.session, engine.store, now) == 0  # idempotent
    engine.session.commit()
    due = {e.customer_id: e.next_run_at for e in engine.enrollments()}
    assert sorted(due.values()) == [utc(2026, 11, 23, 20), utc(2026, 11, 24, 9)]
    engine.run_until(utc(2026, 11, 24, 10))
    assert len(engine.sender.sent) == 2
    codes = engine.codes()
    assert len(codes) == 2 and all(code.value == 15 for code in codes)
    assert all(code.expires_at - code.created_at < timedelta(days=15) for code in codes)


def test_the_hourly_scan_loads_only_birthdays_not_yet_served(session) -> None:
    engine = birthday_engine(session)
    served = customer_data(1, birthday=Birthday(11, 24))
    waiting = customer_data(2, birthday=Birthday(11, 24), consent="not_subscribed")
    engine.ingest(CustomerUpserted(served), CustomerUpserted(waiting), at=T0)
    now = utc(2026, 11, 23, 12)
    assert scan_birthdays(engine.session, engine.store, now) == 1
    engine.session.commit()

    later = now + timedelta(hours=1)
    candidates = _birthday_candidates(engine.session, engine.store, later)
    # The enrolled shopper is not loaded again; the one not enrolled is (consent may change).
    assert [customer.email for customer in candidates] == [waiting.email]
    assert scan_birthdays(engine.session, engine.store, later) == 0


def test_february_29_birthdays_on_february_28_in_2027(session) -> None:
    engine = birthday_engine(session)
    leapling = customer_data(1, birthday=Birthday(2, 29))
    engine.ingest(CustomerUpserted(leapling), at=T0)
    assert scan_birthdays(engine.session, engine.store, utc(2027, 2, 27, 6)) == 1
    engine.session.commit()
    assert engine.enrollments()[0].next_run_at == utc(2027, 2, 28, 9)


def test_once_a_year_even_if_the_date_is_edited(session) -> None:
    engine = birthday_engine(session)
    ada = customer_data(1, birthday=Birthday(11, 3))
    engine.ingest(CustomerUpserted(ada), at=T0)
    scan_birthdays(engine.session, engine.store, T0)
    engine.session.commit()
    engine.run_until(utc(2026, 11, 3, 10))
    assert len(engine.sender.sent) == 1
    edited = CustomerData(
        platform_id="c1",
        email=ada.email,
        consent="subscribed",
        birthday=Birthday(12, 9),
        updated_at=utc(2026, 11, 10),
    )
    engine.ingest(CustomerUpserted(edited), at=utc(2026, 11, 10))
    assert scan_birthdays(engine.session, engine.store, utc(2026, 12, 8, 12)) == 0
    assert scan_birthdays(engine.session, engine.store, utc(2027, 12, 8, 12)) == 1
