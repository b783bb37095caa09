"""Pieces every record shares: meta rows, addresses, slugs, links."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.state import Record, Store

BILLING_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "email",
    "phone",
)
SHIPPING_FIELDS = (*BILLING_FIELDS[:9], "phone")


def empty_address(fields: Iterable[str]) -> dict[str, str]:
    """An address with every field blank, as WooCommerce answers for unknown addresses."""
    return dict.fromkeys(fields, "")


def merge_address(
    current: dict[str, str], changes: Any, fields: tuple[str, ...], label: str
) -> dict[str, str]:
    """`current` with the known string fields of `changes`; anything else is a 400."""
    if changes is None:
        return current
    if not isinstance(changes, dict):
        raise WooError("rest_invalid_param", f"Invalid parameter(s): {label}", 400)
    merged = dict(current)
    for name in fields:
        value = changes.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise WooError(
                "rest_invalid_param",
                f"Invalid parameter(s): {label}",
                400,
                {"params": {label: f"{label}[{name}] is not of type string."}},
            )
        merged[name] = value.strip().lower() if name == "email" else value
    return merged


def update_meta(store: Store, meta: list[Record], entries: Any) -> bool:
    """`WC_Data::update_meta_data` for each `{key, value, id?}`; True if anything changed."""
    if entries is None:
        return False
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and "key" in e for e in entries
    ):
        raise WooError("rest_invalid_param", "Invalid parameter(s): meta_data", 400)
    changed = False
    for entry in entries:
        row = _meta_row(meta, entry)
        if row is None:
            meta.append(
                {"id": store.next_meta_id(), "key": str(entry["key"]), "value": entry.get("value")}
            )
            changed = True
        elif row["value"] != entry.get("value"):
            row["value"] = entry.get("value")
            changed = True
    return changed


def _meta_row(meta: list[Record], entry: Record) -> Record | None:
    wanted_id = entry.get("id")
    for row in meta:
        if wanted_id and row["id"] == wanted_id:
            return row
    for row in meta:
        if row["key"] == entry["key"]:
            return row
    return None


def meta_view(meta: list[Record]) -> list[Record]:
    """`meta_data` as REST shows it."""
    return [{"id": row["id"], "key": row["key"], "value": row["value"]} for row in meta]


def sanitize_title(text: str) -> str:
    """`sanitize_title`: lowercase ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "item"


def unique_slug(wanted: str, taken: set[str]) -> str:
    """`wp_unique_post_slug`: `slug`, else `slug-2`, `slug-3`, ..."""
    if wanted not in taken:
        return wanted
    suffix = 2
    while f"{wanted}-{suffix}" in taken:
        suffix += 1
    return f"{wanted}-{suffix}"


def links(
    home: str, collection: str, item_id: int | None = None, **extra: str
) -> dict[str, list[dict[str, str]]]:
    """`_links`: self (when an item) and collection, plus any extra rel -> href."""
    base = f"{home}/wp-json/wc/v3/{collection}"
    result: dict[str, list[dict[str, str]]] = {}
    if item_id is not None:
        result["self"] = [{"href": f"{base}/{item_id}"}]
    result["collection"] = [{"href": base}]
    for rel, href in extra.items():
        result[rel] = [{"href": href}]
    return result
