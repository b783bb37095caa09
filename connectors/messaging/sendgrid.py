"""`MessageSender` over SendGrid's v3 Mail Send API, with the official `sendgrid` package.

Which messages share a request is decided in `sendgrid_body` (identical content only, each
recipient's data in its own personalization). Requests go out in order; how a partly accepted
call is reported is `ledger.SendLedger`'s rule. Errors map onto the core's tree:

- 429 → RateLimited, retry after `X-RateLimit-Reset` (a unix time) minus now
  (twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits);
- 5xx, 408, a connection that could not be made or broke while sending → Transient;
- a timeout or a dropped connection while waiting for the answer → OutcomeUnknown;
- 401/403 → AuthRevoked (the API key was deleted or lost the mail.send scope);
- any other 4xx → Permanent, with SendGrid's `errors` list kept in `detail`.

`python_http_client` (urllib underneath) has no timeout by default, so a hung connection would
block a worker forever; the client's timeout is set explicitly (research/email.md §2.3). A
timeout after the request left is ambiguous (SendGrid may have accepted it, and it offers no
idempotency key to ask with), so it is reported as OutcomeUnknown and never retried: Nudge
promises no duplicate email, and SendGrid's events settle the message's status later.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
from collections.abc import Mapping, Sequence
from typing import Any

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

from app.core.ports import (
    AuthRevoked,
    ConnectorError,
    OutcomeUnknown,
    Permanent,
    RateLimited,
    Transient,
)
from app.core.values import OutboundMessage, SendResult
from connectors.messaging.ledger import SendLedger
from connectors.messaging.sendgrid_body import plan_requests

#: Used when a 429 carries no usable X-RateLimit-Reset.
DEFAULT_RETRY_AFTER = 60.0


class SendGridSender:
    """Sends Nudge's rendered emails through SendGrid (or the sandbox at `host`)."""

    def __init__(self, api_key: str, host: str, timeout: float = 10.0) -> None:
        if not api_key:
            raise ValueError("a SendGrid API key is required")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._client = SendGridAPIClient(api_key=api_key, host=host.rstrip("/"))
        self._client.client.timeout = timeout

    def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Send `messages`; see the module docstring for batching, errors and partial success."""
        requests, invalid = plan_requests(messages)
        ledger = SendLedger(messages)
        for position, problem in invalid.items():
            ledger.failed([position], Permanent(str(problem)))
        stopped_by: ConnectorError | None = None
        for request in requests:
            if stopped_by is not None:
                ledger.failed(request.positions, stopped_by, attempted=False)
                continue
            try:
                provider_message_id = self._post(request.body)
            except ConnectorError as error:
                ledger.failed(request.positions, error)
                # After a 429, a 5xx or a revoked key the next request would fail the same way.
                if not isinstance(error, Permanent):
                    stopped_by = error
                continue
            ledger.accepted(request.positions, provider_message_id)
        return ledger.finish()

    def _post(self, body: dict[str, Any]) -> str | None:
        try:
            response = self._client.send(body)
        except HTTPError as error:
            raise error_for_response(error.status_code, error.body, error.headers) from None
        except urllib.error.URLError as error:
            # urllib wraps what fails while connecting and sending the request: not accepted.
            raise Transient(f"SendGrid unreachable: {error.reason}") from None
        except (OSError, http.client.HTTPException) as error:
            # Raised while reading the answer (TimeoutError, RemoteDisconnected, IncompleteRead):
            # the request was sent and SendGrid may have queued it.
            raise OutcomeUnknown(
                f"no answer from SendGrid: {type(error).__name__}: {error}"
            ) from None
        status = int(response.status_code)
        if status not in (200, 202):
            raise Transient(f"SendGrid answered an unexpected {status}")
        message_id = response.headers.get("X-Message-Id")
        return str(message_id) if message_id else None


def error_for_response(
    status: int, body: bytes | str | None, headers: Mapping[str, str] | None
) -> ConnectorError:
    """The core error for a non-2xx answer from the Mail Send API."""
    errors = _error_list(body)
    summary = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))
    text = f"SendGrid {status}: {summary or 'no error detail'}"
    if status == 429:
        return RateLimited(text, retry_after=retry_after(headers), detail=errors)
    if status in (401, 403):
        return AuthRevoked(text, detail=errors)
    if status >= 500 or status == 408:
        return Transient(text, detail=errors)
    return Permanent(text, detail=errors)


def _error_list(body: bytes | str | None) -> list[Any]:
    """SendGrid's `errors` array, or the raw text as one entry when the body is not that."""
    if not body:
        return []
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return [{"message": text[:500], "field": None}]
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    return list(errors) if isinstance(errors, list) else [{"message": text[:500], "field": None}]


def retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float:
    """Seconds until `X-RateLimit-Reset`, else `Retry-After`, else DEFAULT_RETRY_AFTER."""
    headers = headers or {}
    current = time.time() if now is None else now
    reset = headers.get("X-RateLimit-Reset")
    if reset is not None:
        try:
            return max(0.0, float(reset) - current)
        except ValueError:
            pass
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_RETRY_AFTER
