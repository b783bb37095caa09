"""Fixtures of the fault tests: the whole stack, on the suite's database and Redis (or a Redis
of the test's own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from app.config import Settings
from app.db import Database
from tests.faults.private_redis import PrivateRedis
from tests.faults.support import FORK, FaultStack, fault_stack


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    settings: Settings,
    committed_db: Database,
    redis_client: redis.Redis,
) -> Iterator[FaultStack]:
    """Nudge over HTTP, a sandbox shop with Nudge installed, a sandbox SendGrid account; its
    workers fork unless the test is parametrized otherwise (`support.in_both_worker_modes`)."""
    worker_mode = getattr(request, "param", FORK)
    with fault_stack(settings, committed_db, worker_mode) as running:
        yield running


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server this test may stop, restart and flush."""
    server = PrivateRedis()
    server.start()
    yield server
    server.close()
