"""The four recipes as the admin presents them: key, name and chart colour.

What each one does for this store, in one line, comes from its settings
(`recipe_summaries.recipe_summary`), so the card says what the recipe will really do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecipeInfo:
    """How one recipe is shown."""

    key: str
    title: str
    colour: str


RECIPES: tuple[RecipeInfo, ...] = (
    RecipeInfo("abandoned_cart", "Abandoned cart", "#5c6ac4"),
    RecipeInfo("product_interest", "Product interest", "#2ba6a0"),
    RecipeInfo("cross_sell", "Cross-sell", "#e8833a"),
    RecipeInfo("birthday", "Birthday", "#c4588e"),
)
RECIPES_BY_KEY = {recipe.key: recipe for recipe in RECIPES}


def recipe_title(key: str | None) -> str:
    """The recipe's display name ("Abandoned cart"), or the key itself for an unknown one."""
    if key is None:
        return "Test email"
    info = RECIPES_BY_KEY.get(key)
    return info.title if info else key.replace("_", " ").capitalize()
