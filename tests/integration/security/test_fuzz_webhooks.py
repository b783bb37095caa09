"""Hostile deliveries to the three webhook endpoints (Shopify, WooCommerce, SendGrid).

The rule of DESIGN.md §6 where the platform retries: a wrong or missing signature is 401, a
malformed body 400, an oversized one 413, an unknown store 404. Each refusal logs one line and
changes nothing (`Refusals.check`). A replayed delivery is a 200 that changes nothing.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import MAX_BODY_BYTES
from connectors.messaging.sendgrid_webhook import SIGNATURE_TOLERANCE
from connectors.woocommerce.webhooks import sign
from tests.hostile import INJECTIONS, hostile_bodies, hostile_text, json_values
from tests.integration.security.conftest import (
    SENDGRID,
    json_bytes,
    post_shopify,
    shopify_headers,
    shopify_signature,
)

ORDER = json_bytes({"id": 820982911946154508, "email": "jon@example.com", "line_items": []})
HEADER_VALUES = st.one_of(
    st.sampled_from([value for value in INJECTIONS if "\r" not in value and "\n" not in value]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"))
    .map(str.strip)
    .filter(bool),
)


# --- Shopify ---------------------------------------------------------------------------------


@given(body=hostile_bodies(), signature=st.one_of(st.none(), HEADER_VALUES))
def test_shopify_unsigned_or_badly_signed_is_401(client, world, refusals, body, signature):
    headers = shopify_headers(body)
    del headers["X-Shopify-Hmac-Sha256"]
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    refusals.check(lambda: post_shopify(client, body, headers), 401)


@given(body=hostile_bodies())
def test_shopify_signed_with_another_secret_is_401(client, world, refusals, body):
    headers = shopify_headers(body)
    headers["X-Shopify-Hmac-Sha256"] = shopify_signature(body, "shpss_" + "f" * 32)
    refusals.check(lambda: post_shopify(client, body, headers), 401)


@given(body=hostile_bodies().filter(lambda b: not b.strip().startswith(b"{")))
def test_shopify_signed_but_not_a_json_object_is_400(client, world, refusals, body):
    refusals.check(lambda: post_shopify(client, body, shopify_headers(body)), 400)


@pytest.mark.parametrize(
    "missing", ["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Event-Id"]
)
def test_shopify_signed_without_a_delivery_header_is_400(client, world, refusals, missing):
    headers = shopify_headers(ORDER)
    del headers[missing]
    if missing == "X-Shopify-Event-Id":
        del headers["X-Shopify-Webhook-Id"]
    refusals.check(lambda: post_shopify(client, ORDER, headers), 400)


@given(shop=HEADER_VALUES)
def test_shopify_signed_for_an_unknown_or_malformed_shop_is_404_or_400(
    client, world, refusals, shop
):
    headers = shopify_headers(ORDER, shop=shop)
    expected = 404 if shop.lower().endswith(".myshopify.com") else {400, 404}
    refusals.check(lambda: post_shopify(client, ORDER, headers), expected)


def test_shopify_uninstalled_shops_are_still_found_but_strangers_are_404(client, world, refusals):
    refusals.check(
        lambda: post_shopify(client, ORDER, shopify_headers(ORDER, shop="stranger.myshopify.com")),
        404,
    )


def test_shopify_oversized_body_is_413(client, world, refusals):
    body = b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}'
    refusals.check(lambda: post_shopify(client, body, shopify_headers(body)), 413)


@given(content_type=st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "", "x/y"]))
def test_shopify_form_or_text_bodies_signed_are_400(client, world, refusals, content_type):
    body = b"a=1&b=%0d%0a"
    response = refusals.check(
        lambda: post_shopify(client, body, shopify_headers(body), content_type=content_type), 400
    )
    assert "JSON" in response.json["message"]


def test_shopify_replayed_delivery_is_200_and_changes_nothing(client, world, probe):
    headers = shopify_headers(ORDER)
    assert post_shopify(client, ORDER, headers).json["status"] == "accepted"
    before = probe.state()
    for _ in range(3):
        again = post_shopify(client, ORDER, headers)
        assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert probe.state() == before


# --- WooCommerce ------------------------------------------------------------------------------


def post_woo(client, key: str, body: bytes, headers: dict[str, str], **kwargs):
    kwargs.setdefault("content_type", "application/json")
    return client.post(f"/webhooks/woocommerce/{key}", data=body, headers=headers, **kwargs)


def woo_headers(secret: str | None, body: bytes, topic: str = "order.updated") -> dict[str, str]:
    headers = {"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Delivery-ID": "d-1"}
    if secret is not None:
        headers["X-WC-Webhook-Signature"] = sign(secret, body)
    return headers


@given(key=hostile_text())
def test_woo_unknown_store_key_is_404(client, world, refusals, key):
    body = json_bytes({"id": 1})
    path_key = key.replace("/", "_").replace("?", "_").replace("#", "_").strip() or "nokey"
    refusals.check(lambda: post_woo(client, path_key, body, woo_headers("x", body)), 404)


@given(body=hostile_bodies(), signature=st.one_of(st.just("bad"), HEADER_VALUES))
def test_woo_wrong_signature_is_401(client, world, refusals, body, signature):
    headers = woo_headers(None, body)
    headers["X-WC-Webhook-Signature"] = signature
    refusals.check(lambda: post_woo(client, world.woo.key, body, headers), 401)


@given(body=hostile_bodies().filter(lambda b: not b.strip().startswith(b"webhook_id=")))
def test_woo_unsigned_non_ping_is_401(client, world, refusals, body):
    refusals.check(lambda: post_woo(client, world.woo.key, body, woo_headers(None, body)), 401)


@given(body=hostile_bodies())
def test_woo_signed_garbage_is_400(client, world, refusals, body):
    refusals.check(
        lambda: post_woo(client, world.woo.key, body, woo_headers(world.woo_secret, body)), 400
    )


@given(topic=hostile_text())
def test_woo_signed_unknown_topic_is_400(client, world, refusals, topic):
    body = json_bytes({"id": 5, "date_modified_gmt": "2026-01-01T00:00:00"})
    header_topic = "".join(ch for ch in topic if 0x20 <= ord(ch) <= 0xFF and ch != "\x7f")
    headers = woo_headers(world.woo_secret, body, topic=header_topic or "nope.nope")
    refusals.check(lambda: post_woo(client, world.woo.key, body, headers), 400)


def test_woo_oversized_body_is_413(client, world, refusals):
    body = b'{"id": 1, "x": "' + b"x" * MAX_BODY_BYTES + b'"}'
    headers = woo_headers(world.woo_secret, body)
    refusals.check(lambda: post_woo(client, world.woo.key, body, headers), 413)


# --- SendGrid ---------------------------------------------------------------------------------


def post_sendgrid(client, body: bytes, headers: dict[str, str]):
    return client.post(
        "/webhooks/sendgrid", data=body, headers=headers, content_type="application/json"
    )


@given(
    body=hostile_bodies(),
    signature=st.one_of(st.none(), HEADER_VALUES),
    timestamp=st.one_of(st.none(), HEADER_VALUES, st.integers().map(str)),
)
def test_sendgrid_unsigned_or_forged_is_401(client, world, refusals, body, signature, timestamp):
    headers = {}
    if signature is not None:
        headers["X-Twilio-Email-Event-Webhook-Signature"] = signature
    if timestamp is not None:
        headers["X-Twilio-Email-Event-Webhook-Timestamp"] = timestamp
    refusals.check(lambda: post_sendgrid(client, body, headers), 401)


@given(age=st.sampled_from([SIGNATURE_TOLERANCE + 1, 3600, 86400 * 30, -(SIGNATURE_TOLERANCE + 5)]))
def test_sendgrid_stale_or_future_signature_is_401(client, world, refusals, age):
    body = json_bytes([{"event": "delivered", "sg_event_id": "e1", "timestamp": 1}])
    headers = SENDGRID.headers(body, int(time.time() - age))
    refusals.check(lambda: post_sendgrid(client, body, headers), 401)


@given(body=hostile_bodies())
def test_sendgrid_signed_but_not_an_event_array_is_400_or_empty(
    client, world, probe, body, refusals
):
    headers = SENDGRID.headers(body, int(time.time()))
    stripped = body.strip()
    if stripped == b"[]":
        before = probe.state()
        assert post_sendgrid(client, body, headers).status_code == 200
        assert probe.state() == before
        return
    if stripped.startswith(b"[") and stripped.endswith(b"]") and b"{" in stripped:
        return  # may be a well-formed batch of hostile events: see the next test
    refusals.check(lambda: post_sendgrid(client, body, headers), 400)


@given(events=st.lists(st.dictionaries(hostile_text(), json_values(), max_size=5), max_size=3))
def test_sendgrid_signed_batch_of_hostile_events_is_stored_verbatim_once(
    client, world, probe, events
):
    body = json_bytes(events)
    headers = SENDGRID.headers(body, int(time.time()))
    first = post_sendgrid(client, body, headers)
    assert first.status_code in (200, 400), first.data
    before = probe.state()
    assert post_sendgrid(client, body, headers).status_code == first.status_code
    assert probe.state() == before  # the replay changed nothing


def test_an_event_id_too_long_for_the_inbox_key_is_stored_once(client, world, probe):
    headers = shopify_headers(ORDER, **{"X-Shopify-Event-Id": "9" * 2000})
    first = post_shopify(client, ORDER, headers)
    assert first.status_code == 200 and first.json["status"] == "accepted"
    before = probe.state()
    again = post_shopify(client, ORDER, headers)
    assert again.json == {"status": "duplicate", "event": first.json["event"]}
    assert probe.state() == before
