"""Smoke test of `python -m bench audience_queries` on a tiny store: it generates the data,
runs the real query functions, explains them and reports its fields (no timing is asserted;
the figures are in bench/README.md). PostgreSQL only, like the benchmark."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import audience_data, audience_queries

pytestmark = pytest.mark.slow


def test_audience_benchmark_runs_and_explains(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the audience benchmark needs PostgreSQL")
    parsed = make_url(database_url)
    tiny = parsed.set(database=f"{parsed.database}_audsmoke")
    monkeypatch.setenv("BENCH_BIG_DATABASE_URL", tiny.render_as_string(hide_password=False))
    monkeypatch.setenv("BENCH_AUDIENCE_SCALE", "0.0005")
    try:
        result = audience_queries.run()
        again = audience_queries.run()  # the data is reused, and the backlog handed back
    finally:
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{tiny.database}" WITH (FORCE)'))
        admin.dispose()
    sizes = audience_data.Sizes.at(0.0005)
    assert result["data_generated_now"] is True and again["data_generated_now"] is False
    assert result["sizes"] == sizes.__dict__
    sweep = result["sweep"]
    assert isinstance(sweep, dict) and sweep["claimed"] == sizes.due
    assert again["sweep"]["claimed"] == sizes.due  # type: ignore[index]
    assert "ix_enrollments_due" in sweep["indexes"]
    for part in ("sweep", "birthdays", "product_interest"):
        summary = result[part]
        assert isinstance(summary, dict)
        assert {"median_ms", "max_ms", "within_target", "indexes", "plans"} <= set(summary)
        assert summary["plans"] and all(plan["plan"] for plan in summary["plans"])
    assert result["birthdays"]["customers_found"] > 0  # type: ignore[index]
    assert result["product_interest"]["candidates"] > 0  # type: ignore[index]
