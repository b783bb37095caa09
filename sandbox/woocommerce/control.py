"""The control API (`/_sandbox/...`): what tests, the demo and the shopper simulator drive.

No authentication (a loopback developer tool). Writes go through the same code as REST, so
they fire the same webhooks; control requests are not counted in a store's request log.
Errors use WooCommerce's error body. The endpoints are listed in `README.md`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, request

from sandbox.woocommerce import (
    auth,
    coupons,
    coupons_api,
    customers_api,
    orders,
    orders_api,
    products_api,
    webhooks,
)
from sandbox.woocommerce.config import SettingsError
from sandbox.woocommerce.control_records import customer_body, order_request, product_body
from sandbox.woocommerce.customers import customer_view
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.money import to_decimal
from sandbox.woocommerce.order_views import order_view
from sandbox.woocommerce.ordering import place
from sandbox.woocommerce.payloads import php_json
from sandbox.woocommerce.product_views import product_view
from sandbox.woocommerce.rest import Call
from sandbox.woocommerce.state import Record, Sandbox, Store, UnknownStore

blueprint = Blueprint("woo_control", __name__, url_prefix="/_sandbox")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RESERVED = {"_sandbox", "wp-json", "wc-auth", "static"}


def _box() -> Sandbox:
    found: Sandbox = current_app.extensions["woo_sandbox"]
    return found


def _json(body: Any, status: int = 200) -> Response:
    return Response(php_json(body), status=status, content_type="application/json; charset=UTF-8")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(data, dict):
        raise WooError("sandbox_invalid_json", "The body must be a JSON object.", 400)
    return data


def _store(slug: str) -> Store:
    try:
        store = _box().store(slug)
    except UnknownStore:
        raise WooError(
            "sandbox_unknown_store", f"No sandbox store is called {slug!r}.", 404
        ) from None
    if not store.home_url:
        store.home_url = f"{request.scheme}://{request.host}/{slug}"
    return store


def _call(store: Store, params: dict[str, Any]) -> Call:
    box = _box()
    return Call(
        box,
        store,
        request.method,
        params,
        dict(request.args),
        params,
        None,
        box.config.delivery_timeout,
    )


def store_summary(store: Store) -> Record:
    """A store's URLs, settings and counts."""
    return {
        "slug": store.slug,
        "url": store.home_url,
        "rest_url": f"{store.home_url}/wp-json/wc/v3",
        "store_api_url": f"{store.home_url}/wp-json/wc/store/v1",
        "authorize_url": f"{store.home_url}/wc-auth/v1/authorize",
        "settings": vars(store.settings).copy(),
        "counts": {
            name: len(getattr(store, name))
            for name in (
                "products",
                "customers",
                "orders",
                "coupons",
                "webhooks",
                "api_keys",
                "sessions",
            )
        },
    }


@blueprint.get("/health")
def health() -> Response:
    """Liveness."""
    return _json({"ok": True, "stores": sorted(_box().stores)})


@blueprint.get("/stores")
def list_stores() -> Response:
    """Every store."""
    with _box().lock:
        return _json([store_summary(_store(slug)) for slug in sorted(_box().stores)])


@blueprint.post("/stores")
def create_store() -> Response:
    """`{"slug": "store-a", ...settings}` → 201; 409 if the slug is taken."""
    body = _body()
    slug = str(body.pop("slug", ""))
    if not SLUG.match(slug) or slug in RESERVED:
        raise WooError("sandbox_invalid_slug", "slug: lowercase letters, digits and hyphens.", 400)
    box = _box()
    with box.lock:
        if slug in box.stores:
            raise WooError("sandbox_store_exists", f"A store called {slug!r} exists.", 409)
        try:
            settings = box.config.defaults.updated(body)
        except SettingsError as error:
            raise WooError("sandbox_invalid_setting", str(error), 400) from error
        store = box.create_store(slug, settings)
        store.home_url = f"{request.scheme}://{request.host}/{slug}"
        return _json(store_summary(store), 201)


