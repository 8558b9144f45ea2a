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
4. ``routes``: one routing problem per shift (:mod:`planner.patrol.routes`): the groups on duty
   share that shift's sites, each group one vehicle with its travel mode and base post, and a
   30-minute meal break at its base (:func:`planner.patrol.routes.meal_break`). Routes
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

A time limit applies per stage: the roster gets it whole, the routes stage shares it among the
shifts. Nothing is printed; a :class:`Progress` callback hears about each step.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import pandas as pd

from planner.exceptions import ProblemError, RulesError
from planner.plan.document import (
    DistrictInfo,
    DoseRow,
    Fairness,
    Group,
    Holiday,
    Leave,
    Member,
    PlanDocument,
    Roster,
    ShiftTemplate,
    StageRun,
    fingerprint_files,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from geodata.bundle import District
    from geodata.network import StreetNetwork
    from planner.patrol.roster import PatrolRoster
    from planner.patrol.routes import Crew, DistrictPoints

logger = logging.getLogger("planner")

STAGES = ("risk", "dose", "roster", "routes", "coverage", "validate")
"""The pipeline's stages in order."""

ROSTER_SECONDS = 5.0
"""Default time limit of the roster stage."""

ROUTE_SECONDS = 1.5
"""Default time limit of each shift's routing solve."""

ROUTE_NOISE = 0.15
"""Relative seeded noise on the arc costs that makes routes vary from day to day."""

MODES = ("foot", "bicycle", "ebike", "motorcycle")


class Progress(Protocol):
    """Hears about the pipeline: ``stage`` is one of :data:`STAGES`, ``done`` of ``total``."""

    def __call__(self, stage: str, done: int, total: int, /) -> None:
        """Report that ``done`` of ``total`` steps of ``stage`` are finished."""


def _quiet(stage: str, done: int, total: int, /) -> None:
    """Do nothing: the default progress callback."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """Where a plan's inputs come from.

    Attributes
    ----------
    district_dir
        The district bundle folder.
    rules, teams
        The rules file and the teams file (None when the rules file lists the groups).
    """

    district_dir: Path
    rules: Path
    teams: Path | None

    def files(self) -> dict[str, Path]:
        """Name -> path of every input file whose fingerprint the plan records."""
        out = {
            name: self.district_dir / name
            for name in ("manifest.toml", "district.gpkg", "incidents.csv")
            if (self.district_dir / name).is_file()
        }
        out["rules.toml"] = self.rules
        if self.teams is not None:
            out["teams.toml"] = self.teams
        return out


def resolve_inputs(district: str | Path | None, rules: str | Path | None = None) -> Inputs:
    """Find the district folder, its rules file and its teams file.

    Raises
    ------
    RulesError
        When the district folder or the rules file does not exist.
    """
    from geodata.bundle import DEFAULT_DISTRICT_DIR

    folder = DEFAULT_DISTRICT_DIR if district is None else Path(district)
    if not folder.is_dir():
        msg = f"District folder {folder} does not exist."
        raise RulesError(msg)
    rules_path = Path(rules) if rules is not None else folder / "rules.toml"
    if not rules_path.is_file():
        msg = f"Rules file {rules_path} does not exist."
        raise RulesError(msg)
    teams = folder / "teams.toml"
    return Inputs(folder, rules_path, teams if teams.is_file() else None)


def group_settings(
    inputs: Inputs, group_ids: Sequence[str], post_ids: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """Return each group's travel mode and base post.

    The mode is the group's ``mode`` in the rules file, else its ``default_mode`` in
    teams.toml, else ``"ebike"``. The base post is the ``base_post`` named there, else the
    district's posts in id order, one per group in turn.

    Raises
    ------
    RulesError
        For an unknown mode or base post.
    """
    raw: dict[str, dict[str, Any]] = {}
    for path in (inputs.teams, inputs.rules):
        if path is None:
            continue
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
        for g in doc.get("groups", []):
            if isinstance(g, dict) and "id" in g:
                raw.setdefault(str(g["id"]), {}).update(g)
    posts = sorted(post_ids)
    if not posts:
        msg = f"District {inputs.district_dir.name} has no posts to base patrol groups at."
        raise RulesError(msg)
    out = {}
    for i, gid in enumerate(group_ids):
        g = raw.get(gid, {})
        mode = str(g.get("mode", g.get("default_mode", "ebike")))
        if mode not in MODES:
            msg = f"Group {gid!r} has travel mode {mode!r}; use one of {', '.join(MODES)}."
            raise RulesError(msg)
        base = str(g.get("base_post", posts[i % len(posts)]))
        if base not in posts:
            msg = f"Group {gid!r} has base post {base!r}, which is not a post of the district."
            raise RulesError(msg)
        out[gid] = (mode, base)
    return out


def _names(name: str) -> tuple[str, str]:
    """Split a bilingual shift name such as ``"白班 day"`` into (English, Chinese)."""
    zh = "".join(ch for ch in name if ord(ch) > 0x2E80).strip()
    en = "".join(ch for ch in name if ord(ch) <= 0x2E80).strip()
    return (en.capitalize() or zh or name), zh


def plan_roster(pr: PatrolRoster, assignment: dict[str, list[str | None]]) -> Roster:
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
    return Roster(
        tuple(shifts),
        groups,
        {g.id: tuple(assignment[g.id]) for g in groups},
        tuple(leave),
        holidays,
        tuple(fairness),
    )


def shift_seed(seed: int, day: str, shift_id: str) -> int:
    """Return the seed of one shift's routes, derived from the plan's seed, date and shift."""
    digest = hashlib.sha256(f"{seed}:{day}:{shift_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1)


@dataclass(slots=True)
class Context:
    """What the stages share: the district, its network, points and the dose."""

    district: District
    inputs: Inputs
    network: StreetNetwork
    points: DistrictPoints
    dose: pd.DataFrame
    views: Any
    risk: Any
    timings: dict[str, float] = field(default_factory=dict)


def load_context(
    district: str | Path | District | None,
    rules: str | Path | None,
    start: date,
    days: int,
    *,
    shifts: Sequence[tuple[str, int, int]] | None = None,
    dose_boost: Mapping[str, float] | None = None,
) -> Context:
    """Load the district and compute risk, camera shares, dose and the routable points.

    ``shifts`` are ``(id, start_minute, end_minute)``; default the rules file's templates.
    ``dose_boost`` multiplies the named key areas' dose
    (:func:`planner.patrol.demand.compute_dose`).
    """
    from geodata.bundle import District, load_district
    from geodata.cameras import view_areas
    from geodata.network import StreetNetwork
    from planner.hotspots.risk import district_risk
    from planner.patrol.camera_discount import area_camera_share
    from planner.patrol.demand import DoseShift, compute_dose
    from planner.patrol.routes import district_points
    from planner.patrol.rules_file import load_rules

    if isinstance(district, District):
        loaded = district
        folder = district.path
    else:
        loaded = load_district(district)
        folder = loaded.path
    inputs = resolve_inputs(folder, rules)
    if shifts is None:
        rf = load_rules(inputs.rules, teams=inputs.teams)
        shifts = [(s.id, s.start, (s.start + s.minutes) % 1440) for s in rf.shifts]
    t0 = time.perf_counter()
    risk = district_risk(loaded, on=start)
    t1 = time.perf_counter()
    views = view_areas(loaded.cameras, loaded.streets, work_crs=loaded.work_crs)
    share = area_camera_share(loaded.key_areas, loaded.streets, views, work_crs=loaded.work_crs)
    dose_shifts = [
        DoseShift(sid, start + timedelta(days=d), a, b) for d in range(days) for sid, a, b in shifts
    ]
    dose = compute_dose(
        risk.areas, loaded.key_areas, dose_shifts, camera_share=share, dose_boost=dose_boost
    )
    network = StreetNetwork.from_district(loaded)
    points = district_points(loaded, network, MODES)
    t2 = time.perf_counter()
    timings = {"risk": round(t1 - t0, 3), "dose": round(t2 - t1, 3)}
    return Context(loaded, inputs, network, points, dose, views, risk, timings)


def solve_shift(
    ctx: Context,
    doc_like: Any,
    day: str,
    template: ShiftTemplate,
    crews: Sequence[Crew],
    *,
    seconds: float,
    seed: int,
) -> tuple[list[Any], Any]:
    """Solve one shift's routes; return the plan routes and the routing result."""
    from planner.patrol.routes import (
        meal_break,
        repair_gate_windows,
        shift_problem,
        to_plan_route,
    )
    from planner.routing.solve import RouteParams, solve_routes

    rows = ctx.dose[(ctx.dose["date"] == day) & (ctx.dose["shift_id"] == template.id)]
    sp = shift_problem(
        ctx.points,
        rows,
        crews,
        date=day,
        shift_id=template.id,
        offset_s=template.start_minute * 60,
        length_s=template.duration_minutes * 60,
        meal=meal_break(template.duration_minutes * 60),
    )
    params = RouteParams(time_limit=max(seconds, 0.2), engine="ortools", noise=ROUTE_NOISE)
    result = solve_routes(sp.problem, params, seed=seed)
    if result.missing:
        logger.warning(
            "routes %s %s: the groups on duty cannot fit %d mandatory visits: %s",
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
            ctx.points,
            local_time=doc_like.local_time,
            network=ctx.network,
            value=sum(values.get(s.site_id, 0) for s in r.stops),
        )
        for r in result.routes
    ]
    routes = repair_gate_windows(
        routes, rows, ctx.points, offset_s=sp.offset_s, network=ctx.network
    )
    return routes, result


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


