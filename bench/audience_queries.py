"""Due sweep and audience queries on a big store (PostgreSQL only), through the real functions.

- sweep: one clock tick, `scheduling.claim_due` in batches of `CLAIM_BATCH` as
  `workers.maintenance.sweep_due_enrollments` calls it, until a batch comes back short; the
  claims are handed back afterwards so the next run finds the same backlog.
- birthdays: `enrollment._birthday_candidates`, the audience of the hourly birthday scan.
- product interest: the identified shoppers' (customer, product) pairs viewed in one hour (four
  to five hours ago, so their email would fall due now), each evaluated by
  `facts.interest_facts` as the ProductViewed listener does.

Every SQL statement those functions send is captured and run again under
EXPLAIN (ANALYZE, BUFFERS) in a rolled-back transaction; the plans, the indexes they use and any
sequential scan of a big table are in the result. Sizes: `bench.audience_data` (scale with
BENCH_AUDIENCE_SCALE, default 1 = the issue's 1,000,000 customers).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from app.config import normalize_database_url
from app.core import enrollment, facts
from app.core.configs import settings_of
from app.core.scheduling import claim_due
from app.db import Database
from app.db.base import utcnow
from app.db.models import Customer, Enrollment, Store
from bench import audience_data
from workers.maintenance import CLAIM_BATCH, MAX_BATCHES

TARGET_MS = 200.0
#: Tables big enough that a sequential scan of them is a bad plan.
BIG_TABLES = frozenset({"customers", "carts", "product_views", "enrollments", "orders"})


def run() -> dict[str, object]:
    """Generate (or reuse) the big store, then time and explain the three query paths."""
    url = os.environ.get("BENCH_BIG_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return {"skipped": "needs PostgreSQL: set DATABASE_URL (or BENCH_BIG_DATABASE_URL)"}
    if not os.environ.get("BENCH_BIG_DATABASE_URL"):
        url = audience_data.big_database_url(url)
    url = normalize_database_url(url)
    scale = float(os.environ.get("BENCH_AUDIENCE_SCALE", "1"))
    sizes = audience_data.Sizes.at(scale)
    started = time.perf_counter()
    store_id, generated = audience_data.ensure(url, sizes)
    setup_s = time.perf_counter() - started
    database = Database(url)
    try:
        with database.session_scope() as session:
            store = session.get(Store, store_id)
            assert store is not None
            results = {
                "sweep": _sweep(session, database),
                "birthdays": _birthdays(database, store_id),
                "product_interest": _interest(session, store),
            }
    finally:
        database.dispose()
    return {
        "scale": scale,
        "sizes": sizes.__dict__,
        "data_generated_now": generated,
        "setup_s": round(setup_s, 1),
        "target_ms": TARGET_MS,
        **results,
        "all_within_target": all(part["within_target"] for part in results.values()),
        "no_big_seq_scan": all(not part["seq_scans"] for part in results.values()),
    }


# --- the three paths --------------------------------------------------------------------------


def _sweep(session: Session, database: Database) -> dict[str, Any]:
    now = utcnow()
    timings: list[float] = []
    tokens: set[str] = set()
    claimed = 0
    with _captured(session) as statements:
        for _batch in range(MAX_BATCHES):
            started = time.perf_counter()
            claims = claim_due(session, now, limit=CLAIM_BATCH)
            timings.append((time.perf_counter() - started) * 1000)
            claimed += len(claims)
            tokens.update(claim.token for claim in claims)
            if len(claims) < CLAIM_BATCH:
                break
    _hand_back(session, tokens)
    plans = _explain_all(session, statements[:1])
    return _summary(timings, plans, claimed=claimed, statements=len(timings))


def _hand_back(session: Session, tokens: set[str]) -> None:
    if tokens:
        session.execute(
            update(Enrollment)
            .where(Enrollment.claim_token.in_(tokens))
            .values(state="active", claim_token=None, claimed_at=None, attempts=0)
            .execution_options(synchronize_session=False)
        )
    session.commit()


def _birthdays(database: Database, store_id: int) -> dict[str, Any]:
    now = utcnow()
    timings: list[float] = []
    found = 0
    statements: list[tuple[str, Any]] = []
    for _round in range(3):
        with database.session_scope() as session:
            store = session.get(Store, store_id)
            assert store is not None
            with _captured(session) as captured:
                started = time.perf_counter()
                found = len(enrollment._birthday_candidates(session, store, now))
                timings.append((time.perf_counter() - started) * 1000)
            statements = statements or captured
    with database.session_scope() as session:
        plans = _explain_all(session, statements[:1])
    return _summary(timings, plans, customers_found=found)


def _interest(session: Session, store: Store) -> dict[str, Any]:
    now = utcnow()
    settings = settings_of("product_interest", None)
    hour_end = now - timedelta(hours=4)
    pairs = session.execute(
        text(
            "SELECT DISTINCT customer_id, product_platform_id FROM product_views"
            " WHERE store_id = :s AND customer_id IS NOT NULL"
            " AND viewed_at > :start AND viewed_at <= :end"
        ),
        {"s": store.id, "start": hour_end - timedelta(hours=1), "end": hour_end},
    ).all()
    customers = {
        row.id: row
        for row in session.execute(
            select(Customer).where(Customer.id.in_({pair[0] for pair in pairs}))
        ).scalars()
    }
    session.commit()
    timings: list[float] = []
    enrollable = 0
    started_all = time.perf_counter()
    with _captured(session) as statements:
        for customer_id, product_id in pairs:
            started = time.perf_counter()
            result = facts.interest_facts(
                session, store, customers[customer_id], product_id, settings, now
            )
            timings.append((time.perf_counter() - started) * 1000)
            enrollable += len(result.views) >= settings["min_views"]
    hour_ms = (time.perf_counter() - started_all) * 1000
    session.commit()
    # One candidate's statements (views, product, variants, carts, orders) with the most views.
    per_candidate = len(statements) // max(1, len(pairs))
    plans = _explain_all(session, _slowest_candidate(statements, per_candidate, timings))
    summary = _summary(timings, plans, candidates=len(pairs), with_enough_views=enrollable)
    summary["hour_total_ms"] = round(hour_ms, 1)
    return summary


def _slowest_candidate(
    statements: list[tuple[str, Any]], per_candidate: int, timings: list[float]
) -> list[tuple[str, Any]]:
    if not timings or not per_candidate:
        return statements[:5]
    slowest = max(range(len(timings)), key=timings.__getitem__)
    return statements[slowest * per_candidate : (slowest + 1) * per_candidate]


# --- capture and explain ----------------------------------------------------------------------


@contextmanager
def _captured(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """Every (statement, parameters) sent on the session's engine while the block runs."""
    engine = session.get_bind()
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _explain_all(session: Session, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    plans = []
    connection = session.connection()
    try:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE")):
                continue
            explained = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
            ).scalar_one()
            plan = explained[0]
            plans.append(
                {
                    "sql": " ".join(statement.split())[:400],
                    "execution_ms": plan.get("Execution Time"),
                    "indexes": sorted(_indexes(plan["Plan"])),
                    "seq_scans": sorted(_seq_scans(plan["Plan"])),
                    "plan": _plan_text(connection, statement, parameters),
                }
            )
    finally:
        session.rollback()  # EXPLAIN ANALYZE of the claim really claimed: undo it
    return plans


def _plan_text(connection: Any, statement: str, parameters: Any) -> list[str]:
    rows = connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF) " + statement, parameters
    ).all()
    return [row[0] for row in rows]


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _walk(child)


def _indexes(plan: dict[str, Any]) -> set[str]:
    return {node["Index Name"] for node in _walk(plan) if "Index Name" in node}


def _seq_scans(plan: dict[str, Any]) -> set[str]:
    return {
        node.get("Relation Name", "?")
        for node in _walk(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
    }


def _summary(timings: list[float], plans: list[dict[str, Any]], **counts: Any) -> dict[str, Any]:
    ordered = sorted(timings)
    worst = ordered[-1] if ordered else 0.0
    return {
        **counts,
        "median_ms": round(statistics.median(ordered), 2) if ordered else None,
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2) if ordered else None,
        "max_ms": round(worst, 2),
        "within_target": worst < TARGET_MS,
        "indexes": sorted({name for plan in plans for name in plan["indexes"]}),
        "seq_scans": sorted({name for plan in plans for name in plan["seq_scans"]}),
        "plans": plans,
    }
