"""Global IDs (gid://shopify/Type/123) and the sandbox's numeric id sequence."""

from __future__ import annotations

import itertools
import threading

from graphql import GraphQLError

GID_PREFIX = "gid://shopify/"


def gid(type_name: str, number: int) -> str:
    """The GraphQL global id of a numeric REST id."""
    return f"{GID_PREFIX}{type_name}/{number}"


def parse_gid(value: str, type_name: str) -> int | None:
    """The numeric id in a gid of `type_name`, or None when it is another type or malformed."""
    prefix = f"{GID_PREFIX}{type_name}/"
    if not value.startswith(prefix):
        return None
    tail = value[len(prefix) :].split("?", 1)[0]
    return int(tail) if tail.isdigit() else None


def require_gid(value: str, type_name: str) -> int | None:
    """Like parse_gid, but a string that is no gid at all is a GraphQL error, as on Shopify."""
    if not value.startswith(GID_PREFIX):
        raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "INVALID_ID"})
    return parse_gid(value, type_name)


class IdSequence:
    """Thread-safe increasing ids; big numbers like Shopify's (beyond 2**32)."""

    def __init__(self, start: int = 7_310_000_000_001) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def next(self) -> int:
        """The next unused id."""
        with self._lock:
            return next(self._counter)
