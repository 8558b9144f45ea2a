"""Search portfolio for routes: PyVRP and the routing solver side by side, then polishing.

The routing solver (planner.routing.engine) holds every patrol rule and checks the final routes.
PyVRP (MIT) is a second engine for every problem it can express (all but exact minimum gaps
between repeat visits; meal breaks and vehicle restrictions become per-vehicle matrices): it
runs in this process while the routing solver searches in a child process at a lower CPU
priority; the better routes are then read into the routing model as an initial assignment and
polished there for the rest of the time.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.result import SolveStatus
from planner.routing.engine import OrtoolsRun, run_ortools, schedule_routes

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from planner.routing.layout import Layout
    from planner.routing.params import RouteParams

log = logging.getLogger("planner")


def pyvrp_can_express(layout: Layout) -> bool:
    """Whether PyVRP can express the expanded problem exactly."""
    prob = layout.problem
    if any(
        v.max_work is not None or v.max_stops is not None or v.pace is not None
        for v in prob.vehicles
    ):
        return False
    return all(s.visits == 1 or s.min_gap == 0 or layout.stagger for s in prob.sites)


def _pyvrp_data(
    layout: Layout, prize_scale: int, noise: float = 0.0, seed: int = 0
) -> tuple[Any, list[int]]:
    """PyVRP data for the expanded problem, and the routing node of each PyVRP client.

    With ``noise``, the travel costs (not the durations) and the prizes of optional sites are
    perturbed by a seeded relative noise, as in the routing model (route variety).
    """
    import pyvrp

    rng = np.random.default_rng(seed)

    prob = layout.problem
    depot_nodes = sorted(set(layout.depot_of.values()))
    assert depot_nodes == list(range(len(depot_nodes)))
    locations = [pyvrp.Location(x=0.0, y=0.0) for _ in range(layout.size)]
    depots = [pyvrp.Depot(location=n) for n in depot_nodes]
    clients: list[Any] = []
    client_node: list[int] = []
    groups: list[Any] = []
    for g, si in zip(layout.groups, layout.group_site, strict=True):
        site = prob.sites[si]
        options = [(n, w) for n in g for w in (layout.windows(n) or [(0, layout.horizon())])]
        first = len(clients)
        for n, (lo, hi) in options:
            clients.append(
                pyvrp.Client(
                    location=n,
                    service_duration=layout.dwell[n],
                    tw_early=lo,
                    tw_late=hi,
                    prize=_noisy(site.value * prize_scale, noise, rng, site.mandatory),
                    required=site.mandatory and len(options) == 1,
                    group=len(groups) if len(options) > 1 else None,
                )
            )
            client_node.append(n)
        if len(options) > 1:
            members = list(range(first, len(clients)))
            groups.append(pyvrp.ClientGroup(members, required=site.mandatory))
    for node in (n for ns in layout.break_nodes.values() for n in ns):
        ((lo, hi),) = layout.windows(node)
        clients.append(
            pyvrp.Client(
                location=node, service_duration=layout.dwell[node], tw_early=lo, tw_late=hi
            )
        )
        client_node.append(node)
    # One profile per mode and set of nodes the vehicle may not serve (others' meal breaks,
    # sites kept for other vehicles): those nodes are made too far away to reach in time.
    profiles: dict[tuple[str, tuple[int, ...]], int] = {}
    mats: list[Any] = []
    costs: list[Any] = []
    far = 10 * (layout.horizon() + 1)
    for vi, v in enumerate(prob.vehicles):
        key = (v.mode, tuple(layout.banned_nodes(vi)))
        if key not in profiles:
            profiles[key] = len(mats)
            mat = np.array(layout.travel(v.mode), dtype=np.int64)
            if key[1]:
                mat[:, list(key[1])] = far
                mat[list(key[1]), :] = far
                np.fill_diagonal(mat, 0)
            mats.append(np.ascontiguousarray(mat))
            cost = mat
            if noise > 0:
                factor = 1.0 + noise * rng.uniform(-1.0, 1.0, size=mat.shape)
                cost = np.rint(mat * factor).astype(np.int64)
                np.fill_diagonal(cost, 0)
            costs.append(np.ascontiguousarray(cost))
    vtypes = []
    for vi, v in enumerate(prob.vehicles):
        vtypes.append(
            pyvrp.VehicleType(
                num_available=1,
                start_depot=depot_nodes.index(layout.depot_of[v.start]),
                end_depot=depot_nodes.index(layout.depot_of[v.end]),
                tw_early=v.window[0],
                tw_late=v.window[1],
                shift_duration=v.max_duration if v.max_duration is not None else 2**62,
                profile=profiles[(v.mode, tuple(layout.banned_nodes(vi)))],
            )
        )
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vtypes,
        distance_matrices=costs,
        duration_matrices=mats,
        groups=groups,
    )
    return data, client_node


def _noisy(prize: int, noise: float, rng: np.random.Generator, fixed: bool) -> int:
    if noise <= 0 or fixed:
        return prize
    return int(prize * (1.0 + 0.5 * noise * rng.uniform(-1.0, 1.0)))


def pyvrp_prize_scale(layout: Layout, params: RouteParams) -> int:
    """Prize per unit of value for PyVRP: by default, value dominates travel time."""
    if params.pyvrp_prize_scale is not None:
        return params.pyvrp_prize_scale
    prob = layout.problem
    return sum(max(v.window[1] - v.window[0], 0) + 1 for v in prob.vehicles)


def run_pyvrp(
    layout: Layout, params: RouteParams, seconds: float, *, seed: int = 0
) -> list[list[int]] | None:
    """Solve the expanded problem with PyVRP; routes as routing nodes per vehicle.

    ``seconds`` counts from the call, building PyVRP's data included.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    until = time.perf_counter() + seconds
    scale = pyvrp_prize_scale(layout, params)
    data, client_node = _pyvrp_data(layout, scale, params.noise, seed)
    seconds = until - time.perf_counter()
    res = pyvrp.solve(data, stop=MaxRuntime(max(seconds, 0.01)), seed=seed, display=False)
    best = res.best
    if not best.is_feasible():
        return None
    routes: list[list[int]] = [[] for _ in layout.problem.vehicles]
    for route in best.routes():
        visits = [a.idx for a in route.schedule() if a.is_client()]
        routes[route.vehicle_type()] = [client_node[c] for c in visits]
    return routes


