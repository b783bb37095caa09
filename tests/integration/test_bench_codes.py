"""Smoke test of `python -m bench codes` at a tiny size: it runs and reports its fields (no
timing is asserted; the figures are in bench/README.md)."""

from __future__ import annotations

import pytest

from bench import codes

pytestmark = pytest.mark.slow


def test_codes_benchmark_runs_and_counts_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_CODES", "501")
    result = codes.run()
    shopify, woo = result["shopify"], result["woocommerce"]
    assert isinstance(shopify, dict) and isinstance(woo, dict)
    assert shopify["issued"] == shopify["unique_refs"] == 501
    # One parent, two bulk adds of 250, and the polls that learn they are done.
    assert shopify["sandbox_counts_by_root_field"]["mutation discountRedeemCodeBulkAdd"] == 2
    assert shopify["api_calls"] <= shopify["target_calls"] == 7
    assert woo["issued"] == 501 and woo["api_calls"] == woo["target_calls"] == 6
    for key in ("wall_s", "codes_per_s", "baseline_one_call_ms", "within_target"):
        assert key in shopify and key in woo
