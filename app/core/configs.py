"""A store's recipe configurations: validated on save, versioned, snapshotted by enrollments.

Changing a configuration never re-sends to people already served: every enrollment keeps the
settings it started with (a snapshot in its context, with the config version), and the
idempotency keys stop a second message or code for a step that already happened. Only
`enabled` is read live, so switching a recipe off stops its pending steps at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.recipes import REGISTRY, get_recipe
from app.core.settings_schema import ConfigError
from app.db.models import Enrollment, RecipeConfig, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActiveConfig:
    """A recipe's stored configuration and its validated settings."""

    row: RecipeConfig
    settings: dict[str, Any]


def settings_of(recipe_name: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated settings from stored JSON; a value that no longer validates falls back to its
    default (logged), so an old row never stops a recipe."""
    schema = get_recipe(recipe_name).schema
    try:
        return schema.validate(stored or {})
    except ConfigError as error:
        log.warning("stored %s settings invalid (%s); using defaults there", recipe_name, error)
        valid = {key: value for key, value in (stored or {}).items() if key not in error.errors}
        return schema.validate(valid)


def store_configs(session: Session, store: Store) -> dict[str, ActiveConfig]:
    """Every configured recipe of the store, by name (enabled or not)."""
    rows = session.execute(select(RecipeConfig).where(RecipeConfig.store_id == store.id)).scalars()
    return {
        row.recipe: ActiveConfig(row, settings_of(row.recipe, row.settings))
        for row in rows
        if row.recipe in REGISTRY
    }


def enabled_configs(session: Session, store: Store) -> dict[str, ActiveConfig]:
    """The store's enabled recipes."""
    return {name: cfg for name, cfg in store_configs(session, store).items() if cfg.row.enabled}


def priorities(configs: Mapping[str, ActiveConfig]) -> dict[str, int]:
    """Recipe → priority among the enabled marketing recipes (1 goes first)."""
    return {
        name: cfg.settings["priority"]
        for name, cfg in configs.items()
        if cfg.row.enabled and get_recipe(name).category(cfg.settings) == "marketing"
    }


def save_config(
    session: Session,
    store: Store,
    recipe_name: str,
    changes: Mapping[str, Any],
    *,
    enabled: bool | None = None,
) -> RecipeConfig:
    """Validate and store a recipe's settings; bumps the version when anything changed.

    Raises ConfigError (field → message) and changes nothing when a value is invalid, and
    UnknownRecipe for a name no recipe has. The caller commits.
    """
    recipe = get_recipe(recipe_name)
    row = session.execute(
        select(RecipeConfig).where(
            RecipeConfig.store_id == store.id, RecipeConfig.recipe == recipe_name
        )
    ).scalar_one_or_none()
    current = settings_of(recipe_name, row.settings if row else None)
    merged = recipe.schema.validate(changes, base=current)
    stored = recipe.schema.to_json(merged)
    if row is None:
        row = RecipeConfig(store_id=store.id, recipe=recipe_name, settings=stored, version=1)
        row.enabled = bool(enabled)
        session.add(row)
        session.flush()
        return row
    changed = stored != recipe.schema.to_json(current) or (
        enabled is not None and enabled != row.enabled
    )
    if changed:
        row.settings = stored
        row.version += 1
        if enabled is not None:
            row.enabled = enabled
        session.flush()
    return row


def settings_snapshot(recipe_name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as kept in an enrollment's context."""
    return get_recipe(recipe_name).schema.to_json(settings)


def enrollment_settings(enrollment: Enrollment, config: ActiveConfig | None) -> dict[str, Any]:
    """The settings an enrollment runs with: its own snapshot, else the current config's."""
    snapshot = enrollment.context.get("settings")
    if snapshot is not None:
        return settings_of(enrollment.recipe, snapshot)
    return dict(config.settings) if config else settings_of(enrollment.recipe, None)
