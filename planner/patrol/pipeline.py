"""One plan end to end: risk, dose, roster, a route for every group-shift, coverage, checks.

Stages, in order (each recorded as a :class:`planner.plan.document.StageRun`):

1. ``risk``: incident risk per key area and hour of the week
   (:func:`planner.hotspots.risk.district_risk`).
2. ``dose``: camera view areas, each area's camera share and the dose per area and shift
   (:func:`planner.patrol.demand.compute_dose`) for the rules file's shift templates; key areas'
   own ``windows`` and ``dose_minutes`` (district bundle) and a plan's ``dose_boost`` (the
   check-in shortfall of an earlier plan, recorded in the plan) are honoured there.
3. ``roster``: the rules file and teams (:func:`planner.patrol.roster.build_patrol_problem`)
   solved by CP-SAT (:func:`planner.roster.solve.solve_roster`).
4. ``routes``: each group on a shift works as units (:mod:`planner.patrol.units`: pairs, the
   whole group in the rules' together windows), each with its members, vehicles from the
   pool, handover, meal breaks, night rest in turns and a reserve for calls; one routing
   problem per shift (:mod:`planner.patrol.routes`) in which the units share the sites. Routes
   vary by day: the arc costs carry seeded noise (seed of the plan, date and shift) while
   windows, pinned visits and shift ends stay hard rules. School gate visits are worth more
   than any other visit (:func:`planner.patrol.routes.gate_priority`), so a route takes every
   gate window it can reach; one group cannot be at 19 school gates in the same hour, so a
   gate window no route could still take is left out, and the ``dose`` check of
   :func:`planner.checks.plan.validate_plan` fails the plan for any gate window a route could
   have taken. Windows a planner set on other key areas rank just below the gates and are
   held to the same rule.
5. ``coverage``: dose planned vs needed per key area and grid over the horizon, streets
   patrolled, blind spots (:func:`planner.plan.coverage.coverage`).
6. ``validate``: the independent checks of :func:`planner.checks.plan.validate_plan`.

The inputs come read once (:class:`~planner.patrol.inputs.PlanInputs`), the request in one
object (:class:`~planner.patrol.request.PlanRequest`) whose :class:`TimeBudget` gives the roster
and each shift's routes their seconds. Nothing is printed; a :class:`Progress` callback hears
about each step.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import pandas as pd

from planner.core_errors import ProblemError
from planner.exceptions import PlanInputError
from planner.plan.document import (
    BudgetRecord,
    CarryIn,
    DistrictInfo,
    DoseRow,
    Fairness,
    FillIn,
    GridMember,
    Group,
    Holiday,
    Leave,
    Member,
    PlanDocument,
    Roster,
    ShiftTemplate,
    StageRun,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.hotspots.risk import RiskResult
    from planner.patrol.inputs import PlanInputs
    from planner.patrol.request import PlanRequest
    from planner.patrol.roster import PatrolRoster
    from planner.patrol.units import Unit

logger = logging.getLogger("planner")

STAGES = ("risk", "dose", "roster", "routes", "coverage", "validate")
"""The pipeline's stages in order."""

ROUTE_NOISE = 0.15
"""Relative seeded noise on the arc costs that makes routes vary from day to day."""

SOLUTIONS_PER_SECOND = 40
"""Solutions of the routing search per second of a shift's budget: the search stops after
``per_shift * SOLUTIONS_PER_SECOND`` solutions, so a plan does not depend on the machine's
speed or load (about the rate of one core of the 2-core machine the benchmarks run on)."""

SAFETY_FACTOR = 20.0
"""A shift's routing search stops at this many times its budget in any case (a safety bound
that a loaded machine may reach; the plan then depends on timing and the log says so)."""


class Progress(Protocol):
    """Hears about the pipeline: ``stage`` is one of :data:`STAGES`, ``done`` of ``total``."""

    def __call__(self, stage: str, done: int, total: int, /) -> None:
        """Report that ``done`` of ``total`` steps of ``stage`` are finished."""


def _quiet(stage: str, done: int, total: int, /) -> None:
    """Do nothing: the default progress callback."""


