"""The storefront snippet (`woo.js`) with its per-page-load configuration filled in."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

_PLACEHOLDER = "/*NUDGE_CONFIG*/null"


@cache
def _source() -> str:
    return resources.files("connectors.woocommerce").joinpath("woo.js").read_text("utf-8")


def snippet(*, endpoint: str, store_key: str, token: str, store_path: str) -> str:
    """woo.js configured for one store and page load: where to report (`endpoint`), the store's
    public key, the page-load token, and the store's path (a WordPress in a subdirectory)."""
    config = {"endpoint": endpoint, "key": store_key, "token": token, "storePath": store_path}
    # `<` escaped so the configuration can never close a surrounding <script> element.
    literal = json.dumps(config, separators=(",", ":")).replace("<", "\\u003c")
    return _source().replace(_PLACEHOLDER, literal)


def script_tag(app_url: str, store_key: str) -> str:
    """The single tag a merchant adds to the store's pages (shown on the admin page)."""
    return f'<script src="{app_url}/t/woo.js?k={store_key}" async></script>'
