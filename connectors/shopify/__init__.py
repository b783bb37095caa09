"""The Shopify connector: GraphQL Admin API only, pinned to SHOPIFY_API_VERSION.

`connect_store(...)` builds a `ShopifyConnector` (the StoreConnector port) for one installed
shop from its credential vault. With `admin_origin` set (SHOPIFY_ADMIN_ORIGIN), every call goes
to that sandbox instead of `https://<shop>` (connectors/shopify/transport.py); nothing else
changes. `mapping.map_event` is the connector's entry in `connectors.EVENT_MAPPERS`.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from app.core.ports import CredentialVault
    from connectors.shopify.connector import ShopifyConnector
    from connectors.shopify.throttle import Sleep

#: Shopify's fix for "Shop domain validation regex is not anchored" (app-security checks).
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")

#: Access scopes (also declared in shopify.app.toml; a test keeps the two equal).
SCOPES = (
    "read_customers",
    "write_customers",
    "read_products",
    "read_orders",
    "read_discounts",
    "write_discounts",
    "write_pixels",
    "read_customer_events",
)


def normalize_shop_domain(value: str | None) -> str | None:
    """A valid `<name>.myshopify.com` domain (lower-cased), or None for anything else."""
    if not value:
        return None
    domain = value.strip().lower()
    return domain if SHOP_DOMAIN.match(domain) else None


def connect_store(
    domain: str,
    vault: CredentialVault,
    *,
    api_key: str,
    api_secret: str,
    api_version: str,
    admin_origin: str | None = None,
    http_client: httpx.Client | None = None,
    sleep: Sleep = time.sleep,
) -> ShopifyConnector:
    """A connector for one shop. `http_client` (tests) replaces the default client."""
    from shopify_app import ShopifyApp

    from connectors.shopify.admin_api import AdminApi
    from connectors.shopify.connector import ShopifyConnector
    from connectors.shopify.discounts import DiscountWriter
    from connectors.shopify.tokens import TokenManager, refresh_offline_token
    from connectors.shopify.transport import build_http_client

    shop = normalize_shop_domain(domain)
    if shop is None:
        raise ValueError(f"not a myshopify.com shop domain: {domain!r}")
    client = http_client or build_http_client(admin_origin)
    app = ShopifyApp(client_id=api_key, client_secret=api_secret)
    tokens = TokenManager(vault, lambda token: refresh_offline_token(app, shop, token, client))
    api = AdminApi(app, shop, api_version, tokens, client, sleep=sleep)
    return ShopifyConnector(
        api,
        discounts=DiscountWriter(api, sleep=sleep),
        on_close=None if http_client else client.close,
    )
