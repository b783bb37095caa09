"""A recipe's emails in the editor: copy checked and stored where the engine reads it, the live
preview of real data (escaped, framed under its own strict CSP), and test emails that arrive in
the sandbox SendGrid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core.compose import template_override
from app.core.messaging.contracts import TemplateOverride
from app.core.reporting import Period, dashboard
from app.core.tenancy import StoreScope
from app.db.base import utcnow
from app.db.models import AuditEntry, Cart, Message, Store
from app.runtime import Runtime
from tests.admin_data import API_SECRET, bearer, make_customer, make_message, make_ready_to_send
from tests.integration.admin.conftest import ALPHA_SHOP, sign_in
from tests.sendgrid_support import API_KEY, running_sandbox
from workers import runtime as worker_runtime

EDITOR = "/admin/recipes/abandoned_cart"
EMAIL = f"{EDITOR}/emails/1"


@pytest.fixture(scope="module")
def sendgrid():
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def runtime(settings, db, redis_client, sendgrid) -> Iterator[Runtime]:
    """The admin tests' runtime, sending through the sandbox SendGrid account."""
    sendgrid.control("POST", "/reset")
    process_runtime = Runtime(
        replace(
            settings,
            shopify_api_secret=API_SECRET,
            sendgrid_api_host=sendgrid.url,
            sendgrid_api_key=API_KEY,
        ),
        database=db,
    )
    worker_runtime.install(process_runtime)
    yield process_runtime
    worker_runtime.install(None)


def post(client, path: str, data, **headers):
    return client.post(path, data=data, headers={**bearer(ALPHA_SHOP), **headers})


def get(client, path: str, **headers):
    return client.get(path, headers={**bearer(ALPHA_SHOP), **headers})


def text(response) -> str:
    return response.get_data(as_text=True)


def shopper_with_cart(session, store: Store, *, first_name: str, title: str):
    """A real customer of `store` with an open cart of one product."""
    customer = make_customer(session, store, email="eve@alpha.test", first_name=first_name)
    session.add(
        Cart(
            store_id=store.id, kind="checkout", platform_token="tok-eve", cart_token="tok-eve",
            customer_id=customer.id, email=customer.email, currency="USD",
            lines=[{"product_id": "p1", "title": title, "price": "42.00", "quantity": 2,
                    "url": "https://alpha.test/products/boots"}],
            subtotal_price=Decimal("84.00"), recovery_url="https://alpha.test/recover/tok-eve",
            platform_updated_at=utcnow() - timedelta(hours=2),
        )
    )  # fmt: skip
    session.commit()
    return customer


# --- saving copy --------------------------------------------------------------------------


def test_saved_copy_is_stored_where_the_engine_reads_it(client, session, tenants):
    response = post(
        client,
        EMAIL,
        {"subject": "{{ greeting_name }}, your cart is still here", "body": "Come back soon.\r\n"},
    )
    assert response.status_code == 303 and "notice=email_saved" in response.headers["Location"]
    session.refresh(tenants.alpha)
    assert tenants.alpha.settings["templates"] == {
        "abandoned_cart": {
            "1": {
                "subject": "{{ greeting_name }}, your cart is still here",
                "body": "Come back soon.",
            }
        }
    }
    assert template_override(tenants.alpha, "abandoned_cart", 1) == TemplateOverride(
        subject="{{ greeting_name }}, your cart is still here", body="Come back soon."
    )
    html = text(get(client, EDITOR))
    assert "your cart is still here" in html and ">Custom<" in html

    reset = post(client, EMAIL, {"action": "reset"})
    assert reset.status_code == 303 and "notice=email_reset" in reset.headers["Location"]
    session.refresh(tenants.alpha)
    assert tenants.alpha.settings["templates"] == {}
    assert template_override(tenants.alpha, "abandoned_cart", 1) is None
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.store_id == tenants.alpha.id)
    ).all()
    assert actions == ["recipe.copy_saved", "recipe.copy_reset"]


def test_only_what_differs_from_the_default_is_stored(client, session, tenants):
    defaults = text(get(client, EDITOR))
    default_subject = re.search(r'id="subject-0" name="subject" value="([^"]*)"', defaults).group(1)
    post(client, f"{EDITOR}/emails/0", {"subject": default_subject.replace("&#39;", "'")
                                        .replace("&#34;", '"').replace("&amp;", "&"),
                                        "body": "My own words."})  # fmt: skip
    session.refresh(tenants.alpha)
    assert tenants.alpha.settings["templates"]["abandoned_cart"]["0"] == {"body": "My own words."}


