"""The one way a verified inbound event enters Nudge: store it, enqueue it, answer fast.

Platform webhook views verify the signature on the raw body, identify the store, and call
`accept_webhook`. Storing needs only the database: when Redis is down the event is still stored
and acknowledged (the clock's sweep queues it later); when the database is down the view answers
503 so the platform retries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import abort, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

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
    with _writer() as session:
        accepted = accept_event(
            session,
            platform=platform,
            store_id=store_id,
            external_id=external_id,
            topic=topic,
            body=body.decode("utf-8", errors="replace"),
            headers=headers,
        )
        session.commit()
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
    with _writer() as session:
        accepted = accept_store_event(
            session,
            platform=platform,
            domain=domain,
            external_id=external_id,
            topic=topic,
            body=body.decode("utf-8", errors="replace"),
            headers=headers,
        )
        session.commit()
    if accepted is None:
        abort(404, description="no such shop")
    return _queued(accepted)


@contextmanager
def _writer() -> Iterator[Session]:
    """The session that stores the event: the request's own when the view already opened one
    (one connection per request, and its transaction is the one committed), else a fresh
    autocommit session (the Shopify route: the insert is the request's only statement)."""
    if has_request_session():
        yield db_session()
        return
    with runtime().db.autocommit_session() as session:
        yield session


def _queued(accepted: Accepted) -> ResponseReturnValue:
    """Queue a newly stored event; the answer for new and duplicate alike."""
    if not accepted.created:
        return jsonify(status="duplicate", event=accepted.event_id), 200
    try:
        job_queues().enqueue_inbound_event(accepted.event_id)
    except QueueUnavailable as error:
        # Stored is what matters: the sweep (workers.maintenance) queues it when Redis is back.
        log.warning("event %s stored, queue unavailable: %s", accepted.event_id, error)
    return jsonify(status="accepted", event=accepted.event_id), 200
