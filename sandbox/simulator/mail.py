"""The shopper "reads their email": Nudge's messages in the sandbox SendGrid, and their codes.

Reads the sandbox's control API (`GET /_sandbox/messages?to=`, `GET /_sandbox/messages/<id>`),
finds the discount code in the plain-text part (templates/emails/_partials.txt writes
"... with this code: CODE" or "Your code: CODE"), and records opens and clicks through
`POST /_sandbox/events`, so the app receives them over the signed event webhook as it would
from SendGrid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

CODE_LINE = re.compile(r"(?:with this code|Your code):\s*([A-Za-z0-9-]{4,64})")


@dataclass(frozen=True)
class Email:
    """One message in a shopper's inbox."""

    sg_message_id: str
    subject: str
    received_at: float
    code: str | None


class Inbox:
    """A shopper's view of the sandbox SendGrid account."""

    def __init__(self, client: httpx.Client, sendgrid_url: str) -> None:
        self._client = client
        self._base = sendgrid_url.rstrip("/")

    def emails_to(self, address: str, limit: int = 20) -> list[Email]:
        """The newest messages to `address`, newest first, with their codes."""
        listed = self._client.get(
            f"{self._base}/_sandbox/messages", params={"to": address, "limit": limit}
        )
        listed.raise_for_status()
        emails = []
        for summary in listed.json()["messages"]:
            full = self._client.get(f"{self._base}/_sandbox/messages/{summary['sg_message_id']}")
            full.raise_for_status()
            message = full.json()
            match = CODE_LINE.search(message.get("text") or "")
            emails.append(
                Email(
                    sg_message_id=message["sg_message_id"],
                    subject=message["subject"],
                    received_at=float(message["received_at"]),
                    code=match.group(1) if match else None,
                )
            )
        return emails

    def newest_code(self, address: str) -> Email | None:
        """The newest message to `address` that carries a code."""
        return next((email for email in self.emails_to(address) if email.code), None)

    def open_and_click(self, email: Email) -> None:
        """The shopper opens the message and clicks its first link (events to the app)."""
        for event in ("open", "click"):
            response = self._client.post(
                f"{self._base}/_sandbox/events",
                json={"event": event, "sg_message_id": email.sg_message_id},
            )
            response.raise_for_status()
