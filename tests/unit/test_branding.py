"""A store's branding: merchant settings first, the store's profile as the fallback."""

from __future__ import annotations

from app.core.messaging.branding import store_branding
from app.db.models import Store


def make(settings: dict) -> Store:
    return Store(
        platform="shopify",
        domain="snowdevil.myshopify.com",
        key="k",
        name="Snowdevil",
        email="owner@snowdevil.example",
        settings=settings,
    )


def test_without_settings_the_store_profile_stands_in() -> None:
    branding = store_branding(make({}))
    assert (branding.store_name, branding.from_name, branding.from_email) == (
        "Snowdevil",
        "Snowdevil",
        "owner@snowdevil.example",
    )
    assert branding.store_url == "https://snowdevil.myshopify.com"
    assert branding.accent_color == "#008060" and branding.postal_address == ""


def test_merchant_settings_win_and_invalid_stored_values_are_ignored() -> None:
    branding = store_branding(
        make(
            {
                "sender_name": "Snowdevil Team",
                "reply_to": "help@snowdevil.example",
                "postal_address": "150 Elgin Street\nOttawa ON K2P 1L4, Canada",
                "logo_url": "javascript:alert(1)",
                "accent_color": "red; background: url(x)",
            }
        )
    )
    assert branding.from_name == "Snowdevil Team" and branding.reply_to == "help@snowdevil.example"
    assert branding.postal_address == "150 Elgin Street\nOttawa ON K2P 1L4, Canada"
    assert branding.logo_url is None
    assert branding.accent_color == "#008060"
