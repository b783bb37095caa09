"""Control API: seed and change a shop's customers, catalog, carts, checkouts and orders.

Every change emits the webhooks Shopify would send for it. Responses are the REST-shaped
records (like the webhook bodies) plus the fields Shopify keeps out of webhooks (tags, consent,
birthday, time zone for customers; collections for products).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from sandbox.shopify import changes, commerce, payloads
from sandbox.shopify.control_support import json_body, shop_route
from sandbox.shopify.payloads_commerce import cart_body, checkout_body, order_body
from sandbox.shopify.state import Sandbox, Shop
from sandbox.shopify.timestamps import iso_utc

blueprint = Blueprint(
    "shopify_sandbox_resources", __name__, url_prefix="/sandbox/shops/<shop_name>"
)
Record = dict[str, Any]


def customer_view(shop: Shop, record: Record) -> Record:
    """A customer as the control API shows it."""
    consent = dict(record["email_marketing_consent"])
    if consent["consent_updated_at"] is not None:
        consent["consent_updated_at"] = iso_utc(consent["consent_updated_at"])
    return payloads.customer_body(shop, record) | {
        "tags": record["tags"],
        "locale": record["locale"],
        "email_marketing_consent": consent,
        "birth_date": record["birth_date"],
        "time_zone": record["time_zone"],
    }


def product_view(shop: Shop, record: Record) -> Record:
    """A product as the control API shows it."""
    return payloads.product_body(shop, record) | {"collection_ids": record["collection_ids"]}


def checkout_view(shop: Shop, record: Record) -> Record:
    """A checkout as the control API shows it (with its id and resulting order)."""
    return checkout_body(shop, record) | {"id": record["id"], "order_id": record["order_id"]}


@blueprint.post("/customers")
@shop_route
def create_customer(sandbox: Sandbox, shop: Shop) -> Any:
    """Seed a customer (customers/create)."""
    record = changes.create_customer(sandbox, shop, json_body())
    return jsonify(customer_view(shop, record)), 201


@blueprint.get("/customers")
@shop_route
def list_customers(_sandbox: Sandbox, shop: Shop) -> Any:
    """Every customer."""
    return jsonify([customer_view(shop, record) for record in shop.customers.values()])


@blueprint.get("/customers/<int:customer_id>")
@shop_route
def get_customer(_sandbox: Sandbox, shop: Shop, customer_id: int) -> Any:
    """One customer."""
    record = shop.customers.get(customer_id)
    if record is None:
        raise LookupError(f"customer {customer_id} not found")
    return jsonify(customer_view(shop, record))


@blueprint.patch("/customers/<int:customer_id>")
@shop_route
def update_customer(sandbox: Sandbox, shop: Shop, customer_id: int) -> Any:
    """Change a customer (customers/update, consent topic when consent changes)."""
    record = changes.update_customer(sandbox, shop, customer_id, json_body())
    return jsonify(customer_view(shop, record))


@blueprint.delete("/customers/<int:customer_id>")
@shop_route
def delete_customer(sandbox: Sandbox, shop: Shop, customer_id: int) -> Any:
    """Delete a customer (customers/delete)."""
    changes.delete_customer(sandbox, shop, customer_id)
    return jsonify({"deleted": customer_id})


@blueprint.post("/collections")
@shop_route
def create_collection(sandbox: Sandbox, shop: Shop) -> Any:
    """Add a collection (`{"title", "handle"}`)."""
    return jsonify(changes.create_collection(sandbox, shop, json_body())), 201


@blueprint.get("/collections")
@shop_route
def list_collections(_sandbox: Sandbox, shop: Shop) -> Any:
    """Every collection."""
    return jsonify(list(shop.collections.values()))


@blueprint.post("/products")
@shop_route
def create_product(sandbox: Sandbox, shop: Shop) -> Any:
    """Seed a product with variants, images, collections (products/create)."""
    record = changes.create_product(sandbox, shop, json_body())
    return jsonify(product_view(shop, record)), 201


@blueprint.get("/products")
@shop_route
def list_products(_sandbox: Sandbox, shop: Shop) -> Any:
    """Every product."""
    return jsonify([product_view(shop, record) for record in shop.products.values()])


@blueprint.get("/products/<int:product_id>")
@shop_route
def get_product(_sandbox: Sandbox, shop: Shop, product_id: int) -> Any:
    """One product."""
    record = shop.products.get(product_id)
    if record is None:
        raise LookupError(f"product {product_id} not found")
    return jsonify(product_view(shop, record))


@blueprint.patch("/products/<int:product_id>")
@shop_route
def update_product(sandbox: Sandbox, shop: Shop, product_id: int) -> Any:
    """Change a product, e.g. `{"variants": [{"id": V, "inventory_quantity": 0}]}`."""
    record = changes.update_product(sandbox, shop, product_id, json_body())
    return jsonify(product_view(shop, record))


@blueprint.delete("/products/<int:product_id>")
@shop_route
def delete_product(sandbox: Sandbox, shop: Shop, product_id: int) -> Any:
    """Delete a product (products/delete)."""
    changes.delete_product(sandbox, shop, product_id)
    return jsonify({"deleted": product_id})


@blueprint.post("/carts")
@shop_route
def create_cart(sandbox: Sandbox, shop: Shop) -> Any:
    """An online-store cart (carts/create)."""
    return jsonify(cart_body(shop, commerce.create_cart(sandbox, shop, json_body()))), 201


@blueprint.get("/carts")
@shop_route
def list_carts(_sandbox: Sandbox, shop: Shop) -> Any:
    """Every cart."""
    return jsonify([cart_body(shop, cart) for cart in shop.carts.values()])


@blueprint.patch("/carts/<token>")
@shop_route
def update_cart(sandbox: Sandbox, shop: Shop, token: str) -> Any:
    """Replace a cart's lines or note (carts/update)."""
    return jsonify(cart_body(shop, commerce.update_cart(sandbox, shop, token, json_body())))


