"""Tests of carry-in (the days before the period) and kept cells of the roster in force."""

from __future__ import annotations

import dataclasses

import pytest

from planner.checks.roster import check_roster
from planner.core_errors import ProblemError
from planner.roster.model import (
    Keep,
    PatrolRules,
    RosterProblem,
    ShiftRequest,
    ShiftType,
    Staff,
)
from planner.roster.solve import RosterParams, solve_roster

FAST = RosterParams(time_limit=5.0, num_workers=2)
D = ShiftType("D", 720, start=7 * 60, name="day")
N = ShiftType("N", 720, start=19 * 60, name="night")
REST = PatrolRules(min_rest_minutes=12 * 60, rest_after_night_minutes=24 * 60)


def solve(problem: RosterProblem):
    result = solve_roster(problem, FAST, seed=1)
    assert result.is_feasible()
    check = check_roster(problem, result.assignment, result.lending)
    assert check.ok, check.hard
    assert check.objective == result.objective
    return result


def test_no_day_shift_within_24_hours_of_a_night_before_the_period():
    """Tests that a night on the last day before the period rules out a day shift on day 0."""
    problem = RosterProblem(
        days=2,
        staff=(Staff("A"),),
        shifts=(D, N),
        requests=(ShiftRequest("A", 0, "D", 5), ShiftRequest("A", 1, "D", 1)),
        rules=REST,
        history=(("A", ("D", "N")),),
    )
    result = solve(problem)
    assert result.assignment["A"] == [None, "D"]
    assert result.objective == 5


def test_nights_in_a_row_count_the_nights_before_the_period():
    """Tests that two nights before the period make a night on day 0 the third in a row."""
    rules = PatrolRules(max_nights_in_row=2, max_nights_weight=4)
    problem = RosterProblem(
        days=2,
        staff=(Staff("B", name="group B"),),
        shifts=(D, N),
        requests=(ShiftRequest("B", 0, "N", 3), ShiftRequest("B", 1, "N", 3)),
        rules=rules,
        history=(("B", ("N", "N")),),
        day_labels=("7 Dec", "8 Dec"),
    )
    result = solve(problem)
    # Each night on day 0 and day 1 would be beyond the limit (4 each) against 3 per request.
    assert result.assignment["B"][0] != "N" and result.assignment["B"][1] == "N"
    assert result.objective == 3


def test_checker_counts_nights_beyond_the_limit_once():
    """Tests that nights already beyond the limit before the period are not counted again."""
    rules = PatrolRules(max_nights_in_row=2, max_nights_weight=4)
    problem = RosterProblem(
        days=2,
        staff=(Staff("B"),),
        shifts=(D, N),
        rules=rules,
        history=(("B", ("N", "N", "N")),),
    )
    check = check_roster(problem, {"B": ["N", None]})
    assert check.objective == 4
    hard = RosterProblem(
        days=2,
        staff=(Staff("B"),),
        shifts=(D, N),
        rules=PatrolRules(max_nights_in_row=2),
        history=(("B", ("D", "N", "N")),),
    )
    assert [v.rule for v in check_roster(hard, {"B": ["N", None]}).hard] == ["max_nights_in_row"]
    assert check_roster(hard, {"B": [None, "N"]}).ok