def test_an_invalid_template_is_refused_with_its_line_and_reason(client, session, tenants):
    response = post(
        client,
        EMAIL,
        {"subject": "Hi {{ frist_name }}", "body": "Hello\n\n{{ products | shout }} soon"},
    )
    html = text(response)
    assert response.status_code == 422
    errors = dict(re.findall(r'data-problems-for="([^"]+)">([^<]+)</p>', html))
    assert errors["1.subject"] == "Line 1: unknown variable &#39;frist_name&#39;"
    assert errors["1.body"] == "Line 3: unknown filter &#39;shout&#39;"
    assert "Hello\n\n{{ products | shout }} soon" in html  # the draft stays in the editor
    session.refresh(tenants.alpha)
    assert "templates" not in (tenants.alpha.settings or {})
    attack = post(client, EMAIL, {"subject": "{{ ''.__class__ }}", "body": "x"})
    assert attack.status_code == 422 and "is not allowed" in text(attack)
    assert post(client, f"{EDITOR}/emails/7", {"subject": "a", "body": "b"}).status_code == 404


# --- preview ------------------------------------------------------------------------------


def test_the_preview_renders_a_real_customer_and_cart_escaped(client, session, tenants):
    shopper_with_cart(
        session, tenants.alpha, first_name="<b>Eve</b>", title='<script>alert("x")</script>Boots'
    )
    response = get(client, f"{EDITOR}/emails/0/preview")
    html = text(response)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "&lt;script&gt;alert" in html and "<script>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html
    assert "https://alpha.test/recover/tok-eve" in html  # the real cart's recovery link
    assert "$84.00" in html or "84.00" in html
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and policy.endswith("sandbox")
    assert (
        "script-src" not in policy
        and "frame-ancestors 'self' https://alpha.myshopify.com" in policy
    )
    described = get(client, f"{EDITOR}/emails/0/preview", Accept="application/json").json
    assert described["source"] == "customer" and described["customer_email"] == "eve@alpha.test"
    assert described["problems"] == {}


def test_the_preview_of_a_draft_uses_the_draft(client, session, tenants):
    shopper_with_cart(session, tenants.alpha, first_name="Eve", title="Boots")
    draft = {"subject": "{{ first_name }}, {{ item_count }} items wait", "body": "Hi {{ email }}"}
    described = post(client, f"{EDITOR}/emails/0/preview", draft, Accept="application/json").json
    assert described["subject"] == "Eve, 2 items wait"
    framed = text(post(client, f"{EDITOR}/emails/0/preview", draft))
    assert "Hi eve@alpha.test" in framed
    broken = {"subject": "{{ nope }}", "body": "fine"}
    problems = post(client, f"{EDITOR}/emails/0/preview", broken, Accept="application/json").json
    assert problems["subject"] is None
    assert problems["problems"] == {"subject": [{"line": 1, "message": "unknown variable 'nope'"}]}
    page = post(client, f"{EDITOR}/emails/0/preview", broken)
    assert "Fix the template to see the preview" in text(page)
    assert "sandbox" in page.headers["Content-Security-Policy"]
    session.refresh(tenants.alpha)
    assert "templates" not in (tenants.alpha.settings or {})  # a preview stores nothing


def test_a_store_without_data_previews_the_sample_in_its_own_branding(client, session, tenants):
    tenants.alpha.settings = {"accent_color": "#ff6600", "postal_address": "1 A St\nB 2\nC"}
    session.commit()
    html = text(get(client, "/admin/recipes/birthday/emails/0/preview"))
    assert "Alpha Outfitters" in html and "#ff6600" in html and "1 A St" in html
    assert "PREVIEW-CODE" in html and "15% off" in html
    described = get(client, f"{EDITOR}/emails/0/preview", Accept="application/json").json
    assert described["source"] == "sample"
    assert "Trail Runner" in text(get(client, f"{EDITOR}/emails/0/preview"))


def test_the_editor_frames_the_preview_sandboxed(app, client, session, tenants):
    sign_in(app, client, tenants.alpha)
    html = text(client.get(EDITOR))
    frames = re.findall(r"<iframe[^>]*>", html)
    assert len(frames) == 3
    assert all(" sandbox " in frame and 'src="/admin/recipes/abandoned_cart/emails/' in frame
               for frame in frames)  # fmt: skip
    framed = client.get(f"{EDITOR}/emails/0/preview")
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self';" in framed.headers["Content-Security-Policy"]
    assert client.get(EDITOR).headers["X-Frame-Options"] == "DENY"


def test_inside_shopify_only_the_preview_accepts_a_posted_id_token(client, session, tenants):
    from tests.admin_data import session_token

    token = session_token(ALPHA_SHOP)
    query = f"?shop={ALPHA_SHOP}&embedded=1&id_token={token}"
    framed = client.post(f"{EDITOR}/emails/0/preview{query}", data={"subject": "a", "body": "b"})
    assert framed.status_code == 200
    write = client.post(f"{EDITOR}/emails/0{query}", data={"subject": "a", "body": "b"})
    assert write.status_code == 401
    session.refresh(tenants.alpha)
    assert "templates" not in (tenants.alpha.settings or {})


# --- test emails --------------------------------------------------------------------------


def deliveries(sendgrid) -> list[dict]:
    listed = sendgrid.control("GET", "/messages").json()["messages"]
    return [sendgrid.control("GET", f"/messages/{m['sg_message_id']}").json() for m in listed]


