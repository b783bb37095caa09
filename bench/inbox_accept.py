"""Inbox accept rate: `accept_event` (dedupe insert, one commit each) vs a bare INSERT + commit.

Measures the database part of webhook ingest in-process, against DATABASE_URL (or the embedded
SQLite file in a temporary folder). The HTTP ingest benchmark under gunicorn is separate.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from app.config import normalize_database_url
from app.core.inbox import accept_event
from app.db import Database
from app.db.migrations import upgrade_to_head
from app.db.models import Store

EVENTS = 3000
BODY = '{"id": 820982911946154508, "email": "jon@example.com", "total_price": "199.00"}'


def _database() -> Database:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    url = normalize_database_url(url)
    upgrade_to_head(url)
    return Database(url)


def _baseline(database: Database, store_id: int, events: int = EVENTS) -> float:
    started = time.perf_counter()
    for _ in range(events):
        with database.session_scope() as session:
            session.execute(
                text(
                    "INSERT INTO inbound_events (dedupe_key, platform, store_id, topic, "
                    "external_id, headers, body, status, attempts, received_at) VALUES "
                    "(:key, 'bench', :store, 't', 'e', '{}', :body, 'done', 0, CURRENT_TIMESTAMP)"
                ),
                {"key": f"baseline:{uuid.uuid4()}", "store": store_id, "body": BODY},
            )
    return events / (time.perf_counter() - started)


def _accept(database: Database, store_id: int) -> tuple[float, int]:
    started = time.perf_counter()
    created = 0
    for number in range(EVENTS):
        # Every tenth delivery is a duplicate, as Shopify's at-least-once delivery produces.
        event_id = f"evt-{number - number % 10 if number % 10 == 9 else number}"
        with database.session_scope() as session:
            accepted = accept_event(
                session,
                platform="bench",
                store_id=store_id,
                external_id=event_id,
                topic="orders/create",
                body=BODY,
            )
            created += accepted.created
    return EVENTS / (time.perf_counter() - started), created


def run() -> dict[str, object]:
    """Run baseline and accept in the same process, same database; report rates and ratio."""
    database = _database()
    with database.session_scope() as session:
        store = Store(
            platform="bench", domain=f"bench-{uuid.uuid4().hex[:8]}", key=uuid.uuid4().hex
        )
        session.add(store)
        session.flush()
        store_id = store.id
    try:
        _baseline(database, store_id, events=300)  # warm-up: file creation, caches
        baseline = _baseline(database, store_id)
        rate, created = _accept(database, store_id)
    finally:
        with database.session_scope() as session:
            session.execute(text("DELETE FROM stores WHERE id = :id"), {"id": store_id})
        database.dispose()
    return {
        "events": EVENTS,
        "baseline_inserts_per_s": round(baseline, 1),
        "accepted_per_s": round(rate, 1),
        "ratio_to_baseline": round(rate / baseline, 3),
        "rows_created": created,
        "duplicates_refused": EVENTS - created,
    }
