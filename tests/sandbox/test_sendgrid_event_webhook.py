"""Sandbox SendGrid's signed event webhook: shape, signatures, batching, retries, redelivery."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

from sandbox.sendgrid.signing import WebhookSigner
from tests.sendgrid_support import API_KEY, mail_body, running_receiver, running_sandbox

AUTH = {"Authorization": f"Bearer {API_KEY}"}
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


@pytest.fixture(scope="module")
def hooked_servers():
    with running_receiver() as (receiver, url), running_sandbox(event_webhook_url=url) as sandbox:
        yield sandbox, receiver


@pytest.fixture
def hooked(hooked_servers):
    sandbox, receiver = hooked_servers
    assert sandbox.control("POST", "/reset").status_code == 200
    receiver.received.clear()
    receiver.failures_left = 0
    return sandbox, receiver


def send(sandbox, body=None) -> str:
    response = sandbox.http.post(
        f"{sandbox.url}/v3/mail/send", json=body or mail_body(), headers=AUTH
    )
    assert response.status_code == 202, response.text
    return response.headers["X-Message-Id"]


def all_events(receiver) -> list[dict]:
    return [event for post in receiver.received for event in json.loads(post.body)]


def first_delivery(sandbox) -> str:
    return sandbox.control("GET", "/messages").json()["messages"][0]["sg_message_id"]


def test_accepted_mail_posts_processed_then_delivered_with_custom_args(hooked) -> None:
    sandbox, receiver = hooked
    x_message_id = send(sandbox)
    sandbox.flush()

    events = all_events(receiver)
    assert [event["event"] for event in events] == ["processed", "delivered"]
    for event in events:
        assert event["email"] == "ada@example.com"
        assert event["sg_message_id"].startswith(x_message_id)
        assert event["nudge_message_id"] == "41" and event["nudge_store"] == "store-key"
        assert event["category"] == ["nudge", "abandoned_cart"]
        assert isinstance(event["timestamp"], int)
        assert len(event["sg_event_id"]) == 22
    assert events[1]["response"].startswith("250")
    assert len({event["sg_event_id"] for event in events}) == 2


def test_every_post_verifies_with_the_public_key(hooked) -> None:
    sandbox, receiver = hooked
    send(sandbox)
    sandbox.control("POST", "/events", json={"event": "open", "email": "ada@example.com"})
    sandbox.flush()
    public_key = serialization.load_der_public_key(base64.b64decode(sandbox.state.public_key))
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"

    assert receiver.received
    for post in receiver.received:
        assert post.body.endswith(b"\r\n")
        assert post.headers["Content-Type"] == "application/json"
        signature = base64.b64decode(post.headers[SIGNATURE])
        signed = post.headers[TIMESTAMP].encode() + post.body
        public_key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
        with pytest.raises(InvalidSignature):
            public_key.verify(signature, signed + b" ", ec.ECDSA(hashes.SHA256()))
        # The official helper agrees (it takes the raw body as text).
        helper = EventWebhook(sandbox.state.public_key)
        assert helper.verify_signature(
            post.body.decode(),
            post.headers[EventWebhookHeader.SIGNATURE],
            post.headers[EventWebhookHeader.TIMESTAMP],
        )
        assert not helper.verify_signature(
            post.body.decode(), post.headers[SIGNATURE], str(int(post.headers[TIMESTAMP]) + 1)
        )


@pytest.mark.parametrize(
    ("request_body", "expected"),
    [
        ({"event": "open"}, {"sg_machine_open": False}),
        ({"event": "click"}, {"url": "https://shop.example.com/cart"}),
        (
            {"event": "click", "url": "https://shop.example.com/p/1"},
            {"url": "https://shop.example.com/p/1"},
        ),
        ({"event": "bounce"}, {"type": "bounce", "status": "5.1.1"}),
        ({"event": "bounce", "type": "blocked"}, {"type": "blocked"}),
        ({"event": "dropped", "reason": "Invalid"}, {"reason": "Invalid"}),
        ({"event": "spamreport"}, {}),
        ({"event": "unsubscribe"}, {}),
        ({"event": "group_unsubscribe", "asm_group_id": 7}, {"asm_group_id": 7}),
    ],
)
def test_events_on_demand(hooked, request_body, expected) -> None:
    sandbox, receiver = hooked
    send(sandbox)
    sg_message_id = first_delivery(sandbox)
    response = sandbox.control(
        "POST", "/events", json={**request_body, "sg_message_id": sg_message_id}
    )
    assert response.status_code == 202, response.text
    sandbox.flush()

    event = all_events(receiver)[-1]
    assert event["event"] == request_body["event"]
    assert event["sg_message_id"] == sg_message_id
    assert event["nudge_message_id"] == "41"
    assert expected.items() <= event.items()


@pytest.mark.parametrize(
    "request_body",
    [
        {"event": "explode"},
        {"event": "bounce", "type": "soft"},
        {"event": "click", "url": "javascript:alert(1)"},
        {"event": "group_unsubscribe", "asm_group_id": "seven"},
        {},
    ],
)
def test_bad_event_requests_are_a_400_and_post_nothing(hooked, request_body) -> None:
    sandbox, receiver = hooked
    send(sandbox)
    sandbox.flush()
    before = len(all_events(receiver))
    response = sandbox.control("POST", "/events", json={**request_body, "email": "ada@example.com"})
    assert response.status_code == 400
    sandbox.flush()
    assert len(all_events(receiver)) == before


def test_event_for_an_unknown_message_is_a_404(hooked) -> None:
    sandbox, _receiver = hooked
    response = sandbox.control("POST", "/events", json={"event": "open", "email": "x@example.com"})
    assert response.status_code == 404


def test_reserved_fields_win_over_custom_args_and_one_category_is_a_string(hooked) -> None:
    sandbox, receiver = hooked
    body = mail_body(categories=["nudge"])
    body["personalizations"][0]["custom_args"] = {"event": "spoofed", "email": "x@y.z"}
    send(sandbox, body)
    sandbox.flush()
    event = all_events(receiver)[0]
    assert event["event"] == "processed" and event["email"] == "ada@example.com"
    assert event["category"] == "nudge"


def test_events_of_a_burst_share_posts(hooked) -> None:
    sandbox, receiver = hooked
    body = mail_body()
    body["personalizations"] = [
        {"to": [{"email": f"shopper{n}@example.com"}], "custom_args": {"nudge_message_id": str(n)}}
        for n in range(20)
    ]
    send(sandbox, body)
    sandbox.flush()
    assert len(all_events(receiver)) == 40
    assert len(receiver.received) < 40


def test_failed_posts_are_retried_until_accepted(hooked) -> None:
    sandbox, receiver = hooked
    receiver.failures_left = 2
    send(sandbox)
    sandbox.flush()

    assert len(receiver.received) == 3
    assert receiver.received[0].body == receiver.received[2].body
    log = sandbox.control("GET", "/event-webhook").json()
    assert [attempt["status"] for attempt in log["attempts"]] == [500, 500, 200]
    assert log["dead_batches"] == []


def test_a_batch_nobody_accepts_is_given_up_and_kept_for_inspection(hooked) -> None:
    sandbox, receiver = hooked
    receiver.failures_left = 100
    send(sandbox)
    sandbox.flush()
    log = sandbox.control("GET", "/event-webhook").json()
    assert len(log["attempts"]) == 1 + len(sandbox.state.webhook.policy.retry_delays)
    assert [e["event"] for e in log["dead_batches"][0]] == ["processed", "delivered"]


def test_redelivery_repeats_the_same_event_ids(hooked) -> None:
    sandbox, receiver = hooked
    send(sandbox)
    sandbox.flush()
    first = all_events(receiver)
    response = sandbox.control(
        "POST",
        "/event-webhook/redeliver",
        json={"email": "ada@example.com", "events": ["delivered"]},
    )
    assert response.status_code == 202
    sandbox.flush()
    again = all_events(receiver)[len(first) :]
    assert again == [first[1]]


def test_events_wait_while_no_url_is_configured_then_go() -> None:
    with running_receiver() as (receiver, url), running_sandbox() as sandbox:
        send(sandbox)
        assert sandbox.control("GET", "/status").json()["webhook"]["pending"] == 2
        assert (
            sandbox.control("POST", "/event-webhook/flush", json={"timeout": 0.2}).status_code
            == 504
        )
        assert sandbox.control("PUT", "/event-webhook", json={"url": url}).status_code == 200
        sandbox.flush()
        assert len(all_events(receiver)) == 2


def test_auto_events_can_be_changed(hooked) -> None:
    sandbox, receiver = hooked
    response = sandbox.control("PUT", "/event-webhook", json={"auto_events": ["processed"]})
    assert response.json()["auto_events"] == ["processed"]
    assert (
        sandbox.control("PUT", "/event-webhook", json={"auto_events": ["nope"]}).status_code == 400
    )
    assert sandbox.control("PUT", "/event-webhook", json={"url": "ftp://x"}).status_code == 400
    send(sandbox)
    sandbox.flush()
    assert [event["event"] for event in all_events(receiver)] == ["processed"]


def test_the_signing_key_can_be_kept_across_restarts(tmp_path) -> None:
    path = tmp_path / "keys" / "sendgrid-webhook.pem"
    first = WebhookSigner.from_file(path)
    second = WebhookSigner.from_file(path)
    assert first.public_key == second.public_key
    assert path.stat().st_mode & 0o777 == 0o600
