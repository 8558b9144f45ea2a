"""Independent check of routes: recomputes every time from the matrices alone."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.routing.model import MEAL, Route, Stop

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.routing.model import RoutingProblem, Site, Vehicle


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which rule, where, and a sentence saying what is wrong."""

    rule: str
    vehicle_id: str
    site_id: str
    message: str


@dataclass(frozen=True, slots=True)
class RouteCheck:
    """Outcome of :func:`validate_routes`: the recomputed value and every violation."""

    value: int
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """Whether the routes break no rule."""
        return not self.violations


def _window_start(site: Site | None, windows: Sequence[tuple[int, int]], t: int) -> int | None:
    """Earliest start at or after ``t`` inside one of the windows, None if none is left."""
    if not windows:
        return t
    best = None
    for lo, hi in windows:
        s = max(lo, t)
        if s <= hi and (best is None or s < best):
            best = s
    return best


def earliest_routes(
    problem: RoutingProblem, plan: Mapping[str, Sequence[str]]
) -> tuple[Route, ...]:
    """Schedule site ids per vehicle as early as possible (leave at the window's opening).

    Stops that cannot start in any window get their arrival as start; :func:`validate_routes`
    reports them. Segments are traversed from ``node`` to ``exit_node``.
    """
    sites = {s.id: s for s in problem.sites}
    out = []
    for v in problem.vehicles:
        mat = problem.matrices[v.mode]
        here, clock = v.start, v.window[0]
        stops = []
        seen: dict[str, int] = {}
        for sid in plan.get(v.id, ()):
            site = sites.get(sid)
            if site is None:
                stops.append(Stop(sid, 0, here, here, clock, clock, clock))
                continue
            arrival = clock + int(mat[here, site.node])
            start = _window_start(site, site.windows, arrival)
            start = arrival if start is None else start
            exit_ = site.exit_node if site.exit_node is not None else site.node
            dep = start + site.service + int(mat[site.node, exit_])
            stops.append(Stop(sid, seen.get(sid, 0), site.node, exit_, arrival, start, dep))
            seen[sid] = seen.get(sid, 0) + 1
            here, clock = exit_, dep
        out.append(Route(v.id, tuple(stops), v.window[0], clock + int(mat[here, v.end])))
    return tuple(out)


def validate_routes(problem: RoutingProblem, routes: Sequence[Route]) -> RouteCheck:
    """Check routes against every rule of the problem and recompute their value.

    Times are recomputed from each vehicle's departure using only the travel-time matrix of
    its mode: arrival = previous departure + travel; a stop may not start before it is
    reached, must start inside a window of its site, and lasts its service (plus the traversal
    for a segment). Also checked: return by the end of the shift, maximum duration, every
    break once in its window, the work and checkpoint caps, mandatory visits, repeat-visit
    counts (duplicates), minimum gaps, allowed vehicles.

    Parameters
    ----------
    problem
        The routing problem.
    routes
        One route per vehicle (vehicles without a route stay at the base).

    Returns
    -------
    RouteCheck
        The value of the valid visits (capped at each site's number of visits) and violations.
    """
    sites = {s.id: s for s in problem.sites}
    vehicles = {v.id: v for v in problem.vehicles}
    bad: list[Violation] = []
    starts: dict[str, list[tuple[int, str]]] = {}
    seen_vehicles: set[str] = set()

    def flag(rule: str, vid: str, sid: str, text: str) -> None:
        bad.append(Violation(rule, vid, sid, text))

    for route in routes:
        vid = route.vehicle_id
        v = vehicles.get(vid)
        if v is None:
            flag("unknown_vehicle", vid, "", f"Route for unknown vehicle {vid!r}.")
            continue
        if vid in seen_vehicles:
            flag("duplicate_route", vid, "", f"Vehicle {vid!r} has more than one route.")
        seen_vehicles.add(vid)
        _check_route(problem, v, route, sites, starts, flag)

    for v in problem.vehicles:
        if v.all_breaks and v.id not in seen_vehicles:
            flag("meal", v.id, MEAL, f"Vehicle {v.id!r} has no route and so no break.")

    value = 0
    for sid, site in sites.items():
        got = sorted(starts.get(sid, []))
        if len(got) > site.visits:
            flag(
                "duplicate_visit",
                got[site.visits][1],
                sid,
                f"Site {sid!r} is visited {len(got)} times, more than its {site.visits}.",
            )
        if site.mandatory and len(got) < site.visits:
            flag(
                "mandatory",
                "",
                sid,
                f"Mandatory site {sid!r} is visited {len(got)} of {site.visits} times.",
            )
        for (a, _), (b, vb) in itertools.pairwise(got):
            if b - a < site.min_gap:
                flag(
                    "min_gap",
                    vb,
                    sid,
                    f"Visits of site {sid!r} start {b - a} s apart, less than {site.min_gap} s.",
                )
        value += site.value * min(len(got), site.visits)
    return RouteCheck(value, tuple(bad))


