"""POST /t/events for Shopify's web pixel: validated, rate-limited, stored once, mirrored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app.db.models import Cart, Customer, InboundEvent, ProductView
from app.web import tracking
from tests.factories import make_store
from workers.queues import INBOUND, JobQueues
from workers.serializer import JobSerializer


def batch(store, **changes):
    body = {
        "platform": "shopify",
        "shop": store.domain,
        "key": store.key,
        "client_id": "browser-1",
        "customer": None,
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


def run_jobs(runtime) -> None:
    queues = JobQueues(runtime.redis)
    SimpleWorker([queues.queue(INBOUND)], connection=runtime.redis, serializer=JobSerializer).work(
        burst=True
    )


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_view_is_stored_once_and_becomes_a_product_view(client, session, runtime) -> None:
    store = make_store(session)
    session.add(Customer(store_id=store.id, platform_id="42", email="ada@example.com"))
    session.commit()

    first = client.post("/t/events", json=batch(store))
    again = client.post("/t/events", json=batch(store))

    assert first.status_code == 202 and first.json == {"accepted": 1, "duplicates": 0}
    assert again.json == {"accepted": 0, "duplicates": 1}
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    run_jobs(runtime)
    view = session.execute(select(ProductView)).scalar_one()
    assert view.visitor_id == "browser-1" and view.product_platform_id == "7"
    assert view.customer_id is None

    # The shopper logs in: the next view names them, and the earlier one is theirs too.
    later = batch(store, customer={"id": "42", "email": "ada@example.com"})
    later["events"][0]["id"] = "evt-view-2"
    assert client.post("/t/events", json=later).status_code == 202
    run_jobs(runtime)
    session.expire_all()
    owners = session.execute(select(ProductView.customer_id)).scalars().all()
    assert len(owners) == 2 and len(set(owners)) == 1 and owners[0] is not None


def test_a_cart_view_becomes_a_cart(client, session, runtime) -> None:
    store = make_store(session)
    session.commit()
    cart_event = {
        "id": "evt-cart-1",
        "name": "cart_viewed",
        "timestamp": datetime.now(UTC).isoformat(),
        "data": {
            "cart": {
                "id": "gid://shopify/Cart/c1-token?key=k",
                "cost": {"totalAmount": {"amount": 24, "currencyCode": "EUR"}},
                "lines": [{"quantity": 2, "merchandise": {"id": "70", "product": {"id": "7"}}}],
            }
        },
    }
    response = client.post(
        "/t/events", json=batch(store, events=[cart_event], customer={"email": "ada@example.com"})
    )
    assert response.status_code == 202
    run_jobs(runtime)
    cart = session.execute(select(Cart)).scalar_one()
    assert cart.platform_token == "c1-token" and cart.email == "ada@example.com"
    assert cart.currency == "EUR" and cart.lines[0]["quantity"] == 2


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"key": "not-the-key"}, 403),
        ({"shop": "someone-else.myshopify.com"}, 404),
        ({"platform": "myspace"}, 400),
        ({"events": [{"id": "x", "name": "checkout_completed"}]}, 400),
        ({"client_id": ""}, 400),
    ],
)
def test_bad_batches_store_nothing(client, session, change, status) -> None:
    store = make_store(session)
    session.commit()
    response = client.post("/t/events", json=batch(store, **change))
    assert response.status_code == status, response.json
    assert response.json["error"]
    assert count(session, InboundEvent) == 0


def test_not_json_and_too_big(client, session) -> None:
    assert client.post("/t/events", data="nope").status_code == 400
    big = client.post("/t/events", data="x" * (tracking.MAX_BODY + 1))
    assert big.status_code == 413
    assert client.open("/t/events", method="OPTIONS").status_code == 204


def test_an_uninstalled_store_records_nothing(client, session) -> None:
    store = make_store(session, status="uninstalled")
    session.commit()
    assert client.post("/t/events", json=batch(store)).status_code == 404


def test_one_browser_is_rate_limited(client, session, monkeypatch) -> None:
    store = make_store(session)
    session.commit()
    monkeypatch.setattr(tracking, "PER_CLIENT_PER_MINUTE", 3)
    monkeypatch.setattr(tracking, "clock", lambda: 1_800_000_000.0)
    statuses = []
    for index in range(5):
        body = batch(store)
        body["events"][0]["id"] = f"evt-{index}"
        statuses.append(client.post("/t/events", json=body).status_code)
    assert statuses == [202, 202, 202, 429, 429]
    other = batch(store, client_id="browser-2")
    other["events"][0]["id"] = "evt-other"
    assert client.post("/t/events", json=other).status_code == 202
    assert count(session, InboundEvent) == 4
