"""Independent check of a plan's roster against the rules file, read here in its own way.

Nothing of the roster model or of the problem builder is used: the rules file's text is parsed
with :mod:`tomllib` here, the calendar comes from the ``holidays`` package, and every hard rule
is recomputed from the plan's schedule in clock minutes:

- the plan's groups and shift times are the rules file's (groups from ``[[groups]]`` or, when the
  rules have none, from teams.toml);
- cover: the number of groups on each shift of each day is what ``[demand]`` asks (the weekday
  table except on adjusted working days, plus the public-holiday and surge-date extras), where
  the demand has no weight (with a weight it is soft);
- pins are kept;
- rest: at least ``min_rest_hours`` between the end of one shift and the start of the next,
  and ``rest_after_night_hours`` after a night before a day shift, from the days the plan's
  roster carried in (``roster.carry_in``) on;
- ``max_nights_in_row`` when it has no weight, ``max_days_in_row``, ``min_days_off_in_row``;
  a run of nights or working days that goes on into the first day counts the days carried in
  before it (``roster.carry_in``), as the roster in force's history counts for the solver;
- crew: every group on shift has ``min_members`` present (members on leave are away), with
  fill-ins from the reserves and from off-duty neighbour groups;
- call-ins (re-plans): a group called in is off duty that day and replaces a group called away
  that day; its rest before and after the call-in keeps the rest rules above, a night call-in
  keeps ``max_nights_in_row`` (weight or not), the days keep ``max_days_in_row``, and its hours
  in the 7 days up to the call-in's end stay within ``[call_out] max_hours_in_7_days``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner.checks.rules_reading import WEEKDAYS, RawRules, as_date, days_between

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence

    from planner.plan.document import CallIn, FillIn, PlanDocument


def _calendar(first: dt.date, last: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    """Public holidays and adjusted working days (调休) between two dates."""
    import holidays

    cn = holidays.country_holidays("CN", years=range(first.year, last.year + 1))
    hol = {d for d in cn if first <= d <= last}
    work = {
        d
        for d in days_between(first, last)
        if d.weekday() >= 5 and cn.is_working_day(d) and d not in hol
    }
    return hol, work


@dataclass(frozen=True, slots=True)
class RosterFinding:
    """One hard roster rule a plan breaks: the rule, the values of its sentence, the sentence.

    Attributes
    ----------
    rule
        ``groups``, ``shift_missing``, ``shift_times``, ``cover``, ``pinned``, ``rest``,
        ``nights_in_row``, ``days_in_row``, ``days_off``, ``crew`` or ``call_in``.
    values
        What the sentence names (group and shift ids, ISO dates, counts), so that a page can
        say it in its own language.
    message
        The sentence in English.
    """

    rule: str
    values: dict[str, str | int | float] = field(default_factory=dict)
    message: str = ""


def roster_violations(doc: PlanDocument, rules_text: str, teams: Mapping[str, Any]) -> list[str]:
    """Return every hard roster rule the plan breaks, one sentence each.

    Parameters
    ----------
    doc
        The plan.
    rules_text
        The text of the rules file the plan was made with.
    teams
        The district's teams.toml as a table (groups when the rules define none).
    """
    return [f.message for f in roster_findings(doc, rules_text, teams)]


def roster_findings(
    doc: PlanDocument, rules_text: str, teams: Mapping[str, Any]
) -> list[RosterFinding]:
    """Return every hard roster rule the plan breaks, with what each sentence names.

    Parameters
    ----------
    doc
        The plan.
    rules_text
        The text of the rules file the plan was made with.
    teams
        The district's teams.toml as a table (groups when the rules define none).
    """
    rules = RawRules(rules_text, teams)
    roster = doc.roster
    dates = doc.dates()
    bad: list[RosterFinding] = []
    have = {g.id for g in roster.groups}
    if have != set(rules.groups):
        plan, asked = ", ".join(sorted(have)), ", ".join(sorted(rules.groups))
        bad.append(
            RosterFinding(
                "groups",
                {"plan": plan, "rules": asked},
                f"The plan's groups ({plan}) are not the rules file's ({asked}).",
            )
        )
        return bad
    for sid, (start, minutes) in rules.shifts.items():
        try:
            t = roster.shift(sid)
        except KeyError:
            bad.append(
                RosterFinding(
                    "shift_missing",
                    {"shift": sid},
                    f"Shift {sid} of the rules file is missing from the plan.",
                )
            )
            continue
        if t.start_minute != start or t.duration_minutes != minutes:
            bad.append(
                RosterFinding(
                    "shift_times",
                    {"shift": sid, "hours": t.hours_label()},
                    f"Shift {sid} runs {t.hours_label()} in the plan, not as in the rules file.",
                )
            )
    if bad:
        return bad
    schedule = {g: list(roster.schedule.get(g, (None,) * doc.days)) for g in rules.groups}
    bad += _cover(rules, schedule, dates)
    for gid, day, want in rules.pins:
        if day in dates and schedule[gid][dates.index(day)] != want:
            got = schedule[gid][dates.index(day)] or "off"
            bad.append(
                RosterFinding(
                    "pinned",
                    {"group": gid, "day": day.isoformat(), "want": want or "off", "got": got},
                    f"Group {gid} is pinned to {want or 'off'} on {day} but has {got}.",
                )
            )
    carried = roster.carry_in.schedule if roster.carry_in is not None else {}
    for gid, row in schedule.items():
        bad += _rest(rules, gid, row, dates, carried.get(gid, ()))
        bad += _runs(rules, gid, row, dates, carried.get(gid, ()))
    bad += _crew(rules, schedule, dates)
    bad += _call_ins(rules, doc, schedule, dates)
    return bad


def _call_ins(
    rules: RawRules, doc: PlanDocument, schedule: dict[str, list[str | None]], dates: list[dt.date]
) -> list[RosterFinding]:
    """Every group (or reserve) called in was free to be called: off duty, rested, in limits.

    Rest reaches back into the days the plan's roster carried in (``roster.carry_in``): a
    group off a night just before the first day is not rested at 07:00 of it. Reserves called
    in are judged per person: they are the rules file's reserves, not on leave that day, and
    their shifts are those of the groups they were lent to (the days carried in included) and
    their earlier call-ins.
    """
    out: list[RosterFinding] = []

    def note(c: CallIn, message: str) -> None:
        values: dict[str, str | int | float] = {"group": c.group_id, "day": c.date}
        values |= {"shift": c.shift_id, "detail": message}
        out.append(RosterFinding("call_in", values, message))

    first = dates[0]
    away = {(lv.group_id, lv.date) for lv in doc.roster.leave if lv.member_id is None}
    carry = doc.roster.carry_in
    carry_first = (as_date(carry.start) - first).days if carry is not None else 0
    carried = carry.schedule if carry is not None else {}

    def worked(d: int, sid: str) -> tuple[int, int, bool, str]:
        start, minutes = rules.shifts[sid]
        return d * 1440 + start, d * 1440 + start + minutes, rules.night[sid], ""

    def calls(keep: Callable[[CallIn], bool]) -> list[tuple[int, int, bool, str]]:
        found = []
        for c in doc.roster.call_ins:
            if keep(c) and c.shift_id in rules.shifts:
                d = (as_date(c.date) - first).days
                found.append((d * 1440 + c.start_s // 60, d * 1440 + c.end_s // 60,
                              rules.night[c.shift_id], c.date))  # fmt: skip
        return found

    def spans(gid: str) -> list[tuple[int, int, bool, str]]:
        found = [
            worked(carry_first + d, sid)
            for d, sid in enumerate(carried.get(gid, ()))
            if sid in rules.shifts
        ]
        found += [worked(d, sid) for d, sid in enumerate(schedule.get(gid, [])) if sid]
        return sorted(found + calls(lambda c: c.group_id == gid))

    def person(mid: str) -> list[tuple[int, int, bool, str]]:
        found = []
        lent: list[tuple[FillIn, Mapping[str, Sequence[str | None]], int]] = [
            (f, schedule, 0) for f in doc.roster.fill_ins
        ]
        if carry is not None:
            lent += [(f, carried, carry_first) for f in carry.fill_ins]
        for f, rows, off in lent:
            d = (as_date(f.date) - first).days
            row = list(rows.get(f.group_id, ()))
            if f.member_id == mid and 0 <= d - off < len(row) and row[d - off] in rules.shifts:
                found.append(worked(d, str(row[d - off])))
        return sorted(found + calls(lambda c: mid in c.members))

    for c in doc.roster.call_ins:
        day = as_date(c.date)
        d = (day - first).days
        if c.shift_id not in rules.shifts:
            note(c, f"Call-in on {c.date} shift {c.shift_id}: no such shift in the rules file.")
            continue
        if (c.replaces, c.date) not in away:
            who = "Reserves" if not c.group_id else f"Group {c.group_id}"
            verb = "replace" if not c.group_id else "replaces"
            note(
                c,
                f"{who} called in on {c.date} shift {c.shift_id} {verb} group {c.replaces}, "
                "which is not called away that day.",
            )
        if not c.group_id:  # reserves, as a unit of their own
            for mid in c.members:
                where = f"Reserve {mid} called in on {c.date} shift {c.shift_id}"
                if mid not in rules.reserves:
                    note(c, f"{where} is not a reserve of the rules file.")
                    continue
                if (mid, day) in rules.leave:
                    note(c, f"{where} is on leave that day.")
                for message in _rested(rules, c, d, person(mid)):
                    note(c, f"{where} {message}")
            continue
        where = f"Group {c.group_id} called in on {c.date} shift {c.shift_id}"
        if c.group_id not in schedule:
            note(c, f"{where}: no such group or shift in the rules file.")
            continue
        if schedule[c.group_id][d] is not None:
            note(c, f"{where} is on duty that day already.")
        for message in _rested(rules, c, d, spans(c.group_id)):
            note(c, f"{where} {message}")
    return out


def _rested(
    rules: RawRules, c: CallIn, d: int, mine: list[tuple[int, int, bool, str]]
) -> list[str]:
    """Return the rest rules a call-in breaks, given who it calls's worked time (minutes)."""
    bad = []
    a, b = d * 1440 + c.start_s // 60, d * 1440 + c.end_s // 60
    night = rules.night[c.shift_id]
    others = [x for x in mine if not (x[3] == c.date and x[0] == a)]
    before = [x for x in others if x[1] <= a]
    after = [x for x in others if x[0] >= b]
    if any(x[0] < b and a < x[1] for x in others):
        bad.append("works another shift at the same time.")
    if before:
        was_night = before[-1][2]
        need = (
            max(rules.min_rest, rules.rest_after_night)
            if was_night and not night
            else rules.min_rest
        )
        gap = a - before[-1][1]
        if gap < need:
            bad.append(
                f"{gap / 60:.1f} h after its last shift ends; the rules ask for "
                f"{need / 60:g} h of rest."
            )
    if after:
        next_night = after[0][2]
        need = (
            max(rules.min_rest, rules.rest_after_night)
            if night and not next_night
            else rules.min_rest
        )
        gap = after[0][0] - b
        if gap < need:
            bad.append(
                f"ends {gap / 60:.1f} h before its next shift; the rules ask for "
                f"{need / 60:g} h of rest."
            )
    for limit, flags, what in (
        (rules.max_nights_any if night else None, {x[0] // 1440 for x in mine if x[2]}, "nights"),
        (rules.max_days, {x[0] // 1440 for x in mine}, "days"),
    ):
        if limit is None:
            continue
        run, k = 1, d - 1
        while k in flags:
            run, k = run + 1, k - 1
        k = d + 1
        while k in flags:
            run, k = run + 1, k + 1
        if run > int(limit):
            bad.append(f"works {run} {what} in a row; the limit is {limit}.")
    if rules.call_out_max is not None:
        week = sum(max(0, min(e, b) - max(s, b - 7 * 1440)) for s, e, _, _ in mine)
        if week > rules.call_out_max:
            bad.append(
                f"works {week / 60:g} h in the 7 days up to the call-in's end; the "
                f"limit is {rules.call_out_max / 60:g} h."
            )
    return bad


def _cover(
    rules: RawRules, schedule: dict[str, list[str | None]], dates: list[dt.date]
) -> list[RosterFinding]:
    if rules.cover_soft:
        return []
    hol, adjusted = _calendar(dates[0], dates[-1])
    out = []
    for d, day in enumerate(dates):
        need = dict(rules.default)
        if day not in adjusted:
            need.update(rules.weekday.get(WEEKDAYS[day.weekday()], {}))
        extra: dict[str, int] = {}
        if day in hol:
            for sid, n in rules.holiday_extra.items():
                extra[sid] = extra.get(sid, 0) + int(n)
        for when, more in rules.surge:
            if when == day:
                for sid, n in more.items():
                    extra[sid] = extra.get(sid, 0) + int(n)
        for sid in rules.shifts:
            want = int(need.get(sid, 0)) + extra.get(sid, 0)
            got = sum(row[d] == sid for row in schedule.values())
            if got != want:
                out.append(
                    RosterFinding(
                        "cover",
                        {"shift": sid, "day": day.isoformat(), "got": got, "want": want},
                        f"Shift {sid} on {day} has {got} groups; the rules ask for {want}.",
                    )
                )
    return out


def _rest(
    rules: RawRules,
    gid: str,
    row: Sequence[str | None],
    dates: list[dt.date],
    before: Sequence[str | None] = (),
) -> list[RosterFinding]:
    """Rest between a group's shifts; ``before`` are the days carried in before the plan."""
    import datetime as dt

    out = []
    n = len(before)
    dates = [dates[0] - dt.timedelta(days=n - j) for j in range(n)] + list(dates)
    full = [sid if sid in rules.shifts else None for sid in before] + list(row)
    worked = [(d, sid) for d, sid in enumerate(full) if sid is not None]
    for (d1, s1), (d2, s2) in itertools.pairwise(worked):
        if d2 < n:
            continue  # both before the plan: the roster in force's own business
        start1, minutes1 = rules.shifts[s1]
        start2, _ = rules.shifts[s2]
        gap = (d2 * 1440 + start2) - (d1 * 1440 + start1 + minutes1)
        need = rules.min_rest
        if rules.night.get(s1) and not rules.night.get(s2):
            need = max(need, rules.rest_after_night)
        if gap < need:
            values: dict[str, str | int | float] = {
                "group": gid,
                "shift": s2,
                "day": dates[d2].isoformat(),
                "hours": round(gap / 60, 1),
                "before": s1,
                "before_day": dates[d1].isoformat(),
                "need": need / 60,
            }
            out.append(
                RosterFinding(
                    "rest",
                    values,
                    f"Group {gid} works {s2} on {dates[d2]} {gap / 60:.1f} h after its {s1} "
                    f"shift of {dates[d1]} ends; the rules ask for {need / 60:g} h of rest.",
                )
            )
    return out


def _runs(
    rules: RawRules,
    gid: str,
    row: Sequence[str | None],
    dates: list[dt.date],
    before: Sequence[str | None] = (),
) -> list[RosterFinding]:
    """Nights and days in a row, and days off in a row, of one group's schedule.

    ``before`` are the days the plan's roster carried in (oldest first, ending the day before
    the plan): a run that goes on into the first day counts its days before the plan too, and
    its finding names the run's first day, carried in or not.
    """
    import datetime as dt

    out = []

    def runs(flags: list[bool]) -> list[tuple[int, int]]:
        found, begin = [], None
        for d, f in enumerate([*flags, False]):
            if f and begin is None:
                begin = d
            elif not f and begin is not None:
                found.append((begin, d - 1))
                begin = None
        return found

    def carried(flag: Callable[[str], bool]) -> int:
        n = 0
        for sid in reversed(before):
            if sid is None or sid not in rules.shifts or not flag(sid):
                break
            n += 1
        return n

    def counted(a: int, b: int, flag: Callable[[str], bool]) -> tuple[int, dt.date]:
        """Return a run's length and first day, with the days carried in before day 0."""
        k = carried(flag) if a == 0 else 0
        return b - a + 1 + k, dates[a] - dt.timedelta(days=k)

    work = [sid is not None for sid in row]
    nights = [sid is not None and rules.night.get(sid, False) for sid in row]
    if rules.max_nights is not None:
        for a, b in runs(nights):
            n, first = counted(a, b, lambda sid: rules.night.get(sid, False))
            if n > rules.max_nights:
                out.append(
                    RosterFinding(
                        "nights_in_row",
                        _run(gid, n, first, rules.max_nights, dates[0]),
                        f"Group {gid} works {n} nights in a row from {first}"
                        f"{_carried_words(first, dates[0])}; the limit is {rules.max_nights}.",
                    )
                )
    if rules.max_days is not None:
        for a, b in runs(work):
            n, first = counted(a, b, lambda sid: True)
            if n > rules.max_days:
                out.append(
                    RosterFinding(
                        "days_in_row",
                        _run(gid, n, first, int(rules.max_days), dates[0]),
                        f"Group {gid} works {n} days in a row from {first}"
                        f"{_carried_words(first, dates[0])}; the limit is {rules.max_days}.",
                    )
                )
    if rules.min_off:
        # Read over the days carried in and the plan together: a run is judged when its first
        # day is known, it does not touch the plan's last day, and it ends on the day before
        # the plan or later.
        k = len(before)
        off = [sid is None for sid in before] + [not w for w in work]
        for a, b in runs(off):
            n = b - a + 1
            if a == 0 or b == len(off) - 1 or b < k - 1 or n >= rules.min_off:
                continue
            first = dates[0] + dt.timedelta(days=a - k)
            out.append(
                RosterFinding(
                    "days_off",
                    _run(gid, n, first, int(rules.min_off), dates[0]),
                    f"Group {gid} has only {n} days off from {first}"
                    f"{_carried_words(first, dates[0])}; the rules ask for {rules.min_off}.",
                )
            )
    return out


def _carried_words(first: dt.date, start: dt.date) -> str:
    """Return how many days of a run were carried in before the plan, as words (or nothing)."""
    k = (start - first).days
    if k <= 0:
        return ""
    return f" ({k} of them carried in before the plan)"


def _run(
    gid: str, n: int, first: dt.date, limit: int, start: dt.date | None = None
) -> dict[str, str | int | float]:
    """Return a run finding's values; ``carried``: its days before the plan's ``start``."""
    out: dict[str, str | int | float] = {
        "group": gid,
        "n": n,
        "day": first.isoformat(),
        "limit": limit,
    }
    if start is not None and first < start:
        out["carried"] = (start - first).days
    return out


def _crew(
    rules: RawRules, schedule: dict[str, list[str | None]], dates: list[dt.date]
) -> list[RosterFinding]:
    """Every group on shift has enough members present, with reserves and neighbours filling in."""
    if rules.min_members is None:
        return []
    out = []
    for d, day in enumerate(dates):
        used: set[str] = set()
        for gid, members in rules.groups.items():
            if schedule[gid][d] is None:
                continue
            present = sum((m, day) not in rules.leave for m in members)
            short = int(rules.min_members) - present
            pool = list(rules.reserves)
            for other in rules.neighbours.get(gid, []):
                if schedule.get(other, [None] * len(dates))[d] is None:
                    pool += rules.groups.get(other, [])
            for m in pool:
                if short <= 0:
                    break
                if m in used or (m, day) in rules.leave:
                    continue
                used.add(m)
                short -= 1
            if short > 0:
                values: dict[str, str | int | float] = {
                    "group": gid,
                    "shift": str(schedule[gid][d]),
                    "day": day.isoformat(),
                    "n": int(rules.min_members) - short,
                    "need": int(rules.min_members),
                }
                out.append(
                    RosterFinding(
                        "crew",
                        values,
                        f"Group {gid} is on {schedule[gid][d]} on {day} with "
                        f"{int(rules.min_members) - short} members present; the rules ask for "
                        f"{rules.min_members}, and no reserve or off-duty neighbour is free.",
                    )
                )
    return out
