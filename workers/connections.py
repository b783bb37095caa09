"""A store's connector, built from the process Runtime: the one place jobs and views get one.

Each platform has a factory here because connectors need more than decrypted credentials (the
Shopify connector refreshes expiring tokens through a vault that persists and locks them), and
the deployment facts (API version, sandbox origin) come from Settings.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.ports import StoreConnector
from app.db.models import Store
from app.runtime import Runtime
from connectors import UnknownPlatform
from connectors.shopify import connect_store as connect_shopify_store
from connectors.shopify.connector import ShopifyConnector
from workers.credentials import StoreCredentialVault

ConnectionFactory = Callable[[Runtime, Store], StoreConnector]


def shopify_connector(runtime: Runtime, store_id: int, domain: str) -> ShopifyConnector:
    """The Shopify connector of one store (close it when done)."""
    settings = runtime.settings
    if not (settings.shopify_api_key and settings.shopify_api_secret):
        raise RuntimeError("SHOPIFY_API_KEY and SHOPIFY_API_SECRET are not configured")
    return connect_shopify_store(
        domain,
        StoreCredentialVault(runtime.db, runtime.cipher, store_id),
        api_key=settings.shopify_api_key,
        api_secret=settings.shopify_api_secret,
        api_version=settings.shopify_api_version,
        admin_origin=settings.shopify_admin_origin,
    )


def _shopify(runtime: Runtime, store: Store) -> StoreConnector:
    return shopify_connector(runtime, store.id, store.domain)


def _woocommerce(_runtime: Runtime, store: Store) -> StoreConnector:
    # The Woo connector works on the store's stored keys (workers/woocommerce_state.py).
    from workers.woocommerce_state import connector_for

    return connector_for(store)


#: platform → factory. A new platform adds its line here.
CONNECTION_FACTORIES: dict[str, ConnectionFactory] = {
    "shopify": _shopify,
    "woocommerce": _woocommerce,
}


def store_connector(runtime: Runtime, store: Store) -> StoreConnector:
    """The connector of `store`, for its platform."""
    factory = CONNECTION_FACTORIES.get(store.platform)
    if factory is None:
        raise UnknownPlatform(f"no connector registered for platform {store.platform!r}")
    return factory(runtime, store)
