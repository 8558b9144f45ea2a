"""Patrol rosters: build the general roster problem from rules.toml and the Chinese calendar."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import holidays as holidays_lib

from planner.exceptions import RulesError
from planner.patrol.rules_file import WEEKDAYS, RulesFile, load_rules
from planner.roster.model import (
    Cover,
    Crew,
    PatrolRules,
    Pattern,
    Pin,
    RosterProblem,
    ShiftType,
    Staff,
)

if TYPE_CHECKING:
    from pathlib import Path

    from planner.checks.roster import RosterCheck
    from planner.patrol.baseline import Baseline
    from planner.roster.solve import RosterResult

log = logging.getLogger("planner")


@dataclass(frozen=True, slots=True)
class PatrolRoster:
    """A patrol roster problem with its calendar.

    ``notes`` say what the calendar and rules did (holidays found, surge dates, entries of
    the rules file that fall outside the requested period). ``baseline`` is the roster in
    force that a stable re-solve keeps (:func:`planner.patrol.baseline.apply_baseline`), with
    its cells before ``freeze_until`` kept exactly.
    """

    problem: RosterProblem
    rules: RulesFile
    dates: tuple[dt.date, ...]
    public_holidays: tuple[tuple[int, str], ...]
    adjusted_workdays: tuple[int, ...]
    surge: tuple[tuple[int, str], ...]
    notes: tuple[str, ...]
    baseline: Baseline | None = None
    freeze_until: dt.date | None = None


def day_label(day: dt.date) -> str:
    """``"12 Dec"``."""
    return f"{day.day} {day.strftime('%b')}"


def china_calendar(start: dt.date, days: int) -> tuple[dict[dt.date, str], set[dt.date]]:
    """Chinese public holidays (with their names) and adjusted working days in a period.

    Uses the maintained ``holidays`` package (``holidays.China``); adjusted working days are
    weekend days that are official working days (调休).
    """
    last = start + dt.timedelta(days=days - 1)
    years = list(range(start.year, last.year + 1))
    cn = holidays_lib.country_holidays("CN", years=years)
    hol = {d: str(n) for d, n in cn.items() if start <= d <= last}
    work = {d for d in getattr(cn, "weekend_workdays", set()) if start <= d <= last}
    return hol, work


def build_patrol_problem(
    rules: RulesFile | str | Path,
    start: dt.date,
    days: int,
    *,
    teams: str | Path | None = None,
) -> PatrolRoster:
    """Build the roster problem of patrol groups for ``days`` days from ``start``.

    Parameters
    ----------
    rules
        A loaded rules file or its path.
    start, days
        First date and number of days of the roster.
    teams
        The district's teams.toml (used when the rules file defines no groups).

    Returns
    -------
    PatrolRoster
        The general problem (groups as staff) with calendar and notes.
    """
    if days <= 0:
        msg = f"A roster needs at least one day, not {days}."
        raise RulesError(msg)
    if not isinstance(rules, RulesFile):
        rules = load_rules(rules, teams=teams)
    dates = tuple(start + dt.timedelta(days=i) for i in range(days))
    index = {d: i for i, d in enumerate(dates)}
    notes: list[str] = []
    hol, adjusted = china_calendar(start, days)
    public = tuple((index[d], name) for d, name in sorted(hol.items()))
    hol_days = {i for i, _ in public}

    def inside(day: dt.date, what: str) -> int | None:
        if day in index:
            return index[day]
        notes.append(f"{what} on {day} is outside {dates[0]}–{dates[-1]} and was left out.")
        return None

    # cover
    sids = [s.id for s in rules.shifts]
    base = dict(rules.demand)
    by_weekday = {w: dict(c) for w, c in rules.weekday_demand}
    extra: dict[int, dict[str, int]] = {}
    surge: list[tuple[int, str]] = []
    if rules.public_holidays and rules.holiday_extra:
        for i, name in public:
            for sid, n in rules.holiday_extra:
                extra.setdefault(i, {})[sid] = extra.get(i, {}).get(sid, 0) + n
            surge.append((i, name))
    for sd in rules.surge_dates:
        at = inside(sd.date, f"Surge date {sd.name or ''}".strip())
        if at is None:
            continue
        for sid, n in sd.extra:
            extra.setdefault(at, {})[sid] = extra.get(at, {}).get(sid, 0) + n
        surge.append((at, sd.name))
    cover = []
    for i, d in enumerate(dates):
        need = dict(base)
        if d not in adjusted:
            need.update(by_weekday.get(WEEKDAYS[d.weekday()], {}))
        for sid in sids:
            n = need.get(sid, 0) + extra.get(i, {}).get(sid, 0)
            cover.append(Cover(i, sid, n, rules.under_weight, rules.over_weight))

    shifts = tuple(
        ShiftType(s.id, s.minutes, start=s.start, night=s.night, name=s.name) for s in rules.shifts
    )
    staff = tuple(
        Staff(
            g.id,
            name=f"{g.name_en} ({g.name})" if g.name and g.name != g.name_en else g.name_en,
            max_consecutive=rules.max_days_in_row,
            min_consecutive_off=rules.min_days_off_in_row,
        )
        for g in rules.groups
    )
    pins = []
    for p in rules.pins:
        at = inside(p.date, f"Pin of group {p.group}")
        if at is not None:
            pins.append(Pin(p.group, at, p.shift))
    crew = None
    if rules.min_members is not None:
        leave: set[tuple[str, int]] = set()
        for lv in rules.leave:
            d = lv.first
            while d <= lv.last:
                if d in index:
                    leave.add((lv.member, index[d]))
                d += dt.timedelta(days=1)
        crew = Crew(
            members=tuple((g.id, tuple(m.id for m in g.members)) for g in rules.groups),
            min_members=rules.min_members,
            leave=frozenset(leave),
            reserves=tuple(m.id for m in rules.reserves),
            neighbours=rules.neighbours,
            lend_weight=rules.lend_weight,
        )
    elif rules.leave:
        notes.append("Leave is listed but [crew] min_members is not set, so leave is ignored.")
    pattern = None
    if rules.pattern:
        pattern = Pattern(
            cycle=rules.pattern, weight=rules.pattern_weight, offsets=rules.pattern_offsets
        )
    prules = PatrolRules(
        min_rest_minutes=rules.min_rest_minutes,
        rest_after_night_minutes=rules.rest_after_night_minutes,
        max_nights_in_row=rules.max_nights_in_row,
        max_nights_weight=rules.max_nights_weight,
        fair_nights_weight=rules.fair_nights,
        fair_weekends_weight=rules.fair_weekends,
        extra=rules.extra,
        pattern=pattern,
        crew=crew,
    )
    problem = RosterProblem(
        days=days,
        staff=staff,
        shifts=shifts,
        cover=tuple(cover),
        pins=tuple(pins),
        start_weekday=start.weekday(),
        holidays=frozenset(hol_days),
        rules=prules,
        name=rules.name,
        day_labels=tuple(day_label(d) for d in dates),
    )
    if public:
        notes.append(
            "Public holidays: " + ", ".join(f"{day_label(dates[i])} {n}" for i, n in public) + "."
        )
    if adjusted:
        notes.append(
            "Adjusted working days (weekday demand): "
            + ", ".join(day_label(d) for d in sorted(adjusted))
            + "."
        )
    return PatrolRoster(
        problem=problem,
        rules=rules,
        dates=dates,
        public_holidays=public,
        adjusted_workdays=tuple(index[d] for d in sorted(adjusted)),
        surge=tuple(surge),
        notes=tuple(notes),
    )


def roster_document(roster: PatrolRoster, result: RosterResult) -> dict[str, Any]:
    """Turn the roster and its explanation into plain JSON-ready data."""
    pr = roster.problem

    def violations(check: RosterCheck | None, hard: bool) -> list[dict[str, Any]]:
        if check is None:
            return []
        return [
            {
                "rule": v.rule,
                "staff": v.staff,
                "dates": [roster.dates[d].isoformat() for d in v.days],
                "penalty": v.penalty,
                "message": v.message,
            }
            for v in (check.hard if hard else check.soft)
        ]

    def body(res: RosterResult) -> dict[str, Any]:
        return {
            "assignment": res.assignment,
            "lending": [
                {"member": m, "group": g, "date": roster.dates[d].isoformat()}
                for m, g, d in res.lending
            ],
            "penalties": violations(res.check, hard=False),
            "broken_hard_rules": violations(res.check, hard=True),
        }

    doc: dict[str, Any] = {
        "name": pr.name,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "runtime": round(result.runtime, 3),
        "start": roster.dates[0].isoformat(),
        "days": pr.days,
        "dates": [d.isoformat() for d in roster.dates],
        "shifts": [
            {
                "id": s.id,
                "name": s.name,
                "start": s.start,
                "minutes": s.minutes,
                "night": s.is_night,
            }
            for s in pr.shifts
        ],
        "groups": [{"id": s.id, "name": s.label} for s in pr.staff],
        "public_holidays": [
            {"date": roster.dates[i].isoformat(), "name": n} for i, n in roster.public_holidays
        ],
        "surge": [{"date": roster.dates[i].isoformat(), "name": n} for i, n in roster.surge],
        "notes": list(roster.notes),
        "conflict": list(result.conflict),
    }
    doc.update(body(result))
    if roster.baseline is not None:
        from planner.patrol.baseline import changed_cells

        doc["baseline"] = {
            "file": roster.baseline.source,
            "freeze_until": None
            if roster.freeze_until is None
            else roster.freeze_until.isoformat(),
        }
        doc["changed"] = changed_cells(roster, result.assignment) if result.assignment else []
    if result.relaxed is not None:
        doc["relaxed"] = body(result.relaxed)
    return doc


def roster_for_district(
    district: str | Path | None,
    start: dt.date,
    days: int,
    *,
    rules: str | Path | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    baseline: Baseline | None = None,
    freeze_until: dt.date | None = None,
) -> tuple[PatrolRoster, RosterResult]:
    """Build and solve the patrol roster of a district (the entry point of `patrol plan`).

    Parameters
    ----------
    district
        District folder (None = the default district).
    start, days
        First date and number of days.
    rules
        A rules file; defaults to the district's rules.toml.
    time_limit, seed
        Solver time limit in seconds and random seed.
    baseline, freeze_until
        The roster in force, kept where it can be (each changed cell costs
        :data:`~planner.patrol.baseline.CHANGE_WEIGHT`), exactly before ``freeze_until``;
        its days before ``start`` carry rest and rotation into the period.

    Returns
    -------
    tuple
        The patrol problem with its calendar, and the solver's result (infeasible requests
        come back as a result with the conflicting rules in words).
    """
    from planner.patrol.inputs import load_inputs
    from planner.roster.solve import RosterParams, solve_roster

    inputs = load_inputs(district, rules)
    roster = build_patrol_problem(inputs.rules, start, days)
    if baseline is not None:
        from planner.patrol.baseline import apply_baseline

        roster = apply_baseline(roster, baseline, freeze_until=freeze_until)
    elif freeze_until is not None:
        msg = "--freeze-until needs --baseline: there is no roster in force to keep."
        raise RulesError(msg)
    result = solve_roster(roster.problem, RosterParams(time_limit=time_limit), seed=seed)
    return roster, result
