"""`/wc/v3/orders`: list (incl. `status=checkout-draft`, `modified_after`, ...), read, create,
update, delete, batch."""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce import listing, orders, records
from sandbox.woocommerce.batch import run_batch, trash_or_delete
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.order_views import order_view
from sandbox.woocommerce.ordering import OrderRequest, place
from sandbox.woocommerce.params import Arg, collection_args, date_filter_args
from sandbox.woocommerce.rest import WC_V3, Call, Reply, paginated, sort_records
from sandbox.woocommerce.state import Record

POST_TYPE = "shop_order"
WRITE_ARGS = [
    Arg("status", "string", enum=orders.STATUSES),
    Arg("currency", "string"),
    Arg("customer_id", "integer"),
    Arg("customer_note", "string"),
    Arg("billing", "object"),
    Arg("shipping", "object"),
    Arg("payment_method", "string"),
    Arg("payment_method_title", "string"),
    Arg("transaction_id", "string"),
    Arg("meta_data", "array"),
    Arg("line_items", "array"),
    Arg("coupon_lines", "array"),
    Arg("set_paid", "boolean"),
]
LIST_ARGS = [
    *collection_args(("date", "id", "include", "title", "slug", "modified"), "date"),
    *date_filter_args(),
    Arg(
        "status", "array", items="string", enum=("any", "trash", *orders.STATUSES), default=["any"]
    ),
    Arg("customer", "integer"),
    Arg("product", "integer"),
    Arg("parent", "array", items="integer"),
]


def _order(call: Call, order_id: int, status: int = 404) -> Record:
    order = call.store.orders.get(order_id)
    if order is None:
        raise invalid_id(POST_TYPE, status)
    return order


def _search_fields(order: Record) -> list[str]:
    billing = order["billing"]
    return [billing["email"], billing["first_name"], billing["last_name"], str(order["id"])]


def _filtered(call: Call, args: dict[str, Any]) -> list[Record]:
    wanted = orders.matching_statuses(args["status"])
    hidden = ("trash", orders.DRAFT)
    items = [
        o
        for o in call.store.orders.values()
        if (o["status"] in wanted if wanted is not None else o["status"] not in hidden)
    ]
    if args.get("customer") is not None:
        items = [o for o in items if o["customer_id"] == args["customer"]]
    if args.get("product"):
        product = args["product"]
        items = [o for o in items if any(i["product_id"] == product for i in o["line_items"])]
    items = listing.by_search(items, args.get("search"), _search_fields)
    return listing.by_dates(listing.by_ids(items, args), args, call.store.settings.zone)


@WC_V3.route("/orders", ["GET"], action="list")
def list_orders(call: Call) -> Reply:
    """`GET /orders?status=...&modified_after=...&page=...&per_page=...&orderby=...&order=...`."""
    args = call.args(LIST_ARGS)
    keys = {
        "id": lambda o: o["id"],
        "date": lambda o: o["date_created"],
        "modified": lambda o: o["date_modified"],
        "title": lambda o: str(o["id"]),
        "slug": lambda o: str(o["id"]),
        "include": listing.include_order(args),
    }
    items = sort_records(_filtered(call, args), args["orderby"], args["order"], keys)
    return paginated(call, items, lambda o: order_view(call.store, o), "/orders")


@WC_V3.route("/orders/<id>", ["GET"], action="view")
def get_order(call: Call) -> Reply:
    """`GET /orders/<id>`."""
    return Reply(order_view(call.store, _order(call, call.item_id)))


def _items(values: dict[str, Any]) -> list[tuple[int, int, int]]:
    items = []
    for entry in values.get("line_items") or []:
        if (
            not isinstance(entry, dict)
            or not str(entry.get("product_id") or entry.get("variation_id") or "").isdigit()
        ):
            raise WooError(
                "woocommerce_rest_required_product_reference", "Product ID or SKU is required.", 400
            )
        quantity = int(entry.get("quantity") or 1)
        if quantity <= 0:
            raise WooError(
                "woocommerce_rest_invalid_product_quantity",
                "Product quantity must be a positive float.",
                400,
            )
        items.append(
            (
                int(entry.get("product_id") or entry["variation_id"]),
                int(entry.get("variation_id") or 0),
                quantity,
            )
        )
    return items


