"""Hostile input for the fuzz tests: injection strings and hypothesis strategies built on them.

Every public endpoint is fed these in every field it reads: SQL, HTML/JS, header injection
(CR/LF), path traversal, template syntax, format strings, huge and odd numbers, NUL bytes,
lone surrogates, bidi overrides and very long strings.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

INJECTIONS: tuple[str, ...] = (
    "' OR '1'='1",
    "'; DROP TABLE stores; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(document.cookie)>',
    "javascript:alert(1)",
    "\r\nSet-Cookie: pwned=1",
    "%0d%0aX-Injected: yes",
    "line\nINFO forged log line",
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "..\\..\\windows\\win.ini",
    "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
    "${7*7}",
    "%s%s%s%n%x",
    "\x00",
    "nul\x00byte",
    "\u202egnp.exe",
    "\ufeff\u200b\u2028\u2029",
    "😀" * 50,
    "ß\u0130\u0131ﬁ",
    "9" * 400,
    "-1",
    "1e999",
    "NaN",
    "x" * 5000,
    "",
    " ",
)

HUGE_NUMBERS: tuple[Any, ...] = (2**64, -(2**63) - 1, 10**400, 1e308, -0.0, 0, -1)


def hostile_text() -> st.SearchStrategy[str]:
    """A known injection string, or arbitrary (possibly astral, possibly control) text."""
    return st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=60))


def json_values() -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents whose leaves are hostile strings and odd numbers."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(HUGE_NUMBERS),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text(),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(hostile_text(), children, max_size=4),
        ),
        max_leaves=12,
    )


def hostile_bodies() -> st.SearchStrategy[bytes]:
    """Bodies a parser must survive: JSON of any shape, broken JSON, binary, forms."""
    return st.one_of(
        json_values().map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=300),
        st.sampled_from(
            (
                b"",
                b"{",
                b'{"a": ',
                b"[1, 2",
                b"null",
                b'"string"',
                b"\xff\xfe\x00{}",
                b'{"a": "\\ud800"}',
                b"a=1&b=2",
                b"<?xml version='1.0'?><x/>",
                b'{"__proto__": {"admin": true}}',
            )
        ),
        hostile_text().map(lambda text: text.encode("utf-8", "surrogatepass")),
    )


def with_hostile_leaf(document: Any, data: st.DataObject) -> Any:
    """A copy of `document` with one string or number leaf replaced by a hostile value."""
    paths = list(_leaf_paths(document, ()))
    if not paths:
        return document
    path = data.draw(st.sampled_from(paths), label="field")
    value = data.draw(st.one_of(hostile_text(), st.sampled_from(HUGE_NUMBERS)), label="value")
    return _replace(document, path, value)


def _leaf_paths(node: Any, path: tuple[Any, ...]) -> Any:
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaf_paths(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _leaf_paths(child, (*path, index))
    elif isinstance(node, str | int | float) and not isinstance(node, bool):
        yield path


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, value)}
    copy = list(node)
    copy[head] = _replace(copy[head], rest, value)
    return copy
