"""Routing problems of a district's shifts: the groups on duty share the shift's dose sites.

One :class:`~planner.routing.model.RoutingProblem` per shift: a vehicle per group on duty
(its travel mode and base post), a site per key area with a dose in that shift
(:func:`planner.patrol.demand.dose_to_sites`). Travel times come from
:func:`geodata.network.travel_time_matrix` over a fixed list of the district's points (every
key area's representative point and every post), computed once per mode and cut per shift, so
a plan's times can be recomputed from the stops' coordinates alone.

Solver times are seconds from the shift start; :func:`to_plan_route` turns a solved route into
a :class:`planner.plan.document.Route` in seconds from local midnight of the shift's date, with the
leg geometry along the streets.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from geodata.categories import GATE_CATEGORIES
from planner import texts
from planner.exceptions import PlanInputError
from planner.patrol.demand import dose_to_sites
from planner.patrol.inputs import POST_PREFIX
from planner.patrol.inspections import checklist, inspected_point, is_inspection
from planner.plan.document import Route as PlanRoute
from planner.plan.document import Stop as PlanStop
from planner.routing.model import MEAL, Break, RoutingProblem, Vehicle

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    import pandas as pd

    from geodata.network import StreetNetwork
    from planner.patrol.inputs import DistrictPoints
    from planner.patrol.rules_file import ShiftTime
    from planner.patrol.streets import StreetRun
    from planner.patrol.units import Unit
    from planner.routing.model import Route, Site

logger = logging.getLogger("planner")


def check_text(category: str) -> tuple[str, str]:
    """Return what to check at a key area of ``category`` (English, Chinese).

    The texts are the catalogue's ``check_area_<category>`` (:mod:`planner.texts`), or
    ``check_area_default`` for a category it has none for.
    """
    key = f"check_area_{category}"
    if key not in texts.catalogue("en"):
        key = "check_area_default"
    zh, en = texts.both(key)
    return en, zh


@dataclass(frozen=True, slots=True, eq=False)
class ShiftProblem:
    """The routing problem of one shift and how to map it back to the district.

    ``points[k]`` is the district point index of matrix node ``k``; ``units[i]`` is the unit
    of vehicle ``i`` (vehicle ids are unit ids).
    """

    date: str
    shift_id: str
    offset_s: int
    length_s: int
    problem: RoutingProblem
    points: tuple[int, ...]
    units: tuple[Unit, ...]
    runs: Mapping[str, StreetRun] = field(default_factory=dict)

    def unit(self, unit_id: str) -> Unit:
        """Return the unit with id ``unit_id``."""
        return next(u for u in self.units if u.id == unit_id)


DAY_S = 12 * 3600
"""A full shift's length, to which ``max_checkpoints`` refers."""


def unit_vehicle(unit: Unit, start: int, end: int, offset_s: int, st: ShiftTime) -> Vehicle:
    """Return the routing vehicle of a unit: its street time, breaks, work and checkpoint caps.

    The vehicle leaves after the handover at the start and is back before the one at the end;
    it may work ``1 - reserve_share`` of its street time and make ``max_checkpoints`` checkpoint
    visits per 12 hours.
    """
    lo = unit.start_s - offset_s + unit.handover_s
    hi = unit.end_s - offset_s - unit.handover_s
    breaks = tuple(
        Break(b.earliest - offset_s, b.latest - offset_s, b.duration, kind=b.kind)
        for b in unit.breaks
    )
    work = int((1.0 - st.reserve_share) * max(unit.street_s, 0))
    stops = math.ceil(st.max_checkpoints * (unit.end_s - unit.start_s) / DAY_S)
    return Vehicle(
        unit.id,
        start,
        end,
        (lo, hi),
        mode=unit.mode,
        breaks=breaks,
        max_work=work,
        max_stops=stops,
        pace=1.0 - st.reserve_share,
    )


