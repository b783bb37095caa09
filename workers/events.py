"""Jobs for the inbox: process a stored inbound event."""

from __future__ import annotations

from app.core.enrollment import STEPS_DUE_NOW
from app.core.inbox import process_event
from workers.handlers import handle_inbound_event
from workers.maintenance import sweep_due_enrollments
from workers.runtime import current, job


@job
def process_inbound_event(event_id: int) -> str:
    """Map and ingest one stored event; returns its final status (done, ignored, ...)."""
    with current().db.session() as session:
        status = process_event(session, event_id, handle_inbound_event)
        due_now = session.info.pop(STEPS_DUE_NOW, False)
    if due_now:
        # A step due at once is claimed now rather than at the clock's next tick (up to 30 s).
        sweep_due_enrollments()
    return status
