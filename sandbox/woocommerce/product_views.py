"""REST bodies of products (`/products/<id>`) and variations (`/products/<id>/variations/<id>`),
keyed and ordered like `fixtures/woocommerce/product.json`."""

from __future__ import annotations

from sandbox.woocommerce import records
from sandbox.woocommerce.dates import gmt_string, local_string
from sandbox.woocommerce.products import (
    image_view,
    is_on_sale,
    permalink,
    price_html_of,
    price_string,
    variations_of,
)
from sandbox.woocommerce.state import Record, Store


def product_view(store: Store, product: Record) -> Record:
    """`GET /wc/v3/products/<id>` (also what product.* webhooks deliver)."""
    zone = store.settings.zone
    body: Record = {
        "id": product["id"],
        "name": product["name"],
        "slug": product["slug"],
        "permalink": permalink(store, product),
        "date_created": local_string(product["date_created"], zone),
        "date_created_gmt": gmt_string(product["date_created"]),
        "date_modified": local_string(product["date_modified"], zone),
        "date_modified_gmt": gmt_string(product["date_modified"]),
        "type": product["type"],
        "status": product["status"],
        "featured": product["featured"],
        "catalog_visibility": product["catalog_visibility"],
        "description": product["description"],
        "short_description": product["short_description"],
        "sku": product["sku"],
        **_prices(store, product),
        **_stock_and_shipping(product),
        "reviews_allowed": product["reviews_allowed"],
        "average_rating": "0.00",
        "rating_count": 0,
        "related_ids": _related_ids(store, product),
        "upsell_ids": list(product["upsell_ids"]),
        "cross_sell_ids": list(product["cross_sell_ids"]),
        "parent_id": product["parent_id"],
        "purchase_note": product["purchase_note"],
        "categories": [_term(store, term_id) for term_id in product["category_ids"]],
        "tags": [],
        "images": [image_view(store, image_id) for image_id in product["image_ids"]],
        "attributes": list(product["attributes"]),
        "default_attributes": list(product["default_attributes"]),
        "variations": [v["id"] for v in variations_of(store, product)],
        "grouped_products": [],
        "menu_order": product["menu_order"],
        "meta_data": records.meta_view(product["meta_data"]),
        "_links": records.links(store.home_url, "products", product["id"]),
    }
    return body


def _prices(store: Store, product: Record) -> Record:
    price = price_string(store, product)
    return {
        "price": price,
        "regular_price": "" if product["type"] == "variable" else product["regular_price"],
        "sale_price": "" if product["type"] == "variable" else product["sale_price"],
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "price_html": price_html_of(store, product),
        "on_sale": is_on_sale(product),
        "purchasable": price != "" and product["status"] == "publish",
        "total_sales": product["total_sales"],
        "virtual": product["virtual"],
        "downloadable": product["downloadable"],
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "external_url": "",
        "button_text": "",
        "tax_status": product["tax_status"],
        "tax_class": product["tax_class"],
    }


def _stock_and_shipping(product: Record) -> Record:
    return {
        "manage_stock": product["manage_stock"],
        "stock_quantity": product["stock_quantity"],
        "stock_status": product["stock_status"],
        "backorders": product["backorders"],
        "backorders_allowed": product["backorders"] != "no",
        "backordered": False,
        "sold_individually": product["sold_individually"],
        "weight": product["weight"],
        "dimensions": dict(product["dimensions"]),
        "shipping_required": not product["virtual"],
        "shipping_taxable": not product["virtual"],
        "shipping_class": product["shipping_class"],
        "shipping_class_id": 0,
    }


def _term(store: Store, term_id: int) -> Record:
    category = store.categories[term_id]
    return {"id": term_id, "name": category["name"], "slug": category["slug"]}


def _related_ids(store: Store, product: Record) -> list[int]:
    shared = set(product["category_ids"])
    related = [
        p["id"]
        for p in store.products.values()
        if p["id"] != product["id"]
        and p["type"] != "variation"
        and p["status"] == "publish"
        and shared & set(p["category_ids"])
    ]
    return related[:5]


def variation_view(store: Store, variation: Record) -> Record:
    """`GET /wc/v3/products/<parent>/variations/<id>`."""
    zone = store.settings.zone
    image_ids = variation["image_ids"]
    parent_path = f"products/{variation['parent_id']}/variations"
    return {
        "id": variation["id"],
        "date_created": local_string(variation["date_created"], zone),
        "date_created_gmt": gmt_string(variation["date_created"]),
        "date_modified": local_string(variation["date_modified"], zone),
        "date_modified_gmt": gmt_string(variation["date_modified"]),
        "description": variation["description"],
        "permalink": permalink(store, variation),
        "sku": variation["sku"],
        **{k: v for k, v in _prices(store, variation).items() if k not in _NOT_ON_VARIATIONS},
        "status": variation["status"],
        **{k: v for k, v in _stock_and_shipping(variation).items() if k not in _NOT_ON_VARIATIONS},
        "image": image_view(store, image_ids[0]) if image_ids else None,
        "attributes": list(variation["attributes"]),
        "menu_order": variation["menu_order"],
        "meta_data": records.meta_view(variation["meta_data"]),
        "_links": {
            **records.links(store.home_url, parent_path, variation["id"]),
            "up": [{"href": f"{store.home_url}/wp-json/wc/v3/products/{variation['parent_id']}"}],
        },
    }


_NOT_ON_VARIATIONS = {
    "price_html",
    "total_sales",
    "external_url",
    "button_text",
    "sold_individually",
    "shipping_required",
    "shipping_taxable",
}
