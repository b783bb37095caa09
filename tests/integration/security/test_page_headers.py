"""Security headers on the HTML pages outside the admin (the admin's own are tested in
tests/integration/admin/test_access.py): unsubscribe pages and App Home."""

from __future__ import annotations

from app.core.messaging.unsubscribe import UnsubscribeLinks
from tests.admin_data import session_token
from tests.integration.security.conftest import SHOP


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (item.strip() for item in policy.split(";"))
        if part
    }


def test_unsubscribe_pages_run_no_script_and_cannot_be_framed(client, world, settings) -> None:
    token = UnsubscribeLinks(settings.secret_key, settings.app_url).token(
        world.shop.key, "ada@example.com"
    )
    for response in (client.get(f"/u/{token}"), client.post(f"/u/{token}")):
        assert response.status_code == 200
        policy = directives(response)
        assert policy["default-src"] == "'none'" and policy["script-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        # The page's only inline style carries this response's nonce; no inline script at all.
        nonce = policy["style-src"].split("'nonce-")[1].rstrip("'")
        html = response.get_data(as_text=True)
        assert f'<style nonce="{nonce}">' in html and "<script" not in html


def test_app_home_may_be_framed_by_its_own_shop_admin_only(client, world) -> None:
    token = session_token(SHOP)
    response = client.get(
        "/shopify", query_string={"shop": SHOP, "id_token": token, "embedded": "1"}
    )
    assert response.status_code == 200, response.data[:300]
    policy = directives(response)
    assert policy["frame-ancestors"] == f"https://{SHOP} https://admin.shopify.com"
    assert policy["script-src"] == "https://cdn.shopify.com"
    assert policy["default-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "X-Frame-Options" not in response.headers  # it would forbid the admin's frame


def test_json_answers_are_never_sniffed(client, world) -> None:
    for response in (client.get("/healthz"), client.post("/webhooks/shopify", data=b"{}")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
