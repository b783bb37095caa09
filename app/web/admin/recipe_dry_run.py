"""The dry run button: "over the last 30 days, these settings would have sent…".

The request validates the settings typed in the editor, records that the dry run started and
enqueues the job; it never runs the replay itself. The editor page shows the job's progress
(polled, app/core/progress.py) and, once it is done, the summary the job kept.
"""

from __future__ import annotations

import json
import logging
import secrets

from flask import abort
from flask.typing import ResponseReturnValue

from app.core.dry_runs import DEFAULT_DAYS, dry_run_running, fail_dry_run, start_dry_run
from app.core.recipe_editing import validate_settings
from app.core.recipes import get_recipe
from app.core.settings_schema import ConfigError
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp
from app.web.admin.email_services import template_steps
from app.web.admin.pages import redirect_to
from app.web.admin.recipe_editor import known_recipe, render_editor, submitted_settings
from app.web.request_scope import job_queues
from workers.queues import QueueUnavailable

log = logging.getLogger(__name__)


@bp.post("/recipes/<recipe>/dry-run")
def start_recipe_dry_run(recipe: str) -> ResponseReturnValue:
    """Start a dry run of the settings in the form (saved or not) over the last 30 days."""
    known_recipe(recipe)
    scope = current_scope()
    changes = submitted_settings(recipe)
    try:
        settings = validate_settings(scope, recipe, changes, template_steps=template_steps(recipe))
    except ConfigError as error:
        return render_editor(recipe, status=422, values=changes, errors=error.errors)
    back = {"recipe": recipe, "_anchor": "dry-run"}
    if dry_run_running(scope.store, recipe):
        return redirect_to("admin.recipe_editor", notice="dry_run_running", **back)
    start_dry_run(scope.session, scope.store, recipe, DEFAULT_DAYS)
    scope.session.commit()
    settings_json = json.dumps(get_recipe(recipe).schema.to_json(settings))
    run = secrets.token_hex(6)
    try:
        job_queues().enqueue_dry_run(scope.store_id, recipe, settings_json, DEFAULT_DAYS, run)
    except QueueUnavailable as error:
        log.warning("dry run of %s for store %s not queued: %s", recipe, scope.store_id, error)
        fail_dry_run(scope.session, scope.store, recipe, "The job queue was unavailable.")
        scope.session.commit()
        abort(503, description="The job queue is unavailable. Try the dry run again in a minute.")
    return redirect_to("admin.recipe_editor", notice="dry_run_started", **back)
