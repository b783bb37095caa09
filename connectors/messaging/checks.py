"""What any email provider would refuse in an OutboundMessage, checked before sending."""

from __future__ import annotations

import re

from app.core.values import OutboundMessage

_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\]+")
#: Headers the message's own fields set; a caller-supplied header must not override them.
STRUCTURAL_HEADERS = frozenset(
    {"to", "from", "subject", "reply-to", "cc", "bcc", "content-type", "content-transfer-encoding"}
)


class InvalidMessage(ValueError):
    """A message no provider would accept as given; sending it cannot succeed."""


def check_outbound(message: OutboundMessage, reserved_headers: frozenset[str]) -> None:
    """Raise InvalidMessage naming the first problem (addresses, subject, body, headers)."""
    addresses = [("to", message.to_email), ("from", message.from_email)]
    if message.reply_to is not None:
        addresses.append(("reply-to", message.reply_to))
    for label, address in addresses:
        if not _ADDRESS.fullmatch(address):
            raise InvalidMessage(f"{label} address {address!r} is not an email address")
    if not message.subject.strip() or has_line_break(message.subject):
        raise InvalidMessage("the subject must be one non-empty line")
    if not message.text and not message.html:
        raise InvalidMessage("the message has neither a text nor an HTML body")
    for name, value in message.headers.items():
        if name.lower() in reserved_headers:
            raise InvalidMessage(f"header {name} is reserved")
        if has_line_break(name) or has_line_break(value):
            raise InvalidMessage(f"header {name} contains a line break")


def has_line_break(text: str) -> bool:
    """True when `text` would end a header line (header injection)."""
    return "\r" in text or "\n" in text
