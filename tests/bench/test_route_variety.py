"""Tests of seeded route variety and the overlap report."""

from __future__ import annotations

import numpy as np
import pytest

from bench.route_variety import overlap_report, route_overlap, vary_routes
from planner.checks.routes import validate_routes
from planner.exceptions import ProblemError
from planner.routing.model import RoutingProblem, Site, Vehicle
from planner.routing.solve import RouteParams

RNG = np.random.default_rng(7)
POINTS = RNG.uniform(0, 1000, size=(13, 2))
MATRIX = np.rint(np.hypot(*(POINTS[:, None, :] - POINTS[None, :, :]).transpose(2, 0, 1))).astype(
    np.int64
)
SITES = (
    Site("school", 1, value=5, windows=((600, 1500),), mandatory=True),
    *(Site(f"s{i}", i, value=1 + i % 3, service=60) for i in range(2, 13)),
)
PROBLEM = RoutingProblem(
    {"foot": MATRIX}, SITES, (Vehicle("g1", 0, 0, (0, 3000)), Vehicle("g2", 0, 0, (0, 3000)))
)
PARAMS = RouteParams(time_limit=0.5, engine="ortools")


def test_seeds_give_different_valid_routes_near_the_best():
    """Tests three seeds: valid, mandatory school kept, within 5%, not all identical."""
    best = vary_routes(PROBLEM, PARAMS, seed=0, noise=0.0).result.objective
    days = []
    for seed in (1, 2, 3):
        varied = vary_routes(PROBLEM, PARAMS, seed=seed, best_value=best)
        check = validate_routes(PROBLEM, varied.result.routes)
        assert check.ok, check.violations
        assert "school" in {s for r in varied.result.routes for s in r.site_ids}
        assert varied.result.objective >= 0.95 * best
        days.append(varied.result.routes)
    report = overlap_report(days)
    assert report["pairs"] == 3
    assert report["mean_order_similarity"] < 1.0


def test_the_same_seed_gives_the_same_routes():
    """Tests that a recorded seed reproduces its routes."""
    a = vary_routes(PROBLEM, PARAMS, seed=5, best_value=1)
    b = vary_routes(PROBLEM, PARAMS, seed=5, best_value=1)
    assert [r.site_ids for r in a.result.routes] == [r.site_ids for r in b.result.routes]


def test_overlap_of_identical_and_disjoint_days():
    """Tests the overlap measures at their ends: 1 for the same day, 0 for disjoint days."""
    day = vary_routes(PROBLEM, PARAMS, seed=0, noise=0.0).result.routes
    same = route_overlap(day, day)
    assert (same.shared_stops, same.order_similarity) == (1.0, 1.0)
    assert route_overlap(day, ()).shared_stops == 0.0


def test_bad_tolerance_is_refused():
    """Tests one sentence for a tolerance outside [0, 1)."""
    with pytest.raises(ProblemError, match="tolerance"):
        vary_routes(PROBLEM, PARAMS, seed=0, tolerance=1.5)
