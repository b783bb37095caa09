"""Local wall-clock math: quiet hours and send times across zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.core.localtime import (
    at_local,
    birthday_on,
    in_quiet_hours,
    next_allowed,
    parse_wall,
    zone,
)

NEW_YORK = zone("America/New_York")
AUCKLAND = zone("Pacific/Auckland")
QUIET = (time(21), time(8))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_unknown_zone_falls_back_to_the_store_then_utc() -> None:
    assert zone("Mars/Olympus", "Europe/Paris").key == "Europe/Paris"
    assert zone(None, "not a zone").key == "UTC"
    assert zone("Pacific/Auckland", "Europe/Paris").key == "Pacific/Auckland"


def test_nine_am_in_auckland_summer_and_winter() -> None:
    # NZDT is UTC+13 in November, NZST UTC+12 in June.
    assert at_local(date(2026, 11, 24), time(9), AUCKLAND) == utc(2026, 11, 23, 20)
    assert at_local(date(2026, 6, 24), time(9), AUCKLAND) == utc(2026, 6, 23, 21)


def test_quiet_hours_end_across_spring_forward_new_york() -> None:
    # Saturday 7 March 2026, 22:00 EST; clocks go forward at 2:00 on Sunday 8 March.
    late = utc(2026, 3, 8, 3)
    assert in_quiet_hours(late, NEW_YORK, *QUIET)
    # 08:00 on Sunday is EDT (UTC-4): 12:00 UTC, not the 13:00 a fixed offset would give.
    assert next_allowed(late, NEW_YORK, *QUIET) == utc(2026, 3, 8, 12)


def test_quiet_hours_end_across_fall_back_new_york() -> None:
    late = utc(2026, 11, 1, 2)  # Saturday 31 October 22:00 EDT
    assert next_allowed(late, NEW_YORK, *QUIET) == utc(2026, 11, 1, 13)  # 08:00 EST


def test_quiet_hours_end_across_auckland_dst_start() -> None:
    # Saturday 26 September 2026, 22:00 NZST (UTC+12); NZDT (UTC+13) starts that night.
    late = utc(2026, 9, 26, 10)
    assert next_allowed(late, AUCKLAND, *QUIET) == utc(2026, 9, 26, 19)


def test_quiet_hours_boundaries_are_half_open() -> None:
    assert not in_quiet_hours(utc(2026, 7, 1, 0, 59), NEW_YORK, *QUIET)  # 20:59 EDT
    assert in_quiet_hours(utc(2026, 7, 1, 1, 0), NEW_YORK, *QUIET)  # 21:00 EDT
    assert in_quiet_hours(utc(2026, 7, 1, 11, 59), NEW_YORK, *QUIET)  # 07:59 EDT
    assert not in_quiet_hours(utc(2026, 7, 1, 12, 0), NEW_YORK, *QUIET)  # 08:00 EDT
    noon = utc(2026, 7, 1, 16)
    assert next_allowed(noon, NEW_YORK, *QUIET) == noon


def test_early_morning_waits_until_eight_the_same_day() -> None:
    assert next_allowed(utc(2026, 7, 1, 7), NEW_YORK, *QUIET) == utc(2026, 7, 1, 12)


def test_a_window_inside_one_day_and_an_empty_window() -> None:
    assert in_quiet_hours(utc(2026, 7, 1, 18), NEW_YORK, time(13), time(15))  # 14:00 EDT
    assert next_allowed(utc(2026, 7, 1, 18), NEW_YORK, time(13), time(15)) == utc(2026, 7, 1, 19)
    assert not in_quiet_hours(utc(2026, 7, 1, 18), NEW_YORK, time(9), time(9))


def test_a_wall_time_in_the_spring_gap_moves_to_the_end_of_the_gap() -> None:
    # 02:30 does not exist on 8 March 2026 in New York; the first instant after is 03:00 EDT.
    assert at_local(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7)


def test_a_repeated_wall_time_uses_its_first_occurrence() -> None:
    # 01:30 happens twice on 1 November 2026; the first is EDT (UTC-4).
    assert at_local(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2027, date(2027, 2, 28)), (2028, date(2028, 2, 29)), (2100, date(2100, 2, 28))],
)
def test_february_29_is_celebrated_on_the_28th_in_common_years(year: int, expected: date) -> None:
    assert birthday_on(2, 29, year) == expected


def test_parse_wall_accepts_hh_mm_only() -> None:
    assert parse_wall("21:00") == time(21)
    for bad in ("9pm", "21", "21:0", "25:00"):
        with pytest.raises(ValueError):
            parse_wall(bad)