def test_days_in_a_row_continue_from_before_the_period():
    """Tests that four working days before the period allow only one more under a limit of 5."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A", max_consecutive=5),),
        shifts=(D,),
        requests=tuple(ShiftRequest("A", d, "D", 1) for d in range(3)),
        history=(("A", (None, "D", "D", "D", "D")),),
    )
    result = solve(problem)
    assert result.assignment["A"] == ["D", None, "D"]
    bad = check_roster(problem, {"A": ["D", "D", None]})
    assert [v.rule for v in bad.hard] == ["max_consecutive"]


def test_forbidden_succession_and_rest_in_words():
    """Tests that the checker names a shift too soon after the day before the period."""
    problem = RosterProblem(
        days=2,
        staff=(Staff("A", name="group A"),),
        shifts=(D, N),
        rules=REST,
        history=(("A", ("N",)),),
        day_labels=("7 Dec", "8 Dec"),
    )
    (v,) = check_roster(problem, {"A": ["D", None]}).hard
    assert v.message == (
        "group A works D on 7 Dec without enough rest after a night after N the day before "
        "the period."
    )


def test_changed_cells_cost_their_weight():
    """Tests that each changed cell of the roster in force costs its weight, in words."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A", name="group A"), Staff("B", name="group B")),
        shifts=(D,),
        requests=(ShiftRequest("B", 1, "D", 5),),
        keep=(
            Keep("A", 0, "D", 2),
            Keep("A", 1, "D", 2),
            Keep("B", 1, None, 2),
            Keep("A", 2, None, 2),
        ),
        day_labels=("7 Dec", "8 Dec", "9 Dec"),
    )
    result = solve(problem)
    # Granting B's request (5) costs one changed cell (2): cheaper than refusing it.
    assert result.assignment == {"A": ["D", "D", None], "B": [None, "D", None]}
    assert result.objective == 2
    (v,) = result.penalties
    assert v.rule == "changed"
    assert v.message == "group B changes from off to D on 8 Dec."


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        # a kept cell for someone not rostered
        ({"keep": (Keep("Z", 0, "D", 1),)}, "unknown staff 'Z'"),
        # a day before the period with a shift nobody defined
        ({"history": (("A", ("X",)),)}, "unknown shift 'X'"),
    ],
)
def test_bad_baseline_cells_are_refused(kwargs, match):
    """Tests that kept cells and days before the period name only known staff and shifts."""
    with pytest.raises(ProblemError, match=match):
        RosterProblem(days=2, staff=(Staff("A"),), shifts=(D,), **kwargs)


def test_a_short_run_of_days_off_before_the_period_goes_on_into_it():
    """Tests that one day off after work, with two asked in a row, makes day 0 a day off."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A", min_consecutive_off=2),),
        shifts=(D,),
        requests=(ShiftRequest("A", 0, "D", 5), ShiftRequest("A", 1, "D", 1)),
        history=(("A", ("D", None)),),
    )
    result = solve(problem)
    assert result.assignment["A"][0] is None
    assert result.objective == 5
    check = check_roster(problem, {"A": ["D", "D", "D"]})
    assert [(f.rule, f.days) for f in check.hard] == [("min_consecutive_off", (0,))]
    assert check.hard[0].message == (
        "A has only 1 days off in a row, ending the day before the period; at least 2."
    )


def test_a_short_run_of_work_before_the_period_goes_on_into_it():
    """Tests that one day worked, with two asked in a row, makes day 0 a working day."""
    problem = RosterProblem(
        days=4,
        staff=(Staff("A", min_consecutive=2),),
        shifts=(D,),
        requests=(ShiftRequest("A", 0, "D", 5, on=False),),
        history=(("A", (None, "D")),),
    )
    result = solve(problem)
    assert result.assignment["A"][0] == "D"
    check = check_roster(problem, {"A": [None, None, "D", "D"]})
    assert [f.rule for f in check.hard] == ["min_consecutive"]
    # Two carried-in days off and a run of one on day 0: too short, and named with its days.
    check = check_roster(
        dataclasses.replace(problem, history=(("A", (None, None)),)), {"A": ["D", None, "D", "D"]}
    )
    assert [(f.rule, f.days) for f in check.hard] == [("min_consecutive", (0,))]
    assert "works only 1 days in a row" in check.hard[0].message


def test_a_run_the_whole_tail_holds_is_left_alone():
    """Tests that a tail all of one kind may be the end of a longer run: nothing is forced."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A", min_consecutive_off=3, min_consecutive=2),),
        shifts=(D,),
        requests=(ShiftRequest("A", 0, "D", 5), ShiftRequest("A", 1, "D", 5)),
        history=(("A", (None,)),),
    )
    result = solve(problem)
    assert result.assignment["A"][:2] == ["D", "D"]
    assert result.objective == 0
