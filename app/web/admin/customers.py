"""Customers: search, one customer's consent, suppressions, journeys and emails; unsubscribe
and erase (after the merchant confirms by typing the customer's address)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from app.core.customer_records import customer_profile, search_customers
from app.core.messaging.unsubscribe import unsubscribe_customer
from app.core.privacy import erase_customer
from app.db.models import Customer
from app.web.admin.access import current_scope
from app.web.admin.activity import MAX_QUERY, cursor_arg
from app.web.admin.blueprint import bp
from app.web.admin.pages import redirect_to
from app.web.request_scope import job_queues
from workers.queues import QueueUnavailable


@bp.get("/customers")
def customers() -> ResponseReturnValue:
    """The customer list, newest first, searchable by email or name."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    page = search_customers(current_scope(), query, cursor_arg())
    return render_template("admin/customers.html", page=page, query=query)


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int) -> ResponseReturnValue:
    """One customer."""
    profile = customer_profile(current_scope(), customer_id)
    if profile is None:
        abort(404, description="This store has no such customer.")
    return render_template("admin/customer.html", profile=profile)


@bp.post("/customers/<int:customer_id>/unsubscribe")
def unsubscribe(customer_id: int) -> ResponseReturnValue:
    """Unsubscribe the customer: suppress the address, withdraw consent, stop their journeys."""
    scope = current_scope()
    found = scope.get(Customer, customer_id)
    if found is None:
        abort(404, description="This store has no such customer.")
    result = unsubscribe_customer(scope.session, scope.store, found, source="admin")
    scope.session.commit()
    if result.email:
        try:
            job_queues().enqueue_consent_write_back(scope.store_id, result.email)
        except QueueUnavailable:
            pass  # the suppression records the write-back as owed; the clock's sweep queues it

    return redirect_to("admin.customer", customer_id=customer_id, notice="unsubscribed")


def erasable(customer_id: int) -> Customer:
    """The scope's customer, unless missing (404) or already erased (409)."""
    found = current_scope().get(Customer, customer_id)
    if found is None:
        abort(404, description="This store has no such customer.")
    if found.redacted_at is not None:
        abort(409, description="This customer's data was already erased.")
    return found


def confirmation_word(customer: Customer) -> str:
    """What the merchant types to confirm: the customer's address, or ERASE without one."""
    return customer.email or "ERASE"


def render_erase(
    customer: Customer, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """The confirmation page of an erasure."""
    page = render_template(
        "admin/customer_erase.html",
        customer=customer,
        confirm_with=confirmation_word(customer),
        error=error,
    )
    return page, status


@bp.get("/customers/<int:customer_id>/erase")
def confirm_erase(customer_id: int) -> ResponseReturnValue:
    """Ask the merchant to confirm an erasure: what goes, and that it cannot be undone."""
    return render_erase(erasable(customer_id))


@bp.post("/customers/<int:customer_id>/erase")
def erase(customer_id: int) -> ResponseReturnValue:
    """Erase the customer's personal data everywhere Nudge keeps it (app/core/privacy.py,
    audited there), once the merchant typed the confirmation."""
    scope = current_scope()
    found = erasable(customer_id)
    typed = request.form.get("confirm", "").strip()
    if typed.lower() != confirmation_word(found).lower():
        message = f"Type {confirmation_word(found)} exactly to confirm. Nothing was erased."
        return render_erase(found, message, 422)
    erase_customer(
        scope.session,
        scope.store,
        platform_id=found.platform_id,
        email=found.email,
        reason="merchant_request",
    )
    scope.session.commit()
    return redirect_to("admin.customers", notice="customer_erased")