def shift_problem(
    pts: DistrictPoints,
    dose: pd.DataFrame,
    units: Sequence[Unit],
    shift_time: ShiftTime,
    *,
    date: str,
    shift_id: str,
    offset_s: int,
    length_s: int,
    starts: Mapping[str, tuple[str, int]] | None = None,
    used: Mapping[str, tuple[int, int]] | None = None,
    alleys: pd.DataFrame | None = None,
    runs: Mapping[str, StreetRun] | None = None,
    network: StreetNetwork | None = None,
    area_grids: Mapping[str, str] | None = None,
) -> ShiftProblem:
    """Build the routing problem of one shift.

    Parameters
    ----------
    pts
        The district's points and matrices.
    dose
        Dose rows of this shift (:func:`planner.patrol.demand.compute_dose`).
    units
        The units on duty, one vehicle each (:func:`planner.patrol.units.shift_units`).
    shift_time
        The rules' shift time budget (reserve, checkpoints).
    date, shift_id
        Which shift.
    offset_s
        Seconds from local midnight of ``date`` to the shift start.
    length_s
        Length of the shift in seconds.
    starts
        Optional unit id -> (point id, earliest departure in shift seconds): the vehicle
        starts there and then instead of at its base after the handover (re-planning).
    used
        Optional unit id -> (seconds of work, checkpoint visits) its route has made already
        (re-planning): they count against the unit's caps.
    alleys, runs, network
        The shift's alley dose rows (:func:`planner.patrol.demand.street_dose`), the runs by
        id and the street network: each run becomes a site to cover end to end.
    area_grids
        Key area id -> its grid: each grid's most needed place is its anchor in the shift
        (:func:`grid_anchors`), so every grid sees a patrol.
    """
    if not units:
        msg = f"No group is on duty for shift {shift_id} on {date}."
        raise PlanInputError(msg)
    order: list[int] = []
    where: dict[int, int] = {}

    def node(point: int) -> int:
        if point not in where:
            where[point] = len(order)
            order.append(point)
        return where[point]

    vehicles = []
    for u in units:
        home = node(pts.at(POST_PREFIX + u.base_post))
        v = unit_vehicle(u, home, home, offset_s, shift_time)
        if used and u.id in used:
            work, stops = used[u.id]
            v = replace(
                v,
                max_work=max((v.max_work or 0) - work, 0),
                max_stops=max((v.max_stops or 0) - stops, 0),
                pace=None,
            )
        if starts and u.id in starts:
            pid, t0 = starts[u.id]
            later = tuple(b for b in v.all_breaks if b.latest >= t0)
            v = replace(
                v,
                start=node(pts.at(pid)),
                window=(t0, v.window[1]),
                breaks=tuple(replace(b, earliest=max(b.earliest, t0)) for b in later),
            )
        vehicles.append(v)
    area_nodes = {str(a): node(pts.at(inspected_point(str(a)))) for a in dose["area_id"]}
    sites = dose_to_sites(dose, area_nodes) if len(dose) else []
    cats = {str(a): str(c) for a, c in zip(dose["area_id"], dose["category"], strict=True)}
    if alleys is not None and len(alleys) and runs and network is not None:
        sites += alley_sites(pts, alleys, units, runs, network, node)
    # Gates, planners' windows and events; the other windows are opening hours.
    timed = {str(a) for a, w in zip(dose["area_id"], dose["windows"], strict=True) if len(w)}
    timed |= {s.id for s in sites if s.windows and s.id not in cats}  # alley runs' windows
    sites = gate_priority(inspection_priority(sites), cats, timed)
    timed |= {s.id for s in sites if is_inspection(s.id)}  # kept whatever the capacity
    if area_grids:
        sites = grid_anchors(sites, area_grids, cats, timed)
    sites = split_visits(within_capacity(sites, vehicles, timed), length_s)
    idx = np.asarray(order, dtype=np.int64)
    modes = {u.mode for u in units}
    matrices = {m: pts.matrices[m][np.ix_(idx, idx)] for m in modes}
    problem = RoutingProblem(matrices, tuple(sites), tuple(vehicles))
    return ShiftProblem(
        date, shift_id, offset_s, length_s, problem, tuple(order), tuple(units), dict(runs or {})
    )


GATE_VALUE_FACTOR = 3
"""A gate visit is worth this many times the shift's most valuable other visit."""

WINDOW_VALUE_FACTOR = 2
"""A visit in a window a planner set on another key area (a market's morning rush, a bank's cash
delivery) is worth this many times the shift's most valuable visit without a window."""


