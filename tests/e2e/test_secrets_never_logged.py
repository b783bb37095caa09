"""Tokens and keys are encrypted at rest and never logged: a Shopify install, its setup and
backfill, live webhooks, a token refresh, refused webhooks, and emails sent (and refused)
through SendGrid, all with DEBUG logging captured from every logger and thread. Then every
captured record, every column of every table and every Redis key is searched for every secret.
(The WooCommerce counterpart is tests/e2e/woocommerce/test_secrets_never_logged.py.)
"""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest
from sqlalchemy import select

from app.core import sync
from app.core.ports import AuthRevoked
from app.db.models import Store
from connectors.messaging.sendgrid import SendGridSender
from tests.e2e.shopify_stack import API_SECRET, shopify_stack
from tests.secret_scan import leaks_in_database, leaks_in_logs, leaks_in_redis
from tests.sendgrid_support import API_KEY as SENDGRID_KEY
from tests.sendgrid_support import running_sandbox
from tests.unit.test_sendgrid_body import message
from workers.services import message_sender

pytestmark = pytest.mark.slow


def test_shopify_install_sync_webhooks_and_sends_leak_no_secret(
    settings, committed_db, redis_client, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    with running_sandbox() as sendgrid:
        mail_settings = dataclasses.replace(
            settings,
            sendgrid_api_key=SENDGRID_KEY,
            sendgrid_api_host=sendgrid.url,
            log_level="DEBUG",  # create_app sets the root logger's level from this
        )
        with shopify_stack(mail_settings, committed_db) as stack:
            domain = stack.create_shop("secrets")
            stack.seed(domain, "customers", {"email": "ada@example.com", "first_name": "Ada"})
            stack.seed(domain, "products", {"title": "Mug"})
            assert stack.open_app(domain).status_code == 200  # token exchange, setup queued
            stack.settle()  # setup, subscriptions, backfill, webhooks
            stack.seed(domain, "customers", {"email": "grace@example.com"})  # a live webhook
            stack.settle()
            first = credentials(stack, domain)
            refresh_after_expiry(stack, domain)
            refused_webhook(stack)
            send_emails(stack, sendgrid.url)
            second = credentials(stack, domain)
            assert second["access_token"] != first["access_token"]  # it really refreshed
            secrets = {
                "first access token": first["access_token"],
                "first refresh token": first["refresh_token"],
                "access token": second["access_token"],
                "refresh token": second["refresh_token"],
                "Shopify API secret": API_SECRET,
                "SendGrid API key": SENDGRID_KEY,
                "SECRET_KEY": settings.secret_key,
                "ENCRYPTION_KEY": settings.encryption_key,
            }
            assert_encrypted_at_rest(stack, domain, secrets)
            leaks = [
                *leaks_in_logs(secrets, caplog.records),
                *leaks_in_database(secrets, committed_db),
                *leaks_in_redis(secrets, redis_client),
            ]
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "DEBUG was not captured"
    assert len(caplog.records) > 50, "the flows ran with logging captured"
    assert not leaks, leaks


def credentials(stack, domain: str) -> dict:
    store = stack.store(domain)
    assert store is not None
    return store.get_credentials(stack.runtime.cipher)


def refresh_after_expiry(stack, domain: str) -> None:
    """Expire the offline token at the shop, then sync: the connector refreshes it."""
    stack.sandbox_call("POST", f"/shops/{domain}/tokens/expire", json={})
    connector = stack.connector(domain)
    try:
        with stack.database.session() as session:
            store = session.execute(select(Store).where(Store.domain == domain)).scalar_one()
            sync.start(session, store, ("customers",))
            session.commit()
            sync.backfill(session, store, connector, "customers", max_pages=1)
    finally:
        connector.close()


def refused_webhook(stack) -> None:
    """A forged delivery is refused and logged (one line, without the expected HMAC)."""
    response = httpx.post(
        f"{stack.app_url}/webhooks/shopify",
        content=b'{"id": 1}',
        headers={"X-Shopify-Hmac-Sha256": "forged", "X-Shopify-Topic": "orders/create"},
    )
    assert response.status_code == 401


def send_emails(stack, sendgrid_url: str) -> None:
    """One accepted send through the configured sender, one refused for a wrong key."""
    sender = message_sender(stack.runtime)
    assert sender.send([message(1)])[0].provider_message_id
    with pytest.raises(AuthRevoked):
        SendGridSender("SG.wrong-key-for-this-test", sendgrid_url).send([message(2)])


def assert_encrypted_at_rest(stack, domain: str, secrets: dict[str, str]) -> None:
    store = stack.store(domain)
    assert store is not None and store.credentials_encrypted
    stored = bytes(store.credentials_encrypted).decode("latin-1")
    assert not [name for name, value in secrets.items() if value in stored]
    assert credentials(stack, domain)["access_token"] == secrets["access token"]
