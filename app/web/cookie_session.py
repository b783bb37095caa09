"""The signed cookie session, opened only where a browser may be the caller.

Webhook deliveries (`/webhooks/...`) come from platforms: they carry no session cookie and must
never be sent one. For them Flask's null session is used (it refuses writes), which also skips
building the cookie's signing serializer and parsing cookies on every delivery, ~6 % of a
webhook's CPU. Every other path (the admin, App Home, unsubscribe pages) keeps Flask's own
`SecureCookieSessionInterface` unchanged.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

#: Paths whose callers are machines: never a cookie session.
MACHINE_PATH_PREFIX = "/webhooks/"


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, except on machine paths (null session there)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """None (Flask then makes the null session) on a machine path, else Flask's own."""
        if request.path.startswith(MACHINE_PATH_PREFIX):
            return None
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Use `CookieSessionInterface` for `app`."""
    app.session_interface = CookieSessionInterface()
