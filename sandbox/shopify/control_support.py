"""The control API's route decorator: resolve the shop, hold the lock, map errors to JSON.

InputError → 400 `{"error": "<field> ..."}` (nothing changed); LookupError → 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import request

from sandbox.shopify.records import InputError
from sandbox.shopify.request_context import current_sandbox, json_error
from sandbox.shopify.resolvers.redeem_codes import settle
from sandbox.shopify.state import normalize_shop_domain


def json_body() -> dict[str, Any]:
    """The request's JSON object (an empty body is {}); InputError otherwise."""
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    return body


def shop_route(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap `view(sandbox, shop, **kwargs)` for routes with a `<shop_name>` part."""

    @functools.wraps(view)
    def wrapper(shop_name: str, **kwargs: Any) -> Any:
        sandbox = current_sandbox()
        domain = normalize_shop_domain(shop_name)
        with sandbox.lock:
            shop = sandbox.shop(domain) if domain else None
            if shop is None:
                return json_error(404, f"shop {shop_name!r} not found")
            settle(sandbox, shop)  # due redeem-code jobs finish before anyone looks
            try:
                return view(sandbox, shop, **kwargs)
            except InputError as error:
                return json_error(400, str(error))
            except LookupError as error:
                return json_error(404, str(error).strip("'\""))

    return wrapper


def guarded(view: Callable[..., Any]) -> Callable[..., Any]:
    """Map InputError/ValueError to 400 for routes without a shop."""

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return view(**kwargs)
        except (InputError, ValueError) as error:
            return json_error(400, str(error))

    return wrapper
