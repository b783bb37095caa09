"""CSRF protection for cookie sessions: one random token per session, checked on every write.

Requests authenticated by a Shopify session token need none: the token travels in the
Authorization header, which a cross-site form or image can never set.
"""

from __future__ import annotations

import secrets

from flask import abort, request, session

from app.security import constant_time_equals

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """This session's token (created on first use); forms and the fetch wrapper send it."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def require_csrf() -> None:
    """Refuse (403) a state-changing request whose token is missing or wrong."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FORM_FIELD) or ""
    if not isinstance(expected, str) or not expected or not sent:
        abort(403, description="The form expired or came from elsewhere. Reload the page.")
    if not constant_time_equals(sent, expected):
        abort(403, description="The form expired or came from elsewhere. Reload the page.")
