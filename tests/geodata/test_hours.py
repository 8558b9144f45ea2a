"""Tests of opening hours: day intervals from OSM syntax, defaults and the problems listed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geodata.hours import area_hours, check_hours, hours_problems, is_open, open_intervals

MONDAY = date(2026, 12, 7)
SATURDAY = date(2026, 12, 12)
NATIONAL_DAY = date(2026, 10, 1)  # a Thursday and a public holiday in China
SPLIT = "Mo-Fr 08:00-12:00,13:30-17:30; Sa 09:00-12:00"


@pytest.mark.parametrize(
    ("text", "category", "day", "expected"),
    [
        # The category default where the cell is blank: banks Mo-Fr 09:00-17:00.
        (None, "bank", MONDAY, [(540, 1020)]),
        ("", "bank", SATURDAY, []),
        (float("nan"), "bank", MONDAY, [(540, 1020)]),
        # Round the clock: to the end of the next day.
        ("24/7", "retail", MONDAY, [(0, 2880)]),
        # Past midnight: the small hours of the day and the evening that runs into the next.
        ("Mo-Su 18:00-03:00", "bank", MONDAY, [(0, 180), (1080, 1620)]),
        (None, "entertainment", MONDAY, [(0, 180), (1080, 1620)]),
        # Split hours and weekdays.
        (SPLIT, "bank", MONDAY, [(480, 720), (810, 1050)]),
        (SPLIT, "bank", SATURDAY, [(540, 720)]),
        ("Tu-Su 00:00-24:00", "tourist_site", MONDAY, []),
        # An unknown state is closed; a comment does not split an open interval.
        ("Mo-Fr 09:00-17:00; Sa unknown", "bank", SATURDAY, []),
        ('Mo-Fr 09:00-12:00 "walk-in", 12:00-17:00 "appointment"', "bank", MONDAY, [(540, 1020)]),
        # Not OSM syntax: the category default.
        ("周一至周五 9:00-17:00", "bank", MONDAY, [(540, 1020)]),
    ],
)
def test_open_intervals(text: object, category: str, day: date, expected: list) -> None:
    """Tests day intervals in minutes from midnight, past midnight and with the defaults."""
    assert open_intervals(text, category, day) == expected  # type: ignore[arg-type]


def test_public_holidays_need_the_country() -> None:
    """Tests that PH rules apply with the district's country and are ignored without one."""
    text = "Mo-Fr 09:00-17:00; PH off"
    assert open_intervals(text, "bank", NATIONAL_DAY, country="CN") == []
    assert open_intervals(text, "bank", NATIONAL_DAY) == [(540, 1020)]
    # Schools close on public holidays by default.
    assert open_intervals(None, "school", NATIONAL_DAY, country="CN") == []
    assert open_intervals(None, "school", MONDAY, country="CN") == [(420, 1080)]
    # An unknown country code keeps the hours and ignores PH.
    assert open_intervals(text, "bank", NATIONAL_DAY, country="XX") == [(540, 1020)]


def test_is_open_across_midnight() -> None:
    """Tests that minutes past 1440 ask the next day (a night shift's small hours)."""
    bar = "Mo-Fr 20:00-02:00"
    assert is_open(bar, "entertainment", MONDAY, 21 * 60)
    assert is_open(bar, "entertainment", MONDAY, 1440 + 60)
    assert not is_open(bar, "entertainment", MONDAY, 1440 + 3 * 60)
    # Friday night runs into Saturday; Saturday night is closed.
    assert is_open(bar, "entertainment", date(2026, 12, 11), 1440 + 60)
    assert not is_open(bar, "entertainment", SATURDAY, 21 * 60)


def test_check_and_area_hours() -> None:
    """Tests which cells are usable and which hours hold for an area."""
    assert check_hours(None) is None and check_hours("") is None
    assert check_hours("Mo-Fr 09:00-17:00") is None
    assert check_hours("24/24") == "it is not in the OSM opening_hours syntax"
    assert check_hours(7) == "it is not a text"
    assert area_hours(" 24/7 ", "bank") == "24/7"
    assert area_hours("24/24", "bank") == "Mo-Fr 09:00-17:00"
    assert area_hours(None, "market") == "06:00-19:00"


def test_hours_problems_lists_each_unusable_value() -> None:
    """Tests one sentence per unparseable cell, naming the area and the default it keeps."""
    areas = pd.DataFrame(
        {
            "id": ["a1", "a2", "a3", "a4"],
            "name": ["星际网吧", "", "工商银行", "x"],
            "category": ["internet_cafe", "bank", "bank", "nowhere"],
            "opening_hours": ["全天", "Mo-Fr 09:00-17:00", None, "9-5"],
        }
    )
    problems = hours_problems(areas)
    assert problems == [
        "Key area a1 (星际网吧) has opening_hours '全天', but it is not in the OSM "
        "opening_hours syntax; it keeps the internet cafe default '24/7'.",
        "Key area a4 (x) has opening_hours '9-5', but it is not in the OSM opening_hours "
        "syntax; it is not used.",
    ]
    zh = hours_problems(areas, lang="zh")
    assert zh[0] == (
        "重点部位 a1（星际网吧）的营业时间 '全天' 不符合 OSM opening_hours 格式，"
        "沿用网吧的默认时间 24/7。"
    )
    assert hours_problems(areas.drop(columns=["opening_hours"])) == []
