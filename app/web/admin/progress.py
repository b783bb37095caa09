"""Progress of the store's long operations, polled by the page (see app.core.progress)."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.core.progress import visible_progress
from app.web.admin.access import current_store
from app.web.admin.blueprint import bp


@bp.get("/progress")
def progress() -> ResponseReturnValue:
    """The store's running and recently finished operations, as JSON."""
    operations = [item.as_json() for item in visible_progress(current_store())]
    return jsonify(operations=operations)
