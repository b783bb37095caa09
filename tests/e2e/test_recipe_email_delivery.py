"""A recipe's emails end to end through the real adapters: the engine's steps rendered by the
real templates, signed with the real unsubscribe links, delivered by SendGridSender to the
sandbox SendGrid over HTTP (only the store connector is a fake here)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.messaging.render import TemplateRenderer
from app.core.messaging.unsubscribe import UnsubscribeLinks
from app.core.values import MESSAGE_ID_ARG
from app.db.models import IssuedDiscount, Message
from connectors.messaging.sendgrid import SendGridSender
from tests.factories import make_store
from tests.integration.engine_support import Engine, cart, customer_data
from tests.sendgrid_support import API_KEY, running_sandbox

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
SETTINGS = {
    "sender_email": "hello@snowdevil.example",
    "sender_name": "Snowdevil",
    "postal_address": "150 Elgin Street\nOttawa ON K2P 1L4, Canada",
}


@pytest.fixture(scope="module")
def sendgrid():
    with running_sandbox() as sandbox:
        yield sandbox


def delivered(sendgrid) -> list[dict]:
    summaries = sendgrid.control("GET", "/messages").json()["messages"]
    return [sendgrid.control("GET", f"/messages/{m['sg_message_id']}").json() for m in summaries]


def test_abandoned_cart_series_arrives_rendered_signed_and_unsubscribable(
    session, settings, sendgrid
) -> None:
    sendgrid.control("POST", "/reset")
    store = make_store(session, name="Snowdevil", settings=SETTINGS, timezone="UTC")
    engine = Engine(session, store)
    engine.sender = SendGridSender(API_KEY, sendgrid.url, timeout=5.0)  # type: ignore[assignment]
    engine.renderer = TemplateRenderer(TEMPLATES)  # type: ignore[assignment]
    engine.signer = UnsubscribeLinks(settings.secret_key, settings.app_url)  # type: ignore[assignment]
    engine.enable("abandoned_cart", holdout_percent=0)
    shopper = customer_data(1, first_name="Ada")
    engine.ingest(cart("tok-1", shopper, engine.now))

    engine.run_until(engine.now + timedelta(days=5))

    messages = session.execute(select(Message).order_by(Message.id)).scalars().all()
    assert [(m.step, m.status) for m in messages] == [(0, "sent"), (1, "sent"), (2, "sent")]
    mails = delivered(sendgrid)
    assert len(mails) == 3
    code = session.execute(select(IssuedDiscount)).scalar_one().code
    in_order = sorted(mails, key=lambda mail: mail["received_at"])
    for message, mail in zip(messages, in_order, strict=True):
        assert mail["email"] == shopper.email
        assert mail["custom_args"][MESSAGE_ID_ARG] == str(message.id)
        assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe_url = mail["headers"]["List-Unsubscribe"].strip("<>")
        assert unsubscribe_url.startswith(f"{settings.app_url}/u/")
        assert unsubscribe_url in mail["html"] and unsubscribe_url in mail["text"]
        assert "150 Elgin Street" in mail["html"] and "Ada" in mail["html"]
        assert mail["from_email"] == "hello@snowdevil.example"
    # Only the second and third emails carry the first-time abandoner's code.
    assert [code in mail["html"] for mail in in_order] == [False, True, True]
