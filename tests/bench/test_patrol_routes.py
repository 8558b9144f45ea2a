"""Tests of district patrol routes on the default district: gates, meals, alleys, base."""

from __future__ import annotations

import pytest

from bench.patrol_routes import (
    DAY,
    NIGHT,
    Group,
    PatrolOptions,
    _gate_windows,
    patrol_problem,
    solve_patrol_shift,
)
from geodata.bundle import load_district
from geodata.network import StreetNetwork
from planner.checks.routes import validate_routes
from planner.exceptions import ProblemError
from planner.routing.model import MEAL


@pytest.fixture(scope="module")
def district():
    d = load_district()
    return d, StreetNetwork.from_district(d)


def test_gate_windows_fall_in_the_right_shift():
    """Tests school windows: pick-up in the day shift, drop-off up to 08:00 in the night."""
    assert _gate_windows(DAY, 300) == ((30600, 33900),)  # 16:30-17:25 from 08:00
    assert _gate_windows(NIGHT, 300) == ((40800, 42900),)  # 07:20-07:55 from 20:00


def test_day_shift_meets_every_gate_and_returns_to_base(district):
    """Tests a short solve of the day shift: valid, every school gate in window, meals."""
    d, net = district
    pp, result = solve_patrol_shift(d, net, DAY, time_limit=8.0)
    check = validate_routes(pp.problem, result.routes)
    assert check.ok, check.violations[:3]
    assert result.is_feasible()
    windows = dict(zip(pp.gate_sites, [(30600, 33900)] * len(pp.gate_sites), strict=True))
    seen = {}
    for route in result.routes:
        vehicle = pp.problem.vehicle(route.vehicle_id)
        assert route.return_time <= DAY.length
        assert pp.node_ids[vehicle.end].startswith("post:")
        assert sum(s.site_id == MEAL for s in route.stops) == 1
        for s in route.stops:
            if s.site_id in windows:
                seen[s.site_id] = s.start
    assert set(seen) == set(pp.gate_sites) and len(seen) >= 10
    assert all(30600 <= t <= 33900 for t in seen.values())
    alleys = [s for r in result.routes for s in r.stops if s.site_id.startswith("alley:")]
    assert any(s.node != s.exit_node for s in alleys)  # walked end to end


def test_external_values_and_groups(district):
    """Tests that external values replace priorities and groups choose mode and base."""
    d, net = district
    first = str(d.key_areas["id"].iloc[0])
    post = str(d.posts["id"].iloc[0])
    pp = patrol_problem(
        d,
        net,
        NIGHT,
        groups=[Group("X", "foot", post)],
        values={first: 7},
        options=PatrolOptions(school_day=False, meal=False),
    )
    assert pp.problem.site(first).value == 7
    assert pp.problem.vehicles[0].mode == "foot"
    assert set(pp.problem.matrices) == {"foot"}
    assert not pp.gate_sites


def test_bad_group_or_value_is_refused(district):
    """Tests one sentence for an unknown base post and for a value of an unknown area."""
    d, net = district
    with pytest.raises(ProblemError, match="base post 'nowhere'"):
        patrol_problem(d, net, DAY, groups=[Group("X", "foot", "nowhere")])
    with pytest.raises(ProblemError, match="unknown key area id 'zz'"):
        patrol_problem(d, net, DAY, values={"zz": 1})
