"""The admin pages with real rows: what they show, and what their buttons change."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.progress import record_progress
from app.db.base import utcnow
from app.db.models import AuditEntry, Enrollment, RecipeConfig, Suppression
from tests.admin_data import (
    bearer,
    make_code,
    make_customer,
    make_enrollment,
    make_message,
    make_order,
    make_ready_to_send,
    make_recipe_config,
)
from tests.factories import make_store
from tests.integration.admin.conftest import ALPHA_SHOP


def get(client, path: str, **query):
    return client.get(path, query_string=query, headers=bearer(ALPHA_SHOP))


def post(client, path: str, data: dict[str, str]):
    return client.post(path, data=data, headers=bearer(ALPHA_SHOP))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- home -------------------------------------------------------------------------------------


def test_a_new_store_sees_what_to_do_first(client, session):
    make_store(session, domain=ALPHA_SHOP, name="Alpha Outfitters", email=None)
    session.commit()
    html = text(get(client, "/admin/"))
    assert "Finish setting up Nudge" in html
    assert "Missing: sender email, postal address" in html
    assert "Turn on your first recipe" in html
    assert "Nothing sent yet" in html
    assert "No attributed orders in this period" in html  # the chart says so, not left blank


def test_home_counts_each_recipes_funnel_for_the_period(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    now = utcnow()
    make_message(session, alpha, customer, opened_at=now, clicked_at=now)
    make_message(session, alpha, customer, recipe="birthday", status="sent", delivered_at=None)
    make_message(session, alpha, customer, sent_at=now - timedelta(days=40))  # outside 30 days
    make_message(session, alpha, customer, idempotency_key="test:1", sent_at=now)  # a test email
    make_enrollment(session, alpha, customer)
    make_enrollment(session, alpha, customer, holdout=True)
    make_code(session, alpha, customer, redeemed_order_id=make_order(session, alpha).id)
    make_code(session, alpha, customer, status="failed")
    session.commit()
    html = text(get(client, "/admin/"))
    metrics = dict(
        re.findall(r'metric__label">([^<]+)</span><span class="metric__value">([^<]+)', html)
    )
    # tenants already holds one Alpha email: 3 campaign emails in the last 30 days.
    assert metrics == {
        "Enrolled": "2", "Emails sent": "3", "Opened": "1", "Clicked": "1", "Codes issued": "1",
        "Revenue": "$0.00",
    }  # fmt: skip
    assert "1 in holdout" in html and "1 redeemed" in html and "0 orders credited" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert "Abandoned cart $0.00, Product interest $0.00, Cross-sell $0.00, Birthday $0.00." in html
    ninety = text(get(client, "/admin/", period="90"))
    assert re.search(r'Emails sent</span><span class="metric__value">4<', ninety)
    assert 'aria-current="true">90 days' in ninety
    assert 'aria-current="true">30 days' in text(get(client, "/admin/", period="1000"))


def test_home_shows_long_operations_and_the_poll_answers_their_progress(client, session, tenants):
    record_progress(
        session, tenants.alpha, "backfill", label="Importing customers", done=1200, total=5000
    )
    session.commit()
    html = text(get(client, "/admin/"))
    assert "Importing customers" in html and '<progress max="100" value="24"' in html
    assert "1,200 of 5,000" in html
    polled = client.get(
        "/admin/progress", headers={**bearer(ALPHA_SHOP), "Accept": "application/json"}
    )
    assert polled.json["operations"][0] | {"updated_at": None} == {
        "operation": "backfill", "label": "Importing customers", "state": "running",
        "done": 1200, "total": 5000, "percent": 24, "message": "", "updated_at": None,
    }  # fmt: skip


# --- recipes ----------------------------------------------------------------------------------


def test_recipe_cards_show_each_recipe_with_its_switch(client, session, tenants):
    make_recipe_config(session, tenants.alpha, "birthday", enabled=True)
    session.commit()
    html = text(get(client, "/admin/recipes"))
    for title in ("Abandoned cart", "Product interest", "Cross-sell", "Birthday"):
        assert re.search(rf'<h2 class="card__title"><a [^>]+>{title}</a></h2>', html)
    birthday = html[html.index('id="birthday"') :]
    assert "Turn off" in birthday[:3000]
    assert html.count('data-action="turn-on"') == 3


def test_turning_a_recipe_on_and_off_writes_its_configuration(client, session, tenants):
    make_ready_to_send(session, tenants.alpha)
    config = make_recipe_config(
        session, tenants.alpha, "abandoned_cart", settings={"delay_minutes": 90}, version=3
    )
    session.commit()
    response = post(client, "/admin/recipes/abandoned_cart/enabled", {"enabled": "on"})
    assert response.status_code == 303 and "notice=recipe_on" in response.headers["Location"]
    session.refresh(config)
    assert config.enabled and config.settings == {"delay_minutes": 90} and config.version == 3
    post(client, "/admin/recipes/abandoned_cart/enabled", {"enabled": "off"})
    post(client, "/admin/recipes/cross_sell/enabled", {"enabled": "on"})  # no row yet
    session.expire_all()
    configs = {
        row.recipe: row.enabled
        for row in session.scalars(
            select(RecipeConfig).where(RecipeConfig.store_id == tenants.alpha.id)
        )
    }
    assert configs == {"abandoned_cart": False, "cross_sell": True}
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.store_id == tenants.alpha.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["recipe.enabled", "recipe.disabled", "recipe.enabled"]


def test_a_bad_recipe_switch_changes_nothing(client, session, tenants):
    assert post(client, "/admin/recipes/spam_blast/enabled", {"enabled": "on"}).status_code == 404
    assert post(client, "/admin/recipes/birthday/enabled", {"enabled": "yes"}).status_code == 400
    assert post(client, "/admin/recipes/birthday/enabled", {}).status_code == 400
    assert session.scalars(select(RecipeConfig)).all() == []


# --- activity ---------------------------------------------------------------------------------


def test_the_email_log_shows_recipient_recipe_step_status_code_and_order(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    order = make_order(session, alpha, name="#1042")
    code = make_code(session, alpha, customer, code="SAVE10-XYZ", redeemed_order_id=order.id)
    make_message(session, alpha, customer, step=1, discount_id=code.id, status="clicked")
    make_message(
        session, alpha, customer, status="bounced", error="mailbox full", to_email="x@bad.test"
    )
    session.commit()
    html = text(get(client, "/admin/activity"))
    assert "ada@alpha.test" in html and "SAVE10-XYZ" in html and "#1042" in html
    assert ">Clicked<" in html and ">Bounced<" in html and "mailbox full" in html
    assert '<td class="num">2</td>' in html  # step 1 is shown as the second step
    by_code = text(get(client, "/admin/activity", q="save10"))
    assert "SAVE10-XYZ" in by_code and "x@bad.test" not in by_code
    by_status = text(get(client, "/admin/activity", status="bounced"))
    assert "x@bad.test" in by_status and "SAVE10-XYZ" not in by_status
    nothing = text(get(client, "/admin/activity", q="nobody@nowhere"))
    assert "No emails match" in nothing


def test_the_email_log_pages_by_cursor(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    for number in range(60):
        make_message(session, alpha, customer, subject=f"Reminder number {number:02d}")
    session.commit()
    first = text(get(client, "/admin/activity"))
    assert "Reminder number 59" in first and "Reminder number 10" in first
    assert "Reminder number 09" not in first and 'aria-label="Previous page"' not in first
    next_cursor = re.search(r'cursor=(n\.[^"&]+)[^"]*" aria-label="Next page"', first).group(1)
    second = text(get(client, "/admin/activity", cursor=next_cursor))
    assert "Reminder number 09" in second and "Reminder number 00" in second
    assert "Reminder number 10" not in second and "Alpha reminder" in second
    previous = re.search(r'cursor=(p\.[^"&]+)[^"]*" aria-label="Previous page"', second).group(1)
    back = text(get(client, "/admin/activity", cursor=previous))
    assert "Reminder number 59" in back and "Reminder number 10" in back
    assert "Reminder number 09" not in back
    assert "Reminder number 59" in text(get(client, "/admin/activity", cursor="n.i'; DROP"))


def test_scheduled_steps_say_when_and_why(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    soon = utcnow() + timedelta(hours=2)
    make_enrollment(session, alpha, customer, next_run_at=soon, wait_reason="quiet_hours")
    make_enrollment(session, alpha, customer, wait_reason="frequency_cap", recipe="birthday")
    make_enrollment(session, alpha, customer, holdout=True, recipe="cross_sell")
    make_enrollment(session, alpha, customer, state="completed", recipe="product_interest")
    session.commit()
    html = text(get(client, "/admin/activity", view="scheduled"))
    assert "Deferred by quiet hours" in html and "Deferred by the frequency cap" in html
    assert "In holdout: gets no email" in html
    assert "Product interest" not in html.split("<tbody>")[1]  # finished journeys are not waiting
    assert "in 1 hour" in html or "in 2 hours" in html
    only_birthday = text(get(client, "/admin/activity", view="scheduled", recipe="birthday"))
    assert "Deferred by the frequency cap" in only_birthday
    assert "Deferred by quiet hours" not in only_birthday


# --- customers --------------------------------------------------------------------------------


def test_customers_are_listed_and_searchable(client, session, tenants):
    make_customer(session, tenants.alpha, email="grace@alpha.test", first_name="Grace")
    session.commit()
    html = text(get(client, "/admin/customers"))
    assert "grace@alpha.test" in html and "ada@alpha.test" in html
    found = text(get(client, "/admin/customers", q="GRACE"))
    assert "grace@alpha.test" in found and "ada@alpha.test" not in found
    assert "No customers match" in text(get(client, "/admin/customers", q="zzz"))


def test_the_customer_page_shows_consent_suppressions_journeys_and_emails(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    make_enrollment(session, alpha, customer, recipe="birthday")
    session.add(Suppression(store_id=alpha.id, email=customer.email, reason="bounced"))
    session.commit()
    html = text(get(client, f"/admin/customers/{customer.id}"))
    assert ">Subscribed<" in html and ">Bounced<" in html
    assert "Birthday" in html and "Alpha reminder" in html
    assert f'href="/admin/customers/{customer.id}/erase?' in html  # erasing asks first


def test_unsubscribing_suppresses_withdraws_consent_and_stops_journeys(client, session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer
    waiting = make_enrollment(session, alpha, customer)
    done = make_enrollment(session, alpha, customer, state="completed")
    session.commit()
    response = post(client, f"/admin/customers/{customer.id}/unsubscribe", {})
    assert response.status_code == 303 and "notice=unsubscribed" in response.headers["Location"]
    session.expire_all()
    assert customer.consent == "unsubscribed" and customer.consent_updated_at is not None
    assert session.get(Enrollment, waiting.id).state == "exited"
    assert session.get(Enrollment, waiting.id).exit_reason == "unsubscribed"
    assert session.get(Enrollment, done.id).state == "completed"
    suppressions = session.scalars(
        select(Suppression).where(Suppression.store_id == alpha.id)
    ).all()
    assert [(row.email, row.reason, row.source) for row in suppressions] == [
        ("ada@alpha.test", "unsubscribed", "admin")
    ]
    # Repeating it changes nothing more, and the page now offers nothing to press.
    assert post(client, f"/admin/customers/{customer.id}/unsubscribe", {}).status_code == 303
    assert (
        len(session.scalars(select(Suppression).where(Suppression.store_id == alpha.id)).all()) == 1
    )
    html = text(get(client, f"/admin/customers/{customer.id}", notice="unsubscribed"))
    assert "Customer unsubscribed." in html
    assert re.search(r"<button[^>]*disabled[^>]*>Unsubscribe from marketing</button>", html)
