"""Tests that the route validator recomputes times and catches every kind of broken route."""

from __future__ import annotations

import numpy as np

from planner.checks.routes import earliest_routes, validate_routes
from planner.routing.model import MEAL, MealBreak, Route, RoutingProblem, Site, Stop, Vehicle

# Four places on a line, one minute apart.
LINE = np.array([[abs(i - j) * 60 for j in range(4)] for i in range(4)], dtype=np.int64)
SITES = (
    Site("a", 1, value=2, service=30, windows=((0, 500),)),
    Site("b", 2, value=3, visits=2, min_gap=600),
    Site("c", 3, value=5, mandatory=True),
)
VEHICLE = Vehicle("v", 0, 0, (0, 2000))
PROBLEM = RoutingProblem({"foot": LINE}, SITES, (VEHICLE,))


def stop(site: str, node: int, arrival: int, start: int, departure: int, visit: int = 0) -> Stop:
    return Stop(site, visit, node, node, arrival, start, departure)


def good_route() -> Route:
    return Route(
        "v",
        (
            stop("a", 1, 60, 60, 90),
            stop("b", 2, 150, 150, 150),
            stop("c", 3, 210, 210, 210),
            stop("b", 2, 270, 750, 750, 1),
        ),
        0,
        870,
    )


def rules(route: Route, problem: RoutingProblem = PROBLEM) -> list[str]:
    return [v.rule for v in validate_routes(problem, [route]).violations]


def test_a_correct_route_passes_and_its_value_is_recomputed():
    """Tests that a hand-checked route has no violation and value 2 + 3 + 5 + 3."""
    check = validate_routes(PROBLEM, [good_route()])
    assert check.ok
    assert check.value == 13


def test_late_arrival_is_caught():
    """Tests a stop claimed to start before the vehicle can get there."""
    r = good_route()
    bad = Route("v", (stop("a", 1, 10, 10, 40), *r.stops[1:]), 0, 870)
    assert "late" in rules(bad)


def test_missed_window_is_caught():
    """Tests a start after the site's window has closed."""
    r = good_route()
    bad = Route("v", (stop("a", 1, 60, 600, 630), *r.stops[1:]), 0, 2000)
    assert "window" in rules(bad)


def test_too_short_gap_is_caught():
    """Tests two visits of a repeated hotspot closer than its minimum gap."""
    r = good_route()
    bad = Route("v", (*r.stops[:3], stop("b", 2, 270, 270, 270, 1)), 0, 400)
    assert rules(bad) == ["min_gap"]


def test_duplicate_visit_is_caught():
    """Tests a site visited more often than it should be."""
    r = good_route()
    bad = Route("v", (*r.stops, stop("a", 1, 810, 810, 840)), 0, 2000)
    assert "duplicate_visit" in rules(bad)


def test_late_return_and_missing_mandatory_are_caught():
    """Tests a shift overrun and a mandatory site left out."""
    short = RoutingProblem({"foot": LINE}, SITES, (Vehicle("v", 0, 0, (0, 800)),))
    r = good_route()
    assert "shift_end" in rules(r, short)
    without_c = Route("v", (r.stops[0], r.stops[1]), 0, 300)
    assert rules(without_c) == ["mandatory"]


def test_unknown_site_and_vehicle_are_caught():
    """Tests routes naming a site or a vehicle the problem does not have."""
    assert "unknown_site" in rules(Route("v", (stop("zz", 1, 60, 60, 60),), 0, 120))
    assert "unknown_vehicle" in rules(Route("ghost", (), 0, 0))


def test_meal_break_rules_are_checked():
    """Tests a missing meal break and one taken outside its window."""
    meal = MealBreak(earliest=300, latest=400, duration=100)
    p = RoutingProblem({"foot": LINE}, (), (Vehicle("v", 0, 0, (0, 2000), meal=meal),))
    assert rules(Route("v", (), 0, 0), p) == ["meal"]
    early = Route("v", (Stop(MEAL, 0, 0, 0, 0, 100, 200),), 0, 200)
    assert rules(early, p) == ["meal"]
    ok = Route("v", (Stop(MEAL, 0, 0, 0, 0, 350, 450),), 0, 450)
    assert rules(ok, p) == []


def test_earliest_routes_schedule_from_the_matrix():
    """Tests that earliest scheduling waits for windows and adds service times."""
    routes = earliest_routes(PROBLEM, {"v": ["a", "c"]})
    a, c = routes[0].stops
    assert (a.arrival, a.start, a.departure) == (60, 60, 90)
    assert (c.arrival, c.start) == (210, 210)
    assert routes[0].return_time == 390
