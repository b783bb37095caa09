"""The app's web pixel: `webPixel` (query), `webPixelCreate`, `webPixelUpdate`.

One pixel per app and shop. Its settings are validated against the app's extension definition
(`pixel_settings`); a refusal is an ErrorsWebPixelUserError with Shopify's codes
(INVALID_CONFIGURATION_JSON, INVALID_SETTINGS, TAKEN, NOT_FOUND, NO_EXTENSION). Asked without an
id while the app has no pixel, Shopify answers a top-level error "No web pixel was found for this
app." (what apps observe and test for, e.g. Shopify community threads on activating pixels) and
a null `webPixel`.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.ids import gid, require_gid
from sandbox.shopify.pixel_settings import (
    SettingField,
    SettingsDefinitionError,
    SettingsRejected,
    load_definition,
    validate,
)
from sandbox.shopify.resolvers.context import Context, ctx

Record = dict[str, Any]
SETTINGS_FIELD = ["webPixel", "settings"]
NO_PIXEL = "No web pixel was found for this app."


def _error(field: list[str] | None, message: str, code: str) -> Record:
    return {"field": field, "message": message, "code": code}


def pixel_node(pixel: Record) -> Record:
    """WebPixel."""
    return {
        "__typename": "WebPixel",
        "id": gid("WebPixel", pixel["id"]),
        "settings": pixel["settings"],
    }


def _definition(context: Context) -> dict[str, SettingField] | None:
    path = context.sandbox.config.web_pixel_extension
    if path is None:
        return None
    try:
        return load_definition(path)
    except SettingsDefinitionError as error:
        raise GraphQLError(str(error), extensions={"code": "SANDBOX_NOT_IMPLEMENTED"}) from error


def _checked_settings(context: Context, web_pixel: Record) -> tuple[str | None, Record | None]:
    """(the settings to store, None) or (None, the userError refusing them)."""
    definition = _definition(context)
    if definition is None:
        return None, _error(None, "No extension found.", "NO_EXTENSION")
    try:
        validate(definition, web_pixel.get("settings"))
    except SettingsRejected as refused:
        return None, _error(SETTINGS_FIELD, str(refused), refused.code)
    return str(web_pixel["settings"]), None


def create(info: GraphQLResolveInfo, webPixel: Record) -> Record:  # noqa: N803
    """Mutation.webPixelCreate(webPixel): activate the app's pixel on the shop."""
    context = ctx(info)
    settings, problem = _checked_settings(context, webPixel)
    if problem is None and context.shop.web_pixel is not None:
        problem = _error(None, "A web pixel already exists for this app.", "TAKEN")
    if problem is not None or settings is None:
        return {"webPixel": None, "userErrors": [problem]}
    now = context.now()
    pixel = {"id": context.sandbox.ids.next(), "settings": settings}
    context.shop.web_pixel = pixel | {"created_at": now, "updated_at": now}
    return {"webPixel": pixel_node(pixel), "userErrors": []}


def update(info: GraphQLResolveInfo, id: str, webPixel: Record) -> Record:  # noqa: A002, N803
    """Mutation.webPixelUpdate(id, webPixel): replace the pixel's settings."""
    context = ctx(info)
    pixel = context.shop.web_pixel
    if pixel is None or require_gid(id, "WebPixel") != pixel["id"]:
        return {
            "webPixel": None,
            "userErrors": [_error(["id"], "Web pixel not found.", "NOT_FOUND")],
        }
    settings, problem = _checked_settings(context, webPixel)
    if problem is not None or settings is None:
        return {"webPixel": None, "userErrors": [problem]}
    pixel |= {"settings": settings, "updated_at": context.now()}
    return {"webPixel": pixel_node(pixel), "userErrors": []}


def find(info: GraphQLResolveInfo, id: str | None = None) -> Record | None:  # noqa: A002
    """QueryRoot.webPixel(id): the app's pixel (by id, or the only one when no id is given)."""
    pixel = ctx(info).shop.web_pixel
    if pixel is None or (id is not None and require_gid(id, "WebPixel") != pixel["id"]):
        raise GraphQLError(NO_PIXEL)
    return pixel_node(pixel)


def node(context: Context, number: int) -> Record | None:
    """The pixel behind a WebPixel gid, for QueryRoot.node."""
    pixel = context.shop.web_pixel
    return pixel_node(pixel) if pixel is not None and pixel["id"] == number else None


QUERY = {"webPixel": find}
MUTATION = {"webPixelCreate": create, "webPixelUpdate": update}
