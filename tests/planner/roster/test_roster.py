"""Tests of the roster core: each rule on 2-3 staff over a few days, hand-checked penalties."""

from __future__ import annotations

import csv

import pytest

from bench.rostering import read_instance
from planner.checks.roster import check_roster
from planner.roster.model import (
    Cover,
    Crew,
    PatrolRules,
    Pattern,
    Pin,
    RosterProblem,
    ShiftRequest,
    ShiftType,
    Staff,
)
from planner.roster.solve import RosterParams, SolveStatus, solve_roster

FAST = RosterParams(time_limit=5.0, num_workers=2)
D = ShiftType("D", 720, start=8 * 60, name="day")
N = ShiftType("N", 720, start=20 * 60, name="night")
E = ShiftType("E", 480)


def solve(problem: RosterProblem, params: RosterParams = FAST):
    result = solve_roster(problem, params, seed=1)
    if result.is_feasible():
        check = check_roster(problem, result.assignment, result.lending)
        assert check.ok, check.hard
        assert check.objective == result.objective
    return result


def test_tiny_curtois_instance(data_dir):
    """Tests that the tiny Curtois-format instance solves to its hand-checked optimum of 2."""
    problem = read_instance(data_dir / "roster" / "tiny.txt")
    result = solve(problem)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 2  # A asks for a shift on its fixed day off (weight 2)
    assert [v.rule for v in result.penalties] == ["shift_on_request"]


def test_request_weights_and_days_off():
    """Tests that an unmet shift-on request costs its weight and a granted one costs nothing."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A", days_off=frozenset({1})), Staff("B")),
        shifts=(E,),
        requests=(
            ShiftRequest("A", 1, "E", 5),
            ShiftRequest("B", 2, "E", 4),
            ShiftRequest("B", 0, "E", 3, on=False),
        ),
    )
    result = solve(problem)
    assert result.objective == 5
    assert result.assignment["A"][1] is None
    assert result.assignment["B"][2] == "E"
    assert result.assignment["B"][0] is None


def test_cover_under_and_over_weights():
    """Tests that cover counts each missing person at the under weight, each extra at the over."""
    staff = (Staff("A"), Staff("B"))
    short = RosterProblem(days=1, staff=staff, shifts=(E,), cover=(Cover(0, "E", 3, 7, 1),))
    assert solve(short).objective == 7
    extra = RosterProblem(
        days=1,
        staff=staff,
        shifts=(E,),
        cover=(Cover(0, "E", 1, 7, 2),),
        requests=(ShiftRequest("A", 0, "E", 5), ShiftRequest("B", 0, "E", 5)),
    )
    assert solve(extra).objective == 2  # both work: one extra at 2 beats refusing a request


def test_forbidden_succession():
    """Tests that a shift may not follow a forbidden one on the next day."""
    late = ShiftType("L", 480, forbidden_next=frozenset({"E"}))
    problem = RosterProblem(
        days=2,
        staff=(Staff("A"),),
        shifts=(E, late),
        requests=(ShiftRequest("A", 0, "L", 10), ShiftRequest("A", 1, "E", 3)),
    )
    result = solve(problem)
    assert result.objective == 3
    # Day 1 may be off or another late shift (both cost the refused request), never E.
    assert result.assignment["A"][0] == "L" and result.assignment["A"][1] != "E"


def test_max_consecutive_and_type_maximum():
    """Tests the limits on days in a row and on shifts of one type."""
    cover = tuple(Cover(d, "E", 1, 10, 1) for d in range(4))
    problem = RosterProblem(
        days=4, staff=(Staff("A", max_consecutive=2),), shifts=(E,), cover=cover
    )
    assert solve(problem).objective == 10
    capped = RosterProblem(
        days=4, staff=(Staff("A", max_shifts=(("E", 1),)),), shifts=(E,), cover=cover
    )
    assert solve(capped).objective == 30


def test_min_consecutive_edges():
    """Tests that short inner work runs are forbidden while runs touching an edge are exempt."""
    inner = RosterProblem(
        days=5,
        staff=(Staff("A", min_consecutive=2),),
        shifts=(E,),
        requests=(
            ShiftRequest("A", 2, "E", 1),
            ShiftRequest("A", 1, "E", 1, on=False),
            ShiftRequest("A", 3, "E", 1, on=False),
        ),
    )
    assert solve(inner).objective == 1
    edge = RosterProblem(
        days=5,
        staff=(Staff("A", min_consecutive=2),),
        shifts=(E,),
        requests=(ShiftRequest("A", 0, "E", 1), ShiftRequest("A", 1, "E", 1, on=False)),
    )
    result = solve(edge)
    assert result.objective == 0
    assert result.assignment["A"][:2] == ["E", None]


def test_min_consecutive_days_off():
    """Tests that a single inner day off is forbidden when two in a row are required."""
    problem = RosterProblem(
        days=5,
        staff=(Staff("A", min_consecutive_off=2),),
        shifts=(E,),
        requests=(
            ShiftRequest("A", 1, "E", 2),
            ShiftRequest("A", 2, "E", 1, on=False),
            ShiftRequest("A", 3, "E", 2),
        ),
    )
    assert solve(problem).objective == 1


def test_max_weekends_and_total_minutes():
    """Tests the weekend limit and the minimum of total minutes."""
    weekend = RosterProblem(
        days=7,
        staff=(Staff("A", max_weekends=0),),
        shifts=(E,),
        requests=(ShiftRequest("A", 5, "E", 4),),
    )
    assert solve(weekend).objective == 4
    minutes = RosterProblem(
        days=3,
        staff=(Staff("A", min_minutes=960),),
        shifts=(E,),
        requests=tuple(ShiftRequest("A", d, "E", d + 1, on=False) for d in range(3)),
    )
    result = solve(minutes)
    assert result.objective == 3  # must work two days: the cheapest are days 0 and 1
    assert result.assignment["A"] == ["E", "E", None]


def test_rest_after_night_and_midnight_shift():
    """Tests that no day shift follows a night within 24 h, while night after night is allowed."""
    rules = PatrolRules(min_rest_minutes=11 * 60, rest_after_night_minutes=24 * 60)
    problem = RosterProblem(
        days=3,
        staff=(Staff("A"),),
        shifts=(D, N),
        requests=(
            ShiftRequest("A", 0, "N", 5),
            ShiftRequest("A", 1, "D", 2),
            ShiftRequest("A", 2, "N", 1),
        ),
        rules=rules,
    )
    assert N.is_night and not D.is_night
    result = solve(problem)
    assert result.objective == 2
    assert result.assignment["A"] == ["N", None, "N"]


def test_max_nights_in_row_soft_in_words():
    """Tests that a third night in a row costs its weight and is explained with dates."""
    rules = PatrolRules(max_nights_in_row=2, max_nights_weight=4)
    problem = RosterProblem(
        days=3,
        staff=(Staff("B", name="group B"),),
        shifts=(D, N),
        requests=tuple(ShiftRequest("B", d, "N", 10) for d in range(3)),
        rules=rules,
        day_labels=("12 Dec", "13 Dec", "14 Dec"),
    )
    result = solve(problem)
    assert result.objective == 4
    (penalty,) = result.penalties
    assert penalty.message == "group B works 3 nights in a row, 12–14 Dec; limit 2."


def test_fair_nights_spread():
    """Tests that three nights over two staff leave a spread of one, at the fairness weight."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A"), Staff("B")),
        shifts=(D, N),
        cover=tuple(Cover(d, "N", 1) for d in range(3)) + tuple(Cover(d, "D", 0) for d in range(3)),
        rules=PatrolRules(fair_nights_weight=5),
    )
    result = solve(problem)
    assert result.objective == 5
    nights = sorted(row.count("N") for row in result.assignment.values())
    assert nights == [1, 2]


