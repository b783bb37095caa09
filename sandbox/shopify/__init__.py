"""Sandbox Shopify: a local stand-in for Shopify that speaks its wire protocols.

One process hosts many shops for one app (client id + secret): OAuth (authorization code, token
exchange, expiring offline tokens with rotating refresh tokens), session (ID) tokens, the Admin
GraphQL API executed against the real 2026-07 schema with cost-based throttling, webhook delivery
with Shopify's headers, HMACs and retries, and a control API for tests, the demo and the shopper
simulator. It never imports app/, connectors/ or workers/. See README.md next to this file.
"""

from sandbox.shopify.app import create_app
from sandbox.shopify.config import AppSubscription, SandboxConfig

__all__ = ["AppSubscription", "SandboxConfig", "create_app"]
