"""Independent check of a whole plan from its plan.json: roster rules, route times, dose.

:func:`validate_plan` re-checks a :class:`~planner.plan.document.PlanDocument` without trusting any
number the planner computed:

``inputs``
    The district, rules and teams files found have the fingerprints the plan recorded.
``roster``
    The rules file is read again here, in its own way, and every hard roster rule is
    recomputed from the plan's schedule (:func:`planner.checks.plan_roster.roster_violations`):
    nothing of the roster model or the problem builder is used.
``routes``
    Every group on duty has exactly one route per shift and no other group has one; each route
    starts and ends at its base inside its shift; every time is recomputed from the stops'
    coordinates with the district's travel-time matrices
    (:func:`geodata.network.travel_time_matrix`): arrival = previous departure + travel time,
    start no earlier than arrival and inside a window, departure no earlier than start + dwell;
    an alley's dwell (its ride) is no shorter than its streets take, end to end.
``dose``
    Visit windows: every school and kindergarten gate window of the horizon and every window
    set in the district's ``key_areas`` layer (worked out here from the same raw data the
    planner reads: the category table's gate windows, the ``windows`` column and the school
    calendar) has a visit of that area starting inside it, unless no
    group on duty could have reached it — a missed window that some route could take in
    between two of its stops (keeping every later stop's window and the shift's end) is a
    violation. Planned visits and minutes in the dose rows must match the routes.
"""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.plan.document import PlanDocument, ValidationCheck, fingerprint_files
from planner.plan.times import clock

if TYPE_CHECKING:
    from pathlib import Path

    from planner.checks.rules_reading import RawRules
    from planner.patrol.inputs import PlanInputs
    from planner.plan.document import Route, Stop

logger = logging.getLogger("planner")

MAX_LISTED = 50
"""Violations listed per check at most (the count says how many more there are)."""


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


def check_roster(doc: PlanDocument, inputs: PlanInputs) -> ValidationCheck:
    """Check the plan's schedule against the rules file, read here in its own way."""
    from planner.checks.plan_roster import roster_violations

    return _check("roster", roster_violations(doc, inputs.rules_text, inputs.district.teams))


