"""`GET|POST /u/<token>`: the unsubscribe page and the RFC 8058 one-click endpoint.

GET only shows a confirmation page: link scanners and mail previews fetch links, and must not
unsubscribe anyone. POST unsubscribes at once, with no login, cookie or CSRF token, because
RFC 8058 §3.1 says the mailbox provider's POST carries none ("MUST NOT include cookies, HTTP
authorization, or any other context information"); the signed token is the authority. The answer
is a 200 page, never a redirect (RFC 8058: "MUST NOT return an HTTPS redirect"). Pages use no
JavaScript and set no cookies. A bad token gets a 404 page and changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.core.messaging.branding import store_branding
from app.core.messaging.unsubscribe import (
    InvalidUnsubscribeToken,
    UnsubscribeLinks,
    UnsubscribeTarget,
    is_suppressed,
    unsubscribe,
)
from app.db.models import Store
from app.web.refusals import note_refusal
from app.web.request_scope import db_session, job_queues, runtime
from workers.queues import QueueUnavailable

log = logging.getLogger(__name__)

bp = Blueprint("unsubscribe", __name__)

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _links() -> UnsubscribeLinks:
    settings = runtime().settings
    return UnsubscribeLinks(settings.secret_key, settings.app_url)


def _resolve(token: str) -> tuple[UnsubscribeTarget, Store] | None:
    try:
        target = _links().parse(token)
    except InvalidUnsubscribeToken as error:
        note_refusal(f"unsubscribe link refused: {error}")
        return None
    store = db_session().scalar(select(Store).where(Store.key == target.store_key))
    return (target, store) if store is not None else None


def _invalid() -> ResponseReturnValue:
    return render_template("unsubscribe/invalid.html"), 404, _NO_STORE


def _page(name: str, target: UnsubscribeTarget, store: Store, token: str) -> str:
    return render_template(
        f"unsubscribe/{name}.html",
        branding=store_branding(store),
        email_hint=email_hint(target.email),
        token=token,
    )


@bp.get("/u/<token>")
def confirm(token: str) -> ResponseReturnValue:
    """The confirmation page: one button that POSTs back here."""
    resolved = _resolve(token)
    if resolved is None:
        return _invalid()
    target, store = resolved
    name = "done" if is_suppressed(db_session(), store, target.email) else "confirm"
    return _page(name, target, store, token), 200, _NO_STORE


@bp.post("/u/<token>")
def one_click(token: str) -> ResponseReturnValue:
    """Unsubscribe now (the page's button, or a mailbox provider's RFC 8058 POST)."""
    resolved = _resolve(token)
    if resolved is None:
        return _invalid()
    target, store = resolved
    one_click_post = request.form.get("List-Unsubscribe") == "One-Click"
    session = db_session()
    result = unsubscribe(
        session, store, target.email, source="list_unsubscribe" if one_click_post else "page"
    )
    session.commit()
    try:
        job_queues().enqueue_consent_write_back(store.id, result.email)
    except QueueUnavailable as error:
        # The suppression says the write-back is owed; the clock's sweep queues it later.
        log.warning("consent write-back for store %s not queued: %s", store.id, error)
    return _page("done", target, store, token), 200, _NO_STORE


def email_hint(email: str) -> str:
    """The address with most of its local part hidden: anyone holding the link sees the page."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * 3}@{domain}" if domain else "•••"
