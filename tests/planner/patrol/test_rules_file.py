"""Tests of the rules.toml loader and the patrol problem built from it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from planner.exceptions import RulesError
from planner.patrol.roster import build_patrol_problem
from planner.patrol.rules_file import load_rules

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def good(data_dir) -> Path:
    return data_dir / "roster" / "rules_ok.toml"


def variant(good: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = good.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "rules.toml"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_good_file_loads(good):
    """Tests that the sample file loads with its shifts, groups, leave and surge."""
    rules = load_rules(good)
    assert [s.id for s in rules.shifts] == ["D", "N"]
    assert rules.shifts[1].minutes == 720 and rules.shifts[1].start == 20 * 60
    assert [g.id for g in rules.groups] == ["A", "B", "C", "D"]
    assert rules.min_rest_minutes == 12 * 60
    assert rules.leave[0].member == "A2"


def test_patrol_problem_uses_the_chinese_calendar(good):
    """Tests that National Day (1-3 Oct) and the surge date raise demand, and leave is mapped."""
    roster = build_patrol_problem(good, dt.date(2026, 9, 28), 14)
    pr = roster.problem
    need = {(c.day, c.shift): c.requirement for c in pr.cover}
    assert need[(0, "D")] == 1
    assert need[(2, "N")] == 2  # the sensitive date, 30 Sep
    assert need[(3, "D")] == 2  # 1 Oct, National Day
    assert {3, 4, 5} <= pr.holidays
    assert pr.rules.crew is not None
    assert ("A2", 3) in pr.rules.crew.leave and ("A2", 4) in pr.rules.crew.leave
    assert pr.pins[0].day == 3 and pr.pins[0].shift == "N"
    assert 12 in roster.adjusted_workdays  # Saturday 10 Oct 2026 is a working day


def test_entries_outside_the_requested_period_are_noted(good):
    """Tests that a shorter period leaves dated entries out and says so."""
    roster = build_patrol_problem(good, dt.date(2026, 9, 28), 2)
    assert roster.problem.pins == ()
    assert any("outside" in n for n in roster.notes)


BAD = [
    ('group = "C"', 'group = "Z"', r"rules.toml line \d+: pins.group names unknown group 'Z'"),
    ('start = "20:00"', 'start = "19:00"', r"templates 'D' and 'N' overlap"),
    ('start = "20:00"', 'start = "08:00"', r"template 'N' lasts zero hours"),
    ("lend_weight = 5", "lend_weight = -5", r"line \d+: crew.lend_weight must not be negative"),
    ('to = "2026-10-02"', 'to = "2026-10-20"', r"date 2026-10-20 is outside the horizon"),
    ("max_nights_in_row = 2", "max_night_in_row = 2", r"rest.max_night_in_row is not a known"),
    ("min_members = 2", "min_members = ", r"is not valid TOML: .*line \d+"),
    ('member = "A2"', 'member = "X9"', r"leave.member names unknown member 'X9'"),
    # a horizon of 100,000 days once took the leave page 22 s
    ("days = 14", "days = 100000", r"line 6: horizon.days must be a whole number of days from 1"),
    # dates a plan cannot reach
    ('start = "2026-09-28"', "start = 9999-12-31", r"line 5: horizon.start must be a date from"),
    ('start = "2026-09-28"', 'start = "0001-01-01"', r"horizon.start must be a date from 2000"),
    # nested arrays deeper than any rule needs
    ("days = 14", "days = 14\nx = " + "[" * 2000 + "]" * 2000, r"nested more than 64 levels"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_rules_files_get_one_sentence(good, tmp_path, old, new, message):
    """Tests that each kind of bad rules file is refused with one sentence naming it."""
    with pytest.raises(RulesError, match=message) as info:
        load_rules(variant(good, tmp_path, old, new))
    text = str(info.value)
    assert "\n" not in text and text.endswith(".")


def test_missing_groups(good, tmp_path):
    """Tests that a rules file without groups and without teams.toml is refused."""
    text = good.read_text(encoding="utf-8")
    out = tmp_path / "rules.toml"
    out.write_text(text[: text.index("[[groups]]")], encoding="utf-8")
    with pytest.raises(RulesError, match="groups are missing"):
        load_rules(out)


def test_inspection_length_is_a_rule(good, tmp_path):
    """Tests that [inspections] minutes sets the inspection's length and a bad one is refused."""
    assert load_rules(good).inspection_minutes == 30
    text = good.read_text(encoding="utf-8")
    longer = tmp_path / "longer.toml"
    longer.write_text(text + "\n[inspections]\nminutes = 45\n", encoding="utf-8")
    assert load_rules(longer).inspection_minutes == 45
    short = tmp_path / "short.toml"
    short.write_text(text + "\n[inspections]\nminutes = 5\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"inspections.minutes must be from 10 to 240"):
        load_rules(short)
