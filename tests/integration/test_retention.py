"""Retention: settled webhook bodies are blanked and old product views deleted after their
configured periods, by the nightly job the clock runs; nothing still needed is touched."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from rq.cron import CronScheduler
from sqlalchemy import select

from app.core.inbox import accept_event
from app.core.retention import (
    PRUNED_BODY,
    prune_inbound_bodies,
    prune_message_payloads,
    prune_product_views,
)
from app.db.base import utcnow
from app.db.models import InboundEvent, Message, ProductView
from app.runtime import Runtime
from tests.factories import make_message, make_store
from workers import maintenance
from workers import runtime as worker_runtime

BODY = '{"email": "ada@example.com", "phone": "+44 20 7946 0958"}'


def stored_event(session, store, external_id: str, *, status: str, age_days: int) -> int:
    accepted = accept_event(
        session,
        platform="shopify",
        store_id=store.id,
        external_id=external_id,
        topic="customers/update",
        body=BODY,
        headers={"X-Shopify-Shop-Domain": store.domain},
    )
    event = session.get(InboundEvent, accepted.event_id)
    event.status = status
    event.received_at = utcnow() - timedelta(days=age_days)
    session.flush()
    return event.id


def view(session, store, *, age_days: int) -> ProductView:
    row = ProductView(
        store_id=store.id,
        visitor_id=f"visitor-{age_days}",
        product_platform_id="7",
        viewed_at=utcnow() - timedelta(days=age_days),
    )
    session.add(row)
    session.flush()
    return row


def test_settled_bodies_past_the_period_are_blanked_and_keep_deduplicating(session) -> None:
    store = make_store(session)
    old_done = stored_event(session, store, "a", status="done", age_days=31)
    old_failed = stored_event(session, store, "b", status="failed", age_days=40)
    old_waiting = stored_event(session, store, "c", status="received", age_days=45)
    recent = stored_event(session, store, "d", status="done", age_days=29)

    pruned = prune_inbound_bodies(session, utcnow(), timedelta(days=30))

    assert pruned == 2
    rows = {e.id: e for e in session.execute(select(InboundEvent)).scalars()}
    for event_id in (old_done, old_failed):
        assert (rows[event_id].body, rows[event_id].headers) == (PRUNED_BODY, {})
    assert rows[old_waiting].body == BODY and rows[recent].body == BODY
    # The row stays: a redelivery of a pruned event is still a duplicate.
    again = accept_event(
        session, platform="shopify", store_id=store.id, external_id="a", topic="x", body=BODY
    )
    assert not again.created and again.event_id == old_done
    assert prune_inbound_bodies(session, utcnow(), timedelta(days=30)) == 0  # idempotent


def test_old_product_views_are_deleted_in_batches(session, monkeypatch) -> None:
    store = make_store(session)
    old = [view(session, store, age_days=181 + index) for index in range(5)]
    kept = view(session, store, age_days=179)
    monkeypatch.setattr("app.core.retention.BATCH", 2)

    assert prune_product_views(session, utcnow(), timedelta(days=180)) == len(old)

    remaining = session.execute(select(ProductView.id)).scalars().all()
    assert remaining == [kept.id]


def test_the_nightly_job_uses_the_configured_periods(settings, db, redis_client, session) -> None:
    store = make_store(session)
    event_id = stored_event(session, store, "e", status="done", age_days=8)
    fresh_view = view(session, store, age_days=8)
    session.commit()
    configured = dataclasses.replace(
        settings, inbound_body_retention_days=7, product_view_retention_days=10
    )
    worker_runtime.install(Runtime(configured, database=db))
    try:
        assert maintenance.prune_personal_data() == {
            "inbound_bodies": 1,
            "message_payloads": 0,
            "product_views": 0,
        }
    finally:
        worker_runtime.install(None)
    session.expire_all()
    assert session.get(InboundEvent, event_id).body == PRUNED_BODY
    assert session.get(ProductView, fresh_view.id) is not None


def test_the_clock_runs_the_retention_job() -> None:
    scheduler = CronScheduler(connection=None)  # type: ignore[arg-type]
    scheduler.load_config_from_file("workers.cron")
    assert "workers.maintenance.prune_personal_data" in {
        job.func_name for job in scheduler.get_jobs()
    }


def test_rendered_emails_are_emptied_once_they_can_never_be_sent_again(session) -> None:
    store = make_store(session)
    old = utcnow() - timedelta(days=31)
    payload = {"to_email": "ada@example.com", "html": "<p>Hi Ada</p>", "subject": "Hi"}
    sent = make_message(session, store, status="delivered", payload=payload, created_at=old)
    sending = make_message(session, store, status="sending", payload=payload, created_at=old)
    recent = make_message(session, store, status="sent", payload=payload)

    assert prune_message_payloads(session, utcnow(), timedelta(days=30)) == 1

    session.expire_all()
    assert session.get(Message, sent.id).payload == {}
    assert session.get(Message, sent.id).status == "delivered"
    assert session.get(Message, sending.id).payload == payload  # may still need its retry
    assert session.get(Message, recent.id).payload == payload
