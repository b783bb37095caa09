"""The `query:` search syntax of list fields (https://shopify.dev/docs/api/usage/search-syntax).

Supported: `key:value`, comparisons `key:>v`, `key:>=v`, `key:<v`, `key:<=v`, quoted values,
negation with `-key:v` or `NOT key:v`, implicit AND, `OR` between terms, and bare words matched
against the resource's default text fields. Unknown keys are ignored, as Shopify ignores filters
it does not support for a resource.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.shopify.timestamps import parse_time

Record = dict[str, Any]
# A field getter returns one value or a list of values (tags) of the record.
Getter = Callable[[Record], Any]
TERM = re.compile(r"^(-)?([a-z_]+):(>=|<=|>|<)?(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """One condition of a search query."""

    key: str | None
    op: str
    value: str
    negated: bool = False


def parse(query: str | None) -> list[list[Term]]:
    """Disjunction (OR) of conjunctions of terms; [] for an empty query."""
    if not query or not query.strip():
        return []
    try:
        words = shlex.split(query, posix=True)
    except ValueError:
        words = query.split()
    groups: list[list[Term]] = [[]]
    negate_next = False
    for word in words:
        if word == "OR":
            groups.append([])
        elif word == "NOT":
            negate_next = True
        elif word != "AND":
            groups[-1].append(_term(word, negate_next))
            negate_next = False
    return [group for group in groups if group]


def _term(word: str, negated: bool) -> Term:
    match = TERM.match(word)
    if match is None:
        return Term(None, ":", word.lstrip("-"), negated or word.startswith("-"))
    minus, key, op, value = match.groups()
    return Term(key.lower(), op or ":", value.strip("'\""), negated or bool(minus))


def _compare(actual: Any, term: Term) -> bool:
    if actual is None:
        return False
    if isinstance(actual, float | int) and not isinstance(actual, bool):
        try:
            wanted: Any = (
                float(term.value) if term.key in ("id", "customer_id") else parse_time(term.value)
            )
        except ValueError:
            return False
    else:
        actual, wanted = str(actual).lower(), term.value.lower()
        if term.op == ":" and wanted.endswith("*"):
            return bool(actual.startswith(wanted[:-1]))
    comparisons = {
        ":": actual == wanted,
        ">": actual > wanted,
        ">=": actual >= wanted,
        "<": actual < wanted,
        "<=": actual <= wanted,
    }
    return bool(comparisons[term.op])


def _term_matches(record: Record, term: Term, getters: dict[str, Getter], text: Getter) -> bool:
    if term.key is None:
        result = term.value.lower() in " ".join(str(v or "") for v in text(record)).lower()
    elif term.key not in getters:
        return True  # unsupported filter: ignored
    else:
        values = getters[term.key](record)
        values = values if isinstance(values, list) else [values]
        result = any(_compare(value, term) for value in values)
    return result != term.negated


def filter_records(
    records: Iterable[Record], query: str | None, getters: dict[str, Getter], text: Getter
) -> list[Record]:
    """The records matching `query` (all of them when it is empty)."""
    groups = parse(query)
    items = list(records)
    if not groups:
        return items
    return [
        record
        for record in items
        if any(
            all(_term_matches(record, term, getters, text) for term in group) for group in groups
        )
    ]


def field(name: str) -> Getter:
    """Getter of a record key."""
    return lambda record: record.get(name)
