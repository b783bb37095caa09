"""Getting into the admin: session tokens inside Shopify, login links and CSRF outside it."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.db.base import utcnow
from app.db.models import AuditEntry, Store
from app.web.admin import access
from app.web.admin.login_links import mint_login_link
from tests.admin_data import bearer, session_token
from tests.integration.admin.conftest import ALPHA_SHOP, csrf_from, login_path, sign_in

HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxwaGE"


def embedded_url(path: str = "/admin/", token: str | None = None) -> str:
    url = f"{path}?shop={ALPHA_SHOP}&host={HOST}&embedded=1"
    return url + (f"&id_token={token}" if token else "")


# --- inside Shopify ---------------------------------------------------------------------------


def test_embedded_page_loads_app_bridge_and_may_be_framed_by_the_shop_only(client, tenants):
    response = client.get(embedded_url(token=session_token(ALPHA_SHOP)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<meta name="shopify-api-key" content="test-shopify-key">' in html
    assert '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>' in html
    assert 'name="csrf-token"' not in html and "Set-Cookie" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors https://{ALPHA_SHOP} https://admin.shopify.com" in csp
    assert "X-Frame-Options" not in response.headers
    # Links stay embedded: the next document load knows its shop and host.
    assert f"/admin/recipes?shop={ALPHA_SHOP}&amp;embedded=1&amp;host={HOST}" in html
    assert "Alpha Outfitters" not in html or "<ui-nav-menu>" in html


def test_standalone_page_has_no_app_bridge_and_may_not_be_framed(app, client, tenants):
    sign_in(app, client, tenants.alpha)
    response = client.get("/admin/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "app-bridge.js" not in html and "shopify-api-key" not in html
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_fetch_with_a_session_token_is_served(client, tenants):
    response = client.get("/admin/progress", headers=bearer(ALPHA_SHOP))
    assert response.status_code == 200 and response.json == {"operations": []}


def test_document_load_without_a_token_goes_to_the_app_bridge_page(client, tenants):
    response = client.get(embedded_url("/admin/recipes"))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert location.path == "/admin/auth/session-token"
    assert query["shop"] == [ALPHA_SHOP] and query["host"] == [HOST]
    assert query["shopify-reload"][0].startswith("/admin/recipes?shop=")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert b'<meta name="shopify-api-key" content="test-shopify-key">' in page.data
    assert f"frame-ancestors https://{ALPHA_SHOP}" in page.headers["Content-Security-Policy"]


def test_an_expired_token_on_a_document_load_is_renewed_not_refused(client, tenants):
    stale = session_token(ALPHA_SHOP, exp=int(time.time()) - 120, nbf=int(time.time()) - 180)
    response = client.get(embedded_url(token=stale))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/auth/session-token"


def test_the_app_bridge_page_reloads_only_admin_pages(client):
    for reload in ("https://evil.test/", "//evil.test/admin", "/shopify", ""):
        response = client.get(
            "/admin/auth/session-token", query_string={"shop": ALPHA_SHOP, "shopify-reload": reload}
        )
        assert response.status_code == 400, reload
    bad_shop = client.get(
        "/admin/auth/session-token",
        query_string={"shop": "evil.test", "shopify-reload": "/admin/"},
    )
    assert bad_shop.status_code == 400


def test_bad_session_tokens_get_401_with_the_retry_header(client, tenants):
    now = int(time.time())
    bad_tokens = {
        "expired": session_token(ALPHA_SHOP, exp=now - 60, nbf=now - 120),
        "not yet valid": session_token(ALPHA_SHOP, nbf=now + 120),
        "other app": session_token(ALPHA_SHOP, aud="someone-elses-app"),
        "forged": session_token(ALPHA_SHOP, secret="shpss_ffffffffffffffffffffffffffffffff"),
        "issuer is another shop": session_token(ALPHA_SHOP, iss="https://beta.myshopify.com/admin"),
        "not a shop": session_token("alpha.example.com"),
        "no expiry": session_token(ALPHA_SHOP, exp=None),
        "garbage": "not.a.jwt",
    }
    for reason, token in bad_tokens.items():
        response = client.get("/admin/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, reason
        assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1", reason
    basic = client.get("/admin/", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


def test_unsigned_tokens_are_refused(client, tenants):
    import jwt

    unsigned = jwt.encode(
        {"iss": f"https://{ALPHA_SHOP}/admin", "dest": f"https://{ALPHA_SHOP}",
         "aud": "test-shopify-key", "exp": int(time.time()) + 60, "nbf": int(time.time())},
        key=None, algorithm="none",
    )  # fmt: skip
    response = client.get("/admin/", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


def test_a_shop_without_nudge_installed_gets_403(client, session, tenants):
    response = client.get("/admin/", headers=bearer("stranger.myshopify.com"))
    assert response.status_code == 403
    tenants.alpha.status = "uninstalled"
    session.commit()
    assert client.get("/admin/", headers=bearer(ALPHA_SHOP)).status_code == 403


def test_no_credentials_gets_401_as_page_or_json(client, tenants):
    page = client.get("/admin/settings")
    assert page.status_code == 401 and b"Sign in to Nudge" in page.data
    as_json = client.get("/admin/progress", headers={"Accept": "application/json"})
    assert as_json.status_code == 401 and as_json.json["error"] == "Unauthorized"


# --- login links ------------------------------------------------------------------------------


def test_a_login_link_works_once(app, client, session, tenants):
    path = login_path(app, tenants.alpha)
    landing = client.get(path)
    assert landing.status_code == 200 and b"Alpha Outfitters" in landing.data
    token = csrf_from(landing.get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    assert client.get("/admin/").status_code == 200
    revisited = client.get(path)
    assert revisited.status_code == 410 and b"already used" in revisited.data
    # Posting the spent link again (with a valid CSRF token) signs nobody in.
    other = app.test_client()
    other.get("/admin/login/not-a-token")  # a page that gives this browser a CSRF token
    with other.session_transaction() as cookie:
        cookie["csrf"] = "known-token"
    spent = other.post(path, data={"csrf_token": "known-token"})
    assert spent.status_code == 410 and b"already used" in spent.data
    assert other.get("/admin/").status_code == 401
    redeemed = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "admin.login_link_redeemed")
    ).all()
    assert len(redeemed) == 1 and redeemed[0].store_id == tenants.alpha.id


def test_an_expired_login_link_is_refused(client, settings, tenants):
    link = mint_login_link(
        tenants.alpha,
        secret_key=settings.secret_key,
        app_url=settings.app_url,
        lifetime=timedelta(minutes=30),
        now=utcnow() - timedelta(minutes=31),
    )
    response = client.get(link.removeprefix(settings.app_url))
    assert response.status_code == 410 and b"expired" in response.data


def test_a_tampered_or_foreign_login_link_is_refused(client, settings, tenants):
    link = mint_login_link(tenants.alpha, secret_key="another-deployment-key", app_url="")
    assert client.get(link).status_code == 410
    genuine = mint_login_link(tenants.alpha, secret_key=settings.secret_key, app_url="")
    tampered = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 410


def test_a_login_link_dies_with_its_store_key(app, client, session, tenants):
    path = login_path(app, tenants.alpha)
    tenants.alpha.key = "rotated-key-after-reinstall"
    session.commit()
    assert client.get(path).status_code == 410


def test_signing_in_needs_the_landing_pages_csrf_token(app, client, tenants):
    path = login_path(app, tenants.alpha)
    client.get(path)
    assert client.post(path).status_code == 403
    assert client.post(path, data={"csrf_token": "guess"}).status_code == 403
    # The refused attempts did not spend the link.
    token = csrf_from(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 303


def test_a_cookie_session_ends_after_its_lifetime(app, client, monkeypatch, tenants):
    sign_in(app, client, tenants.alpha)
    assert client.get("/admin/").status_code == 200
    later = time.time() + access.SESSION_LIFETIME.total_seconds() + 1
    monkeypatch.setattr(access.time, "time", lambda: later)
    assert client.get("/admin/").status_code == 401


def test_signing_out_ends_the_session(app, client, tenants):
    token = sign_in(app, client, tenants.alpha)
    response = client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 200 and b"signed out" in response.data
    assert client.get("/admin/").status_code == 401


# --- CSRF -------------------------------------------------------------------------------------


def test_a_form_post_without_its_csrf_token_is_rejected(app, client, session, tenants):
    token = sign_in(app, client, tenants.alpha)
    form = {"sender_name": "Changed by a forged form"}
    assert client.post("/admin/settings", data=form).status_code == 403
    assert client.post("/admin/settings", data={**form, "csrf_token": "x" * 43}).status_code == 403
    session.refresh(tenants.alpha)
    assert "sender_name" not in tenants.alpha.settings
    accepted = client.post("/admin/settings", data={**form, "csrf_token": token})
    assert accepted.status_code == 303
    header = client.post(
        "/admin/recipes/birthday/enabled", data={"enabled": "off"}, headers={"X-CSRF-Token": token}
    )
    assert header.status_code == 303


def test_session_token_requests_need_no_csrf_token(client, session, tenants):
    response = client.post(
        "/admin/recipes/birthday/enabled", data={"enabled": "off"}, headers=bearer(ALPHA_SHOP)
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/admin/recipes?shop={ALPHA_SHOP}")


def test_a_cookie_cannot_ride_along_a_bad_session_token(app, client, tenants):
    token = sign_in(app, client, tenants.alpha)
    response = client.post(
        "/admin/settings",
        data={"sender_name": "x", "csrf_token": token},
        headers={"Authorization": "Bearer forged"},
    )
    assert response.status_code == 401


def test_store_lookup_is_by_the_verified_shop_not_the_query(client, session, tenants):
    # The query claims Beta; the token is Alpha's: Alpha's page it is.
    response = client.get(
        f"/admin/settings?shop=beta.myshopify.com&embedded=1&id_token={session_token(ALPHA_SHOP)}"
    )
    assert response.status_code == 200
    assert b"alpha.myshopify.com" in response.data and b"beta.myshopify.com" not in response.data
    assert session.get(Store, tenants.beta.id).status == "active"
