"""`/wc/v3/products`, `/products/<id>/variations` and `/products/categories`."""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce import listing, products
from sandbox.woocommerce.batch import run_batch, trash_or_delete
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.money import to_decimal
from sandbox.woocommerce.params import Arg, collection_args, date_filter_args
from sandbox.woocommerce.product_views import product_view, variation_view
from sandbox.woocommerce.rest import WC_V3, Call, Reply, paginated, sort_records
from sandbox.woocommerce.state import Record

_SHARED_ARGS = [
    Arg("description", "string"),
    Arg("sku", "string"),
    Arg("regular_price", "string"),
    Arg("sale_price", "string"),
    Arg("virtual", "boolean"),
    Arg("downloadable", "boolean"),
    Arg("tax_status", "string"),
    Arg("tax_class", "string"),
    Arg("manage_stock", "boolean"),
    Arg("stock_quantity", "integer"),
    Arg("stock_status", "string", enum=("instock", "outofstock", "onbackorder")),
    Arg("backorders", "string", enum=("no", "notify", "yes")),
    Arg("weight", "string"),
    Arg("dimensions", "object"),
    Arg("menu_order", "integer"),
    Arg("meta_data", "array"),
    Arg("attributes", "array"),
]
PRODUCT_ARGS = [
    *_SHARED_ARGS,
    Arg("name", "string"),
    Arg("slug", "string"),
    Arg("type", "string", enum=("simple", "grouped", "external", "variable")),
    Arg("status", "string", enum=("draft", "pending", "private", "publish", "future")),
    Arg("featured", "boolean"),
    Arg("catalog_visibility", "string", enum=("visible", "catalog", "search", "hidden")),
    Arg("short_description", "string"),
    Arg("sold_individually", "boolean"),
    Arg("shipping_class", "string"),
    Arg("reviews_allowed", "boolean"),
    Arg("upsell_ids", "array", items="integer"),
    Arg("cross_sell_ids", "array", items="integer"),
    Arg("purchase_note", "string"),
    Arg("categories", "array"),
    Arg("images", "array"),
    Arg("default_attributes", "array"),
]
VARIATION_ARGS = [
    *_SHARED_ARGS,
    Arg("status", "string", enum=("draft", "pending", "private", "publish")),
    Arg("image", "object"),
]
LIST_ARGS = [
    *collection_args(
        (
            "date",
            "id",
            "include",
            "title",
            "slug",
            "price",
            "popularity",
            "rating",
            "modified",
            "menu_order",
        ),
        "date",
    ),
    *date_filter_args(),
    Arg(
        "status",
        "string",
        enum=("any", "draft", "pending", "private", "publish", "future", "trash"),
        default="any",
    ),
    Arg("type", "string"),
    Arg("sku", "string"),
    Arg("category", "string"),
    Arg("featured", "boolean"),
    Arg("on_sale", "boolean"),
    Arg("stock_status", "string"),
    Arg("min_price", "string"),
    Arg("max_price", "string"),
]


def _product(call: Call, product_id: int, status: int = 404) -> Record:
    product = call.store.products.get(product_id)
    if product is None:
        raise invalid_id("product", status)
    return product


@WC_V3.route("/products", ["GET"], action="list")
def list_products(call: Call) -> Reply:
    """`GET /products` with the usual filters."""
    args = call.args(LIST_ARGS)
    items = [p for p in call.store.products.values() if p["type"] != "variation"]
    items = [p for p in items if _matches(call, p, args)]
    items = listing.by_search(
        items, args.get("search"), lambda p: [p["name"], p["sku"], p["description"]]
    )
    items = listing.by_dates(listing.by_ids(items, args), args, call.store.settings.zone)
    keys = {
        "id": lambda p: p["id"],
        "date": lambda p: p["date_created"],
        "modified": lambda p: p["date_modified"],
        "title": lambda p: p["name"].lower(),
        "slug": lambda p: p["slug"],
        "popularity": lambda p: p["total_sales"],
        "price": lambda p: to_decimal(products.price_string(call.store, p)) or 0,
        "rating": lambda p: 0,
        "menu_order": lambda p: p["menu_order"],
        "include": listing.include_order(args),
    }
    items = sort_records(items, args["orderby"], args["order"], keys)
    return paginated(call, items, lambda p: product_view(call.store, p), "/products")


def _matches(call: Call, product: Record, args: dict[str, Any]) -> bool:
    status = args["status"]
    if (status == "any" and product["status"] == "trash") or status not in (
        "any",
        product["status"],
    ):
        return False
    price = to_decimal(products.price_string(call.store, product))
    checks = [
        not args.get("type") or product["type"] == args["type"],
        not args.get("sku") or product["sku"] in args["sku"].split(","),
        not args.get("category")
        or any(str(c) in args["category"].split(",") for c in product["category_ids"]),
        "featured" not in args or product["featured"] == args["featured"],
        "on_sale" not in args or products.is_on_sale(product) == args["on_sale"],
        not args.get("stock_status") or product["stock_status"] == args["stock_status"],
        not args.get("min_price")
        or (price is not None and price >= (to_decimal(args["min_price"]) or 0)),
        not args.get("max_price")
        or (price is not None and price <= (to_decimal(args["max_price"]) or 0)),
    ]
    return all(checks)


@WC_V3.route("/products/<id>", ["GET"], action="view")
def get_product(call: Call) -> Reply:
    """`GET /products/<id>` (a variation ID answers too, as in WooCommerce)."""
    return Reply(product_view(call.store, _product(call, call.item_id)))


def create_one(call: Call, body: dict[str, Any]) -> Record:
    """Create a product; emits `product.created`."""
    if body.get("id"):
        raise WooError("woocommerce_rest_product_exists", "Cannot create existing product.", 400)
    values = call.args(PRODUCT_ARGS, body)
    product = products.new_product(call.store, values)
    call.store.emit("product", "created", product["id"])
    return product_view(call.store, product)


