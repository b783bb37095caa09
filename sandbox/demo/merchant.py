"""What the demo's merchant does after installing: switch the four recipes on with settings that
show results within minutes, fill in the sender and postal address, add the WooCommerce
storefront snippet to the theme, and sign in to the admin.

Recipes and settings go through the same validated functions the admin pages use
(`app.core.configs.save_config`, `app.core.store_settings.parse_store_settings`), so a value the
admin would refuse is refused here too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.configs import save_config
from app.core.engine import scan_birthdays
from app.core.settings_schema import ConfigError
from app.core.store_settings import (
    StoreSettingsError,
    load_store_settings,
    parse_store_settings,
    save_store_settings,
)
from app.db.base import utcnow
from app.db.models import Store
from app.web.admin.login_links import mint_login_link
from connectors.woocommerce.storefront import script_tag

#: Demo-friendly recipe settings: the shortest delays the recipes allow (an hour; the simulator's
#: fast-forwarded Shopify history makes the first emails due at once), codes in the first
#: abandoned-cart email and in the follow-ups, a 10 % holdout everywhere.
DEMO_RECIPES: dict[str, dict[str, Any]] = {
    "abandoned_cart": {
        "idle_minutes": 15,
        "step_delays_hours": [1, 4, 24],
        "discount_step": 1,
        "series_cooldown_hours": 12,
        "holdout_percent": 10,
    },
    "product_interest": {
        "min_views": 2,
        "window_days": 2,
        "delay_hours": 1,
        "discount_enabled": True,
        "discount_value": 10,
        "holdout_percent": 10,
    },
    "cross_sell": {"delay_days": 1, "discount_enabled": True, "holdout_percent": 10},
    "birthday": {"send_hour": 8, "holdout_percent": 10},
}


def settings_form(store_name: str, slug: str) -> dict[str, str]:
    """The store settings the merchant fills in: sender, postal address (CAN-SPAM), and, for
    the demo, no quiet hours and at most one marketing email an hour per shopper."""
    return {
        "sender_name": store_name,
        "sender_email": f"hello@{slug}.example.com",
        "reply_to": f"help@{slug}.example.com",
        "postal_address": "1 Sandbox Way\nSpringfield, OR 97477\nUnited States",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",  # sent without quiet_hours_enabled: the box is unticked
        "frequency_cap_hours": "1",
    }


def store_of(session: Session, platform: str) -> Store:
    """The demo's store of `platform`."""
    store = session.execute(select(Store).where(Store.platform == platform)).scalars().first()
    if store is None:
        raise LookupError(f"no {platform} store is installed")
    return store


def configure_store(session: Session, store: Store, store_name: str, slug: str) -> None:
    """Switch the four recipes on with the demo settings and save the store settings; a value
    the admin would refuse raises ValueError naming it, and nothing is saved."""
    try:
        for recipe, changes in DEMO_RECIPES.items():
            save_config(session, store, recipe, changes, enabled=True)
        form = settings_form(store_name, slug)
        save_store_settings(store, parse_store_settings(form, load_store_settings(store)))
    except (ConfigError, StoreSettingsError) as error:
        session.rollback()
        raise ValueError(f"the demo settings of {store_name} are refused: {error}") from error
    session.commit()


def run_birthday_scan(session: Session, store: Store) -> int:
    """The clock scans birthdays hourly (at :07); the demo runs the scan once right away."""
    enrolled = scan_birthdays(session, store, utcnow())
    session.commit()
    return enrolled


def snippet_src(app_url: str, store: Store) -> str:
    """The `src` of the one tag the merchant adds to the WooCommerce theme."""
    tag = script_tag(app_url, store.key)
    return tag.split('src="', 1)[1].split('"', 1)[0]


def add_snippet_to_theme(http: httpx.Client, woocommerce_url: str, slug: str, src: str) -> None:
    """Put the snippet on every storefront page (the sandbox store's theme setting)."""
    response = http.patch(
        f"{woocommerce_url}/_sandbox/stores/{slug}/settings", json={"snippet_url": src}
    )
    response.raise_for_status()


def login_link(store: Store, secret_key: str, app_url: str) -> str:
    """A single-use admin login link for the store, valid for a day."""
    return mint_login_link(
        store, secret_key=secret_key, app_url=app_url, lifetime=timedelta(days=1)
    )
