"""Re-planning: a group becomes unavailable from a time, the rest of that day is re-planned.

How, for a group called away (an incident, sickness) at local time ``T`` on day ``D``:

- The group's whole-group leave on ``D`` is recorded in the roster (reason in words). Its route
  keeps the visits already begun before ``T`` (a visit in progress ends at ``T``) and stops
  there; a later route of that group on ``D`` is dropped.
- Every other route of a shift the group was on, still running at ``T`` (a night shift that runs
  past midnight into ``D`` included) keeps its *done prefix*: the stops begun before ``T`` and,
  if the group is between two stops, the stop it is heading to. The rest of the shift is solved
  again by the routing solver with the remaining groups, each starting where its prefix ends:
  the sites are the shift's dose sites not yet visited, with windows that are still open. The
  previous routes are the solver's starting point (hints) and the search only accepts
  improving moves (greedy descent), so other groups' routes change as little as possible
  while the orphaned visits — first of all the school gate windows, the most valuable — are
  taken over by whoever can still reach them.
- Dose rows, coverage and the independent checks are recomputed for the new plan.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from planner.exceptions import IncidentError
from planner.patrol.inspections import inspected_point
from planner.patrol.routes import area_of, unit_key
from planner.plan.document import RESERVE_GROUP, CallIn, Leave, PlanDocument, StageRun
from planner.plan.times import clock

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.patrol.inputs import PlanInputs
    from planner.patrol.pipeline import Demand
    from planner.patrol.routes import RouteLimit, ShiftProblem
    from planner.patrol.units import Unit
    from planner.plan.document import Route, Stop

logger = logging.getLogger("planner")

MIN_CALL_OUT_S = 3600
"""Street time a call-out must leave at least (handovers aside), else nobody is called."""

UNAVAILABLE = "unavailable from {time}: {reason}"
"""Reason recorded in the roster's leave for a group taken off the plan."""

AUTO = "auto"
"""Call in an off-duty group only when no other group is on duty in the shift."""

NOBODY = "none"
"""Call nobody in."""


def _prefix(route: Route, t: int, *, heading: bool) -> list[Stop]:
    """Return the stops begun before ``t`` (and, if ``heading``, the stop it heads to)."""
    stops = list(route.stops)
    done = [s for s in stops if s.start < t]
    if heading and done and len(done) < len(stops) and done[-1].departure < t:
        done.append(stops[len(done)])
    return done


def _cut(route: Route, t: int, local_time: Any) -> Route | None:
    """Return the unavailable group's route: visits begun before ``t``, ending at ``t``."""
    done = _prefix(route, t, heading=False)
    if not done:
        return None
    last = done[-1]
    if last.kind == "alley" and last.departure > t:
        # An alley broken off is not covered end to end: it is left out of what was done.
        done.pop()
        if not done:
            return None
        last = done[-1]
    if last.departure > t:
        dwell = max(0, min(last.dwell, t - last.start))
        done[-1] = replace(last, departure=t, dwell=dwell)
        if last.kind == "inspection" and dwell < last.dwell:
            # An inspection broken off is no inspection: it stays due; the unit was there.
            place = inspected_point(area_of(last.site_id))
            done[-1] = replace(done[-1], kind="visit", area_id=place)
    end = max(t, done[-1].departure)
    return replace(
        route,
        stops=tuple(done),
        end_s=end,
        end=local_time(route.date, end).isoformat(),
        value=0.0,
    )


def _point_of(stop: Stop, inputs: PlanInputs) -> str:
    """Return the district point a unit is at after ``stop`` (an alley: the end it rode to)."""
    target = area_of(stop.site_id)
    if stop.kind != "alley" or stop.end_lon is None or stop.end_lat is None:
        return inspected_point(target)
    pts = inputs.points
    ends = [f"{target}:a", f"{target}:b"]
    here = (stop.end_lon, stop.end_lat)

    def away(pid: str) -> float:
        lon, lat = pts.lonlat[pts.at(pid)]
        return float((lon - here[0]) ** 2 + (lat - here[1]) ** 2)

    return min(ends, key=away)


