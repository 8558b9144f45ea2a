"""Tests of the flow relaxation's lower bound on a roster's objective."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.rostering import read_instance
from bench.rostering_generate import generate
from planner.checks.roster import check_roster
from planner.roster.bound import flow_bound
from planner.roster.model import Cover, RosterProblem, ShiftRequest, ShiftType, Staff
from planner.roster.solve import RosterParams, SolveStatus, solve_roster

if TYPE_CHECKING:
    from pathlib import Path

SHIFTS = (ShiftType("D", 480, start=480), ShiftType("N", 600, start=1320))


def test_bound_is_exact_where_nothing_joins_days():
    """Tests that one day's shortage and a wish that cannot be granted are bounded exactly."""
    staff = tuple(Staff(f"s{i}", max_minutes=600) for i in range(3))
    cover = (Cover(0, "D", 2, 100, 1), Cover(0, "N", 2, 50, 1))
    # Three people for four places: one place stays empty, the cheaper one (N: 50).
    wish = (ShiftRequest("s0", 0, "D", 7, on=False),)
    pr = RosterProblem(days=1, staff=staff, shifts=SHIFTS, cover=cover, requests=wish)
    result = solve_roster(pr, RosterParams(time_limit=5.0, num_workers=1), seed=0)
    assert result.status is SolveStatus.OPTIMAL
    # s0 takes N (no wish broken); D gets two, N one: 50.
    assert result.objective == 50
    assert flow_bound(pr) == 50


def test_bound_counts_the_shifts_people_may_work():
    """Tests that minutes and days off limit what the relaxation may cover."""
    # One person, 7 days of one shift wanted each day, but 3 shifts of minutes allowed and
    # one day off: 4 places stay empty whatever the roster.
    person = Staff("a", max_minutes=3 * 480, days_off=frozenset({2}))
    cover = tuple(Cover(d, "D", 1, 10, 1) for d in range(7))
    pr = RosterProblem(days=7, staff=(person,), shifts=SHIFTS[:1], cover=cover)
    assert flow_bound(pr) == 40
    # Who must work more than the cover wants pays for the extra shifts.
    busy = Staff("b", min_minutes=5 * 480)
    wanted = tuple(Cover(d, "D", int(d < 3), 10, 1) for d in range(7))
    pr = RosterProblem(days=7, staff=(busy,), shifts=SHIFTS[:1], cover=wanted)
    assert flow_bound(pr) == 2


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    staff=st.integers(3, 8),
    weeks=st.integers(1, 2),
    kinds=st.integers(1, 3),
    seed=st.integers(0, 10_000),
)
def test_bound_is_below_every_roster_found(tmp_path_factory, staff, weeks, kinds, seed):
    """Tests that no roster of a random look-alike scores below the bound."""
    path: Path = tmp_path_factory.mktemp("bound") / "Look.txt"
    path.write_text(generate(staff, 7 * weeks, kinds, seed=seed), encoding="utf-8")
    pr = read_instance(path)
    result = solve_roster(pr, RosterParams(time_limit=3.0, num_workers=1), seed=seed)
    if not result.is_feasible():
        return
    check = check_roster(pr, result.assignment)
    assert check.ok
    assert flow_bound(pr) <= check.objective
    assert result.bound is not None and result.bound <= check.objective


def test_bound_of_the_benchmark_is_below_the_best_known(tmp_path_factory):
    """Tests a generated instance of the benchmark's largest kind: quick, and no more than found."""
    path: Path = tmp_path_factory.mktemp("bound") / "Look.txt"
    path.write_text(generate(20, 84, 5, seed=3), encoding="utf-8")
    pr = read_instance(path)
    bound = flow_bound(pr)
    result = solve_roster(pr, RosterParams(time_limit=6.0, num_workers=2), seed=0)
    assert result.is_feasible()
    assert result.bound is not None and result.bound >= bound
    assert bound <= check_roster(pr, result.assignment).objective