def gate_priority(
    sites: Sequence[Site], categories: Mapping[str, str], timed: Collection[str] | None = None
) -> list[Site]:
    """Make visits with windows the most valuable, school gates first, none mandatory.

    The groups on duty often cannot reach every school gate in the same half hour (the default
    district has 19 schools and one group per shift), so a hard rule would leave the routing
    solver without any routes. Instead each gate visit is worth :data:`GATE_VALUE_FACTOR` times
    the most valuable other visit: a route takes every gate window it can reach before anything
    else, its window stays a hard rule, and :func:`planner.checks.plan.validate_plan` reports a
    missed gate window that a route could still have taken.

    Windows set by a planner on an area of another category (the ``windows`` column of the key
    areas, :func:`planner.patrol.demand.area_windows`) are treated the same way, one rank lower:
    each
    such visit is worth :data:`WINDOW_VALUE_FACTOR` times the most valuable visit without a
    window. The planner said the area needs presence then, so a route takes such a window
    before any visit that risk alone asks for, and the validator holds it to the same rule as
    a gate (missed only when no route could take it). It stays below the gates, which are
    worth three times every other visit, windowed ones included: where one group cannot be at
    a school gate and at a market's window at once, the children's gate comes first. Making
    these visits mandatory instead would let a planner's windows make a shift unroutable.

    ``timed`` are the ids of the sites whose windows are such windows (default: every site
    with windows); the others' windows are opening hours and keep their value.
    """

    def gate(s: Site) -> bool:
        return categories.get(s.id) in GATE_CATEGORIES

    def windowed(s: Site) -> bool:
        return bool(s.windows) and (timed is None or s.id in timed)

    plain = max((s.value for s in sites if not gate(s) and not windowed(s)), default=1)
    lifted = []
    for s in sites:
        if windowed(s) and not gate(s):
            s = replace(s, mandatory=False, value=max(s.value, WINDOW_VALUE_FACTOR * plain))
        lifted.append(s)
    top = max((s.value for s in lifted if not gate(s)), default=1)
    out = []
    for s in lifted:
        if gate(s) and windowed(s):
            s = replace(s, mandatory=False, value=max(s.value, GATE_VALUE_FACTOR * top))
        out.append(s)
    return out


def inspection_priority(sites: Sequence[Site]) -> list[Site]:
    """Rank the shift's inspections with the planners' windows (then :func:`gate_priority`).

    An inspection was given to this shift for its week (:mod:`planner.patrol.inspections`),
    so a route takes it before the visits risk alone asks for: each is worth
    :data:`WINDOW_VALUE_FACTOR` times the most valuable of those, and no more than a gate.
    """
    plain = max((s.value for s in sites if not s.windows and not is_inspection(s.id)), default=1)
    return [
        replace(s, value=max(s.value, WINDOW_VALUE_FACTOR * plain)) if is_inspection(s.id) else s
        for s in sites
    ]


ANCHOR_VALUE_FACTOR = 1.5
"""Each grid's anchor visit is worth this many times the shift's most valuable ordinary visit:
a unit goes to every grid before it adds more visits in the busiest corner."""


def grid_anchors(
    sites: Sequence[Site],
    area_grids: Mapping[str, str],
    categories: Mapping[str, str],
    timed: Collection[str] | None = None,
) -> list[Site]:
    """Lift each grid's most valuable ordinary visit above every other ordinary visit.

    PRACTICE.md: every grid sees a patrol every day, and a few busy corners do not take the
    whole shift. The sites with windows (gates, planner's windows) and the alleys keep their
    own values; of the others, the one with the highest value in each grid becomes worth
    :data:`ANCHOR_VALUE_FACTOR` times the highest ordinary value. ``timed`` as for
    :func:`gate_priority` (a place open part of the shift is ordinary).
    """
    ordinary = [
        s
        for s in sites
        if not (s.windows and (timed is None or s.id in timed))
        and s.id in categories
        and s.id in area_grids
    ]
    top = max((s.value for s in ordinary), default=0)
    best: dict[str, Site] = {}
    for s in ordinary:
        grid = area_grids[s.id]
        if grid not in best or s.value > best[grid].value:
            best[grid] = s
    anchors = {s.id for s in best.values()}
    value = max(int(ANCHOR_VALUE_FACTOR * top), 1)
    return [replace(s, value=max(s.value, value)) if s.id in anchors else s for s in sites]


CAPACITY_FACTOR = 1.5
"""Ordinary checkpoint visits offered to a shift's solver: this many times what its units can
make (their checkpoint caps); the rest, the least needed, are ranked out beforehand."""


