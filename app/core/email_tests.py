"""Test emails from the admin: a recipe step, rendered as it would go out, sent to one address.

A test email is a transactional Message keyed `test:<uuid>` with the recipe and step set, so the
activity log shows it and SendGrid's events settle its status, while every result (dashboard,
attribution, holdout lift) leaves it out by that key. It goes through the same outbox as a
campaign email: the row is committed before the provider is called, and only the run that moves
it from queued to sending may send it. Each store may send `TESTS_PER_HOUR` an hour, counted
from those rows under a lock on the store, so a burst of clicks cannot become a burst of mail.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from app.core import outbox
from app.core.attribution import TEST_MESSAGE_PREFIX
from app.core.compose import ONE_CLICK
from app.core.email_preview import addressed_to, preview_email
from app.core.messaging.contracts import (
    EmailContext,
    EmailRenderer,
    LinkSigner,
    RenderedEmail,
    TemplateOverride,
)
from app.core.ports import ConnectorError, MessageSender
from app.core.store_settings import is_email_address
from app.core.tenancy import StoreScope
from app.core.values import STORE_KEY_ARG
from app.db.models import Message

TESTS_PER_HOUR = 10
SUBJECT_PREFIX = "[Test] "


class TestEmailRefused(ValueError):
    """The test email was not sent: a bad address (400) or too many tests this hour (429)."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class TestEmailFailed(RuntimeError):
    """The provider did not take the test email; the message row records why."""

    __test__ = False


@dataclass(frozen=True)
class TestEmail:
    """What to send: a recipe step with its settings and (possibly unsaved) copy."""

    __test__ = False

    recipe: str
    step: int
    settings: Mapping[str, Any]
    override: TemplateOverride | None
    to_email: str


def test_address(raw: str) -> str:
    """The address to send a test to, or TestEmailRefused with what to type instead."""
    address = raw.strip().lower()
    if not address:
        raise TestEmailRefused("Enter the address to send the test email to.")
    if not is_email_address(address):
        raise TestEmailRefused("Enter one email address, like you@yourstore.com.")
    return address


def send_test_email(
    scope: StoreScope,
    test: TestEmail,
    *,
    renderer: EmailRenderer,
    signer: LinkSigner,
    sender: MessageSender,
    now: datetime,
) -> Message:
    """Render the step for `test.to_email` and send it now; returns the message (sent or failed).

    Raises TestEmailRefused (nothing stored) for a bad address or over the hourly limit, and
    TestEmailFailed when the provider refused the whole request (the row is marked failed) or
    its answer never came (the row stays `sending`: it may have gone out, and is never resent).
    """
    address = test_address(test.to_email)
    session = scope.session
    session.flush()
    session.refresh(scope.store, with_for_update=True)
    if tests_sent_since(scope, now - timedelta(hours=1)) >= TESTS_PER_HOUR:
        session.rollback()
        raise TestEmailRefused(
            f"You sent {TESTS_PER_HOUR} test emails in the last hour. Try again later.", 429
        )
    message = _reserve(scope, test, address, renderer, signer, now)
    session.commit()
    if not outbox.start_sending(session, message.id, now):
        return message
    try:
        outcome = outbox.deliver(session, sender, message)
    except ConnectorError as error:
        session.execute(
            update(Message)
            .where(Message.id == message.id, Message.status == "queued")
            .values(status="failed", error=str(error)[:2000] or type(error).__name__)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        reason = str(error) or type(error).__name__
        raise TestEmailFailed(
            f"The email provider did not take the test email: {reason}"
        ) from error
    session.refresh(message)
    if outcome == "unknown":
        # The request left but no answer came back: it stays `sending`, never sent again.
        raise TestEmailFailed(
            "The email provider did not answer in time: the test email may still arrive. "
            "It is never sent twice."
        )
    return message


def tests_sent_since(scope: StoreScope, since: datetime) -> int:
    """How many test emails the store sent (or tried to) since `since`."""
    count = scope.session.execute(
        select(func.count(Message.id)).where(
            scope.owns(Message),
            Message.idempotency_key.like(f"{TEST_MESSAGE_PREFIX}%"),
            Message.created_at >= since,
        )
    ).scalar_one()
    return int(count)


def _reserve(
    scope: StoreScope,
    test: TestEmail,
    address: str,
    renderer: EmailRenderer,
    signer: LinkSigner,
    now: datetime,
) -> Message:
    unsubscribe = signer.unsubscribe_url(scope.store.key, address)
    preview = preview_email(
        scope, test.recipe, test.step, test.settings, unsubscribe_url=unsubscribe, now=now
    )
    context = addressed_to(preview, address, unsubscribe)
    payload = _payload(scope, test, context, renderer.render(context, test.override))
    message = Message(
        store_id=scope.store_id,
        idempotency_key=f"{TEST_MESSAGE_PREFIX}{uuid.uuid4()}",
        customer_id=None,
        recipe=test.recipe,
        step=test.step,
        category="transactional",
        to_email=address,
        subject=payload["subject"][:998],
        status="queued",
        payload=payload,
        created_at=now,
        updated_at=now,
    )
    scope.session.add(message)
    scope.session.flush()
    return message


def _payload(
    scope: StoreScope, test: TestEmail, context: EmailContext, rendered: RenderedEmail
) -> dict[str, Any]:
    """The message payload a sender needs (as `compose.render_payload` builds for a step)."""
    brand = context.branding
    return {
        "to_email": context.to_email,
        "to_name": None,
        "from_email": brand.from_email,
        "from_name": brand.from_name,
        "reply_to": brand.reply_to,
        "subject": f"{SUBJECT_PREFIX}{rendered.subject}",
        "html": rendered.html,
        "text": rendered.text,
        "headers": {
            "List-Unsubscribe": f"<{context.unsubscribe_url}>",
            "List-Unsubscribe-Post": ONE_CLICK,
        },
        "categories": ["nudge", "test"],
        "custom_args": {
            STORE_KEY_ARG: scope.store.key,
            "recipe": test.recipe,
            "step": str(test.step),
        },
        "code": context.code,
    }
