"""The v3 API surface Nudge uses: `POST /v3/mail/send` and the signed webhook's public key.

Order of checks as the live API: authentication (401), then rate limiting and server faults,
then the body (400); a valid body is 202 with `X-Message-Id` and an empty body, or 200 when
`mail_settings.sandbox_mode.enable` is true (validated, not sent, no events) (research/email.md
§1.2; twilio.com/docs/sendgrid/for-developers/sending-email/sandbox-mode). A `send_at` is kept
with the message but not waited for: the message and its events happen at once.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox.sendgrid.faults import FAULT_MESSAGES, Fault
from sandbox.sendgrid.state import SandboxState
from sandbox.sendgrid.validation import validate_mail_send

bp = Blueprint("sendgrid_api", __name__)


def state() -> SandboxState:
    """The sandbox account of the running app."""
    sandbox: SandboxState = current_app.extensions["sendgrid_sandbox"]
    return sandbox


def error_response(
    status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> Response:
    """SendGrid's error body: {"errors": [{"message": ..., "field": ...}]}."""
    response = jsonify(errors=errors)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _unauthorized() -> Response | None:
    header = request.headers.get("Authorization")
    if state().authorized(header):
        return None
    message = (
        "authorization required"
        if not header
        else "The provided authorization grant is invalid, expired, or revoked"
    )
    return error_response(401, [{"field": None, "message": message}])


def _fault_response(fault: Fault) -> Response | None:
    if fault.delay:
        time.sleep(fault.delay)
    if not fault.status:
        return None
    headers: dict[str, str] = {}
    if fault.status == 429:
        headers = {
            "X-RateLimit-Limit": str(state().config.rate_limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(state().clock()) + fault.reset_in),
        }
    errors = [{"field": None, "message": FAULT_MESSAGES[fault.status]}]
    return error_response(fault.status, errors, headers)


@bp.post("/v3/mail/send")
def mail_send() -> ResponseReturnValue:
    """Validate, keep and acknowledge one mail-send request."""
    refused = _unauthorized()
    if refused is not None:
        return refused
    fault = state().faults.take()
    if fault is not None and (faulted := _fault_response(fault)) is not None:
        return faulted
    try:
        body = json.loads(request.get_data())
    except (ValueError, UnicodeDecodeError):
        return error_response(400, [{"field": None, "message": "Bad Request"}])
    errors = validate_mail_send(body)
    if errors:
        return error_response(400, [error.as_dict() for error in errors])
    if body.get("mail_settings", {}).get("sandbox_mode", {}).get("enable") is True:
        return Response(status=200)
    x_message_id, _deliveries = state().accept(body)
    return Response(status=202, headers={"X-Message-Id": x_message_id})


@bp.get("/v3/user/webhooks/event/settings/signed")
def signed_webhook_settings() -> ResponseReturnValue:
    """The verification key, as GET /v3/user/webhooks/event/settings/signed returns it."""
    refused = _unauthorized()
    if refused is not None:
        return refused
    return jsonify(public_key=state().public_key, enabled=True)


def init_errors(app: Any) -> None:
    """Answer oversized bodies in SendGrid's shape."""

    @app.errorhandler(413)
    def too_large(_error: Exception) -> ResponseReturnValue:
        return error_response(413, [{"field": None, "message": "content too large"}])
