"""Two stores, Alpha (the merchant signed in) and Beta (whose data must never show), and ways in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from flask.testing import FlaskClient

from app.db.models import Customer, Store
from app.runtime import Runtime
from app.web.admin import login_link_for
from tests.admin_data import API_SECRET, bearer, make_customer, make_enrollment, make_message
from tests.factories import make_store
from workers import runtime as worker_runtime

ALPHA_SHOP = "alpha.myshopify.com"
BETA_SHOP = "beta.myshopify.com"
#: Strings that exist only in Beta's rows: no response to Alpha may contain any of them.
BETA_MARKERS = ("beta-secret@victim.test", "Beta Secret Store", "Victim subject line", "BETA-CODE")


@pytest.fixture
def runtime(settings, db, redis_client) -> Iterator[Runtime]:
    """The suite's runtime with a Shopify client secret of realistic length."""
    process_runtime = Runtime(replace(settings, shopify_api_secret=API_SECRET), database=db)
    worker_runtime.install(process_runtime)
    yield process_runtime
    worker_runtime.install(None)


@dataclass
class Tenants:
    alpha: Store
    beta: Store
    alpha_customer: Customer
    beta_customer: Customer


@pytest.fixture
def tenants(session) -> Tenants:
    alpha = make_store(session, domain=ALPHA_SHOP, name="Alpha Outfitters")
    beta = make_store(session, domain=BETA_SHOP, name="Beta Secret Store")
    alpha_customer = make_customer(session, alpha, email="ada@alpha.test")
    beta_customer = make_customer(session, beta, email="beta-secret@victim.test")
    make_message(session, beta, beta_customer, subject="Victim subject line")
    make_enrollment(session, beta, beta_customer)
    make_message(session, alpha, alpha_customer, subject="Alpha reminder")
    session.commit()
    return Tenants(alpha, beta, alpha_customer, beta_customer)


def alpha_headers() -> dict[str, str]:
    """A fresh session token of Alpha's shop."""
    return bearer(ALPHA_SHOP)


def login_path(app, store: Store) -> str:
    """The path of a fresh login link for `store`."""
    with app.test_request_context():
        link = login_link_for(store)
    return link.removeprefix("https://nudge.test")


def sign_in(app, client: FlaskClient, store: Store) -> str:
    """Sign `client` into `store` through a login link; returns the session's CSRF token."""
    path = login_path(app, store)
    page = client.get(path)
    assert page.status_code == 200, page.data
    token = csrf_from(page.get_data(as_text=True))
    done = client.post(path, data={"csrf_token": token})
    assert done.status_code == 303, done.data
    return csrf_from(client.get("/admin/").get_data(as_text=True))


def csrf_from(html: str) -> str:
    """The CSRF token a page carries (meta tag or hidden field)."""
    match = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