def _names(name: str) -> tuple[str, str]:
    """Split a bilingual shift name such as ``"白班 day"`` into (English, Chinese)."""
    zh = "".join(ch for ch in name if ord(ch) > 0x2E80).strip()
    en = "".join(ch for ch in name if ord(ch) <= 0x2E80).strip()
    return (en.capitalize() or zh or name), zh


def plan_roster(
    pr: PatrolRoster,
    assignment: dict[str, list[str | None]],
    lending: Sequence[tuple[str, str, int]] = (),
) -> Roster:
    """Turn a solved patrol roster into the plan's :class:`~planner.plan.document.Roster`."""
    rules = pr.rules
    shifts = []
    for s in rules.shifts:
        en, zh = _names(s.name or s.id)
        end = (s.start + s.minutes) % 1440
        night = s.night if s.night is not None else s.start + s.minutes > 1440
        shifts.append(ShiftTemplate(s.id, en, zh, s.start, end, bool(night)))
    groups = tuple(
        Group(g.id, g.name_en or g.id, g.name, tuple(Member(m.id, m.name) for m in g.members))
        for g in rules.groups
    )
    owner = {m.id: g.id for g in rules.groups for m in g.members}
    leave = []
    for lv in rules.leave:
        d = lv.first
        while d <= lv.last:
            if d in pr.dates and lv.member in owner:
                leave.append(Leave(owner[lv.member], lv.member, d.isoformat(), lv.reason))
            d += timedelta(days=1)
    holidays = tuple(Holiday(pr.dates[i].isoformat(), name) for i, name in pr.public_holidays)
    night_ids = {s.id for s in shifts if s.night}
    hol_days = {i for i, _ in pr.public_holidays}
    fairness = []
    for g in groups:
        row = assignment[g.id]
        worked = [d for d, sid in enumerate(row) if sid is not None]
        fairness.append(
            Fairness(
                g.id,
                shifts=len(worked),
                nights=sum(row[d] in night_ids for d in worked),
                weekends=sum(pr.dates[d].weekday() >= 5 for d in worked),
                holidays=sum(d in hol_days for d in worked),
            )
        )
    fill_ins = tuple(FillIn(g, m, pr.dates[d].isoformat()) for m, g, d in lending)
    return Roster(
        tuple(shifts),
        groups,
        {g.id: tuple(assignment[g.id]) for g in groups},
        tuple(leave),
        holidays,
        tuple(fairness),
        fill_ins,
        reserves=tuple(Member(m.id, m.name) for m in rules.reserves),
        carry_in=_carry_in(pr),
    )


def _carry_in(pr: PatrolRoster) -> CarryIn | None:
    """Return the days before the plan its roster carried in from the baseline, if any."""
    from planner.patrol.baseline import carry_in_days

    base = pr.baseline
    if base is None:
        return None
    days = carry_in_days(base, pr.dates[0])
    if not days:
        return None
    at = set(days)
    return CarryIn(
        days[0].isoformat(),
        {g: tuple(base.on(g, d) for d in days) for g in sorted(base.schedule)},
        tuple(FillIn(g, m, d.isoformat()) for m, g, d in base.lending if d in at),
    )