def _label(route: Route) -> str:
    if route.unit_kind == "grid":
        who = ", ".join(route.members)
        return f"grid member {who} ({route.unit_id}) on {route.date}"
    unit = f" unit {route.unit_id}" if route.unit_id and route.unit_id != route.group_id else ""
    who = f"group {route.group_id}" if route.group_id else "reserves"
    return f"{who}{unit} on {route.date} shift {route.shift_id}"


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
    # A group called in for one called away works part of that shift (re-plans).
    called = {(c.group_id, c.date, c.shift_id): c for c in roster.call_ins}
    on_duty |= set(called)
    seen: set[tuple[str, str, str, str]] = set()
    groups_seen: set[tuple[str, str, str]] = set()
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
        grid = route.unit_kind == "grid"
        unit = (*key, route.unit_id)
        if unit in seen:
            bad.append(f"{where.capitalize()} has more than one route.")
        seen.add(unit)
        groups_seen.add(key)
        if key not in on_duty and not grid:
            bad.append(f"{where.capitalize()} has a route but the roster has it off duty.")
        tmpl = roster.shift(route.shift_id)
        lo, hi = tmpl.start_minute * 60, tmpl.start_minute * 60 + tmpl.duration_minutes * 60
        row = roster.schedule.get(route.group_id, (None,) * doc.days)
        if (
            key in called
            and not grid
            and row[doc.dates().index(date.fromisoformat(route.date))] is None
        ):
            call = called[key]
            if route.start_s < call.start_s or route.end_s > call.end_s:
                bad.append(
                    f"The route of {where} runs {clock(route.start_s)}-{clock(route.end_s)}, "
                    f"outside its call-in {clock(call.start_s)}-{clock(call.end_s)}."
                )
        if route.start_s < lo or route.end_s > hi:
            bad.append(
                f"The route of {where} runs {clock(route.start_s)}-{clock(route.end_s)}, outside "
                f"its shift {tmpl.hours_label()}."
            )
        stops = list(route.stops)
        if stops[0].kind != "base" and not grid:
            bad.append(f"The route of {where} does not start at its base.")
        cut = (route.group_id, route.date) in away
        if stops[-1].kind != "base" and not cut and not grid:
            bad.append(f"The route of {where} does not end at its base.")
        if route.base_post_id not in posts and not grid:
            bad.append(f"The route of {where} starts at {route.base_post_id!r}, not a post.")
        if stops[0].start < route.start_s:
            bad.append(f"The route of {where} leaves its base before the shift starts.")
        if stops[-1].arrival > route.end_s:
            bad.append(
                f"The route of {where} is back at its base at {clock(stops[-1].arrival)}, after "
                f"the shift ends at {clock(route.end_s)}."
            )
        # Each stop is reached at its start and left at its end (an alley's far end).
        starts = [(s.lon, s.lat) for s in stops]
        ends = [
            (s.end_lon, s.end_lat)
            if s.end_lon is not None and s.end_lat is not None
            else (s.lon, s.lat)
            for s in stops
        ]
        mat = _travel(network, starts + ends, route.mode)
        n = len(stops)
        for k in range(1, len(stops)):
            prev, s = stops[k - 1], stops[k]
            trip = int(mat[n + k - 1, k])
            expect = prev.departure + trip
            what = f"At {_stop_label(k, s)} of {where}"
            if s.arrival != expect:
                bad.append(
                    f"{what} the planned arrival {clock(s.arrival)} is not the recomputed "
                    f"{clock(expect)} ({trip} s by {route.mode} from the previous stop)."
                )
            if s.kind == "alley":
                bad += _check_alley(network, route, s, what)
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
    for key in sorted(on_duty - groups_seen):
        if (key[0], key[1]) in away:
            continue
        bad.append(f"Group {key[0]} is on duty on {key[1]} shift {key[2]} but has no route.")
    return _check("routes", bad)


def _check_alley(network: Any, route: Route, stop: Stop, what: str) -> list[str]:
    """Check that an alley stop covers its streets in a row, from its start to its end.

    The ride (its ``dwell``: the time it holds the unit, as a visit's stay does) must be at
    least the recomputed time of its streets by the route's mode, each travelled in the
    direction the row gives.
    """
    if not stop.streets or stop.end_lon is None or stop.end_lat is None:
        return [f"{what} the alley names no streets or no end."]
    try:
        here = int(network.snap([(stop.lon, stop.lat)], route.mode)[0])
        goal = int(network.snap([(stop.end_lon, stop.end_lat)], route.mode)[0])
        total = 0
        for sid in stop.streets:
            u, v = network.edge_nodes(sid)
            if here not in (u, v):
                return [f"{what} street {sid} does not go on from where the alley got to."]
            reverse = here == v and u != v
            total += network.edge_time(sid, route.mode, reverse=reverse)
            here = u if reverse else v
    except ValueError as exc:
        return [f"{what} the alley cannot be covered by {route.mode}: {exc}"]
    out = []
    if here != goal:
        out.append(f"{what} the alley's streets do not end where the stop says it ends.")
    if stop.dwell < total:
        out.append(
            f"{what} the alley takes {stop.dwell} s, less than the {total} s its streets take "
            f"by {route.mode}."
        )
    return out


