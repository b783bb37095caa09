"""The one way a verified inbound event enters Nudge: store it, wake a drain, answer fast.

Platform webhook views verify the signature on the raw body, identify the store, and call
`accept_webhook`. Storing needs only the database: when Redis is down the event is still stored
and acknowledged (the clock's sweep queues it later); when the database is down the view answers
503 so the platform retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any

from flask import abort, jsonify
from flask.typing import ResponseReturnValue

from app.core.inbox import Accepted, accept_event, accept_store_event
from app.web.request_scope import db_session, has_request_session, job_queues, runtime
from workers.queues import QueueUnavailable

log = logging.getLogger(__name__)


def accept_webhook(
    *,
    platform: str,
    store_id: int | None,
    external_id: str,
    topic: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
) -> ResponseReturnValue:
    """Store a verified event once and queue its processing; 200 for new and duplicate alike."""
    accepted = _stored(
        accept_event,
        platform=platform,
        store_id=store_id,
        external_id=external_id,
        topic=topic,
        body=body,
        headers=headers,
    )
    return _queued(accepted)


def accept_store_webhook(
    *,
    platform: str,
    domain: str,
    external_id: str,
    topic: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
) -> ResponseReturnValue:
    """`accept_webhook` for the store of `platform` at `domain`, found in the same statement;
    404 when there is no such store."""
    # Autocommit on the process's database: the insert is the request's only statement (no ORM
    # session, no request session opened for it).
    accepted = accept_store_event(
        runtime().db,
        platform=platform,
        domain=domain,
        external_id=external_id,
        topic=topic,
        body=body.decode("utf-8", errors="replace"),
        headers=headers,
    )
    return _queued(accepted)


def _stored(
    accept: Callable[..., Accepted | None], *, body: bytes, **fields: Any
) -> Accepted | None:
    """Run `accept` and commit, in the request's own session when the view already opened one
    (one connection per request, its transaction the one committed), else in a fresh
    autocommit session."""
    scope = (
        nullcontext(db_session()) if has_request_session() else runtime().db.autocommit_session()
    )
    with scope as session:
        accepted = accept(session, body=body.decode("utf-8", errors="replace"), **fields)
        session.commit()
    return accepted


def _queued(accepted: Accepted | None) -> ResponseReturnValue:
    """Wake a drain for a newly stored event; the answer for new and duplicate alike (404 when
    the event named no known store)."""
    if accepted is None:
        abort(404, description="no such shop")
    if not accepted.created:
        return jsonify(status="duplicate", event=accepted.event_id), 200
    try:
        job_queues().wake_inbound_drain()
    except QueueUnavailable as error:
        # Stored is what matters: the sweep (workers.maintenance) queues it when Redis is back.
        log.warning("event %s stored, queue unavailable: %s", accepted.event_id, error)
    return jsonify(status="accepted", event=accepted.event_id), 200
