"""The admin's dry run as a job: replay a recipe configuration, reporting progress."""

from __future__ import annotations

import json
import logging

from app.core import dry_runs
from app.db.models import Store
from workers.runtime import current, job

log = logging.getLogger(__name__)


@job
def run_dry_run(store_id: int, recipe: str, settings_json: str, days: int) -> int:
    """Replay the last `days` days of `recipe` under the given settings; returns the number of
    emails it would have sent (the summary and progress are in the store's sync_state)."""
    runtime = current()
    with runtime.db.session() as session:
        store = session.get(Store, store_id)
        if store is None:
            log.warning("dry run of %s: store %s is gone", recipe, store_id)
            return 0
        report = dry_runs.run_dry_run(session, store, recipe, json.loads(settings_json), days)
    log.info("dry run of %s for store %s: %s emails", recipe, store_id, len(report.sends))
    return len(report.sends)
