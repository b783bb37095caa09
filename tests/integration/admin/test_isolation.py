"""A store sees its own data and nothing else, on every /admin route there is.

The routes are read from the app's URL map, so a page added later is covered without touching
this file; a route whose path needs a value this file does not know fails loudly until one is
added to PATH_VALUES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from app.db.models import Customer, Enrollment, RecipeConfig, Store, Suppression
from app.web.admin import PUBLIC_ENDPOINTS
from tests.admin_data import bearer, session_token
from tests.integration.admin.conftest import (
    ALPHA_SHOP,
    BETA_MARKERS,
    BETA_SHOP,
    Tenants,
    sign_in,
)

#: For each path variable, the value to try: always one of Beta's (the victim's) rows.
PATH_VALUES: dict[str, Callable[[Tenants], object]] = {
    "customer_id": lambda tenants: tenants.beta_customer.id,
    "recipe": lambda tenants: "abandoned_cart",
    "step": lambda tenants: 0,
}
#: What a write to each route may carry (Alpha's own changes; never Beta's).
FORMS: dict[str, dict[str, str]] = {
    "admin.set_recipe_switch": {"enabled": "on"},
    "admin.save_settings": {"sender_name": "Alpha changed this"},
    "admin.save_recipe": {"idle_minutes": "90"},
    "admin.start_recipe_dry_run": {"idle_minutes": "30"},
    "admin.save_email": {"subject": "Hi {{ greeting_name }}", "body": "Your cart misses you."},
    "admin.email_preview": {"subject": "Hi {{ greeting_name }}", "body": "Still there?"},
    # No address: refused (400) before anything is rendered or sent.
    "admin.send_test": {"subject": "Hi", "body": "Hello"},
    # The victim's own address as the confirmation: still 404, nothing erased.
    "admin.erase": {"confirm": "beta-secret@victim.test"},
}
#: What a store's own request may answer: a page, a redirect after a write, or a refusal of
#: what it asked (turning a recipe on without a postal address, a test email without address).
OWN_STATUSES = (200, 303, 400, 409, 422)
EXPECTED_PUBLIC = {
    "admin.static",
    "admin.login",
    "admin.login_submit",
    "admin.session_token",
}


def admin_routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, rule) for every non-public /admin route."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule.rule


def build_path(app: Flask, endpoint: str, rule: str, tenants: Tenants) -> str:
    arguments = next(r.arguments for r in app.url_map.iter_rules() if r.rule == rule)
    missing = [name for name in arguments if name not in PATH_VALUES]
    if missing:
        pytest.fail(f"{rule}: add a victim value for {missing} to PATH_VALUES")
    with app.test_request_context():
        return url_for(endpoint, **{name: PATH_VALUES[name](tenants) for name in arguments})


def call(client, method: str, path: str, endpoint: str, headers=None, csrf: str | None = None):
    data = dict(FORMS.get(endpoint, {}))
    if csrf:
        data["csrf_token"] = csrf
    return client.open(path, method=method, headers=headers or {}, data=data or None)


def assert_no_beta_data(response, where: str) -> None:
    body = response.get_data(as_text=True)
    leaked = [marker for marker in BETA_MARKERS if marker in body]
    assert not leaked, f"{where} leaked {leaked}"


def beta_snapshot(session, tenants: Tenants) -> dict[str, object]:
    session.expire_all()
    beta = session.get(Store, tenants.beta.id)
    return {
        "consent": session.get(Customer, tenants.beta_customer.id).consent,
        "settings": dict(beta.settings or {}),
        "suppressions": session.scalars(
            select(Suppression.email).where(Suppression.store_id == beta.id)
        ).all(),
        "configs": session.scalars(
            select(RecipeConfig.recipe).where(RecipeConfig.store_id == beta.id)
        ).all(),
        "enrollments": session.scalars(
            select(Enrollment.state).where(Enrollment.store_id == beta.id)
        ).all(),
        "erased": session.get(Customer, tenants.beta_customer.id).redacted_at,
    }


def test_only_the_sign_in_pages_are_public(app) -> None:
    assert PUBLIC_ENDPOINTS == EXPECTED_PUBLIC
    assert len(list(admin_routes(app))) >= 10  # the whole admin is behind the guard


def test_every_admin_route_refuses_a_request_without_credentials(app, client, tenants) -> None:
    for endpoint, method, rule in admin_routes(app):
        path = build_path(app, endpoint, rule, tenants)
        response = call(client, method, path, endpoint)
        assert response.status_code == 401, f"{method} {rule}: {response.status_code}"
        assert_no_beta_data(response, f"{method} {rule}")


def test_every_admin_route_refuses_a_forged_or_foreign_token(app, client, tenants) -> None:
    forged = {"Authorization": f"Bearer {session_token(BETA_SHOP, secret='shpss_' + 'e' * 32)}"}
    stranger = bearer("stranger.myshopify.com")
    for endpoint, method, rule in admin_routes(app):
        path = build_path(app, endpoint, rule, tenants)
        response = call(client, method, path, endpoint, headers=forged)
        assert response.status_code == 401, f"forged token, {method} {rule}"
        assert_no_beta_data(response, f"forged token, {method} {rule}")
        response = call(client, method, path, endpoint, headers=stranger)
        assert response.status_code == 403, f"uninstalled shop, {method} {rule}"
        assert_no_beta_data(response, f"uninstalled shop, {method} {rule}")


def test_another_stores_session_token_sees_none_of_betas_data(
    app, client, session, tenants
) -> None:
    before = beta_snapshot(session, tenants)
    for endpoint, method, rule in admin_routes(app):
        path = build_path(app, endpoint, rule, tenants)
        response = call(client, method, path, endpoint, headers=bearer(ALPHA_SHOP))
        where = f"{method} {rule} as Alpha"
        if "customer_id" in rule:
            assert response.status_code == 404, where
        else:
            assert response.status_code in OWN_STATUSES, f"{where}: {response.status_code}"
        assert_no_beta_data(response, where)
    assert beta_snapshot(session, tenants) == before


def test_another_stores_cookie_session_sees_none_of_betas_data(
    app, client, session, tenants
) -> None:
    csrf = sign_in(app, client, tenants.alpha)
    before = beta_snapshot(session, tenants)
    for endpoint, method, rule in admin_routes(app):
        if endpoint == "admin.logout":
            continue  # would end the session this test runs in
        path = build_path(app, endpoint, rule, tenants)
        response = call(client, method, path, endpoint, csrf=csrf if method == "POST" else None)
        where = f"{method} {rule} as Alpha (cookie)"
        if "customer_id" in rule:
            assert response.status_code == 404, where
        assert response.status_code < 500, where
        assert_no_beta_data(response, where)
    assert beta_snapshot(session, tenants) == before


def test_every_admin_write_without_a_csrf_token_is_rejected(app, client, tenants) -> None:
    sign_in(app, client, tenants.alpha)
    for endpoint, method, rule in admin_routes(app):
        if method != "POST":
            continue
        path = build_path(app, endpoint, rule, tenants)
        response = call(client, method, path, endpoint)
        assert response.status_code == 403, f"POST {rule} without CSRF: {response.status_code}"


def test_naming_beta_in_the_query_or_asking_for_json_changes_nothing(
    app, client, session, tenants
) -> None:
    """The store comes from the verified token only: query parameters naming Beta's shop, store
    or customer, and JSON answers (fetches from the admin's script), show Alpha's data alone."""
    before = beta_snapshot(session, tenants)
    beta_query = {
        "shop": BETA_SHOP,
        "store": str(tenants.beta.id),
        "store_id": str(tenants.beta.id),
        "store_key": tenants.beta.key,
        "customer": str(tenants.beta_customer.id),
        "customer_id": str(tenants.beta_customer.id),
    }
    headers = {**bearer(ALPHA_SHOP), "Accept": "application/json"}
    for endpoint, method, rule in admin_routes(app):
        path = build_path(app, endpoint, rule, tenants)
        data = dict(FORMS.get(endpoint, {}))
        response = client.open(
            path, method=method, headers=headers, query_string=beta_query, data=data or None
        )
        where = f"{method} {rule} as Alpha naming Beta"
        assert response.status_code < 500, where
        assert_no_beta_data(response, where)
        if response.is_json:
            assert tenants.beta.key not in response.get_data(as_text=True), where
    assert beta_snapshot(session, tenants) == before
