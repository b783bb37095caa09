"""`/wc/v3/webhooks`: list, read, create (with the synchronous ping), update, delete, batch.

Sources: `class-wc-rest-webhooks-v1-controller.php` (create/update/delete rules and messages),
`class-wc-webhook-data-store.php::update` (saving an active webhook re-pings when its
`delivery_url` changed or its first ping never got a 200).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.woocommerce import listing, webhooks
from sandbox.woocommerce.batch import run_batch
from sandbox.woocommerce.dates import utc_now
from sandbox.woocommerce.delivery import deliver_ping
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.params import Arg, collection_args
from sandbox.woocommerce.rest import WC_V3, Call, Reply, paginated, sort_records
from sandbox.woocommerce.state import Record

POST_TYPE = "shop_webhook"
WRITE_ARGS = [
    Arg("name", "string"),
    Arg("status", "string", enum=webhooks.STATUSES),
    Arg("topic", "string"),
    Arg("secret", "string"),
    Arg("delivery_url", "string"),
]
LIST_ARGS = [
    *collection_args(("date", "id", "title"), "date"),
    Arg("after", "string", format="date-time"),
    Arg("before", "string", format="date-time"),
    Arg("status", "string", enum=("all", "active", "paused", "disabled"), default="all"),
]


def _invalid(what: str, message: str) -> WooError:
    return WooError(f"woocommerce_rest_{POST_TYPE}_invalid_{what}", message, 400)


def _webhook(
    call: Call, webhook_id: int, status: int = 400, message: str = "ID is invalid."
) -> Record:
    webhook = call.store.webhooks.get(webhook_id)
    if webhook is None:
        raise WooError(f"woocommerce_rest_{POST_TYPE}_invalid_id", message, status)
    return webhook


@WC_V3.route("/webhooks", ["GET"], action="list")
def list_webhooks(call: Call) -> Reply:
    """`GET /webhooks?status=all|active|paused|disabled`."""
    args = call.args(LIST_ARGS)
    items = list(call.store.webhooks.values())
    if args["status"] != "all":
        items = [w for w in items if w["status"] == args["status"]]
    items = listing.by_search(items, args.get("search"), lambda w: [w["name"]])
    items = listing.by_dates(
        listing.by_ids(items, args), {**args, "dates_are_gmt": True}, call.store.settings.zone
    )
    keys = {
        "id": lambda w: w["id"],
        "date": lambda w: w["date_created"],
        "title": lambda w: w["name"],
    }
    items = sort_records(items, args["orderby"], args["order"], keys)
    return paginated(call, items, lambda w: webhooks.webhook_view(call.store, w), "/webhooks")


@WC_V3.route("/webhooks/<id>", ["GET"], action="view")
def get_webhook(call: Call) -> Reply:
    """`GET /webhooks/<id>`."""
    webhook = _webhook(call, call.item_id, status=404, message="Invalid ID.")
    return Reply(webhooks.webhook_view(call.store, webhook))


def _ping_later(call: Call, webhook: Record) -> Callable[[], None]:
    def ping() -> None:
        deliver_ping(call.sandbox, call.store, webhook, call.timeout)

    return ping


def create_one(call: Call, body: dict[str, Any]) -> Record:
    """Validate and save one webhook (active, pending its ping)."""
    if body.get("id"):
        raise WooError(
            f"woocommerce_rest_{POST_TYPE}_exists", f"Cannot create existing {POST_TYPE}.", 400
        )
    values = call.args(
        [
            Arg("topic", "string", required=True),
            Arg("delivery_url", "string", required=True),
            *WRITE_ARGS,
        ],
        body,
    )
    if not webhooks.is_valid_topic(values["topic"].lower()):
        raise _invalid("topic", "Webhook topic is required and must be valid.")
    if not webhooks.is_valid_url(values["delivery_url"]):
        raise _invalid(
            "delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
        )
    user_id = call.key["user_id"] if call.key else 1
    webhook = webhooks.new_webhook(call.store, values, user_id)
    return webhooks.webhook_view(call.store, webhook)


@WC_V3.route("/webhooks", ["POST"], action="create")
def create_webhook(call: Call) -> Reply:
    """`POST /webhooks` → 201; the ping is sent before the response leaves (a failed ping does
    not fail the create)."""
    body = create_one(call, call.params)
    webhook = call.store.webhooks[body["id"]]
    location = f"{call.store.home_url}/wp-json/wc/v3/webhooks/{webhook['id']}"
    return Reply(body, status=201, headers={"Location": location}, after=_ping_later(call, webhook))


def update_one(call: Call, body: dict[str, Any]) -> tuple[Record, bool]:
    """Apply one update; returns the body and whether the data store would ping now."""
    webhook = _webhook(call, int(body.get("id") or 0))
    values = call.args(WRITE_ARGS, body)
    if values.get("topic"):
        if not webhooks.is_valid_topic(values["topic"].lower()):
            raise _invalid("topic", "Webhook topic must be valid.")
    if values.get("delivery_url") and not webhooks.is_valid_url(values["delivery_url"]):
        raise _invalid(
            "delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
        )
    url_changed = (
        bool(values.get("delivery_url")) and values["delivery_url"] != webhook["delivery_url"]
    )
    for name in ("name", "secret", "delivery_url", "status"):
        if values.get(name):
            webhook[name] = values[name]
    if values.get("topic"):
        webhook["topic"] = values["topic"].lower()
    webhook["date_modified"] = utc_now()
    should_ping = webhook["status"] == "active" and (url_changed or webhook["pending_delivery"])
    return webhooks.webhook_view(call.store, webhook), should_ping


@WC_V3.route("/webhooks/<id>", ["POST", "PUT", "PATCH"], action="edit")
def update_webhook(call: Call) -> Reply:
    """`PUT /webhooks/<id>` (e.g. `{"status": "active"}` to re-enable a disabled webhook)."""
    body, should_ping = update_one(call, {**call.params, "id": call.item_id})
    after = _ping_later(call, call.store.webhooks[body["id"]]) if should_ping else None
    return Reply(body, after=after)


def delete_one(call: Call, webhook_id: int, force: bool | None = None) -> Record:
    """Delete a webhook; without `force=true` WooCommerce answers 501."""
    if force is None:
        force = bool(call.args([Arg("force", "boolean", default=False)])["force"])
    if not force:
        raise WooError(
            "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501
        )
    webhook = _webhook(call, webhook_id, status=404, message="Invalid ID.")
    body = webhooks.webhook_view(call.store, webhook)
    del call.store.webhooks[webhook_id]
    return body


@WC_V3.route("/webhooks/<id>", ["DELETE"], action="delete")
def delete_webhook(call: Call) -> Reply:
    """`DELETE /webhooks/<id>?force=true`."""
    return Reply(delete_one(call, call.item_id))


@WC_V3.route("/webhooks/batch", ["POST", "PUT", "PATCH"], action="batch")
def batch_webhooks(call: Call) -> Reply:
    """`POST /webhooks/batch` (batch creates ping like single creates)."""
    created: list[Record] = []

    def create(call: Call, body: dict[str, Any]) -> Record:
        view = create_one(call, body)
        created.append(call.store.webhooks[view["id"]])
        return view

    reply = run_batch(call, create, lambda c, b: update_one(c, b)[0], delete_one)

    def ping_all() -> None:
        for webhook in created:
            deliver_ping(call.sandbox, call.store, webhook, call.timeout)

    reply.after = ping_all
    return reply
