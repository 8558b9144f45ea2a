"""The OR-Tools routing solver on an expanded problem: model, search, reading routes back."""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.result import SolveStatus
from planner.routing.model import MEAL, Route, Stop
from planner.routing.params import RouteParams, RouteResult

if TYPE_CHECKING:
    from planner.routing.layout import Layout

log = logging.getLogger("planner")

TIME = "Time"
WORK = "Work"
"""Dimension of the seconds a vehicle travels and serves (its ``max_work``)."""
STOPS = "Stops"
"""Dimension of a vehicle's checkpoint visits (its ``max_stops``)."""
# Penalty for leaving out a mandatory visit: larger than any value times its scale.
MANDATORY_PENALTY = 10**12


@dataclass(slots=True)
class OrtoolsRun:
    """Routes of a routing-solver run, as routing nodes per vehicle, with start times."""

    routes: list[list[int]]
    starts: list[list[int]]
    departures: list[int]
    returns: list[int]
    cost: int
    status: SolveStatus


_METAHEURISTICS = {
    "greedy": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,
    "gls": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "sa": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
}


def _strategy(name: str) -> int:
    return int(getattr(routing_enums_pb2.FirstSolutionStrategy, name))


def search_parameters(
    params: RouteParams, seconds: float, layout: Layout | None = None
) -> pywrapcp.RoutingSearchParameters:
    """Routing-solver search parameters for ``params``, a time budget and the problem."""
    sp = pywrapcp.DefaultRoutingSearchParameters()
    first = params.first_solution
    if first == "auto":
        hard = layout is not None and (
            bool(layout.break_nodes) or any(s.mandatory for s in layout.problem.sites)
        )
        first = "LOCAL_CHEAPEST_INSERTION" if hard else "PATH_CHEAPEST_ARC"
    sp.first_solution_strategy = _strategy(first)
    sp.local_search_metaheuristic = _METAHEURISTICS[params.metaheuristic]
    if params.ruin_recreate:
        sp.use_iterated_local_search = True
        ils = sp.iterated_local_search_parameters
        rr = ils.ruin_recreate_parameters
        del rr.ruin_strategies[:]
        strat = rr.ruin_strategies.add()
        strat.sisr.max_removed_sequence_size = params.ruin_size
        strat.sisr.avg_num_removed_visits = params.ruin_size
        strat.sisr.bypass_factor = 0.01
        rr.recreate_strategy.heuristic = (
            routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
        )
        ils.improve_perturbed_solution = True
    sp.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    if params.solution_limit is not None:
        sp.solution_limit = params.solution_limit
    return sp


def _prize_scale(layout: Layout, params: RouteParams) -> int:
    if params.prize_scale is not None:
        return params.prize_scale
    prob = layout.problem
    worst = 0
    for v in prob.vehicles:
        worst += max(v.window[1] - v.window[0], 0) + 1
    return max(worst, 1)


