"""Recipes: the four recipes as cards, with their switch, summary and last 30 days' results."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from app.core.configs import settings_of, store_configs
from app.core.recipe_switch import SendingNotReady, recipe_configs, set_recipe_enabled
from app.core.reporting import Period, recipe_results
from app.core.store_settings import effective_timezone
from app.db.base import utcnow
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp
from app.web.admin.pages import redirect_to
from app.web.admin.recipe_catalog import RECIPES, RECIPES_BY_KEY
from app.web.admin.recipe_editor import render_editor
from app.web.admin.recipe_summaries import recipe_summary

RESULTS_DAYS = 30


def render_cards(refusal: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The recipe cards, with a refusal banner when a switch was refused."""
    scope = current_scope()
    period = Period.last_days(RESULTS_DAYS, effective_timezone(scope.store), utcnow())
    configs = store_configs(scope.session, scope.store)
    summaries = {
        info.key: recipe_summary(
            info.key,
            configs[info.key].settings if info.key in configs else settings_of(info.key, None),
            scope.store.currency,
        )
        for info in RECIPES
    }
    page = render_template(
        "admin/recipes.html",
        configs=recipe_configs(scope),
        summaries=summaries,
        results=recipe_results(scope, period),
        results_days=RESULTS_DAYS,
        refusal=refusal,
    )
    return page, status


@bp.get("/recipes")
def recipes() -> ResponseReturnValue:
    """The recipe cards."""
    return render_cards()


@bp.post("/recipes/<recipe>/enabled")
def set_recipe_switch(recipe: str) -> ResponseReturnValue:
    """Turn a recipe on (`enabled=on`) or off (`enabled=off`); `return_to=editor` comes back
    to the recipe's editor instead of the cards."""
    if recipe not in RECIPES_BY_KEY:
        abort(404, description="There is no such recipe.")
    choice = request.form.get("enabled")
    if choice not in ("on", "off"):
        abort(400, description="Say whether to turn the recipe on or off.")
    to_editor = request.form.get("return_to") == "editor"
    scope = current_scope()
    try:
        set_recipe_enabled(scope, recipe, choice == "on")
    except SendingNotReady as refused:  # nothing was written
        if to_editor:
            return render_editor(recipe, status=409, refusal=str(refused))
        return render_cards(refusal=str(refused), status=409)
    scope.session.commit()
    if to_editor:
        return redirect_to("admin.recipe_editor", recipe=recipe, notice=f"recipe_{choice}")
    return redirect_to("admin.recipes", notice=f"recipe_{choice}", _anchor=recipe)
