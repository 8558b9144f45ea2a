"""Tests of grid members' duty hours: reading, writing back and one-sentence errors."""

from __future__ import annotations

import pytest

from geodata.duty_hours import DutyHoursError, format_duty_hours, parse_duty_hours
from geodata.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri 07:00-09:00", ((0, 1, 2, 3, 4), 420, 540)),
        ("Mon-Fri 16:00-18:00", ((0, 1, 2, 3, 4), 960, 1080)),
        # OSM two-letter days, lists and ranges mixed.
        ("Mo,We,Fr 07:00-08:15", ((0, 2, 4), 420, 495)),
        ("tue,thu-sat 09:00-11:00", ((1, 3, 4, 5), 540, 660)),
        # A range round the week end; a span past midnight.
        ("fri-mon 22:00-02:00", ((0, 4, 5, 6), 1320, 1560)),
        ("daily 00:00-24:00", ((0, 1, 2, 3, 4, 5, 6), 0, 1440)),
        ("  sat   7:30-9:00 ", ((5,), 450, 540)),
    ],
)
def test_parse_duty_hours(text: str, expected: tuple) -> None:
    """Tests days, ranges, wrap-round and spans past midnight."""
    assert parse_duty_hours(text) == expected


@pytest.mark.parametrize(
    "text",
    ["mon-fri 07:00-09:00", "mon,wed,fri 07:00-08:15", "daily 22:00-02:00", "sat,mon 00:00-24:00"],
)
def test_format_is_the_inverse(text: str) -> None:
    """Tests that formatting what was read reads back the same."""
    days, start, end = parse_duty_hours(text)
    assert parse_duty_hours(format_duty_hours(days, start, end)) == (days, start, end)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (7, "must be a text"),
        ("mon-fri", "write the days, a space and the times"),
        ("weekdays 07:00-09:00", "'weekdays' is not a day"),
        ("mon-fri 07:00", "is not a time span"),
        ("mon-fri 7am-9am", "'7am' is not a time of day"),
        ("mon 25:00-26:00", "25:00 is not a time of day from 00:00 to 23:59"),
        ("mon 08:00-08:00", "starts and ends at the same time"),
        ("mon,mon 08:00-09:00", "mon is named twice"),
    ],
)
def test_bad_duty_hours(text: object, words: str) -> None:
    """Tests one plain sentence naming the value and what is wrong."""
    with pytest.raises(DutyHoursError) as info:
        parse_duty_hours(text)
    message = str(info.value)
    assert words in message and message.startswith("The duty hours ")
    assert message.endswith(".") and "\n" not in message
    assert isinstance(info.value, InputError)
