"""Construction of the real adapters the engine's steps use (the only place they are built).

Each adapter is imported lazily, by name, when a job first needs it, so importing the workers
costs nothing and a deployment without (say) SMTP never imports it. Tests replace these four
functions with the recording fakes of tests/fakes.py.
"""

from __future__ import annotations

import functools

from app.config import PROJECT_ROOT
from app.core.messaging.contracts import EmailRenderer, LinkSigner
from app.core.ports import MessageSender, StoreConnector
from app.core.steps import StepServices
from app.db.models import Store
from app.runtime import Runtime

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "emails"


def store_connector(store: Store, runtime: Runtime) -> StoreConnector:
    """The platform connector of one store (workers/connections.py builds it)."""
    from workers.connections import store_connector as connect

    return connect(runtime, store)


def close_connector(connector: object) -> None:
    """Close a connector's HTTP client when it has one. A worker run with --no-fork lives for
    many jobs, so a connector left open would keep its pooled sockets until garbage collection."""
    close = getattr(connector, "close", None)
    if callable(close):
        close()


def message_sender(runtime: Runtime) -> MessageSender:
    """SendGrid, or SMTP when MAIL_BACKEND=smtp (development): `Runtime.mail_sender`."""
    return runtime.mail_sender


def email_renderer(runtime: Runtime) -> EmailRenderer:
    """The Jinja renderer of templates/emails: one per process, so its compiled templates
    serve every job (a worker warms it before its first job)."""
    return _template_renderer()


@functools.cache
def _template_renderer() -> EmailRenderer:
    from app.core.messaging.render import TemplateRenderer

    return TemplateRenderer(TEMPLATES_DIR)


def link_signer(runtime: Runtime) -> LinkSigner:
    """Signed one-click unsubscribe links."""
    from app.core.messaging.unsubscribe import UnsubscribeLinks

    signer: LinkSigner = UnsubscribeLinks(runtime.settings.secret_key, runtime.settings.app_url)
    return signer


def checkpoint(name: str) -> None:
    """Called at each named point of a step; does nothing. Fault-injection tests replace it
    (in the worker process) to kill the process exactly there."""


def step_services(runtime: Runtime) -> StepServices:
    """Everything a step needs, built from the runtime (looked up at call time, so a test's
    replacement of any function above is honoured)."""
    import workers.services as this

    return StepServices(
        connector_for=lambda store: this.store_connector(store, runtime),
        sender=this.message_sender(runtime),
        renderer=this.email_renderer(runtime),
        signer=this.link_signer(runtime),
        checkpoint=lambda name: this.checkpoint(name),
    )
