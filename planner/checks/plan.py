"""Independent check of a whole plan from its plan.json: roster rules, route times, dose.

:func:`validate_plan` re-checks a :class:`~planner.plan.document.PlanDocument` without trusting any
number the planner computed:

``inputs``
    The district, rules and teams files found have the fingerprints the plan recorded.
``roster``
    The roster problem is rebuilt from the rules and teams files for the plan's horizon and the
    schedule is checked by :func:`planner.checks.roster.check_roster` (every hard rule);
    fill-ins for groups short of members are looked for among the reserves and off-duty
    neighbour groups. The plan's groups and shift times must be the rules file's.
``routes``
    Every group on duty has exactly one route per shift and no other group has one; each route
    starts and ends at its base inside its shift; every time is recomputed from the stops'
    coordinates with the district's travel-time matrices
    (:func:`geodata.network.travel_time_matrix`): arrival = previous departure + travel time,
    start no earlier than arrival and inside a window, departure no earlier than start + dwell.
``dose``
    Visit windows: every school and kindergarten gate window of the horizon and every window
    set in the district's ``key_areas`` layer (:func:`planner.patrol.demand.area_windows`, from the
    same columns the planner reads) has a visit of that area starting inside it, unless no
    group on duty could have reached it — a missed window that some route could take in
    between two of its stops (keeping every later stop's window and the shift's end) is a
    violation. Planned visits and minutes in the dose rows must match the routes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.plan.document import PlanDocument, ValidationCheck, clock, fingerprint_files

if TYPE_CHECKING:
    from pathlib import Path

    from planner.plan.document import Route, Stop

logger = logging.getLogger("planner")

MAX_LISTED = 50
"""Violations listed per check at most (the count says how many more there are)."""


@dataclass(slots=True)
class _Where:
    """The district a plan is checked against: layers, network and input files."""

    district: Any
    network: Any
    inputs: Any


def _locate(doc: PlanDocument, district: Any, rules: str | Path | None) -> _Where:
    from geodata.bundle import DEFAULT_DISTRICT_DIR, District, load_district
    from geodata.network import StreetNetwork
    from planner.exceptions import ProblemError
    from planner.patrol.pipeline import Context, resolve_inputs

    if isinstance(district, Context):
        inputs = resolve_inputs(district.inputs.district_dir, rules or district.inputs.rules)
        return _Where(district.district, district.network, inputs)
    if isinstance(district, District):
        loaded = district
    else:
        if district is None:
            if doc.district.id != DEFAULT_DISTRICT_DIR.name:
                msg = (
                    f"The plan is for district {doc.district.id!r}; give its bundle folder "
                    "to check it against."
                )
                raise ProblemError(msg)
            district = DEFAULT_DISTRICT_DIR
        loaded = load_district(district)
    return _Where(loaded, StreetNetwork.from_district(loaded), resolve_inputs(loaded.path, rules))


def _check(name: str, violations: list[str]) -> ValidationCheck:
    shown = violations[:MAX_LISTED]
    if len(violations) > MAX_LISTED:
        shown.append(f"... and {len(violations) - MAX_LISTED} more.")
    return ValidationCheck(name, not violations, tuple(shown))


def check_inputs(doc: PlanDocument, files: dict[str, Path]) -> ValidationCheck:
    """Compare the recorded fingerprints with the files found."""
    bad = []
    found = fingerprint_files({k: v for k, v in files.items() if k in doc.fingerprints})
    for name, digest in sorted(doc.fingerprints.items()):
        if name not in found:
            bad.append(f"Input file {name} the plan was made from was not found.")
        elif found[name] != digest:
            bad.append(f"Input file {name} has changed since the plan was made.")
    return _check("inputs", bad)


def _lending(
    problem: Any, schedule: dict[str, tuple[str | None, ...]]
) -> list[tuple[str, str, int]]:
    """Fill-ins for groups on shift short of members: reserves first, then off-duty neighbours."""
    crew = problem.rules.crew
    if crew is None:
        return []
    out = []
    for d in range(problem.days):
        used: set[str] = set()
        for g, _ in crew.members:
            if schedule.get(g, (None,) * problem.days)[d] is None:
                continue
            short = crew.min_members - crew.present(g, d)
            pool = [m for m in crew.reserves]
            for n in crew.neighbours_of(g):
                if schedule.get(n, (None,) * problem.days)[d] is None:
                    pool.extend(crew.members_of(n))
            for m in pool:
                if short <= 0:
                    break
                if m in used or (m, d) in crew.leave:
                    continue
                used.add(m)
                out.append((m, g, d))
                short -= 1
    return out


def check_roster(doc: PlanDocument, inputs: Any) -> ValidationCheck:
    """Rebuild the roster problem from the rules and check the plan's schedule against it."""
    from planner.checks.roster import check_roster as check
    from planner.patrol.roster import build_patrol_problem

    pr = build_patrol_problem(inputs.rules, doc.start_date, doc.days, teams=inputs.teams)
    problem = pr.problem
    bad = []
    want = {s.id for s in problem.staff}
    have = {g.id for g in doc.roster.groups}
    if want != have:
        bad.append(
            f"The plan's groups ({', '.join(sorted(have))}) are not the rules file's "
            f"({', '.join(sorted(want))})."
        )
    for s in problem.shifts:
        try:
            t = doc.roster.shift(s.id)
        except KeyError:
            bad.append(f"Shift {s.id} of the rules file is missing from the plan.")
            continue
        if s.start is not None and (t.start_minute != s.start or t.duration_minutes != s.minutes):
            bad.append(
                f"Shift {s.id} runs {t.hours_label()} in the plan, not as in the rules file."
            )
    if bad:
        return _check("roster", bad)
    schedule = {g: tuple(v) for g, v in doc.roster.schedule.items()}
    assignment = {s.id: list(schedule.get(s.id, (None,) * doc.days)) for s in problem.staff}
    result = check(problem, assignment, _lending(problem, schedule))
    bad.extend(v.message for v in result.hard)
    return _check("roster", bad)


