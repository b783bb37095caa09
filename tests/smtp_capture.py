"""A minimal SMTP server on a loopback port that captures messages (RFC 5321 subset).

Enough of the protocol for smtplib: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
Addresses in `refuse` get a 550 at RCPT, `busy` makes DATA answer 451, `credentials` turns on
AUTH PLAIN and requires it.
"""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Capture:
    """What the server received and how it should misbehave."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    busy: bool = False
    credentials: tuple[str, str] | None = None


class _Session(socketserver.StreamRequestHandler):
    capture: Capture

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 capture ESMTP")
        self.sender: str | None = None
        self.recipients: list[str] = []
        self.authenticated = self.capture.credentials is None
        while line := self.rfile.readline():
            verb, _, argument = line.decode().rstrip("\r\n").partition(" ")
            if not self.command(verb.upper(), argument):
                return

    def command(self, verb: str, argument: str) -> bool:
        if verb in ("EHLO", "HELO"):
            # The first line names the server; the others are the extensions.
            lines = ["capture", *(["AUTH PLAIN"] if self.capture.credentials else [])]
            for index, text in enumerate(lines):
                self.reply(f"250{' ' if index == len(lines) - 1 else '-'}{text}")
        elif verb == "AUTH":
            self.auth(argument)
        elif verb == "MAIL":
            if not self.authenticated:
                self.reply("530 5.7.0 Authentication required")
            else:
                self.sender, self.recipients = argument.split(":", 1)[1].strip("<> "), []
                self.reply("250 OK")
        elif verb == "RCPT":
            address = argument.split(":", 1)[1].strip("<> ")
            if address in self.capture.refuse:
                self.reply("550 5.1.1 No such user")
            else:
                self.recipients.append(address)
                self.reply("250 OK")
        elif verb == "DATA":
            self.data()
        elif verb == "QUIT":
            self.reply("221 Bye")
            return False
        else:  # RSET, NOOP
            self.reply("250 OK")
        return True

    def auth(self, argument: str) -> None:
        mechanism, _, payload = argument.partition(" ")
        _, user, password = base64.b64decode(payload).decode().split("\0")
        if mechanism.upper() == "PLAIN" and (user, password) == self.capture.credentials:
            self.authenticated = True
            self.reply("235 2.7.0 Authentication successful")
        else:
            self.reply("535 5.7.8 Authentication credentials invalid")

    def data(self) -> None:
        if self.capture.busy:
            self.reply("451 4.3.0 Try again later")
            return
        self.reply("354 End data with <CR><LF>.<CR><LF>")
        lines: list[bytes] = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        parsed = message_from_bytes(b"".join(lines), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.capture.messages.append(parsed)
        self.capture.envelopes.append((self.sender or "", list(self.recipients)))
        self.reply("250 2.0.0 queued")


@contextmanager
def smtp_capture() -> Iterator[tuple[Capture, str]]:
    """Serve a capture on 127.0.0.1 and a free port; yields it and its smtp:// URL."""
    capture = Capture()
    handler = type("Session", (_Session,), {"capture": capture})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield capture, f"smtp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
