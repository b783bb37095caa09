"""`MessageSender` over plain SMTP (stdlib smtplib), for `MAIL_BACKEND=smtp` in development.

`url` is `smtp://[user:password@]host[:port]` (plain, port 25 by default) or `smtps://...`
(implicit TLS, port 465). Each email is multipart/alternative (text, then HTML) with the same
headers the SendGrid path sets, List-Unsubscribe and List-Unsubscribe-Post included. All
messages of one call go over one connection. SMTP reply codes decide the error: 4xx is
Transient, 5xx Permanent (RFC 5321 §4.2.1), a refused login AuthRevoked, a dead connection
Transient; partial success is reported as `ledger.SendLedger` describes.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from app.core.ports import AuthRevoked, ConnectorError, Permanent, Transient
from app.core.values import OutboundMessage, SendResult
from connectors.messaging.checks import STRUCTURAL_HEADERS, InvalidMessage, check_outbound
from connectors.messaging.ledger import SendLedger

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class SmtpSender:
    """Sends Nudge's rendered emails to an SMTP server (a local capture in development)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("SMTP url must look like smtp://host:port or smtps://host:port")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout

    def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Send each message over one connection; errors as in the module docstring."""
        ledger = SendLedger(messages)
        valid: list[int] = []
        for position, message in enumerate(messages):
            try:
                check_outbound(message, STRUCTURAL_HEADERS)
            except InvalidMessage as problem:
                ledger.failed([position], Permanent(str(problem)))
            else:
                valid.append(position)
        if valid:
            self._send_valid(messages, valid, ledger)
        return ledger.finish()

    def _send_valid(
        self, messages: Sequence[OutboundMessage], positions: list[int], ledger: SendLedger
    ) -> None:
        try:
            connection = self._connect()
        except ConnectorError as error:
            ledger.failed(positions, error)
            return
        with connection:
            for index, position in enumerate(positions):
                email = build_email(messages[position])
                try:
                    connection.send_message(email)
                except smtplib.SMTPRecipientsRefused as refused:
                    code = next(iter(refused.recipients.values()))[0]
                    ledger.failed([position], _by_code(code, f"recipient refused ({code})"))
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                    ledger.failed([position], _by_code(error.smtp_code, str(error)))
                except (smtplib.SMTPException, OSError) as error:
                    stop = Transient(f"SMTP connection lost: {type(error).__name__}: {error}")
                    ledger.failed([position], stop)
                    ledger.failed(positions[index + 1 :], stop, attempted=False)
                    return
                else:
                    ledger.accepted([position], str(email["Message-ID"]))

    def _connect(self) -> smtplib.SMTP:
        factory = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        try:
            connection = factory(self._host, self._port, timeout=self._timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise Transient(f"SMTP server unreachable: {type(error).__name__}: {error}") from None
        try:
            if self._username and self._password:
                connection.login(self._username, self._password)
        except smtplib.SMTPAuthenticationError as error:
            connection.close()
            raise AuthRevoked(f"SMTP login refused ({error.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as error:
            connection.close()
            raise Transient(f"SMTP login failed: {type(error).__name__}: {error}") from None
        return connection


def _by_code(code: int, text: str) -> ConnectorError:
    return Transient(text) if 400 <= code < 500 else Permanent(text)


def build_email(message: OutboundMessage) -> EmailMessage:
    """The MIME message: text part, then HTML alternative, plus the message's own headers."""
    email = EmailMessage()
    email["From"] = formataddr((message.from_name or "", message.from_email))
    email["To"] = formataddr((message.to_name or "", message.to_email))
    email["Subject"] = message.subject
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Date"] = formatdate(localtime=False, usegmt=True)
    domain = message.from_email.rsplit("@", 1)[-1]
    email["Message-ID"] = make_msgid(idstring=f"nudge.{message.message_id}", domain=domain)
    for name, value in message.headers.items():
        email[name] = value
    if message.text:
        email.set_content(message.text)
        if message.html:
            email.add_alternative(message.html, subtype="html")
    else:
        email.set_content(message.html, subtype="html")
    return email
