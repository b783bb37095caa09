"""SendGridSender over real HTTP to the sandbox: accepted mail, batches, and every error path."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import pytest

from app.core.ports import AuthRevoked, OutcomeUnknown, Permanent, RateLimited, Transient
from app.core.values import MESSAGE_ID_ARG, STORE_KEY_ARG
from app.runtime import Runtime
from connectors.messaging.sendgrid import SendGridSender
from connectors.messaging.smtp import SmtpSender
from tests.sendgrid_support import API_KEY, running_sandbox
from tests.smtp_capture import smtp_capture
from tests.unit.test_sendgrid_body import identical, message


@pytest.fixture(scope="module")
def sandbox_server():
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.control("POST", "/reset")
    return sandbox_server


@pytest.fixture
def sender(sandbox) -> SendGridSender:
    return SendGridSender(API_KEY, sandbox.url, timeout=5.0)


def kept(sandbox) -> list[dict]:
    summaries = sandbox.control("GET", "/messages").json()["messages"]
    return [sandbox.control("GET", f"/messages/{m['sg_message_id']}").json() for m in summaries]


def test_a_message_is_accepted_and_arrives_as_built(sandbox, sender) -> None:
    [result] = sender.send([message(7)])

    assert result.accepted and result.message_id == 7 and result.error is None
    [copy] = kept(sandbox)
    assert copy["x_message_id"] == result.provider_message_id
    assert copy["email"] == "shopper7@example.com" and copy["name"] == "Shopper 7"
    assert copy["custom_args"] == {STORE_KEY_ARG: "store-key", MESSAGE_ID_ARG: "7"}
    assert copy["headers"] == {
        "List-Unsubscribe": "<https://nudge.test/u/token-7>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert copy["categories"] == ["nudge", "abandoned_cart"]
    assert copy["reply_to"] == "care@shop.example.com"
    assert "token-7" in copy["html"] and "token-7" in copy["text"]


def test_a_batch_is_one_request_and_no_recipient_sees_anothers_link(sandbox, sender) -> None:
    results = sender.send([identical(n) for n in range(1, 4)])

    assert [r.message_id for r in results] == [1, 2, 3]
    assert all(r.accepted for r in results)
    assert len({r.provider_message_id for r in results}) == 1
    copies = {copy["email"]: copy for copy in kept(sandbox)}
    for n in range(1, 4):
        copy = copies[f"shopper{n}@example.com"]
        assert copy["headers"]["List-Unsubscribe"] == f"<https://nudge.test/u/token-{n}>"
        assert copy["custom_args"][MESSAGE_ID_ARG] == str(n)


def test_429_is_rate_limited_until_the_reset_time(sandbox, sender) -> None:
    sandbox.control("POST", "/faults", json={"status": 429, "reset_in": 42})
    with pytest.raises(RateLimited) as raised:
        sender.send([message()])
    assert 38 <= raised.value.retry_after <= 42
    assert raised.value.detail == [{"field": None, "message": "too many requests"}]
    assert kept(sandbox) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(sandbox, sender, status) -> None:
    sandbox.control("POST", "/faults", json={"status": status})
    with pytest.raises(Transient) as raised:
        sender.send([message()])
    assert str(status) in str(raised.value)


def test_a_refused_body_is_permanent_with_sendgrids_errors(sandbox, sender) -> None:
    # Passes our own address check, fails SendGrid's (no underscores in host names).
    with pytest.raises(Permanent) as raised:
        sender.send([message(to_email="ada@exa_mple.com")])
    assert raised.value.detail == [
        {"field": "personalizations.0.to.0.email", "message": "Does not contain a valid address."}
    ]


def test_wrong_key_and_forbidden_are_auth_revoked(sandbox) -> None:
    with pytest.raises(AuthRevoked):
        SendGridSender("SG.revoked", sandbox.url).send([message()])
    sandbox.control("POST", "/faults", json={"status": 403})
    with pytest.raises(AuthRevoked):
        SendGridSender(API_KEY, sandbox.url).send([message()])


def test_a_slow_answer_is_an_unknown_outcome_not_a_retry(sandbox) -> None:
    sandbox.control("POST", "/faults", json={"delay": 1.5})
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown, match="no answer"):
        SendGridSender(API_KEY, sandbox.url, timeout=0.3).send([message()])
    assert time.monotonic() - started < 1.4
    # Why it must not be retried: the slow request was still accepted in the end.
    deadline = time.monotonic() + 10
    while not kept(sandbox) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(kept(sandbox)) == 1


def test_nobody_listening_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(Transient):
        SendGridSender(API_KEY, f"http://127.0.0.1:{closed_port}").send([message()])


def test_after_a_partial_success_results_are_per_message(sandbox, sender) -> None:
    sandbox.control("POST", "/faults", json={"status": 429, "after": 1, "count": 5})
    results = sender.send([message(1), message(2), message(3)])

    assert [r.accepted for r in results] == [True, False, False]
    assert results[1].error.startswith("RateLimited: SendGrid 429")
    assert results[2].error.startswith("not attempted after RateLimited")
    assert [copy["email"] for copy in kept(sandbox)] == ["shopper1@example.com"]


def test_an_invalid_message_does_not_hold_back_the_others(sandbox, sender) -> None:
    results = sender.send([message(1, subject=""), message(2)])
    assert [r.accepted for r in results] == [False, True]
    assert results[0].error.startswith("Permanent:")
    with pytest.raises(Permanent, match="subject"):
        sender.send([message(3, subject="")])


def test_when_nothing_went_out_the_most_retryable_error_is_raised(sandbox, sender) -> None:
    sandbox.control("POST", "/faults", json={"status": 503})
    with pytest.raises(Transient):
        sender.send([message(1, subject=""), message(2)])


def test_the_runtime_picks_the_sender_mail_backend_names(settings, sandbox) -> None:
    runtime = Runtime(replace(settings, sendgrid_api_key=API_KEY, sendgrid_api_host=sandbox.url))
    assert isinstance(runtime.mail_sender, SendGridSender)
    assert runtime.mail_sender.send([message(1)])[0].accepted
    with smtp_capture() as (capture, url):
        smtp = Runtime(replace(settings, mail_backend="smtp", smtp_url=url)).mail_sender
        assert isinstance(smtp, SmtpSender)
        assert smtp.send([message(2)])[0].accepted
        assert len(capture.messages) == 1