@blueprint.get("/stores/<slug>")
def get_store(slug: str) -> Response:
    """One store."""
    with _box().lock:
        return _json(store_summary(_store(slug)))


@blueprint.patch("/stores/<slug>/settings")
def update_settings(slug: str) -> Response:
    """Change settings, e.g. `{"snippet_url": "http://127.0.0.1:8000/t/woo.js"}`."""
    body = _body()
    with _box().lock:
        store = _store(slug)
        try:
            store.settings = store.settings.updated(body)
        except SettingsError as error:
            raise WooError("sandbox_invalid_setting", str(error), 400) from error
        return _json(vars(store.settings))


@blueprint.delete("/stores/<slug>")
def delete_store(slug: str) -> Response:
    """Remove a store and everything in it."""
    box = _box()
    with box.lock:
        _store(slug)
        del box.stores[slug]
    return _json({"deleted": True})


@blueprint.post("/stores/<slug>/api-keys")
def create_api_key(slug: str) -> Response:
    """`{"permissions": "read_write", "description": "..."}` → 201 with the plain key pair."""
    body = _body()
    permissions = body.get("permissions", "read_write")
    if permissions not in auth.PERMISSIONS:
        raise WooError(
            "sandbox_invalid_permissions", "permissions: read, write or read_write.", 400
        )
    with _box().lock:
        key = auth.create_key(
            _store(slug), permissions, str(body.get("description") or "Sandbox key")
        )
        return _json(_key_view(key, secrets=True), 201)


def _key_view(key: Record, secrets: bool = False) -> Record:
    view = {
        name: key[name]
        for name in ("key_id", "user_id", "description", "permissions", "truncated_key")
    }
    view["last_access"] = key["last_access"].isoformat() if key["last_access"] else None
    if secrets:
        view.update(consumer_key=key["consumer_key"], consumer_secret=key["consumer_secret"])
    return view


@blueprint.get("/stores/<slug>/api-keys")
def list_api_keys(slug: str) -> Response:
    """Keys (without secrets)."""
    with _box().lock:
        return _json([_key_view(k) for k in _store(slug).api_keys.values()])


@blueprint.delete("/stores/<slug>/api-keys/<int:key_id>")
def revoke_api_key(slug: str, key_id: int) -> Response:
    """Revoke a key: requests with it get 401 `Consumer key is invalid.`."""
    with _box().lock:
        if _store(slug).api_keys.pop(key_id, None) is None:
            raise WooError("sandbox_unknown_key", "No such key.", 404)
    return _json({"deleted": True})


@blueprint.route("/stores/<slug>/products", methods=["GET", "POST"])
def products_collection(slug: str) -> Response:
    """GET: every product and variation. POST: create (categories by name are created)."""
    with _box().lock:
        store = _store(slug)
        if request.method == "GET":
            return _json([product_view(store, p) for p in store.products.values()])
        return _json(products_api.create_one(_call(store, {}), product_body(_body())), 201)


@blueprint.post("/stores/<slug>/products/<int:product_id>/variations")
def create_variation(slug: str, product_id: int) -> Response:
    """Create a variation of a variable product."""
    with _box().lock:
        store = _store(slug)
        call = _call(store, {**_body(), "product_id": product_id})
        return _json(products_api.create_variation(call).body, 201)


@blueprint.route("/stores/<slug>/products/<int:product_id>", methods=["PATCH", "DELETE"])
def product_item(slug: str, product_id: int) -> Response:
    """PATCH: update (fires product.updated). DELETE: trash, or `?force=true`."""
    with _box().lock:
        store = _store(slug)
        if request.method == "DELETE":
            return _json(products_api.delete_one(_call(store, dict(request.args)), product_id))
        return _json(
            products_api.update_one(_call(store, {}), {**product_body(_body()), "id": product_id})
        )


