"""Tests of the routing core on tiny hand-checkable instances, one per patrol rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner.checks.routes import validate_routes
from planner.exceptions import ProblemError
from planner.routing.model import MEAL, MealBreak, RoutingProblem, Site, Vehicle
from planner.routing.solve import RouteParams, SolveStatus, solve_routes

# Five places on a line, one minute apart on foot; a bicycle is three times faster.
LINE = np.array([[abs(i - j) * 60 for j in range(5)] for i in range(5)], dtype=np.int64)
BIKE = LINE // 3
FAST = RouteParams(time_limit=2.0, engine="ortools", metaheuristic="greedy", ruin_recreate=False)


def problem(sites, vehicles=None, **matrices) -> RoutingProblem:
    mats = matrices or {"foot": LINE}
    vehicles = vehicles or (Vehicle("v1", 0, 0, (0, 3600)),)
    return RoutingProblem(mats, tuple(sites), tuple(vehicles))


def solve(p: RoutingProblem, params: RouteParams = FAST, seed: int = 0):
    result = solve_routes(p, params, seed=seed)
    check = validate_routes(p, result.routes)
    assert check.ok, check.violations
    assert check.value == result.objective
    return result


def stops(result, vehicle=0):
    return {s.site_id: s for s in result.routes[vehicle].stops}


def test_collects_all_sites_with_times_from_the_matrix():
    """Tests that reachable sites are all visited and times follow the matrix and service."""
    p = problem([Site("a", 2, value=5, service=30), Site("b", 4, value=7)])
    r = solve(p)
    assert r.status is SolveStatus.FEASIBLE
    assert r.objective == 12
    s = stops(r)
    assert s["a"].start - r.routes[0].departure >= 120
    assert s["a"].departure == s["a"].start + 30
    assert s["b"].arrival == s["a"].departure + 120
    assert r.routes[0].return_time == s["b"].departure + 240


def test_drops_the_least_valuable_site_when_the_shift_is_short():
    """Tests prize collecting: with time for one trip, the more valuable site is kept."""
    p = problem(
        [Site("near", 1, value=3, service=200), Site("far", 4, value=10)],
        (Vehicle("v1", 0, 0, (0, 480)),),
    )
    r = solve(p)
    assert r.objective == 10
    assert r.routes[0].site_ids == ["far"]
    assert r.dropped == ("near",)


def test_waits_for_a_window_to_open():
    """Tests that a stop reached early starts when its window opens."""
    p = problem([Site("a", 1, value=1, windows=((600, 700),))])
    s = stops(solve(p))["a"]
    assert 600 <= s.start <= 700
    assert s.arrival <= s.start


def test_school_gate_picks_one_of_several_windows():
    """Tests a site with two windows (morning and afternoon gate) starts inside one of them."""
    p = problem(
        [Site("school", 3, value=4, windows=((0, 60), (1800, 1900)))],
    )
    s = stops(solve(p))["school"]
    assert 1800 <= s.start <= 1900  # the morning gate closes before it can be reached


def test_repeat_visits_keep_the_minimum_gap():
    """Tests a hotspot visited three times with at least 10 minutes between visits."""
    p = problem(
        [Site("hot", 2, value=5, visits=3, min_gap=600, mandatory=True), Site("x", 4, value=1)]
    )
    r = solve(p)
    starts = sorted(s.start for s in r.routes[0].stops if s.site_id == "hot")
    assert len(starts) == 3
    assert all(b - a >= 600 for a, b in itertools.pairwise(starts))


def test_repeat_visits_can_be_shared_between_vehicles():
    """Tests that gaps hold across groups when two vehicles share a hotspot's visits."""
    p = problem(
        [Site("hot", 2, value=5, visits=2, min_gap=900, mandatory=True)],
        (Vehicle("v1", 0, 0, (0, 1200)), Vehicle("v2", 4, 4, (900, 2400))),
    )
    r = solve(p)
    starts = sorted(s.start for route in r.routes for s in route.stops)
    assert len(starts) == 2
    assert starts[1] - starts[0] >= 900