def within_capacity(
    sites: Sequence[Site], vehicles: Sequence[Vehicle], timed: Collection[str] | None = None
) -> list[Site]:
    """Keep the checkpoint visits the units could make, ranked by need; drop the rest.

    Sites with windows (gates, planner's windows, events), mandatory ones and alley runs all
    stay; of the other checkpoint sites the most valuable stay until their visits reach
    ``CAPACITY_FACTOR`` times the units' checkpoint caps (ties by id, so the choice is
    repeatable). ``timed`` as for :func:`gate_priority`.
    """
    caps = [v.max_stops for v in vehicles]
    if not caps or any(c is None for c in caps):
        return list(sites)
    room = int(CAPACITY_FACTOR * sum(c or 0 for c in caps))
    ordinary = [
        s
        for s in sites
        if s.checkpoint and not (s.windows and (timed is None or s.id in timed)) and not s.mandatory
    ]
    if sum(s.visits for s in ordinary) <= room:
        return list(sites)
    keep: set[str] = set()
    taken = 0
    for s in sorted(ordinary, key=lambda s: (-s.value, s.id)):
        if taken >= room:
            break
        keep.add(s.id)
        taken += s.visits
    dropped = {s.id for s in ordinary} - keep
    return [s for s in sites if s.id not in dropped]


VISIT_SEP = "#"
"""Separates an area id from the visit number in the id of a repeated visit's site."""

MODE_SEP = "~"
"""Separates an alley run's id from the travel mode of the units that may cover it."""


def area_of(site_id: str) -> str:
    """Return the target id of a site id (``"osm-n1#2"`` -> ``"osm-n1"``).

    Alley sites carry the mode of the units that may cover them
    (``"alley:东铁管巷~ebike#1"`` -> ``"alley:东铁管巷"``).
    """
    return site_id.split(VISIT_SEP, 1)[0].split(MODE_SEP, 1)[0]


def alley_sites(
    pts: DistrictPoints,
    rows: pd.DataFrame,
    units: Sequence[Unit],
    runs: Mapping[str, StreetRun],
    network: StreetNetwork,
    node: Any,
) -> list[Site]:
    """Return the sites of the alley runs a shift's dose asks for, one per run and mode.

    A site's node is the run's first end and its exit the other; its service is the time the
    mode takes to cover the run beyond the quickest trip between its ends, so the solver
    counts the whole run. Only units of that mode may take it; it is no checkpoint.
    """
    from planner.routing.model import Site

    by_mode: dict[str, list[str]] = {}
    for u in units:
        by_mode.setdefault(u.mode, []).append(u.id)
    out = []
    for row in rows.itertuples(index=False):
        run = runs.get(str(row.area_id))
        if run is None:
            continue
        a, b = node(pts.at(f"{run.id}:a")), node(pts.at(f"{run.id}:b"))
        pa, pb = pts.at(f"{run.id}:a"), pts.at(f"{run.id}:b")
        for mode, ids in sorted(by_mode.items()):
            ahead = run.seconds(network, mode)
            if ahead is None:
                continue
            back = run.seconds(network, mode, reverse=True)
            direct = int(pts.matrices[mode][pa, pb])
            # Ridden the other way, the solver counts the service plus the quickest trip from
            # b to a: the same time only when that trip is as quick as the one from a to b.
            both_ways = back is not None and back == ahead
            both_ways = both_ways and int(pts.matrices[mode][pb, pa]) == direct
            out.append(
                Site(
                    id=f"{run.id}{MODE_SEP}{mode}",
                    node=a,
                    exit_node=b,
                    value=int(row.value),
                    service=max(ahead - direct, 0),
                    visits=int(row.visits),
                    min_gap=int(row.min_gap_s),
                    reversible=both_ways,
                    vehicles=tuple(ids),
                    checkpoint=False,
                )
            )
    return out


