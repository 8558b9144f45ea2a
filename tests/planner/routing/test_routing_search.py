"""Tests of the search portfolio: PyVRP's routes checked and polished by the routing model."""

from __future__ import annotations

import numpy as np

from planner.checks.routes import earliest_routes, validate_routes
from planner.routing.engine import OrtoolsRun, schedule_routes, to_routes
from planner.routing.layout import Layout
from planner.routing.model import MealBreak, RoutingProblem, Site, Vehicle
from planner.routing.search import pyvrp_can_express, run_pyvrp
from planner.routing.solve import RouteParams, SolveStatus, solve_routes

GRID = np.array(
    [[60 * (abs(i % 3 - j % 3) + abs(i // 3 - j // 3)) for j in range(9)] for i in range(9)],
    dtype=np.int64,
)


def mixed_problem(**vehicle: object) -> RoutingProblem:
    sites = (
        Site("alley", 1, value=4, exit_node=7, service=30),
        Site("school", 5, value=6, windows=((0, 100), (900, 1000))),
        Site("market", 8, value=3, service=120),
        Site("bank", 3, value=2, mandatory=True),
    )
    vehicles = (Vehicle("g1", 0, 0, (0, 1800), **vehicle), Vehicle("g2", 0, 0, (0, 1800)))
    return RoutingProblem({"foot": GRID}, sites, vehicles)


def test_pyvrp_routes_are_valid_with_segments_and_several_windows():
    """Tests PyVRP's routes through client groups (orientations, windows) pass the validator."""
    p = mixed_problem()
    layout = Layout.build(p)
    assert pyvrp_can_express(layout)
    nodes = run_pyvrp(layout, RouteParams(), 0.5, seed=1)
    assert nodes is not None
    plan = {
        v.id: [p.sites[layout.site[n]].id for n in r]
        for v, r in zip(p.vehicles, nodes, strict=True)
    }
    # Orientation matters for the alley: rebuild routes with the nodes PyVRP chose.
    run = OrtoolsRun(nodes, [[0] * len(r) for r in nodes], [0, 0], [0, 0], 0, SolveStatus.FEASIBLE)
    assert [r.site_ids for r in to_routes(layout, run)] == [plan["g1"], plan["g2"]]
    assert earliest_routes(p, plan)
    assert sum(layout.value(n) for r in nodes for n in r) == 15


def test_portfolio_result_is_valid_and_complete():
    """Tests the portfolio engine end to end: every site visited, validator clean."""
    p = mixed_problem()
    r = solve_routes(p, RouteParams(time_limit=2.0, engine="portfolio"), seed=3)
    check = validate_routes(p, r.routes)
    assert check.ok, check.violations
    assert r.objective == check.value == 15
    assert "polish" in r.engine


def test_exact_gaps_go_to_the_routing_solver_and_meals_to_both():
    """Tests that exact minimum gaps keep PyVRP out of the auto engine; meals do not."""
    meal = MealBreak(600, 900, 300)
    with_meal = mixed_problem(meal=meal)
    assert pyvrp_can_express(Layout.build(with_meal))
    r = solve_routes(with_meal, RouteParams(time_limit=2.0, engine="portfolio"), seed=2)
    assert validate_routes(with_meal, r.routes).ok
    assert r.objective == 15
    p = RoutingProblem(
        {"foot": GRID}, (Site("hot", 4, value=1, visits=2, min_gap=300),), mixed_problem().vehicles
    )
    assert not pyvrp_can_express(Layout.build(p))
    assert pyvrp_can_express(Layout.build(p, stagger=True))
    r = solve_routes(p, RouteParams(time_limit=1.0))
    assert r.engine == "ortools"
    assert validate_routes(p, r.routes).ok


def test_staggered_gap_windows_keep_the_gap():
    """Tests the windows gap model: three visits in slots a gap apart, all valid."""
    p = RoutingProblem(
        {"foot": GRID},
        (Site("hot", 4, value=1, visits=3, min_gap=1000, mandatory=True),),
        (Vehicle("g1", 0, 0, (0, 3600)),),
    )
    layout = Layout.build(p, stagger=True)
    assert [layout.windows(n) for g in layout.groups for n in g] == [
        [(0, 200)],
        [(1200, 1400)],
        [(2400, 2600)],
    ]
    r = solve_routes(p, RouteParams(time_limit=2.0, gap_model="windows"))
    assert validate_routes(p, r.routes).ok
    assert r.objective == 3


def test_schedule_routes_checks_windows_and_restrictions():
    """Tests direct scheduling of engine routes: earliest starts, and refusals."""
    p = mixed_problem(meal=MealBreak(0, 900, 300))
    layout = Layout.build(p)
    school = layout.groups[1][0]
    (meal_g1,) = layout.break_nodes[0]
    run = schedule_routes(layout, [[meal_g1, school], []])
    assert run is not None
    assert run.starts[0] == [0, 900]  # meal at once; the school's second window opens at 900
    assert schedule_routes(layout, [[], [meal_g1]]) is None  # g1's meal taken by g2
    assert schedule_routes(layout, [[school, meal_g1], []]) is None  # meal window missed
    assert schedule_routes(layout, [[school], [school]]) is None  # one visit served twice
