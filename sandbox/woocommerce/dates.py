"""Store clock and WordPress date handling: local + `_gmt` pairs, and the dates WooCommerce accepts.

WooCommerce answers every date twice: in the site's time zone (`date_created`) and in UTC
(`date_created_gmt`), both as `YYYY-MM-DDTHH:MM:SS` without an offset
(`wc_rest_prepare_date_response`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

WP_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# WP core `rest_parse_date()`: the ISO 8601 forms the REST API accepts.
_REST_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def utc_now() -> datetime:
    """The current instant, aware, in UTC, at WordPress's one-second resolution."""
    return datetime.now(UTC).replace(microsecond=0)


def local_string(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """`date_x`: the instant in the store's time zone, without offset (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(zone).strftime(WP_DATE_FORMAT)


def gmt_string(moment: datetime | None) -> str | None:
    """`date_x_gmt`: the instant in UTC, without offset (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime(WP_DATE_FORMAT)


def parse_rest_date(value: str, zone: ZoneInfo) -> datetime | None:
    """An instant from a REST date string; without an offset it is read in the store's zone.

    Mirrors `WC_Data::set_date_prop`: an explicit offset or `Z` is honoured, anything else is
    site-local time. Returns None when the string is not a date WordPress would accept.
    """
    match = _REST_DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        wall = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone set below
    except ValueError:
        return None
    offset = match.group(7)
    if offset is None:
        return wall.replace(tzinfo=zone).astimezone(UTC)
    return wall.replace(tzinfo=_offset_zone(offset)).astimezone(UTC)


def wall_clock(value: str) -> datetime | None:
    """The wall-clock part of a REST date, offset dropped, as WP_Date_Query compares it."""
    match = _REST_DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - wall clock
    except ValueError:
        return None


def _offset_zone(offset: str) -> timezone:
    if offset == "Z":
        return UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
