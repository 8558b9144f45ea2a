"""Tests of the independent roster validator on deliberately broken rosters."""

from __future__ import annotations

from planner.checks.roster import check_roster
from planner.roster.model import (
    Cover,
    Crew,
    PatrolRules,
    Pin,
    RosterProblem,
    ShiftRequest,
    ShiftType,
    Staff,
)

D = ShiftType("D", 720, start=8 * 60)
N = ShiftType("N", 720, start=20 * 60)
L = ShiftType("L", 480, forbidden_next=frozenset({"E"}))
E = ShiftType("E", 480)


def hard_rules(problem, assignment, lending=()):
    return {v.rule for v in check_roster(problem, assignment, lending).hard}


def test_benchmark_rules_are_caught():
    """Tests that days off, successions, run lengths, minutes and weekends are each caught."""
    staff = Staff(
        "A",
        max_shifts=(("L", 1),),
        max_minutes=2000,
        max_consecutive=3,
        min_consecutive=2,
        min_consecutive_off=2,
        max_weekends=0,
        days_off=frozenset({0}),
    )
    problem = RosterProblem(days=7, staff=(staff,), shifts=(E, L))
    broken = {"A": ["E", "L", "E", None, "L", None, "E"]}
    assert hard_rules(problem, broken) == {
        "days_off",
        "forbidden_succession",
        "max_shifts_of_type",
        "max_minutes",
        "min_consecutive",
        "min_consecutive_off",
        "max_weekends",
    }
    too_long = {"A": [None, "E", "E", "E", "E", None, None]}
    assert hard_rules(problem, too_long) == {"max_consecutive"}
    fine = {"A": [None, "E", "E", "E", None, None, None]}
    assert hard_rules(problem, fine) == set()


def test_patrol_rules_are_caught():
    """Tests that rest after nights, pins, hard cover and nights in a row are caught."""
    problem = RosterProblem(
        days=4,
        staff=(Staff("A"), Staff("B")),
        shifts=(D, N),
        cover=(Cover(0, "D", 2),),
        pins=(Pin("B", 3, None),),
        rules=PatrolRules(rest_after_night_minutes=24 * 60, max_nights_in_row=2),
    )
    broken = {"A": ["N", "N", "N", "D"], "B": ["D", "D", "D", "N"]}
    assert hard_rules(problem, broken) == {
        "rest_after_night",
        "pinned",
        "cover",
        "max_nights_in_row",
    }


def test_crew_lending_is_checked():
    """Tests that a short group without a valid fill-in and a bad loan are both caught."""
    crew = Crew(
        members=(("A", ("A1", "A2")), ("B", ("B1", "B2"))),
        min_members=2,
        leave=frozenset({("A1", 0), ("B2", 0)}),
        neighbours=(("A", ("B",)),),
    )
    problem = RosterProblem(
        days=1, staff=(Staff("A"), Staff("B")), shifts=(D,), rules=PatrolRules(crew=crew)
    )
    assert hard_rules(problem, {"A": ["D"], "B": [None]}) == {"min_crew"}
    assert hard_rules(problem, {"A": ["D"], "B": [None]}, [("B1", "A", 0)]) == set()
    # B2 is on leave and cannot be lent.
    assert hard_rules(problem, {"A": ["D"], "B": [None]}, [("B2", "A", 0)]) == {"min_crew"}


def test_penalties_are_recomputed_in_words():
    """Tests that requests and cover penalties are summed and said in words."""
    problem = RosterProblem(
        days=2,
        staff=(Staff("A", name="group A"),),
        shifts=(E,),
        cover=(Cover(0, "E", 2, 10, 1),),
        requests=(ShiftRequest("A", 1, "E", 3, on=False),),
        day_labels=("1 Oct", "2 Oct"),
    )
    check = check_roster(problem, {"A": ["E", "E"]})
    assert check.ok
    assert check.objective == 13
    assert check.penalties_by_rule() == {"cover_under": 10, "shift_off_request": 3}
    words = [v.message for v in check.soft]
    assert "E on 1 Oct has 1 of 2 needed." in words
    assert "group A asked not to work E on 2 Oct but does." in words


def test_shape_errors():
    """Tests that a roster of the wrong length or with unknown shifts is refused."""
    problem = RosterProblem(days=2, staff=(Staff("A"),), shifts=(E,))
    assert hard_rules(problem, {"A": ["E"]}) == {"shape"}
    assert hard_rules(problem, {"A": ["E", "X"]}) == {"shape"}
