"""Root fields the sandbox implements, by area. A root field missing here answers
SANDBOX_NOT_IMPLEMENTED (see schema.resolve_field)."""

from __future__ import annotations

from typing import Any

from sandbox.shopify.resolvers import (
    catalog,
    customers,
    discounts,
    nodes,
    orders,
    redeem_codes,
    shop,
    web_pixels,
    webhook_subscriptions,
)

QUERY_ROOT: dict[str, Any] = {
    **shop.QUERY,
    **customers.QUERY,
    **catalog.QUERY,
    **orders.QUERY,
    **webhook_subscriptions.QUERY,
    **discounts.QUERY,
    **redeem_codes.QUERY,
    **nodes.QUERY,
    **web_pixels.QUERY,
}
MUTATION_ROOT: dict[str, Any] = {
    **customers.MUTATION,
    **webhook_subscriptions.MUTATION,
    **discounts.MUTATION,
    **redeem_codes.MUTATION,
    **web_pixels.MUTATION,
}
