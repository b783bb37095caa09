"""Products, variations, categories and images: records, writes and their REST bodies.

Variations live in the same table as products (as `product_variation` posts do), so
`GET /products/<variation id>` works as in WooCommerce; `GET /products` lists only products.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from sandbox.woocommerce import records
from sandbox.woocommerce.dates import gmt_string, local_string, utc_now
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.money import price_html, to_decimal
from sandbox.woocommerce.state import Record, Store

PRODUCT_FIELDS = (
    "name",
    "type",
    "status",
    "featured",
    "catalog_visibility",
    "description",
    "short_description",
    "sku",
    "regular_price",
    "sale_price",
    "virtual",
    "downloadable",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "sold_individually",
    "weight",
    "dimensions",
    "shipping_class",
    "reviews_allowed",
    "upsell_ids",
    "cross_sell_ids",
    "purchase_note",
    "attributes",
    "default_attributes",
    "menu_order",
)


# A new product before the request's values are applied (WooCommerce's defaults).
PRODUCT_DEFAULTS: Record = {
    "name": "",
    "slug": "",
    "type": "simple",
    "status": "publish",
    "featured": False,
    "catalog_visibility": "visible",
    "description": "",
    "short_description": "",
    "sku": "",
    "regular_price": "",
    "sale_price": "",
    "virtual": False,
    "downloadable": False,
    "tax_status": "taxable",
    "tax_class": "",
    "manage_stock": False,
    "stock_quantity": None,
    "stock_status": "instock",
    "backorders": "no",
    "sold_individually": False,
    "weight": "",
    "dimensions": {"length": "", "width": "", "height": ""},
    "shipping_class": "",
    "reviews_allowed": True,
    "upsell_ids": [],
    "cross_sell_ids": [],
    "parent_id": 0,
    "purchase_note": "",
    "attributes": [],
    "default_attributes": [],
    "menu_order": 0,
    "category_ids": [],
    "image_ids": [],
    "meta_data": [],
    "total_sales": 0,
}


def new_product(store: Store, values: dict[str, Any], parent: Record | None = None) -> Record:
    """Create a product (or a variation of `parent`) from validated REST values."""
    now = utc_now()
    product: Record = {
        **copy.deepcopy(PRODUCT_DEFAULTS),
        "id": store.next_post_id(),
        "date_created": now,
        "date_modified": now,
    }
    if parent is not None:
        product.update(type="variation", parent_id=parent["id"], name=parent["name"])
    apply_changes(store, product, values)
    if not product["slug"]:
        taken = {p["slug"] for p in store.products.values()}
        product["slug"] = records.unique_slug(records.sanitize_title(product["name"]), taken)
    store.products[product["id"]] = product
    return product


def apply_changes(store: Store, product: Record, values: dict[str, Any]) -> bool:
    """Write validated REST values onto a product; True if anything changed."""
    before = repr(product)
    _check_sku(store, product, values.get("sku"))
    for name in PRODUCT_FIELDS:
        if name in values:
            product[name] = values[name]
    for price in ("regular_price", "sale_price"):
        if price in values and values[price] != "" and to_decimal(values[price]) is None:
            raise WooError("rest_invalid_param", f"Invalid parameter(s): {price}", 400)
    if "slug" in values and values["slug"]:
        product["slug"] = records.sanitize_title(values["slug"])
    if "categories" in values:
        product["category_ids"] = _category_ids(store, values["categories"])
    if "images" in values:
        product["image_ids"] = _image_ids(store, values["images"], product)
    if "image" in values and values["image"]:
        product["image_ids"] = _image_ids(store, [values["image"]], product)
    records.update_meta(store, product["meta_data"], values.get("meta_data"))
    _sync_stock_status(product)
    changed = repr(product) != before
    if changed:
        product["date_modified"] = utc_now()
    return changed


def _check_sku(store: Store, product: Record, sku: Any) -> None:
    if not sku:
        return
    if any(p["sku"] == sku and p["id"] != product["id"] for p in store.products.values()):
        raise WooError(
            "product_invalid_sku", "Invalid or duplicated SKU.", 400, {"resource_id": product["id"]}
        )


def _sync_stock_status(product: Record) -> None:
    if product["manage_stock"] and product["stock_quantity"] is not None:
        in_stock = product["stock_quantity"] > 0 or product["backorders"] != "no"
        product["stock_status"] = "instock" if in_stock else "outofstock"


def _category_ids(store: Store, entries: list[Any]) -> list[int]:
    ids: list[int] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("id") in store.categories:
            ids.append(int(entry["id"]))
        elif entry.get("name") and entry.get("create", False):
            ids.append(find_or_create_category(store, str(entry["name"]))["id"])
    return ids


def find_or_create_category(store: Store, name: str) -> Record:
    """The category with this name, created if missing (control API seeding)."""
    for category in store.categories.values():
        if category["name"] == name:
            return category
    return new_category(store, {"name": name})


def new_category(store: Store, values: dict[str, Any]) -> Record:
    """A product category term."""
    taken = {c["slug"] for c in store.categories.values()}
    category = {
        "id": store.next_term_id(),
        "name": values["name"],
        "slug": records.unique_slug(
            records.sanitize_title(values.get("slug") or values["name"]), taken
        ),
        "parent": int(values.get("parent") or 0),
        "description": values.get("description") or "",
    }
    store.categories[category["id"]] = category
    return category


def _image_ids(store: Store, entries: list[Any], product: Record) -> list[int]:
    ids: list[int] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise WooError("rest_invalid_param", "Invalid parameter(s): images", 400)
        if entry.get("id") in store.images:
            ids.append(int(entry["id"]))
            continue
        image_id = store.next_post_id()
        src = entry.get("src") or f"{store.home_url}/wp-content/uploads/sandbox/{image_id}.svg"
        if not str(src).startswith(("http://", "https://")):
            raise WooError("woocommerce_product_image_upload_error", f"Invalid URL {src}.", 400)
        store.images[image_id] = {
            "id": image_id,
            "src": src,
            "name": entry.get("name") or f"{product['name']} {position + 1}",
            "alt": entry.get("alt") or "",
            "date": utc_now(),
        }
        ids.append(image_id)
    return ids


def active_price(product: Record) -> Decimal | None:
    """The price a shopper pays now: the sale price when set, else the regular price."""
    sale = to_decimal(product["sale_price"]) if product["sale_price"] != "" else None
    regular = to_decimal(product["regular_price"]) if product["regular_price"] != "" else None
    if sale is not None and (regular is None or sale < regular):
        return sale
    return regular


def variations_of(store: Store, product: Record) -> list[Record]:
    """A variable product's variations, in ID order."""
    return [
        p
        for p in store.products.values()
        if p["type"] == "variation" and p["parent_id"] == product["id"]
    ]