def _ortools_child(
    layout: Layout, params: RouteParams, until: float, seed: int, conn: Connection
) -> None:
    """Run the routing solver at a lower CPU priority and send its run back."""
    try:
        os.nice(10)  # on a busy machine, the race takes only CPU that PyVRP leaves
        left = until - time.perf_counter() - 0.1 - 0.001 * layout.size
        conn.send(run_ortools(layout, params, max(left, 0.05), seed=seed))
    except Exception as exc:  # the parent logs it and carries on with PyVRP's routes
        conn.send(repr(exc))
    finally:
        conn.close()


def _guard(layout: Layout) -> float:
    """Seconds PyVRP may overrun its limit (its last iteration), larger for larger problems."""
    return 0.1 + 0.0015 * layout.size


def _value(layout: Layout, routes: list[list[int]]) -> int:
    return sum(layout.value(n) for r in routes for n in r)


def portfolio(
    layout: Layout, params: RouteParams, deadline: float, *, seed: int = 0
) -> tuple[OrtoolsRun | None, str]:
    """Run PyVRP and the routing solver (child process) together, then polish the best.

    Parameters
    ----------
    layout
        The expanded problem.
    params
        Search settings; ``polish_share`` of the time goes to polishing.
    deadline
        ``time.perf_counter()`` value by which everything must be done.
    seed
        Seed of PyVRP.

    Returns
    -------
    tuple of OrtoolsRun or None, and str
        The polished run (routes checked by the routing model) and the engines that took part.
    """
    total = deadline - time.perf_counter()
    # Polishing needs time to build the model and read the routes in: more for more nodes.
    reserve = max(0.25, params.polish_share * total) + 0.002 * layout.size
    race_end = deadline - reserve
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    args = (layout, params, race_end, seed, child)
    proc = ctx.Process(target=_ortools_child, args=args, daemon=True)
    proc.start()
    child.close()
    candidates: list[tuple[int, list[list[int]], str]] = []
    try:
        routes = run_pyvrp(
            layout, params, race_end - time.perf_counter() - _guard(layout), seed=seed
        )
    except Exception as exc:  # the routing solver's routes still count
        log.warning("PyVRP failed: %r", exc)
        routes = None
    if routes is not None:
        candidates.append((_value(layout, routes), routes, "pyvrp"))
    else:
        log.info("PyVRP found no feasible routes in its time")
    own: OrtoolsRun | None = None
    if parent.poll(max(deadline - 0.25 - time.perf_counter(), 0.05)):
        got = parent.recv()
        if isinstance(got, OrtoolsRun):
            own = got
            candidates.append((_value(layout, own.routes), own.routes, "ortools"))
        elif got is not None:
            log.warning("the routing solver failed: %s", got)
    else:
        log.warning("the routing solver did not answer in time")
    proc.join(timeout=0.2)
    if proc.is_alive():
        proc.kill()
        proc.join()
    # On equal value prefer PyVRP's routes: they are usually the shorter ones.
    candidates.sort(key=lambda c: (c[0], c[2] == "pyvrp"), reverse=True)
    if not candidates:
        return None, "ortools"
    candidates.sort(key=lambda c: c[0], reverse=True)
    best_value, best_routes, source = candidates[0]
    left = deadline - time.perf_counter() - 0.2
    polished = run_ortools(layout, params, max(left, 0.02), initial=best_routes, seed=seed)
    if polished is not None and (gain := _value(layout, polished.routes) - best_value) >= 0:
        return polished, f"{source}+ortools polish" + (f" (+{gain})" if gain else "")
    if source == "ortools" and own is not None:
        return own, "ortools"
    # No time left to read PyVRP's routes into the routing model: schedule them directly and
    # keep them only if every window, shift end and vehicle restriction holds.
    scheduled = schedule_routes(layout, best_routes)
    if scheduled is not None:
        return scheduled, "pyvrp (schedule checked)"
    # PyVRP's routes were not read by the routing model: take no routes it has not checked.
    log.warning("the routing model could not confirm PyVRP's routes")
    if own is None:
        return None, "ortools"
    own.status = SolveStatus.FEASIBLE
    return own, "ortools"
