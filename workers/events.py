"""Jobs for the inbox: process a stored inbound event."""

from __future__ import annotations

from app.core.inbox import process_event
from workers.handlers import handle_inbound_event
from workers.runtime import current, job


@job
def process_inbound_event(event_id: int) -> str:
    """Map and ingest one stored event; returns its final status (done, ignored, ...)."""
    with current().db.session() as session:
        return process_event(session, event_id, handle_inbound_event)
