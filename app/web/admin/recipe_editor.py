"""The recipe editor: every setting of the recipe's schema, its emails, and its dry run.

One page per recipe. Settings are the engine's schema (app/core/settings_schema.py): each field
becomes an input, and `ConfigError`'s messages are shown next to their inputs. The emails part
and the dry run have their own modules (recipe_emails.py, recipe_dry_run.py); on a refused
submission they show this page again through `render_editor` with what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from app.core.configs import settings_of
from app.core.dry_runs import DEFAULT_DAYS, dry_run_summary, operation_name
from app.core.messaging.variables import TEMPLATE_VARIABLES
from app.core.progress import visible_progress
from app.core.recipe_copy import step_copy
from app.core.recipe_editing import current_settings, save_recipe_settings
from app.core.recipe_switch import recipe_configs
from app.core.recipes import get_recipe
from app.core.settings_schema import ConfigError, Field
from app.core.store_settings import load_store_settings, missing_for_sending
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp
from app.web.admin.email_services import email_renderer, template_steps
from app.web.admin.pages import NOTICES, redirect_to
from app.web.admin.recipe_catalog import RECIPES_BY_KEY
from app.web.admin.recipe_summaries import recipe_summary

#: Settings every recipe has, shown apart from the recipe's own timing.
AUDIENCE_FIELDS = ("holdout_percent", "priority", "consent_mode")
GROUPS = (
    ("timing", "When it sends", "What starts the recipe and when each email goes out."),
    ("discount", "Discount code", "A unique, single-use code Nudge creates in your store."),
    ("audience", "Audience", "Who receives it, and the holdout group that measures its effect."),
)
CHOICE_LABELS = {
    "marketing": "Customers who agreed to marketing email",
    "transactional": "Every shopper who left an email (cart reminders as service email)",
    "percentage": "Percentage off",
    "fixed_amount": "Fixed amount off",
    "free_shipping": "Free shipping",
}


@dataclass(frozen=True)
class EditorField:
    """One setting as the editor shows it."""

    name: str
    label: str
    kind: str
    value: str
    help: str
    error: str | None
    choices: tuple[tuple[str, str], ...] = ()


def known_recipe(recipe: str) -> str:
    """`recipe` if the admin offers it; 404 otherwise."""
    if recipe not in RECIPES_BY_KEY:
        abort(404, description="There is no such recipe.")
    return recipe


def form_value(value: Any) -> str:
    """A setting as an input shows it: lists as "1, 24, 72", booleans as "on"/""."""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def submitted_settings(recipe: str) -> dict[str, str]:
    """The recipe's fields as submitted (a checkbox sends "off" then "on": the last one wins)."""
    changes = {}
    for spec in get_recipe(recipe).schema.fields:
        values = request.form.getlist(spec.name)
        if values:
            changes[spec.name] = values[-1].strip()
    return changes


def field_help(spec: Field) -> str:
    """The bounds of a field in words."""
    if spec.kind == "int_list":
        return (
            f"Up to {spec.max_items} numbers from {spec.minimum} to {spec.maximum}, separated "
            "by commas, each larger than the one before. One email per number."
        )
    if spec.kind == "int" and spec.minimum is not None and spec.maximum is not None:
        return f"From {spec.minimum} to {spec.maximum}."
    if spec.name == "discount_value":
        return "A percentage from 1 to 100, or an amount in your store's currency."
    return ""


def editor_groups(
    recipe: str, values: dict[str, str], errors: dict[str, str]
) -> list[tuple[str, str, str, list[EditorField]]]:
    """(key, title, description, fields) for each group of the recipe's settings."""
    fields: dict[str, list[EditorField]] = {key: [] for key, _title, _text in GROUPS}
    for spec in get_recipe(recipe).schema.fields:
        group = "discount" if spec.name.startswith("discount_") else "timing"
        group = "audience" if spec.name in AUDIENCE_FIELDS else group
        choices = tuple((choice, CHOICE_LABELS.get(choice, choice)) for choice in spec.choices)
        fields[group].append(
            EditorField(
                spec.name,
                spec.label or spec.name.replace("_", " ").capitalize(),
                spec.kind,
                values.get(spec.name, ""),
                field_help(spec),
                errors.get(spec.name),
                choices,
            )
        )
    return [
        (key, title, text, sorted(fields[key], key=_field_order))
        for key, title, text in GROUPS
        if fields[key]
    ]


