"""Patrol routes with the OR-Tools routing solver: prize-collecting, time windows, breaks.

:func:`solve_routes` is the routing core's one entry point: a :class:`RoutingProblem` and
:class:`RouteParams` in, a :class:`RouteResult` out, and a warm start as a plain argument.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from planner.result import SolveStatus
from planner.routing.engine import make_result, run_ortools
from planner.routing.layout import Layout
from planner.routing.model import MEAL
from planner.routing.params import RouteParams, RouteResult
from planner.routing.search import portfolio, pyvrp_can_express

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.routing.model import RoutingProblem

__all__ = ["RouteParams", "RouteResult", "SolveStatus", "solve_routes"]

log = logging.getLogger("planner")


def _initial_nodes(layout: Layout, initial: Mapping[str, Sequence[str]]) -> list[list[int]]:
    """Turn site ids per vehicle into routing nodes (each site's next unused copy).

    :data:`planner.routing.model.MEAL` stands for the vehicle's next break, so a starting
    route keeps its breaks where they were; breaks it does not place are put where the
    search finds room.
    """
    prob = layout.problem
    free: dict[str, list[int]] = {}
    for g, si in zip(layout.groups, layout.group_site, strict=True):
        free.setdefault(prob.sites[si].id, []).append(g[0])
    out = []
    for vi, v in enumerate(prob.vehicles):
        nodes = []
        breaks = list(layout.break_nodes.get(vi, ()))
        for sid in initial.get(v.id, ()):
            if sid == MEAL:
                if breaks:
                    nodes.append(breaks.pop(0))
                continue
            copies = free.get(sid)
            if copies:
                nodes.append(copies.pop(0))
        out.append(nodes)
    return out


def solve_routes(
    problem: RoutingProblem,
    params: RouteParams | None = None,
    *,
    seed: int = 0,
    initial: Mapping[str, Sequence[str]] | None = None,
) -> RouteResult:
    """Find routes that collect the most value while keeping every patrol rule.

    Parameters
    ----------
    problem
        Sites, vehicles and travel-time matrices.
    params
        Search settings; defaults to :class:`RouteParams` ().
    seed
        Seed of PyVRP's search and of the arc-cost noise used for route variety.
    initial
        Routes to start the search from: vehicle id -> site ids in visiting order (e.g. the
        routes of a plan being re-planned). Sites the problem lacks are skipped; the routing
        solver alone searches from them.

    Returns
    -------
    RouteResult
        Routes with arrival, start and departure times; INFEASIBLE when no routes were found
        or a mandatory visit or meal break could not be fitted (``missing`` names them).
    """
    started = time.perf_counter()
    params = params or RouteParams()
    stagger = params.gap_model == "windows" or (
        params.gap_model == "auto" and len(problem.sites) > 60
    )
    layout = Layout.build(problem, stagger=stagger)
    use_portfolio = initial is None and (
        params.engine == "portfolio" or (params.engine == "auto" and pyvrp_can_express(layout))
    )
    if use_portfolio:
        run, engine = portfolio(layout, params, started + params.time_limit, seed=seed)
    else:
        left = params.time_limit - (time.perf_counter() - started) - 0.1
        start = _initial_nodes(layout, initial) if initial is not None else None
        run = run_ortools(layout, params, max(left, 0.05), initial=start, seed=seed)
        engine = "ortools"
    result = make_result(layout, run, started, engine)
    log.info("routes: %s", result.summary())
    return result
