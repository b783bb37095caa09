"""Issue 7 end to end: a recipe's email sent through the sandbox SendGrid, its delivered, open
and click events back through the signed webhook, a bounce that suppresses, and an order with the
email's code credited to the right recipe and step. Only the store connector is a fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import create_app
from app.core.messaging.render import TemplateRenderer
from app.core.messaging.unsubscribe import UnsubscribeLinks
from app.core.values import MESSAGE_ID_ARG
from app.db.base import utcnow
from app.db.models import Attribution, IssuedDiscount, Message, Suppression
from app.runtime import Runtime
from connectors.messaging.sendgrid import SendGridSender
from sandbox.serving import ServerThread
from tests.factories import make_store
from tests.integration.engine_support import Engine, cart, customer_data, order
from tests.sendgrid_support import API_KEY, running_sandbox
from workers import handlers
from workers import runtime as worker_runtime
from workers.queues import INBOUND, JobQueues
from workers.serializer import JobSerializer

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
SETTINGS = {
    "sender_email": "hello@snowdevil.example",
    "postal_address": "150 Elgin Street\nOttawa ON K2P 1L4, Canada",
    "quiet_hours": {"enabled": False, "start": "21:00", "end": "08:00"},
}


@pytest.fixture
def stack(settings, committed_db, redis_client):
    """The sandbox SendGrid posting signed events to Nudge's app on a loopback port."""
    with running_sandbox() as sendgrid:
        keyed = replace(settings, sendgrid_webhook_public_key=sendgrid.state.public_key)
        runtime = Runtime(keyed, database=committed_db)
        worker_runtime.install(runtime)
        with ServerThread(create_app(runtime=runtime)) as app:
            hook = {"url": f"{app.url}/webhooks/sendgrid"}
            assert sendgrid.control("PUT", "/event-webhook", json=hook).status_code == 200
            yield sendgrid, runtime
        worker_runtime.install(None)
        runtime.redis.close()


def settle(sendgrid, runtime, session) -> None:
    """Every queued event posted to the app, every stored event processed by a worker.

    The test's own session ends its transaction first: on the embedded SQLite default every
    transaction holds the write lock (app/db/session.py), and the app must write the events."""
    session.commit()
    sendgrid.flush()
    queue = JobQueues(runtime.redis).queue(INBOUND)
    SimpleWorker([queue], connection=runtime.redis, serializer=JobSerializer).work(burst=True)


@pytest.fixture
def session(committed_db):
    """A session on the real engine (the app thread and the test share committed rows)."""
    with committed_db.session() as own:
        yield own
        own.rollback()


def test_send_engage_bounce_and_attribute(stack, settings, session) -> None:
    sendgrid, runtime = stack
    store = make_store(session, settings=SETTINGS, timezone="UTC")
    start = utcnow() - timedelta(days=2)
    engine = Engine(session, store, now=start)
    engine.sender = SendGridSender(API_KEY, sendgrid.url, timeout=5.0)  # type: ignore[assignment]
    engine.renderer = TemplateRenderer(TEMPLATES)  # type: ignore[assignment]
    engine.signer = UnsubscribeLinks(settings.secret_key, settings.app_url)  # type: ignore[assignment]
    engine.enable("abandoned_cart", holdout_percent=0)
    ada, bea = customer_data(1), customer_data(2)
    engine.ingest(cart("tok-ada", ada, start), cart("tok-bea", bea, start))
    engine.run_until(start + timedelta(hours=30))  # steps 0 and 1 (with the code) for both

    sent = session.execute(select(Message).order_by(Message.id)).scalars().all()
    assert [(m.to_email, m.step, m.status) for m in sent] == [
        (ada.email, 0, "sent"),
        (bea.email, 0, "sent"),
        (ada.email, 1, "sent"),
        (bea.email, 1, "sent"),
    ]
    settle(sendgrid, runtime, session)
    session.expire_all()
    assert {m.status for m in sent} == {"delivered"}

    # Ada opens and clicks her second email; Bea's address bounces.
    ada_code_email = sent[2]
    kept = sendgrid.control("GET", "/messages").json()["messages"]
    [sandbox_id] = [
        m["sg_message_id"]
        for m in kept
        if m["custom_args"].get(MESSAGE_ID_ARG) == str(ada_code_email.id)
    ]
    for event in ("open", "click"):
        body = {"event": event, "sg_message_id": sandbox_id}
        assert sendgrid.control("POST", "/events", json=body).status_code == 202
    bounce = {"event": "bounce", "email": bea.email, "reason": "550 5.1.1 unknown user"}
    assert sendgrid.control("POST", "/events", json=bounce).status_code == 202
    settle(sendgrid, runtime, session)
    session.expire_all()
    assert ada_code_email.status == "clicked" and ada_code_email.clicked_at is not None
    suppressed = session.execute(select(Suppression)).scalars().all()
    assert [(s.email, s.reason) for s in suppressed] == [(bea.email, "bounced")]

    # The bounce stops Bea's series; Ada buys with her code and the order is credited.
    code = session.execute(
        select(IssuedDiscount).where(IssuedDiscount.customer_id == ada_code_email.customer_id)
    ).scalar_one()
    placed = start + timedelta(hours=31)
    handlers.build_router().ingest(
        session, store, [order("1001", ada, placed, discount_codes=(code.code.lower(),))]
    )
    session.commit()
    [credit] = session.execute(select(Attribution)).scalars().all()
    assert (credit.recipe, credit.step, credit.reason) == ("abandoned_cart", 1, "code")
    assert credit.message_id == ada_code_email.id
    session.refresh(code)
    assert code.status == "redeemed"
    engine.run_until(start + timedelta(days=5))
    assert [m.to_email for m in session.execute(select(Message)).scalars()].count(bea.email) == 2
