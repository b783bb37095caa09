"""Error responses: JSON for API and webhook callers, one log line, no stack traces to clients."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        return jsonify(error=error.name, message=error.description), error.code or 500

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        # The platform retries on a non-2xx answer, so a 503 here loses nothing.
        log.error("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        return jsonify(error="Service Unavailable", message="database unavailable"), 503
