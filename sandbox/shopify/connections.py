"""Relay connections with Shopify-like opaque cursors (base64 of {"last_id", "last_value"}).

`first` or `last` is required and at most 250 (Shopify's page-size limit); `after`/`before` take
cursors from an earlier page; `reverse` and `sortKey` order the items.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

Record = dict[str, Any]
MAX_PAGE = 250
SORT_FIELDS = {
    "ID": "id",
    "UPDATED_AT": "updated_at",
    "CREATED_AT": "created_at",
    "TITLE": "title",
    "NAME": "name",
    "PROCESSED_AT": "processed_at",
    "CODE": "code",
}


def encode_cursor(record: Record, sort_field: str) -> str:
    """The cursor of `record` in a list ordered by `sort_field`."""
    payload = {"last_id": record["id"], "last_value": str(record.get(sort_field, record["id"]))}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        return int(json.loads(base64.b64decode(cursor, validate=True))["last_id"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


def _check_sizes(args: dict[str, Any]) -> None:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(
            "you must provide one of first or last", extensions={"code": "BAD_REQUEST"}
        )
    for name in ("first", "last"):
        size = args.get(name)
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise GraphQLError(
                f"The page size of {size} is greater than the maximum allowed of {MAX_PAGE}."
                if size > MAX_PAGE
                else f"`{name}` must be a non-negative number.",
                extensions={"code": "BAD_REQUEST"},
            )


def _position(ordered: list[Record], cursor: str) -> int:
    wanted = _decode_cursor(cursor)
    for index, record in enumerate(ordered):
        if record["id"] == wanted:
            return index
    raise GraphQLError("Invalid cursor for current pagination sort.")


def connection(
    items: list[Record], args: dict[str, Any], to_node: Callable[[Record], Any]
) -> dict[str, Any]:
    """A `...Connection` dict (edges, nodes, pageInfo) for one page of `items`."""
    _check_sizes(args)
    sort_field = SORT_FIELDS.get(str(args.get("sortKey") or "ID"), "id")
    ordered = sorted(items, key=lambda r: (r.get(sort_field) or 0, r["id"]))
    if args.get("reverse"):
        ordered.reverse()
    start, end = 0, len(ordered)
    if args.get("after"):
        start = _position(ordered, args["after"]) + 1
    if args.get("before"):
        end = _position(ordered, args["before"])
    window = list(range(start, max(start, end)))
    if args.get("first") is not None:
        window = window[: args["first"]]
    if args.get("last") is not None:
        window = window[-args["last"] :] if args["last"] else []
    page = [ordered[index] for index in window]
    cursors = [encode_cursor(record, sort_field) for record in page]
    nodes = [to_node(record) for record in page]
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < len(ordered) - 1,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def connection_field(
    items: Callable[[], list[Record]], to_node: Callable[[Record], Any]
) -> Callable[..., dict[str, Any]]:
    """A lazy connection resolver `(info, **args)` over `items()`."""

    def resolve(_info: Any, **args: Any) -> dict[str, Any]:
        return connection(items(), args, to_node)

    return resolve
