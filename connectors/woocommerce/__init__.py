"""WooCommerce: REST v3 through the `woocommerce` package (wrapped), webhooks, storefront snippet.

`connect_store(store_url, credentials, timeout=..., webhook_url=...)` builds the StoreConnector
(`connector_from_credentials(credentials, **options)` is the same in the registry's shape);
`mapping.map_event` turns stored deliveries into neutral store events.
"""

from connectors.woocommerce.connector import (
    WooCommerceConnector,
    connect_store,
    connector_from_credentials,
)

__all__ = ["WooCommerceConnector", "connect_store", "connector_from_credentials"]
