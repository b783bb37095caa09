"""Hostile requests to the install, callback, unsubscribe and probe endpoints, and to paths
that do not exist. OAuth state and query-HMAC checks: replays, stale timestamps, swapped shops,
secrets in non-ASCII. None may answer 5xx, and every refusal logs one line and changes nothing.
"""

from __future__ import annotations

import json
import time

from hypothesis import given
from hypothesis import strategies as st

from app.core.messaging.unsubscribe import UnsubscribeLinks
from app.web.shopify import STATE_COOKIE, _state_serializer
from connectors.shopify.oauth import query_hmac
from tests.admin_data import API_SECRET
from tests.hostile import INJECTIONS, hostile_text, json_values
from tests.integration.security.conftest import SHOP

QUERY_TEXT = hostile_text().filter(lambda text: "\x00" not in text)


def signed_query(secret: str = API_SECRET, **params: str) -> dict[str, str]:
    """`params` with the Shopify query HMAC added."""
    params.setdefault("timestamp", str(int(time.time())))
    return {**params, "hmac": query_hmac(list(params.items()), secret)}


# --- Shopify install and callback --------------------------------------------------------------


@given(shop=QUERY_TEXT)
def test_install_for_a_malformed_shop_is_400(client, world, refusals, shop):
    if shop.strip().lower().endswith(".myshopify.com"):
        return
    refusals.check(lambda: client.get("/shopify/install", query_string={"shop": shop}), 400)


@given(given_hmac=QUERY_TEXT.filter(bool))
def test_install_with_a_forged_hmac_is_401(client, world, refusals, given_hmac):
    query = {"shop": SHOP, "timestamp": str(int(time.time())), "hmac": given_hmac}
    refusals.check(lambda: client.get("/shopify/install", query_string=query), 401)


@given(
    params=st.dictionaries(
        st.sampled_from(["shop", "code", "state", "hmac", "timestamp", "host"]), QUERY_TEXT
    )
)
def test_callback_with_hostile_parameters_is_refused(client, world, refusals, params):
    refusals.check(
        lambda: client.get("/shopify/callback", query_string=params), {400, 401, 403, 404}
    )


def callback_with_state(client, *, cookie_shop: str, shop: str, timestamp: int | None = None):
    """A signed callback for `shop` from a browser holding an install state for `cookie_shop`."""
    with client.application.test_request_context():
        cookie = _state_serializer().dumps({"nonce": "n" * 64, "shop": cookie_shop})
    client.set_cookie(STATE_COOKIE, cookie, path="/shopify")
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    query = signed_query(shop=shop, code="abc", state="n" * 64, timestamp=stamp)
    return client.get("/shopify/callback", query_string=query)


def test_callback_checks_state_shop_and_timestamp(client, world, refusals):
    # Swapped shop: the install began for one shop, the callback names another.
    refusals.check(
        lambda: callback_with_state(client, cookie_shop=SHOP, shop="victim.myshopify.com"), 403
    )
    # Stale and future timestamps, validly signed.
    for skew in (-3600, -601, 3600):
        refusals.check(
            lambda skew=skew: callback_with_state(
                client, cookie_shop=SHOP, shop=SHOP, timestamp=int(time.time()) + skew
            ),
            401,
        )
    # Replayed without the browser's state cookie (another browser, or after it was used).
    client.delete_cookie(STATE_COOKIE, path="/shopify")
    query = signed_query(shop=SHOP, code="abc", state="n" * 64)
    refusals.check(lambda: client.get("/shopify/callback", query_string=query), 403)
    # Signed with another app's secret.
    forged = signed_query("shpss_" + "b" * 32, shop=SHOP, code="abc", state="n" * 64)
    refusals.check(lambda: client.get("/shopify/callback", query_string=forged), 401)


def test_non_ascii_hmacs_are_401_not_500(client, world, refusals):
    query = {"shop": SHOP, "timestamp": str(int(time.time())), "hmac": "é" * 64}
    refusals.check(lambda: client.get("/shopify/install", query_string=query), 401)
    refusals.check(
        lambda: client.get("/shopify/callback", query_string={**query, "code": "x"}), 401
    )
    refusals.check(lambda: client.get("/shopify", query_string=query), 401)
    body = b'{"id": 1}'
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": "e1",
        "X-Shopify-Hmac-Sha256": "é" * 44,
    }
    refusals.check(lambda: client.post("/webhooks/shopify", data=body, headers=headers), 401)


