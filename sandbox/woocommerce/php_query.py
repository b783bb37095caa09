"""Query strings read the way PHP fills `$_GET` (WordPress and WooCommerce only ever see that).

A repeated key keeps its last value (the `woocommerce` package sends its query twice over
http), `key[]=a&key[]=b` builds a list-like array, `key[sub]=v` a nested one, and `.` or a space
in a top-level name becomes `_`. Arrays are dicts with string keys, in insertion order.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

PhpArray = dict[str, Any]

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def parse(query: str) -> PhpArray:
    """`$_GET` for this raw query string."""
    result: PhpArray = {}
    for pair in query.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key, value = unquote_plus(raw_key), unquote_plus(raw_value)
        if key:
            _assign(result, key, value)
    return result


def _assign(target: PhpArray, key: str, value: str) -> None:
    head, path = _split_key(key)
    if not path:
        target[head] = value
        return
    node = target.get(head)
    if not isinstance(node, dict):
        node = {}
        target[head] = node
    for index, part in enumerate(path):
        name = _next_index(node) if part == "" else part
        if index == len(path) - 1:
            node[name] = value
            return
        child = node.get(name)
        if not isinstance(child, dict):
            child = {}
            node[name] = child
        node = child


def _split_key(key: str) -> tuple[str, list[str]]:
    bracket = key.find("[")
    if bracket <= 0 or "]" not in key[bracket:]:
        return _php_name(key), []
    head = _php_name(key[:bracket])
    rest = key[bracket:]
    parts = []
    position = 0
    for match in _BRACKETS.finditer(rest):
        if match.start() != position:
            break
        parts.append(match.group(1))
        position = match.end()
    return head, parts


def _php_name(name: str) -> str:
    return name.replace(".", "_").replace(" ", "_")


def _next_index(node: PhpArray) -> str:
    numeric = [int(k) for k in node if k.isdigit()]
    return str(max(numeric) + 1 if numeric else 0)
