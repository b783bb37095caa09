"""Which shop a request is for. One sandbox process serves every shop on one port.

Real Shopify serves each shop on its own host (https://my-shop.myshopify.com/admin/...). The
sandbox accepts, in this order:

1. a path prefix: `/shops/my-shop.myshopify.com/admin/...` (browsers, curl, any client);
2. the `Host` header, when it is a `*.myshopify.com` name (an httpx transport that only rewrites
   the URL's scheme/host/port to the sandbox keeps the original Host header);
3. the `X-Shopify-Shop-Domain` request header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import request

from sandbox.shopify.state import normalize_shop_domain

PREFIX = "/shops/"
ENVIRON_KEY = "sandbox.shop_domain"


class ShopPrefixMiddleware:
    """WSGI middleware: move `/shops/<domain>` from PATH_INFO to SCRIPT_NAME, remember the shop."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX):
            domain, _, rest = path[len(PREFIX) :].partition("/")
            environ[ENVIRON_KEY] = domain
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX + domain
            environ["PATH_INFO"] = "/" + rest
        return self.app(environ, start_response)


def requested_shop_domain() -> str | None:
    """The shop domain of the current request (prefix, then Host, then header); None if none."""
    host = request.host.split(":", 1)[0]
    candidates = (
        request.environ.get(ENVIRON_KEY),
        host if host.endswith(".myshopify.com") else None,
        request.headers.get("X-Shopify-Shop-Domain"),
    )
    for candidate in candidates:
        if candidate:
            return normalize_shop_domain(candidate)
    return None
