"""`POST /<resource>/batch` and the trash-or-delete rule every post-backed resource shares.

`WC_REST_Controller::batch_items`: at most 100 objects in create + update + delete together
(`woocommerce_rest_batch_items_limit`), else 413 `woocommerce_rest_request_entity_too_large`.
Each item succeeds or fails alone inside a 200: a failed create answers `{"id": 0, "error": ...}`,
a failed update or delete `{"id": <id>, "error": ...}`. Deletes in a batch are forced.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.params import Arg
from sandbox.woocommerce.rest import Call, Reply
from sandbox.woocommerce.state import Record

BATCH_LIMIT = 100
ItemHandler = Callable[[Call, dict[str, Any]], Record]
DeleteHandler = Callable[[Call, int, bool], Record]


def run_batch(call: Call, create: ItemHandler, update: ItemHandler, delete: DeleteHandler) -> Reply:
    """Run every create, update and delete of the request; item errors stay per item."""
    sections = {name: call.params.get(name) for name in ("create", "update", "delete")}
    for name, items in sections.items():
        if items is not None and not isinstance(items, list):
            raise WooError(
                "rest_invalid_param",
                f"Invalid parameter(s): {name}",
                400,
                {"params": {name: f"{name} is not of type array."}},
            )
    total = sum(len(items) for items in sections.values() if items)
    if total > BATCH_LIMIT:
        raise WooError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            413,
        )
    result: dict[str, list[Record]] = {}
    if sections["create"]:
        result["create"] = [_one(partial(create, call, item), 0) for item in sections["create"]]
    if sections["update"]:
        result["update"] = [
            _one(partial(update, call, item), _item_id(item)) for item in sections["update"]
        ]
    if sections["delete"]:
        result["delete"] = [
            _one(partial(delete, call, _item_id(item), True), _item_id(item))
            for item in sections["delete"]
        ]
    return Reply(result)


def _item_id(item: Any) -> int:
    raw = item.get("id") if isinstance(item, dict) else item
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


def _one(action: Callable[[], Record], item_id: int) -> Record:
    try:
        return action()
    except WooError as error:
        return {
            "id": item_id,
            "error": {
                "code": error.code,
                "message": error.message,
                "data": {"status": error.status},
            },
        }


def trash_or_delete(
    call: Call,
    table: dict[int, Record],
    record: Record,
    post_type: str,
    view: Callable[[Record], Record],
    on_trash: Callable[[Record], None],
    force: bool | None = None,
) -> Record:
    """`WC_REST_CRUD_Controller::delete_item`: the body is the record before deletion."""
    if force is None:
        force = bool(call.args([Arg("force", "boolean", default=False)])["force"])
    body = view(record)
    if force:
        del table[record["id"]]
        return body
    if record["status"] == "trash":
        raise WooError(
            "woocommerce_rest_already_trashed", f"The {post_type} has already been deleted.", 410
        )
    record["status"] = "trash"
    on_trash(record)
    return body