@blueprint.post("/checkouts")
@shop_route
def create_checkout(sandbox: Sandbox, shop: Shop) -> Any:
    """A checkout with an email (checkouts/create)."""
    record = commerce.create_checkout(sandbox, shop, json_body())
    return jsonify(checkout_view(shop, record)), 201


@blueprint.get("/checkouts")
@shop_route
def list_checkouts(_sandbox: Sandbox, shop: Shop) -> Any:
    """Every checkout."""
    return jsonify([checkout_view(shop, record) for record in shop.checkouts.values()])


@blueprint.patch("/checkouts/<token>")
@shop_route
def update_checkout(sandbox: Sandbox, shop: Shop, token: str) -> Any:
    """Change an open checkout (checkouts/update)."""
    record = commerce.update_checkout(sandbox, shop, token, json_body())
    return jsonify(checkout_view(shop, record))


@blueprint.post("/checkouts/<token>/complete")
@shop_route
def complete_checkout(sandbox: Sandbox, shop: Shop, token: str) -> Any:
    """Buy: the checkout becomes an order (orders/create, orders/paid, checkouts/update)."""
    order = commerce.complete_checkout(sandbox, shop, token, json_body())
    return jsonify(order_body(shop, order)), 201


@blueprint.post("/orders")
@shop_route
def create_order(sandbox: Sandbox, shop: Shop) -> Any:
    """Place an order directly (orders/create, orders/paid when paid)."""
    return jsonify(order_body(shop, commerce.create_order(sandbox, shop, json_body()))), 201


@blueprint.get("/orders")
@shop_route
def list_orders(_sandbox: Sandbox, shop: Shop) -> Any:
    """Every order."""
    return jsonify([order_body(shop, order) for order in shop.orders.values()])


@blueprint.patch("/orders/<int:order_id>")
@shop_route
def update_order(sandbox: Sandbox, shop: Shop, order_id: int) -> Any:
    """Change financial status, tags or note (orders/updated [+ orders/paid])."""
    return jsonify(order_body(shop, commerce.update_order(sandbox, shop, order_id, json_body())))


@blueprint.post("/orders/<int:order_id>/cancel")
@shop_route
def cancel_order(sandbox: Sandbox, shop: Shop, order_id: int) -> Any:
    """Cancel (and refund) an order (orders/cancelled, orders/updated)."""
    return jsonify(order_body(shop, commerce.cancel_order(sandbox, shop, order_id, json_body())))
