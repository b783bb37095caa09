"""One log line for every refused request (any 4xx answer), written in one place.

Views answer bad input with a clear 4xx and write no log line of their own; this hook writes
exactly one: method, route, status and reason. The reason is what the view noted with
`note_refusal` (details meant for the operator, never for the caller), else the answer's own
`message`. Everything in the line is attacker-controlled in part, so it is cut short and its
control characters are escaped: a CR/LF in a path or a header cannot forge a second log line.
The route is the URL rule (`/u/<token>`), never the raw path, so tokens in URLs stay out of logs.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger("app.web.refused")

#: Longest reason or path written to the log.
MAX_LOGGED = 300


def note_refusal(reason: str) -> None:
    """Say why this request is being refused; the after-request hook logs it once."""
    g.refusal_reason = reason


def init_app(app: Flask) -> None:
    """Log one line for every 4xx answer of `app`."""
    app.after_request(log_refusal)


def log_refusal(response: Response) -> Response:
    """The after-request hook: one WARNING line per 4xx answer, nothing otherwise."""
    if 400 <= response.status_code < 500:
        reason = g.pop("refusal_reason", None) or _answer_message(response)
        log.warning(
            "refused %s %s with %d: %s",
            loggable(request.method, 10),
            _route(),
            response.status_code,
            loggable(reason),
        )
    return response


def loggable(text: str, limit: int = MAX_LOGGED) -> str:
    """`text` cut to `limit` characters with every non-printable character escaped."""
    cut = text[:limit]
    escaped = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in cut)
    return escaped + ("…" if len(text) > limit else "")


def _route() -> str:
    rule = request.url_rule
    if rule is not None:
        return rule.rule
    return loggable(request.path, 120)


def _answer_message(response: Response) -> str:
    if response.is_json:
        document = response.get_json(silent=True)
        if isinstance(document, dict):
            message = document.get("message") or document.get("error")
            if message:
                return str(message)
    return HTTP_STATUS_CODES.get(response.status_code, "refused")
