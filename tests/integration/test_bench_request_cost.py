"""Smoke test of bench/request_cost.py at a tiny size: every webhook it drives is accepted."""

from __future__ import annotations

import pytest

from bench import request_cost

pytestmark = pytest.mark.slow


def test_request_cost_drives_accepted_webhooks(
    committed_db, redis_client, redis_url, monkeypatch
) -> None:
    # committed_db and redis_client empty the database and Redis this leaves rows and jobs in.
    monkeypatch.setenv("DATABASE_URL", committed_db.url)
    monkeypatch.setenv("REDIS_URL", redis_url)

    nudge = request_cost.run(requests=3, bare=False)
    bare = request_cost.run(requests=2, bare=True)

    assert nudge["answers"] == {"200 OK": 3} and nudge["cpu_us_per_request"] > 0
    assert bare["answers"] == {"200 OK": 2}
