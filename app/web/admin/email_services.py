"""The email adapters the recipe editor uses: the real renderer, link signer and sender.

The same classes, from the same settings, as the engine's jobs use (workers/services.py builds
theirs; `Runtime.mail_sender` sends for both), so a preview or a test email is exactly what a
shopper would get.
"""

from __future__ import annotations

from flask import current_app

from app.config import PROJECT_ROOT
from app.core.messaging.contracts import LinkSigner
from app.core.messaging.render import TemplateRenderer
from app.core.messaging.unsubscribe import UnsubscribeLinks
from app.core.ports import MessageSender
from app.web.request_scope import runtime

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "emails"

_RENDERER_KEY = "nudge.email_renderer"


def email_renderer() -> TemplateRenderer:
    """The app's renderer of templates/emails (built once: it caches compiled templates)."""
    renderer = current_app.extensions.get(_RENDERER_KEY)
    if renderer is None:
        renderer = TemplateRenderer(TEMPLATES_DIR)
        current_app.extensions[_RENDERER_KEY] = renderer
    assert isinstance(renderer, TemplateRenderer)  # noqa: S101 - only this module sets it
    return renderer


def link_signer() -> LinkSigner:
    """Signed one-click unsubscribe links, as campaign emails carry."""
    settings = runtime().settings
    return UnsubscribeLinks(settings.secret_key, settings.app_url)


def mail_sender() -> MessageSender:
    """The deployment's email provider (`Runtime.mail_sender`)."""
    return runtime().mail_sender


def template_steps(recipe: str) -> int:
    """How many steps of `recipe` have email templates (steps 0 … n-1)."""
    return sum(1 for name, _step in email_renderer().steps() if name == recipe)
