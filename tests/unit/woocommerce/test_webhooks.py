"""Delivery signatures, the creation ping, and the inbox id of a delivered state."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

from connectors.woocommerce.webhooks import (
    event_identity,
    is_ping,
    new_webhook_secret,
    sign,
    signature_valid,
    webhook_body,
)

ORDER = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce" / "order.json"


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = ORDER.read_bytes()
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert sign("s3cret", body) == expected
    assert signature_valid("s3cret", body, expected)
    assert not signature_valid("s3cret", body + b" ", expected)
    assert not signature_valid("other", body, expected)
    assert not signature_valid("s3cret", body, None)
    assert not signature_valid("", body, sign("", body))


def test_secrets_are_long_and_alphanumeric() -> None:
    secret = new_webhook_secret()
    assert len(secret) == 48 and secret.isalnum()
    assert secret != new_webhook_secret()


def test_only_an_unsigned_webhook_id_form_is_a_ping() -> None:
    assert is_ping(b"webhook_id=142", None)
    assert not is_ping(b"webhook_id=142", "c2ln")
    assert not is_ping(b'{"id": 142}', None)
    assert not is_ping(b"webhook_id=142&x=1", None)


def test_the_same_state_has_one_id_whatever_the_topic_spacing_or_links() -> None:
    payload = json.loads(ORDER.read_text())
    compact = json.loads(json.dumps(payload, separators=(",", ":")))
    compact.pop("_links")
    first = event_identity("order.created", payload, "delivery-1")
    assert first.startswith("order:727:20170322T192808:")
    assert event_identity("order.updated", compact, "delivery-2") == first


def test_two_states_in_the_same_second_have_different_ids() -> None:
    payload = json.loads(ORDER.read_text())
    paid = {**payload, "status": "completed"}
    assert event_identity("order.updated", payload, "d") != event_identity(
        "order.updated", paid, "d"
    )


def test_deletions_are_named_by_delivery() -> None:
    assert event_identity("product.deleted", {"id": 7}, "abc") == "product:7:deleted:abc"


def test_webhook_body_names_the_topic_and_carries_the_secret() -> None:
    assert webhook_body("order.updated", "https://n.test/webhooks/woocommerce/k", "s") == {
        "name": "Nudge: order.updated",
        "topic": "order.updated",
        "delivery_url": "https://n.test/webhooks/woocommerce/k",
        "secret": "s",
        "status": "active",
    }
