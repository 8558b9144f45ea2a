"""Day-to-day route variety from a recorded seed, near the best value, and route overlap."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.exceptions import ProblemError
from planner.routing.solve import RouteParams, RouteResult, solve_routes

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.routing.model import Route, RoutingProblem

log = logging.getLogger("planner")


@dataclass(frozen=True, slots=True)
class VariedRoutes:
    """Routes varied by ``seed``: their value is ``ratio`` times ``best_value``."""

    result: RouteResult
    seed: int
    noise: float
    best_value: int

    @property
    def ratio(self) -> float:
        """Collected value relative to the best known value (1.0 when both are 0)."""
        return self.result.objective / self.best_value if self.best_value else 1.0


@dataclass(frozen=True, slots=True)
class Overlap:
    """How much two days' routes overlap.

    ``shared_stops`` is the Jaccard index of the visited site sets (1 = the same sites);
    ``order_similarity`` the share of consecutive stop pairs (site A then site B by the same
    vehicle) that both days have (1 = the same order).
    """

    shared_stops: float
    order_similarity: float


def vary_routes(
    problem: RoutingProblem,
    params: RouteParams | None = None,
    *,
    seed: int,
    best_value: int | None = None,
    tolerance: float = 0.05,
    noise: float = 0.3,
) -> VariedRoutes:
    """Solve with seeded noise on travel costs and values, staying within ``tolerance``.

    The noise changes which optional sites are chosen and in which order; mandatory visits,
    windows, gaps, breaks and shift ends stay hard constraints. When the varied routes fall
    more than ``tolerance`` below ``best_value`` the noise is halved and the solve repeated
    (three tries, then the plain routes of the last try's seed with no noise).

    Parameters
    ----------
    problem
        The routing problem.
    params
        Search settings (``noise`` is set here); with the portfolio engine the seed also
        drives PyVRP, whose travel costs and prizes get the same kind of noise.
    seed
        The recorded seed of the day: the same seed gives the same routes.
    best_value
        Best known value; solved without noise when None.
    tolerance
        Largest accepted relative loss of value, e.g. 0.05 for 5%.
    noise
        Initial relative noise.

    Returns
    -------
    VariedRoutes
        The varied result with its seed and noise.

    Raises
    ------
    ProblemError
        When ``tolerance`` is not in [0, 1) or ``noise`` is negative.
    """
    if not 0 <= tolerance < 1:
        msg = f"The variety tolerance must be in [0, 1), not {tolerance}."
        raise ProblemError(msg)
    if noise < 0:
        msg = f"The variety noise must not be negative, not {noise}."
        raise ProblemError(msg)
    base = params or RouteParams()
    if best_value is None:
        best_value = solve_routes(problem, dataclasses.replace(base, noise=0.0)).objective
    level = noise
    for _ in range(3):
        result = solve_routes(problem, dataclasses.replace(base, noise=level), seed=seed)
        if result.is_feasible() and result.objective >= (1 - tolerance) * best_value:
            return VariedRoutes(result, seed, level, best_value)
        log.info("variety: seed %d at noise %.3f lost too much value; halving", seed, level)
        level /= 2
    result = solve_routes(problem, dataclasses.replace(base, noise=0.0), seed=seed)
    return VariedRoutes(result, seed, 0.0, max(best_value, result.objective))


def route_overlap(day_a: Sequence[Route], day_b: Sequence[Route]) -> Overlap:
    """Measure how much two days' routes share stops and stop order."""
    sites_a = {s for r in day_a for s in r.site_ids}
    sites_b = {s for r in day_b for s in r.site_ids}
    union = sites_a | sites_b
    shared = len(sites_a & sites_b) / len(union) if union else 1.0
    pairs_a = {(r.vehicle_id, a, b) for r in day_a for a, b in itertools.pairwise(r.site_ids)}
    pairs_b = {(r.vehicle_id, a, b) for r in day_b for a, b in itertools.pairwise(r.site_ids)}
    pairs = pairs_a | pairs_b
    order = len(pairs_a & pairs_b) / len(pairs) if pairs else 1.0
    return Overlap(shared, order)


def overlap_report(days: Sequence[Sequence[Route]]) -> dict[str, float]:
    """Summarise the overlap between every pair of days.

    Returns
    -------
    dict of str to float
        ``pairs`` compared, ``mean_shared_stops``, ``max_shared_stops``,
        ``mean_order_similarity`` and ``max_order_similarity``.
    """
    found = [route_overlap(a, b) for a, b in itertools.combinations(days, 2)]
    if not found:
        return {"pairs": 0.0}
    return {
        "pairs": float(len(found)),
        "mean_shared_stops": sum(o.shared_stops for o in found) / len(found),
        "max_shared_stops": max(o.shared_stops for o in found),
        "mean_order_similarity": sum(o.order_similarity for o in found) / len(found),
        "max_order_similarity": max(o.order_similarity for o in found),
    }
