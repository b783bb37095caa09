"""The recipe editor: every setting of the engine's schema, inline errors, the switch's refusal,
and the cards' summaries and results."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core.configs import store_configs
from app.core.recipes import REGISTRY
from app.db.base import utcnow
from app.db.models import Attribution, AuditEntry, RecipeConfig
from tests.admin_data import (
    bearer,
    make_enrollment,
    make_message,
    make_order,
    make_ready_to_send,
    make_recipe_config,
)
from tests.integration.admin.conftest import ALPHA_SHOP


def get(client, path: str, **query):
    return client.get(path, query_string=query, headers=bearer(ALPHA_SHOP))


def post(client, path: str, data):
    return client.post(path, data=data, headers=bearer(ALPHA_SHOP))


def text(response) -> str:
    return response.get_data(as_text=True)


def inline_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field__error" id="([a-z_]+)-error">([^<]+)</p>', html))


def alpha_config(session, tenants, recipe: str = "abandoned_cart") -> RecipeConfig | None:
    session.expire_all()
    return session.scalars(
        select(RecipeConfig).where(
            RecipeConfig.store_id == tenants.alpha.id, RecipeConfig.recipe == recipe
        )
    ).one_or_none()


@pytest.mark.parametrize("recipe", sorted(REGISTRY))
def test_the_editor_has_an_input_for_every_setting_of_the_schema(client, tenants, recipe):
    html = text(get(client, f"/admin/recipes/{recipe}"))
    for field in REGISTRY[recipe].schema.fields:
        assert f'name="{field.name}"' in html, f"{recipe}: no input for {field.name}"
        assert f'<label class="field__label" for="{field.name}">' in html or (
            field.kind == "bool" and f'id="{field.name}"' in html
        )
    assert "Dry run these settings" in html and 'id="dry-run"' in html


def test_the_editor_shows_the_stored_values(client, session, tenants):
    make_recipe_config(
        session, tenants.alpha, "abandoned_cart",
        settings={"step_delays_hours": [2, 24], "discount_value": "15", "discount_enabled": False},
    )  # fmt: skip
    session.commit()
    html = text(get(client, "/admin/recipes/abandoned_cart"))
    assert 'name="step_delays_hours" value="2, 24"' in html
    assert 'name="discount_value" value="15"' in html
    assert re.search(r'name="discount_enabled" value="on"(?! checked)', html)
    assert html.count('class="card email-step"') == 2  # one editor per email of the series
    assert "with 2 emails, 2 hours and 1 day after their last activity" in html


def test_a_valid_save_is_stored_versioned_and_audited(client, session, tenants):
    response = post(
        client,
        "/admin/recipes/abandoned_cart/settings",
        {"idle_minutes": "90", "step_delays_hours": "2, 24, 72", "discount_value": "12.5",
         "discount_enabled": ["off", "on"], "discount_first_time_only": ["off"],
         "holdout_percent": "20", "consent_mode": "transactional"},
    )  # fmt: skip
    assert response.status_code == 303
    assert "notice=recipe_saved" in response.headers["Location"]
    config = alpha_config(session, tenants)
    assert config.settings["idle_minutes"] == 90
    assert config.settings["step_delays_hours"] == [2, 24, 72]
    assert config.settings["discount_value"] == "12.5"
    assert config.settings["discount_first_time_only"] is False
    assert config.settings["discount_enabled"] is True
    assert config.settings["consent_mode"] == "transactional"
    assert config.enabled is False  # saving settings never switches a recipe on
    version = config.version
    post(client, "/admin/recipes/abandoned_cart/settings", {"idle_minutes": "45"})
    assert alpha_config(session, tenants).version == version + 1
    post(client, "/admin/recipes/abandoned_cart/settings", {"idle_minutes": "45"})  # no change
    assert alpha_config(session, tenants).version == version + 1
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.store_id == tenants.alpha.id)
    ).all()
    assert actions.count("recipe.settings_saved") == 2


def test_invalid_values_show_inline_errors_and_save_nothing(client, session, tenants):
    make_recipe_config(session, tenants.alpha, "abandoned_cart", settings={"idle_minutes": 30})
    session.commit()
    response = post(
        client,
        "/admin/recipes/abandoned_cart/settings",
        {"idle_minutes": "5", "step_delays_hours": "24, 1", "discount_value": "lots",
         "holdout_percent": "80", "consent_mode": "everyone", "series_cooldown_hours": "30"},
    )  # fmt: skip
    html = text(response)
    assert response.status_code == 422
    assert "5 settings need fixing." in html and "Nothing was saved" in html
    assert inline_errors(html) == {
        "idle_minutes": "Must be at least 15.",
        "step_delays_hours": "Each value must be larger than the one before.",
        "discount_value": "Must be a number.",
        "holdout_percent": "Must be at most 50.",
        "consent_mode": "Must be one of: marketing, transactional.",
    }
    assert 'name="idle_minutes" value="5"' in html  # what the merchant typed stays
    assert 'aria-invalid="true" aria-describedby="idle_minutes-error"' in html
    config = alpha_config(session, tenants)
    assert config.settings == {"idle_minutes": 30} and config.version == 1


def test_cross_field_rules_and_the_number_of_emails_are_checked(client, session, tenants):
    too_late = post(
        client, "/admin/recipes/abandoned_cart/settings",
        {"step_delays_hours": "1, 24", "discount_step": "3"},
    )  # fmt: skip
    assert too_late.status_code == 422
    assert inline_errors(text(too_late)) == {"discount_step": "There are only 2 steps."}
    too_many = post(
        client, "/admin/recipes/abandoned_cart/settings", {"step_delays_hours": "1, 2, 3, 4"}
    )
    assert inline_errors(text(too_many)) == {"step_delays_hours": "At most 3 values."}
    assert alpha_config(session, tenants) is None
    assert post(client, "/admin/recipes/nope/settings", {}).status_code == 404


def test_turning_a_recipe_on_is_refused_without_a_postal_address(client, session, tenants):
    tenants.alpha.email = "owner@alpha.test"
    session.commit()
    refused = post(client, "/admin/recipes/abandoned_cart/enabled", {"enabled": "on"})
    html = text(refused)
    assert refused.status_code == 409
    assert "The recipe was not turned on." in html
    assert "Add your postal address in Settings before turning on a recipe" in html
    assert alpha_config(session, tenants) is None
    from_editor = post(
        client,
        "/admin/recipes/abandoned_cart/enabled",
        {"enabled": "on", "return_to": "editor"},
    )
    assert from_editor.status_code == 409 and 'id="dry-run"' in text(from_editor)
    assert "Before you turn this recipe on" in text(get(client, "/admin/recipes/abandoned_cart"))

    make_ready_to_send(session, tenants.alpha)
    session.commit()
    accepted = post(
        client,
        "/admin/recipes/abandoned_cart/enabled",
        {"enabled": "on", "return_to": "editor"},
    )
    assert accepted.status_code == 303
    assert accepted.headers["Location"].startswith("/admin/recipes/abandoned_cart?")
    assert alpha_config(session, tenants).enabled is True
    # Turning off is never refused, address or not.
    tenants.alpha.settings = {}
    session.commit()
    assert (
        post(client, "/admin/recipes/abandoned_cart/enabled", {"enabled": "off"}).status_code == 303
    )
    assert alpha_config(session, tenants).enabled is False


def test_saving_while_enabled_keeps_the_recipe_on(client, session, tenants):
    make_ready_to_send(session, tenants.alpha)
    make_recipe_config(session, tenants.alpha, "birthday", enabled=True)
    session.commit()
    assert post(client, "/admin/recipes/birthday/settings", {"send_hour": "10"}).status_code == 303
    active = store_configs(session, tenants.alpha)["birthday"]
    assert active.row.enabled and active.settings["send_hour"] == 10


def test_cards_summarise_the_settings_and_show_the_last_30_days(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    make_recipe_config(
        session, alpha, "birthday", settings={"send_hour": 10, "discount_value": "20"}
    )
    make_recipe_config(session, alpha, "cross_sell", settings={"delay_days": 3})
    make_enrollment(session, alpha, customer)
    message = make_message(session, alpha, customer)
    order = make_order(session, alpha, total_price=Decimal("125.50"))
    old = make_order(session, alpha, total_price=Decimal("999"))
    for credited, placed in ((order, utcnow()), (old, utcnow() - timedelta(days=45))):
        session.add(
            Attribution(
                store_id=alpha.id, order_id=credited.id, message_id=message.id,
                recipe="abandoned_cart", step=0, reason="click", revenue=credited.total_price,
                placed_at=placed,
            )
        )  # fmt: skip
    session.commit()
    html = text(get(client, "/admin/recipes"))
    assert "Sends a 20% off birthday code valid 14 days at 10:00" in html
    assert "Suggests up to 4 products that go with a paid order, 3 days after payment" in html
    assert "Reminds shoppers who leave a cart with 3 emails, 1 hour, 1 day and 3 days" in html
    card = html[html.index('id="abandoned_cart"') :]
    card = card[: card.index("</section>")]
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", card))
    # tenants holds one Alpha email already; the 45-day-old order is outside the 30 days.
    assert stats == {"Enrolled": "1", "Sent": "2", "Orders": "1", "Revenue": "$125.50"}


def test_the_addresses_forms_post_to_lead_back_to_the_editor(client, tenants):
    for path in ("settings", "dry-run", "emails/0", "emails/0/test"):
        response = get(client, f"/admin/recipes/abandoned_cart/{path}")
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/admin/recipes/abandoned_cart?")
    assert get(client, "/admin/recipes/nope/settings").status_code == 404
