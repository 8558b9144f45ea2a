"""Tests of the plan's roster check across the days carried in before the plan."""

from __future__ import annotations

import json

from planner.checks.plan_roster import roster_findings
from planner.plan.document import (
    CarryIn,
    DistrictInfo,
    Group,
    Member,
    PlanDocument,
    Roster,
    ShiftTemplate,
)

RULES = """
[[shifts]]
id = "D"
start = "07:00"
end = "19:00"

[[shifts]]
id = "N"
start = "19:00"
end = "07:00"
night = true

[[groups]]
id = "A"
members = ["A1"]

[[groups]]
id = "B"
members = ["B1"]

[[groups]]
id = "C"
members = ["C1"]

[demand.default]
D = 1
N = 1

[rest]
min_rest_hours = 12
rest_after_night_hours = 24
max_nights_in_row = 2
max_days_in_row = 4
"""

# Three days from Monday 7 December 2026: A works the first night, B a day and two nights.
SCHEDULE = {"A": ("N", None, None), "B": ("D", "N", "N"), "C": (None, "D", "D")}


def _plan(carried: dict[str, tuple[str | None, ...]] | None) -> PlanDocument:
    """A three-day plan whose roster carries in the two days before it, or none."""
    shifts = (
        ShiftTemplate("D", "Day", "白班", 7 * 60, 19 * 60),
        ShiftTemplate("N", "Night", "夜班", 19 * 60, 7 * 60, night=True),
    )
    groups = tuple(Group(g, f"Group {g}", members=(Member(f"{g}1", g),)) for g in "ABC")
    carry = CarryIn("2026-12-05", carried) if carried is not None else None
    roster = Roster(shifts, groups, dict(SCHEDULE), carry_in=carry)
    district = DistrictInfo("test", "Test")
    doc = PlanDocument("p", district, "2026-12-07", 3, 1, "2026-12-01T08:00:00+08:00", roster)
    # The plan file reads back with its carry-in, as the checker sees a plan.json.
    return PlanDocument.from_json(json.dumps(doc.to_dict()))


def test_a_night_after_two_carried_in_nights_is_a_third_in_a_row() -> None:
    """Tests that the nights carried in count, and the finding names the group and the run."""
    doc = _plan({"A": ("N", "N"), "B": (None, None), "C": ("D", "D")})
    found = roster_findings(doc, RULES, {})
    assert [(f.rule, f.values) for f in found] == [
        (
            "nights_in_row",
            {"group": "A", "n": 3, "day": "2026-12-05", "limit": 2, "carried": 2},
        )
    ]
    assert found[0].message == (
        "Group A works 3 nights in a row from 2026-12-05 (2 of them carried in before the "
        "plan); the limit is 2."
    )


def test_days_carried_in_count_for_days_in_a_row() -> None:
    """Tests that two working days carried in make B's three days five in a row."""
    doc = _plan({"A": (None, None), "B": ("D", "D"), "C": (None, None)})
    found = roster_findings(doc, RULES, {})
    assert [f.message for f in found] == [
        "Group B works 5 days in a row from 2026-12-05 (2 of them carried in before the plan); "
        "the limit is 4."
    ]
    assert found[0].values["carried"] == 2


def test_the_same_plan_without_carry_in_passes() -> None:
    """Tests that without days carried in (or with days off then) nothing is found."""
    assert roster_findings(_plan(None), RULES, {}) == []
    rested = _plan({"A": ("N", None), "B": (None, "D"), "C": ("D", None)})
    assert roster_findings(rested, RULES, {}) == []


def test_runs_within_the_plan_read_as_before() -> None:
    """Tests that a run inside the plan has no ``carried`` value and the sentence as before."""
    doc = _plan(None)
    tight = RULES.replace("max_nights_in_row = 2", "max_nights_in_row = 1")
    (found,) = roster_findings(doc, tight, {})
    assert found.values == {"group": "B", "n": 2, "day": "2026-12-08", "limit": 1}
    assert found.message == "Group B works 2 nights in a row from 2026-12-08; the limit is 1."


def test_days_off_in_a_row_count_the_days_carried_in() -> None:
    """Tests that a single day off carried in, between work before and in the plan, is short."""
    rules = RULES + "min_days_off_in_row = 2\n"
    # B worked the day before last, rested one day, and works the plan's first day.
    doc = _plan({"A": (None, None), "B": ("D", None), "C": (None, None)})
    found = roster_findings(doc, rules, {})
    assert [(f.rule, f.values, f.message) for f in found] == [
        (
            "days_off",
            {"group": "B", "n": 1, "day": "2026-12-06", "limit": 2, "carried": 1},
            "Group B has only 1 days off from 2026-12-06 (1 of them carried in before the "
            "plan); the rules ask for 2.",
        )
    ]
    # Two days off carried in, or a rest the whole carried-in tail holds, are enough.
    assert (
        roster_findings(_plan({"A": (None, None), "B": (None, None), "C": (None, None)}), rules, {})
        == []
    )