def _check_route(problem, v: Vehicle, route: Route, sites, starts, flag) -> None:  # type: ignore[no-untyped-def]
    mat = problem.matrices[v.mode]
    vid = v.id
    lo, hi = v.window
    if route.departure < lo:
        flag("shift", vid, "", f"Vehicle {vid!r} leaves at {route.departure}, before {lo}.")
    here, clock = v.start, max(route.departure, lo)
    breaks = v.all_breaks
    taken: list[int] = []
    work = stops = 0
    for stop in route.stops:
        sid = stop.site_id
        if sid == MEAL:
            k = stop.visit
            if not 0 <= k < len(breaks):
                flag("meal", vid, sid, f"Vehicle {vid!r} takes a break {k} it does not have.")
                continue
            taken.append(k)
            meal = breaks[k]
            node = v.end if meal.node is None else meal.node
            arrival = clock + int(mat[here, node])
            work += int(mat[here, node])
            start = max(stop.start, arrival)
            if stop.start < arrival:
                flag(
                    "late",
                    vid,
                    sid,
                    f"Vehicle {vid!r} reaches its {meal.kind} break at {arrival}, after "
                    f"{stop.start}.",
                )
            if not meal.earliest <= start <= meal.latest:
                flag(
                    "meal",
                    vid,
                    sid,
                    f"Vehicle {vid!r} starts its {meal.kind} break at {start}, "
                    f"outside [{meal.earliest}, {meal.latest}].",
                )
            if stop.node != node:
                flag(
                    "meal",
                    vid,
                    sid,
                    f"Vehicle {vid!r} takes its {meal.kind} break at node {stop.node}, not {node}.",
                )
            here, clock = node, start + meal.duration
            continue
        site = sites.get(sid)
        if site is None:
            flag("unknown_site", vid, sid, f"Vehicle {vid!r} visits unknown site id {sid!r}.")
            continue
        if site.vehicles and vid not in site.vehicles:
            flag("vehicle", vid, sid, f"Vehicle {vid!r} may not visit site {sid!r}.")
        entry, exit_ = site.node, site.exit_node if site.exit_node is not None else site.node
        if site.is_segment and site.reversible and stop.node == exit_ and stop.node != entry:
            entry, exit_ = exit_, entry
        elif stop.node != entry:
            flag(
                "node",
                vid,
                sid,
                f"Vehicle {vid!r} serves site {sid!r} from node {stop.node}, not {entry}.",
            )
        arrival = clock + int(mat[here, entry])
        if stop.start < arrival:
            flag(
                "late",
                vid,
                sid,
                f"Vehicle {vid!r} reaches site {sid!r} at {arrival}, after its start {stop.start}.",
            )
        start = max(stop.start, arrival)
        if site.windows and not any(a <= start <= b for a, b in site.windows):
            flag(
                "window",
                vid,
                sid,
                f"Vehicle {vid!r} starts site {sid!r} at {start}, "
                f"outside its windows {list(site.windows)}.",
            )
        starts.setdefault(sid, []).append((start, vid))
        work += int(mat[here, entry]) + site.service + int(mat[entry, exit_])
        stops += site.checkpoint
        here, clock = exit_, start + site.service + int(mat[entry, exit_])
    back = clock + int(mat[here, v.end])
    work += int(mat[here, v.end])
    if v.max_work is not None and work > v.max_work:
        flag(
            "work",
            vid,
            "",
            f"Vehicle {vid!r} travels and serves for {work} s, more than its {v.max_work} s.",
        )
    if v.max_stops is not None and stops > v.max_stops:
        flag(
            "stops",
            vid,
            "",
            f"Vehicle {vid!r} makes {stops} checkpoint visits, more than its {v.max_stops}.",
        )
    if back > hi:
        flag(
            "shift_end",
            vid,
            "",
            f"Vehicle {vid!r} is back at {back}, after its shift ends at {hi}.",
        )
    if v.max_duration is not None and back - route.departure > v.max_duration:
        flag(
            "duration",
            vid,
            "",
            f"Vehicle {vid!r} is out {back - route.departure} s, more than {v.max_duration} s.",
        )
    if sorted(taken) != list(range(len(breaks))):
        flag(
            "meal",
            vid,
            MEAL,
            f"Vehicle {vid!r} takes {len(taken)} of its {len(breaks)} breaks (each exactly once).",
        )
