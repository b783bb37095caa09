"""Hostile storefront events (`POST /t/events`, both platforms) and snippet requests.

Anyone on the internet can post here, so beyond "4xx, one line, nothing changed" two promises
are checked: an event cannot be recorded for a store other than the one whose key *and* secret
proof (Shopify: the pixel's store key; WooCommerce: a page-load token minted for that store and
the store's Origin) it carries, and both paths are rate-limited.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.web import tracking, tracking_woo
from app.web.tracking_woo import mint_token
from tests.factories import make_store
from tests.hostile import hostile_bodies, hostile_text, json_values
from tests.integration.security.conftest import WOO_DOMAIN

WOO_ORIGIN = f"https://{WOO_DOMAIN}"


def pixel_batch(store, **changes):
    body = {
        "platform": "shopify",
        "shop": store.domain,
        "key": store.key,
        "client_id": "browser-1",
        "events": [
            {
                "id": "evt-view-1",
                "name": "product_viewed",
                "timestamp": datetime.now(UTC).isoformat(),
                "data": {"productVariant": {"id": "70", "product": {"id": "7", "title": "Mug"}}},
            }
        ],
    }
    body.update(changes)
    return body


def woo_event(store, token: str, **changes):
    body = {"p": "woocommerce", "k": store.key, "t": token, "v": "visitor-0001", "e": "event-0001"}
    body.update(type="product_viewed", product_id="794")
    body.update(changes)
    return body


def post(client, body: bytes | str, *, origin: str | None = None, content_type="text/plain"):
    headers = {"Origin": origin} if origin else {}
    return client.post("/t/events", data=body, headers=headers, content_type=content_type)


@given(body=hostile_bodies(), content_type=st.sampled_from(["text/plain", "application/json", ""]))
def test_any_anonymous_body_is_refused(client, world, refusals, body, content_type):
    refusals.check(
        lambda: post(client, body, origin=WOO_ORIGIN, content_type=content_type),
        {400, 403, 404},
    )


@given(field=st.sampled_from(["shop", "key", "events"]), value=json_values())
def test_pixel_batches_with_a_hostile_field_are_refused(client, world, refusals, field, value):
    body = json.dumps(pixel_batch(world.shop, **{field: value}))
    refusals.check(lambda: post(client, body), {400, 403, 404})


@given(data=st.data())
def test_pixel_events_with_hostile_content_are_refused_or_stored_as_data(
    client, world, probe, caplog, data
):
    event = data.draw(st.dictionaries(hostile_text(), json_values(), max_size=5), label="event")
    body = json.dumps(pixel_batch(world.shop, events=[event]))
    response = post(client, body)
    assert response.status_code in (202, 400), response.data
    if response.status_code == 202:
        assert response.json["accepted"] + response.json["duplicates"] == 1


@given(field=st.sampled_from(["k", "t", "v", "e", "type", "product_id", "email", "cart"]))
def test_woo_events_with_a_hostile_field_are_refused(client, world, runtime, refusals, field):
    token = mint_token(runtime.settings.secret_key, world.woo.key)
    values = ("' OR 1=1 --", "<script>x</script>", "../../x", "\r\nX: y", 10**30, None, [])
    for value in values:
        if (field == "email" and value is None) or (field in "ve" and isinstance(value, int)):
            continue  # no email is an anonymous view; 10**30 is a well-formed visitor id
        kind = "cart" if field == "cart" else "product_viewed"  # a view's cart is never read
        body = json.dumps(woo_event(world.woo, token, **{"type": kind, field: value}))
        refusals.check(lambda body=body: post(client, body, origin=WOO_ORIGIN), {400, 403, 404})


def test_a_pixel_batch_for_another_shop_is_refused(client, session, world, refusals):
    victim = make_store(session, domain="victim.myshopify.com")
    session.commit()
    # The attacker knows their own key and the victim's domain, not the victim's key.
    forged = json.dumps(pixel_batch(world.shop, shop=victim.domain))
    refusals.check(lambda: post(client, forged), 403)
    guessed = json.dumps(pixel_batch(victim, key=world.shop.key))
    refusals.check(lambda: post(client, guessed), 403)


def test_a_woo_event_for_another_store_is_refused(client, session, world, runtime, refusals):
    victim = make_store(session, platform="woocommerce", domain="victim.example")
    session.commit()
    own_token = mint_token(runtime.settings.secret_key, world.woo.key)
    # The token is minted for the attacker's own store: useless for the victim's key...
    moved = json.dumps(woo_event(victim, own_token))
    refusals.check(lambda: post(client, moved, origin="https://victim.example"), 403)
    # ...and a token for the victim is useless from another site (the browser sets Origin).
    victim_token = mint_token(runtime.settings.secret_key, victim.key)
    foreign_page = json.dumps(woo_event(victim, victim_token))
    refusals.check(lambda: post(client, foreign_page, origin=WOO_ORIGIN), 403)


def test_both_paths_are_rate_limited(client, world, runtime, monkeypatch, probe):
    monkeypatch.setattr(tracking, "PER_CLIENT_PER_MINUTE", 2)
    monkeypatch.setattr(tracking, "clock", lambda: 1_800_000_000.0)
    statuses = []
    for index in range(4):
        events = pixel_batch(world.shop)["events"]
        events[0]["id"] = f"evt-{index}"
        statuses.append(
            post(client, json.dumps(pixel_batch(world.shop, events=events))).status_code
        )
    assert statuses == [202, 202, 429, 429]

    monkeypatch.setattr(tracking_woo, "PER_TOKEN_PER_MINUTE", 2)
    token = mint_token(runtime.settings.secret_key, world.woo.key)
    woo_statuses = []
    for index in range(4):
        body = json.dumps(woo_event(world.woo, token, e=f"event-{index:04d}"))
        woo_statuses.append(post(client, body, origin=WOO_ORIGIN).status_code)
    assert woo_statuses[:2] == [200, 200] and woo_statuses[2:] == [429, 429]
    before = probe.state()
    limited = post(
        client, json.dumps(woo_event(world.woo, token, e="event-9999")), origin=WOO_ORIGIN
    )
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert probe.state() == before


def test_oversized_batches_are_413_with_or_without_a_length(client, world, refusals):
    big = json.dumps(pixel_batch(world.shop, pad="x" * (tracking.MAX_BODY + 1)))
    refusals.check(lambda: post(client, big), 413)

    def chunked():
        return client.post(
            "/t/events",
            input_stream=__import__("io").BytesIO(big.encode()),
            headers={"Transfer-Encoding": "chunked", "Content-Type": "text/plain"},
            # What gunicorn sets for a chunked request: the stream ends where the body does.
            environ_overrides={"wsgi.input_terminated": True},
        )

    refusals.check(chunked, 413)


@given(key=hostile_text())
def test_the_snippet_for_an_unknown_key_is_404(client, world, refusals, key):
    response = refusals.check(lambda: client.get("/t/woo.js", query_string={"k": key}), 404)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert key not in response.get_data(as_text=True) or not key.strip()