def _site_of(stop: Stop) -> str:
    return stop.site_id


def unit_of(route: Route, after: int, handover_s: int) -> Unit:
    """Rebuild the unit of a plan route with the breaks it has not begun by ``after``.

    The breaks begun before are no street time: its work cap (a share of its street time)
    stays what it was.
    """
    from planner.patrol.units import Unit, UnitBreak

    breaks = tuple(
        UnitBreak(s.site_id, s.windows[0][0], s.windows[0][1], s.dwell)
        for s in route.stops
        if s.kind == "break" and s.start >= after and s.windows
    )
    taken = sum(
        s.departure - s.start
        for s in route.stops
        if s.kind == "break" and not (s.start >= after and s.windows)
    )
    return Unit(
        unit_key(route),
        route.group_id,
        route.members,
        route.mode,
        route.base_post_id,
        route.start_s,
        route.end_s,
        handover_s,
        breaks,
        route.unit_kind or "pair",
        route.vehicles,
        taken,
    )


def _resolve(
    inputs: PlanInputs,
    demand: Demand,
    doc: PlanDocument,
    routes: list[Route],
    starts: dict[str, tuple[str, int]],
    day: str,
    shift_id: str,
    done_sites: set[str],
    t_rel: int,
    seconds: float,
    seed: int,
    prefixes: dict[str, list[Stop]],
    extra: Sequence[Unit] = (),
    taken_over: Sequence[Route] = (),
) -> tuple[dict[str, Route], Any, dict[str, RouteLimit]]:
    """Re-solve one shift for the units of ``routes`` from ``starts``, and ``extra`` units.

    ``extra`` are units called in (:func:`planner.patrol.call_out.call_out_units`): they
    start at their base at their own start, with no route before; the ``taken_over`` routes
    (the group called away's, in the same order) are their starting points.
    """
    from planner.patrol.demand import school_gate_windows
    from planner.patrol.pipeline import gate_stood, without_windows
    from planner.patrol.routes import (
        MODE_SEP,
        VISIT_SEP,
        route_limits,
        route_work,
        shift_problem,
        to_plan_route,
    )
    from planner.routing.model import MEAL, RoutingProblem
    from planner.routing.solve import RouteParams, solve_routes

    tmpl = doc.roster.shift(shift_id)
    off, length = tmpl.start_minute * 60, tmpl.duration_minutes * 60
    # The gate windows the grid members stand (their walks are kept) are left to them.
    gates = school_gate_windows(inputs.district.key_areas, [date.fromisoformat(day)])
    walks = [r for r in doc.routes if r.unit_kind == "grid"]
    taken = {(a, d, w) for (a, d), ws in gates.items() for w in ws if gate_stood(walks, (a, d), w)}
    rows = without_windows(demand.shift_rows(day, shift_id), taken, tmpl)
    handover = inputs.rules.shift_time.handover_minutes * 60
    units = [unit_of(r, t_rel, handover) for r in routes] + list(extra)
    sp: ShiftProblem = shift_problem(
        inputs.points,
        rows,
        units,
        inputs.rules.shift_time,
        date=day,
        shift_id=shift_id,
        offset_s=off,
        length_s=length,
        starts=starts,
        used={
            unit_key(r): route_work(replace(r, stops=tuple(prefixes.get(unit_key(r), []))))
            for r in routes
        },
        alleys=demand.alley_rows(day, shift_id),
        runs={r.id: r for r in inputs.alleys},
        network=inputs.network,
        area_grids=inputs.area_grids,
    )
    now = max(t_rel - off, 0)
    keep = []
    for s in sp.problem.sites:
        if s.id in done_sites:
            continue
        wins = s.windows or ((0, length),)
        wins = tuple((max(a, now), b) for a, b in wins if b >= now)
        if not wins:
            continue
        keep.append(replace(s, windows=wins, mandatory=s.mandatory and bool(wins)))
    problem = RoutingProblem(sp.problem.matrices, tuple(keep), sp.problem.vehicles)
    sp = replace(sp, problem=problem)
    site_ids = {site.id for site in problem.sites}
    initial = {
        unit_key(r): [
            MEAL if stop.kind == "break" else stop.site_id
            for stop in r.stops
            if stop.kind != "base"
            and stop.start - off >= now
            and (stop.kind == "break" or stop.site_id in site_ids)
        ]
        for r in routes
    }
    # A unit called in starts from the route it takes over (the one called away's, by
    # position), its own breaks placed in time among those stops.
    # An alley's site is one per travel mode: the unit's own mode's, where it may ride it.
    allowed = {site.id: site.vehicles for site in problem.sites}
    for u, took in zip(extra, taken_over, strict=False):
        timed = [(b.earliest, MEAL) for b in u.breaks]
        for stop in took.stops:
            if stop.kind in ("base", "break") or stop.start < u.start_s + u.handover_s:
                continue
            sid = stop.site_id
            if MODE_SEP in sid:  # "run~mode" or "run~mode#k"
                run, _, rest = sid.partition(MODE_SEP)
                copy = rest.partition(VISIT_SEP)[2]
                sid = f"{run}{MODE_SEP}{u.mode}" + (f"{VISIT_SEP}{copy}" if copy else "")
            if sid in allowed and (not allowed[sid] or u.id in allowed[sid]):
                timed.append((stop.start, sid))
        initial[u.id] = [sid for _, sid in sorted(timed, key=lambda x: x[0])]
    # Greedy descent from the kept routes: other units' routes change as little as possible.
    params = RouteParams(time_limit=seconds, engine="ortools", metaheuristic="greedy")
    result = solve_routes(problem, params, seed=seed, initial=initial)
    values = {site.id: site.value for site in problem.sites}
    out = {}
    for solved in result.routes:
        out[solved.vehicle_id] = to_plan_route(
            sp,
            solved,
            inputs.points,
            local_time=doc.local_time,
            network=inputs.network,
            value=sum(values.get(st.site_id, 0) for st in solved.stops),
        )
    return out, result, route_limits(sp)


