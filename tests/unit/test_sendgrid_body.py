"""The mail-send bodies SendGridSender builds: valid by the spec, batched only when safe."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.ports import AuthRevoked, Permanent, RateLimited, Transient
from app.core.values import MESSAGE_ID_ARG, STORE_KEY_ARG, OutboundMessage
from connectors.messaging.sendgrid import error_for_response, retry_after
from connectors.messaging.sendgrid_body import build_body, plan_requests
from sandbox.sendgrid.validation import schema_errors, validate_mail_send


def message(n: int = 1, **overrides) -> OutboundMessage:
    """A rendered marketing email for shopper n, with its own unsubscribe link."""
    values = {
        "message_id": n,
        "to_email": f"shopper{n}@example.com",
        "to_name": f"Shopper {n}",
        "from_email": "hello@shop.example.com",
        "from_name": "Example Shop",
        "reply_to": "care@shop.example.com",
        "subject": "You left something behind",
        "html": f'<p>Hi</p><a href="https://nudge.test/u/token-{n}">Unsubscribe</a>',
        "text": f"Hi\nUnsubscribe: https://nudge.test/u/token-{n}",
        "headers": {
            "List-Unsubscribe": f"<https://nudge.test/u/token-{n}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        "categories": ("nudge", "abandoned_cart"),
        "custom_args": {STORE_KEY_ARG: "store-key"},
    }
    values.update(overrides)
    return OutboundMessage(**values)


def identical(n: int) -> OutboundMessage:
    """Same content for everyone (no per-recipient link in the body); headers still differ."""
    return message(n, html="<p>Store news</p>", text="Store news")


def assert_valid(body: dict) -> None:
    # Both the spec exactly as published and the live API's stricter rules.
    assert schema_errors(body, as_live_api=False) == []
    assert validate_mail_send(body) == []


CASES = {
    "full": [message()],
    "html only": [message(text="")],
    "text only": [message(html="")],
    "no names, no reply-to, no headers": [
        message(to_name=None, from_name=None, reply_to=None, headers={}, categories=())
    ],
    "batch": [identical(n) for n in range(1, 6)],
    "comma in names": [message(to_name="Doe, Jane; Jr", from_name="Shop, Inc.")],
    "unicode": [message(subject="Ihr Warenkorb wartet – 10 % Rabatt", to_name="Zoë")],
}


@pytest.mark.parametrize("name", CASES)
def test_every_body_validates_against_the_spec(name) -> None:
    requests, invalid = plan_requests(CASES[name])
    assert not invalid
    for request in requests:
        assert_valid(request.body)


def test_one_message_body() -> None:
    body = build_body([message(7)])
    assert body["personalizations"] == [
        {
            "to": [{"email": "shopper7@example.com", "name": "Shopper 7"}],
            "custom_args": {STORE_KEY_ARG: "store-key", MESSAGE_ID_ARG: "7"},
        }
    ]
    assert body["from"] == {"email": "hello@shop.example.com", "name": "Example Shop"}
    assert body["reply_to"] == {"email": "care@shop.example.com"}
    assert [part["type"] for part in body["content"]] == ["text/plain", "text/html"]
    assert body["categories"] == ["nudge", "abandoned_cart"]
    assert body["headers"] == {
        "List-Unsubscribe": "<https://nudge.test/u/token-7>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert body["tracking_settings"]["subscription_tracking"] == {"enable": False}
    assert "custom_args" not in body  # message-level custom_args is mistyped in the spec


def test_messages_with_their_own_links_are_never_batched() -> None:
    messages = [message(n) for n in range(1, 4)]
    requests, _ = plan_requests(messages)
    assert [request.positions for request in requests] == [(0,), (1,), (2,)]
    for n, request in enumerate(requests, start=1):
        text = str(request.body)
        assert f"token-{n}" in text
        assert all(f"token-{other}" not in text for other in range(1, 4) if other != n)


def test_identical_content_is_batched_with_each_recipients_own_headers() -> None:
    messages = [identical(n) for n in range(1, 4)]
    requests, _ = plan_requests(messages)

    assert len(requests) == 1
    body = requests[0].body
    assert "headers" not in body
    for n, personalization in enumerate(body["personalizations"], start=1):
        assert personalization["to"][0]["email"] == f"shopper{n}@example.com"
        assert personalization["custom_args"][MESSAGE_ID_ARG] == str(n)
        assert personalization["headers"]["List-Unsubscribe"] == f"<https://nudge.test/u/token-{n}>"


def test_content_differences_split_batches_and_keep_input_positions() -> None:
    messages = [identical(1), identical(2), replace(identical(3), subject="Other"), identical(4)]
    requests, _ = plan_requests(messages)
    assert [request.positions for request in requests] == [(0, 1, 3), (2,)]


def test_a_batch_holds_at_most_1000_and_each_address_once() -> None:
    many = [identical(n) for n in range(1, 1003)]
    twice = [identical(1), replace(identical(2), to_email="SHOPPER1@example.com")]
    assert [len(r.positions) for r in plan_requests(many)[0]] == [1000, 2]
    assert [r.positions for r in plan_requests(twice)[0]] == [(0,), (1,)]
    for request in plan_requests(many)[0]:
        assert_valid(request.body)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"to_email": "not-an-address"}, "to address"),
        ({"from_email": "shop@"}, "from address"),
        ({"reply_to": "care"}, "reply-to address"),
        ({"subject": " "}, "subject"),
        ({"subject": "Hi\r\nBcc: victim@example.com"}, "subject"),
        ({"html": "", "text": ""}, "neither"),
        ({"headers": {"Reply-To": "x@example.com"}}, "reserved"),
        ({"headers": {"List-Unsubscribe": "<https://x>\r\nBcc: y@example.com"}}, "line break"),
        ({"categories": tuple(f"c{n}" for n in range(11))}, "categories"),
        ({"custom_args": {"blob": "x" * 10_000}}, "10,000 bytes"),
    ],
)
def test_messages_sendgrid_would_refuse_are_caught_before_sending(change, reason) -> None:
    requests, invalid = plan_requests([message(1), message(2, **change)])
    assert [request.positions for request in requests] == [(0,)]
    assert reason in str(invalid[1])


def test_custom_args_are_strings_and_our_message_id_wins() -> None:
    body = build_body([message(5, custom_args={MESSAGE_ID_ARG: "999", "step": "2"})])
    assert body["personalizations"][0]["custom_args"] == {MESSAGE_ID_ARG: "5", "step": "2"}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, Permanent),
        (404, Permanent),
        (413, Permanent),
        (408, Transient),
        (401, AuthRevoked),
        (403, AuthRevoked),
        (500, Transient),
        (503, Transient),
        (429, RateLimited),
    ],
)
def test_statuses_map_onto_the_error_tree(status, kind) -> None:
    body = b'{"errors":[{"message":"The from address does not match","field":"from.email"}]}'
    error = error_for_response(status, body, {"X-RateLimit-Reset": "0"})
    assert type(error) is kind
    assert error.detail == [{"message": "The from address does not match", "field": "from.email"}]
    assert "The from address does not match" in str(error)


def test_an_error_body_that_is_not_sendgrids_is_kept_as_text() -> None:
    error = error_for_response(502, b"<html>Bad Gateway</html>", None)
    assert isinstance(error, Transient)
    assert error.detail == [{"message": "<html>Bad Gateway</html>", "field": None}]


def test_retry_after_reads_the_reset_time() -> None:
    assert retry_after({"X-RateLimit-Reset": "1000"}, now=970.0) == 30.0
    assert retry_after({"X-RateLimit-Reset": "900"}, now=970.0) == 0.0
    assert retry_after({"X-RateLimit-Reset": "soon", "Retry-After": "12"}, now=0) == 12.0
    assert retry_after({}, now=0) == 60.0