def price_string(store: Store, product: Record) -> str:
    """`price`: the active price as stored ("18.00" stays "18.00"); for a variable product the
    lowest of its variations."""
    if product["type"] == "variable":
        candidates = [v for v in variations_of(store, product) if active_price(v) is not None]
        if not candidates:
            return ""
        return price_string(store, min(candidates, key=lambda v: active_price(v) or 0))
    price = active_price(product)
    if price is None:
        return ""
    sale = product["sale_price"]
    return str(sale if sale != "" and to_decimal(sale) == price else product["regular_price"])


def permalink(store: Store, product: Record) -> str:
    """The storefront URL of a product (a variation links to its parent)."""
    if product["type"] == "variation":
        parent = store.products.get(product["parent_id"])
        slug = parent["slug"] if parent else product["slug"]
        return f"{store.home_url}/product/{slug}/?variation_id={product['id']}"
    return f"{store.home_url}/product/{product['slug']}/"


def image_view(store: Store, image_id: int) -> Record:
    """One entry of `images`."""
    image = store.images[image_id]
    zone = store.settings.zone
    return {
        "id": image_id,
        "date_created": local_string(image["date"], zone),
        "date_created_gmt": gmt_string(image["date"]),
        "date_modified": local_string(image["date"], zone),
        "date_modified_gmt": gmt_string(image["date"]),
        "src": image["src"],
        "name": image["name"],
        "alt": image["alt"],
    }


def category_view(store: Store, category: Record, with_links: bool = True) -> Record:
    """A product category as `/products/categories` answers it."""
    count = sum(1 for p in store.products.values() if category["id"] in p["category_ids"])
    view = {**category, "display": "default", "image": None, "menu_order": 0, "count": count}
    if with_links:
        view["_links"] = records.links(store.home_url, "products/categories", category["id"])
    return view


def is_on_sale(product: Record) -> bool:
    """A sale price below the regular price."""
    active = active_price(product)
    regular = to_decimal(product["regular_price"]) if product["regular_price"] != "" else None
    return (
        product["sale_price"] != ""
        and active is not None
        and regular is not None
        and active < regular
    )


def price_html_of(store: Store, product: Record) -> str:
    """`price_html` for a product."""
    return price_html(price_string(store, product), store.settings.currency)
