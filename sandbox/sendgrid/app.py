"""The sandbox SendGrid Flask app: the v3 API, the control API and the HTML inbox."""

from __future__ import annotations

from flask import Flask

from sandbox.sendgrid import api, control, inbox
from sandbox.sendgrid.state import SandboxConfig, SandboxState

#: "The total size of your email, including attachments, must be less than 30MB" (limitations).
MAX_BODY_BYTES = 30 * 1024 * 1024


def create_app(config: SandboxConfig | None = None) -> Flask:
    """A sandbox SendGrid account as a WSGI app; `sandbox_state(app)` reaches its state.

    Nothing runs until a request arrives: the webhook thread starts with the first event.
    Call `sandbox_state(app).close()` to stop it.
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["sendgrid_sandbox"] = SandboxState(config or SandboxConfig())
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(inbox.bp)
    api.init_errors(app)
    return app


def sandbox_state(app: Flask) -> SandboxState:
    """The account behind an app made by `create_app`."""
    state: SandboxState = app.extensions["sendgrid_sandbox"]
    return state
