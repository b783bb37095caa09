"""SmtpSender against a loopback SMTP capture: MIME shape, headers, and SMTP reply codes."""

from __future__ import annotations

import socket

import pytest

from app.core.ports import AuthRevoked, Permanent, Transient
from connectors.messaging.smtp import SmtpSender
from tests.smtp_capture import smtp_capture
from tests.unit.test_sendgrid_body import message


def test_a_message_arrives_as_multipart_alternative_with_its_headers() -> None:
    with smtp_capture() as (capture, url):
        [result] = SmtpSender(url).send([message(7)])

    assert result.accepted and result.message_id == 7
    [email] = capture.messages
    assert capture.envelopes == [("hello@shop.example.com", ["shopper7@example.com"])]
    assert email["Message-ID"] == result.provider_message_id
    assert email["From"] == "Example Shop <hello@shop.example.com>"
    assert email["To"] == "Shopper 7 <shopper7@example.com>"
    assert email["Reply-To"] == "care@shop.example.com"
    assert email["Subject"] == "You left something behind"
    assert email["List-Unsubscribe"] == "<https://nudge.test/u/token-7>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.get_content_type() == "multipart/alternative"
    text, html = email.iter_parts()
    assert text.get_content_type() == "text/plain" and "token-7" in text.get_content()
    assert html.get_content_type() == "text/html" and "token-7" in html.get_content()


def test_html_only_and_several_messages_over_one_connection() -> None:
    with smtp_capture() as (capture, url):
        results = SmtpSender(url).send([message(1, text=""), message(2, subject="Ünïcode ✓")])
    assert [r.accepted for r in results] == [True, True]
    assert capture.messages[0].get_content_type() == "text/html"
    assert capture.messages[1]["Subject"] == "Ünïcode ✓"


def test_a_refused_recipient_is_permanent_and_the_others_still_go() -> None:
    with smtp_capture() as (capture, url):
        capture.refuse.add("shopper1@example.com")
        results = SmtpSender(url).send([message(1), message(2)])
        assert [r.accepted for r in results] == [False, True]
        assert results[0].error.startswith("Permanent: recipient refused (550)")
        with pytest.raises(Permanent):
            SmtpSender(url).send([message(1)])


def test_a_busy_server_is_transient() -> None:
    with smtp_capture() as (capture, url):
        capture.busy = True
        with pytest.raises(Transient):
            SmtpSender(url).send([message(1)])
        assert capture.messages == []


def test_login_and_refused_credentials() -> None:
    with smtp_capture() as (capture, url):
        capture.credentials = ("dev", "s3cret")
        host = url.removeprefix("smtp://")
        assert SmtpSender(f"smtp://dev:s3cret@{host}").send([message(1)])[0].accepted
        with pytest.raises(AuthRevoked):
            SmtpSender(f"smtp://dev:wrong@{host}").send([message(2)])
        assert len(capture.messages) == 1


def test_nobody_listening_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Transient, match="unreachable"):
        SmtpSender(f"smtp://127.0.0.1:{port}", timeout=2).send([message(1)])


def test_invalid_messages_and_urls_are_refused_before_connecting() -> None:
    with smtp_capture() as (capture, url):
        with pytest.raises(Permanent, match="line break"):
            SmtpSender(url).send([message(1, headers={"X-A": "1\r\nBcc: victim@example.com"})])
        assert capture.messages == []
    with pytest.raises(ValueError, match="smtp://"):
        SmtpSender("http://127.0.0.1:25")
