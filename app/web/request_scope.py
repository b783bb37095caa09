"""Per-request access to the process Runtime: one database session per request, closed after."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from app.runtime import Runtime
from workers.queues import JobQueues


def runtime() -> Runtime:
    """The Runtime the app was created with."""
    process_runtime: Runtime = current_app.extensions["nudge"]
    return process_runtime


def db_session() -> Session:
    """This request's session (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = runtime().db.session()
    session: Session = g.db_session
    return session


def has_request_session() -> bool:
    """True once this request has opened its session."""
    return "db_session" in g


def job_queues() -> JobQueues:
    """Enqueue functions bound to the process's Redis."""
    # One per app: JobQueues keeps its Queue objects, and building them per request shows.
    queues: JobQueues | None = current_app.extensions.get("nudge_job_queues")
    if queues is None:
        queues = current_app.extensions["nudge_job_queues"] = JobQueues(runtime().redis)
    return queues


def init_app(app: Flask) -> None:
    """Close the request's session when the request ends, rolling back anything uncommitted."""

    @app.teardown_appcontext
    def close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
