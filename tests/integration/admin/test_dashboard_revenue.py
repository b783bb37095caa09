"""Home on a constructed data set: credited orders and revenue per recipe and day, and the
holdout lift with the customers behind it ("not enough data" below the minimum)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.core.reporting import LIFT_MINIMUM_CUSTOMERS, Period, dashboard
from app.core.tenancy import StoreScope
from app.db.base import utcnow
from app.db.models import Attribution, Store
from tests.admin_data import bearer, make_customer, make_message, make_order
from tests.integration.admin.conftest import ALPHA_SHOP, Tenants


def credit(session, store: Store, order, message, recipe: str, placed_at) -> None:
    session.add(
        Attribution(
            store_id=store.id, order_id=order.id, message_id=message.id,
            customer_id=order.customer_id, recipe=recipe, step=message.step or 0,
            reason="click", revenue=order.total_price, placed_at=placed_at,
        )
    )  # fmt: skip


@pytest.fixture
def month(session, tenants: Tenants):
    """41 emailed and 30 held-out abandoned-cart customers, 5 birthday ones, and their orders.

    Abandoned cart: 12 of the 41 emailed customers ordered (10 orders credited, $50 each), 3 of
    the 30 held out ordered. Birthday: one credited $20 order, and a cancelled one.
    """
    alpha, now = tenants.alpha, utcnow()
    sent_at, ordered_at = now - timedelta(days=2), now - timedelta(days=1)
    for number in range(40):
        customer = make_customer(session, alpha, email=f"treated{number}@alpha.test")
        message = make_message(session, alpha, customer, sent_at=sent_at, created_at=sent_at)
        if number < 12:
            order = make_order(session, alpha, customer_id=customer.id, placed_at=ordered_at,
                               total_price=Decimal("50.00"))  # fmt: skip
            if number < 10:
                credit(session, alpha, order, message, "abandoned_cart", ordered_at)
    for number in range(30):
        customer = make_customer(session, alpha, email=f"holdout{number}@alpha.test")
        make_message(session, alpha, customer, status="held_out", sent_at=None,
                     delivered_at=None, created_at=sent_at)  # fmt: skip
        if number < 3:
            make_order(session, alpha, customer_id=customer.id, placed_at=ordered_at)
    birthday_at = now - timedelta(days=3)
    for number in range(5):
        customer = make_customer(session, alpha, email=f"birthday{number}@alpha.test")
        message = make_message(session, alpha, customer, recipe="birthday", sent_at=birthday_at,
                               created_at=birthday_at)  # fmt: skip
        if number == 0:
            order = make_order(session, alpha, customer_id=customer.id,
                               placed_at=birthday_at + timedelta(hours=5),
                               total_price=Decimal("20.00"))  # fmt: skip
            credit(session, alpha, order, message, "birthday", order.placed_at)
        if number == 1:
            cancelled = make_order(session, alpha, customer_id=customer.id, placed_at=birthday_at,
                                   total_price=Decimal("999.00"), cancelled_at=now)  # fmt: skip
            credit(session, alpha, cancelled, message, "birthday", birthday_at)
    session.commit()
    return now


def test_the_dashboard_counts_orders_revenue_and_lift(session, tenants, month):
    period = Period.last_days(30, "America/New_York", month)
    numbers = dashboard(StoreScope(session, tenants.alpha), period)

    cart = numbers.for_recipe("abandoned_cart")
    assert (cart.orders, cart.revenue) == (10, Decimal("500.00"))
    assert (numbers.for_recipe("birthday").orders, numbers.for_recipe("birthday").revenue) == (
        1, Decimal("20.00"),
    )  # fmt: skip
    assert (numbers.total.orders, numbers.total.revenue) == (11, Decimal("520.00"))

    yesterday = (month - timedelta(days=1)).astimezone(ZoneInfo("America/New_York")).date()
    daily = numbers.daily_revenue("abandoned_cart")
    assert daily[period.days.index(yesterday)] == Decimal("500.00") and sum(daily) == 500
    assert sum(numbers.daily_revenue("birthday")) == 20
    assert numbers.daily_revenue("cross_sell") == [Decimal(0)] * 30

    lift = numbers.lift_for("abandoned_cart")
    # tenants' own Alpha email makes 41 emailed customers.
    assert (lift.lift.treated.customers, lift.lift.treated.converted) == (41, 12)
    assert (lift.lift.holdout.customers, lift.lift.holdout.converted) == (30, 3)
    assert lift.enough_data and lift.lift.rate_difference == pytest.approx(12 / 41 - 0.1)
    birthday = numbers.lift_for("birthday")
    assert birthday.lift.treated.customers == 5 and birthday.lift.holdout.customers == 0
    assert not birthday.enough_data and LIFT_MINIMUM_CUSTOMERS == 30
    pooled = numbers.lift_for("all").lift
    assert (pooled.treated.customers, pooled.holdout.customers) == (46, 30)


def test_home_shows_revenue_the_chart_and_the_lift(client, session, tenants, month):
    html = client.get("/admin/", headers=bearer(ALPHA_SHOP)).get_data(as_text=True)
    metrics = dict(
        re.findall(r'metric__label">([^<]+)</span><span class="metric__value">([^<]+)', html)
    )
    assert metrics["Revenue"] == "$520.00" and "11 orders credited" in html
    assert "Revenue attributed per day, last 30 days" in html
    assert (
        "Abandoned cart $500.00, Product interest $0.00, Cross-sell $0.00, Birthday $20.00." in html
    )
    assert re.search(r"<title>[A-Z][a-z]{2} \d+ · Abandoned cart: \$500\.00</title>", html)
    assert re.search(r'class="chart-axis"[^>]*>\$\d', html)  # the axis is money too
    lift = html[html.index('id="lift"') :]
    rows = re.findall(r'<tr[^>]*>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', lift, re.S)
    by_recipe = dict(rows)
    assert "29.3%" in by_recipe["Abandoned cart"] and "12 of 41" in by_recipe["Abandoned cart"]
    assert "10.0%" in by_recipe["Abandoned cart"] and "3 of 30" in by_recipe["Abandoned cart"]
    assert (
        "+19.3 points" in by_recipe["Abandoned cart"] and "(+193%)" in by_recipe["Abandoned cart"]
    )
    assert "Not enough data" in by_recipe["Birthday"] and "1 of 5" in by_recipe["Birthday"]
    assert "+" in by_recipe["All recipes"]  # 46 emailed vs 30 held out: enough to show
