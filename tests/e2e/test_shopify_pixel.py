"""Nudge's web pixel on a sandbox shop: activated by the setup after install with the store's key
and events endpoint, left alone by a repeated setup, updated when the settings change."""

from __future__ import annotations

import dataclasses

import pytest

from app.core.ports import Permanent
from tests.e2e.shopify_stack import ShopifyStack
from workers.sync import pixel_settings, set_up_store

pytestmark = pytest.mark.slow


def pixel(stack: ShopifyStack, domain: str) -> dict | None:
    return stack.sandbox_call("GET", f"/shops/{domain}/app-activity")["web_pixel"]


def test_setup_activates_the_pixel_and_a_second_setup_updates_it(stack: ShopifyStack):
    domain = stack.create_shop("pixel-shop")
    assert stack.open_app(domain).status_code == 200
    stack.settle()

    store = stack.store(domain)
    assert store is not None and store.status == "active"
    first = pixel(stack, domain)
    assert first is not None
    assert first["settings"] == {"storeKey": store.key, "endpoint": stack.app_url + "/t/events"}
    assert stack.operation_count(domain, "mutation webPixelCreate") == 1

    # The setup runs again (a retried job): the pixel is found as it is, nothing is created.
    assert set_up_store(store.id) == "started"
    assert stack.operation_count(domain, "mutation webPixelCreate") == 1
    assert stack.operation_count(domain, "mutation webPixelUpdate") == 0
    assert pixel(stack, domain) == first

    # The deployment moved (a new APP_URL): the next setup updates the same pixel in place.
    moved = stack.app_url + "/moved"
    original = stack.runtime.settings
    stack.runtime.settings = dataclasses.replace(original, app_url=moved)
    try:
        assert set_up_store(store.id) == "started"
    finally:
        stack.runtime.settings = original
    updated = pixel(stack, domain)
    assert updated is not None and updated["id"] == first["id"]
    assert updated["settings"] == {"storeKey": store.key, "endpoint": moved + "/t/events"}
    assert stack.operation_count(domain, "mutation webPixelCreate") == 1
    assert stack.operation_count(domain, "mutation webPixelUpdate") == 1


def test_a_pixel_created_meanwhile_is_updated_not_an_error(stack: ShopifyStack):
    domain = stack.create_shop("pixel-race")
    assert stack.open_app(domain).status_code == 200
    stack.settle()
    store = stack.store(domain)
    assert store is not None
    with stack.connector(domain) as connector:
        lookups = []
        real_lookup = connector._web_pixel

        def lookup_that_misses_once():
            # Another setup's webPixelCreate lands between this one's lookup and its create.
            lookups.append(1)
            return None if len(lookups) == 1 else real_lookup()

        connector._web_pixel = lookup_that_misses_once  # type: ignore[method-assign]
        wanted = pixel_settings("rotated-key", stack.app_url)
        pixel_id = connector.ensure_web_pixel(wanted)
    found = pixel(stack, domain)
    assert found is not None and len(lookups) == 2
    assert pixel_id == found["admin_graphql_api_id"] and found["settings"] == wanted
    # One create by the install's setup, one refused as TAKEN here, then an update.
    assert stack.operation_count(domain, "mutation webPixelCreate") == 2
    assert stack.operation_count(domain, "mutation webPixelUpdate") == 1


def test_settings_the_extension_does_not_declare_are_refused(stack: ShopifyStack):
    domain = stack.create_shop("pixel-strict")
    assert stack.open_app(domain).status_code == 200
    stack.settle()
    with stack.connector(domain) as connector, pytest.raises(Permanent, match="accountID"):
        connector.ensure_web_pixel({"accountID": "1", "storeKey": "k", "endpoint": "https://e"})
    kept, store = pixel(stack, domain), stack.store(domain)
    assert kept is not None and store is not None and kept["settings"]["storeKey"] == store.key
