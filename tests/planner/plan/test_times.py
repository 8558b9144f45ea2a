"""Tests of the one formatter of times people read (planner/plan/times.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from planner.plan import times

SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "2026年12月7日 星期一"),  # the weekday in full, year first
        ("en", "Mon 7 Dec 2026"),  # day before month
    ],
)
def test_date_long(lang: str, expected: str) -> None:
    """Tests that a date reads the language's way, from a date or from ISO text."""
    assert times.date_long(date(2026, 12, 7), lang) == expected
    assert times.date_long("2026-12-07", lang) == expected


def test_date_short_and_unreadable_values() -> None:
    """Tests the date without year, and that text that is no date comes back unchanged."""
    assert times.date_short("2026-12-07", "zh") == "12月7日 周一"
    assert times.date_short("2026-12-07", "en") == "Mon 7 Dec"
    assert times.date_long("soon", "en") == "soon"
    assert times.date_long(None, "en") == ""


def test_date_time_is_shown_in_the_district_zone() -> None:
    """Tests that a stored (naive, UTC) moment is written in the district's time zone."""
    stored = datetime(2026, 12, 7, 6, 5)  # 06:05 UTC is 14:05 in Nanjing
    assert times.date_time(stored, "zh", SHANGHAI) == "2026年12月7日 14:05"
    assert times.date_time(stored, "en", SHANGHAI) == "7 Dec 2026, 14:05"
    late = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)  # the next day in Nanjing
    assert times.date_time(late, "en", SHANGHAI) == "8 Dec 2026, 04:30"
    assert times.date_time(stored.isoformat(), "en", None) == "7 Dec 2026, 06:05"


def test_time_of_day() -> None:
    """Tests the time of day of a time, of a moment in its own offset and in a given zone."""
    assert times.time_of_day(time(8, 40)) == "08:40"
    moment = datetime(2026, 12, 7, 8, 40, tzinfo=timezone(timedelta(hours=8)))
    assert times.time_of_day(moment) == "08:40"
    assert times.time_of_day(moment, "en", "UTC") == "00:40"
    assert times.time_of_day(None) == ""


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00"),  # midnight
        (29_400, "08:10"),  # a morning arrival
        (86_399, "23:59"),  # the last minute of the day
        (108_000, "06:00+1"),  # a night shift's morning, on the next day
    ],
)
def test_plan_clock(seconds: int, expected: str) -> None:
    """Tests the plan's times of day, seconds from local midnight, with +1 past midnight."""
    assert times.clock(seconds) == expected


def test_window_and_hhmm() -> None:
    """Tests a window of a plan, and the wrapped time of day of a printed sheet."""
    assert times.window(26_400, 28_800) == "07:20–08:00"
    assert times.hhmm(108_000) == "06:00"


@pytest.mark.parametrize(
    ("seconds", "lang", "expected"),
    [
        (2_700, "zh", "45分"),  # under an hour: minutes only
        (2_700, "en", "45 min"),
        (7_500, "zh", "2小时05分"),  # hours and two-digit minutes
        (7_500, "en", "2 h 05 min"),
        (-60, "en", "0 min"),  # nothing left is never negative
    ],
)
def test_duration(seconds: int, lang: str, expected: str) -> None:
    """Tests durations in hours and minutes."""
    assert times.duration(seconds, lang) == expected


def test_iso_keeps_the_offset() -> None:
    """Tests that machine-readable moments are ISO 8601 with their offset, naive ones as UTC."""
    assert times.iso(datetime(2026, 12, 7, 6, 5)) == "2026-12-07T06:05:00+00:00"
    assert times.iso(datetime(2026, 12, 7, 6, 5), SHANGHAI) == "2026-12-07T14:05:00+08:00"