def _insertable(
    network: Any,
    route: Route,
    lonlat: tuple[float, float],
    window: tuple[int, int],
    dwell: int,
    rules: RawRules | None = None,
) -> bool:
    """Whether ``route`` could take a visit at ``lonlat`` inside ``window`` between two stops.

    With ``rules``, the visit must also fit the route's unit: after the opening handover,
    back before the closing one, within the reserve for calls and the checkpoint cap.
    """
    from planner.checks.units import checkpoint_cap, checkpoints, street_time

    stops = list(route.stops)
    pts = [(s.lon, s.lat) for s in stops]
    # Each stop is left where it ends: an alley at its far end, after riding it.
    exit_at = list(range(len(stops)))
    for j, s in enumerate(stops):
        if s.kind == "alley" and s.end_lon is not None and s.end_lat is not None:
            exit_at[j] = len(pts)
            pts.append((s.end_lon, s.end_lat))
    x = len(pts)
    mat = _travel(network, [*pts, lonlat], route.mode)
    handover = rules.handover if rules is not None and route.unit_kind != "group" else 0
    most_work = None
    if rules is not None and route.unit_id:
        if checkpoints(route) + 1 > checkpoint_cap(route, rules):
            return False
        street, planned = street_time(route, rules.handover)
        most_work = (1.0 - rules.reserve) * street - planned
    closing = route.end_s - handover if stops[-1].kind == "base" else route.end_s
    for k in range(len(stops) - 1):
        extra = int(mat[exit_at[k], x]) + dwell + int(mat[x, k + 1]) - int(mat[exit_at[k], k + 1])
        if most_work is not None and extra > most_work:
            continue
        leave = route.start_s + handover if k == 0 else stops[k].departure
        t = leave + int(mat[exit_at[k], x])
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
                if t > closing:
                    ok = False
                break
            # A stop moved later keeps its dwell: its stay, or an alley's whole ride.
            t = begin + s.dwell + int(mat[exit_at[j], j + 1])
        if ok:
            return True
    return False


GATE_POST_S = 600
"""A gate window counts as stood when a unit is at the gate this long in it (or all of it)."""


def covers_gate(stop: Stop, window: tuple[int, int]) -> bool:
    """Whether a visit stands at a gate for :data:`GATE_POST_S` of ``window`` (or all of it)."""
    overlap = min(stop.departure, window[1]) - max(stop.start, window[0])
    return overlap >= min(GATE_POST_S, window[1] - window[0])


def area_columns(areas: Any) -> tuple[list[tuple[tuple[int, int], ...]], list[float | None]]:
    """Read each key area's own ``windows`` and ``dose_minutes`` (blank: none set)."""
    from geodata.windows import parse_dose_minutes, parse_windows

    n = len(areas)
    texts = areas["windows"].tolist() if "windows" in areas.columns else [None] * n
    doses = areas["dose_minutes"].tolist() if "dose_minutes" in areas.columns else [None] * n
    return [parse_windows(t) for t in texts], [parse_dose_minutes(d) for d in doses]


@functools.lru_cache(maxsize=1024)
def _school_day(day: date) -> bool:
    """Whether schools hold classes: an official working day outside July and August."""
    import holidays

    if day.month in (7, 8):
        return False
    return bool(holidays.country_holidays("CN", years=day.year).is_working_day(day))


def shift_windows(
    category: str, own: tuple[tuple[int, int], ...], day: date, shift: Any
) -> list[tuple[int, int]]:
    """Return the visit windows of a key area inside one shift, seconds from local midnight.

    Parameters
    ----------
    category
        The area's category; schools' and kindergartens' windows hold on school days only.
    own
        The area's own windows in minutes from midnight (empty: the category's gate windows).
    day
        The shift's date.
    shift
        The shift template (``start_minute``, ``duration_minutes``).
    """
    from geodata.categories import CATEGORIES
    from geodata.windows import parse_windows

    known = CATEGORIES.get(category)
    windows = own or (parse_windows(known.gate_windows) if known is not None else ())
    gate = known is not None and known.has_gate
    lo_s, hi_s = shift.start_minute * 60, (shift.start_minute + shift.duration_minutes) * 60
    out = set()
    for k in (-1, 0, 1):
        if gate and not _school_day(day + timedelta(days=k)):
            continue
        for a, b in windows:
            lo, hi = max((k * 1440 + a) * 60, lo_s), min((k * 1440 + b) * 60, hi_s)
            if hi > lo:
                out.add((lo, hi))
    return sorted(out)