def _join(prefix: list[Stop], new: Route, old: Route) -> Route:
    """Prefix stops of ``old`` then the re-planned stops of ``new`` (its start stop dropped)."""
    if not prefix:
        return new
    rest = list(new.stops[1:])
    last = prefix[-1]
    leave = new.stops[0].departure
    if leave > last.departure:
        prefix = [*prefix[:-1], replace(last, departure=leave)]
    return replace(
        old,
        stops=(*prefix, *rest),
        end_s=new.end_s,
        end=new.end,
        distance_m=old.distance_m,
        value=new.value,
    )


def replan(
    doc: PlanDocument,
    inputs: PlanInputs,
    group_id: str,
    moment: datetime,
    *,
    reason: str = "called away",
    time_limit: float = 5.0,
    call_in: str = AUTO,
) -> tuple[PlanDocument, list[str]]:
    """Mark ``group_id`` unavailable from ``moment`` and re-plan the rest of that day.

    The units still on duty in the group's shift take over what they can reach. When none is
    left, an off-duty group the rest rules allow is called in for the rest of the shift
    (:mod:`planner.patrol.call_out`), recorded in the roster's ``call_ins`` with why it was
    chosen and why the others were not.

    Parameters
    ----------
    doc
        The plan.
    inputs
        The district's inputs the plan was made from (:func:`planner.patrol.inputs.load_inputs`
        with the plan's rules file).
    group_id
        The group that becomes unavailable.
    moment
        From when; a naive datetime is local time of the plan's district.
    reason
        Why, recorded in the roster's leave.
    time_limit
        Seconds for all re-solves together.
    call_in
        :data:`AUTO` (call in an off-duty group only when no other group is on duty),
        :data:`NOBODY` (never), or the id of the off-duty group to call in (also beside the
        groups still on duty).

    Returns
    -------
    tuple
        The new plan and the changes in words.

    Raises
    ------
    IncidentError
        For an unknown group or a time outside the plan's horizon.
    """
    from planner.checks.plan import validate_plan
    from planner.patrol.inputs import POST_PREFIX
    from planner.patrol.pipeline import dose_rows, plan_coverage, plan_demand
    from planner.patrol.request import PlanRequest
    from planner.patrol.routes import repair_gate_windows

    began = time.perf_counter()
    tz = ZoneInfo(doc.district.time_zone)
    if group_id not in {g.id for g in doc.roster.groups}:
        known = ", ".join(g.id for g in doc.roster.groups)
        msg = f"The plan has no group {group_id!r}; its groups are {known}."
        raise IncidentError(msg)
    groups = {g.id for g in doc.roster.groups}
    if call_in not in (AUTO, NOBODY) and (call_in not in groups or call_in == group_id):
        known = ", ".join(sorted(groups - {group_id}))
        msg = (
            f"The group to call in must be {AUTO!r}, {NOBODY!r} or one of {known}, not {call_in!r}."
        )
        raise IncidentError(msg)
    local = moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)
    day = local.date()
    dates = doc.dates()
    if day not in dates:
        msg = f"{local:%Y-%m-%d %H:%M} is outside the plan's days {dates[0]} to {dates[-1]}."
        raise IncidentError(msg)
    t_day = local.hour * 3600 + local.minute * 60 + local.second

    def rel(route: Route) -> int:
        return (day - date.fromisoformat(route.date)).days * 86400 + t_day

    affected = [
        (i, r)
        for i, r in enumerate(doc.routes)
        if (r.date == day.isoformat() or (r.date == (day - timedelta(days=1)).isoformat()))
        and r.end_s > rel(r)
        and r.unit_kind != "grid"  # grid members keep their own duty hours and walks
    ]
    demand = plan_demand(
        inputs, PlanRequest(doc.start_date, doc.days, doc.seed, dose_boost=doc.dose_boost)
    )
    new_routes: dict[int, Route | None] = {}
    changes: list[str] = []
    shifts: dict[tuple[str, str], list[tuple[int, Route]]] = {}
    for i, r in affected:
        shifts.setdefault((r.date, r.shift_id), []).append((i, r))
    # Only the shifts the group was on are re-planned; every other route stays as it is.
    shifts = {k: v for k, v in shifts.items() if any(r.group_id == group_id for _, r in v)}
    per_shift = time_limit / max(len(shifts), 1)
    value = bound = 0
    call_ins: list[CallIn] = []
    added: list[Route] = []
    for (rdate, sid), items in sorted(shifts.items()):
        t_rel = rel(items[0][1])
        done_sites: set[str] = set()
        starts: dict[str, tuple[str, int]] = {}
        prefixes: dict[str, list[Stop]] = {}
        olds: dict[str, tuple[int, Route]] = {}
        cut_any = False
        for i, r in items:
            if r.group_id == group_id:
                cut = _cut(r, t_rel, doc.local_time)
                new_routes[i] = cut
                kept = 0 if cut is None else sum(s.kind == "visit" for s in cut.stops)
                who = f"Group {group_id}" if not r.unit_id else f"Group {group_id} unit {r.unit_id}"
                changes.append(
                    f"{who} {rdate} {sid}: unavailable from {clock(t_rel)}; "
                    f"{kept} visits made stay."
                )
                cut_any = True
                if cut is not None:
                    done_sites.update(_site_of(s) for s in cut.stops if s.kind != "base")
                continue
            prefix = _prefix(r, t_rel, heading=True)
            waiting = None
            if (
                prefix
                and prefix[-1].start >= t_rel
                and prefix[-1].arrival <= t_rel
                and prefix[-1].kind not in ("base", "break")
            ):
                # There already, waiting for its window: the visit is not begun, so it is
                # planned again with the rest, and the re-planned route sets off at T from
                # the stop before it (the plan's legs join stop to stop).
                waiting = prefix.pop()
                if prefix:
                    prefix[-1] = replace(prefix[-1], departure=max(prefix[-1].departure, t_rel))
            if waiting is None and prefix and prefix[-1].kind not in ("base", "break"):
                # Free time spread over the old route is free again: the unit leaves the stop
                # it is at when its visit is done (or at once, when that was before T).
                last = prefix[-1]
                # A visit is done after its stay; an alley once it is ridden to its end (its
                # dwell is the ride): what was left after that is free again.
                done_at = max(t_rel, last.start + last.dwell)
                if last.departure > done_at:
                    prefix[-1] = replace(last, departure=done_at)
            done_sites.update(_site_of(s) for s in prefix if s.kind != "base")
            if prefix and prefix[-1].kind == "base" and len(prefix) > 1:
                continue  # already back at the base: nothing left to plan
            key = unit_key(r)
            prefixes[key] = prefix
            olds[key] = (i, r)
            tmpl = doc.roster.shift(sid)
            if prefix:
                last = prefix[-1]
                at_base = last.kind in ("base", "break")
                point = POST_PREFIX + r.base_post_id if at_base else _point_of(last, inputs)
                starts[key] = (point, last.departure - tmpl.start_minute * 60)
        if not cut_any:
            continue
        extra: list[Unit] = []
        if call_in == NOBODY or (call_in == AUTO and olds):
            pass
        else:
            extra, record, lines = _call_out(doc, inputs, group_id, rdate, sid, t_rel, call_in)
            changes += lines
            if record is not None:
                call_ins.append(record)
        if not olds and not extra:
            if call_in == NOBODY:
                changes.append(f"No other group is on duty in {rdate} {sid}; the rest is left out.")
            continue
        solved, result, limits = _resolve(
            inputs, demand, doc, [olds[g][1] for g in olds], starts, rdate, sid,
            done_sites, t_rel, per_shift, doc.seed, prefixes, extra,
            [r for _, r in items if r.group_id == group_id and r.unit_kind != "group"],
        )  # fmt: skip
        value += result.objective
        bound += result.bound
        joined = {gid: _join(prefixes[gid], solved[gid], old) for gid, (_, old) in olds.items()}
        joined.update({u.id: solved[u.id] for u in extra})
        rows = demand.shift_rows(rdate, sid)
        cut_routes = [r for i, r in ((i, new_routes.get(i)) for i, _ in items) if r is not None]
        repaired = repair_gate_windows(
            [*joined.values(), *cut_routes],
            rows,
            inputs.points,
            offset_s=doc.roster.shift(sid).start_minute * 60,
            network=inputs.network,
            frozen={gid: len(p) for gid, p in prefixes.items()},
            skip=(group_id,),
            limits=limits,
        )
        joined = {unit_key(r): r for r in repaired if unit_key(r) in joined}
        for u in extra:
            new = joined[u.id]
            added.append(new)
            visits = sum(s.kind not in ("base", "break") for s in new.stops)
            who = f"Group {u.group_id}" if u.group_id != RESERVE_GROUP else "Reserves"
            changes.append(
                f"{who} unit {u.id} {rdate} {sid}: called in from "
                f"{clock(new.start_s)}, {visits} visits."
            )
        for gid, (i, old) in olds.items():
            new = joined[gid]
            new_routes[i] = new
            before = {s.site_id for s in old.stops if s.start >= t_rel and s.kind != "base"}
            after = {s.site_id for s in new.stops if s.start >= t_rel and s.kind != "base"}
            who = f"Group {old.group_id}" + (f" unit {old.unit_id}" if old.unit_id else "")
            changes.append(
                f"{who} {rdate} {sid}: {len(before & after)} later visits kept, "
                f"{len(after - before)} added, {len(before - after)} dropped."
            )
    routes: list[Route] = []
    for i, r in enumerate(doc.routes):
        if i not in new_routes:
            routes.append(r)
        elif (changed := new_routes[i]) is not None:
            routes.append(changed)
    routes += added
    leave = (
        *doc.roster.leave,
        Leave(
            group_id, None, day.isoformat(), UNAVAILABLE.format(time=clock(t_day), reason=reason)
        ),
    )
    stage = StageRun("replan", "FEASIBLE", float(value), float(bound), 0.0)
    new_doc = replace(
        doc,
        plan_id=f"{doc.plan_id}-r{group_id}{local:%m%d%H%M}",
        created_at=datetime.now(tz).isoformat(timespec="seconds"),
        roster=replace(doc.roster, leave=leave, call_ins=(*doc.roster.call_ins, *call_ins)),
        routes=tuple(routes),
    )
    new_doc = replace(new_doc, dose=_dose(doc, new_doc, dose_rows))
    _, cov = plan_coverage(inputs, demand, new_doc)
    checks = validate_plan(new_doc, inputs)
    stage = replace(stage, runtime=round(time.perf_counter() - began, 3))
    if not all(c.ok for c in checks):
        stage = replace(stage, status="INFEASIBLE")
    new_doc = replace(new_doc, coverage=cov, validation=tuple(checks), stages=(*doc.stages, stage))
    return new_doc, changes


