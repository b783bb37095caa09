"""The sandbox's control API (JSON under /_sandbox/): inspect mail, trigger events, arm faults.

GET    /_sandbox/status                    account summary, public key, webhook counters
GET    /_sandbox/messages?to=&limit=        kept deliveries, newest first
GET    /_sandbox/messages/<sg_message_id>   one delivery with its content and events
DELETE /_sandbox/messages                   forget every delivery
POST   /_sandbox/events                     {"event", "sg_message_id" | "email", options...}
PUT    /_sandbox/event-webhook              {"url": str|null, "auto_events": [...]}
GET    /_sandbox/event-webhook              delivery log (attempts, dead batches)
POST   /_sandbox/event-webhook/flush        {"timeout": s}: wait until all events are posted
POST   /_sandbox/event-webhook/redeliver    {"sg_message_id", "events": [...]}: same ids again
POST   /_sandbox/faults                     {"status", "count", "reset_in", "delay"}
DELETE /_sandbox/faults                     answer normally again
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox.sendgrid.api import state
from sandbox.sendgrid.events import EventOptionError
from sandbox.sendgrid.faults import FaultError, parse_fault
from sandbox.sendgrid.state import UnknownMessage

bp = Blueprint("sendgrid_control", __name__, url_prefix="/_sandbox")


class BadControlRequest(ValueError):
    """The control request's JSON is not what the endpoint takes."""


def _json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadControlRequest("expected a JSON object body")
    return data


@bp.errorhandler(BadControlRequest)
@bp.errorhandler(EventOptionError)
@bp.errorhandler(FaultError)
def bad_request(error: ValueError) -> ResponseReturnValue:
    """400 with the reason."""
    return jsonify(error=str(error)), 400


@bp.app_errorhandler(UnknownMessage)
def unknown_message(error: UnknownMessage) -> ResponseReturnValue:
    """404 naming what was looked for (control API and inbox pages alike)."""
    return jsonify(error=str(error)), 404


@bp.get("/status")
def status() -> ResponseReturnValue:
    """What the account holds and how its webhook is doing."""
    sandbox = state()
    fault = sandbox.faults.current()
    webhook = sandbox.webhook.status()
    return jsonify(
        public_key=sandbox.public_key,
        event_webhook_url=webhook["url"],
        auto_events=list(sandbox.auto_events),
        messages=sandbox.mailbox.count(),
        fault=fault.as_dict() if fault else None,
        webhook={key: webhook[key] for key in ("pending", "in_flight", "batches")},
    )


@bp.get("/messages")
def list_messages() -> ResponseReturnValue:
    """Kept deliveries, newest first (content left out; fetch one for it)."""
    limit = request.args.get("limit", default=100, type=int)
    deliveries = state().mailbox.newest(to=request.args.get("to"), limit=max(1, limit))
    return jsonify(messages=[d.as_dict(with_content=False) for d in deliveries])


@bp.get("/messages/<sg_message_id>")
def show_message(sg_message_id: str) -> ResponseReturnValue:
    """One delivery with its content and the events generated for it."""
    return jsonify(state().find(sg_message_id, None).as_dict())


@bp.delete("/messages")
def clear_messages() -> ResponseReturnValue:
    """Forget every kept delivery."""
    state().mailbox.clear()
    return jsonify(status="cleared")


@bp.post("/events")
def trigger_event() -> ResponseReturnValue:
    """Generate one event (open, click, bounce, ...) for a delivery and queue it."""
    data = _json_object()
    name = data.get("event")
    if not isinstance(name, str):
        raise BadControlRequest("event is required (open, click, bounce, ...)")
    delivery = state().find(data.get("sg_message_id"), data.get("email"))
    options = {k: v for k, v in data.items() if k not in ("event", "sg_message_id", "email")}
    events = state().trigger(delivery, name, options)
    return jsonify(events=events), 202


@bp.get("/event-webhook")
def webhook_log() -> ResponseReturnValue:
    """Every recent delivery attempt and the batches given up on."""
    return jsonify(state().webhook.status())


@bp.put("/event-webhook")
def configure_webhook() -> ResponseReturnValue:
    """Change the webhook URL and/or the automatic events."""
    data = _json_object()
    sandbox = state()
    if "auto_events" in data:
        names = data["auto_events"]
        if not isinstance(names, list):
            raise BadControlRequest("auto_events must be a list of event types")
        sandbox.set_auto_events(names)
    if "url" in data:
        url = data["url"]
        if url is not None and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise BadControlRequest("url must be an http(s) URL or null")
        sandbox.webhook.set_url(url)
    return jsonify(url=sandbox.webhook.url, auto_events=list(sandbox.auto_events))


@bp.post("/event-webhook/flush")
def flush_webhook() -> ResponseReturnValue:
    """Wait until every queued event was posted (or given up on); 504 if that takes too long."""
    data = request.get_json(silent=True) or {}
    timeout = data.get("timeout", 10) if isinstance(data, dict) else 10
    if not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise BadControlRequest("timeout must be a number of seconds between 0 and 120")
    drained = state().webhook.flush(float(timeout))
    return jsonify(drained=drained, **_counts()), 200 if drained else 504


def _counts() -> dict[str, int]:
    webhook = state().webhook.status()
    return {"pending": webhook["pending"], "dead_batches": len(webhook["dead_batches"])}


@bp.post("/event-webhook/redeliver")
def redeliver() -> ResponseReturnValue:
    """Post a delivery's earlier events again with their original sg_event_id."""
    data = _json_object()
    names = data.get("events")
    if names is not None and not isinstance(names, list):
        raise BadControlRequest("events must be a list of event types")
    delivery = state().find(data.get("sg_message_id"), data.get("email"))
    return jsonify(events=state().redeliver(delivery, names)), 202


@bp.post("/faults")
def arm_fault() -> ResponseReturnValue:
    """Fail the next `count` mail-send requests with `status` (after `delay` seconds)."""
    fault = parse_fault(_json_object())
    state().faults.arm(fault)
    return jsonify(fault.as_dict())


@bp.delete("/faults")
def disarm_fault() -> ResponseReturnValue:
    """Answer mail-send requests normally again."""
    state().faults.disarm()
    return jsonify(status="disarmed")


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    """Forget mail, faults and the webhook log; restore the configured URL and auto events."""
    state().reset()
    return jsonify(status="reset")
