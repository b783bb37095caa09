"""Saving a recipe's settings from the admin's editor: validated, versioned, audited.

`configs.save_config` does the work (validation by the recipe's schema, a version bump when
something changed; enrollments keep the settings they started with, so nothing is re-sent). On
top of it the editor refuses a series longer than the email templates Nudge has for the recipe
(a step without a template could not be rendered), and records who changed what in the audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.configs import save_config, settings_of, store_configs
from app.core.recipes import get_recipe
from app.core.settings_schema import ConfigError
from app.core.tenancy import StoreScope
from app.db.models import AuditEntry, RecipeConfig


def current_settings(scope: StoreScope, recipe: str) -> dict[str, Any]:
    """The recipe's validated settings for the store (the defaults when never saved)."""
    config = store_configs(scope.session, scope.store).get(recipe)
    return dict(config.settings) if config else settings_of(recipe, None)


def validate_settings(
    scope: StoreScope, recipe: str, changes: Mapping[str, Any], *, template_steps: int
) -> dict[str, Any]:
    """The complete settings `changes` would give, or ConfigError (field → message)."""
    schema = get_recipe(recipe).schema
    merged = schema.validate(changes, base=current_settings(scope, recipe))
    steps = get_recipe(recipe).step_count(merged)
    if steps > template_steps:
        field = next((item.name for item in schema.fields if item.kind == "int_list"), "steps")
        message = f"Nudge has emails for {template_steps} steps: use at most {template_steps}"
        raise ConfigError({field: message})
    return merged


def save_recipe_settings(
    scope: StoreScope, recipe: str, changes: Mapping[str, Any], *, template_steps: int
) -> RecipeConfig:
    """Validate and save; ConfigError changes nothing. The caller commits."""
    validate_settings(scope, recipe, changes, template_steps=template_steps)
    existing = store_configs(scope.session, scope.store).get(recipe)
    before = existing.row.version if existing else None
    row = save_config(scope.session, scope.store, recipe, changes)
    if before != row.version:
        scope.session.add(
            AuditEntry(
                store_id=scope.store_id,
                action="recipe.settings_saved",
                subject=f"recipe:{recipe}",
                detail={"version": row.version, "fields": sorted(changes)},
            )
        )
        scope.session.flush()
    return row
