"""Fixtures for the end-to-end tests: Nudge + sandbox Shopify over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from app.config import Settings
from app.db import Database
from tests.e2e.shopify_stack import ShopifyStack, shopify_stack


@pytest.fixture
def stack(
    settings: Settings, committed_db: Database, redis_client: redis.Redis
) -> Iterator[ShopifyStack]:
    """Nudge and a sandbox Shopify, both served on loopback ports."""
    with shopify_stack(settings, committed_db) as running:
        yield running