def test_fixed_post_is_held_through_its_window():
    """Tests that a fixed post starts at its window start and lasts to its end."""
    post = Site.fixed_post("gate", 3, 600, 1500, value=2)
    p = problem([post, Site("a", 1, value=1)])
    s = stops(solve(p))["gate"]
    assert (s.start, s.departure) == (600, 1500)


def test_segment_is_traversed_and_left_from_its_far_end():
    """Tests an alley from node 1 to 3: travel time includes its length and leaves from 3."""
    p = problem([Site("alley", 1, value=5, exit_node=3, reversible=False), Site("b", 4, value=1)])
    r = solve(p)
    s = stops(r)
    assert (s["alley"].node, s["alley"].exit_node) == (1, 3)
    assert s["alley"].departure == s["alley"].start + 120
    assert s["b"].arrival == s["alley"].departure + 60


def test_reversible_segment_is_walked_in_the_cheaper_direction():
    """Tests that an alley starting near a far base is entered from the base's side."""
    p = problem(
        [Site("alley", 1, value=5, exit_node=3)],
        (Vehicle("v1", 4, 4, (0, 3600)),),
    )
    s = stops(solve(p))["alley"]
    assert (s.node, s.exit_node) == (3, 1)


def test_each_vehicle_moves_at_its_mode_speed():
    """Tests per-mode matrices: the bicycle reaches the far site three times sooner."""
    p = problem(
        [Site("a", 4, value=1, vehicles=("walk",)), Site("b", 4 - 1, value=1, vehicles=("ride",))],
        (Vehicle("walk", 0, 0, (0, 3600)), Vehicle("ride", 0, 0, (0, 3600), mode="bike")),
        foot=LINE,
        bike=BIKE,
    )
    r = solve(p)
    walk, ride = r.routes
    assert walk.stops[0].arrival - walk.departure == 240
    assert ride.stops[0].arrival - ride.departure == 60


def test_meal_break_is_taken_at_base_in_its_window():
    """Tests that a vehicle with a meal break stops at its base for it inside the window."""
    meal = MealBreak(earliest=1200, latest=1500, duration=1800)
    p = problem(
        [Site("a", 4, value=3), Site("b", 2, value=3)],
        (Vehicle("v1", 0, 0, (0, 4 * 3600), meal=meal),),
    )
    r = solve(p)
    m = stops(r)[MEAL]
    assert m.node == 0
    assert 1200 <= m.start <= 1500
    assert m.departure == m.start + 1800


def test_every_route_is_back_by_the_end_of_the_shift():
    """Tests that the return time never passes the shift end when sites are far away."""
    p = problem(
        [Site(f"s{i}", i, value=1, service=300) for i in range(1, 5)],
        (Vehicle("v1", 0, 0, (0, 1000)),),
    )
    r = solve(p)
    assert r.routes[0].return_time <= 1000
    assert 0 < r.objective < 4


def test_impossible_mandatory_visit_is_an_infeasible_result():
    """Tests that a mandatory site that cannot fit comes back as INFEASIBLE, named."""
    p = problem(
        [Site("must", 4, mandatory=True, windows=((10, 20),))],
    )
    r = solve_routes(p, FAST)
    assert r.status is SolveStatus.INFEASIBLE
    assert r.missing == ("must",)
    assert "must" in r.message


def test_seeded_noise_gives_valid_routes():
    """Tests that different seeds with cost noise all give valid routes of full value."""
    sites = [Site(f"s{i}", i, value=1) for i in range(1, 5)]
    p = problem(sites)
    params = RouteParams(time_limit=1.0, engine="ortools", noise=0.5)
    for seed in range(3):
        assert solve(p, params, seed=seed).objective == 4


@pytest.mark.parametrize(
    ("build", "needle"),
    [
        (lambda: RoutingProblem({"foot": np.zeros((2, 3), dtype=int)}, (), ()), "not square"),
        (lambda: RoutingProblem({"foot": -LINE}, (), ()), "negative time"),
        (lambda: Site("a", 1, windows=((50, 10),)), "ending at 10 before it opens at 50"),
        (lambda: problem([Site("a", 9)]), "outside the matrix"),
        (lambda: problem([Site("a", 1, vehicles=("ghost",))]), "unknown vehicle id 'ghost'"),
        (lambda: problem([Site("a", 1)]).site("zz"), "Unknown site id 'zz'"),
        (lambda: problem([Site("a", 1), Site("a", 2)]), "used twice"),
        (lambda: problem([], (Vehicle("v", 0, 0, (0, 9), mode="boat"),)), "mode 'boat'"),
        (lambda: RoutingProblem({"foot": LINE.astype(float)}, (), ()), "integer seconds"),
    ],
)
def test_bad_input_is_refused_in_one_sentence(build, needle):
    """Tests that each kind of bad input raises ProblemError with one clear sentence."""
    with pytest.raises(ProblemError) as err:
        build()
    text = str(err.value)
    assert needle in text
    assert text.count(". ") == 0 and text.endswith(".")


