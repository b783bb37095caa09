"""POST /webhooks/woocommerce/<store_key>: verify, store once, process into the mirror."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.inbox import process_event
from app.db.models import Customer, InboundEvent, Order, Product
from connectors.woocommerce.webhooks import sign
from tests.integration.woocommerce.conftest import FIXTURES, TOPICS, deliver, secret_of
from workers.handlers import handle_inbound_event


def events(session) -> list[InboundEvent]:
    return list(session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


@pytest.mark.parametrize("resource", sorted(TOPICS))
def test_every_fixture_delivered_signed_is_stored_and_mirrored(
    client, session, runtime, woo_store, resource: str
) -> None:
    body = (FIXTURES / f"{resource}.json").read_bytes()
    response = deliver(client, woo_store, secret_of(woo_store, runtime), body, TOPICS[resource])
    assert response.status_code == 200, response.json
    (event,) = events(session)
    assert (event.platform, event.store_id, event.topic) == (
        "woocommerce",
        woo_store.id,
        TOPICS[resource],
    )
    assert event.body == body.decode()
    assert event.headers["X-WC-Webhook-Delivery-ID"] == "d-1"
    assert process_event(session, event.id, handle_inbound_event) == "done"
    payload = json.loads(body)
    model = {"order": Order, "customer": Customer, "product": Product}.get(resource)
    if model is not None:
        row = session.execute(
            select(model).where(model.platform_id == str(payload["id"]))
        ).scalar_one()
        assert row.store_id == woo_store.id
    if resource == "order":
        assert session.scalar(select(Customer.email)) == "john.doe@example.com"  # guest by email


def test_the_creation_ping_gets_200_and_is_not_stored(client, session, woo_store) -> None:
    response = client.post(
        f"/webhooks/woocommerce/{woo_store.key}",
        data="webhook_id=142",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert events(session) == []


def test_a_bad_signature_is_refused_and_nothing_is_stored(
    client, session, runtime, woo_store
) -> None:
    body = (FIXTURES / "order.json").read_bytes()
    wrong = deliver(client, woo_store, "not-the-secret", body, "order.updated")
    missing = deliver(client, woo_store, "", body, "order.updated", signature="")
    tampered = deliver(
        client,
        woo_store,
        secret_of(woo_store, runtime),
        body,
        "order.updated",
        signature=sign(secret_of(woo_store, runtime), body + b" "),
    )
    assert [wrong.status_code, missing.status_code, tampered.status_code] == [401, 401, 401]
    assert events(session) == []


def test_an_unknown_store_key_is_404(client, session, runtime, woo_store) -> None:
    response = client.post("/webhooks/woocommerce/no-such-store", data=b"{}")
    assert response.status_code == 404
    assert events(session) == []


def test_a_redelivery_and_a_second_topic_for_the_same_state_are_stored_once(
    client, session, runtime, woo_store
) -> None:
    secret = secret_of(woo_store, runtime)
    body = (FIXTURES / "order.json").read_bytes()
    first = deliver(client, woo_store, secret, body, "order.created", delivery_id="d-1")
    again = deliver(client, woo_store, secret, body, "order.created", delivery_id="d-1")
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    other_topic = deliver(client, woo_store, secret, compact, "order.updated", delivery_id="d-2")
    assert [first.json["status"], again.json["status"], other_topic.json["status"]] == [
        "accepted",
        "duplicate",
        "duplicate",
    ]
    assert len(events(session)) == 1


def test_two_states_sharing_a_delivery_id_are_both_kept(
    client, session, runtime, woo_store
) -> None:
    # X-WC-Webhook-Delivery-ID is wp_hash(webhook id . time()): equal within one second.
    secret = secret_of(woo_store, runtime)
    payload = json.loads((FIXTURES / "order.json").read_text())
    pending = json.dumps({**payload, "status": "pending", "date_paid_gmt": None}).encode()
    paid = json.dumps(payload).encode()
    for body in (pending, paid):
        assert (
            deliver(
                client, woo_store, secret, body, "order.updated", delivery_id="same"
            ).status_code
            == 200
        )
    assert len(events(session)) == 2


@pytest.mark.parametrize(
    ("body", "topic"),
    [
        (b"not json", "order.updated"),
        (b'{"status": "processing"}', "order.updated"),
        (b"[]", "order.updated"),
        (b'{"id": 1}', "action.woocommerce_add_to_cart"),
        (b'{"id": 1}', ""),
    ],
)
def test_signed_but_unusable_bodies_are_400_and_not_stored(
    client, session, runtime, woo_store, body: bytes, topic: str
) -> None:
    response = deliver(client, woo_store, secret_of(woo_store, runtime), body, topic)
    assert response.status_code == 400
    assert events(session) == []


def test_a_disconnected_store_without_keys_refuses_deliveries(
    client, session, runtime, woo_store
) -> None:
    woo_store.credentials_encrypted = None
    woo_store.status = "disconnected"
    session.commit()
    body = (FIXTURES / "order.json").read_bytes()
    assert deliver(client, woo_store, "anything", body, "order.updated").status_code == 401
    assert events(session) == []
