"""Mail-send request bodies for SendGrid's v3 API, and which messages may share one request.

Batching rule: messages share a request only when everything outside a personalization is
byte-identical (sender, reply-to, subject, both bodies, categories). Each message then gets its
own personalization holding only its own data: recipient, custom_args (our message id) and
headers (its List-Unsubscribe). So a batch can never carry one recipient's unsubscribe link
to another. SendGrid `substitutions` are deliberately not used: Nudge renders every email
completely (sandboxed Jinja) and embeds the recipient's signed unsubscribe link in the body, so
recovering substitution keys from rendered text would be guesswork, and one wrong guess leaks a
link. In practice marketing emails therefore go one per request (their bodies differ); identical
ones (a merchant's test send to several addresses) batch.

Limits honoured: ≤ 1000 personalizations and recipients per request, each address once per
request, custom_args values as strings and < 10,000 bytes, ≤ 10 unique categories of ≤ 255
characters, no reserved headers (research/email.md §1.1, §1.3).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.values import MESSAGE_ID_ARG, OutboundMessage
from connectors.messaging.checks import STRUCTURAL_HEADERS, InvalidMessage, check_outbound

MAX_PERSONALIZATIONS = 1000
MAX_CUSTOM_ARGS_BYTES = 10_000
MAX_CATEGORIES = 10
#: Headers SendGrid will not let a sender set (mail-send reference, `headers`).
RESERVED_HEADERS = STRUCTURAL_HEADERS | {"x-sg-id", "x-sg-eid", "received", "dkim-signature"}
#: Our tracking choice, explicit so the account's defaults cannot change it: opens and clicks
#: feed engagement and attribution; SendGrid's own subscription tracking stays off because
#: Nudge adds its own RFC 8058 List-Unsubscribe headers (SendGrid would insert a second pair).
TRACKING_SETTINGS = {
    "click_tracking": {"enable": True, "enable_text": False},
    "open_tracking": {"enable": True},
    "subscription_tracking": {"enable": False},
}


@dataclass(frozen=True)
class MailRequest:
    """One mail-send request and the positions (in the `send` call) of its messages."""

    positions: tuple[int, ...]
    body: dict[str, Any]


@dataclass
class _Chunk:
    positions: list[int] = field(default_factory=list)
    addresses: set[str] = field(default_factory=set)


def check_message(message: OutboundMessage) -> None:
    """Raise InvalidMessage naming the first thing SendGrid would refuse."""
    check_outbound(message, RESERVED_HEADERS)
    categories = _categories(message)
    if len(categories) > MAX_CATEGORIES or any(len(c) > 255 for c in categories):
        raise InvalidMessage("at most 10 categories of at most 255 characters each")
    if len(json.dumps(custom_args(message)).encode("utf-8")) >= MAX_CUSTOM_ARGS_BYTES:
        raise InvalidMessage("custom_args exceed SendGrid's 10,000 bytes")


def _categories(message: OutboundMessage) -> list[str]:
    return list(dict.fromkeys(message.categories))


def custom_args(message: OutboundMessage) -> dict[str, str]:
    """The message's custom_args plus our message id, all strings (numbers are a 400)."""
    values = {key: str(value) for key, value in message.custom_args.items()}
    values[MESSAGE_ID_ARG] = str(message.message_id)
    return values


def _display_name(name: str | None) -> str | None:
    # SendGrid refuses names containing ';' or ',' (mail-send limitations); a customer called
    # "Doe, Jane" must still get her email, so those characters become spaces.
    if not name:
        return None
    cleaned = " ".join(re.sub(r"[;,]", " ", name).split())
    return cleaned or None


def _content_key(message: OutboundMessage) -> tuple[object, ...]:
    return (
        message.from_email,
        _display_name(message.from_name),
        message.reply_to,
        message.subject,
        message.html,
        message.text,
        tuple(_categories(message)),
    )


def plan_requests(
    messages: Sequence[OutboundMessage],
) -> tuple[list[MailRequest], dict[int, InvalidMessage]]:
    """Group valid messages into requests; invalid ones are returned by position instead."""
    invalid: dict[int, InvalidMessage] = {}
    groups: dict[tuple[object, ...], list[_Chunk]] = {}
    for position, message in enumerate(messages):
        try:
            check_message(message)
        except InvalidMessage as problem:
            invalid[position] = problem
            continue
        chunks = groups.setdefault(_content_key(message), [_Chunk()])
        address = message.to_email.lower()
        chunk = chunks[-1]
        if len(chunk.positions) >= MAX_PERSONALIZATIONS or address in chunk.addresses:
            chunk = _Chunk()
            chunks.append(chunk)
        chunk.positions.append(position)
        chunk.addresses.add(address)
    requests = [
        MailRequest(tuple(chunk.positions), build_body([messages[p] for p in chunk.positions]))
        for chunks in groups.values()
        for chunk in chunks
    ]
    return requests, invalid


def _personalization(message: OutboundMessage, *, with_headers: bool) -> dict[str, Any]:
    recipient: dict[str, str] = {"email": message.to_email}
    name = _display_name(message.to_name)
    if name:
        recipient["name"] = name
    item: dict[str, Any] = {"to": [recipient], "custom_args": custom_args(message)}
    if with_headers and message.headers:
        item["headers"] = dict(message.headers)
    return item


def build_body(messages: Sequence[OutboundMessage]) -> dict[str, Any]:
    """The mail-send body for messages sharing their content (one personalization each).

    A lone message keeps its headers at the top level, where SendGrid documents the
    List-Unsubscribe pair; in a batch each message's headers stay in its own personalization.
    """
    first = messages[0]
    single = len(messages) == 1
    sender: dict[str, str] = {"email": first.from_email}
    sender_name = _display_name(first.from_name)
    if sender_name:
        sender["name"] = sender_name
    body: dict[str, Any] = {
        "personalizations": [_personalization(m, with_headers=not single) for m in messages],
        "from": sender,
        "subject": first.subject,
        "content": [
            {"type": mime, "value": value}
            for mime, value in (("text/plain", first.text), ("text/html", first.html))
            if value
        ],
        "tracking_settings": copy.deepcopy(TRACKING_SETTINGS),
    }
    if first.reply_to:
        body["reply_to"] = {"email": first.reply_to}
    if first.categories:
        body["categories"] = _categories(first)
    if single and first.headers:
        body["headers"] = dict(first.headers)
    return body
