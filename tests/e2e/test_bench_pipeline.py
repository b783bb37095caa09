"""Smoke tests of the pipeline benchmarks (bench/README.md): each runs at a tiny size and prints
the JSON it promises. No figure is asserted: timings on a shared machine prove nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.recipes.abandoned_cart import AbandonedCart
from bench import __main__ as bench_main

pytestmark = pytest.mark.slow


def run_benchmark(name: str, capsys, monkeypatch, tmp_path: Path, **env: str) -> dict:
    monkeypatch.setattr(bench_main, "RESULTS", tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert bench_main.main([name]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["benchmark"] == name and result["machine"]["cpus"]
    assert list(tmp_path.glob(f"{name}-*.json"))
    return result


def test_webhook_ingest_runs(capsys, monkeypatch, tmp_path) -> None:
    result = run_benchmark(
        "webhook_ingest", capsys, monkeypatch, tmp_path, BENCH_SECONDS="1", BENCH_CONNECTIONS="2"
    )
    for field in ("requests_per_s", "baseline_requests_per_s", "ratio_to_baseline", "p50_ms"):
        assert field in result
    assert result["p99_ms"] >= result["p50_ms"] > 0
    assert result["accepted"] == result["rows_stored"] > 0 and result["lost"] == 0
    assert result["nudge"]["answers_by_status"] == {"200": result["accepted"]}


def test_event_processing_runs(capsys, monkeypatch, tmp_path) -> None:
    result = run_benchmark(
        "event_processing",
        capsys,
        monkeypatch,
        tmp_path,
        BENCH_EVENTS="20",
        BENCH_WORKER_MODES="no-fork",
    )
    measured = result["modes"]["no-fork"]
    assert measured["events"] == 20 and measured["events_per_s"] > 0
    assert measured["baseline_noop_jobs"]["events_per_s"] > 0
    assert len(measured["worker_peak_rss_mb"]) == 2 and measured["lag"]["p95_ms"] >= 0
    assert set(result["statuses"]) <= {"done", "ignored"}


def test_end_to_end_runs(capsys, monkeypatch, tmp_path) -> None:
    merchant_schema = AbandonedCart.schema
    result = run_benchmark(
        "end_to_end",
        capsys,
        monkeypatch,
        tmp_path,
        BENCH_CHECKOUTS="2",
        BENCH_WORKER_MODES="no-fork",
    )
    measured = result["modes"]["no-fork"]
    assert measured["emails_accepted"] == 2
    assert measured["first_email_ms"]["p95"] > 0 and "p95_ms" in result
    # Delay 0 is allowed only inside the benchmark's workers, never for merchants.
    assert AbandonedCart.schema is merchant_schema
