"""Signed deliveries of real payloads with one hostile field, stored and then processed.

A platform's own payload can carry anything a shopper typed (names, notes, addresses): SQL,
markup, CR/LF, NUL bytes, absurd numbers. Each such delivery is stored verbatim, and processing
it either mirrors it (the hostile text kept as plain data) or fails it cleanly: the event is
marked failed with its error, the mapping's own PayloadError/MappingError, never a crash of
another kind, and never a half-written mirror.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.inbox import process_event
from app.core.ports import ConnectorError
from app.db.models import InboundEvent, Store
from app.db.storable import UnstorableValue
from connectors.shopify.mapping import PayloadError
from connectors.woocommerce.mapping_fields import MappingError
from connectors.woocommerce.webhooks import sign
from tests.hostile import with_hostile_leaf
from tests.integration.security.conftest import json_bytes, post_shopify, shopify_headers
from workers.handlers import handle_inbound_event

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
SHOPIFY_TOPICS = ("orders/create", "customers/update", "checkouts/update", "carts/update")
WOO_TOPICS = {
    "order.updated": "order",
    "customer.updated": "customer",
    "product.updated": "product",
}
CLEAN_FAILURES = (PayloadError, MappingError, ConnectorError, UnstorableValue)
_ids = itertools.count(1)


def shopify_fixture(topic: str) -> dict:
    path = FIXTURES / "shopify" / "webhooks" / f"{topic.replace('/', '__')}.json"
    return json.loads(path.read_text())


def woo_fixture(resource: str) -> dict:
    return json.loads((FIXTURES / "woocommerce" / f"{resource}.json").read_text())


def process(db, event_id: int) -> None:
    """Process the stored event in its own session, as a worker would; only clean failures
    may escape, and the event ends done, ignored, or failed with its error."""
    with db.session() as worker:
        try:
            process_event(worker, event_id, handle_inbound_event)
        except CLEAN_FAILURES:
            pass
    with db.session() as reader:
        event = reader.get(InboundEvent, event_id)
        assert event is not None
        assert event.status in ("done", "ignored", "failed"), event.status
        if event.status == "failed":
            assert event.error, "a failed event must say why"
        # Every table is still there and intact: no statement was ever built from the input.
        assert reader.execute(select(func.count()).select_from(Store)).scalar_one() >= 2


@pytest.mark.slow
@given(data=st.data(), topic=st.sampled_from(SHOPIFY_TOPICS))
def test_shopify_payloads_with_a_hostile_field_are_stored_and_processed_cleanly(
    client, db, session, world, data, topic
):
    session.commit()  # the test's session holds no savepoint the worker could roll back
    document = with_hostile_leaf(shopify_fixture(topic), data)
    body = json_bytes(document)
    headers = shopify_headers(body, topic=topic, **{"X-Shopify-Event-Id": f"evt-{next(_ids)}"})
    response = post_shopify(client, body, headers)
    if not isinstance(document, dict):
        assert response.status_code == 400
        return
    assert response.status_code == 200, response.data
    event = session.get(InboundEvent, response.json["event"])
    assert event.body == body.decode()  # stored verbatim
    session.commit()
    process(db, event.id)


@pytest.mark.slow
@given(data=st.data(), topic=st.sampled_from(sorted(WOO_TOPICS)))
def test_woocommerce_payloads_with_a_hostile_field_are_stored_and_processed_cleanly(
    client, db, session, world, data, topic
):
    session.commit()
    document = with_hostile_leaf(woo_fixture(WOO_TOPICS[topic]), data)
    body = json_bytes(document)
    headers = {
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Delivery-ID": f"d-{next(_ids)}",
        "X-WC-Webhook-Signature": sign(world.woo_secret, body),
    }
    response = client.post(
        f"/webhooks/woocommerce/{world.woo.key}",
        data=body,
        headers=headers,
        content_type="application/json",
    )
    assert response.status_code in (200, 400), response.data
    if response.status_code == 400 or response.json["status"] == "duplicate":
        return
    process(db, response.json["event"])
