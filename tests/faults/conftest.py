"""Fixtures of the fault tests: the whole stack, on the suite's database and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from app.config import Settings
from app.db import Database
from tests.e2e.shopify_stack import shopify_stack
from tests.faults.support import FaultStack, install_shop
from tests.sendgrid_support import running_sandbox


@pytest.fixture
def stack(
    settings: Settings, committed_db: Database, redis_client: redis.Redis
) -> Iterator[FaultStack]:
    """Nudge over HTTP, a sandbox shop with Nudge installed, a sandbox SendGrid account."""
    with shopify_stack(settings, committed_db) as shop, running_sandbox() as sendgrid:
        domain = install_shop(shop, "faults")
        # The install queued the store's setup and backfill; these tests are about steps.
        redis_client.flushdb()
        yield FaultStack(shop, sendgrid, redis_client, domain)
