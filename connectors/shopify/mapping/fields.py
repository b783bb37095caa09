"""Reading Shopify's scalar encodings: ids, timestamps, money, tags.

Webhook payloads are REST-shaped (numeric ids, "10.00" strings, comma-separated tags); GraphQL
answers use global ids (`gid://shopify/Customer/123`) and MoneyV2 objects. Both collapse here to
one neutral form: a platform id is the numeric id as a string, money is a Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

#: A Shopify payload object after `json.loads`.
Json = Mapping[str, Any]


class PayloadError(ValueError):
    """A payload lacks a field the mapping cannot do without, or carries a malformed value."""


def platform_id(value: object) -> str | None:
    """The numeric id of a REST id (int or str) or a global id (`gid://shopify/Type/123?x=y`)."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.startswith("gid://"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text or None


def required_id(data: Json, key: str) -> str:
    """The platform id at `key`, or a PayloadError naming the missing field."""
    value = platform_id(data.get(key))
    if value is None:
        raise PayloadError(f"payload has no {key!r}")
    return value


def global_id(kind: str, numeric_id: str) -> str:
    """A GraphQL global id for a numeric id (`Customer`, "123" → gid://shopify/Customer/123)."""
    if numeric_id.startswith("gid://"):
        return numeric_id
    return f"gid://shopify/{kind}/{numeric_id}"


def timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string (offsets and `Z` both occur), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise PayloadError(f"malformed timestamp {value!r}") from error
    if parsed.tzinfo is None:
        # Shopify always sends an offset; a bare value is read as UTC rather than guessed.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def required_timestamp(data: Json, *keys: str) -> datetime:
    """The first present timestamp among `keys`, or a PayloadError."""
    for key in keys:
        value = timestamp(data.get(key))
        if value is not None:
            return value
    raise PayloadError(f"payload has none of {', '.join(keys)}")


def money(value: object, default: Decimal = Decimal("0")) -> Decimal:
    """A Decimal from "10.00", 10, or a MoneyV2 / MoneyBag (`{"amount": "10.00"}`)."""
    if isinstance(value, Mapping):
        if "shopMoney" in value:
            value = value["shopMoney"]
        value = value.get("amount") if isinstance(value, Mapping) else None
    if value is None or value == "":
        return default
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise PayloadError(f"malformed amount {value!r}") from error


def optional_money(value: object) -> Decimal | None:
    """Like `money`, but None when absent."""
    if value is None or value == "":
        return None
    return money(value)


def tag_list(value: object) -> tuple[str, ...]:
    """Tags from a REST comma-separated string or a GraphQL list."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        return ()
    return tuple(tag.strip() for tag in items if isinstance(tag, str) and tag.strip())


def text(value: object) -> str | None:
    """A non-empty string, else None."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def integer(value: object) -> int | None:
    """An int from an int or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def nodes(connection: object) -> list[Json]:
    """The node objects of a GraphQL connection (`{nodes: [...]}` or `{edges: [{node}]}`)."""
    if not isinstance(connection, Mapping):
        return []
    if isinstance(connection.get("nodes"), list):
        return [node for node in connection["nodes"] if isinstance(node, Mapping)]
    edges = connection.get("edges")
    if isinstance(edges, list):
        return [edge["node"] for edge in edges if isinstance(edge, Mapping) and edge.get("node")]
    return []
