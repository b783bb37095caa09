"""Sandbox WooCommerce: many stores in one process, speaking WooCommerce's wire protocols.

URL scheme (path-prefixed; a store's URL is `http://HOST:PORT/<store>`, which is what the
`woocommerce` package and the Nudge connector are given):

- `/<store>/wp-json/wc/v3/...`        REST API v3 (OAuth 1.0a over http; Basic/query keys when the
                                        store's `https` setting is on)
- `/<store>/wp-json/wc/store/v1/...`  Store API (cart, checkout; Cart-Token / Nonce)
- `/<store>/wp-json/`                 REST index
- `/<store>/wc-auth/v1/authorize`     app authorization (keys POSTed to the app's callback_url)
- `/<store>/`, `/<store>/product/<slug>/`, `/<store>/cart/`, `/<store>/checkout/`,
  `/<store>/checkout-link/?products=ID:QTY,...&coupon=CODE`   storefront pages
- `/_sandbox/...`                     control API for tests, the demo and the shopper simulator

See `sandbox/woocommerce/README.md` for the control API.
"""

from sandbox.woocommerce.app import create_app
from sandbox.woocommerce.config import StoreSettings, WooSandboxConfig

__all__ = ["StoreSettings", "WooSandboxConfig", "create_app"]
