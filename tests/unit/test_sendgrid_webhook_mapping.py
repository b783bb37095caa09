"""SendGrid event webhook: signature verification and the mapping to MessageEvents."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from connectors.messaging.sendgrid_webhook import (
    MalformedBatch,
    SignatureRejected,
    map_event,
    map_one,
    parse_batch,
    verify_signature,
)
from sandbox.sendgrid.signing import WebhookSigner

NOW = 1_795_000_000
BODY = b'[{"email":"ada@example.com","event":"processed","sg_event_id":"e1","timestamp":1}]\r\n'


@pytest.fixture(scope="module")
def signer() -> WebhookSigner:
    return WebhookSigner()


def signed(signer: WebhookSigner, body: bytes = BODY, stamp: int = NOW) -> tuple[str, str]:
    headers = signer.headers(body, stamp)
    return (
        headers["X-Twilio-Email-Event-Webhook-Signature"],
        headers["X-Twilio-Email-Event-Webhook-Timestamp"],
    )


def test_a_valid_signature_passes(signer) -> None:
    signature, stamp = signed(signer)
    verify_signature(signer.public_key, signature, stamp, BODY, now=NOW + 5)


def test_a_pem_key_is_accepted_too(signer) -> None:
    der = base64.b64decode(signer.public_key)
    pem = serialization.load_der_public_key(der).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature, stamp = signed(signer)
    verify_signature(pem.decode(), signature, stamp, BODY, now=NOW)


def p384_public_key() -> str:
    key = ec.generate_private_key(ec.SECP384R1()).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


#: Each bad request: what differs from a correctly signed one, and the reason it is refused.
BAD_REQUESTS = {
    "tampered body": ({"body": BODY.replace(b"processed", b"delivered")}, "does not verify"),
    "body without the trailing CRLF": ({"body": BODY.rstrip()}, "does not verify"),
    "timestamp off by one": ({"timestamp": str(NOW + 1)}, "does not verify"),
    "another key": ({"public_key": WebhookSigner().public_key}, "does not verify"),
    "garbage signature": ({"signature": "not-base64!!"}, "does not verify"),
    "signature of random bytes": (
        {"signature": base64.b64encode(b"\x30\x06garbage").decode()},
        "does not verify",
    ),
    "empty signature": ({"signature": ""}, "missing"),
    "no timestamp": ({"timestamp": None}, "missing"),
    "timestamp not a number": ({"timestamp": "12e9"}, "not a unix time"),
    "stale timestamp": ({"now": NOW + 601}, "outside the tolerance"),
    "future timestamp": ({"now": NOW - 601}, "outside the tolerance"),
    "no key configured": ({"public_key": None}, "not set"),
    "key not base64": ({"public_key": "MFkw???"}, "unreadable"),
    "key base64 but not DER": ({"public_key": base64.b64encode(b"hello").decode()}, "unreadable"),
    "key of another curve": ({"public_key": p384_public_key()}, "not an ECDSA P-256"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_every_bad_request_is_one_rejection_never_a_crash(signer, case) -> None:
    signature, stamp = signed(signer)
    request = {"public_key": signer.public_key, "signature": signature, "timestamp": stamp}
    request |= {"body": BODY, "now": NOW}
    changes, reason = BAD_REQUESTS[case]
    request |= changes
    with pytest.raises(SignatureRejected, match=reason):
        verify_signature(
            request["public_key"],
            request["signature"],
            request["timestamp"],
            request["body"],
            now=request["now"],
        )


# Shaped like the examples of twilio.com/docs/sendgrid/for-developers/tracking-events/event,
# with Nudge's custom_args flattened in.
def sample(event: str, **fields) -> dict:
    return {
        "email": "ada@example.com",
        "timestamp": 1_795_000_100,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "event": event,
        "category": "abandoned_cart",
        "sg_event_id": f"id-{event}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        "nudge_message_id": "41",
        "nudge_store": "store-key",
        **fields,
    }


@pytest.mark.parametrize(
    ("item", "kind", "suppress"),
    [
        (sample("processed"), "processed", None),
        (sample("deferred", response="400 try again later", attempt="5"), "deferred", None),
        (sample("delivered", response="250 OK"), "delivered", None),
        (sample("open", useragent="Mozilla/4.0", ip="255.255.255.255"), "opened", None),
        (sample("click", url="https://shop.example.com/cart"), "clicked", None),
        (sample("bounce", reason="500 unknown recipient", status="5.0.0"), "bounced", "bounced"),
        (sample("bounce", type="bounce", reason="550 5.1.1"), "bounced", "bounced"),
        (sample("bounce", type="blocked", reason="554 blocked"), "bounced", None),
        (sample("dropped", reason="Bounced Address"), "dropped", "bounced"),
        (sample("dropped", reason="Invalid"), "dropped", "bounced"),
        (sample("dropped", reason="Spam Reporting Address"), "dropped", "complained"),
        (sample("dropped", reason="Unsubscribed Address"), "dropped", "unsubscribed"),
        (sample("dropped", reason="Spam Content (if spam checker app enabled)"), "dropped", None),
        (sample("dropped", reason="Invalid SMTPAPI header"), "dropped", None),
        (sample("spamreport"), "complained", "complained"),
        (sample("unsubscribe"), "unsubscribed", "unsubscribed"),
        (sample("group_unsubscribe", asm_group_id=10), "unsubscribed", "unsubscribed"),
        (sample("group_resubscribe", asm_group_id=10), "resubscribed", None),
    ],
)
def test_events_map_with_their_suppression_verdict(item, kind, suppress) -> None:
    event = map_one(item)
    assert event is not None
    assert event.kind == kind and event.suppress == suppress
    assert event.provider == "sendgrid" and event.event_id == item["sg_event_id"]
    assert event.message_id == 41 and event.store_key == "store-key"
    assert event.email == "ada@example.com"
    assert event.occurred_at == datetime.fromtimestamp(1_795_000_100, UTC)
    assert event.provider_message_id == item["sg_message_id"]


def test_click_url_and_bounce_reason_are_kept() -> None:
    assert map_one(sample("click", url="https://x.example/p")).url == "https://x.example/p"
    assert map_one(sample("bounce", reason="550 5.1.1 no")).reason == "550 5.1.1 no"
    assert map_one(sample("delivered", response="250 OK")).reason == "250 OK"


@pytest.mark.parametrize(
    "item",
    [
        sample("account_status_change"),
        sample("open", sg_event_id=None),
        sample("open", sg_event_id="x" * 256),
        sample("open", email=None),
        sample("open", timestamp="yesterday"),
        sample("open", timestamp=True),
    ],
)
def test_unusable_items_are_skipped(item) -> None:
    assert map_one(item) is None


@pytest.mark.parametrize("value", ["abc", "", None, 4.5, True, "1" * 19])
def test_a_message_id_that_is_not_ours_maps_to_none(value) -> None:
    assert map_one(sample("open", nudge_message_id=value)).message_id is None


def test_map_event_reads_a_whole_post() -> None:
    body = json.dumps([sample("processed"), sample("bogus"), sample("delivered")]) + "\r\n"
    assert [e.kind for e in map_event("event_webhook", body)] == ["processed", "delivered"]
    with pytest.raises(ValueError, match="topic"):
        map_event("orders/create", body)


@pytest.mark.parametrize("body", [b"not json", b'{"event": "open"}', b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_an_event_array_is_malformed(body) -> None:
    with pytest.raises(MalformedBatch):
        parse_batch(body)
