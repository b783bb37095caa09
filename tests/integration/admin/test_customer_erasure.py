"""Erasing a customer from the admin: a confirmation first, then app/core/privacy.py's erasure,
audited; a wrong confirmation erases nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.db.models import AuditEntry, Customer, Message, Suppression
from tests.admin_data import bearer, make_enrollment
from tests.integration.admin.conftest import ALPHA_SHOP


def get(client, path: str):
    return client.get(path, headers=bearer(ALPHA_SHOP))


def post(client, path: str, data):
    return client.post(path, data=data, headers=bearer(ALPHA_SHOP))


def test_erasing_asks_for_the_address_then_erases_and_audits(client, session, tenants):
    alpha, ada = tenants.alpha, tenants.alpha_customer
    make_enrollment(session, alpha, ada)
    session.add(Suppression(store_id=alpha.id, email=ada.email, reason="unsubscribed"))
    session.commit()
    path = f"/admin/customers/{ada.id}/erase"
    confirm = get(client, path)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "This cannot be undone." in html
    assert "Type <code>ada@alpha.test</code> to confirm" in html

    wrong = post(client, path, {"confirm": "ada@alpha"})
    assert wrong.status_code == 422
    assert "Type ada@alpha.test exactly to confirm. Nothing was erased." in wrong.get_data(
        as_text=True
    )
    session.refresh(ada)
    assert ada.email == "ada@alpha.test" and ada.redacted_at is None

    done = post(client, path, {"confirm": " ADA@alpha.test "})
    assert done.status_code == 303 and "notice=customer_erased" in done.headers["Location"]
    session.expire_all()
    ada = session.get(Customer, ada.id)
    assert ada.redacted_at is not None and ada.email is None and ada.first_name is None
    emails = session.scalars(select(Message.to_email).where(Message.store_id == alpha.id)).all()
    assert "ada@alpha.test" not in emails
    # The opt-out outlives the erasure as a digest; the address itself is gone.
    [kept] = session.scalars(select(Suppression).where(Suppression.store_id == alpha.id)).all()
    assert kept.email.startswith("erased:") and "ada@alpha.test" not in kept.email
    assert kept.reason == "unsubscribed"
    [audit] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "privacy.customer_erased")
    ).all()
    assert audit.store_id == alpha.id and audit.detail["reason"] == "merchant_request"
    assert "ada@alpha.test" not in str(audit.subject) + str(audit.detail)
    # Beta's customer of the same shape is untouched.
    assert session.get(Customer, tenants.beta_customer.id).email == "beta-secret@victim.test"

    again = get(client, path)
    assert again.status_code == 409
    page = get(client, f"/admin/customers/{ada.id}").get_data(as_text=True)
    assert re.search(r"<button[^>]*disabled[^>]*>Erase customer data</button>", page)


def test_a_customer_without_an_address_is_confirmed_with_erase(client, session, tenants):
    from tests.admin_data import make_customer

    guest = make_customer(session, tenants.alpha, email=None, first_name="Guest")
    session.commit()
    path = f"/admin/customers/{guest.id}/erase"
    assert "Type <code>ERASE</code> to confirm" in get(client, path).get_data(as_text=True)
    assert post(client, path, {"confirm": "erase"}).status_code == 303
    session.refresh(guest)
    assert guest.redacted_at is not None and guest.first_name is None


def test_another_stores_customer_cannot_be_erased(client, session, tenants):
    path = f"/admin/customers/{tenants.beta_customer.id}/erase"
    assert get(client, path).status_code == 404
    assert post(client, path, {"confirm": "beta-secret@victim.test"}).status_code == 404
    session.refresh(tenants.beta_customer)
    assert tenants.beta_customer.redacted_at is None
