"""Sandbox Shopify OAuth over real HTTP, driven by the real `shopifyapp` package: token
exchange, expiring offline tokens, refresh-token rotation, revocation, the authorization-code
grant and the App Home load."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from shopify_app import ShopifyApp

from tests.sandbox.shopify_support import (
    API_KEY,
    API_SECRET,
    VERSION,
    FakeClock,
    RunningSandbox,
    running_sandbox,
)

SHOP_QUERY = "query { shop { name myshopifyDomain ianaTimezone currencyCode } }"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox() as running:
        yield running


@pytest.fixture
def shopify(sandbox: RunningSandbox) -> Iterator[tuple[ShopifyApp, httpx.Client]]:
    """The real package, its HTTP routed to the sandbox."""
    with httpx.Client(transport=sandbox.transport()) as client:
        yield ShopifyApp(API_KEY, API_SECRET), client


def _exchange(sandbox: RunningSandbox, shopify: tuple[ShopifyApp, httpx.Client], domain: str):
    app, client = shopify
    opened = sandbox.id_token(domain)
    id_token = {"exchangeable": True, "token": opened["id_token"], "claims": opened["claims"]}
    return app.exchange_using_token_exchange("offline", id_token=id_token, http_client=client)


def test_token_exchange_gives_an_expiring_offline_token_that_works_with_shopifyapp(
    sandbox: RunningSandbox, shopify: tuple[ShopifyApp, httpx.Client]
) -> None:
    domain = sandbox.create_shop("acme", name="Acme", timezone="Europe/Paris", currency="EUR")
    result = _exchange(sandbox, shopify, domain)
    assert result.ok, result.log
    token = result.access_token
    assert token.access_mode == "offline" and token.shop == "acme"
    assert token.token.startswith("shpat_") and token.refresh_token
    assert token.expires and token.refresh_token_expires
    app, client = shopify
    answer = app.admin_graphql_request(
        SHOP_QUERY, shop="acme", access_token=token.token, api_version=VERSION, http_client=client
    )
    assert answer.ok, answer.log
    assert answer.data["shop"] == {
        "name": "Acme",
        "myshopifyDomain": "acme.myshopify.com",
        "ianaTimezone": "Europe/Paris",
        "currencyCode": "EUR",
    }
    assert answer.extensions["cost"]["throttleStatus"]["maximumAvailable"] == 2000


def test_an_expired_token_gets_401_and_refresh_rotates_the_refresh_token(
    sandbox: RunningSandbox, shopify: tuple[ShopifyApp, httpx.Client]
) -> None:
    app, client = shopify
    domain = sandbox.create_shop("acme")
    first = _exchange(sandbox, shopify, domain).access_token
    expired = sandbox.control(
        "POST", f"/shops/{domain}/tokens/expire", json={"access_token": first.token}
    )
    assert expired.json() == {"expired": 1}
    answer = app.admin_graphql_request(
        SHOP_QUERY, shop="acme", access_token=first.token, api_version=VERSION, http_client=client
    )
    assert not answer.ok and answer.log.code == "unauthorized"
    assert answer.http_logs[-1].res.status == 401

    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stale = {
        "shop": "acme",
        "access_mode": "offline",
        "refresh_token": first.refresh_token,
        "expires": past,
        "refresh_token_expires": first.refresh_token_expires,
    }
    refreshed = app.refresh_token_exchanged_access_token(stale, http_client=client)
    assert refreshed.ok, refreshed.log
    second = refreshed.access_token
    assert second.token != first.token and second.refresh_token != first.refresh_token
    answer = app.admin_graphql_request(
        SHOP_QUERY, shop="acme", access_token=second.token, api_version=VERSION, http_client=client
    )
    assert answer.ok

    # The new pair has been used, so the rotated refresh token is refused from now on.
    again = app.refresh_token_exchanged_access_token(stale, http_client=client)
    assert not again.ok and again.log.code == "invalid_grant"
    assert again.response.status == 401


def test_the_previous_refresh_token_works_until_its_successor_is_used(
    sandbox: RunningSandbox,
) -> None:
    domain = sandbox.create_shop("acme")
    first = sandbox.exchange(domain)
    form = {"client_id": API_KEY, "client_secret": API_SECRET, "grant_type": "refresh_token"}
    url = f"/shops/{domain}/admin/oauth/access_token"
    second = sandbox.http.post(url, json=form | {"refresh_token": first["refresh_token"]}).json()
    # Lost response (the app never stored `second`): Shopify lets the old token retry.
    retry = sandbox.http.post(url, json=form | {"refresh_token": first["refresh_token"]})
    assert retry.status_code == 200
    third = retry.json()
    # The unused successor was replaced by the retry.
    stale = sandbox.http.post(url, json=form | {"refresh_token": second["refresh_token"]})
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    assert sandbox.graphql(domain, third["access_token"], SHOP_QUERY).status_code == 200
    refused = sandbox.http.post(url, json=form | {"refresh_token": first["refresh_token"]})
    assert refused.json()["error"] == "invalid_grant"


def test_strict_rotation_refuses_the_old_refresh_token_at_once() -> None:
    with running_sandbox(refresh_rotation="strict", access_token_ttl=120.0) as sandbox:
        domain = sandbox.create_shop("acme")
        first = sandbox.exchange(domain)
        assert first["expires_in"] == 120
        form = {"client_id": API_KEY, "client_secret": API_SECRET, "grant_type": "refresh_token"}
        url = f"/shops/{domain}/admin/oauth/access_token"
        ok = sandbox.http.post(url, json=form | {"refresh_token": first["refresh_token"]})
        assert ok.status_code == 200
        refused = sandbox.http.post(url, json=form | {"refresh_token": first["refresh_token"]})
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_token_ttl_follows_the_settings_and_expiry_is_real(sandbox: RunningSandbox) -> None:
    changed = sandbox.control("POST", "/settings", json={"access_token_ttl": 0.2})
    assert changed.status_code == 200 and changed.json()["access_token_ttl"] == 0.2
    domain = sandbox.create_shop("acme")
    token = sandbox.exchange(domain)["access_token"]
    assert sandbox.graphql(domain, token, SHOP_QUERY).status_code == 200
    time.sleep(0.3)
    refused = sandbox.graphql(domain, token, SHOP_QUERY)
    assert refused.status_code == 401
    assert "Invalid API key or access token" in refused.json()["errors"]


def test_bad_settings_change_nothing(sandbox: RunningSandbox) -> None:
    bad = sandbox.control("POST", "/settings", json={"access_token_ttl": -1})
    assert bad.status_code == 400
    unknown = sandbox.control("POST", "/settings", json={"api_secret": "x"})
    assert unknown.status_code == 400
    assert sandbox.control("GET", "/settings").json()["access_token_ttl"] == 3600.0


def test_revoked_and_foreign_tokens_are_refused(sandbox: RunningSandbox) -> None:
    acme = sandbox.create_shop("acme")
    other = sandbox.create_shop("other")
    token = sandbox.exchange(acme)["access_token"]
    assert sandbox.graphql(other, token, SHOP_QUERY).status_code == 401
    assert sandbox.graphql(acme, "shpat_nope", SHOP_QUERY).status_code == 401
    assert sandbox.control("POST", f"/shops/{acme}/tokens/revoke").json() == {"revoked": 1}
    assert sandbox.graphql(acme, token, SHOP_QUERY).status_code == 401


def test_invalid_id_tokens_and_clients_get_oauth_errors(
    sandbox: RunningSandbox, shopify: tuple[ShopifyApp, httpx.Client]
) -> None:
    domain = sandbox.create_shop("acme")
    opened = sandbox.id_token(domain)
    app, client = shopify
    forged = opened["id_token"][:-2] + ("AA" if not opened["id_token"].endswith("AA") else "BB")
    result = app.exchange_using_token_exchange(
        "offline",
        id_token={"exchangeable": True, "token": forged, "claims": opened["claims"]},
        http_client=client,
    )
    assert not result.ok and result.log.code == "invalid_subject_token"

    wrong_secret = ShopifyApp(API_KEY, "not-the-secret-of-this-app-0123456789")
    id_token = {"exchangeable": True, "token": opened["id_token"], "claims": opened["claims"]}
    result = wrong_secret.exchange_using_token_exchange(
        "offline", id_token=id_token, http_client=client
    )
    assert not result.ok and result.log.code == "invalid_client"

    # An ID token of shop A presented at shop B's token endpoint.
    sandbox.create_shop("other")
    body = {
        "client_id": API_KEY,
        "client_secret": API_SECRET,
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": opened["id_token"],
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
    }
    answer = sandbox.http.post("/shops/other/admin/oauth/access_token", json=body)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_subject_token"


def test_an_expired_id_token_cannot_be_exchanged() -> None:
    clock = FakeClock()
    with running_sandbox(clock=clock) as sandbox:
        domain = sandbox.create_shop("acme")
        opened = sandbox.id_token(domain)
        assert opened["claims"]["exp"] - opened["claims"]["iat"] == 60  # one minute (research §2)
        body = {
            "client_id": API_KEY,
            "client_secret": API_SECRET,
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": opened["id_token"],
            "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
            "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
        }
        url = f"/shops/{domain}/admin/oauth/access_token"
        clock.now += 69  # inside the 10 s leeway Shopify's libraries allow
        assert sandbox.http.post(url, json=body).status_code == 200
        clock.now += 2
        late = sandbox.http.post(url, json=body)
        assert late.status_code == 400 and late.json()["error"] == "invalid_subject_token"


def test_refresh_tokens_expire_and_access_tokens_expire_on_the_sandbox_clock() -> None:
    clock = FakeClock()
    with running_sandbox(clock=clock, refresh_token_ttl=7200.0) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)
        assert token["refresh_token_expires_in"] == 7200
        clock.now += 3601
        assert sandbox.graphql(domain, token["access_token"], SHOP_QUERY).status_code == 401
        clock.now += 3600
        form = {"client_id": API_KEY, "client_secret": API_SECRET, "grant_type": "refresh_token"}
        late = sandbox.http.post(
            f"/shops/{domain}/admin/oauth/access_token",
            json=form | {"refresh_token": token["refresh_token"]},
        )
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


def test_online_tokens_carry_the_user(sandbox: RunningSandbox) -> None:
    domain = sandbox.create_shop("acme")
    opened = sandbox.control(
        "GET", f"/shops/{domain}/open-app", params={"format": "json", "user_id": 7}
    )
    body = {
        "client_id": API_KEY,
        "client_secret": API_SECRET,
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": opened.json()["id_token"],
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:online-access-token",
    }
    answer = sandbox.http.post(f"/shops/{domain}/admin/oauth/access_token", json=body).json()
    assert answer["access_token"].startswith("shpua_")
    assert answer["expires_in"] == 86400 and "refresh_token" not in answer
    assert answer["associated_user"]["id"] == 7
    assert answer["associated_user_scope"] == answer["scope"]


def test_open_app_loads_app_home_with_an_id_token_shopifyapp_accepts(
    sandbox: RunningSandbox,
) -> None:
    domain = sandbox.create_shop("acme")
    redirect = sandbox.control("GET", f"/shops/{domain}/open-app")
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith("https://app.example/shopify?")
    params = dict(parse_qsl(urlsplit(location).query))
    assert params["embedded"] == "1" and params["shop"] == domain
    assert _independent_hmac(params, API_SECRET) == params["hmac"]
    request = {"method": "GET", "headers": {}, "url": location, "body": ""}
    verified = ShopifyApp(API_KEY, API_SECRET).verify_app_home_req(request, "/patch-id-token")
    assert verified.ok, verified.log
    assert verified.shop == "acme" and verified.user_id == "1"
    claims = verified.id_token.claims
    assert claims["iss"] == f"https://{domain}/admin" and claims["dest"] == f"https://{domain}"
    assert {"aud", "sub", "exp", "nbf", "iat", "jti", "sid"} <= claims.keys()

    token = sandbox.control("POST", f"/shops/{domain}/session-token").json()
    bearer = {
        "method": "GET",
        "headers": {"Authorization": token["authorization"]},
        "url": "https://app.example/api",
        "body": "",
    }
    assert ShopifyApp(API_KEY, API_SECRET).verify_app_home_req(bearer, "/patch-id-token").ok


def test_open_app_needs_an_installed_app(sandbox: RunningSandbox) -> None:
    domain = sandbox.create_shop("acme", installed=False)
    assert sandbox.control("GET", f"/shops/{domain}/open-app").status_code == 409
    installed = sandbox.control("POST", f"/shops/{domain}/install")
    assert installed.status_code == 200 and installed.json()["installed"] is True


def _independent_hmac(params: dict[str, str], secret: str) -> str:
    # ShopifyAPI's rule, written again here: sorted key=value pairs without hmac, joined by &.
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_authorization_code_grant(sandbox: RunningSandbox) -> None:
    domain = sandbox.create_shop("acme", installed=False)
    query = {
        "client_id": API_KEY,
        "scope": "read_customers,write_discounts",
        "redirect_uri": "https://app.example/shopify/callback",
        "state": "0123abcd",
    }
    answer = sandbox.http.get("/admin/oauth/authorize", params=query, headers={"Host": domain})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("https://app.example/shopify/callback?")
    params = dict(parse_qsl(urlsplit(location).query))
    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert params["state"] == "0123abcd" and params["shop"] == domain
    assert _independent_hmac(params, API_SECRET) == params["hmac"]

    form = {
        "client_id": API_KEY,
        "client_secret": API_SECRET,
        "code": params["code"],
        "expiring": "1",
    }
    token = sandbox.http.post(f"/shops/{domain}/admin/oauth/access_token", data=form)
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "read_customers,write_discounts"
    assert token.json()["expires_in"] == 3600 and token.json()["refresh_token"]
    reused = sandbox.http.post(f"/shops/{domain}/admin/oauth/access_token", data=form)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_request"


def test_authorize_refuses_unknown_clients_and_foreign_redirects(sandbox: RunningSandbox) -> None:
    domain = sandbox.create_shop("acme", installed=False)
    base = {"client_id": API_KEY, "redirect_uri": "https://evil.example/cb"}
    refused = sandbox.http.get(f"/shops/{domain}/admin/oauth/authorize", params=base)
    assert refused.status_code == 400
    refused = sandbox.http.get(
        f"/shops/{domain}/admin/oauth/authorize",
        params=base | {"client_id": "other", "redirect_uri": "https://app.example/cb"},
    )
    assert refused.status_code == 400
    assert sandbox.control("GET", f"/shops/{domain}").json()["installed"] is False


def test_uninstall_revokes_tokens(sandbox: RunningSandbox) -> None:
    domain = sandbox.create_shop("acme")
    token = sandbox.exchange(domain)
    gone = sandbox.control("POST", f"/shops/{domain}/uninstall").json()
    assert gone["installed"] is False and gone["revoked_tokens"] == 1
    assert sandbox.graphql(domain, token["access_token"], SHOP_QUERY).status_code == 401
    form = {"client_id": API_KEY, "client_secret": API_SECRET, "grant_type": "refresh_token"}
    refused = sandbox.http.post(
        f"/shops/{domain}/admin/oauth/access_token",
        json=form | {"refresh_token": token["refresh_token"]},
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