def test_a_test_email_arrives_in_sendgrid_and_counts_for_nothing(
    client, session, tenants, sendgrid
):
    make_ready_to_send(session, tenants.alpha)
    shopper_with_cart(session, tenants.alpha, first_name="Eve", title="Trail Boots")
    draft = {"subject": "Still thinking, {{ first_name }}?", "body": "Unsaved words.",
             "test_to": " Merchant@Alpha.test "}  # fmt: skip
    response = post(client, f"{EDITOR}/emails/1/test", draft)
    page = text(response)
    assert response.status_code == 200 and "Test email sent." in page
    # The editor comes back with the unsaved copy and the address as typed.
    assert (
        'value="Still thinking, {{ first_name }}?"' in page and ">Unsaved words.</textarea>" in page
    )
    assert 'value=" Merchant@Alpha.test "' in page

    [mail] = deliveries(sendgrid)
    assert mail["email"] == "merchant@alpha.test"
    assert mail["subject"] == "[Test] Still thinking, Eve?"
    assert "Unsaved words." in mail["html"] and "Trail Boots" in mail["html"]
    assert "PREVIEW-CODE" in mail["html"] and "1 Alpha Street" in mail["html"]
    assert mail["headers"]["List-Unsubscribe"].startswith("<https://nudge.test/u/")
    message = session.scalars(select(Message).where(Message.store_id == tenants.alpha.id)
                              .where(Message.to_email == "merchant@alpha.test")).one()  # fmt: skip
    assert message.idempotency_key.startswith("test:") and len(message.idempotency_key) == 41
    assert (message.recipe, message.step, message.category) == (
        "abandoned_cart",
        1,
        "transactional",
    )
    assert message.status == "sent" and message.provider_message_id == mail["x_message_id"]
    assert mail["custom_args"]["nudge_message_id"] == str(message.id)
    period = Period.last_days(7, "UTC", utcnow())
    assert dashboard(StoreScope(session, tenants.alpha), period).total.sent == 1  # tenants' one
    session.refresh(tenants.alpha)
    assert "templates" not in tenants.alpha.settings  # the draft was sent, not saved


def test_a_bad_address_or_template_sends_nothing(client, session, tenants, sendgrid):
    for address in ("", "not an address", "a@b.test, c@d.test"):
        response = post(client, f"{EDITOR}/emails/0/test", {"subject": "a", "body": "b",
                                                             "test_to": address})  # fmt: skip
        assert response.status_code == 400, address
        assert 'data-problems-for="0.test_to">Enter' in text(response)
    bad = post(client, f"{EDITOR}/emails/0/test",
               {"subject": "{{ x }}", "body": "b", "test_to": "me@alpha.test"})  # fmt: skip
    assert bad.status_code == 422
    assert deliveries(sendgrid) == []
    assert (
        session.scalars(select(Message).where(Message.idempotency_key.like("test:%"))).all() == []
    )


def test_test_emails_are_limited_per_store_and_hour(client, session, tenants, sendgrid):
    for number in range(10):
        make_message(
            session, tenants.alpha, tenants.alpha_customer, idempotency_key=f"test:{number}",
            created_at=utcnow() - timedelta(minutes=5),
        )  # fmt: skip
    make_message(session, tenants.beta, tenants.beta_customer, idempotency_key="test:beta")
    session.commit()
    response = post(client, f"{EDITOR}/emails/0/test",
                    {"subject": "a", "body": "b", "test_to": "me@alpha.test"})  # fmt: skip
    assert response.status_code == 429
    assert "You sent 10 test emails in the last hour" in text(response)
    assert deliveries(sendgrid) == []


def test_a_provider_refusal_is_shown_and_recorded(client, session, tenants, sendgrid):
    sendgrid.control("POST", "/faults", json={"status": 503, "count": 1})
    response = post(client, f"{EDITOR}/emails/0/test",
                    {"subject": "a", "body": "b", "test_to": "me@alpha.test"})  # fmt: skip
    assert response.status_code == 502
    assert "The email provider did not take the test email" in text(response)
    message = session.scalars(select(Message).where(Message.to_email == "me@alpha.test")).one()
    assert message.status == "failed" and message.error
    assert deliveries(sendgrid) == []


def test_an_unanswered_send_is_never_repeated_and_says_so(client, session, tenants, monkeypatch):
    from app.core.ports import OutcomeUnknown
    from app.web.admin import recipe_emails

    class SilentProvider:
        calls = 0

        def send(self, messages):
            SilentProvider.calls += 1
            raise OutcomeUnknown("read timeout after the request left")

    monkeypatch.setattr(recipe_emails, "mail_sender", SilentProvider)
    response = post(client, f"{EDITOR}/emails/0/test",
                    {"subject": "a", "body": "b", "test_to": "me@alpha.test"})  # fmt: skip
    assert response.status_code == 502 and "may still arrive" in text(response)
    message = session.scalars(select(Message).where(Message.to_email == "me@alpha.test")).one()
    assert message.status == "sending" and message.error.startswith("outcome unknown")
    assert SilentProvider.calls == 1
