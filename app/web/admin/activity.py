"""Activity: the searchable log of emails, and the steps still scheduled with why they wait."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.core.activity import MessageFilter, scheduled_steps, search_messages
from app.core.paging import Cursor, Page
from app.db.models.messaging import MESSAGE_STATUSES
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp
from app.web.admin.recipe_catalog import RECIPES_BY_KEY

VIEWS = ("emails", "scheduled")
MAX_QUERY = 200


def cursor_arg() -> Cursor | None:
    """The page cursor of the request; a malformed one means the first page."""
    text = request.args.get("cursor", "")
    if not text:
        return None
    try:
        return Cursor.parse(text)
    except ValueError:
        return None


def choice_arg(name: str, choices: object) -> str:
    """A filter value if it is one of `choices`, else "" (no filter)."""
    value = request.args.get(name, "")
    return value if value in choices else ""  # type: ignore[operator]


@bp.get("/activity")
def activity() -> ResponseReturnValue:
    """The email log (`view=emails`) or the scheduled steps (`view=scheduled`)."""
    scope = current_scope()
    view = request.args.get("view") if request.args.get("view") in VIEWS else "emails"
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    recipe = choice_arg("recipe", RECIPES_BY_KEY)
    status = choice_arg("status", MESSAGE_STATUSES)
    cursor = cursor_arg()
    page: Page[Any]
    if view == "scheduled":
        page = scheduled_steps(scope, query=query, recipe=recipe, cursor=cursor)
    else:
        page = search_messages(scope, MessageFilter(query, recipe, status), cursor)
    return render_template(
        "admin/activity.html",
        view=view,
        page=page,
        query=query,
        recipe=recipe,
        status=status,
        statuses=MESSAGE_STATUSES,
        filters={"view": view, "q": query, "recipe": recipe, "status": status},
    )
