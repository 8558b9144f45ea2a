"""Tests of re-planning: a group called away, done visits kept, school windows taken over."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from planner.exceptions import IncidentError
from planner.patrol.inputs import load_inputs
from planner.patrol.replan import replan
from planner.plan.document import read_plan

if TYPE_CHECKING:
    from pathlib import Path

T = 14 * 3600  # 14:00 on the plan's day, before the 16:00-18:00 pick-up windows


@pytest.fixture(scope="module")
def before(small_plan: Path):
    """The session's one-day plan (two groups on the day shift)."""
    return read_plan(small_plan / "plan.json")


@pytest.fixture(scope="module")
def inputs(small_plan: Path):
    """The default district's inputs with the plan's rules file."""
    return load_inputs(None, small_plan / "inputs" / "rules.toml")


@pytest.fixture(scope="module")
def away(before):
    """The day group with the most gate visits after 14:00."""

    def gates(r):
        return sum(s.kind == "visit" and s.category == "school" and s.start >= T for s in r.stops)

    day = [r for r in before.routes if r.shift_id == "D" and r.unit_kind != "grid"]
    return max(day, key=gates).group_id


@pytest.fixture(scope="module")
def after(before, inputs, away):
    """The plan re-planned with ``away`` called away at 14:00."""
    return replan(before, inputs, away, datetime(2026, 12, 7, 14, 0), time_limit=2.0)


def _routes(doc, group, shift="D"):
    return [r for r in doc.routes if r.group_id == group and r.shift_id == shift]


def _unit(doc, unit, shift):
    return next(r for r in doc.routes if r.unit_id == unit and r.shift_id == shift)


def test_done_visits_stay(before, after) -> None:
    """Tests that every stop begun before 14:00 is unchanged for every group."""
    doc, _ = after
    for old in before.routes:
        new = _unit(doc, old.unit_id, old.shift_id)
        done_old = [(s.site_id, s.arrival, s.start) for s in old.stops if s.start < T]
        done_new = [(s.site_id, s.arrival, s.start) for s in new.stops if s.start < T]
        assert done_new == done_old


def test_called_away_group_stops_at_that_time(after, away) -> None:
    """Tests that the unavailable group's units' routes end at 14:00 and its leave is recorded."""
    doc, changes = after
    for route in _routes(doc, away):
        assert route.end_s == T
        assert all(s.start < T and s.departure <= T for s in route.stops)
    leave = [lv for lv in doc.roster.leave if lv.group_id == away and lv.member_id is None]
    assert leave and "14:00" in leave[0].reason
    assert any(line.startswith(f"Group {away}") and "visits made stay" in line for line in changes)


def test_other_group_takes_over_school_windows(before, after, away) -> None:
    """Tests that the group still on duty picks up school gate visits the other one dropped."""
    doc, _ = after
    other = next(
        r.group_id
        for r in before.routes
        if r.shift_id == "D" and r.group_id not in (away, "")  # "": a grid member's walk
    )

    def gate_sites(routes):
        return {
            s.area_id for r in routes for s in r.stops if s.category == "school" and s.start >= T
        }

    orphaned = gate_sites(_routes(before, away))
    taken = gate_sites(_routes(doc, other)) - gate_sites(_routes(before, other))
    assert orphaned and taken & orphaned


def test_replanned_plan_passes_checks(after) -> None:
    """Tests that the re-planned plan keeps every checked rule (windows that can be reached)."""
    doc, _ = after
    assert all(c.ok for c in doc.validation), [c.violations for c in doc.validation]
    assert doc.stages[-1].name == "replan"


def test_alleys_ridden_before_the_call_away_keep_their_ride_as_dwell(before, after) -> None:
    """Tests that stitching a route at 14:00 keeps each alley's dwell its ride.

    An alley begun before 14:00 is left when the re-planned route sets off; any time added
    before that is waiting, not more ride: its dwell is what it was, the ride as planned.
    """
    doc, _ = after
    for old in before.routes:
        new = _unit(doc, old.unit_id, old.shift_id)
        made = [s for s in old.stops if s.kind == "alley" and s.start < T]
        kept = {(s.site_id, s.start): s for s in new.stops if s.kind == "alley"}
        for s in made:
            got = kept.get((s.site_id, s.start))
            if got is not None:
                assert got.dwell == s.dwell == s.departure - s.start
                assert got.departure - got.start >= got.dwell


def test_bad_requests_are_refused(before, inputs) -> None:
    """Tests that an unknown group or a time outside the horizon is refused in one sentence."""
    with pytest.raises(IncidentError, match="no group 'Z'"):
        replan(before, inputs, "Z", datetime(2026, 12, 7, 14, 0))
    with pytest.raises(IncidentError, match="outside the plan's days"):
        replan(before, inputs, "A", datetime(2026, 12, 9, 14, 0))


def test_a_unit_replanned_after_its_meal_keeps_its_work_cap(before) -> None:
    """Tests that a meal taken before the re-plan is still no street time: the unit's cap on
    work (a share of its street time) is what it was, not raised by the meal's half hour."""
    from planner.patrol.replan import unit_of

    route = next(r for r in before.routes if r.unit_kind == "pair" and r.shift_id == "D")
    meals = [s for s in route.stops if s.kind == "break"]
    assert len(meals) == 2
    whole = unit_of(route, route.start_s, route.handover_s)
    after_first = unit_of(route, meals[0].departure, route.handover_s)
    assert len(after_first.breaks) == len(whole.breaks) - 1
    assert after_first.street_s == whole.street_s
