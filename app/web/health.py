"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db.migrations import current_revision, head_revision
from app.web.request_scope import runtime

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up and serving requests."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Database and Redis reachable, migrations at head; 503 naming what is not."""
    problems: list[str] = []
    process = runtime()
    try:
        with process.db.session() as session:
            session.execute(text("SELECT 1"))
            current = current_revision(session.connection())
        head = head_revision()
        if current != head:
            problems.append(f"database at migration {current or 'none'}, code expects {head}")
    except SQLAlchemyError as error:
        problems.append(f"database unreachable: {type(error).__name__}")
    try:
        process.redis.ping()
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        problems.append(f"redis unreachable: {type(error).__name__}")
    if problems:
        log.warning("not ready: %s", "; ".join(problems))
        return jsonify(status="unavailable", problems=problems), 503
    return jsonify(status="ok")