def plan_coverage(ctx: Context, doc: PlanDocument) -> tuple[Any, tuple[Any, ...]]:
    """Measure the whole plan's coverage; return the CoverageResult and the plan's rows."""
    from planner.plan.coverage import Visit, coverage
    from planner.plan.document import CoverageRow

    first = doc.start_date
    visits = []
    streets: list[str] = []
    for r in doc.routes:
        base = (date.fromisoformat(r.date) - first).days * 86400
        for s in r.stops:
            if s.kind == "visit" and s.area_id is not None:
                visits.append(Visit(s.area_id, base + s.start, base + s.departure, r.group_id))
        pts = [(s.lon, s.lat) for s in r.stops]
        nodes = ctx.network.snap(pts, r.mode)
        for a, b in itertools.pairwise(nodes):
            if a != b:
                streets.extend(ctx.network.path_streets(int(a), int(b), r.mode)[0])
    horizon = doc.days * 86400 + 86400
    street_risk = ctx.risk.streets.info["weekly"] if hasattr(ctx.risk.streets, "info") else None
    result = coverage(
        visits,
        streets,
        shift_seconds=horizon,
        dose=ctx.dose,
        key_areas=ctx.district.key_areas,
        streets=ctx.district.streets,
        grids=ctx.district.grids,
        street_risk=street_risk if street_risk is not None else pd.Series(dtype=float),
        work_crs=ctx.district.work_crs,
        camera_views=ctx.views,
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
    return result, tuple(rows)


def make_plan(
    district: str | Path | District | None,
    *,
    start: date,
    days: int,
    rules: str | Path | None = None,
    seed: int = 0,
    time_limit: float | None = None,
    progress: Progress | None = None,
    created_at: datetime | None = None,
    dose_boost: Mapping[str, float] | None = None,
) -> PlanDocument:
    """Plan ``days`` days from ``start`` for a district: roster, routes, dose and coverage.

    Parameters
    ----------
    district
        A district folder, a loaded ``geodata.District`` or None for the default district.
    start, days
        The horizon.
    rules
        The rules file; default the district's rules.toml.
    seed
        The plan's seed: the roster and every shift's route variety derive from it.
    time_limit
        Seconds per solver stage (the roster, all routes together); None: 5 s for the roster
        and 1.5 s per shift.
    progress
        Called with ``(stage, done, total)`` as the stages advance.
    created_at
        Creation time recorded in the plan (default now).
    dose_boost
        Key area id -> factor from 1 to :data:`planner.patrol.demand.MAX_DOSE_BOOST` by which the
        area's needed dose is multiplied in every shift, e.g. the check-in shortfall of the
        last plan; recorded in the plan's ``dose_boost``.

    Returns
    -------
    PlanDocument
        The plan with a :class:`StageRun` per stage and the validators' findings.

    Raises
    ------
    ProblemError
        For bad input (days < 1, a bad time limit, a dose boost naming an unknown key area or
        a factor out of range) or a roster that no rule relaxation fits.
    RulesError
        For a bad rules file.
    """
    doc, _ = plan_with_context(
        district,
        start=start,
        days=days,
        rules=rules,
        seed=seed,
        time_limit=time_limit,
        progress=progress,
        created_at=created_at,
        dose_boost=dose_boost,
    )
    return doc


def plan_with_context(
    district: str | Path | District | None,
    *,
    start: date,
    days: int,
    rules: str | Path | None = None,
    seed: int = 0,
    time_limit: float | None = None,
    progress: Progress | None = None,
    created_at: datetime | None = None,
    dose_boost: Mapping[str, float] | None = None,
) -> tuple[PlanDocument, Context]:
    """Run :func:`make_plan` and also return the :class:`Context` (district, network, risk)."""
    from geodata.bundle import district_id as bundle_id
    from planner.checks.plan import validate_plan
    from planner.patrol.demand import check_dose_boost
    from planner.patrol.roster import build_patrol_problem
    from planner.patrol.routes import Crew
    from planner.roster.solve import RosterParams, solve_roster

    if days < 1:
        msg = f"A plan needs at least one day, not {days}."
        raise ProblemError(msg)
    if time_limit is not None and not time_limit > 0:
        msg = f"The time limit must be positive, not {time_limit}."
        raise ProblemError(msg)
    tell = progress or _quiet
    stages: list[StageRun] = []

    tell("risk", 0, 1)
    ctx = load_context(district, rules, start, days, dose_boost=dose_boost)
    boost = check_dose_boost(dose_boost, [str(a) for a in ctx.district.key_areas["id"]])
    fingerprints = fingerprint_files(dict(ctx.inputs.files()))
    stages.append(StageRun("risk", "OPTIMAL", None, None, ctx.timings["risk"]))
    stages.append(StageRun("dose", "OPTIMAL", float(len(ctx.dose)), None, ctx.timings["dose"]))
    tell("risk", 1, 1)
    tell("dose", 1, 1)

    t0 = time.perf_counter()
    tell("roster", 0, 1)
    pr = build_patrol_problem(ctx.inputs.rules, start, days, teams=ctx.inputs.teams)
    rparams = RosterParams(time_limit=time_limit or ROSTER_SECONDS, num_workers=2)
    rres = solve_roster(pr.problem, rparams, seed=seed)
    if rres.is_feasible():
        assignment, rstatus = rres.assignment, rres.status.value.upper()
    elif rres.relaxed is not None and rres.relaxed.assignment:
        assignment, rstatus = rres.relaxed.assignment, "INFEASIBLE"
        logger.warning("roster: rules conflict: %s", " ".join(rres.conflict))
    else:
        reason = " ".join(rres.conflict) or "no roster was found within the time limit"
        msg = f"No roster fits the rules file {ctx.inputs.rules.name}: {reason}"
        raise ProblemError(msg)
    roster = plan_roster(pr, assignment)
    stages.append(StageRun("roster", rstatus, _num(rres.objective), _num(rres.bound), _since(t0)))
    tell("roster", 1, 1)

    manifest = ctx.district.manifest
    district_id = bundle_id(ctx.inputs.district_dir, manifest)
    tz = str(manifest.get("time_zone", "Asia/Shanghai"))
    now = created_at or datetime.now(ZoneInfo(tz))
    doc = PlanDocument(
        plan_id=f"{district_id}-{start.isoformat()}-s{seed}",
        district=DistrictInfo(
            district_id,
            str(manifest.get("name", district_id)),
            str(manifest.get("name_zh", "")),
            tz,
            str(manifest.get("attribution", "© OpenStreetMap contributors, ODbL 1.0")),
        ),
        start=start.isoformat(),
        days=days,
        seed=seed,
        created_at=now.isoformat(timespec="seconds"),
        roster=roster,
        fingerprints=fingerprints,
        dose_boost=boost,
    )

    t0 = time.perf_counter()
    settings = group_settings(
        ctx.inputs,
        [g.id for g in roster.groups],
        [str(p) for p in ctx.district.posts["id"]],
    )
    jobs = [
        (d, s)
        for d in range(days)
        for s in roster.shifts
        if any(roster.schedule[g.id][d] == s.id for g in roster.groups)
    ]
    per_shift = (time_limit / max(len(jobs), 1)) if time_limit else ROUTE_SECONDS
    routes: list[Any] = []
    value = bound = 0
    missing = 0
    tell("routes", 0, len(jobs))
    for k, (d, s) in enumerate(jobs):
        day = (start + timedelta(days=d)).isoformat()
        crews = [
            Crew(g.id, *settings[g.id]) for g in roster.groups if roster.schedule[g.id][d] == s.id
        ]
        got, res = solve_shift(
            ctx, doc, day, s, crews, seconds=per_shift, seed=shift_seed(seed, day, s.id)
        )
        routes.extend(got)
        value += res.objective
        bound += res.bound
        missing += len(res.missing)
        tell("routes", k + 1, len(jobs))
    status = "FEASIBLE" if not missing else "INFEASIBLE"
    stages.append(StageRun("routes", status, float(value), float(bound), _since(t0)))
    doc = replace(doc, routes=tuple(routes), dose=dose_rows(ctx.dose, routes))

    t0 = time.perf_counter()
    tell("coverage", 0, 1)
    cov, rows = plan_coverage(ctx, doc)
    met = float(cov.summary.get("areas_met", 0))
    stages.append(StageRun("coverage", "OPTIMAL", met, None, _since(t0)))
    doc = replace(doc, coverage=rows)
    tell("coverage", 1, 1)

    t0 = time.perf_counter()
    tell("validate", 0, 1)
    checks = validate_plan(doc, ctx, rules=ctx.inputs.rules)
    ok = all(c.ok for c in checks)
    stages.append(StageRun("validate", "OPTIMAL" if ok else "INFEASIBLE", None, None, _since(t0)))
    tell("validate", 1, 1)
    return replace(doc, stages=tuple(stages), validation=tuple(checks)), ctx


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)


def _num(value: float | None) -> float | None:
    return None if value is None else float(value)