def _call_out(
    doc: PlanDocument,
    inputs: PlanInputs,
    away: str,
    day: str,
    shift_id: str,
    t_rel: int,
    wanted: str,
) -> tuple[list[Unit], CallIn | None, list[str]]:
    """Choose the off-duty group to call in for the rest of a shift, and build its units.

    Returns the units (none when nobody may be called), the roster record and the summary's
    lines in words (who was called and why, why the others were not).
    """
    from planner import texts
    from planner.patrol.call_out import call_out_units, judge_group, turn_out_start

    tmpl = doc.roster.shift(shift_id)
    start = turn_out_start(inputs, t_rel, tmpl.start_minute * 60)
    end = (tmpl.start_minute + tmpl.duration_minutes) * 60
    handover = inputs.rules.shift_time.handover_minutes * 60
    where = f"{day} {shift_id}"
    if end - start - 2 * handover < MIN_CALL_OUT_S:
        return [], None, [texts.text("co_too_late", "en", where=where, end=clock(end))]
    candidates = [g.id for g in doc.roster.groups if g.id != away]
    if wanted != AUTO:
        candidates = [wanted]
    choices = [judge_group(doc, inputs, g, day, shift_id, start, end) for g in candidates]
    on_duty = {c.group_id for c in choices if c.reason == judge_group_on_duty(c.group_id)}
    refused = [c for c in choices if not c.ok and c.group_id not in on_duty]
    groups = {g.id: g for g in inputs.groups}
    why_not: list[str] = [c.reason for c in refused]
    why_not_zh: list[str] = [c.reason_zh for c in refused]
    for c in sorted((c for c in choices if c.ok), key=lambda c: (-c.rest_s, c.hours_s, c.group_id)):
        units, (trouble, trouble_zh) = call_out_units(
            inputs, groups[c.group_id], day, shift_id, start, doc.routes, away
        )
        if not units:
            why_not.append(texts.text("co_group_short", "en", group=c.group_id, why=trouble))
            why_not_zh.append(texts.text("co_group_short", "zh", group=c.group_id, why=trouble_zh))
            continue
        said = {}
        for lang, reason, others in (
            ("en", c.reason, "; ".join(why_not)),
            ("zh", c.reason_zh, "".join(why_not_zh)),
        ):
            why = texts.text("co_why_auto" if wanted == AUTO else "co_why_asked", lang)
            said[lang] = texts.text(
                "co_group_called", lang, group=c.group_id, away=away, start=clock(start),
                end=clock(end), day=day, why=why, reason=reason,
                shift=(tmpl.name_zh or shift_id) if lang == "zh" else shift_id,
            ) + (texts.text("co_others", lang, others=others) if others else "")  # fmt: skip
        record = CallIn(c.group_id, day, shift_id, start, end, away, said["en"], said["zh"])
        return units, record, [said["en"]]
    if wanted != AUTO and not why_not:
        why_not = [c.reason for c in choices]
    if wanted == AUTO:
        # No trained crew may come: the reserves, as a unit of their own, within the same
        # rest rules per person.
        found, called, lines = _call_reserves(
            doc, inputs, away, day, shift_id, start, end, why_not, why_not_zh
        )
        if called is not None:
            return found, called, lines
        why_not += lines
    nobody = texts.text("co_nobody", "en", where=where)
    return [], None, [f"{nobody} " + " ".join(why_not)]


