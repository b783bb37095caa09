"""Settings: validated saves with inline errors, connection health, snippet, repair."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.store_settings import load_store_settings
from app.db.base import utcnow
from tests.admin_data import bearer
from tests.factories import make_store
from tests.integration.admin.conftest import ALPHA_SHOP, sign_in
from workers.queues import DEFAULT, JobQueues

VALID = {
    "sender_name": "Alpha Outfitters",
    "sender_email": "News@Alpha.test",
    "reply_to": "",
    "postal_address": "1 Main St\nSpringfield, 12345\nUSA",
    "logo_url": "https://cdn.alpha.test/logo.png",
    "accent_color": "#FF6600",
    "timezone": "Europe/Paris",
    "quiet_hours_enabled": "on",
    "quiet_hours_start": "22:00",
    "quiet_hours_end": "07:30",
    "frequency_cap_hours": "24",
    "attribution_window_days": "7",
}


def post(client, data):
    return client.post("/admin/settings", data=data, headers=bearer(ALPHA_SHOP))


def test_the_form_shows_the_defaults_first(client, tenants):
    html = client.get("/admin/settings", headers=bearer(ALPHA_SHOP)).get_data(as_text=True)
    assert 'name="quiet_hours_start" value="21:00"' in html
    assert 'name="quiet_hours_end" value="08:00"' in html
    assert 'name="frequency_cap_hours" value="16"' in html
    assert 'name="attribution_window_days" value="5"' in html
    assert '<option value="">Same as the store (America/New_York)</option>' in html


def test_valid_settings_are_saved(client, session, tenants):
    response = post(client, VALID)
    assert response.status_code == 303 and "notice=settings_saved" in response.headers["Location"]
    session.refresh(tenants.alpha)
    saved = load_store_settings(tenants.alpha)
    assert saved.sender_email == "news@alpha.test" and saved.accent_color == "#ff6600"
    assert saved.timezone == "Europe/Paris" and saved.frequency_cap_hours == 24
    assert str(saved.quiet_hours_end) == "07:30:00" and saved.attribution_window_days == 7
    assert tenants.alpha.settings["quiet_hours"] == {
        "enabled": True,
        "start": "22:00",
        "end": "07:30",
    }
    page = client.get("/admin/settings?notice=settings_saved", headers=bearer(ALPHA_SHOP))
    assert b"Settings saved." in page.data


def test_invalid_settings_show_every_error_by_its_field_and_save_nothing(client, session, tenants):
    bad = {
        **VALID,
        "sender_email": "not-an-email",
        "accent_color": "orange",
        "timezone": "Mars/Olympus",
        "quiet_hours_start": "25:00",
        "frequency_cap_hours": "-1",
        "attribution_window_days": "91",
        "logo_url": "http://insecure.test/logo.png",
    }
    response = post(client, bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "7 settings need fixing." in html
    errors = dict(re.findall(r'<p class="field__error" id="([a-z_]+)-error">([^<]+)</p>', html))
    assert set(errors) == {
        "sender_email", "accent_color", "timezone", "quiet_hours_start", "frequency_cap_hours",
        "attribution_window_days", "logo_url",
    }  # fmt: skip
    assert errors["attribution_window_days"] == "Enter a whole number of days from 0 to 90."
    assert 'value="not-an-email"' in html  # what the merchant typed stays in the form
    assert 'aria-invalid="true" aria-describedby="sender_email-error"' in html
    session.refresh(tenants.alpha)
    assert tenants.alpha.settings == {}


def test_quiet_hours_can_be_turned_off(client, session, tenants):
    post(client, {**VALID, "quiet_hours_enabled": ""})
    session.refresh(tenants.alpha)
    assert load_store_settings(tenants.alpha).quiet_hours_enabled is False


def test_connection_health_shows_what_was_last_recorded(client, session, tenants):
    alpha = tenants.alpha
    alpha.last_event_at = utcnow() - timedelta(days=4)
    alpha.sync_state = {
        "webhooks": {
            "recorded_at": utcnow().isoformat(),
            "subscriptions": [
                {"topic": "orders/paid", "status": "active"},
                {"topic": "carts/update", "status": "missing", "detail": "deleted by Shopify"},
            ],
        }
    }
    session.commit()
    html = client.get("/admin/settings", headers=bearer(ALPHA_SHOP)).get_data(as_text=True)
    assert "<code>orders/paid</code>" in html and "deleted by Shopify" in html
    assert "Webhooks not working: carts/update." in html
    assert "No event received for 4 days" in html
    assert "No access credentials are stored" in html


def test_repair_queues_the_platform_repair_job(client, redis_client, tenants):
    html = client.get("/admin/settings", headers=bearer(ALPHA_SHOP)).get_data(as_text=True)
    assert re.search(r'<button type="submit" class="button">Repair connection</button>', html)
    response = client.post("/admin/settings/repair", headers=bearer(ALPHA_SHOP))
    assert response.status_code == 303
    queued = JobQueues(redis_client).queue(DEFAULT).job_ids
    assert queued == [f"repair-{tenants.alpha.id}"]


def test_woocommerce_stores_get_their_storefront_snippet(app, client, session):
    woo = make_store(session, platform="woocommerce", domain="shop.example.com", key="woo-key-123")
    session.commit()
    sign_in(app, client, woo)
    html = client.get("/admin/settings").get_data(as_text=True)
    assert (
        "&lt;script src=&#34;https://nudge.test/t/woo.js?k=woo-key-123&#34; async&gt;"
        "&lt;/script&gt;" in html
    )
    assert 'data-copy="snippet"' in html


def test_shopify_stores_have_no_snippet(client, tenants):
    html = client.get("/admin/settings", headers=bearer(ALPHA_SHOP)).get_data(as_text=True)
    assert "Storefront snippet" not in html
