"""The simulator's seeded data and plan: deterministic for a seed, shaped so every recipe has
someone, and configuration errors named. Plus the simulated clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sandbox.simulator import (
    ConfigError,
    Planner,
    Rates,
    SimClock,
    SimulatorConfig,
    build_catalog,
    build_customers,
)
from sandbox.simulator.plan import Abandon, ComeBack, Purchase, Refund, View

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def test_the_catalog_is_deterministic_and_complete() -> None:
    catalog = build_catalog(7, 60)
    assert catalog == build_catalog(7, 60)
    assert catalog != build_catalog(8, 60)
    assert len({p.handle for p in catalog}) == 60 and len({p.sku for p in catalog}) == 60
    assert {p.category for p in catalog} == {"Apparel", "Home", "Outdoors", "Accessories"}
    assert all(p.price > 0 for p in catalog)
    assert any(not p.in_stock for p in catalog) and sum(p.in_stock for p in catalog) > 40
    assert any(p.compare_at_price and p.compare_at_price > p.price for p in catalog)
    big = build_catalog(7, 500)  # more products than name combinations: still unique
    assert len({p.handle for p in big}) == 500


def test_customers_cover_consent_birthdays_and_time_zones() -> None:
    people = build_customers(3, 40, "acme", NOW)
    assert people == build_customers(3, 40, "acme", NOW)
    assert len({p.email for p in people}) == 40
    assert all(p.email.endswith("+acme@example.com") for p in people)
    assert {p.consent for p in people} == {
        "subscribed",
        "not_subscribed",
        "unsubscribed",
        "pending",
    }
    zones = {p.time_zone for p in people}
    assert {"Pacific/Auckland", "America/Los_Angeles"} <= zones
    leap = [p for p in people if p.birthday and (p.birthday.month, p.birthday.day) == (2, 29)]
    assert len(leap) == 2 and all(p.subscribed for p in leap)
    today = [
        p
        for p in people
        if p.birthday
        and (p.birthday.month, p.birthday.day)
        == (NOW.astimezone(ZoneInfo(p.time_zone)).month, NOW.astimezone(ZoneInfo(p.time_zone)).day)
    ]
    assert len(today) >= 5 and all(p.subscribed for p in today)
    assert "Pacific/Auckland" in {p.time_zone for p in today}  # already tomorrow there: 24 Nov
    assert any(p.birthday is None for p in people)


def test_a_birthday_today_on_29_february_keeps_a_leap_year() -> None:
    leap_day = datetime(2028, 2, 29, 12, tzinfo=UTC)
    people = build_customers(1, 12, "acme", leap_day)
    assert all(isinstance(p.birthday, date) for p in people[:3])


def test_the_plan_is_the_same_for_the_same_seed() -> None:
    catalog = build_catalog(1, 24)
    first = Planner(5, Rates(), catalog, 40, "shopify")
    second = Planner(5, Rates(), catalog, 40, "shopify")
    visits = [next(first) for _ in range(300)]
    assert visits == [next(second) for _ in range(300)]
    other = Planner(6, Rates(), catalog, 40, "shopify")
    assert [v.describe() for v in visits] != [next(other).describe() for _ in range(300)]
    assert all(a.at <= b.at for a, b in zip(visits, visits[1:], strict=False))


def test_follow_ups_refer_to_what_happened_before() -> None:
    rates = Rates(purchase=0.3, come_back=1.0, refund=0.3)
    planner = Planner(2, rates, build_catalog(2, 24), 30, "x")
    visits = [next(planner) for _ in range(400)]
    by_number = {v.number: v for v in visits}
    come_backs = [v for v in visits if isinstance(v.steps[0], ComeBack)]
    assert come_backs
    for visit in come_backs:
        step = visit.steps[0]
        assert isinstance(step, ComeBack)
        original = by_number[step.of_visit]
        assert isinstance(original.steps[-1], Abandon) and original.shopper == visit.shopper
        assert original.at < visit.at
    refunds = [v for v in visits if isinstance(v.steps[0], Refund)]
    assert refunds
    for visit in refunds:
        original = by_number[visit.steps[0].of_visit]
        assert isinstance(original.steps[-1], Purchase | Abandon)


def test_rates_shape_the_traffic() -> None:
    catalog = build_catalog(1, 24)
    buyers = Planner(1, Rates(add_to_cart=1, checkout=1, purchase=1), catalog, 20, "x")
    visits = [next(buyers) for _ in range(100)]
    assert all(isinstance(v.steps[-1], Purchase) for v in visits if isinstance(v.steps[0], View))
    browsers = Planner(1, Rates(add_to_cart=0, repeat_view=1), catalog, 20, "x")
    for visit in (next(browsers) for _ in range(100)):
        products = [s.product for s in visit.steps if isinstance(s, View)]
        assert len(products) > len(set(products)) and len(products) == len(visit.steps)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"products": 0}, "products"),
        ({"fast_forward_hours": 72}, "fast_forward_hours"),
        ({"speed": 0.5}, "speed"),
        ({"rates": {"purchase": 1.5}}, "purchase"),
        ({"rates": {"visits_per_hour": 0}}, "visits_per_hour"),
        ({"rates": {"come_back_hours": [5, 1]}}, "come_back_hours"),
        ({"rates": {"refund": "often"}}, "refund"),
        ({"rates": {"sometimes": 0.1}}, "rates.sometimes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_named(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SimulatorConfig.from_mapping(raw)


def test_the_clock_replays_history_fast_then_follows_real_time() -> None:
    real = [1_000_000.0]
    clock = SimClock(fast_forward_hours=2, speed=61, real=lambda: real[0])
    assert clock.now() == 1_000_000.0 - 7200 and clock.shifting
    real[0] += 60  # one real minute = 61 simulated minutes
    assert clock.now() == pytest.approx(1_000_000.0 - 7200 + 3660)
    assert clock.real_seconds_until(clock.now() + 610) == pytest.approx(10)
    real[0] += 60.5  # caught up after 120 real seconds
    assert clock.now() == real[0] and not clock.shifting
    assert clock.real_seconds_until(real[0] + 30) == pytest.approx(30)
    real[0] += 3600
    assert clock.now() == real[0]  # never ahead of the real clock
    assert SimClock(real=lambda: 5.0).now() == 5.0
    with pytest.raises(ValueError, match="speed"):
        SimClock(fast_forward_hours=1, speed=0.5)
