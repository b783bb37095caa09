"""Store settings: defaults, validation with a message per field, storage round trip."""

from __future__ import annotations

from datetime import time

import pytest

from app.core.store_settings import (
    StoreSettings,
    StoreSettingsError,
    branding_for,
    effective_timezone,
    load_store_settings,
    missing_for_sending,
    parse_store_settings,
    save_store_settings,
    settings_form,
    store_home_url,
)
from app.db.models import Store


def store(**settings) -> Store:
    return Store(
        id=1, platform="shopify", domain="alpha.myshopify.com", key="k", name="Alpha",
        email="owner@alpha.test", timezone="America/New_York", settings=settings,
    )  # fmt: skip


def test_defaults_follow_the_design() -> None:
    values = load_store_settings(store())
    assert values == StoreSettings()
    assert (values.quiet_hours_start, values.quiet_hours_end) == (time(21), time(8))
    assert values.frequency_cap_hours == 16 and values.attribution_window_days == 5
    assert values.accent_color == "#008060" and values.quiet_hours_enabled


def test_a_valid_form_is_parsed_and_normalised() -> None:
    parsed = parse_store_settings(
        {
            "sender_email": " News@Alpha.TEST ",
            "accent_color": "#AABBCC",
            "quiet_hours_start": "22:15",
            "quiet_hours_end": "06:00",
            "quiet_hours_enabled": "on",
            "frequency_cap_hours": "0",
            "postal_address": "1 Main St\r\n\r\nSpringfield 12345  \n",
        },
        StoreSettings(),
    )
    assert parsed.sender_email == "news@alpha.test" and parsed.accent_color == "#aabbcc"
    assert parsed.quiet_hours_start == time(22, 15) and parsed.frequency_cap_hours == 0
    assert parsed.postal_address == "1 Main St\nSpringfield 12345"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sender_email", "nobody", "Enter an email address"),
        ("sender_email", "a@b", "Enter an email address"),
        ("reply_to", "x@y.test, z@w.test", "Enter an email address"),
        ("sender_name", "x" * 101, "at most 100"),
        ("sender_name", "Evil\r\nBcc: x@y.test", "line breaks"),
        ("logo_url", "http://alpha.test/logo.png", "https://"),
        ("logo_url", "javascript:alert(1)", "https://"),
        ("accent_color", "#12345", "#RRGGBB"),
        ("accent_color", "red", "#RRGGBB"),
        ("timezone", "Mars/Olympus", "time zone"),
        ("quiet_hours_start", "24:00", "HH:MM"),
        ("quiet_hours_end", "7pm", "HH:MM"),
        ("frequency_cap_hours", "169", "from 0 to 168"),
        ("frequency_cap_hours", "1.5", "whole number"),
        ("attribution_window_days", "91", "from 0 to 90"),
        ("postal_address", "Just a street", "full address"),
    ],
)
def test_each_bad_value_gets_a_message_for_its_field(field, value, message) -> None:
    with pytest.raises(StoreSettingsError) as raised:
        parse_store_settings({field: value}, StoreSettings())
    assert list(raised.value.errors) == [field]
    assert message in raised.value.errors[field]


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(StoreSettingsError) as raised:
        parse_store_settings(
            {"sender_email": "x", "accent_color": "x", "frequency_cap_hours": "x"}, StoreSettings()
        )
    assert set(raised.value.errors) == {"sender_email", "accent_color", "frequency_cap_hours"}


def test_quiet_hours_must_not_start_and_end_together_unless_off() -> None:
    form = {"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}
    with pytest.raises(StoreSettingsError) as raised:
        parse_store_settings({**form, "quiet_hours_enabled": "on"}, StoreSettings())
    assert "different time" in raised.value.errors["quiet_hours_end"]
    assert not parse_store_settings(form, StoreSettings()).quiet_hours_enabled


def test_fields_absent_from_the_form_keep_their_value() -> None:
    current = StoreSettings(sender_name="Alpha", frequency_cap_hours=24)
    parsed = parse_store_settings({"sender_name": "Alpha Outfitters"}, current)
    assert parsed.frequency_cap_hours == 24 and parsed.quiet_hours_enabled


def test_saving_and_loading_round_trips_and_keeps_other_keys() -> None:
    alpha = store(unrelated="kept")
    chosen = StoreSettings(sender_name="Alpha", quiet_hours_enabled=False, timezone="Asia/Tokyo")
    save_store_settings(alpha, chosen)
    assert alpha.settings["unrelated"] == "kept"
    assert alpha.settings["quiet_hours"] == {"enabled": False, "start": "21:00", "end": "08:00"}
    assert load_store_settings(alpha) == chosen
    assert settings_form(chosen)["quiet_hours_enabled"] == ""


def test_a_stored_value_that_no_longer_validates_falls_back_to_its_default() -> None:
    alpha = store(accent_color="not a colour", frequency_cap_hours=12, quiet_hours="garbage")
    loaded = load_store_settings(alpha)
    assert loaded.accent_color == "#008060" and loaded.frequency_cap_hours == 12


def test_the_merchants_zone_overrides_the_platforms() -> None:
    assert effective_timezone(store()) == "America/New_York"
    assert effective_timezone(store(timezone="Europe/Paris")) == "Europe/Paris"


def test_branding_falls_back_to_the_store_profile() -> None:
    branding = branding_for(store())
    assert branding.from_name == "Alpha" and branding.from_email == "owner@alpha.test"
    assert branding.store_url == "https://alpha.myshopify.com" and branding.logo_url is None
    custom = branding_for(store(sender_name="Alpha Team", logo_url="https://x.test/l.png"))
    assert custom.from_name == "Alpha Team" and custom.logo_url == "https://x.test/l.png"


def test_sending_needs_a_sender_and_a_postal_address() -> None:
    no_email = store()
    no_email.email = None
    assert missing_for_sending(no_email, StoreSettings()) == ["sender email", "postal address"]
    ready = StoreSettings(postal_address="1 Main St\nSpringfield")
    assert missing_for_sending(store(), ready) == []


@pytest.mark.parametrize(
    ("domain", "storefront_url", "home"),
    [
        ("alpha.myshopify.com", None, "https://alpha.myshopify.com"),
        ("alpha.myshopify.com", "https://alpha.example.com/", "https://alpha.example.com"),
        ("alpha.myshopify.com", "ftp://alpha.example.com", "https://alpha.myshopify.com"),
        ("http://woo.local/shop/", None, "http://woo.local/shop"),
    ],
)
def test_the_store_home_is_the_reported_storefront_else_the_domain(
    domain: str, storefront_url: str | None, home: str
) -> None:
    shop = store()
    shop.domain, shop.storefront_url = domain, storefront_url
    assert store_home_url(shop) == home
    assert branding_for(shop).store_url == home
