"""The recipes every install gets, by name. A new recipe = one module + one line here."""

from __future__ import annotations

from typing import Any

from app.core.recipes import abandoned_cart, birthday, cross_sell, product_interest
from app.core.recipes.base import Recipe

#: Recipe name → recipe. Names are stored in RecipeConfig.recipe and Enrollment.recipe.
REGISTRY: dict[str, Recipe[Any]] = {
    abandoned_cart.RECIPE.name: abandoned_cart.RECIPE,
    product_interest.RECIPE.name: product_interest.RECIPE,
    cross_sell.RECIPE.name: cross_sell.RECIPE,
    birthday.RECIPE.name: birthday.RECIPE,
}


class UnknownRecipe(LookupError):
    """No recipe is registered under this name."""


def get_recipe(name: str) -> Recipe[Any]:
    """The recipe registered as `name`."""
    recipe = REGISTRY.get(name)
    if recipe is None:
        raise UnknownRecipe(f"unknown recipe {name!r} (known: {', '.join(sorted(REGISTRY))})")
    return recipe
