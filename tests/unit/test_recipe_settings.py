"""Recipe settings: the documented defaults, and a clear error per field for bad values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.recipes import REGISTRY, UnknownRecipe, get_recipe
from app.core.settings_schema import ConfigError


def defaults(name: str) -> dict:
    return REGISTRY[name].schema.defaults()


def test_the_registry_has_the_four_recipes() -> None:
    assert set(REGISTRY) == {"abandoned_cart", "product_interest", "cross_sell", "birthday"}
    with pytest.raises(UnknownRecipe, match="winback"):
        get_recipe("winback")


def test_defaults_are_the_issue_rules() -> None:
    cart = defaults("abandoned_cart")
    assert cart["idle_minutes"] == 60 and cart["step_delays_hours"] == [1, 24, 72]
    assert cart["discount_step"] == 2 and cart["discount_value"] == Decimal(10)
    assert cart["discount_valid_hours"] == 72 and cart["series_cooldown_hours"] == 24
    assert cart["discount_first_time_only"] and cart["consent_mode"] == "marketing"
    interest = defaults("product_interest")
    assert (interest["min_views"], interest["window_days"], interest["delay_hours"]) == (2, 7, 4)
    assert interest["cooldown_days"] == 30 and interest["related_count"] == 3
    assert not interest["discount_enabled"]
    cross = defaults("cross_sell")
    assert cross["delay_days"] == 7 and cross["max_recommendations"] == 4
    birthday = defaults("birthday")
    assert birthday["send_hour"] == 9 and birthday["discount_value"] == Decimal(15)
    assert birthday["discount_valid_hours"] == 14 * 24
    for name in REGISTRY:
        assert defaults(name)["holdout_percent"] == 10
    # Every default passes its own validation.
    for recipe in REGISTRY.values():
        assert recipe.schema.validate({}) == recipe.schema.defaults()


def test_form_strings_are_parsed() -> None:
    settings = REGISTRY["abandoned_cart"].schema.validate(
        {
            "idle_minutes": "30",
            "step_delays_hours": "1, 12, 48",
            "discount_value": "12.5",
            "discount_enabled": "on",
        }
    )
    assert settings["idle_minutes"] == 30
    assert settings["step_delays_hours"] == [1, 12, 48]
    assert settings["discount_value"] == Decimal("12.5")
    assert settings["discount_enabled"] is True


@pytest.mark.parametrize(
    ("recipe", "raw", "field", "message"),
    [
        ("abandoned_cart", {"idle_minutes": 5}, "idle_minutes", "at least 15"),
        ("abandoned_cart", {"idle_minutes": "soon"}, "idle_minutes", "whole number"),
        ("abandoned_cart", {"idle_minutes": True}, "idle_minutes", "whole number"),
        ("abandoned_cart", {"step_delays_hours": [24, 1]}, "step_delays_hours", "larger"),
        ("abandoned_cart", {"step_delays_hours": []}, "step_delays_hours", "list"),
        ("abandoned_cart", {"step_delays_hours": [1, 2, 3, 4]}, "step_delays_hours", "at most 3"),
        ("abandoned_cart", {"discount_value": 150}, "discount_value", "between 1 and 100"),
        ("abandoned_cart", {"discount_value": "NaN"}, "discount_value", "number"),
        ("abandoned_cart", {"discount_kind": "bogof"}, "discount_kind", "one of"),
        ("abandoned_cart", {"consent_mode": "everyone"}, "consent_mode", "one of"),
        ("abandoned_cart", {"discount_step": 4}, "discount_step", "at most 3"),
        ("abandoned_cart", {"idle_minutes": 120}, "idle_minutes", "first step"),
        ("abandoned_cart", {"holdout_percent": 80}, "holdout_percent", "at most 50"),
        ("abandoned_cart", {"delay": 3}, "delay", "unknown setting"),
        ("product_interest", {"min_views": 1}, "min_views", "at least 2"),
        ("product_interest", {"consent_mode": "transactional"}, "consent_mode", "one of"),
        ("cross_sell", {"max_recommendations": 9}, "max_recommendations", "at most 4"),
        ("birthday", {"send_hour": 23}, "send_hour", "at most 20"),
        ("birthday", {"discount_enabled": "maybe"}, "discount_enabled", "true or false"),
    ],
)
def test_invalid_values_name_the_field(recipe: str, raw: dict, field: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        REGISTRY[recipe].schema.validate(raw)
    assert field in caught.value.errors
    assert message in caught.value.errors[field]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        REGISTRY["cross_sell"].schema.validate({"delay_days": 0, "priority": "x", "nope": 1})
    assert set(caught.value.errors) == {"delay_days", "priority", "nope"}


def test_fixed_amount_and_free_shipping() -> None:
    schema = REGISTRY["birthday"].schema
    assert schema.validate({"discount_kind": "fixed_amount", "discount_value": 5})
    assert schema.validate({"discount_kind": "free_shipping", "discount_value": 0})
    with pytest.raises(ConfigError):
        schema.validate({"discount_kind": "fixed_amount", "discount_value": 0})
