"""Policies that need no database: audience, holdout, store policy values, codes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from app.core import discounts
from app.core.policies import StorePolicy, audience_block, in_holdout, store_policy
from app.db.models import Customer, Store


def customer(**overrides) -> Customer:
    values = {"email": "ada@example.com", "consent": "subscribed"}
    values.update(overrides)
    return Customer(**values)


@pytest.mark.parametrize(
    ("consent", "marketing", "transactional"),
    [
        ("subscribed", None, None),
        ("not_subscribed", "no_marketing_consent", None),
        ("pending", "no_marketing_consent", None),
        ("unsubscribed", "unsubscribed", "unsubscribed"),
        ("redacted", "consent_redacted", "consent_redacted"),
        ("invalid", "consent_invalid", "consent_invalid"),
    ],
)
def test_consent_per_platform_state(consent: str, marketing, transactional) -> None:
    assert audience_block(customer(consent=consent), "marketing", None) == marketing
    assert audience_block(customer(consent=consent), "transactional", None) == transactional


def test_suppressed_redacted_or_no_email_get_nothing() -> None:
    assert audience_block(customer(), "transactional", "bounced") == "suppressed_bounced"
    assert audience_block(customer(email=None), "marketing", None) == "no_email"
    gone = customer(redacted_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert audience_block(gone, "marketing", None) == "redacted"


def test_holdout_is_stable_and_close_to_its_share() -> None:
    picks = [in_holdout(7, "abandoned_cart", cid, 10) for cid in range(20_000)]
    assert 0.09 < sum(picks) / len(picks) < 0.11
    assert picks == [in_holdout(7, "abandoned_cart", cid, 10) for cid in range(20_000)]
    assert not any(in_holdout(7, "abandoned_cart", cid, 0) for cid in range(1000))


def test_holdout_groups_only_grow_with_the_percentage_and_differ_per_recipe() -> None:
    ids = range(5000)
    ten = {cid for cid in ids if in_holdout(1, "birthday", cid, 10)}
    twenty = {cid for cid in ids if in_holdout(1, "birthday", cid, 20)}
    assert ten < twenty
    other = {cid for cid in ids if in_holdout(1, "cross_sell", cid, 10)}
    assert other != ten


def test_store_policy_defaults_and_malformed_values() -> None:
    assert store_policy(Store(settings={})) == StorePolicy(time(21), time(8), 16)
    # The settings the admin page saves (app/core/store_settings.py).
    custom = Store(
        settings={
            "quiet_hours": {"enabled": True, "start": "22:30", "end": "08:00"},
            "frequency_cap_hours": 24,
        }
    )
    assert store_policy(custom) == StorePolicy(time(22, 30), time(8), 24)
    broken = Store(
        id=3,
        settings={"quiet_hours": {"start": "late", "end": "08:00"}, "frequency_cap_hours": -1},
    )
    assert store_policy(broken) == StorePolicy()
    off = Store(settings={"quiet_hours": {"enabled": False, "start": "21:00", "end": "08:00"}})
    assert store_policy(off).quiet_start == store_policy(off).quiet_end


def test_codes_use_an_unambiguous_alphabet() -> None:
    rng = random.Random(4)
    codes = {discounts.generate_code("abandoned_cart", rng.choice) for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        prefix, body = code.split("-")
        assert prefix == "CART" and len(body) == 8
        assert not set(body) & set("01OIL")
    assert discounts.generate_code("birthday").startswith("BDAY-")


def test_discount_spec_round_trip_and_labels() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    settings = {
        "discount_kind": "percentage",
        "discount_value": Decimal(10),
        "discount_valid_hours": 72,
    }
    spec = discounts.spec_from_settings(
        "Abandoned cart", settings, now, currency="EUR", product_ids=("p1",)
    )
    assert spec.ends_at == datetime(2026, 11, 5, tzinfo=UTC)
    assert discounts.spec_from_json(discounts.spec_to_json(spec)) == spec
    assert "10% off" in spec.title
    assert discounts.discount_label("fixed_amount", Decimal(5), "EUR") == "5.00 EUR off"
    assert discounts.discount_label("free_shipping", Decimal(0), "EUR") == "free shipping"