def _field_order(field: EditorField) -> int:
    # The switch that turns a group on comes first, then the other switches, then the values.
    if field.name == "discount_enabled":
        return 0
    return 1 if field.kind == "bool" else 2


def email_steps(
    recipe: str, settings: dict[str, Any], drafts: dict[int, dict[str, str]]
) -> list[dict[str, Any]]:
    """Each email of the series: its copy (a refused draft as typed) and whether it is custom."""
    renderer, store = email_renderer(), current_scope().store
    count = min(get_recipe(recipe).step_count(settings), template_steps(recipe))
    steps = []
    for step in range(count):
        saved = step_copy(renderer, store, recipe, step)
        draft = drafts.get(step, {})
        steps.append(
            {
                "step": step,
                "subject": draft.get("subject", saved.subject),
                "body": draft.get("body", saved.body),
                "test_to": draft.get("test_to", ""),
                "customised": saved.customised,
                "delay_hours": _delay(settings, step),
            }
        )
    return steps


def _delay(settings: dict[str, Any], step: int) -> int | None:
    delays = settings.get("step_delays_hours")
    return delays[step] if isinstance(delays, list) and step < len(delays) else None


def render_editor(
    recipe: str,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    drafts: dict[int, dict[str, str]] | None = None,
    refusal: str | None = None,
    notice: str | None = None,
) -> ResponseReturnValue:
    """The editor page; `values`/`errors`/`drafts` show a submission as typed (refused, or a
    test email of unsaved copy), `notice` one of NOTICES' keys."""
    scope = current_scope()
    settings = current_settings(scope, recipe)
    shown = {
        spec.name: form_value(settings[spec.name]) for spec in get_recipe(recipe).schema.fields
    }
    shown.update(values or {})
    page = render_template(
        "admin/recipe.html",
        recipe=RECIPES_BY_KEY[recipe],
        config=recipe_configs(scope).get(recipe),
        summary=recipe_summary(recipe, settings, scope.store.currency),
        groups=editor_groups(recipe, shown, errors or {}),
        errors=errors or {},
        steps=email_steps(recipe, settings, drafts or {}),
        missing=missing_for_sending(scope.store, load_store_settings(scope.store)),
        refusal=refusal,
        variables=TEMPLATE_VARIABLES,
        **dry_run_context(recipe),
        **({"notice": NOTICES[notice]} if notice else {}),
    )
    return page, status


def dry_run_context(recipe: str) -> dict[str, Any]:
    """The dry run card: the one running (its progress), the last one's summary and settings."""
    scope = current_scope()
    progress = [p for p in visible_progress(scope.store) if p.operation == operation_name(recipe)]
    summary = dry_run_summary(scope, recipe)
    settings = settings_of(recipe, summary.settings) if summary else None
    return {
        "dry_run": summary,
        "dry_run_settings": recipe_summary(recipe, settings, scope.store.currency)
        if settings
        else None,
        "dry_run_progress": progress[0] if progress else None,
        "dry_run_days": DEFAULT_DAYS,
    }


@bp.get("/recipes/<recipe>/settings")
@bp.get("/recipes/<recipe>/dry-run")
@bp.get("/recipes/<recipe>/emails/<int:step>")
@bp.get("/recipes/<recipe>/emails/<int:step>/test")
def back_to_editor(recipe: str, step: int | None = None) -> ResponseReturnValue:
    """The editor, for a browser that reloads or bookmarks the address a form was posted to."""
    return redirect_to("admin.recipe_editor", recipe=known_recipe(recipe))


@bp.get("/recipes/<recipe>")
def recipe_editor(recipe: str) -> ResponseReturnValue:
    """One recipe's settings, emails and dry run."""
    return render_editor(known_recipe(recipe))


@bp.post("/recipes/<recipe>/settings")
def save_recipe(recipe: str) -> ResponseReturnValue:
    """Validate and save the recipe's settings; on errors show them by their inputs."""
    known_recipe(recipe)
    scope = current_scope()
    changes = submitted_settings(recipe)
    try:
        save_recipe_settings(scope, recipe, changes, template_steps=template_steps(recipe))
    except ConfigError as error:
        scope.session.rollback()
        return render_editor(recipe, status=422, values=changes, errors=error.errors)
    scope.session.commit()
    return redirect_to("admin.recipe_editor", recipe=recipe, notice="recipe_saved")