def judge_group_on_duty(group_id: str) -> str:
    """Return the reason a group on duty that day is not called (left out of the summary)."""
    from planner import texts

    why = texts.text("co_rule_on_duty", "en")
    return texts.text("co_group_not", "en", group=group_id, why=why)


def _call_reserves(
    doc: PlanDocument,
    inputs: PlanInputs,
    away: str,
    day: str,
    shift_id: str,
    start: int,
    end: int,
    why_not: list[str],
    why_not_zh: list[str],
) -> tuple[list[Unit], CallIn | None, list[str]]:
    """Call in the reserves the rest rules allow, as one unit of their own, for group ``away``.

    As many as the group called away had at work (at least a unit's size), those rested
    longest first. Returns the units, the record and the summary's line; or no units, no
    record and why (English) when too few may come or no vehicles are free.
    """
    from planner import texts
    from planner.patrol.call_out import judge_reserve, reserve_units
    from planner.patrol.units import present_members

    rules = inputs.rules
    reserves = [m.id for m in rules.reserves]
    size = rules.shift_time.unit_size
    if not reserves:
        return [], None, []
    choices = [judge_reserve(doc, inputs, m, day, shift_id, start, end) for m in reserves]
    fit = sorted((c for c in choices if c.ok), key=lambda c: (-c.rest_s, c.hours_s, c.group_id))
    refused = [c for c in choices if not c.ok]
    group = inputs.group(away)
    want = max(size, len(present_members(group, date.fromisoformat(day), rules)))
    if len(fit) < size:
        en = texts.text("co_reserves_few", "en", n=len(fit), size=size)
        return [], None, [en, *(c.reason for c in refused)]
    called = fit[:want]
    members = [c.group_id for c in called]
    units, (trouble, _) = reserve_units(inputs, members, group, day, shift_id, start, doc.routes)
    if not units:
        return [], None, [texts.text("co_reserves_no_vehicles", "en", why=trouble)]
    names = {lang: texts.text("co_name_sep", lang).join(doc.roster.member_name(m) for m in members)
             for lang in ("en", "zh")}  # fmt: skip
    tmpl = doc.roster.shift(shift_id)
    values = {"away": away, "day": day, "start": clock(start), "end": clock(end)}
    out = {}
    for lang in ("en", "zh"):
        shift = (tmpl.name_zh or shift_id) if lang == "zh" else shift_id
        reasons = [c.reason if lang == "en" else c.reason_zh for c in called]
        others = [*(why_not if lang == "en" else why_not_zh),
                  *(c.reason if lang == "en" else c.reason_zh for c in refused)]  # fmt: skip
        out[lang] = texts.text(
            "co_reserves_called", lang, names=names[lang], shift=shift, **values
        ) + "".join(f" {r}" if lang == "en" else r for r in [*reasons, *others])
    record = CallIn(
        RESERVE_GROUP, day, shift_id, start, end, away, out["en"], out["zh"], tuple(members)
    )
    return units, record, [out["en"]]


def _dose(old: PlanDocument, new: PlanDocument, rows_of: Any) -> tuple[Any, ...]:
    """Return the old plan's needed dose with planned figures recomputed from the new routes."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "area_id": [d.area_id for d in old.dose],
            "date": [d.date for d in old.dose],
            "shift_id": [d.shift_id for d in old.dose],
            "visits": [d.needed_visits for d in old.dose],
            "needed_minutes": [d.needed_minutes for d in old.dose],
        }
    )
    return tuple(rows_of(frame, new.routes))
