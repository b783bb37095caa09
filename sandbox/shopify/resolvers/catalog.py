"""Products, variants and collections (images as `featuredMedia`/`media` and the legacy
`images`/`featuredImage`, inventory, prices, storefront URL)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.shopify import search
from sandbox.shopify.connections import connection, connection_field
from sandbox.shopify.ids import gid, require_gid
from sandbox.shopify.resolvers.context import Context, count, ctx, iso, money

Record = dict[str, Any]

PRODUCT_GETTERS: dict[str, search.Getter] = {
    "id": search.field("id"),
    "title": search.field("title"),
    "handle": search.field("handle"),
    "status": search.field("status"),
    "product_type": search.field("product_type"),
    "vendor": search.field("vendor"),
    "created_at": search.field("created_at"),
    "updated_at": search.field("updated_at"),
    "tag": lambda record: record["tags"],
    "collection_id": lambda record: record["collection_ids"],
    "published_status": lambda r: "published" if r.get("published_at") else "unpublished",
}
VARIANT_GETTERS: dict[str, search.Getter] = {
    "id": search.field("id"),
    "sku": search.field("sku"),
    "product_id": search.field("product_id"),
    "inventory_quantity": search.field("inventory_quantity"),
    "updated_at": search.field("updated_at"),
}


def _product_text(record: Record) -> list[Any]:
    return [record["title"], record["vendor"], record["product_type"], *record["tags"]]


def image_node(image: Record) -> Record:
    """Image (url takes an optional transform, which the sandbox ignores)."""
    return {
        "id": gid("ProductImage", image["id"]),
        "url": lambda _info, **_args: image["src"],
        "src": image["src"],
        "originalSrc": image["src"],
        "altText": image["alt"],
        "width": image["width"],
        "height": image["height"],
        "thumbhash": None,
    }


def media_node(product: Record, image: Record) -> Record:
    """MediaImage for a product image."""
    return {
        "__typename": "MediaImage",
        "id": gid("MediaImage", image["id"]),
        "alt": image["alt"],
        "mediaContentType": "IMAGE",
        "status": "READY",
        "fileStatus": "READY",
        "mimeType": "image/jpeg",
        "image": image_node(image),
        "preview": {"image": image_node(image), "status": "READY"},
        "mediaErrors": [],
        "mediaWarnings": [],
        "createdAt": iso(product["created_at"]),
        "updatedAt": iso(product["updated_at"]),
    }


def variant_node(context: Context, product: Record, variant: Record) -> Record:
    """ProductVariant."""
    available = product["status"] == "active" and variant["inventory_quantity"] > 0
    compare_at = variant["compare_at_price"]
    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", variant["id"]),
        "legacyResourceId": str(variant["id"]),
        "title": variant["title"],
        "displayName": f"{product['title']} - {variant['title']}",
        "price": variant["price"],
        "compareAtPrice": compare_at,
        "sku": variant["sku"],
        "barcode": None,
        "position": variant["position"],
        "inventoryQuantity": variant["inventory_quantity"],
        "sellableOnlineQuantity": variant["inventory_quantity"],
        "availableForSale": available,
        "inventoryPolicy": "DENY",
        "taxable": True,
        "selectedOptions": [{"name": "Title", "value": variant["option1"]}],
        "image": image_node(product["images"][0]) if product["images"] else None,
        "product": lambda _info: product_node(context, product),
        "createdAt": iso(variant["created_at"]),
        "updatedAt": iso(variant["updated_at"]),
    }


def _online_store_url(context: Context, product: Record) -> str | None:
    if product["status"] != "active" or product.get("published_at") is None:
        return None
    return f"{context.sandbox.storefront_base(context.shop)}/products/{product['handle']}"


def _price_range(context: Context, product: Record) -> Record:
    prices = [Decimal(v["price"]) for v in product["variants"]] or [Decimal(0)]
    currency = context.shop.currency
    return {
        "minVariantPrice": money(f"{min(prices):.2f}", currency),
        "maxVariantPrice": money(f"{max(prices):.2f}", currency),
    }


def _description(html: str) -> Any:
    plain = re.sub(r"<[^>]+>", "", html or "").strip()
    return lambda _info, truncateAt=None: plain[:truncateAt] if truncateAt else plain  # noqa: N803


def product_node(context: Context, product: Record) -> Record:
    """Product."""
    shop = context.shop
    images, variants = product["images"], product["variants"]
    quantities = [variant["inventory_quantity"] for variant in variants]
    return {
        "__typename": "Product",
        "id": gid("Product", product["id"]),
        "legacyResourceId": str(product["id"]),
        "title": product["title"],
        "handle": product["handle"],
        "descriptionHtml": product["body_html"],
        "description": _description(product["body_html"]),
        "vendor": product["vendor"],
        "productType": product["product_type"],
        "status": product["status"].upper(),
        "tags": list(product["tags"]),
        "createdAt": iso(product["created_at"]),
        "updatedAt": iso(product["updated_at"]),
        "publishedAt": iso(product.get("published_at")),
        "onlineStoreUrl": _online_store_url(context, product),
        "onlineStorePreviewUrl": _online_store_url(context, product),
        "totalInventory": sum(quantities),
        "tracksInventory": True,
        "hasOnlyDefaultVariant": len(variants) == 1 and variants[0]["title"] == "Default Title",
        "hasOutOfStockVariants": any(quantity <= 0 for quantity in quantities),
        "isGiftCard": False,
        "templateSuffix": None,
        "seo": {"title": None, "description": None},
        "priceRangeV2": _price_range(context, product),
        "featuredMedia": media_node(product, images[0]) if images else None,
        "featuredImage": image_node(images[0]) if images else None,
        "media": connection_field(lambda: images, lambda image: media_node(product, image)),
        "images": connection_field(lambda: images, image_node),
        "variants": connection_field(
            lambda: variants, lambda variant: variant_node(context, product, variant)
        ),
        "variantsCount": count(len(variants)),
        "options": lambda _info, **_args: [
            {
                "id": gid("ProductOption", product["id"]),
                "name": "Title",
                "position": 1,
                "values": [variant["option1"] for variant in variants],
            }
        ],
        "collections": connection_field(
            lambda: [
                shop.collections[c] for c in product["collection_ids"] if c in shop.collections
            ],
            lambda collection: collection_node(context, collection),
        ),
        "inCollection": lambda _info, id: (
            require_gid(id, "Collection") in product["collection_ids"]
        ),  # noqa: A006
    }


def collection_node(context: Context, collection: Record) -> Record:
    """Collection."""
    members = [p for p in context.shop.products.values() if collection["id"] in p["collection_ids"]]
    return {
        "__typename": "Collection",
        "id": gid("Collection", collection["id"]),
        "legacyResourceId": str(collection["id"]),
        "title": collection["title"],
        "handle": collection["handle"],
        "description": lambda _info, **_args: "",
        "descriptionHtml": "",
        "updatedAt": iso(collection["updated_at"]),
        "image": None,
        "products": connection_field(lambda: members, lambda p: product_node(context, p)),
        "productsCount": count(len(members)),
        "hasProduct": lambda _info, id: any(  # noqa: A006
            p["id"] == require_gid(id, "Product") for p in members
        ),
    }


def find_variant(context: Context, variant_id: int) -> tuple[Record, Record] | None:
    """(product, variant) of a variant id."""
    for product in context.shop.products.values():
        for variant in product["variants"]:
            if variant["id"] == variant_id:
                return product, variant
    return None


def resolve_product(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.product(id)."""
    context = ctx(info)
    product = context.shop.products.get(require_gid(id, "Product") or 0)
    return product_node(context, product) if product else None


