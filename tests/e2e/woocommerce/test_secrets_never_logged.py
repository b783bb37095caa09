"""WooCommerce keys and webhook secrets are encrypted at rest and never logged: connect through
wc-auth, setup and backfill, live webhooks, a refused delivery, the watchdog and catch-up poll,
all with DEBUG logging captured; then every record, column and Redis key is searched."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.e2e.woocommerce.conftest import connect_through_wc_auth
from tests.e2e.woocommerce.test_connect_and_mirror import seed
from tests.secret_scan import leaks_in_database, leaks_in_logs, leaks_in_redis
from workers.woocommerce import woocommerce_maintain
from workers.woocommerce_state import credentials_of

pytestmark = pytest.mark.slow


def test_woocommerce_connect_sync_and_webhooks_leak_no_secret(
    nudge, woo_sandbox, committed_db, redis_client, caplog
) -> None:
    caplog.set_level(logging.DEBUG)  # after create_app, which sets the root level from settings
    shop = woo_sandbox.create_store("secrets", auto_approve=True, name="Secret Shop")
    seeded = seed(woo_sandbox, "secrets")
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    woo_sandbox.control(
        "PATCH", f"secrets/customers/{seeded['ann']['id']}", json={"first_name": "Annie"}
    )
    woo_sandbox.drain()
    nudge.run_jobs()
    forged = httpx.post(
        f"{nudge.url}/webhooks/woocommerce/{store.key}",
        content=b'{"id": 1}',
        headers={"X-WC-Webhook-Signature": "forged", "X-WC-Webhook-Topic": "order.updated"},
    )
    assert forged.status_code == 401
    woocommerce_maintain(store.id)
    nudge.run_jobs()

    keys = credentials_of(nudge.store(store.domain))
    secrets = {
        "consumer key": keys["consumer_key"],
        "consumer secret": keys["consumer_secret"],
        "webhook secret": keys["webhook_secret"],
        "SECRET_KEY": nudge.runtime.settings.secret_key,
        "ENCRYPTION_KEY": nudge.runtime.settings.encryption_key,
    }
    stored = bytes(nudge.store(store.domain).credentials_encrypted).decode("latin-1")
    assert not [name for name, value in secrets.items() if value in stored]
    # The sandbox store's own server logs the requests it receives (werkzeug access lines):
    # that is the merchant's server, not Nudge; every other record is Nudge's or a library's.
    nudge_records = [
        record
        for record in caplog.records
        if not (record.name == "werkzeug" and "/wp-json/" in record.getMessage())
    ]
    leaks = [
        *leaks_in_logs(secrets, nudge_records),
        *leaks_in_database(secrets, committed_db),
        *leaks_in_redis(secrets, redis_client),
    ]
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "DEBUG was not captured"
    assert not leaks, leaks