def run_ortools(
    layout: Layout,
    params: RouteParams,
    seconds: float,
    *,
    initial: list[list[int]] | None = None,
    seed: int = 0,
) -> OrtoolsRun | None:
    """Solve the expanded problem with the routing solver.

    Parameters
    ----------
    layout
        The expanded problem.
    params
        Search settings.
    seconds
        Time budget of the search.
    initial
        Optional routes (routing nodes per vehicle) to start from.
    seed
        Seed of the arc-cost noise when ``params.noise`` is positive.

    Returns
    -------
    OrtoolsRun or None
        None when no solution was found.
    """
    prob = layout.problem
    nv = len(prob.vehicles)
    starts = [layout.depot_of[v.start] for v in prob.vehicles]
    ends = [layout.depot_of[v.end] for v in prob.vehicles]
    manager = pywrapcp.RoutingIndexManager(layout.size, nv, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    horizon = layout.horizon()

    rng = np.random.default_rng(seed)
    transit_of: dict[tuple[str, tuple[int, ...]], int] = {}
    cost_of: dict[str, int] = {}
    vehicle_transits = []
    for vi, v in enumerate(prob.vehicles):
        # Nodes this vehicle may not serve get a transit longer than the horizon, which the
        # time dimension's own filters reject at once (no side constraint to propagate).
        banned = tuple(layout.banned_nodes(vi))
        key = (v.mode, banned)
        if key not in transit_of:
            tm = layout.transit(v.mode)
            if banned:
                tm[:, list(banned)] = horizon + 1
                tm[list(banned), :] = horizon + 1
                np.fill_diagonal(tm, 0)
            transit_of[key] = routing.RegisterTransitMatrix(tm.tolist())
        vehicle_transits.append(transit_of[key])
        if v.mode not in cost_of:
            cm = layout.travel(v.mode)
            if params.noise > 0:
                factor = 1.0 + params.noise * rng.uniform(-1.0, 1.0, size=cm.shape)
                cm = np.rint(cm * factor).astype(np.int64)
            cost_of[v.mode] = routing.RegisterTransitMatrix(cm.tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_of[v.mode], vi)
    routing.AddDimensionWithVehicleTransits(vehicle_transits, horizon, horizon + 1, False, TIME)
    tdim = routing.GetDimensionOrDie(TIME)

    for node in range(layout.size):
        if node in layout.depot_of.values() and layout.site[node] == -1:
            continue
        idx = manager.NodeToIndex(node)
        given = layout.windows(node)
        if not given:
            tdim.CumulVar(idx).SetRange(0, horizon)
            continue
        wins = sorted((a, min(b, horizon)) for a, b in given if a <= min(b, horizon))
        if not wins:  # every window lies beyond the shifts: the node cannot be served
            routing.ActiveVar(idx).SetMax(0)
            continue
        lo = wins[0][0]
        hi = max(w[1] for w in wins)
        cumul = tdim.CumulVar(idx)
        cumul.SetRange(lo, hi)
        reach = lo
        for a, b in wins:
            if a > reach + 1:
                cumul.RemoveInterval(reach + 1, a - 1)
            reach = max(reach, b)

    for vi, v in enumerate(prob.vehicles):
        tdim.CumulVar(routing.Start(vi)).SetRange(v.window[0], v.window[1])
        tdim.CumulVar(routing.End(vi)).SetRange(v.window[0], v.window[1])
        if v.max_duration is not None:
            tdim.SetSpanUpperBoundForVehicle(v.max_duration, vi)
        if v.pace is not None:  # out on the street as soon as it may leave
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.Start(vi)))
        else:
            routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(routing.Start(vi)))
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(vi)))

    scale = _prize_scale(layout, params)
    for g, opts in zip(layout.groups, layout.group_site, strict=True):
        site = prob.sites[opts]
        penalty = MANDATORY_PENALTY if site.mandatory else site.value * scale
        if params.noise > 0 and not site.mandatory:
            penalty = int(penalty * (1.0 + 0.5 * params.noise * rng.uniform(-1.0, 1.0)))
        indices = [manager.NodeToIndex(n) for n in g]
        routing.AddDisjunction(indices, penalty, 1)
    for nodes in layout.break_nodes.values():
        for node in nodes:
            routing.AddDisjunction([manager.NodeToIndex(node)], MANDATORY_PENALTY, 1)
    _add_limits(layout, routing, manager, tdim)

    if not layout.stagger:
        _add_gaps(layout, routing, manager, tdim, horizon)

    sp = search_parameters(params, seconds, layout)
    if initial is not None:
        routing.CloseModelWithParameters(sp)
        idx_routes = [[manager.NodeToIndex(n) for n in r] for r in initial]
        start_assignment = routing.ReadAssignmentFromRoutes(idx_routes, True)
        if start_assignment is None:
            log.info("initial routes rejected by the routing model; solving from scratch")
            solution = routing.SolveWithParameters(sp)
        else:
            solution = routing.SolveFromAssignmentWithParameters(start_assignment, sp)
    else:
        solution = routing.SolveWithParameters(sp)
    if solution is None:
        return None

    routes: list[list[int]] = []
    times: list[list[int]] = []
    deps: list[int] = []
    rets: list[int] = []
    for vi in range(nv):
        idx = routing.Start(vi)
        deps.append(solution.Min(tdim.CumulVar(idx)))
        route: list[int] = []
        st: list[int] = []
        idx = solution.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            route.append(manager.IndexToNode(idx))
            st.append(solution.Min(tdim.CumulVar(idx)))
            idx = solution.Value(routing.NextVar(idx))
        rets.append(solution.Min(tdim.CumulVar(idx)))
        routes.append(route)
        times.append(st)
    optimal = routing.status() == routing_enums_pb2.RoutingSearchStatus.ROUTING_OPTIMAL
    status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
    return OrtoolsRun(routes, times, deps, rets, solution.ObjectiveValue(), status)