def resolve_products(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.products(first, after, query, sortKey, reverse)."""
    context = ctx(info)
    products = context.shop.products.values()
    found = search.filter_records(products, args.get("query"), PRODUCT_GETTERS, _product_text)
    return connection(found, args, lambda product: product_node(context, product))


def resolve_products_count(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.productsCount(query)."""
    products = ctx(info).shop.products.values()
    found = search.filter_records(products, args.get("query"), PRODUCT_GETTERS, _product_text)
    return count(len(found))


def resolve_variant(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.productVariant(id)."""
    context = ctx(info)
    found = find_variant(context, require_gid(id, "ProductVariant") or 0)
    return variant_node(context, *found) if found else None


def resolve_variants(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.productVariants(first, after, query)."""
    context = ctx(info)
    rows = [
        variant | {"product_id": product["id"], "_product": product}
        for product in context.shop.products.values()
        for variant in product["variants"]
    ]
    found = search.filter_records(rows, args.get("query"), VARIANT_GETTERS, lambda r: [r["sku"]])
    return connection(found, args, lambda row: variant_node(context, row["_product"], row))


def resolve_collection(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.collection(id)."""
    context = ctx(info)
    collection = context.shop.collections.get(require_gid(id, "Collection") or 0)
    return collection_node(context, collection) if collection else None


def resolve_collections(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.collections(first, after, query)."""
    context = ctx(info)
    getters = {"title": search.field("title"), "handle": search.field("handle")}
    found = search.filter_records(
        context.shop.collections.values(), args.get("query"), getters, lambda r: [r["title"]]
    )
    return connection(found, args, lambda collection: collection_node(context, collection))


QUERY = {
    "product": resolve_product,
    "products": resolve_products,
    "productsCount": resolve_products_count,
    "productVariant": resolve_variant,
    "productVariants": resolve_variants,
    "collection": resolve_collection,
    "collections": resolve_collections,
}
