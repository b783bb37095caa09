"""Sandbox SendGrid: a local stand-in for the v3 Mail Send API and the signed event webhook.

`create_app(SandboxConfig(...))` builds it; `python -m sandbox.sendgrid --port N
--event-webhook-url URL` serves it. See `control.py` for the control API and `/inbox` for the
demo's HTML inbox.
"""

from sandbox.sendgrid.app import create_app, sandbox_state
from sandbox.sendgrid.state import DEFAULT_API_KEY, SandboxConfig, SandboxState
from sandbox.sendgrid.webhook import DeliveryPolicy

__all__ = [
    "DEFAULT_API_KEY",
    "DeliveryPolicy",
    "SandboxConfig",
    "SandboxState",
    "create_app",
    "sandbox_state",
]