def _add_limits(
    layout: Layout,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    tdim: pywrapcp.RoutingDimension,
) -> None:
    """Cap each vehicle's work (trips and service) and its checkpoint visits."""
    prob = layout.problem
    if any(v.max_work is not None for v in prob.vehicles):
        horizon = layout.horizon()
        registered: dict[tuple[str, tuple[int, ...]], int] = {}
        transits = []
        for vi, v in enumerate(prob.vehicles):
            banned = tuple(layout.banned_nodes(vi))
            key = (v.mode, banned)
            if key not in registered:
                wm = layout.work(v.mode)
                if banned:
                    wm[:, list(banned)] = horizon + 1
                    wm[list(banned), :] = horizon + 1
                    np.fill_diagonal(wm, 0)
                registered[key] = routing.RegisterTransitMatrix(wm.tolist())
            transits.append(registered[key])
        caps = [v.max_work if v.max_work is not None else horizon + 1 for v in prob.vehicles]
        routing.AddDimensionWithVehicleTransitAndCapacity(transits, 0, caps, True, WORK)
    if any(v.max_stops is not None for v in prob.vehicles):
        counts = layout.checkpoints()
        unary = routing.RegisterUnaryTransitVector(counts)
        most = sum(counts) + 1
        caps = [v.max_stops if v.max_stops is not None else most for v in prob.vehicles]
        routing.AddDimensionWithVehicleCapacity(unary, 0, caps, True, STOPS)


def _add_gaps(
    layout: Layout,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    tdim: pywrapcp.RoutingDimension,
    horizon: int,
) -> None:
    """Order the copies of a repeated site and keep ``min_gap`` between their starts."""
    solver = routing.solver()
    by_site: dict[int, list[list[int]]] = {}
    for g, si in zip(layout.groups, layout.group_site, strict=True):
        by_site.setdefault(si, []).append(g)
    for si, copies in by_site.items():
        if len(copies) < 2:
            continue
        gap = layout.problem.sites[si].min_gap
        big = horizon + gap + 1
        for prev, nxt in itertools.pairwise(copies):
            pidx = [manager.NodeToIndex(n) for n in prev]
            nidx = [manager.NodeToIndex(n) for n in nxt]
            solver.Add(
                solver.Sum([routing.ActiveVar(i) for i in nidx])
                <= solver.Sum([routing.ActiveVar(i) for i in pidx])
            )
            for a in pidx:
                for b in nidx:
                    solver.Add(
                        tdim.CumulVar(b)
                        - tdim.CumulVar(a)
                        + big * (2 - routing.ActiveVar(a) - routing.ActiveVar(b))
                        >= gap
                    )


def _latest_starts(layout: Layout, vi: int, nodes: list[int]) -> list[int]:
    """Latest start of each node of a vehicle's sequence that keeps every later window."""
    prob = layout.problem
    v = prob.vehicles[vi]
    mat = prob.matrices[v.mode]
    out = [0] * len(nodes)
    bound = v.window[1] - int(mat[layout.exit[nodes[-1]], v.end]) if nodes else v.window[1]
    for k in range(len(nodes) - 1, -1, -1):
        node = nodes[k]
        leave = bound
        length = layout.dwell[node]
        if layout.segment[node]:
            length += int(mat[layout.entry[node], layout.exit[node]])
        latest = leave - length
        wins = layout.windows(node)
        if wins:
            fits = [min(b, latest) for a, b in wins if a <= min(b, latest)]
            latest = max(fits) if fits else latest
        out[k] = latest
        if k:
            prev = nodes[k - 1]
            bound = latest - int(mat[layout.exit[prev], layout.entry[node]])
    return out


def paced_starts(layout: Layout, vi: int, run: OrtoolsRun) -> tuple[int, list[int]]:
    """Spread a paced vehicle's free time over its window: its departure and start times.

    The vehicle leaves when its window opens; each stop starts when working at the vehicle's
    ``pace`` (work = trips and service) would reach it, but never before it can be reached
    nor after the latest start that keeps every later window and the return in time.
    """
    prob = layout.problem
    v = prob.vehicles[vi]
    nodes = run.routes[vi]
    if v.pace is None or not nodes or not 0 < v.pace <= 1:
        return run.departures[vi], run.starts[vi]
    mat = prob.matrices[v.mode]
    latest = _latest_starts(layout, vi, nodes)
    begin = v.window[0]
    here, clock, work = v.start, begin, 0
    starts = []
    for k, node in enumerate(nodes):
        trip = int(mat[here, layout.entry[node]])
        arrival = clock + trip
        work += trip
        target = begin + int(work / v.pace)
        start = max(arrival, min(target, latest[k]))
        wins = sorted(layout.windows(node))
        if wins and not any(a <= start <= b for a, b in wins):
            later = [a for a, _b in wins if a >= start]
            start = later[0] if later and later[0] <= latest[k] else max(arrival, run.starts[vi][k])
        length = layout.dwell[node]
        if layout.segment[node]:
            length += int(mat[layout.entry[node], layout.exit[node]])
        if not layout.is_break(node):
            work += length
        starts.append(start)
        here, clock = layout.exit[node], start + length
    return begin, starts


