"""A merchant's own subject and body for a recipe step: checked, stored where the engine reads.

Overrides live in `Store.settings["templates"][recipe][str(step)]` (steps from 0), the place
`compose.template_override` reads them from. Only the parts that differ from the default copy are
stored, so a step the merchant never touched keeps following the shipped default. Every part is
checked by `validate_template` first (the sandbox's own checks: syntax, unknown variables,
forbidden tags, a trial render); a part with problems is refused with its line and reason, and
nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.compose import template_override
from app.core.messaging.contracts import TemplateOverride
from app.core.messaging.render import TemplateRenderer
from app.core.messaging.sandbox import TemplateProblem, validate_template
from app.core.tenancy import StoreScope
from app.db.models import AuditEntry, Store

COPY_PARTS = ("subject", "body")
#: A subject is one line; the renderer collapses whitespace, but a merchant should see that.
MAX_SUBJECT_LINES = 1


@dataclass(frozen=True)
class StepCopy:
    """The subject and body a step sends, and whether either is the merchant's own."""

    subject: str
    body: str
    customised: bool


class CopyRejected(ValueError):
    """The submitted copy has problems; `problems` maps "subject"/"body" to them."""

    def __init__(self, problems: dict[str, list[TemplateProblem]]) -> None:
        self.problems = problems
        parts = "; ".join(
            f"{part} line {problem.line}: {problem.message}"
            for part, found in problems.items()
            for problem in found
        )
        super().__init__(f"the email copy has problems: {parts}")


def normalise(text: str) -> str:
    """Copy as stored and compared: Unix line ends, no surrounding blank space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def copy_problems(subject: str, body: str) -> dict[str, list[TemplateProblem]]:
    """Every problem of a subject and body (each part's lines counted from 1); {} when fine."""
    problems: dict[str, list[TemplateProblem]] = {}
    subject, body = normalise(subject), normalise(body)
    if not subject:
        problems["subject"] = [TemplateProblem(1, "the subject cannot be empty")]
    elif subject.count("\n") >= MAX_SUBJECT_LINES:
        problems["subject"] = [TemplateProblem(2, "the subject must be a single line")]
    if not body:
        problems["body"] = [TemplateProblem(1, "the body cannot be empty")]
    for part, source in (("subject", subject), ("body", body)):
        if part not in problems:
            found = validate_template(source)
            if found:
                problems[part] = found
    return problems


def step_copy(renderer: TemplateRenderer, store: Store, recipe: str, step: int) -> StepCopy:
    """What step `step` of `recipe` sends for this store: its override over the default."""
    default = renderer.default_override(recipe, step)
    custom = template_override(store, recipe, step)
    subject = (custom.subject if custom else None) or default.subject or ""
    body = (custom.body if custom else None) or default.body or ""
    customised = custom is not None and bool(custom.subject or custom.body)
    return StepCopy(subject, body, customised)


def draft_override(subject: str, body: str) -> TemplateOverride:
    """Submitted (unsaved) copy as the renderer takes it."""
    return TemplateOverride(subject=normalise(subject), body=normalise(body))


def save_copy(
    scope: StoreScope,
    renderer: TemplateRenderer,
    recipe: str,
    step: int,
    *,
    subject: str,
    body: str,
) -> StepCopy:
    """Check and store a step's copy; CopyRejected (nothing stored) when a part has problems.

    The caller commits. The store row is locked first, so two saves of different steps at the
    same moment both survive.
    """
    problems = copy_problems(subject, body)
    if problems:
        raise CopyRejected(problems)
    default = renderer.default_override(recipe, step)
    chosen = {"subject": normalise(subject), "body": normalise(body)}
    differs = {
        part: text
        for part, text in chosen.items()
        if text != normalise(getattr(default, part) or "")
    }
    _write_override(scope, recipe, step, differs)
    return step_copy(renderer, scope.store, recipe, step)


def reset_copy(scope: StoreScope, recipe: str, step: int) -> None:
    """Forget a step's override: it sends the default copy again. The caller commits."""
    _write_override(scope, recipe, step, {})


def _write_override(scope: StoreScope, recipe: str, step: int, parts: dict[str, str]) -> None:
    session, store = scope.session, scope.store
    session.flush()
    session.refresh(store, with_for_update=True)
    settings: dict[str, Any] = dict(store.settings or {})
    templates = {key: dict(value) for key, value in (settings.get("templates") or {}).items()}
    steps = templates.setdefault(recipe, {})
    before = steps.get(str(step))
    if parts:
        steps[str(step)] = parts
    else:
        steps.pop(str(step), None)
    if not steps:
        templates.pop(recipe, None)
    settings["templates"] = templates
    store.settings = settings
    if before != steps.get(str(step)):
        action = "recipe.copy_saved" if parts else "recipe.copy_reset"
        session.add(
            AuditEntry(
                store_id=store.id,
                action=action,
                subject=f"recipe:{recipe}:step:{step}",
                detail={"parts": sorted(parts)},
            )
        )
    session.flush()