def split_visits(sites: Sequence[Site], length_s: int) -> list[Site]:
    """Turn each site visited k > 1 times into k single-visit sites with windows of their own.

    A site with k windows (school gates) gets one site per window. Otherwise visit j of k gets
    the window ``[j L / k, j L / k + min_gap]`` (``L`` the shift length, clipped to
    ``j L / k + L / (2k)`` at most), so starts of consecutive visits stay at least
    ``L / k - min_gap`` apart (half the shift over the visits with the dose's spread rule). The
    routing solver handles many single visits better than repeated copies linked by gaps.
    """
    out: list[Site] = []
    for s in sites:
        if s.visits == 1:
            out.append(s)
            continue
        wins: list[tuple[tuple[int, int], ...]]
        if len(s.windows) == s.visits:
            wins = [(w,) for w in sorted(s.windows)]
        else:
            step = length_s // s.visits
            width = min(max(step - s.min_gap, 0), step // 2) if s.min_gap else step
            wins = [((j * step, j * step + width),) for j in range(s.visits)]
            if s.windows:
                wins = [
                    tuple(
                        (max(a, lo), min(b, hi)) for a, b in s.windows if max(a, lo) <= min(b, hi)
                    )
                    for ((lo, hi),) in wins
                ]
        for j, w in enumerate(wins):
            if w:
                sid = f"{s.id}{VISIT_SEP}{j + 1}"
                out.append(replace(s, id=sid, visits=1, min_gap=0, windows=w))
    return out


def _leg(
    network: StreetNetwork | None, pts: DistrictPoints, a: int, b: int, mode: str
) -> tuple[tuple[float, float], ...]:
    """Return the path between two district points along the streets (straight without one)."""
    pa = (float(pts.lonlat[a, 0]), float(pts.lonlat[a, 1]))
    pb = (float(pts.lonlat[b, 0]), float(pts.lonlat[b, 1]))
    if a == b:
        return ()
    if network is None:
        return (pa, pb)
    na, nb = (int(n) for n in network.snap(pts.lonlat[[a, b]], mode))
    line = network.path(na, nb, mode)
    coords = [(round(float(x), 6), round(float(y), 6)) for x, y in line.coords]
    return (pa, *coords, pb)


BREAK_KINDS = ("meal", "rest", "together")
"""Kinds of break; each has its name (``break_<kind>``) and what the sheet says
(``check_break_<kind>``) in the catalogue."""


def break_texts(kind: str) -> tuple[str, str, str, str]:
    """Return a break's Chinese and English names and what the sheet says (English, Chinese)."""
    kind = kind if kind in BREAK_KINDS else "meal"
    name_zh, name_en = texts.both(f"break_{kind}")
    check_zh, check = texts.both(f"check_break_{kind}")
    return name_zh, name_en, check, check_zh


def to_plan_route(
    sp: ShiftProblem,
    route: Route,
    pts: DistrictPoints,
    *,
    local_time: Any,
    network: StreetNetwork | None = None,
    value: float = 0.0,
) -> PlanRoute:
    """Turn a solved route of ``sp`` into a plan route (times from local midnight).

    The route starts with the handover at the base (a base stop as long as the handover) and
    ends with the next one; breaks are stops of kind ``"break"`` at the base named after
    their kind (``site_id`` ``"meal"``, ``"rest"`` or ``"together"``).

    Parameters
    ----------
    sp
        The shift problem the route solves.
    route
        The routing-core route.
    pts
        The district's points.
    local_time
        ``(date, seconds) -> aware datetime``, e.g. ``PlanDocument.local_time``.
    network
        The street network for the legs' geometry (straight legs when None).
    value
        The value the route collects.
    """
    prob = sp.problem
    v = prob.vehicle(route.vehicle_id)
    unit = sp.unit(v.id)
    sites = {s.id: s for s in prob.sites}
    off = sp.offset_s
    mat = prob.matrices[v.mode]
    breaks = v.all_breaks

    def base_stop(point: int, arrival: int, start: int, end: int, leg: Any) -> PlanStop:
        return PlanStop(
            site_id=POST_PREFIX + unit.base_post,
            area_id=None,
            name=pts.names[point],
            category="post",
            kind="base",
            lon=float(pts.lonlat[point, 0]),
            lat=float(pts.lonlat[point, 1]),
            arrival=arrival + off,
            start=start + off,
            departure=end + off,
            dwell=end - start,
            name_en=pts.names_en[point],
            check=texts.text("check_base", "en"),
            check_zh=texts.text("check_base", "zh"),
            leg=leg,
        )

    def distance(a: int, b: int) -> float:
        if network is None or a == b:
            return 0.0
        na, nb = network.snap(pts.lonlat[[sp.points[a], sp.points[b]]], v.mode)
        return float(network.path_length(int(na), int(nb), v.mode))

    start_point = sp.points[v.start]
    began = min(unit.start_s - off, route.departure)  # a re-planned route starts later
    stops = [base_stop(start_point, began, began, route.departure, ())]
    here = v.start
    travelled = 0.0
    for st in route.stops:
        point = sp.points[st.node]
        leg = _leg(network, pts, sp.points[here], point, v.mode)
        travelled += distance(here, st.node)
        if st.site_id == MEAL:
            b = breaks[st.visit]
            name_zh, name_en, check, check_zh = break_texts(b.kind)
            stops.append(
                PlanStop(
                    site_id=b.kind,
                    area_id=None,
                    name=f"{name_zh} {pts.names[point]}",
                    category="break",
                    kind="break",
                    lon=float(pts.lonlat[point, 0]),
                    lat=float(pts.lonlat[point, 1]),
                    arrival=st.arrival + off,
                    start=st.start + off,
                    departure=st.departure + off,
                    dwell=st.departure - st.start,
                    name_en=name_en,
                    windows=((b.earliest + off, b.latest + off),),
                    check=check,
                    check_zh=check_zh,
                    leg=leg,
                )
            )
            here = st.exit_node
            continue
        site = sites[st.site_id]
        run = sp.runs.get(area_of(site.id))
        if run is not None:
            stops.append(_alley_stop(sp, st, site, run, pts, leg))
            here = st.exit_node
            travelled += run.length_m
            continue
        cat = pts.categories[point]
        inspection = is_inspection(site.id)
        check, check_zh = checklist(cat) if inspection else check_text(cat)
        stops.append(
            PlanStop(
                site_id=site.id,
                area_id=area_of(site.id),
                name=pts.names[point],
                category=cat,
                kind="inspection" if inspection else "visit",
                lon=float(pts.lonlat[point, 0]),
                lat=float(pts.lonlat[point, 1]),
                arrival=st.arrival + off,
                start=st.start + off,
                departure=st.departure + off,
                dwell=st.departure - st.start,
                name_en=pts.names_en[point],
                windows=tuple((a + off, b + off) for a, b in site.windows),
                check=check,
                check_zh=check_zh,
                leg=leg,
            )
        )
        here = st.exit_node
    end_point = sp.points[v.end]
    back = route.stops[-1].departure + int(mat[here, v.end]) if route.stops else route.departure
    travelled += distance(here, v.end)
    end = unit.end_s - off
    leg = _leg(network, pts, sp.points[here], end_point, v.mode)
    stops.append(base_stop(end_point, back, max(back, end - unit.handover_s), end, leg))
    start_s, end_s = stops[0].start, end + off
    return PlanRoute(
        group_id=unit.group_id,
        date=sp.date,
        shift_id=sp.shift_id,
        mode=v.mode,
        base_post_id=unit.base_post,
        start=local_time(sp.date, start_s).isoformat(),
        end=local_time(sp.date, end_s).isoformat(),
        start_s=start_s,
        end_s=end_s,
        stops=tuple(stops),
        distance_m=round(travelled),
        value=float(value),
        unit_id=unit.id,
        members=unit.members,
        vehicles=unit.vehicles,
        unit_kind=unit.kind,
        handover_s=unit.handover_s,
    )


def _alley_stop(
    sp: ShiftProblem, st: Any, site: Site, run: StreetRun, pts: DistrictPoints, leg: Any
) -> PlanStop:
    """Return the plan stop of an alley run covered from ``st.node`` to ``st.exit_node``.

    Its ``dwell`` is the ride from one end to the other (start to departure as solved), the
    work the stop holds its unit for, as a visit's stay is.
    """
    off = sp.offset_s
    backwards = st.node != site.node
    streets = run.streets[::-1] if backwards else run.streets
    a, b = sp.points[st.node], sp.points[st.exit_node]
    name = run.name or "背街小巷"
    return PlanStop(
        site_id=site.id,
        area_id=run.id,
        name=name,
        category="alley",
        kind="alley",
        lon=float(pts.lonlat[a, 0]),
        lat=float(pts.lonlat[a, 1]),
        arrival=st.arrival + off,
        start=st.start + off,
        departure=st.departure + off,
        dwell=st.departure - st.start,
        name_en=f"Back alley {run.name}".strip() if run.name else "Back alley",
        end_lon=float(pts.lonlat[b, 0]),
        end_lat=float(pts.lonlat[b, 1]),
        check=texts.text("check_alley", "en"),
        check_zh=texts.text("check_alley", "zh"),
        leg=leg,
        streets=tuple(streets),
    )


def _ends_of(pts: DistrictPoints, route: PlanRoute, stop: PlanStop) -> tuple[int, int]:
    """Return the district point indices where a plan stop starts and where it is left.

    They differ for an alley covered end to end: its stop starts at one end of the run and is
    left at the other.
    """
    if stop.kind in ("base", "break") or stop.area_id is None:
        home = pts.at(POST_PREFIX + route.base_post_id)
        return home, home
    if stop.kind == "alley":
        a, b = pts.at(f"{stop.area_id}:a"), pts.at(f"{stop.area_id}:b")
        here = np.array([stop.lon, stop.lat])
        if np.allclose(pts.lonlat[a], here, atol=1e-6):
            return a, b
        return b, a
    x = pts.at(inspected_point(stop.area_id))
    return x, x


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """What a unit's route may hold: its most work and checkpoint visits, when it may leave.

    ``leave_s`` is the earliest departure from the base (after the handover), seconds from
    local midnight of the route's date.
    """

    max_work: int | None = None
    max_stops: int | None = None
    leave_s: int | None = None


def route_limits(sp: ShiftProblem) -> dict[str, RouteLimit]:
    """Return each unit's :class:`RouteLimit` in a shift problem."""
    return {
        v.id: RouteLimit(v.max_work, v.max_stops, v.window[0] + sp.offset_s)
        for v in sp.problem.vehicles
    }


def route_work(route: PlanRoute) -> tuple[int, int]:
    """Return a plan route's work (seconds travelling and at visits) and its checkpoint visits.

    Travel is what the stops' times say (each arrival minus the previous departure); a stop's
    work is its ``dwell`` (a visit's stay, an alley's ride); the time at the base and on
    breaks, and waiting after a stop (its departure minus start minus dwell), is not work.
    """
    work = checkpoints = 0
    for prev, stop in itertools.pairwise(route.stops):
        work += stop.arrival - prev.departure
        if stop.kind not in ("base", "break"):
            work += stop.dwell
            checkpoints += stop.kind != "alley"  # riding an alley is no checkpoint stop
    return work, checkpoints


def _try_insert(
    route: PlanRoute,
    new: PlanStop,
    x: int,
    pts: DistrictPoints,
    network: StreetNetwork | None,
    frozen: int = 0,
    limit: RouteLimit | None = None,
) -> tuple[int, PlanRoute] | None:
    """Insert ``new`` (at district point ``x``) where it delays the route least, if it can.

    Later stops keep their order; their times move later only as far as needed and must stay
    inside their windows; the route must be back at its base before its closing handover and
    keep within ``limit`` (its unit's most work and checkpoint visits). The first ``frozen``
    stops (already made) stay as they are. Returns the delay at the stop after the inserted
    one and the new route, or None.
    """
    mat = pts.matrices[route.mode]
    stops = list(route.stops)
    ends = [_ends_of(pts, route, s) for s in stops]
    ent, ex = [e[0] for e in ends], [e[1] for e in ends]
    work, checkpoints = route_work(route)
    limit = limit or RouteLimit()
    if limit.max_stops is not None and checkpoints + 1 > limit.max_stops:
        return None
    # Back at the base before the closing handover (the last stop's time at the base).
    last = stops[-1]
    closing = route.end_s - (last.departure - last.start) if last.kind == "base" else route.end_s
    lo, hi = new.windows[0]
    best: tuple[int, int, list[PlanStop]] | None = None
    for k in range(max(frozen - 1, 0), len(stops) - 1):
        extra = (
            int(mat[ex[k], x]) + new.dwell + int(mat[x, ent[k + 1]]) - int(mat[ex[k], ent[k + 1]])
        )
        if limit.max_work is not None and work + extra > limit.max_work:
            continue
        first = route.start_s if limit.leave_s is None else limit.leave_s
        leave = first if k == 0 and frozen <= 1 else stops[k].departure
        arrival = leave + int(mat[ex[k], x])
        start = max(arrival, lo)
        if start > hi:
            break
        ins = replace(new, arrival=arrival, start=start, departure=start + new.dwell)
        if k == 0 and frozen <= 1 and stops[0].departure > leave:
            head = [replace(stops[0], departure=leave, dwell=leave - stops[0].start)]
        else:
            head = stops[: k + 1]
        out = [*head, ins]
        t = ins.departure + int(mat[x, ent[k + 1]])
        delay = t - stops[k + 1].arrival
        ok = True
        for j in range(k + 1, len(stops)):
            s = stops[j]
            begin = max(t, s.start)
            if s.windows and not any(a <= begin <= b for a, b in s.windows):
                ok = False
                break
            if j == len(stops) - 1 and t > closing:
                ok = False
                break
            if j == len(stops) - 1:
                begin = max(t, s.start)
                out.append(replace(s, arrival=t, start=begin, dwell=s.departure - begin))
                break
            # A stop moved later keeps its whole stay: an alley is still ridden end to end.
            leave_at = max(s.departure, begin + s.dwell)
            moved = replace(s, arrival=t, start=begin, departure=leave_at)
            out.append(moved)
            if moved.departure == s.departure:
                out.extend(stops[j + 1 :])
                break
            if j + 1 < len(stops):
                t = moved.departure + int(mat[ex[j], ent[j + 1]])
        if ok and (best is None or delay < best[0]):
            best = (delay, k, out)
    if best is None:
        return None
    delay, k, out = best
    out[k + 1] = replace(out[k + 1], leg=_leg(network, pts, ex[k], x, route.mode))
    out[k + 2] = replace(out[k + 2], leg=_leg(network, pts, x, ent[k + 1], route.mode))
    return delay, replace(route, stops=tuple(out))


def repair_gate_windows(
    routes: Sequence[PlanRoute],
    dose: pd.DataFrame,
    pts: DistrictPoints,
    *,
    offset_s: int,
    network: StreetNetwork | None = None,
    frozen: Mapping[str, int] | None = None,
    skip: Sequence[str] = (),
    limits: Mapping[str, RouteLimit] | None = None,
) -> list[PlanRoute]:
    """Insert every window visit a route of the shift can still take but the solver left out.

    The routing solver is stopped by its time limit; this pass makes sure that no school or
    kindergarten gate window, nor a window a planner set on another key area, is missed when
    some route could take it between two of its stops (the rule
    :func:`planner.checks.plan.check_dose` checks), choosing the route and place that delay the
    rest of the route least. Gate windows go first; passes repeat while they insert something,
    since a visit just inserted can bring a route near enough to take another window.

    Parameters
    ----------
    routes
        The plan routes of one shift.
    dose
        The dose rows of that shift.
    pts
        The district's points and matrices.
    offset_s
        Seconds from local midnight to the shift start.
    network
        For the legs' geometry.
    frozen
        Unit id -> number of leading stops already made (re-planning), left as they are.
    skip
        Group ids whose routes take nothing more (a group called away).
    limits
        Unit id -> the most work and checkpoint visits its route may hold
        (:func:`route_limits`); an insertion keeps within them.
    """
    out = list(routes)
    frozen = frozen or {}
    limits = limits or {}
    rows = [row for row in dose.itertuples(index=False) if row.windows]
    rows.sort(key=lambda row: str(row.category) not in GATE_CATEGORIES)
    for _ in range(REPAIR_PASSES):
        inserted = 0
        for row in rows:
            inserted += _repair_row(out, row, pts, offset_s, network, frozen, skip, limits)
        if not inserted:
            break
    return out


def unit_key(route: PlanRoute) -> str:
    """Return the id of the unit of a route (its group's id in plans made before units)."""
    return route.unit_id or route.group_id


REPAIR_PASSES = 3
"""At most this many passes of :func:`repair_gate_windows` over the shift's windows."""


def _repair_row(
    out: list[PlanRoute],
    row: Any,
    pts: DistrictPoints,
    offset_s: int,
    network: StreetNetwork | None,
    frozen: Mapping[str, int],
    skip: Sequence[str],
    limits: Mapping[str, RouteLimit],
) -> int:
    """Insert the missed windows of one dose row into ``out`` in place; return how many."""
    aid = str(row.area_id)
    inserted = 0
    for j, (a, b) in enumerate(sorted(row.windows)):
        win = (int(a) + offset_s, int(b) + offset_s)
        starts = [s.start for r in out for s in r.stops if s.kind == "visit" and s.area_id == aid]
        if any(win[0] <= t <= win[1] for t in starts):
            continue
        x = pts.at(aid)
        check, check_zh = check_text(str(row.category))
        sid = f"{aid}{VISIT_SEP}{j + 1}" if len(row.windows) > 1 else aid
        new = PlanStop(
            site_id=sid,
            area_id=aid,
            name=pts.names[x],
            category=str(row.category),
            kind="visit",
            lon=float(pts.lonlat[x, 0]),
            lat=float(pts.lonlat[x, 1]),
            arrival=0,
            start=0,
            departure=0,
            dwell=int(row.dwell_s),
            name_en=pts.names_en[x],
            windows=(win,),
            check=check,
            check_zh=check_zh,
        )
        options = []
        for i, r in enumerate(out):
            if r.group_id in skip:
                continue
            key = unit_key(r)
            got = _try_insert(r, new, x, pts, network, frozen.get(key, 0), limits.get(key))
            if got is not None:
                options.append((got[0], i, got[1]))
        if options:
            _, i, better = min(options, key=lambda o: (o[0], o[1]))
            out[i] = better
            inserted += 1
            logger.info("routes: window %s of %s inserted after solving", win, aid)
    return inserted
