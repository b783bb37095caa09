"""Wall-clock time in a shopper's zone: local send times, quiet hours and birthdays, DST-safe.

Everything stored is UTC; a local time is computed at the moment it is needed, from an IANA zone.
Daylight-saving gaps and overlaps are resolved explicitly (never by adding 24 hours to a UTC
instant, the bug behind "sent an hour late after the clocks changed").
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: str | None = None) -> ZoneInfo:
    """The shopper's zone, else the fallback (the store's), else UTC; unknown names fall through."""
    for candidate in (name, fallback):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date at `instant` in `tz`."""
    return instant.astimezone(tz).date()


def at_local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The UTC instant when clocks in `tz` show `wall` on `day`.

    In a spring-forward gap (02:30 does not exist) the first instant after the gap is used; in a
    fall-back overlap (01:30 happens twice) the first occurrence is used.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        # The wall time does not exist: fold=0 resolved it with the pre-gap offset, which lands
        # inside the gap. The first valid instant is where the post-gap offset starts.
        instant = _gap_end(naive, tz)
    return instant


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    # The two offsets around the gap map the missing wall time to two instants, one each side of
    # the transition; bisect for the transition itself (the first instant after the gap).
    before, after = sorted(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    target = after.astimezone(tz).utcoffset()
    low, high = before, after
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def in_quiet_hours(instant: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    """True when `instant` is in the local quiet window [start, end), which may wrap midnight."""
    if start == end:
        return False
    wall = instant.astimezone(tz).time()
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def next_allowed(instant: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """`instant` if outside quiet hours, else the first instant when they end (local `end`)."""
    if not in_quiet_hours(instant, tz, start, end):
        return instant
    today = local_date(instant, tz)
    for day in (today, today + timedelta(days=1)):
        candidate = at_local(day, end, tz)
        if candidate > instant and not in_quiet_hours(candidate, tz, start, end):
            return candidate
    # Unreachable for real zones; stay safe rather than loop.
    return at_local(today + timedelta(days=1), end, tz)


def birthday_on(month: int, day: int, year: int) -> date:
    """The date a birthday falls on in `year`: 29 February becomes 28 February in common years."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def parse_wall(value: str) -> time:
    """'21:00' → time(21, 0); raises ValueError for anything else."""
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"expected HH:MM, got {value!r}")
    return time(int(hours), int(minutes))
