"""Paged reads of a shop's data for the backfill: customers, products, orders, open checkouts.

GraphQL cursor pagination (https://shopify.dev/docs/api/usage/pagination-graphql): each page
returns `pageInfo.endCursor`, which the caller stores (Store.sync_state) to resume after a crash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.core.values import CartData, CustomerData, OrderData, Page, ProductData, ShopData
from connectors.shopify import documents
from connectors.shopify.admin_api import AdminApi
from connectors.shopify.mapping import admin
from connectors.shopify.mapping.fields import Json, nodes

#: Page sizes: see the requested costs in connectors/shopify/documents.py.
CUSTOMERS_PAGE = 100
PRODUCTS_PAGE = 20
ORDERS_PAGE = 15
CHECKOUTS_PAGE = 12


def _since_filter(field: str, since: datetime | None) -> str | None:
    if since is None:
        return None
    moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{field}:>='{moment}'"


def _connection(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def fetch_shop(api: AdminApi) -> ShopData:
    """The shop's profile."""
    return admin.shop(api.execute(documents.SHOP))


def list_customers(api: AdminApi, cursor: str | None) -> Page[CustomerData]:
    """One page of customers with consent, email and the `facts.birth_date` birthday."""
    data = api.execute(documents.CUSTOMERS, {"first": CUSTOMERS_PAGE, "after": cursor})
    connection = _connection(data, "customers")
    items = tuple(admin.customer(node) for node in nodes(connection))
    return Page(items=items, next_cursor=admin.next_cursor(connection))


def list_products(api: AdminApi, cursor: str | None) -> Page[ProductData]:
    """One page of products with variants (all of them), images, stock and collections."""
    data = api.execute(documents.PRODUCTS, {"first": PRODUCTS_PAGE, "after": cursor})
    connection = _connection(data, "products")
    items = tuple(admin.product(node, _remaining_variants(api, node)) for node in nodes(connection))
    return Page(items=items, next_cursor=admin.next_cursor(connection))


def _remaining_variants(api: AdminApi, node: Json) -> list[Json]:
    extra: list[Json] = []
    after = admin.product_variants_cursor(node)
    while after is not None:
        page = api.execute(documents.PRODUCT_VARIANTS, {"id": node["id"], "after": after})
        found, after = admin.variants_page(page)
        extra.extend(found)
    return extra


def list_orders(api: AdminApi, cursor: str | None, since: datetime | None) -> Page[OrderData]:
    """One page of orders updated since `since` (None: Shopify's default, the last 60 days)."""
    variables = {
        "first": ORDERS_PAGE,
        "after": cursor,
        "query": _since_filter("updated_at", since),
    }
    connection = _connection(api.execute(documents.ORDERS, variables), "orders")
    items = tuple(admin.order(node) for node in nodes(connection))
    return Page(items=items, next_cursor=admin.next_cursor(connection))


def list_open_carts(api: AdminApi, cursor: str | None, since: datetime | None) -> Page[CartData]:
    """One page of open abandoned checkouts updated since `since`."""
    query = " AND ".join(
        part for part in ("status:open", _since_filter("updated_at", since)) if part
    )
    variables = {"first": CHECKOUTS_PAGE, "after": cursor, "query": query}
    connection = _connection(
        api.execute(documents.ABANDONED_CHECKOUTS, variables), "abandonedCheckouts"
    )
    items = tuple(admin.abandoned_checkout(node) for node in nodes(connection))
    return Page(items=items, next_cursor=admin.next_cursor(connection))