def update_one(call: Call, body: dict[str, Any]) -> Record:
    """Update a product; emits `product.updated`."""
    product = _product(call, int(body.get("id") or 0), status=400)
    values = call.args(VARIATION_ARGS if product["type"] == "variation" else PRODUCT_ARGS, body)
    products.apply_changes(call.store, product, values)
    call.store.emit("product", "updated", product["id"])
    return product_view(call.store, product)


def delete_one(call: Call, product_id: int, force: bool | None = None) -> Record:
    """Trash (emits `product.deleted`) or force-delete a product with its variations."""
    product = _product(call, product_id)
    body = trash_or_delete(
        call,
        call.store.products,
        product,
        "product",
        lambda p: product_view(call.store, p),
        lambda p: call.store.emit("product", "deleted", p["id"]),
        force,
    )
    if product["id"] not in call.store.products:
        for variation in products.variations_of(call.store, product):
            del call.store.products[variation["id"]]
    return body


@WC_V3.route("/products", ["POST"], action="create")
def create_product(call: Call) -> Reply:
    """`POST /products` → 201."""
    return Reply(create_one(call, call.params), status=201)


@WC_V3.route("/products/<id>", ["POST", "PUT", "PATCH"], action="edit")
def update_product(call: Call) -> Reply:
    """`PUT /products/<id>`."""
    return Reply(update_one(call, {**call.params, "id": call.item_id}))


@WC_V3.route("/products/<id>", ["DELETE"], action="delete")
def delete_product(call: Call) -> Reply:
    """`DELETE /products/<id>[?force=true]`."""
    return Reply(delete_one(call, call.item_id))


@WC_V3.route("/products/batch", ["POST", "PUT", "PATCH"], action="batch")
def batch_products(call: Call) -> Reply:
    """`POST /products/batch`."""
    return run_batch(call, create_one, update_one, delete_one)


def _parent(call: Call) -> Record:
    parent = call.store.products.get(int(call.params["product_id"]))
    if parent is None or parent["type"] == "variation":
        raise WooError(
            "woocommerce_rest_product_variation_invalid_parent", "Invalid parent product.", 404
        )
    return parent


def _variation(call: Call) -> Record:
    parent = _parent(call)
    variation = call.store.products.get(call.item_id)
    if variation is None or variation["parent_id"] != parent["id"]:
        raise invalid_id("product_variation")
    return variation


@WC_V3.route("/products/<product_id>/variations", ["GET"], action="list")
def list_variations(call: Call) -> Reply:
    """`GET /products/<id>/variations`."""
    parent = _parent(call)
    call.args(collection_args(("date", "id", "include", "title", "slug", "menu_order"), "date"))
    items = sorted(products.variations_of(call.store, parent), key=lambda v: v["id"], reverse=True)
    path = f"/products/{parent['id']}/variations"
    return paginated(call, items, lambda v: variation_view(call.store, v), path)


@WC_V3.route("/products/<product_id>/variations", ["POST"], action="create")
def create_variation(call: Call) -> Reply:
    """`POST /products/<id>/variations`; emits `product.created` for the variation."""
    parent = _parent(call)
    variation = products.new_product(call.store, call.args(VARIATION_ARGS), parent=parent)
    call.store.emit("product", "created", variation["id"])
    return Reply(variation_view(call.store, variation), status=201)


@WC_V3.route("/products/<product_id>/variations/<id>", ["GET"], action="view")
def get_variation(call: Call) -> Reply:
    """`GET /products/<id>/variations/<id>`."""
    return Reply(variation_view(call.store, _variation(call)))


@WC_V3.route("/products/<product_id>/variations/<id>", ["POST", "PUT", "PATCH"], action="edit")
def update_variation(call: Call) -> Reply:
    """`PUT /products/<id>/variations/<id>`; emits `product.updated` for the variation."""
    variation = _variation(call)
    products.apply_changes(call.store, variation, call.args(VARIATION_ARGS))
    call.store.emit("product", "updated", variation["id"])
    return Reply(variation_view(call.store, variation))


@WC_V3.route("/products/categories", ["GET"], action="list")
def list_categories(call: Call) -> Reply:
    """`GET /products/categories`."""
    args = call.args(
        collection_args(("id", "include", "name", "slug", "count"), "name", order="asc")
    )
    items = listing.by_search(
        listing.by_ids(list(call.store.categories.values()), args),
        args.get("search"),
        lambda c: [c["name"]],
    )
    keys = {
        "id": lambda c: c["id"],
        "name": lambda c: c["name"],
        "slug": lambda c: c["slug"],
        "count": lambda c: 0,
        "include": listing.include_order(args),
    }
    items = sort_records(items, args["orderby"], args["order"], keys)
    return paginated(
        call, items, lambda c: products.category_view(call.store, c), "/products/categories"
    )


@WC_V3.route("/products/categories", ["POST"], action="create")
def create_category(call: Call) -> Reply:
    """`POST /products/categories`."""
    values = call.args(
        [
            Arg("name", "string", required=True),
            Arg("slug", "string"),
            Arg("parent", "integer"),
            Arg("description", "string"),
        ]
    )
    category = products.new_category(call.store, values)
    return Reply(products.category_view(call.store, category), status=201)


@WC_V3.route("/products/categories/<id>", ["GET"], action="view")
def get_category(call: Call) -> Reply:
    """`GET /products/categories/<id>`."""
    category = call.store.categories.get(call.item_id)
    if category is None:
        raise WooError("woocommerce_rest_term_invalid", "Resource does not exist.", 404)
    return Reply(products.category_view(call.store, category))
