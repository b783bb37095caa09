"""The inbox pipeline: store once, queue once, process once; failures kept for replay."""

from __future__ import annotations

import json

import pytest
from flask import request
from rq import SimpleWorker
from sqlalchemy import func, select

import connectors
from app.core.inbox import accept_event
from app.db.models import Customer, InboundEvent
from app.web.inbox import accept_webhook
from tests.factories import make_store
from workers import maintenance
from workers.queues import INBOUND, JobQueues
from workers.serializer import JobSerializer


@pytest.fixture(autouse=True)
def fake_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connectors.EVENT_MAPPERS, "testplatform", "tests.fake_platform")


@pytest.fixture
def hook_client(app):
    @app.post("/test-webhook/<int:store_id>")
    def test_webhook(store_id: int):
        return accept_webhook(
            platform="testplatform",
            store_id=store_id,
            external_id=request.headers["X-Event-Id"],
            topic=request.headers["X-Topic"],
            body=request.get_data(),
            headers={"X-Topic": request.headers["X-Topic"]},
        )

    return app.test_client()


def post(client, store_id: int, event_id: str, payload: dict, topic: str = "customers/update"):
    return client.post(
        f"/test-webhook/{store_id}",
        data=json.dumps(payload),
        headers={"X-Event-Id": event_id, "X-Topic": topic, "Content-Type": "application/json"},
    )


def run_jobs(runtime) -> None:
    queues = JobQueues(runtime.redis)
    worker = SimpleWorker(
        [queues.queue(INBOUND)], connection=runtime.redis, serializer=JobSerializer
    )
    worker.work(burst=True)


def count_events(session) -> int:
    return session.execute(select(func.count()).select_from(InboundEvent)).scalar_one()


def test_same_event_twice_is_one_row_and_one_job(hook_client, session, runtime) -> None:
    store = make_store(session)
    session.commit()
    payload = {"id": 7, "email": "Ada@Example.com"}

    first = post(hook_client, store.id, "evt-1", payload)
    second = post(hook_client, store.id, "evt-1", payload)

    assert first.status_code == 200 and first.json["status"] == "accepted"
    assert second.status_code == 200 and second.json["status"] == "duplicate"
    assert count_events(session) == 1
    assert JobQueues(runtime.redis).queue(INBOUND).count == 1

    run_jobs(runtime)
    event = session.execute(select(InboundEvent)).scalar_one()
    session.refresh(event)
    assert event.status == "done" and event.error is None
    customer = session.execute(select(Customer)).scalar_one()
    assert customer.email == "ada@example.com" and customer.platform_id == "7"


def test_a_processed_event_is_not_processed_again(hook_client, session, runtime) -> None:
    store = make_store(session)
    session.commit()
    post(hook_client, store.id, "evt-2", {"id": 8, "email": "b@example.com"})
    run_jobs(runtime)
    event_id = session.execute(select(InboundEvent.id)).scalar_one()
    # A duplicated job (e.g. the sweep and a retry racing) finds the event done and does nothing.
    JobQueues(runtime.redis).forget_job(f"inbound-{event_id}")
    JobQueues(runtime.redis).enqueue_inbound_event(event_id)
    run_jobs(runtime)
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 1


def test_failed_event_keeps_its_error_and_can_be_replayed(
    hook_client, app, session, runtime, monkeypatch
) -> None:
    store = make_store(session)
    session.commit()
    post(hook_client, store.id, "evt-3", {"id": 9, "email": "c@example.com"}, topic="orders/paid")
    run_jobs(runtime)

    event = session.execute(select(InboundEvent)).scalar_one()
    session.refresh(event)
    assert event.status == "failed"
    assert "unmapped topic orders/paid" in event.error
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 0

    # The mapping is fixed; the operator replays the stored event.
    event.topic = "customers/update"
    session.commit()
    result = app.test_cli_runner().invoke(args=["replay-event", str(event.id)])
    assert result.exit_code == 0, result.output
    assert "queued for processing" in result.output
    run_jobs(runtime)

    session.refresh(event)
    assert event.status == "done" and event.error is None
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 1


def test_replay_of_unknown_event_is_a_clear_error(app) -> None:
    result = app.test_cli_runner().invoke(args=["replay-event", "999999"])
    assert result.exit_code != 0
    assert "no inbound event 999999" in result.output


def test_webhook_is_stored_while_redis_is_down_and_swept_later(
    hook_client, app, session, runtime, monkeypatch
) -> None:
    store = make_store(session)
    session.commit()
    live_redis = runtime.redis
    runtime.__dict__["redis"] = type(live_redis).from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2
    )
    response = post(hook_client, store.id, "evt-4", {"id": 10, "email": "d@example.com"})
    assert response.status_code == 200 and response.json["status"] == "accepted"
    event = session.execute(select(InboundEvent)).scalar_one()
    assert event.status == "received"

    runtime.__dict__["redis"] = live_redis
    assert JobQueues(live_redis).queue(INBOUND).count == 0
    monkeypatch.setattr(maintenance, "STALL_AFTER", maintenance.timedelta(0))
    assert maintenance.requeue_stalled_events() == 1
    run_jobs(runtime)
    session.refresh(event)
    assert event.status == "done"


def test_accept_event_is_idempotent_at_the_database(session) -> None:
    store = make_store(session)
    first = accept_event(
        session, platform="shopify", store_id=store.id, external_id="e", topic="t", body="{}"
    )
    second = accept_event(
        session, platform="shopify", store_id=store.id, external_id="e", topic="t", body="{}"
    )
    other_store = make_store(session)
    third = accept_event(
        session, platform="shopify", store_id=other_store.id, external_id="e", topic="t", body="{}"
    )
    assert first.created and not second.created and third.created
    assert first.event_id == second.event_id != third.event_id