def create_one(call: Call, body: dict[str, Any]) -> Record:
    """Create an order (`created_via: rest-api`); emits `order.created`."""
    if body.get("id"):
        raise WooError(
            f"woocommerce_rest_{POST_TYPE}_exists", f"Cannot create existing {POST_TYPE}.", 400
        )
    values = call.args(WRITE_ARGS, body)
    status = "processing" if values.get("set_paid") else values.get("status", "pending")
    request = OrderRequest(
        items=_items(values),
        coupon_codes=[
            str(c.get("code", "")) for c in values.get("coupon_lines") or [] if isinstance(c, dict)
        ],
        billing=values.get("billing") or {},
        shipping=values.get("shipping") or {},
        customer_id=values.get("customer_id", 0),
        status=status,
        payment_method=values.get("payment_method", ""),
        customer_note=values.get("customer_note", ""),
    )
    order = place(call.store, request)
    if values.get("transaction_id"):
        order["transaction_id"] = values["transaction_id"]
    records.update_meta(call.store, order["meta_data"], values.get("meta_data"))
    return order_view(call.store, order)


def update_one(call: Call, body: dict[str, Any]) -> Record:
    """Update an order; emits `order.updated` (or `order.created` when it leaves a draft)."""
    order = _order(call, int(body.get("id") or 0), status=400)
    values = call.args(WRITE_ARGS, body)
    if values.get("line_items") or values.get("coupon_lines"):
        raise WooError(
            "sandbox_unsupported", "The sandbox cannot change an order's items or coupons.", 400
        )
    for name in ("billing", "shipping"):
        fields = records.BILLING_FIELDS if name == "billing" else records.SHIPPING_FIELDS
        order[name] = records.merge_address(order[name], values.get(name), fields, name)
    for name in ("customer_note", "payment_method", "payment_method_title", "transaction_id"):
        if name in values:
            order[name] = values[name]
    records.update_meta(call.store, order["meta_data"], values.get("meta_data"))
    status = "processing" if values.get("set_paid") else values.get("status", order["status"])
    previous = orders.set_status(call.store, order, status)
    leaving_draft = previous == orders.DRAFT and status != orders.DRAFT
    call.store.emit("order", "created" if leaving_draft else "updated", order["id"])
    return order_view(call.store, order)


def delete_one(call: Call, order_id: int, force: bool | None = None) -> Record:
    """Trash (emits `order.deleted`) or force-delete an order."""
    order = _order(call, order_id)
    return trash_or_delete(
        call,
        call.store.orders,
        order,
        POST_TYPE,
        lambda o: order_view(call.store, o),
        lambda o: call.store.emit("order", "deleted", o["id"]),
        force,
    )


@WC_V3.route("/orders", ["POST"], action="create")
def create_order(call: Call) -> Reply:
    """`POST /orders` → 201."""
    return Reply(create_one(call, call.params), status=201)


@WC_V3.route("/orders/<id>", ["POST", "PUT", "PATCH"], action="edit")
def update_order(call: Call) -> Reply:
    """`PUT /orders/<id>`."""
    return Reply(update_one(call, {**call.params, "id": call.item_id}))


@WC_V3.route("/orders/<id>", ["DELETE"], action="delete")
def delete_order(call: Call) -> Reply:
    """`DELETE /orders/<id>[?force=true]`."""
    return Reply(delete_one(call, call.item_id))


@WC_V3.route("/orders/batch", ["POST", "PUT", "PATCH"], action="batch")
def batch_orders(call: Call) -> Reply:
    """`POST /orders/batch`."""
    return run_batch(call, create_one, update_one, delete_one)
