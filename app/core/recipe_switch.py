"""Turning a store's recipes on and off."""

from __future__ import annotations

from app.core.store_settings import load_store_settings, missing_for_sending
from app.core.tenancy import StoreScope
from app.db.models import AuditEntry, RecipeConfig


class SendingNotReady(ValueError):
    """A recipe cannot be turned on yet: the store lacks what every marketing email must carry."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = list(missing)
        super().__init__(
            f"Add your {' and '.join(self.missing)} in Settings before turning on a recipe: "
            "anti-spam laws (CAN-SPAM, GDPR) require a sender and your store's postal address "
            "in every marketing email."
        )


def recipe_configs(scope: StoreScope) -> dict[str, RecipeConfig]:
    """The store's recipe configurations, keyed by recipe."""
    return {config.recipe: config for config in scope.all(scope.select(RecipeConfig))}


def set_recipe_enabled(scope: StoreScope, recipe: str, enabled: bool) -> RecipeConfig:
    """Turn one recipe on or off, creating its configuration (engine defaults) when missing.

    Only the switch changes: the settings and their version stay as they are, so enrollments
    already under way keep the configuration they started with. Turning a recipe on while
    `missing_for_sending` lists something raises SendingNotReady and changes nothing; turning
    one off is always allowed. The caller validates `recipe` against the recipes it offers and
    commits.
    """
    if enabled:
        missing = missing_for_sending(scope.store, load_store_settings(scope.store))
        if missing:
            raise SendingNotReady(missing)
    config = recipe_configs(scope).get(recipe)
    if config is None:
        config = RecipeConfig(store_id=scope.store_id, recipe=recipe, settings={}, version=1)
        scope.session.add(config)
    if config.enabled != enabled:
        config.enabled = enabled
        scope.session.add(
            AuditEntry(
                store_id=scope.store_id,
                action="recipe.enabled" if enabled else "recipe.disabled",
                subject=f"recipe:{recipe}",
            )
        )
    scope.session.flush()
    return config