def test_pins_are_kept():
    """Tests that a pinned day off is kept even against a request."""
    problem = RosterProblem(
        days=2,
        staff=(Staff("A"),),
        shifts=(E,),
        requests=(ShiftRequest("A", 0, "E", 6),),
        pins=(Pin("A", 0, None), Pin("A", 1, "E")),
    )
    result = solve(problem)
    assert result.objective == 6
    assert result.assignment["A"] == [None, "E"]


def test_cyclic_pattern_hard_and_soft():
    """Tests that a hard rotation is followed and a soft one costs its weight per day off it."""
    pattern = Pattern(("D", "N", None, None))
    hard = RosterProblem(
        days=8,
        staff=(Staff("A"),),
        shifts=(D, N),
        pins=(Pin("A", 1, "D"),),
        rules=PatrolRules(pattern=pattern),
    )
    result = solve(hard)
    assert result.assignment["A"] == [None, "D", "N", None, None, "D", "N", None]
    soft = RosterProblem(
        days=4,
        staff=(Staff("A"),),
        shifts=(D, N),
        requests=(ShiftRequest("A", 2, "D", 9),),
        rules=PatrolRules(pattern=Pattern(("D", "N", None, None), weight=3, offsets=(("A", 0),))),
    )
    assert solve(soft).objective == 3


