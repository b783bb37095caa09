"""End to end over real HTTP: Nudge sends through the sandbox, the sandbox's signed events come
back to POST /webhooks/sendgrid, a worker applies them to the message and the suppressions."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import httpx
import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app import create_app
from app.core.values import STORE_KEY_ARG, OutboundMessage
from app.db.models import InboundEvent, Message, ProcessedEmailEvent, Suppression
from app.runtime import Runtime
from connectors.messaging.sendgrid import SendGridSender
from sandbox.serving import ServerThread
from tests.factories import make_message, make_store
from tests.sendgrid_support import API_KEY, running_sandbox
from workers import runtime as worker_runtime
from workers.queues import INBOUND, JobQueues
from workers.serializer import JobSerializer


@pytest.fixture
def sandbox():
    with running_sandbox() as running:
        yield running


@pytest.fixture
def nudge(settings, committed_db, redis_client, sandbox):
    """Nudge's web app on a loopback port, trusting the sandbox's signing key."""
    keyed = replace(settings, sendgrid_webhook_public_key=sandbox.state.public_key)
    runtime = Runtime(keyed, database=committed_db)
    worker_runtime.install(runtime)
    with ServerThread(create_app(runtime=runtime)) as server:
        hook = f"{server.url}/webhooks/sendgrid"
        assert sandbox.control("PUT", "/event-webhook", json={"url": hook}).status_code == 200
        yield server, runtime
    worker_runtime.install(None)
    runtime.redis.close()


@pytest.fixture
def sent(committed_db, sandbox, nudge):
    """A store and a message, sent through the sandbox by the real sender."""
    with committed_db.session_scope() as session:
        store = make_store(session)
        message = make_message(session, store, status="queued")
        ids = (store.id, store.key, message.id)
    store_id, store_key, message_id = ids
    outbound = OutboundMessage(
        message_id=message_id,
        to_email="ada@example.com",
        from_email="hello@shop.example.com",
        subject="You left something behind",
        html='<p><a href="https://shop.example.com/cart">Back to your cart</a></p>',
        text="Back to your cart: https://shop.example.com/cart",
        headers={
            "List-Unsubscribe": "<https://nudge.test/u/token>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        categories=("abandoned_cart",),
        custom_args={STORE_KEY_ARG: store_key},
    )
    [result] = SendGridSender(API_KEY, sandbox.url).send([outbound])
    assert result.accepted
    return store_id, message_id


def settle(sandbox, runtime) -> None:
    """Let the sandbox post every queued event, then run the queued jobs."""
    sandbox.flush()
    queue = JobQueues(runtime.redis).queue(INBOUND)
    SimpleWorker([queue], connection=runtime.redis, serializer=JobSerializer).work(burst=True)


def trigger(sandbox, event: str, **options) -> None:
    body = {"event": event, "email": "ada@example.com", **options}
    assert sandbox.control("POST", "/events", json=body).status_code == 202


def load(db, message_id: int) -> Message:
    with db.session() as session:
        return session.get(Message, message_id)


def count(db, model) -> int:
    with db.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_sent_message_is_delivered_opened_and_clicked(sandbox, nudge, sent, committed_db):
    _, runtime = nudge
    _, message_id = sent
    settle(sandbox, runtime)
    message = load(committed_db, message_id)
    assert message.status == "delivered"
    assert message.sent_at is not None and message.delivered_at is not None

    trigger(sandbox, "open")
    trigger(sandbox, "click")
    settle(sandbox, runtime)
    message = load(committed_db, message_id)
    assert message.status == "clicked"
    assert message.opened_at is not None and message.clicked_at is not None

    # A late open and a late delivery (SendGrid sends them out of order) move nothing back.
    trigger(sandbox, "open")
    trigger(sandbox, "delivered")
    settle(sandbox, runtime)
    assert load(committed_db, message_id).status == "clicked"
    with committed_db.session() as session:
        statuses = set(session.execute(select(InboundEvent.status)).scalars())
    assert statuses == {"done"}


def test_a_replayed_event_is_processed_once(sandbox, nudge, sent, committed_db):
    server, runtime = nudge
    _, message_id = sent
    trigger(sandbox, "unsubscribe")
    settle(sandbox, runtime)
    first_unsubscribe = load(committed_db, message_id).unsubscribed_at
    applied = count(committed_db, ProcessedEmailEvent)
    posts = count(committed_db, InboundEvent)

    # SendGrid posts the same events again in a new batch (same sg_event_id)...
    again = {"email": "ada@example.com", "events": ["unsubscribe", "delivered"]}
    assert sandbox.control("POST", "/event-webhook/redeliver", json=again).status_code == 202
    settle(sandbox, runtime)
    assert count(committed_db, InboundEvent) == posts + 1
    assert count(committed_db, ProcessedEmailEvent) == applied
    assert load(committed_db, message_id).unsubscribed_at == first_unsubscribe

    # ...or someone replays a whole signed POST: the inbox already has that body.
    with committed_db.session() as session:
        body = session.execute(select(InboundEvent.body).limit(1)).scalar_one().encode()
    headers = sandbox.state.webhook.signer.headers(body, int(time.time()))
    replay = sandbox.http.post(f"{server.url}/webhooks/sendgrid", content=body, headers=headers)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert count(committed_db, InboundEvent) == posts + 1


def test_a_bounce_suppresses_the_address_for_the_store(sandbox, nudge, sent, committed_db):
    _, runtime = nudge
    store_id, message_id = sent
    settle(sandbox, runtime)
    trigger(sandbox, "bounce", reason="550 5.1.1 The email account does not exist.")
    settle(sandbox, runtime)

    message = load(committed_db, message_id)
    assert message.status == "bounced" and message.bounced_at is not None
    assert message.error == "550 5.1.1 The email account does not exist."
    with committed_db.session() as session:
        [suppression] = session.execute(select(Suppression)).scalars()
    assert (suppression.store_id, suppression.email) == (store_id, "ada@example.com")
    assert (suppression.reason, suppression.source) == ("bounced", "sendgrid:bounced")

    trigger(sandbox, "click")  # a bounced message stays bounced
    settle(sandbox, runtime)
    assert load(committed_db, message_id).status == "bounced"


def signed_post(server, sandbox, body: bytes, **header_changes) -> httpx.Response:
    headers = sandbox.state.webhook.signer.headers(body, int(time.time()))
    headers.update(header_changes)
    headers = {name: value for name, value in headers.items() if value is not None}
    return sandbox.http.post(f"{server.url}/webhooks/sendgrid", content=body, headers=headers)


BATCH = (
    json.dumps(
        [{"email": "ada@example.com", "event": "bounce", "sg_event_id": "x1", "timestamp": 1}]
    )
    + "\r\n"
).encode()
SIG = "X-Twilio-Email-Event-Webhook-Signature"
STAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


@pytest.mark.parametrize(
    "changes",
    [
        {SIG: None},
        {STAMP: None},
        {SIG: "not-base64!!"},
        {SIG: "MEUCIQD" + "A" * 60},
        {STAMP: str(int(time.time()) - 3600)},
        {STAMP: "soon"},
    ],
)
def test_a_bad_signature_is_401_and_stores_nothing(sandbox, nudge, committed_db, changes):
    server, _ = nudge
    response = signed_post(server, sandbox, BATCH, **changes)
    assert response.status_code == 401
    assert count(committed_db, InboundEvent) == 0


def test_a_body_altered_after_signing_is_401(sandbox, nudge, committed_db):
    server, _ = nudge
    headers = sandbox.state.webhook.signer.headers(BATCH, int(time.time()))
    tampered = BATCH.replace(b"bounce", b"click")
    response = sandbox.http.post(
        f"{server.url}/webhooks/sendgrid", content=tampered, headers=headers
    )
    assert response.status_code == 401
    assert count(committed_db, InboundEvent) == 0


@pytest.mark.parametrize("key", [None, "not a key", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"])
def test_a_missing_or_malformed_key_is_401_not_500(settings, db, redis_client, sandbox, key):
    runtime = Runtime(replace(settings, sendgrid_webhook_public_key=key), database=db)
    client = create_app(runtime=runtime).test_client()
    headers = sandbox.state.webhook.signer.headers(BATCH, int(time.time()))
    response = client.post("/webhooks/sendgrid", data=BATCH, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize("body", [b"not json\r\n", b'{"event": "open"}', b"[1]"])
def test_a_signed_body_that_is_not_an_event_array_is_400(sandbox, nudge, committed_db, body):
    server, _ = nudge
    assert signed_post(server, sandbox, body).status_code == 400
    assert count(committed_db, InboundEvent) == 0
