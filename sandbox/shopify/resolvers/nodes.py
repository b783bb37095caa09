"""QueryRoot.node(id) and nodes(ids): any supported object by global id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from sandbox.shopify.ids import GID_PREFIX
from sandbox.shopify.resolvers import catalog, customers, orders, web_pixels, webhook_subscriptions
from sandbox.shopify.resolvers.context import Context, ctx
from sandbox.shopify.resolvers.discount_views import code_node, discount_node
from sandbox.shopify.resolvers.redeem_codes import creation_node

Record = dict[str, Any]


def _variant(context: Context, number: int) -> Record | None:
    found = catalog.find_variant(context, number)
    return catalog.variant_node(context, *found) if found else None


def _lookup(table: str, view: Callable[[Context, Record], Record]) -> Callable[[Context, int], Any]:
    def find(context: Context, number: int) -> Record | None:
        record = getattr(context.shop, table).get(number)
        return view(context, record) if record else None

    return find


FINDERS: dict[str, Callable[[Context, int], Any]] = {
    "Customer": _lookup("customers", customers.customer_node),
    "Product": _lookup("products", catalog.product_node),
    "ProductVariant": _variant,
    "Collection": _lookup("collections", catalog.collection_node),
    "Order": _lookup("orders", orders.order_node),
    "AbandonedCheckout": _lookup("checkouts", orders.checkout_node),
    "WebhookSubscription": _lookup("subscriptions", webhook_subscriptions.subscription_node),
    "DiscountCodeNode": _lookup("discounts", code_node),
    "DiscountNode": _lookup("discounts", discount_node),
    "DiscountRedeemCodeBulkCreation": _lookup("bulk_creations", creation_node),
    "WebPixel": web_pixels.node,
}


def find_node(context: Context, value: str) -> Record | None:
    """The object behind a gid, or None when there is none."""
    if not value.startswith(GID_PREFIX):
        raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "INVALID_ID"})
    type_name, _, tail = value[len(GID_PREFIX) :].partition("/")
    number = tail.split("?", 1)[0]
    finder = FINDERS.get(type_name)
    if finder is None or not number.isdigit():
        return None
    result: Record | None = finder(context, int(number))
    return result


QUERY = {
    "node": lambda info, id: find_node(ctx(info), id),  # noqa: A006
    "nodes": lambda info, ids: [find_node(ctx(info), value) for value in ids],
}