@blueprint.route("/stores/<slug>/customers", methods=["GET", "POST"])
def customers_collection(slug: str) -> Response:
    """GET: every customer. POST: create; `"birthday": "1990-07-14"` (or "07-14") sets
    AutomateWoo's `_automatewoo_birthday_full`/`_md` meta."""
    with _box().lock:
        store = _store(slug)
        if request.method == "GET":
            return _json([customer_view(store, c) for c in store.customers.values()])
        return _json(customers_api.create_one(_call(store, {}), customer_body(_body())), 201)


@blueprint.route("/stores/<slug>/customers/<int:customer_id>", methods=["PATCH", "DELETE"])
def customer_item(slug: str, customer_id: int) -> Response:
    """PATCH: update (fires customer.updated). DELETE: delete (fires customer.deleted)."""
    with _box().lock:
        store = _store(slug)
        if request.method == "DELETE":
            return _json(customers_api.delete_one(_call(store, {}), customer_id, True))
        body = {**customer_body(_body()), "id": customer_id}
        return _json(customers_api.update_one(_call(store, {}), body))


@blueprint.route("/stores/<slug>/orders", methods=["GET", "POST"])
def orders_collection(slug: str) -> Response:
    """GET: every order (`?status=` filters). POST: place an order like a checkout."""
    with _box().lock:
        store = _store(slug)
        if request.method == "GET":
            wanted = request.args.get("status")
            found = [o for o in store.orders.values() if not wanted or o["status"] == wanted]
            return _json([order_view(store, o) for o in found])
        order = place(store, order_request(store, _body()))
        return _json(order_view(store, order), 201)


@blueprint.route("/stores/<slug>/orders/<int:order_id>", methods=["PATCH", "DELETE"])
def order_item(slug: str, order_id: int) -> Response:
    """PATCH `{status, billing, meta_data, ...}` (fires order.updated). DELETE: trash/force."""
    with _box().lock:
        store = _store(slug)
        if request.method == "DELETE":
            return _json(orders_api.delete_one(_call(store, dict(request.args)), order_id))
        return _json(orders_api.update_one(_call(store, {}), {**_body(), "id": order_id}))


@blueprint.post("/stores/<slug>/orders/<int:order_id>/refunds")
def refund_order(slug: str, order_id: int) -> Response:
    """`{"amount": "10.00", "reason": "..."}` (default: the rest) → 201; fires order.updated."""
    body = _body()
    with _box().lock:
        store = _store(slug)
        order = store.orders.get(order_id)
        if order is None:
            raise WooError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        amount = to_decimal(body["amount"]) if "amount" in body else orders.refundable(order)
        if amount is None or amount <= 0 or amount > orders.refundable(order):
            raise WooError("woocommerce_rest_invalid_refund_amount", "Invalid refund amount.", 400)
        refund = orders.add_refund(store, order, amount, str(body.get("reason") or ""))
        store.emit("order", "updated", order_id)
        return _json(
            {"id": refund["id"], "amount": str(amount), "order": order_view(store, order)}, 201
        )


@blueprint.route("/stores/<slug>/coupons", methods=["GET", "POST"])
def coupons_collection(slug: str) -> Response:
    """GET: every coupon (trashed too) with the key that created it. POST: create one."""
    with _box().lock:
        store = _store(slug)
        if request.method == "POST":
            return _json(coupons_api.create_one(_call(store, {}), _body()), 201)
        return _json(
            [
                {**coupons.coupon_view(store, c), "created_by_key": c.get("created_by_key")}
                for c in store.coupons.values()
            ]
        )


@blueprint.get("/stores/<slug>/webhooks")
def list_webhooks(slug: str) -> Response:
    """Webhooks with their secret, failure count, pending ping and API version."""
    with _box().lock:
        store = _store(slug)
        return _json([webhooks.control_view(store, w) for w in store.webhooks.values()])
