"""A small HTML inbox for the demo: every kept message, one rendered, and event buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from sandbox.sendgrid.api import state
from sandbox.sendgrid.events import EventOptionError

bp = Blueprint("sendgrid_inbox", __name__, template_folder="templates")

#: The engagement buttons shown under a message.
BUTTONS = ("open", "click", "bounce", "dropped", "spamreport", "unsubscribe", "group_unsubscribe")


@bp.app_template_filter("when")
def when(timestamp: float) -> str:
    """A unix time as a readable UTC time."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@bp.get("/")
def index() -> ResponseReturnValue:
    """The inbox lives at /inbox."""
    return redirect(url_for("sendgrid_inbox.inbox"))


@bp.get("/inbox")
def inbox() -> ResponseReturnValue:
    """Every kept message, newest first."""
    to = request.args.get("to") or None
    deliveries = state().mailbox.newest(to=to, limit=500)
    return render_template(
        "sendgrid_inbox.html", deliveries=deliveries, to=to or "", sandbox=state()
    )


@bp.get("/inbox/<sg_message_id>")
def message(sg_message_id: str) -> ResponseReturnValue:
    """One message rendered (HTML in a script-less iframe), its headers and its events."""
    delivery = state().find(sg_message_id, None)
    error = request.args.get("error")
    return render_template("sendgrid_message.html", delivery=delivery, buttons=BUTTONS, error=error)


@bp.post("/inbox/<sg_message_id>/events")
def trigger(sg_message_id: str) -> ResponseReturnValue:
    """A button press: generate that event for this message."""
    delivery = state().find(sg_message_id, None)
    options = {"url": request.form["url"]} if request.form.get("url") else {}
    error = None
    try:
        state().trigger(delivery, request.form.get("event", ""), options)
    except EventOptionError as problem:
        error = str(problem)
    return redirect(url_for("sendgrid_inbox.message", sg_message_id=sg_message_id, error=error))
