"""The REST index (`/wp-json/`), the `wc/v3` namespace index and `/wc/v3/system_status`
(what an app calls to check fresh keys)."""

from __future__ import annotations

import re
from datetime import datetime

from sandbox.woocommerce.config import WC_VERSION, WP_VERSION
from sandbox.woocommerce.money import currency_symbol
from sandbox.woocommerce.rest import WC_V3, Call, Reply
from sandbox.woocommerce.state import Record, Store

NAMESPACES = ["oembed/1.0", "wc/v3", "wc/store/v1", "wc-auth/v1", "wp/v2"]


def site_index(store: Store) -> Record:
    """`GET /wp-json/`: the site and the namespaces it serves."""
    offset = datetime.now(store.settings.zone).utcoffset()
    hours = offset.total_seconds() / 3600 if offset else 0
    return {
        "name": store.settings.name,
        "description": "",
        "url": store.home_url,
        "home": store.home_url,
        "gmt_offset": int(hours) if hours == int(hours) else hours,
        "timezone_string": store.settings.timezone,
        "namespaces": NAMESPACES,
        "authentication": [],
        "routes": {},
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


@WC_V3.route("", ["GET"], action=None)
def namespace_index(call: Call) -> Reply:
    """`GET /wp-json/wc/v3`: the namespace's routes (public, like WordPress)."""
    routes = {
        "/wc/v3" + re.sub(r"<(\w+)>", r"(?P<\1>[\\d]+)", route.template): {
            "namespace": "wc/v3",
            "methods": list(route.methods),
        }
        for route in WC_V3.routes
    }
    return Reply({"namespace": "wc/v3", "routes": routes})


@WC_V3.route("/system_status", ["GET"], action="view")
def system_status(call: Call) -> Reply:
    """`GET /wc/v3/system_status` (the parts an app reads)."""
    return Reply(
        {
            "environment": _environment(call.store),
            "database": {"wc_database_version": WC_VERSION},
            "active_plugins": [
                {
                    "plugin": "woocommerce/woocommerce.php",
                    "name": "WooCommerce",
                    "version": WC_VERSION,
                }
            ],
            "theme": {"name": "Twenty Twenty-Five", "is_block_theme": True},
            "settings": _settings(call.store),
            "security": {"secure_connection": call.store.settings.https, "hide_errors": True},
            "pages": [],
        }
    )


def _environment(store: Store) -> Record:
    return {
        "home_url": store.home_url,
        "site_url": store.home_url,
        "version": WC_VERSION,
        "wp_version": WP_VERSION,
        "wp_multisite": False,
        "language": "en_US",
        "external_object_cache": None,
        "default_timezone": "UTC",
    }


def _settings(store: Store) -> Record:
    return {
        "api_enabled": True,
        "force_ssl": False,
        "currency": store.settings.currency,
        "currency_symbol": currency_symbol(store.settings.currency),
        "currency_position": "left",
        "thousand_separator": ",",
        "decimal_separator": ".",
        "number_of_decimals": 2,
        "geolocation_enabled": False,
        "taxonomies": {
            "external": "external",
            "grouped": "grouped",
            "simple": "simple",
            "variable": "variable",
        },
        "woocommerce_com_connected": "no",
    }
