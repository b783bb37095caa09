"""Smoke test of `python -m bench sending` with a few emails and two real worker processes: it
sends them all through the sandbox SendGrid and reports its fields (no timing is asserted; the
figures are in bench/README.md). PostgreSQL and Redis only, like the benchmark."""

from __future__ import annotations

import pytest
import redis

from bench import sending

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fork", ["1", "0"])
def test_sending_benchmark_sends_every_email(
    database_url: str,
    redis_url: str,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    fork: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the sending benchmark needs PostgreSQL (and REDIS_URL)")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("BENCH_EMAILS", "12")
    monkeypatch.setenv("BENCH_WORKER_FORK", fork)
    result = sending.run()
    assert result["messages"] == {"sent": 12}
    assert result["codes_issued"] == 12 and result["store_requests_per_code"] == 1.0
    assert result["sendgrid_requests_per_email"] == 1.0
    assert result["worker_forks_per_job"] is (fork == "1")
    assert result["step_jobs"] == "batch"
    assert set(result["cpu_ms_per_email"]) == {"workers", "database", "sandboxes_and_clock"}
    assert result["cpu_ms_per_email"]["workers"] > 0
    for key in ("emails_per_s", "wall_s", "baseline_sender_emails_per_s", "ratio_to_baseline"):
        assert key in result
