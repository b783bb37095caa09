"""`/wc/v3/coupons`: list, read, create, update, delete and batch."""

from __future__ import annotations

from typing import Any

from sandbox.woocommerce import coupons, listing
from sandbox.woocommerce.batch import run_batch, trash_or_delete
from sandbox.woocommerce.errors import WooError, invalid_id
from sandbox.woocommerce.params import Arg, collection_args, date_filter_args
from sandbox.woocommerce.rest import WC_V3, Call, Reply, paginated, sort_records
from sandbox.woocommerce.state import Record

POST_TYPE = "shop_coupon"
LIST_ARGS = [
    *collection_args(("date", "id", "include", "title", "slug", "modified"), "date"),
    *date_filter_args(),
    Arg("code", "string"),
    Arg("status", "string"),
]


@WC_V3.route("/coupons", ["GET"], action="list")
def list_coupons(call: Call) -> Reply:
    """`GET /coupons` with `code`, `search`, `status`, dates, include/exclude and ordering."""
    args = call.args(LIST_ARGS)
    items = list(call.store.coupons.values())
    if args.get("status"):
        items = [c for c in items if c["status"] == args["status"]]
    else:
        items = [c for c in items if c["status"] != "trash"]
    if args.get("code"):
        found = coupons.find_by_code(call.store, args["code"])
        items = [c for c in items if found is not None and c["id"] == found["id"]]
    items = listing.by_search(items, args.get("search"), lambda c: [c["code"]])
    items = listing.by_dates(listing.by_ids(items, args), args, call.store.settings.zone)
    keys = {
        "id": lambda c: c["id"],
        "date": lambda c: c["date_created"],
        "modified": lambda c: c["date_modified"],
        "title": lambda c: c["code"],
        "slug": lambda c: c["code"],
        "include": listing.include_order(args),
    }
    items = sort_records(items, args["orderby"], args["order"], keys)
    return paginated(call, items, lambda c: coupons.coupon_view(call.store, c), "/coupons")


def coupon_or_404(call: Call, coupon_id: int, status: int = 404) -> Record:
    """The coupon, or `woocommerce_rest_shop_coupon_invalid_id`."""
    coupon = call.store.coupons.get(coupon_id)
    if coupon is None:
        raise invalid_id(POST_TYPE, status)
    return coupon


@WC_V3.route("/coupons/<id>", ["GET"], action="view")
def get_coupon(call: Call) -> Reply:
    """`GET /coupons/<id>`."""
    return Reply(coupons.coupon_view(call.store, coupon_or_404(call, call.item_id)))


def create_one(call: Call, body: dict[str, Any]) -> Record:
    """Create one coupon from a request body; emits `coupon.created`."""
    if body.get("id"):
        raise WooError(
            f"woocommerce_rest_{POST_TYPE}_exists", f"Cannot create existing {POST_TYPE}.", 400
        )
    values = call.args([Arg("code", "string", required=True), *coupons.WRITE_ARGS], body)
    coupon = coupons.new_coupon(call.store, {**coupons.CREATE_DEFAULTS, **values})
    coupon["created_by_key"] = call.key["key_id"] if call.key else None
    call.store.emit("coupon", "created", coupon["id"])
    return coupons.coupon_view(call.store, coupon)


def update_one(call: Call, body: dict[str, Any]) -> Record:
    """Update one coupon; emits `coupon.updated` (every save fires `woocommerce_update_coupon`)."""
    coupon = coupon_or_404(call, int(body.get("id") or 0), status=400)
    values = call.args(coupons.WRITE_ARGS, body)
    coupons.apply_changes(call.store, coupon, values)
    call.store.emit("coupon", "updated", coupon["id"])
    return coupons.coupon_view(call.store, coupon)


def delete_one(call: Call, coupon_id: int, force: bool | None = None) -> Record:
    """Trash (emits `coupon.deleted`) or, with `force`, delete a coupon."""
    coupon = coupon_or_404(call, coupon_id)
    return trash_or_delete(
        call,
        call.store.coupons,
        coupon,
        POST_TYPE,
        lambda c: coupons.coupon_view(call.store, c),
        lambda c: call.store.emit("coupon", "deleted", c["id"]),
        force,
    )


@WC_V3.route("/coupons", ["POST"], action="create")
def create_coupon(call: Call) -> Reply:
    """`POST /coupons` → 201 with `Location`."""
    body = create_one(call, call.params)
    location = f"{call.store.home_url}/wp-json/wc/v3/coupons/{body['id']}"
    return Reply(body, status=201, headers={"Location": location})


@WC_V3.route("/coupons/<id>", ["POST", "PUT", "PATCH"], action="edit")
def update_coupon(call: Call) -> Reply:
    """`PUT /coupons/<id>`."""
    return Reply(update_one(call, {**call.params, "id": call.item_id}))


@WC_V3.route("/coupons/<id>", ["DELETE"], action="delete")
def delete_coupon(call: Call) -> Reply:
    """`DELETE /coupons/<id>[?force=true]`."""
    return Reply(delete_one(call, call.item_id))


@WC_V3.route("/coupons/batch", ["POST", "PUT", "PATCH"], action="batch")
def batch_coupons(call: Call) -> Reply:
    """`POST /coupons/batch`."""
    return run_batch(call, create_one, update_one, delete_one)
