"""A recipe's emails: save a step's subject and body, preview it live, send a test.

The preview is the real renderer's output for a real customer of the store (or the sample),
answered as its own document under a strict CSP of its own (`email_preview_policy`: no script,
no form, sandboxed) and shown in a sandboxed frame, so nothing in a template or a shopper's data
can act in the admin. With `Accept: application/json` the same endpoint answers the subject and
the template's problems, which the page shows next to the inputs as the merchant types.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from app.core.compose import template_override
from app.core.email_preview import PreviewEmail, preview_email
from app.core.email_tests import TestEmail, TestEmailFailed, TestEmailRefused, send_test_email
from app.core.messaging.contracts import RenderedEmail, TemplateOverride
from app.core.messaging.sandbox import TemplateProblem
from app.core.recipe_copy import CopyRejected, copy_problems, draft_override, reset_copy, save_copy
from app.core.recipe_editing import current_settings
from app.db.base import utcnow
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp, read_only_post
from app.web.admin.email_services import (
    email_renderer,
    link_signer,
    mail_sender,
    template_steps,
)
from app.web.admin.pages import redirect_to, wants_json
from app.web.admin.recipe_editor import known_recipe, render_editor
from app.web.admin.security_headers import mark_email_preview
from app.web.request_scope import runtime


def known_step(recipe: str, step: int) -> None:
    """404 unless `recipe` is offered and has an email template for `step` (from 0)."""
    known_recipe(recipe)
    if not 0 <= step < template_steps(recipe):
        abort(404, description="This recipe has no such email.")


def submitted_copy() -> tuple[str, str]:
    """The subject and body of the step's form."""
    return request.form.get("subject", ""), request.form.get("body", "")


def problem_texts(problems: dict[str, list[TemplateProblem]], step: int) -> dict[str, str]:
    """Editor errors keyed "<step>.<part>": every problem of a part with its line."""
    return {
        f"{step}.{part}": "; ".join(f"Line {p.line}: {p.message}" for p in found)
        for part, found in problems.items()
    }


def draft_of(step: int, **extra: str) -> dict[int, dict[str, str]]:
    """The step's submitted copy, to show again as typed."""
    subject, body = submitted_copy()
    return {step: {"subject": subject, "body": body, **extra}}


@bp.post("/recipes/<recipe>/emails/<int:step>")
def save_email(recipe: str, step: int) -> ResponseReturnValue:
    """Save the step's subject and body (or `action=reset` to the default copy)."""
    known_step(recipe, step)
    scope = current_scope()
    anchor = f"email-{step}"
    if request.form.get("action") == "reset":
        reset_copy(scope, recipe, step)
        scope.session.commit()
        return redirect_to(
            "admin.recipe_editor", recipe=recipe, notice="email_reset", _anchor=anchor
        )
    subject, body = submitted_copy()
    try:
        save_copy(scope, email_renderer(), recipe, step, subject=subject, body=body)
    except CopyRejected as rejected:
        scope.session.rollback()
        errors = problem_texts(rejected.problems, step)
        return render_editor(recipe, status=422, errors=errors, drafts=draft_of(step))
    scope.session.commit()
    return redirect_to("admin.recipe_editor", recipe=recipe, notice="email_saved", _anchor=anchor)


@bp.route("/recipes/<recipe>/emails/<int:step>/preview", methods=["GET", "POST"])
@read_only_post
def email_preview(recipe: str, step: int) -> ResponseReturnValue:
    """The step rendered: the saved copy (GET) or the posted draft (POST), as a document for
    the preview frame, or as JSON (subject, problems, whose data) for the page's script."""
    known_step(recipe, step)
    scope = current_scope()
    override: TemplateOverride | None
    problems: dict[str, list[TemplateProblem]] = {}
    if request.method == "POST":
        problems = copy_problems(*submitted_copy())
        override = draft_override(*submitted_copy())
    else:
        override = template_override(scope.store, recipe, step)
    unsubscribe = f"{runtime().settings.app_url}/u/preview"
    settings = current_settings(scope, recipe)
    preview = preview_email(
        scope, recipe, step, settings, unsubscribe_url=unsubscribe, now=utcnow()
    )
    rendered = None if problems else email_renderer().render(preview.context, override)
    if wants_json():
        return jsonify(_preview_json(preview, rendered, problems))
    mark_email_preview()
    if rendered is None:
        page = render_template("admin/email_problems.html", problems=problems)
        return Response(page, mimetype="text/html")
    return Response(rendered.html, mimetype="text/html")


def _preview_json(
    preview: PreviewEmail,
    rendered: RenderedEmail | None,
    problems: dict[str, list[TemplateProblem]],
) -> dict[str, Any]:
    return {
        "subject": rendered.subject if rendered is not None else None,
        "source": preview.source,
        "customer_email": preview.customer_email,
        "problems": {
            part: [{"line": p.line, "message": p.message} for p in found]
            for part, found in problems.items()
        },
    }


@bp.post("/recipes/<recipe>/emails/<int:step>/test")
def send_test(recipe: str, step: int) -> ResponseReturnValue:
    """Send the step, with the copy in the form (saved or not), to one address now."""
    known_step(recipe, step)
    scope = current_scope()
    address = request.form.get("test_to", "")
    problems = copy_problems(*submitted_copy())
    if problems:
        drafts = draft_of(step, test_to=address)
        return render_editor(
            recipe, status=422, errors=problem_texts(problems, step), drafts=drafts
        )
    settings = current_settings(scope, recipe)
    test = TestEmail(recipe, step, settings, draft_override(*submitted_copy()), address)
    renderer, signer, sender = email_renderer(), link_signer(), mail_sender()
    try:
        message = send_test_email(
            scope, test, renderer=renderer, signer=signer, sender=sender, now=utcnow()
        )
    except TestEmailRefused as refused:
        return _test_error(recipe, step, address, str(refused), refused.status)
    except TestEmailFailed as failed:
        return _test_error(recipe, step, address, str(failed), 502)
    if message.status == "failed":
        reason = f"The test email was refused: {message.error or 'no reason given'}"
        return _test_error(recipe, step, address, reason, 502)
    # The page again with the copy as typed: a test is often of words not saved yet.
    drafts = draft_of(step, test_to=address)
    return render_editor(recipe, drafts=drafts, notice="test_sent")


def _test_error(
    recipe: str, step: int, address: str, reason: str, status: int
) -> ResponseReturnValue:
    errors = {f"{step}.test_to": reason}
    return render_editor(
        recipe, status=status, errors=errors, drafts=draft_of(step, test_to=address)
    )
