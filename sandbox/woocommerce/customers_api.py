"""`/wc/v3/customers`: list (role `customer` by default, ordered by name ascending), read,
create, update, delete (`force=true` required: users have no trash), batch."""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce import customers, listing
from sandbox.woocommerce.batch import run_batch
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.params import Arg, collection_args
from sandbox.woocommerce.rest import WC_V3, Call, Reply, paginated, sort_records
from sandbox.woocommerce.state import Record

WRITE_ARGS = [
    Arg("email", "string", format="email"),
    Arg("first_name", "string"),
    Arg("last_name", "string"),
    Arg("username", "string"),
    Arg("password", "string"),
    Arg("billing", "object"),
    Arg("shipping", "object"),
    Arg("meta_data", "array"),
]
LIST_ARGS = [
    *collection_args(("id", "include", "name", "registered_date"), "name", order="asc"),
    Arg("email", "string", format="email"),
    Arg("role", "string", default="customer"),
]


def _customer(call: Call, customer_id: int, status: int = 404) -> Record:
    customer = call.store.customers.get(customer_id)
    if customer is None:
        raise invalid_id("customer", status)
    return customer


def _search_fields(customer: Record) -> list[str]:
    return [customer["email"], customer["username"], customer["first_name"], customer["last_name"]]


@WC_V3.route("/customers", ["GET"], action="list")
def list_customers(call: Call) -> Reply:
    """`GET /customers` with `email`, `role`, `search`, include/exclude and ordering."""
    args = call.args(LIST_ARGS)
    items = list(call.store.customers.values())
    if args["role"] != "all":
        items = [c for c in items if c["role"] == args["role"]]
    if args.get("email"):
        items = [c for c in items if c["email"] == args["email"].lower()]
    items = listing.by_ids(listing.by_search(items, args.get("search"), _search_fields), args)
    keys = {
        "id": lambda c: c["id"],
        "name": lambda c: c["username"],
        "registered_date": lambda c: c["date_created"],
        "include": listing.include_order(args),
    }
    items = sort_records(items, args["orderby"], args["order"], keys)
    return paginated(call, items, lambda c: customers.customer_view(call.store, c), "/customers")


@WC_V3.route("/customers/<id>", ["GET"], action="view")
def get_customer(call: Call) -> Reply:
    """`GET /customers/<id>`."""
    return Reply(customers.customer_view(call.store, _customer(call, call.item_id)))


def create_one(call: Call, body: dict[str, Any]) -> Record:
    """Create a customer; emits `customer.created`."""
    if body.get("id"):
        raise WooError("woocommerce_rest_customer_exists", "Cannot create existing resource.", 400)
    values = call.args([Arg("email", "string", required=True, format="email"), *WRITE_ARGS], body)
    customer = customers.new_customer(call.store, values)
    call.store.emit("customer", "created", customer["id"])
    return customers.customer_view(call.store, customer)


def update_one(call: Call, body: dict[str, Any]) -> Record:
    """Update a customer; emits `customer.updated`."""
    customer = _customer(call, int(body.get("id") or 0), status=400)
    customers.apply_changes(call.store, customer, call.args(WRITE_ARGS, body))
    call.store.emit("customer", "updated", customer["id"])
    return customers.customer_view(call.store, customer)


def delete_one(call: Call, customer_id: int, force: bool | None = None) -> Record:
    """Delete a customer (emits `customer.deleted`, delivered as `{"id": N}`)."""
    if force is None:
        force = bool(call.args([Arg("force", "boolean", default=False)])["force"])
    if not force:
        raise WooError(
            "woocommerce_rest_trash_not_supported", "Customers do not support trashing.", 501
        )
    customer = _customer(call, customer_id)
    body = customers.customer_view(call.store, customer)
    call.store.emit("customer", "deleted", customer_id)
    del call.store.customers[customer_id]
    return body


@WC_V3.route("/customers", ["POST"], action="create")
def create_customer(call: Call) -> Reply:
    """`POST /customers` → 201."""
    return Reply(create_one(call, call.params), status=201)


@WC_V3.route("/customers/<id>", ["POST", "PUT", "PATCH"], action="edit")
def update_customer(call: Call) -> Reply:
    """`PUT /customers/<id>`."""
    return Reply(update_one(call, {**call.params, "id": call.item_id}))


@WC_V3.route("/customers/<id>", ["DELETE"], action="delete")
def delete_customer(call: Call) -> Reply:
    """`DELETE /customers/<id>?force=true`."""
    return Reply(delete_one(call, call.item_id))


@WC_V3.route("/customers/batch", ["POST", "PUT", "PATCH"], action="batch")
def batch_customers(call: Call) -> Reply:
    """`POST /customers/batch`."""
    return run_batch(call, create_one, update_one, delete_one)