def to_routes(layout: Layout, run: OrtoolsRun) -> tuple[Route, ...]:
    """Turn a run's routing nodes and start times into :class:`Route` objects.

    A vehicle with a ``pace`` has its free time spread over its window (:func:`paced_starts`).
    """
    prob = layout.problem
    out = []
    for vi, v in enumerate(prob.vehicles):
        mat = prob.matrices[v.mode]
        stops = []
        leave, starts = paced_starts(layout, vi, run)
        here, clock = v.start, leave
        for node, start in zip(run.routes[vi], starts, strict=True):
            entry, exit_ = layout.entry[node], layout.exit[node]
            arrival = clock + int(mat[here, entry])
            departure = start + layout.dwell[node]
            if layout.segment[node]:
                departure += int(mat[entry, exit_])
            si = layout.site[node]
            sid = prob.sites[si].id if si >= 0 else MEAL
            stops.append(Stop(sid, layout.copy[node], entry, exit_, arrival, start, departure))
            here, clock = exit_, departure
        ret = clock + int(mat[here, v.end])
        out.append(Route(v.id, tuple(stops), leave, ret))
    return tuple(out)


def make_result(layout: Layout, run: OrtoolsRun | None, started: float, engine: str) -> RouteResult:
    """Build the :class:`RouteResult` of a run (None when nothing was found)."""
    prob = layout.problem
    runtime = time.perf_counter() - started
    if run is None:
        return RouteResult(
            SolveStatus.INFEASIBLE,
            0,
            prob.total_value,
            runtime,
            engine=engine,
            message="the routing solver found no routes within the time limit",
        )
    visited = {n for r in run.routes for n in r}
    value = sum(layout.value(n) for n in visited)
    dropped: list[str] = []
    missing: list[str] = []
    for g, si in zip(layout.groups, layout.group_site, strict=True):
        if not visited.intersection(g):
            site = prob.sites[si]
            label = site.id if site.visits == 1 else f"{site.id}#{layout.copy[g[0]] + 1}"
            dropped.append(label)
            if site.mandatory:
                missing.append(label)
    for vi, nodes in layout.break_nodes.items():
        for node in nodes:
            if node not in visited:
                kind = prob.vehicles[vi].all_breaks[layout.copy[node]].kind
                missing.append(f"{kind} break of {prob.vehicles[vi].id}")
    status = run.status if not missing else SolveStatus.INFEASIBLE
    message = f"cannot fit mandatory visits: {', '.join(missing)}" if missing else ""
    return RouteResult(
        status,
        value,
        prob.total_value,
        runtime,
        to_routes(layout, run),
        tuple(dropped),
        tuple(missing),
        engine,
        message,
    )


def schedule_routes(layout: Layout, routes: list[list[int]]) -> OrtoolsRun | None:
    """Give routes (routing nodes per vehicle) earliest start times; None if a rule breaks.

    Each vehicle leaves at the opening of its window; every stop starts as soon as it is
    reached and a window of it is open. None when a stop misses its windows, a vehicle serves
    a node kept for another, a vehicle returns late or exceeds its maximum duration, or a
    disjunction (site copy) is served twice.
    """
    prob = layout.problem
    seen: set[int] = set()
    group_of = {n: k for k, g in enumerate(layout.groups) for n in g}
    times: list[list[int]] = []
    deps: list[int] = []
    rets: list[int] = []
    checkpoint = layout.checkpoints()
    for vi, v in enumerate(prob.vehicles):
        banned = set(layout.banned_nodes(vi))
        tm = layout.transit(v.mode)
        wm = layout.work(v.mode)
        here, t = layout.depot_of[v.start], v.window[0]
        work = stops = 0
        st: list[int] = []
        for node in routes[vi]:
            key = group_of.get(node, -1 - node)
            if node in banned or key in seen:
                return None
            seen.add(key)
            t += int(tm[here, node])
            work += int(wm[here, node])
            stops += checkpoint[node]
            wins = sorted(layout.windows(node))
            if wins:
                fit = [max(t, lo) for lo, hi in wins if max(t, lo) <= hi]
                if not fit:
                    return None
                t = fit[0]
            st.append(t)
            here = node
        back = t + int(tm[here, layout.depot_of[v.end]])
        work += int(wm[here, layout.depot_of[v.end]])
        if back > v.window[1]:
            return None
        if v.max_work is not None and work > v.max_work:
            return None
        if v.max_stops is not None and stops > v.max_stops:
            return None
        if v.max_duration is not None and back - v.window[0] > v.max_duration:
            return None
        times.append(st)
        deps.append(v.window[0])
        rets.append(back)
    return OrtoolsRun([list(r) for r in routes], times, deps, rets, 0, SolveStatus.FEASIBLE)