@given(
    params=st.dictionaries(
        st.sampled_from(["shop", "host", "embedded", "id_token", "session"]), QUERY_TEXT
    )
)
def test_app_home_never_fails_on_hostile_parameters(client, world, probe, params):
    before = probe.state()
    response = client.get("/shopify", query_string=params)
    assert response.status_code < 500, response.data[:200]
    assert probe.state() == before


# --- WooCommerce connect and callback ----------------------------------------------------------


@given(store_url=QUERY_TEXT)
def test_connect_with_any_store_url_redirects_or_is_400_and_stores_nothing(
    client, world, probe, caplog, store_url
):
    before = probe.state()
    response = client.get("/woocommerce/connect", query_string={"store_url": store_url})
    assert response.status_code in (302, 400)
    assert probe.state() == before


@given(payload=json_values())
def test_callback_with_any_json_is_400(client, world, refusals, payload):
    refusals.check(
        lambda: client.post(
            "/woocommerce/callback", data=json.dumps(payload), content_type="application/json"
        ),
        400,
    )


@given(state=st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=80)))
def test_callback_with_a_forged_state_is_400(client, world, refusals, state):
    grant = {
        "key_id": 1,
        "user_id": state,
        "consumer_key": "ck_" + "1" * 40,
        "consumer_secret": "cs_" + "2" * 40,
        "key_permissions": "read_write",
    }
    refusals.check(lambda: client.post("/woocommerce/callback", json=grant), 400)


@given(params=st.dictionaries(QUERY_TEXT, QUERY_TEXT, max_size=3))
def test_return_always_lands_on_the_admin_without_echoing(client, world, probe, params):
    before = probe.state()
    response = client.get("/woocommerce/return", query_string=params)
    assert response.status_code == 302
    assert response.headers["Location"] in (
        "/admin/?woocommerce=connected",
        "/admin/?woocommerce=denied",
    )
    assert probe.state() == before


# --- Unsubscribe, probes, unknown paths -------------------------------------------------------


@given(token=hostile_text().filter(lambda text: text.strip(" /") and "\x00" not in text))
def test_unsubscribe_with_a_bad_token_is_404_both_ways(client, world, refusals, token):
    path = "/u/" + token.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    for method in ("GET", "POST"):
        response = refusals.check(lambda method=method: client.open(path, method=method), 404)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if response.mimetype == "text/html":  # the route matched: the branded 404 page
            assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert response.headers["Referrer-Policy"] == "no-referrer"


def test_unsubscribe_for_an_unknown_store_or_tampered_token_is_404(
    client, world, refusals, settings
):
    links = UnsubscribeLinks(settings.secret_key, settings.app_url)
    unknown = links.token("no-such-store-key", "ada@example.com")
    tampered = links.token(world.shop.key, "ada@example.com")[:-2] + "AA"
    foreign = UnsubscribeLinks("another-secret-key-0123", settings.app_url).token(
        world.shop.key, "ada@example.com"
    )
    for token in (unknown, tampered, foreign):
        refusals.check(lambda token=token: client.post(f"/u/{token}"), 404)


@given(params=st.dictionaries(QUERY_TEXT, QUERY_TEXT, max_size=3))
def test_probes_ignore_their_query(client, world, params):
    assert client.get("/healthz", query_string=params).status_code == 200


@given(
    path=st.sampled_from(
        [
            "/../../etc/passwd",
            "/webhooks/shopify/../../admin",
            "/admin/customers/1%00",
            "/u/",
            "/%0d%0aSet-Cookie:%20x=1",
            "/webhooks/woocommerce/",
            "/t/events/../../../x",
            "/admin/customers/99999999999999999999999",
            "/" + "a" * 3000,
        ]
    )
)
def test_unknown_paths_are_404(client, world, refusals, path):
    refusals.check(lambda: client.get(path), {401, 404})