def _label(route: Route) -> str:
    return f"group {route.group_id} on {route.date} shift {route.shift_id}"


def _stop_label(k: int, stop: Stop) -> str:
    return f"stop {k} ({stop.name or stop.site_id})"


def _travel(network: Any, stops: list[tuple[float, float]], mode: str) -> np.ndarray:
    from geodata.network import travel_time_matrix

    return travel_time_matrix(network, np.asarray(stops, dtype=float), mode)


def check_routes(doc: PlanDocument, network: Any, posts: set[str]) -> ValidationCheck:
    """Recompute every route's times from its stops' coordinates and the travel-time matrices."""
    bad: list[str] = []
    roster = doc.roster
    on_duty = {
        (g, d.isoformat(), sid)
        for g, row in roster.schedule.items()
        for d, sid in zip(doc.dates(), row, strict=True)
        if sid is not None
    }
    seen: set[tuple[str, str, str]] = set()
    # Whole-group leave (a group called away) excuses a route cut short or missing that day
    # and a night route of the day before that runs into it.
    away = set()
    for lv in roster.leave:
        if lv.member_id is None:
            d = date.fromisoformat(lv.date)
            away.update(
                {(lv.group_id, d.isoformat()), (lv.group_id, (d - timedelta(days=1)).isoformat())}
            )
    for route in doc.routes:
        key = (route.group_id, route.date, route.shift_id)
        where = _label(route)
        if key in seen:
            bad.append(f"{where.capitalize()} has more than one route.")
        seen.add(key)
        if key not in on_duty:
            bad.append(f"{where.capitalize()} has a route but the roster has it off duty.")
        tmpl = roster.shift(route.shift_id)
        lo, hi = tmpl.start_minute * 60, tmpl.start_minute * 60 + tmpl.duration_minutes * 60
        if route.start_s < lo or route.end_s > hi:
            bad.append(
                f"The route of {where} runs {clock(route.start_s)}-{clock(route.end_s)}, outside "
                f"its shift {tmpl.hours_label()}."
            )
        stops = list(route.stops)
        if stops[0].kind != "base":
            bad.append(f"The route of {where} does not start at its base.")
        cut = (route.group_id, route.date) in away
        if stops[-1].kind != "base" and not cut:
            bad.append(f"The route of {where} does not end at its base.")
        if route.base_post_id not in posts:
            bad.append(f"The route of {where} starts at {route.base_post_id!r}, not a post.")
        if stops[0].start < route.start_s:
            bad.append(f"The route of {where} leaves its base before the shift starts.")
        if stops[-1].arrival > route.end_s:
            bad.append(
                f"The route of {where} is back at its base at {clock(stops[-1].arrival)}, after "
                f"the shift ends at {clock(route.end_s)}."
            )
        mat = _travel(network, [(s.lon, s.lat) for s in stops], route.mode)
        for k in range(1, len(stops)):
            prev, s = stops[k - 1], stops[k]
            expect = prev.departure + int(mat[k - 1, k])
            what = f"At {_stop_label(k, s)} of {where}"
            if s.arrival != expect:
                bad.append(
                    f"{what} the planned arrival {clock(s.arrival)} is not the recomputed "
                    f"{clock(expect)} ({int(mat[k - 1, k])} s by {route.mode} from the previous "
                    "stop)."
                )
            if s.start < s.arrival:
                bad.append(f"{what} the visit starts at {clock(s.start)}, before arriving.")
            if s.departure < s.start + s.dwell:
                bad.append(
                    f"{what} the group leaves at {clock(s.departure)}, before its "
                    f"{s.dwell // 60} min stay from {clock(s.start)} is over."
                )
            if s.windows and not any(a <= s.start <= b for a, b in s.windows):
                wins = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in s.windows)
                bad.append(
                    f"{what} the visit starts at {clock(s.start)}, outside its window {wins}."
                )
    for key in sorted(on_duty - seen):
        if (key[0], key[1]) in away:
            continue
        bad.append(f"Group {key[0]} is on duty on {key[1]} shift {key[2]} but has no route.")
    return _check("routes", bad)


