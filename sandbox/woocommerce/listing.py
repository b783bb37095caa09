"""Collection filters shared by the `wc/v3` list endpoints.

Date filters compare wall-clock times the way `WP_Date_Query` does: the offset of the given
date is dropped and the rest is compared with the local column, or the `_gmt` column when
`dates_are_gmt=true`. `after`/`before` look at `date_created`, `modified_*` at `date_modified`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.woocommerce.dates import wall_clock
from sandbox.woocommerce.state import Record

_DATE_FILTERS = (
    ("after", "date_created", 1),
    ("before", "date_created", -1),
    ("modified_after", "date_modified", 1),
    ("modified_before", "date_modified", -1),
)


def by_dates(items: list[Record], args: dict[str, Any], zone: ZoneInfo) -> list[Record]:
    """Keep records inside the requested created/modified windows."""
    gmt = bool(args.get("dates_are_gmt"))
    for name, column, direction in _DATE_FILTERS:
        if args.get(name):
            bound = wall_clock(args[name])
            if bound is not None:
                items = [r for r in items if _compare(r[column], bound, zone, gmt) * direction > 0]
    return items


def _compare(moment: datetime, bound: datetime, zone: ZoneInfo, gmt: bool) -> int:
    wall = moment.astimezone(UTC if gmt else zone).replace(tzinfo=None)
    return (wall > bound) - (wall < bound)


def by_ids(items: list[Record], args: dict[str, Any]) -> list[Record]:
    """`include` and `exclude`."""
    if args.get("include"):
        wanted = set(args["include"])
        items = [r for r in items if r["id"] in wanted]
    if args.get("exclude"):
        unwanted = set(args["exclude"])
        items = [r for r in items if r["id"] not in unwanted]
    return items


def by_search(
    items: list[Record], term: str | None, fields: Callable[[Record], list[str]]
) -> list[Record]:
    """`search`: a case-insensitive substring of any of the record's text fields."""
    if not term:
        return items
    needle = term.lower()
    return [r for r in items if any(needle in str(text).lower() for text in fields(r))]


def include_order(args: dict[str, Any]) -> Callable[[Record], Any]:
    """Sort key for `orderby=include`: the position in the `include` list."""
    positions = {item_id: index for index, item_id in enumerate(args.get("include") or [])}
    return lambda record: positions.get(record["id"], len(positions))