def test_site_whose_window_lies_after_the_shift_is_left_out():
    """Tests that a window beyond every shift drops the site instead of failing the model."""
    p = problem(
        [Site("late", 1, value=9, windows=((5000, 6000),)), Site("ok", 2, value=1)],
        (Vehicle("v1", 0, 0, (0, 3600)),),
    )
    r = solve(p)
    assert r.objective == 1
    assert r.dropped == ("late",)


def test_a_vehicle_takes_every_one_of_its_breaks_in_its_window():
    """Tests two breaks at the base, each once inside its own window, the second a fixed time."""
    from planner.routing.model import Break

    lunch = Break(600, 1200, 300, kind="meal")
    rest = Break(2400, 2400, 600, kind="rest")  # a fixed time, as the staggered night rest
    v = Vehicle("v1", 0, 0, (0, 3600), breaks=(lunch, rest))
    p = problem([Site("a", 4, value=5, service=60), Site("b", 2, value=5, service=60)], (v,))
    r = solve(p)
    breaks = [s for s in r.routes[0].stops if s.site_id == MEAL]
    assert [b.visit for b in sorted(breaks, key=lambda b: b.start)] == [0, 1]
    first, second = sorted(breaks, key=lambda b: b.start)
    assert 600 <= first.start <= 1200 and second.start == 2400
    assert r.objective == 10


def test_the_work_cap_leaves_time_free_and_the_checker_recomputes_it():
    """Tests that max_work keeps travel and service under the cap (here room for one site)."""
    sites = [Site("a", 1, value=5, service=300), Site("b", 4, value=9, service=300)]
    # To b and back is 480 s of travel and 300 s of service: 780 s; a too would be 1080 s.
    v = Vehicle("v1", 0, 0, (0, 3600), max_work=800)
    r = solve(problem(sites, (v,)))
    assert r.routes[0].site_ids == ["b"]
    broken = problem(sites, (Vehicle("v1", 0, 0, (0, 3600), max_work=700),))
    check = validate_routes(broken, r.routes)
    assert [x.rule for x in check.violations] == ["work"]


def test_the_checkpoint_cap_counts_only_checkpoints():
    """Tests max_stops: two checkpoints at most, a street segment does not count."""
    sites = [
        Site("a", 1, value=5),
        Site("b", 2, value=5),
        Site("c", 3, value=5),
        Site("alley", 3, value=5, exit_node=4, checkpoint=False),
    ]
    r = solve(problem(sites, (Vehicle("v1", 0, 0, (0, 3600), max_stops=2),)))
    ids = r.routes[0].site_ids
    assert "alley" in ids and len([i for i in ids if i != "alley"]) == 2


def test_a_solution_limit_gives_the_same_routes_every_time():
    """Tests that with a solution limit the search stops at the same routes on every run."""
    rng = np.random.default_rng(5)
    n = 30
    xy = rng.uniform(0, 2000, size=(n, 2))
    mat = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    sites = [Site(f"s{i}", i, value=int(rng.integers(1, 20)), service=120) for i in range(1, n)]
    vehicles = [Vehicle(f"v{k}", 0, 0, (0, 5400)) for k in range(2)]
    p = RoutingProblem({"foot": mat}, tuple(sites), tuple(vehicles))
    params = RouteParams(time_limit=30.0, engine="ortools", solution_limit=200, noise=0.15)
    runs = [solve_routes(p, params, seed=11) for _ in range(3)]
    assert len({tuple(tuple(r.site_ids) for r in run.routes) for run in runs}) == 1
    assert all(run.runtime < 30.0 for run in runs)
