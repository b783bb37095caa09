"""The one way a verified inbound event enters Nudge: store it, enqueue it, answer fast.

Platform webhook views verify the signature on the raw body, identify the store, and call
`accept_webhook`. Storing needs only the database: when Redis is down the event is still stored
and acknowledged (the clock's sweep queues it later); when the database is down the view answers
503 so the platform retries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.core.inbox import accept_event
from app.web.request_scope import db_session, job_queues
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
    session = db_session()
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
    if not accepted.created:
        return jsonify(status="duplicate", event=accepted.event_id), 200
    try:
        job_queues().enqueue_inbound_event(accepted.event_id)
    except QueueUnavailable as error:
        # Stored is what matters: the sweep (workers.maintenance) queues it when Redis is back.
        log.warning("event %s stored, queue unavailable: %s", accepted.event_id, error)
    return jsonify(status="accepted", event=accepted.event_id), 200