def _insertable(
    network: Any, route: Route, lonlat: tuple[float, float], window: tuple[int, int], dwell: int
) -> bool:
    """Whether ``route`` could take a visit at ``lonlat`` inside ``window`` between two stops."""
    stops = list(route.stops)
    pts = [(s.lon, s.lat) for s in stops] + [lonlat]
    mat = _travel(network, pts, route.mode)
    x = len(stops)
    for k in range(len(stops) - 1):
        leave = route.start_s if k == 0 else stops[k].departure
        t = leave + int(mat[k, x])
        start = max(t, window[0])
        if start > window[1]:
            break
        t = start + dwell + int(mat[x, k + 1])
        ok = True
        for j in range(k + 1, len(stops)):
            s = stops[j]
            if t <= s.arrival:
                break  # the rest of the route is unchanged
            begin = max(t, s.start) if s.windows else t
            if s.windows and not any(a <= begin <= b for a, b in s.windows):
                ok = False
                break
            if j == len(stops) - 1:
                if t > route.end_s:
                    ok = False
                break
            t = begin + s.dwell + int(mat[j, j + 1])
        if ok:
            return True
    return False


def check_dose(doc: PlanDocument, district: Any, network: Any) -> ValidationCheck:
    """Check the visit windows of the key areas and the dose rows' planned figures.

    The windows are the school and kindergarten gate hours and the windows set in the
    district's ``key_areas`` layer (its ``windows`` column, for any category; an area with
    ``dose_minutes`` 0 needs none), recomputed from the district with
    :func:`planner.patrol.demand.area_windows`, as the planner computes them.
    """
    from planner.patrol.demand import GATE_CATEGORIES, DoseShift, area_overrides, area_windows
    from planner.patrol.routes import COORD_DIGITS

    bad: list[str] = []
    areas = district.key_areas
    custom, minutes = area_overrides(areas)
    cats = areas["category"].astype(str).tolist()
    keep = [
        i for i, cat in enumerate(cats) if (custom[i] or cat in GATE_CATEGORIES) and minutes[i] != 0
    ]
    windowed = areas.iloc[keep]
    reps = windowed.geometry.representative_point()
    where = {
        str(a): (round(float(p.x), COORD_DIGITS), round(float(p.y), COORD_DIGITS))
        for a, p in zip(windowed["id"], reps, strict=True)
    }
    info = {
        str(areas["id"].iloc[i]): (str(areas["name"].iloc[i]), cats[i], custom[i]) for i in keep
    }
    by_shift: dict[tuple[str, str], list[Route]] = {}
    for r in doc.routes:
        by_shift.setdefault((r.date, r.shift_id), []).append(r)
    dwell_of = {
        (d.area_id, d.date, d.shift_id): (d.needed_minutes * 60) // max(d.needed_visits, 1)
        for d in doc.dose
    }
    missed_unreachable = 0
    for (day, sid), routes in sorted(by_shift.items()):
        tmpl = doc.roster.shift(sid)
        shift = DoseShift(sid, date.fromisoformat(day), tmpl.start_minute, tmpl.end_minute)
        off = tmpl.start_minute * 60
        starts: dict[str, list[int]] = {}
        for r in routes:
            for s in r.stops:
                if s.kind == "visit" and s.area_id in where:
                    starts.setdefault(s.area_id, []).append(s.start)
        for aid, (name, cat, own) in info.items():
            kind = "gate window" if cat in GATE_CATEGORIES else "window"
            for lo, hi in area_windows(cat, own, shift):
                win = (lo + off, hi + off)
                if any(win[0] <= t <= win[1] for t in starts.get(aid, [])):
                    continue
                dwell = dwell_of.get((aid, day, sid), 600)
                who = [
                    r.group_id for r in routes if _insertable(network, r, where[aid], win, dwell)
                ]
                if who:
                    bad.append(
                        f"{name} ({aid}) has no visit in its {kind} {clock(win[0])}-"
                        f"{clock(win[1])} on {day} shift {sid}, although group "
                        f"{who[0]} could reach it."
                    )
                else:
                    missed_unreachable += 1
    planned: dict[tuple[str, str, str], list[int]] = {}
    for r in doc.routes:
        for s in r.stops:
            if s.kind != "base" and s.area_id is not None:
                got = planned.setdefault((s.area_id, r.date, r.shift_id), [0, 0])
                got[0] += 1
                got[1] += s.dwell
    for d in doc.dose:
        got = planned.get((d.area_id, d.date, d.shift_id), [0, 0])
        if d.planned_visits != got[0] or d.planned_minutes != got[1] // 60:
            bad.append(
                f"The dose row of {d.area_id} on {d.date} shift {d.shift_id} says "
                f"{d.planned_visits} visits / {d.planned_minutes} min planned, the routes make "
                f"{got[0]} / {got[1] // 60}."
            )
    if missed_unreachable:
        logger.info("dose: %d windows no group on duty could reach", missed_unreachable)
    return _check("dose", bad)


def validate_plan(
    doc: PlanDocument, district: Any = None, *, rules: str | Path | None = None
) -> list[ValidationCheck]:
    """Re-check a whole plan with the independent validators.

    Parameters
    ----------
    doc
        The plan.
    district
        The district bundle folder, a loaded ``geodata.District``, a pipeline ``Context`` or
        None for the default district (the plan must be for it).
    rules
        The rules file; default the district's rules.toml.

    Returns
    -------
    list of ValidationCheck
        ``inputs``, ``roster``, ``routes`` and ``dose``; each ``ok`` or with its violations in
        words.
    """
    where = _locate(doc, district, rules)
    posts = {str(p) for p in where.district.posts["id"]}
    return [
        check_inputs(doc, where.inputs.files()),
        check_roster(doc, where.inputs),
        check_routes(doc, where.network, posts),
        check_dose(doc, where.district, where.network),
    ]


def summary(checks: list[ValidationCheck]) -> dict[str, Any]:
    """Return a JSON-ready summary: ok, and per check its status and violations."""
    return {
        "ok": all(c.ok for c in checks),
        "checks": {c.name: {"ok": c.ok, "violations": list(c.violations)} for c in checks},
    }