def test_min_crew_with_neighbour_lending():
    """Tests that a group short of members on leave gets a member lent by an off-duty neighbour."""
    crew = Crew(
        members=(("A", ("A1", "A2", "A3")), ("B", ("B1", "B2", "B3"))),
        min_members=3,
        leave=frozenset({("B1", 0)}),
        neighbours=(("B", ("A",)),),
        lend_weight=2,
    )
    problem = RosterProblem(
        days=1,
        staff=(Staff("A"), Staff("B")),
        shifts=(D,),
        cover=(Cover(0, "D", 1),),
        requests=(ShiftRequest("A", 0, "D", 10, on=False),),
        rules=PatrolRules(crew=crew),
    )
    result = solve(problem)
    assert result.objective == 2
    assert result.assignment == {"A": [None], "B": ["D"]}
    assert len(result.lending) == 1
    member, group, day = result.lending[0]
    assert member.startswith("A") and group == "B" and day == 0


def test_impossible_request_names_conflicting_rules():
    """Tests that an infeasible request names the conflicting rules and offers a relaxed roster."""
    problem = RosterProblem(
        days=3,
        staff=(Staff("A", name="group A", max_consecutive=2), Staff("B", days_off=frozenset({2}))),
        shifts=(E,),
        cover=tuple(Cover(d, "E", 1) for d in range(3)),
        requests=(ShiftRequest("B", 0, "E", 1),),
        pins=(Pin("B", 0, None), Pin("B", 1, None)),
    )
    result = solve_roster(problem, RosterParams(time_limit=5.0), seed=0)
    assert result.status is SolveStatus.INFEASIBLE
    text = " | ".join(result.conflict)
    assert "maximum working days in a row (2) for group A" in text
    assert "how many groups each shift needs" in text
    assert len(result.conflict) <= 4
    assert result.relaxed is not None and result.relaxed.check is not None
    broken = {v.rule for v in result.relaxed.check.hard}
    assert broken and broken <= {"max_consecutive", "cover", "pinned", "days_off"}


def test_instance1_reaches_the_published_optimum(shared_dir):
    """Tests that Instance1 of the benchmark reaches its published optimum in a few seconds."""
    folder = shared_dir / "bench" / "rostering"
    with (folder / "reference.csv").open(encoding="utf-8") as f:
        best = {r["instance"]: int(r["best_known_objective"]) for r in csv.DictReader(f)}
    problem = read_instance(folder / "Instance1.txt")
    result = solve(problem, RosterParams(time_limit=8.0))
    assert result.objective == best["Instance1"]


@pytest.mark.parametrize("days", [0, -1])
def test_problem_rejects_empty_horizon(days):
    """Tests that a problem without days is refused with a ProblemError."""
    from planner.exceptions import ProblemError

    with pytest.raises(ProblemError, match="at least one day"):
        RosterProblem(days=days, staff=(Staff("A"),), shifts=(E,))


def test_lent_member_keeps_rest_after_night():
    """Tests that a member lent for a night does not work a day shift with its own group next."""
    crew = Crew(
        members=(("A", ("A1", "A2")), ("B", ("B1", "B2"))),
        min_members=2,
        leave=frozenset({("A1", 0)}),
        neighbours=(("A", ("B",)),),
        lend_weight=1,
    )
    problem = RosterProblem(
        days=2,
        staff=(Staff("A"), Staff("B")),
        shifts=(D, N),
        cover=(Cover(0, "N", 1), Cover(0, "D", 0), Cover(1, "D", 1), Cover(1, "N", 0)),
        requests=(ShiftRequest("A", 1, "D", 10, on=False),),
        rules=PatrolRules(rest_after_night_minutes=24 * 60, crew=crew),
    )
    # Lending B1 to A for the night and B working the next day would cost only 1.
    shortcut = check_roster(problem, {"A": ["N", None], "B": [None, "D"]}, [("B1", "A", 0)])
    assert {v.rule for v in shortcut.hard} == {"min_rest"}
    result = solve(problem)
    assert result.objective == 10
    assert result.assignment == {"A": [None, "D"], "B": ["N", None]}


def test_reserve_lent_the_night_before_is_not_lent_next_morning():
    """Tests that a reserve lent on the baseline's last night keeps its rest on day 0."""
    crew = Crew(
        members=(("A", ("A1", "A2")),),
        min_members=2,
        leave=frozenset({("A1", 0)}),
        reserves=("R1", "R2"),
        lend_weight=1,
        lent_before=(("R1", ("N",)),),
    )
    problem = RosterProblem(
        days=1,
        staff=(Staff("A"),),
        shifts=(D, N),
        cover=(Cover(0, "D", 1), Cover(0, "N", 0)),
        rules=PatrolRules(rest_after_night_minutes=24 * 60, crew=crew),
    )
    shortcut = check_roster(problem, {"A": ["D"]}, [("R1", "A", 0)])
    assert {v.rule for v in shortcut.hard} == {"min_rest"}
    result = solve(problem)
    assert result.assignment == {"A": ["D"]}
    assert result.lending == (("R2", "A", 0),)