def shift_seed(seed: int, day: str, shift_id: str) -> int:
    """Return the seed of one shift's routes, derived from the plan's seed, date and shift."""
    digest = hashlib.sha256(f"{seed}:{day}:{shift_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1)


@dataclass(frozen=True, slots=True, eq=False)
class Demand:
    """What the district needs over a plan's horizon: risk, camera views and the dose.

    Attributes
    ----------
    risk
        Risk per key area, street and grid and hour of the week
        (:func:`planner.hotspots.risk.district_risk`).
    views
        Camera view areas (:func:`geodata.cameras.view_areas`).
    dose
        The dose table of every shift of the horizon (:func:`planner.patrol.demand.compute_dose`).
    alleys
        The alley runs' rows of every shift (:func:`planner.patrol.demand.street_dose`).
    timings
        Seconds spent on ``risk`` and on ``dose``.
    """

    risk: RiskResult
    views: Any
    dose: pd.DataFrame
    alleys: pd.DataFrame
    timings: dict[str, float]

    def shift_rows(self, day: str, shift_id: str) -> pd.DataFrame:
        """Return the key areas' dose rows of one shift."""
        return self.dose[(self.dose["date"] == day) & (self.dose["shift_id"] == shift_id)]

    def alley_rows(self, day: str, shift_id: str) -> pd.DataFrame:
        """Return the alley runs' dose rows of one shift."""
        rows = self.alleys
        return rows[(rows["date"] == day) & (rows["shift_id"] == shift_id)]

    def all_rows(self) -> pd.DataFrame:
        """Return the dose rows of the key areas and the alleys together."""
        if not len(self.alleys):
            return self.dose
        return pd.concat([self.dose, self.alleys], ignore_index=True)


def area_positions(district: Any) -> dict[str, tuple[float, float]]:
    """Return key area id -> its representative point in the district's work CRS (metres)."""
    areas = district.key_areas
    pts = areas.geometry.representative_point().to_crs(district.work_crs)
    return {str(a): (float(x), float(y)) for a, x, y in zip(areas["id"], pts.x, pts.y, strict=True)}


def plan_demand(inputs: PlanInputs, request: PlanRequest) -> Demand:
    """Compute risk, camera shares and the dose of every shift of the request's horizon.

    Raises
    ------
    PlanInputError
        For a dose boost naming an unknown key area or a factor out of range, or a key area's
        ``windows`` or ``dose_minutes`` that cannot be used.
    """
    from geodata.cameras import view_areas
    from planner.hotspots.risk import district_risk
    from planner.patrol.camera_discount import area_camera_share
    from planner.patrol.demand import (
        DoseParams,
        DoseShift,
        cap_corners,
        compute_dose,
        street_dose,
    )

    district = inputs.district
    t0 = time.perf_counter()
    risk = district_risk(district, on=request.start)
    t1 = time.perf_counter()
    views = view_areas(district.cameras, district.streets, work_crs=district.work_crs)
    share = area_camera_share(
        district.key_areas, district.streets, views, work_crs=district.work_crs
    )
    shifts = [
        DoseShift(s.id, day, s.start, (s.start + s.minutes) % 1440)
        for day in request.dates()
        for s in inputs.rules.shifts
    ]
    gate_stay = inputs.rules.shift_time.gate_minutes * 60
    dose = compute_dose(
        risk.areas,
        district.key_areas,
        shifts,
        camera_share=share,
        params=DoseParams(gate_stay_s=gate_stay),
        dose_boost=request.dose_boost or None,
        surge=surge_factors(inputs, request),
        country=(district.manifest or {}).get("country") or None,
        grids=[inputs.area_grids.get(str(a)) for a in district.key_areas["id"]],
    )
    dose = cap_corners(dose, area_positions(district), grids=inputs.area_grids)
    events = event_dose(inputs, shifts)
    if len(events):
        dose = pd.concat([dose, events], ignore_index=True)
    night = {s.id: bool(s.night if s.night is not None else s.start + s.minutes > 1440)
             for s in inputs.rules.shifts}  # fmt: skip
    alleys = street_dose(risk.streets, inputs.alleys, shifts, night=night)
    t2 = time.perf_counter()
    timings = {"risk": round(t1 - t0, 3), "dose": round(t2 - t1, 3)}
    return Demand(risk, views, dose, alleys, timings)


GATE_POST_S = 600
"""A unit stands at a gate when it is there this long in the window (or all of it)."""


def gate_stood(routes: Sequence[Any], key: tuple[str, str], window: tuple[int, int]) -> bool:
    """Whether some route stands at gate ``key`` = (area, date) for ten minutes of ``window``."""
    aid, day = key
    need = min(GATE_POST_S, window[1] - window[0])
    for r in routes:
        base = (date.fromisoformat(r.date) - date.fromisoformat(day)).days * 86400
        for s in r.stops:
            if s.area_id == aid and s.kind in ("visit", "fixed_post"):
                lo, hi = s.start + base, s.departure + base
                if min(hi, window[1]) - max(lo, window[0]) >= need:
                    return True
    return False


def without_windows(
    rows: pd.DataFrame, taken: set[tuple[str, str, tuple[int, int]]], template: ShiftTemplate
) -> pd.DataFrame:
    """Drop from a shift's dose rows the gate windows someone else stands.

    A row's windows are start windows from the shift's start; a taken window (seconds from
    local midnight of its date) is the one whose start matches. A row left without windows is
    left out; one with fewer has fewer visits.
    """
    if not taken or not len(rows):
        return rows
    off = template.start_minute * 60
    by_area: dict[tuple[str, str], set[int]] = {}
    for aid, day, (lo, _hi) in taken:
        by_area.setdefault((aid, day), set()).add(lo)
    keep, windows, visits = [], [], []
    for k, row in enumerate(rows.itertuples(index=False)):
        gone = by_area.get((str(row.area_id), str(row.date)), set())
        wins = tuple(w for w in row.windows if w[0] + off not in gone)
        if gone and row.windows and not wins:
            continue
        keep.append(k)
        windows.append(wins if gone else row.windows)
        visits.append(len(wins) if gone and row.windows else int(row.visits))
    out = rows.iloc[keep].copy()
    out["windows"] = pd.Series(windows, index=out.index, dtype=object)
    out["visits"] = visits
    return out


def route_params(per_shift: float) -> Any:
    """Return the routing search settings of a shift with ``per_shift`` seconds of budget."""
    from planner.routing.params import RouteParams

    return RouteParams(
        time_limit=max(per_shift * SAFETY_FACTOR, 1.0),
        engine="ortools",
        noise=ROUTE_NOISE,
        solution_limit=max(int(per_shift * SOLUTIONS_PER_SECOND), 10),
    )


def surge_places(inputs: PlanInputs, surge: Any) -> set[str]:
    """Return the key areas whose need a surge date raises: its categories, near its event."""
    areas = inputs.district.key_areas
    ids = areas["id"].astype(str)
    out = set(ids[areas["category"].astype(str).isin(surge.categories)])
    if surge.event is not None:
        import geopandas as gpd

        crs = inputs.district.work_crs
        centre = gpd.GeoSeries(gpd.points_from_xy([surge.event.lon], [surge.event.lat]), crs=4326)
        near = areas.to_crs(crs).distance(centre.to_crs(crs).iloc[0]) <= surge.event.radius_m
        out |= set(ids[near.to_numpy()])
    return out


def surge_factors(inputs: PlanInputs, request: PlanRequest) -> dict[date, dict[str, float]]:
    """Return date -> key area id -> need factor of the rules' surge dates in the horizon."""
    days = set(request.dates())
    out: dict[date, dict[str, float]] = {}
    for s in inputs.rules.surge_dates:
        if s.date in days and s.factor != 1.0:
            got = out.setdefault(s.date, {})
            for aid in surge_places(inputs, s):
                got[aid] = max(got.get(aid, 1.0), s.factor)
    return out


EVENT_STAY_S = 900
"""Stay of a patrol at a surge date's event, per visit."""

EVENT_VISIT_EVERY_S = 2 * 3600
"""A surge date's event asks for one visit per this many seconds of it in a shift."""


def event_dose(inputs: PlanInputs, shifts: Sequence[Any]) -> pd.DataFrame:
    """Return the dose rows of the surge dates' events: temporary checkpoints in their hours."""
    from planner.patrol.demand import DOSE_COLUMNS
    from planner.patrol.inputs import event_id

    rows = []
    for s in inputs.rules.surge_dates:
        e = s.event
        if e is None:
            continue
        lo_m, hi_m = (e.start, e.end) if e.start is not None and e.end is not None else (0, 1440)
        for shift in shifts:
            if shift.date != s.date:
                continue
            a = max(lo_m, shift.start_minute) * 60 - shift.start_minute * 60
            b = min(hi_m, shift.start_minute + shift.minutes) * 60 - shift.start_minute * 60
            if b - a < EVENT_STAY_S:
                continue
            visits = max(1, (b - a) // EVENT_VISIT_EVERY_S)
            rows.append(
                {
                    "area_id": event_id(s.date),
                    "name": e.name or s.name,
                    "category": "square",
                    "date": shift.date.isoformat(),
                    "shift_id": shift.id,
                    "risk": 0.0,
                    "relative_risk": s.factor,
                    "camera_share": 0.0,
                    "camera_factor": 1.0,
                    "visits": int(visits),
                    "dwell_s": EVENT_STAY_S,
                    "needed_minutes": int(visits * EVENT_STAY_S // 60),
                    "min_gap_s": int((b - a) // (2 * visits)) if visits > 1 else 0,
                    "windows": ((a, b - EVENT_STAY_S),),
                    "open_s": (),
                    "value": max(1, round(100 * s.factor)),
                    "mandatory": False,
                    "capped": False,
                    "reason": f"event of {s.name}",
                }
            )
    return pd.DataFrame(rows, columns=list(DOSE_COLUMNS))


def solve_shift(
    inputs: PlanInputs,
    demand: Demand,
    doc_like: Any,
    day: str,
    template: ShiftTemplate,
    units: Sequence[Unit],
    *,
    seconds: float,
    seed: int,
    taken: set[tuple[str, str, tuple[int, int]]] | None = None,
) -> tuple[list[Any], Any]:
    """Solve one shift's routes for its units; return the plan routes and the routing result.

    ``taken`` are the gate windows ``(area id, date, window)`` that grid members stand, left
    out for the units.
    """
    from planner.patrol.routes import (
        repair_gate_windows,
        route_limits,
        shift_problem,
        to_plan_route,
    )
    from planner.routing.solve import solve_routes

    rows = without_windows(demand.shift_rows(day, template.id), taken or set(), template)
    sp = shift_problem(
        inputs.points,
        rows,
        units,
        inputs.rules.shift_time,
        date=day,
        shift_id=template.id,
        offset_s=template.start_minute * 60,
        length_s=template.duration_minutes * 60,
        alleys=demand.alley_rows(day, template.id),
        runs={r.id: r for r in inputs.alleys},
        network=inputs.network,
        area_grids=inputs.area_grids,
    )
    params = route_params(seconds)
    result = solve_routes(sp.problem, params, seed=seed)
    if result.runtime >= params.time_limit * 0.98:
        logger.warning(
            "routes %s %s: the search stopped at its safety time limit (%.1f s), so these "
            "routes depend on the machine's load",
            day,
            template.id,
            params.time_limit,
        )
    if result.missing:
        logger.warning(
            "routes %s %s: the units on duty cannot fit %d mandatory visits: %s",
            day,
            template.id,
            len(result.missing),
            ", ".join(result.missing),
        )
    values = {s.id: s.value for s in sp.problem.sites}
    routes = [
        to_plan_route(
            sp,
            r,
            inputs.points,
            local_time=doc_like.local_time,
            network=inputs.network,
            value=sum(values.get(s.site_id, 0) for s in r.stops),
        )
        for r in result.routes
    ]
    routes = repair_gate_windows(
        routes,
        rows,
        inputs.points,
        offset_s=sp.offset_s,
        network=inputs.network,
        limits=route_limits(sp),
    )
    return routes, result


def plan_units(
    inputs: PlanInputs, roster: Roster, start: date, jobs: Sequence[tuple[int, ShiftTemplate]]
) -> list[tuple[date, list[Unit]]]:
    """Return the units of every shift worked from ``start``, with their vehicles from the pool.

    Raises
    ------
    PlanInputError
        When the vehicle pool cannot equip the units or a motorcycle lacks a licensed rider.
    """
    from planner.patrol.units import assign_vehicles, present_members, shift_units

    lent: dict[tuple[str, str], list[str]] = {}
    for f in roster.fill_ins:
        lent.setdefault((f.group_id, f.date), []).append(f.member_id)
    shifts = []
    for d, s in jobs:
        day = start + timedelta(days=d)
        crews = [
            (
                inputs.group(g.id),
                present_members(
                    inputs.group(g.id), day, inputs.rules, lent.get((g.id, day.isoformat()), [])
                ),
            )
            for g in roster.groups
            if roster.schedule[g.id][d] == s.id
        ]
        shifts.append((day, shift_units(inputs.rules.shift(s.id), crews, inputs.rules)))
    return assign_vehicles(shifts, inputs.teams)


def dose_rows(dose: pd.DataFrame, routes: Sequence[Any]) -> tuple[DoseRow, ...]:
    """Return the plan's dose rows: needed from the dose table, planned from the routes."""
    planned: dict[tuple[str, str, str], list[int]] = {}
    for r in routes:
        for s in r.stops:
            if s.area_id is None or s.kind == "base":
                continue
            got = planned.setdefault((s.area_id, r.date, r.shift_id), [0, 0])
            got[0] += 1
            got[1] += s.dwell
    out = []
    for row in dose.itertuples(index=False):
        got = planned.get((str(row.area_id), str(row.date), str(row.shift_id)), [0, 0])
        out.append(
            DoseRow(
                str(row.area_id),
                str(row.date),
                str(row.shift_id),
                int(row.visits),
                int(row.needed_minutes),
                got[0],
                got[1] // 60,
            )
        )
    return tuple(out)


def plan_coverage(
    inputs: PlanInputs, demand: Demand, doc: PlanDocument
) -> tuple[Any, tuple[Any, ...]]:
    """Measure the whole plan's coverage; return the CoverageResult and the plan's rows."""
    from planner.plan.coverage import Visit, coverage
    from planner.plan.document import CoverageRow

    network = inputs.network
    district = inputs.district
    known = set(district.key_areas["id"].astype(str))  # events and alleys are no key areas
    first = doc.start_date
    visits = []
    streets: list[str] = []
    for r in doc.routes:
        base = (date.fromisoformat(r.date) - first).days * 86400
        for s in r.stops:
            if s.kind == "visit" and s.area_id is not None and s.area_id in known:
                visits.append(Visit(s.area_id, base + s.start, base + s.departure, r.group_id))
        starts = network.snap([(s.lon, s.lat) for s in r.stops], r.mode)
        ends = network.snap(
            [
                (s.end_lon, s.end_lat)
                if s.end_lon is not None and s.end_lat is not None
                else (s.lon, s.lat)
                for s in r.stops
            ],
            r.mode,
        )
        for k, stop in enumerate(r.stops):
            streets.extend(stop.streets)  # an alley covered end to end
            if k and ends[k - 1] != starts[k]:
                streets.extend(network.path_streets(int(ends[k - 1]), int(starts[k]), r.mode)[0])
    horizon = doc.days * 86400 + 86400
    info = getattr(demand.risk.streets, "info", None)
    street_risk = info["weekly"] if info is not None else pd.Series(dtype=float)
    result = coverage(
        visits,
        streets,
        shift_seconds=horizon,
        dose=demand.dose[demand.dose["area_id"].isin(known)],
        key_areas=district.key_areas,
        streets=district.streets,
        grids=district.grids,
        street_risk=street_risk,
        work_crs=district.work_crs,
        camera_views=demand.views,
    )
    rows = [
        CoverageRow(
            "area",
            str(a.area_id),
            str(a.name),
            int(a.needed_minutes),
            round(float(a.planned_minutes)),
            int(a.planned_visits),
            float(a.camera_share),
        )
        for a in result.areas.itertuples(index=False)
    ]
    rows += [
        CoverageRow(
            "grid",
            str(g.grid_id),
            str(g.name),
            int(g.needed_minutes),
            round(float(g.planned_minutes)),
            int(g.planned_visits),
        )
        for g in result.grids.itertuples(index=False)
    ]
    rows += inspection_coverage(demand.dose, doc)
    return result, tuple(rows)


def inspection_coverage(dose: pd.DataFrame, doc: PlanDocument) -> list[Any]:
    """Return a coverage row per inspection the horizon asks for (0 visits: still due)."""
    from planner.patrol.inspections import is_inspection
    from planner.plan.document import CoverageRow

    made: dict[str, list[int]] = {}
    for r in doc.routes:
        for s in r.stops:
            if s.kind == "inspection" and s.area_id is not None:
                got = made.setdefault(s.area_id, [0, 0])
                got[0] += 1
                got[1] += s.dwell // 60
    return [
        CoverageRow(
            "inspection",
            str(row.area_id),
            str(row.name),
            int(row.needed_minutes),
            made.get(str(row.area_id), [0, 0])[1],
            made.get(str(row.area_id), [0, 0])[0],
        )
        for row in dose.itertuples(index=False)
        if is_inspection(str(row.area_id))
    ]


def make_plan(
    inputs: PlanInputs, request: PlanRequest, *, progress: Progress | None = None
) -> PlanDocument:
    """Plan a district's horizon: roster, routes, dose, coverage and the independent checks.

    Parameters
    ----------
    inputs
        The district's inputs (:func:`planner.patrol.inputs.load_inputs`).
    request
        Horizon, seed, time budget and options.
    progress
        Called with ``(stage, done, total)`` as the stages advance.

    Returns
    -------
    PlanDocument
        The plan with a :class:`StageRun` per stage and the validators' findings.

    Raises
    ------
    PlanInputError
        For a request or district facts that cannot be planned (a dose boost naming an unknown
        key area, a key area's bad ``windows``, a roster that no rule relaxation fits).
    RulesError
        For a baseline of other groups or another period, or a freeze date outside the
        horizon (one sentence).
    """
    try:
        return _make_plan(inputs, request, progress or _quiet)
    except PlanInputError:
        raise
    except ProblemError as exc:  # facts the cores refuse come from the district's input
        raise PlanInputError(str(exc)) from exc


def _make_plan(inputs: PlanInputs, request: PlanRequest, tell: Progress) -> PlanDocument:
    from geodata.bundle import district_id as bundle_id
    from planner.checks.plan import validate_plan
    from planner.checks.quality import quality
    from planner.patrol.baseline import apply_baseline
    from planner.patrol.demand import check_dose_boost, school_gate_windows
    from planner.patrol.grid_members import plan_grid_people, read_grid_people
    from planner.patrol.inspections import inspection_dose, is_inspection, plan_inspections
    from planner.patrol.roster import build_patrol_problem
    from planner.roster.solve import RosterParams, solve_roster

    stages: list[StageRun] = []
    start, days, seed, budget = request.start, request.days, request.seed, request.budget
    tell("risk", 0, 1)
    demand = plan_demand(inputs, request)
    boost = check_dose_boost(
        request.dose_boost or None, [str(a) for a in inputs.district.key_areas["id"]]
    )
    stages.append(StageRun("risk", "OPTIMAL", None, None, demand.timings["risk"]))
    stages.append(
        StageRun("dose", "OPTIMAL", float(len(demand.dose)), None, demand.timings["dose"])
    )
    tell("risk", 1, 1)
    tell("dose", 1, 1)

    t0 = time.perf_counter()
    tell("roster", 0, 1)
    pr = build_patrol_problem(inputs.rules, start, days)
    if request.baseline is not None:  # the roster in force: keep it, carry its days in
        pr = apply_baseline(pr, request.baseline, freeze_until=request.freeze_until)
    rparams = RosterParams(time_limit=budget.roster, num_workers=request.cores)
    rres = solve_roster(pr.problem, rparams, seed=seed)
    if rres.is_feasible():
        assignment, rstatus = rres.assignment, rres.status.value.upper()
    elif rres.relaxed is not None and rres.relaxed.assignment:
        assignment, rstatus = rres.relaxed.assignment, "INFEASIBLE"
        logger.warning("roster: rules conflict: %s", " ".join(rres.conflict))
    else:
        reason = " ".join(rres.conflict) or "no roster was found within the time limit"
        msg = f"No roster fits the rules file {inputs.rules_path.name}: {reason}"
        raise PlanInputError(msg)
    lending = rres.lending if rres.is_feasible() else (rres.relaxed.lending if rres.relaxed else ())
    roster = plan_roster(pr, assignment, lending)
    stages.append(StageRun("roster", rstatus, _num(rres.objective), _num(rres.bound), _since(t0)))
    tell("roster", 1, 1)

    manifest = inputs.district.manifest
    district_id = bundle_id(inputs.folder, manifest)
    tz = str(manifest.get("time_zone", "Asia/Shanghai"))
    now = request.created_at or datetime.now(ZoneInfo(tz))
    jobs = [
        (d, s)
        for d in range(days)
        for s in roster.shifts
        if any(roster.schedule[g.id][d] == s.id for g in roster.groups)
    ]
    doc = PlanDocument(
        plan_id=f"{district_id}-{start.isoformat()}-s{seed}",
        district=DistrictInfo(
            district_id,
            str(manifest.get("name", district_id)),
            str(manifest.get("name_zh", "")),
            tz,
            str(manifest.get("attribution", "© OpenStreetMap contributors, ODbL 1.0")),
            str(inputs.folder.resolve()),
        ),
        start=start.isoformat(),
        days=days,
        seed=seed,
        created_at=now.isoformat(timespec="seconds"),
        roster=roster,
        fingerprints=dict(inputs.fingerprints),
        dose_boost=boost,
        budget=BudgetRecord(budget.roster, budget.per_shift, len(jobs)),
    )

    t0 = time.perf_counter()
    units = plan_units(inputs, roster, start, jobs)
    # The week's inspections go into the shifts worked, as long stops inside opening hours.
    worked = {
        (when, s.id): len(shift_units)
        for (_d, s), (when, shift_units) in zip(jobs, units, strict=True)
    }
    minutes = inputs.rules.inspection_minutes
    tasks = plan_inspections(inputs, start, days, worked, minutes)
    if tasks:
        extra = inspection_dose(tasks, minutes)
        demand = replace(demand, dose=pd.concat([demand.dose, extra], ignore_index=True))
    routes: list[Any] = []
    value = bound = 0
    missing = 0
    tell("routes", 0, len(jobs))
    for k, ((_d, s), (when, shift_units)) in enumerate(zip(jobs, units, strict=True)):
        day = when.isoformat()
        got, res = solve_shift(
            inputs,
            demand,
            doc,
            day,
            s,
            shift_units,
            seconds=budget.per_shift,
            seed=shift_seed(seed, day, s.id),
        )
        routes.extend(got)
        value += res.objective
        bound += res.bound
        missing += len(res.missing)
        tell("routes", k + 1, len(jobs))
    # Grid members and volunteers stand the gate windows the units cannot, then walk their grid.
    gates = school_gate_windows(inputs.district.key_areas, request.dates())
    left = {key: [w for w in wins if not gate_stood(routes, key, w)] for key, wins in gates.items()}
    # Their walks go where the units' routes left need: places visited less than asked.
    short = {
        (d.area_id, d.date, d.shift_id)
        for d in dose_rows(demand.dose, routes)
        if d.planned_visits < d.needed_visits and not is_inspection(d.area_id)
    }
    wanted = demand.dose[
        [
            (str(a), str(d), str(s)) in short
            for a, d, s in zip(
                demand.dose["area_id"], demand.dose["date"], demand.dose["shift_id"], strict=True
            )
        ]
    ]
    need = {str(day): rows for day, rows in wanted.groupby("date")}
    grid_routes, _taken = plan_grid_people(inputs, request.dates(), left, need, doc.local_time)
    routes.extend(grid_routes)
    people = {p.id: p for p in read_grid_people(inputs.district.teams)}
    used = sorted({m for r in grid_routes for m in r.members})
    doc = replace(
        doc,
        roster=replace(
            doc.roster,
            grid_members=tuple(
                GridMember(m, people[m].name, people[m].grid, people[m].kind) for m in used
            ),
        ),
    )
    status = "FEASIBLE" if not missing else "INFEASIBLE"
    stages.append(StageRun("routes", status, float(value), float(bound), _since(t0)))
    doc = replace(doc, routes=tuple(routes), dose=dose_rows(demand.all_rows(), routes))

    t0 = time.perf_counter()
    tell("coverage", 0, 1)
    cov, rows = plan_coverage(inputs, demand, doc)
    met = float(cov.summary.get("areas_met", 0))
    stages.append(StageRun("coverage", "OPTIMAL", met, None, _since(t0)))
    doc = replace(doc, coverage=rows)
    tell("coverage", 1, 1)

    t0 = time.perf_counter()
    tell("validate", 0, 1)
    checks = validate_plan(doc, inputs)
    ok = all(c.ok for c in checks)
    summary = quality(doc, inputs)
    stages.append(StageRun("validate", "OPTIMAL" if ok else "INFEASIBLE", None, None, _since(t0)))
    tell("validate", 1, 1)
    return replace(doc, stages=tuple(stages), validation=tuple(checks), quality=summary)


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)


def _num(value: float | None) -> float | None:
    return None if value is None else float(value)