def check_dose(doc: PlanDocument, district: Any, network: Any, rules: RawRules) -> ValidationCheck:
    """Check the visit windows of the key areas and the dose rows' planned figures.

    The windows are the school and kindergarten gate hours (the category table's
    ``gate_windows``) and the windows set in the district's ``key_areas`` layer (its
    ``windows`` column, for any category; an area with ``dose_minutes`` 0 needs none), worked
    out here from those raw values (:func:`shift_windows`).
    """
    from geodata.categories import CATEGORIES

    bad: list[str] = []
    areas = district.key_areas
    custom, minutes = area_columns(areas)
    cats = areas["category"].astype(str).tolist()
    gates = {c.key for c in CATEGORIES.values() if c.has_gate}
    keep = [i for i, cat in enumerate(cats) if (custom[i] or cat in gates) and minutes[i] != 0]
    windowed = areas.iloc[keep]
    reps = windowed.geometry.representative_point()
    where = {
        str(a): (round(float(p.x), 7), round(float(p.y), 7))
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
        visits: dict[str, list[Stop]] = {}
        for r in routes:
            for s in r.stops:
                if s.kind in ("visit", "fixed_post") and s.area_id in where:
                    visits.setdefault(s.area_id, []).append(s)
        for aid, (name, cat, own) in info.items():
            gate = cat in gates
            kind = "gate window" if gate else "window"
            for win in shift_windows(cat, own, date.fromisoformat(day), tmpl):
                seen = visits.get(aid, [])
                if gate and any(covers_gate(s, win) for s in seen):
                    continue
                if not gate and any(win[0] <= s.start <= win[1] for s in seen):
                    continue
                dwell = dwell_of.get((aid, day, sid), 600)
                starts = win
                if gate:  # the whole post inside the window
                    dwell = rules.gate
                    starts = (win[0], max(win[0], win[1] - dwell))
                who = [
                    _label(r)
                    for r in routes
                    if _insertable(network, r, where[aid], starts, dwell, rules)
                ]
                if who:
                    bad.append(
                        f"{name} ({aid}) has no visit in its {kind} {clock(win[0])}-"
                        f"{clock(win[1])} on {day} shift {sid}, although {who[0]} could "
                        "reach it."
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


def validate_plan(doc: PlanDocument, inputs: PlanInputs) -> list[ValidationCheck]:
    """Re-check a whole plan with the independent validators.

    Parameters
    ----------
    doc
        The plan.
    inputs
        The district's inputs (:func:`planner.patrol.inputs.load_inputs`): the checks use its
        raw data (layers, network, the rules file's text, teams.toml's table), never the
        planner's parsed rules or problem builders.

    Returns
    -------
    list of ValidationCheck
        ``inputs``, ``roster``, ``routes``, ``dose``, ``units``, ``vehicles``,
        ``shift_time`` (:mod:`planner.checks.units`), ``hours``
        (:mod:`planner.checks.hours`) and ``inspections``
        (:mod:`planner.checks.inspections`); each ``ok`` or with its violations in words.
    """
    from planner.checks.hours import closed_visits
    from planner.checks.inspections import inspection_faults
    from planner.checks.rules_reading import RawRules
    from planner.checks.units import (
        check_grid_people,
        check_shift_time,
        check_units,
        check_vehicles,
    )

    district = inputs.district
    posts = {str(p) for p in district.posts["id"]}
    rules = RawRules(inputs.rules_text, district.teams)
    return [
        check_inputs(doc, inputs.files()),
        check_roster(doc, inputs),
        check_routes(doc, inputs.network, posts),
        check_dose(doc, district, inputs.network, rules),
        _check("units", check_units(doc, rules) + check_grid_people(doc, district.teams)),
        _check("vehicles", check_vehicles(doc, rules)),
        _check("shift_time", check_shift_time(doc, rules)),
        _check("hours", closed_visits(doc, district)),
        _check("inspections", inspection_faults(doc, district, rules.inspection)),
    ]


def summary(checks: list[ValidationCheck]) -> dict[str, Any]:
    """Return a JSON-ready summary: ok, and per check its status and violations."""
    return {
        "ok": all(c.ok for c in checks),
        "checks": {c.name: {"ok": c.ok, "violations": list(c.violations)} for c in checks},
    }
