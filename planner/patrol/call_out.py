"""Call-outs: which off-duty group may be called in when a group is called away mid-shift.

PRACTICE.md: the captain handles call-aways. When the group on a shift is called away and no
other group is on duty, the re-plan (:func:`planner.patrol.replan.replan`) calls in an
off-duty group for the rest of the shift, within the rules file's rest rules:

- ``min_rest_hours`` between the end of the group's last shift and the call-out, and between
  the call-out's end and its next shift; ``rest_after_night_hours`` after a night before a day
  call-out (a group just off a night is never called), and after a night call-out before a day
  shift;
- ``max_nights_in_row`` (a night call-out counts as a night) and ``max_days_in_row``;
- ``[call_out] max_hours_in_7_days``: its hours in the 7 days up to the end of the call-out;
- enough members at work (not on leave) for a unit, and vehicles of its travel mode free in
  the pool for the call-out's time (the group called away keeps its own).

Of the groups that may be called, the one rested longest goes, then the one with fewest
hours in the 7 days. Every group that may not be called is given with the reason, so the
re-plan's summary says who was called and why the others were not. The group is at its base
``[call_out] turn_out_minutes`` after the call and works until the shift's end.

When no group may come, the reserves (备勤, the rules file's ``[crew] reserves``) are called
in as a unit of their own (:func:`judge_reserve`, :func:`reserve_units`): the same rules per
person, their shifts being those of the groups they were lent to and earlier call-ins.

Rest reaches back before the plan's first day: the days its roster carried in from the roster
in force (``roster.carry_in`` of the plan document) count as shifts worked, and the
independent checker (:mod:`planner.checks.plan_roster`) reads the same record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, TypeAlias

from planner.plan.document import clock

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.patrol.inputs import PatrolGroup, PlanInputs
    from planner.patrol.rules_file import RulesFile
    from planner.patrol.units import Unit
    from planner.plan.document import PlanDocument, Route


@dataclass(frozen=True, slots=True)
class CallOutChoice:
    """Whether one off-duty group may be called in, and why (in English and Chinese).

    Attributes
    ----------
    group_id
        The group.
    ok
        True when the rules allow calling it.
    reason, reason_zh
        The reason in words: its rest and hours when it may be called, the rule it would break
        when not.
    rest_s
        Seconds since the end of its last shift in the plan (large when none is known).
    hours_s
        Seconds of work in the 7 days up to the end of the call-out, the call-out included.
    """

    group_id: str
    ok: bool
    reason: str
    reason_zh: str
    rest_s: int = 0
    hours_s: int = 0


def _shift_span(doc: PlanDocument, d: int, sid: str) -> tuple[int, int, bool]:
    t = doc.roster.shift(sid)
    start = d * 86400 + t.start_minute * 60
    return start, start + t.duration_minutes * 60, t.night


def _carried(doc: PlanDocument) -> tuple[int, dict[str, tuple[str | None, ...]]]:
    """Return the day index of the first day carried in (negative) and its schedule."""
    carry = doc.roster.carry_in
    if carry is None:
        return 0, {}
    return (date.fromisoformat(carry.start) - doc.start_date).days, carry.schedule


def _spans(doc: PlanDocument, group_id: str) -> list[tuple[int, int, bool]]:
    """Return the group's worked shifts and earlier call-ins as (start, end, night), seconds.

    The days before the plan that its roster carried in (``roster.carry_in``) count too, so
    a group off a night just before the plan's first day is seen resting.
    """
    origin = doc.start_date.toordinal()
    first, carried = _carried(doc)
    out = [
        _shift_span(doc, first + d, sid)
        for d, sid in enumerate(carried.get(group_id, ()))
        if sid is not None
    ]
    for d, sid in enumerate(doc.roster.schedule.get(group_id, ())):
        if sid is not None:
            out.append(_shift_span(doc, d, sid))
    for ci in doc.roster.call_ins:
        if ci.group_id == group_id:
            base = (date.fromisoformat(ci.date).toordinal() - origin) * 86400
            out.append((base + ci.start_s, base + ci.end_s, doc.roster.shift(ci.shift_id).night))
    return sorted(out)


def member_spans(doc: PlanDocument, member_id: str) -> list[tuple[int, int, bool]]:
    """Return a reserve's worked time as (start, end, night), seconds from the plan's start.

    A reserve belongs to no group: it works the shifts of the groups it is lent to (fill-ins,
    those of the days carried in included) and the call-ins it was called to.
    """
    origin = doc.start_date.toordinal()
    first, carried = _carried(doc)
    out = []
    loans = [(f, doc.roster.schedule) for f in doc.roster.fill_ins]
    if doc.roster.carry_in is not None:
        loans += [(f, carried) for f in doc.roster.carry_in.fill_ins]
    for f, schedule in loans:
        if f.member_id != member_id:
            continue
        d = date.fromisoformat(f.date).toordinal() - origin
        row = schedule.get(f.group_id, ())
        at = d - first if schedule is carried else d
        if 0 <= at < len(row) and (sid := row[at]) is not None:
            out.append(_shift_span(doc, d, sid))
    for ci in doc.roster.call_ins:
        if member_id in ci.members:
            base = (date.fromisoformat(ci.date).toordinal() - origin) * 86400
            out.append((base + ci.start_s, base + ci.end_s, doc.roster.shift(ci.shift_id).night))
    return sorted(out)


def _hours(h: float) -> str:
    return f"{h:.1f}".rstrip("0").rstrip(".")


Rule: TypeAlias = "tuple[str, Mapping[str, str | int]]"
"""A rule a call-out breaks: its text key in the catalogue and the text's values."""


def _say(rule: Rule, lang: str) -> str:
    from planner import texts

    return texts.text(rule[0], lang, **rule[1])


def _rest_rules(
    rules: RulesFile,
    spans: Sequence[tuple[int, int, bool]],
    night: bool,
    d: int,
    a: int,
    b: int,
) -> tuple[Rule | None, int, int, bool]:
    """Judge a call-out from ``a`` to ``b`` (seconds from the plan's start) against ``spans``.

    Returns the rule broken (None when none), the rest before it (seconds, large when no
    earlier shift is known), its hours in the 7 days, and whether an earlier shift is known.
    """
    if any(s < b and a < e for s, e, _ in spans):
        return ("co_rule_overlap", {}), 0, 0, True
    before = [(s, e, n) for s, e, n in spans if e <= a]
    after = [(s, e, n) for s, e, n in spans if s >= b]
    min_rest = (rules.min_rest_minutes or 0) * 60
    after_night = (rules.rest_after_night_minutes or 0) * 60
    rest_s = 10**9
    if before:
        _, e, was_night = before[-1]
        rest_s = a - e
        need = max(min_rest, after_night) if was_night and not night else min_rest
        if rest_s < need:
            key = "co_rule_rest_night" if was_night else "co_rule_rest_shift"
            gap = {"gap": _hours(rest_s / 3600), "need": _hours(need / 3600)}
            return (key, gap), rest_s, 0, True
    if after:
        s, _, next_night = after[0]
        need = max(min_rest, after_night) if night and not next_night else min_rest
        if s - b < need:
            gap = {"gap": _hours((s - b) / 3600), "need": _hours(need / 3600)}
            return ("co_rule_rest_next", gap), rest_s, 0, bool(before)
    days = {s // 86400 for s, _, _ in spans}
    nights = {s // 86400 for s, _, n in spans if n}
    for limit, marked, key in (
        (rules.max_nights_in_row, nights if night else None, "co_rule_nights_in_row"),
        (rules.max_days_in_row, days, "co_rule_days_in_row"),
    ):
        if limit is None or marked is None:
            continue
        run = 1
        k = d - 1
        while k in marked:
            run, k = run + 1, k - 1
        k = d + 1
        while k in marked:
            run, k = run + 1, k + 1
        if run > limit:
            return (key, {"run": run, "limit": limit}), rest_s, 0, bool(before)
    week = sum(max(0, min(e, b) - max(s, b - 7 * 86400)) for s, e, _ in spans) + (b - a)
    most = rules.call_out_max_minutes
    if most is not None and week > most * 60:
        hours = {"hours": _hours(week / 3600), "limit": _hours(most / 60)}
        return ("co_rule_week", hours), rest_s, week, bool(before)
    return None, rest_s, week, bool(before)


@dataclass(frozen=True, slots=True)
class _Called:
    """Who a call-out would bring in, a group or a reserve, as its texts name it.

    ``kind`` picks the texts (``co_group_*`` or ``co_reserve_*``); ``names`` are their values
    naming who (``{"group": id}`` or ``{"name": name}``).
    """

    id: str
    kind: str
    names: Mapping[str, str]

    def refused(self, rule: Rule) -> CallOutChoice:
        """Return the choice that it may not be called, for breaking ``rule``."""
        en, zh = (
            _say((f"co_{self.kind}_not", {**self.names, "why": _say(rule, lang)}), lang)
            for lang in ("en", "zh")
        )
        return CallOutChoice(self.id, False, en, zh)

    def judged(
        self,
        rules: RulesFile,
        spans: Sequence[tuple[int, int, bool]],
        night: bool,
        d: int,
        call: tuple[int, int],
    ) -> CallOutChoice:
        """Judge the rest rules for a call-out on day ``d`` from ``call[0]`` to ``call[1]``.

        ``spans`` are its worked time (seconds from the plan's start) and ``call`` the
        call-out's start and end, seconds from local midnight of its day.
        """
        a, b = d * 86400 + call[0], d * 86400 + call[1]
        broken, rest_s, week, known = _rest_rules(rules, spans, night, d, a, b)
        if broken is not None:
            return self.refused(broken)
        key = f"co_{self.kind}_ok" if known else f"co_{self.kind}_ok_fresh"
        values: dict[str, str | int] = {**self.names, "rest": _hours(rest_s / 3600)}
        values["hours"] = _hours(week / 3600)
        say = (key, values)
        return CallOutChoice(self.id, True, _say(say, "en"), _say(say, "zh"), rest_s, week)


def judge_group(
    doc: PlanDocument,
    inputs: PlanInputs,
    group_id: str,
    day: str,
    shift_id: str,
    start_s: int,
    end_s: int,
) -> CallOutChoice:
    """Say whether the rest rules allow calling ``group_id`` in from ``start_s`` to ``end_s``.

    Parameters
    ----------
    doc
        The plan (its schedule, earlier call-ins and the days it carried in).
    inputs
        The district's inputs (the planner's reading of the rules file).
    group_id
        The off-duty group.
    day, shift_id
        The shift of the call-out (ISO date of the shift's start).
    start_s, end_s
        The call-out's time, seconds from local midnight of ``day``.

    Returns
    -------
    CallOutChoice
        Allowed or not, with the reason.
    """
    night = doc.roster.shift(shift_id).night
    d = (date.fromisoformat(day) - doc.start_date).days
    row = doc.roster.schedule.get(group_id, ())
    who = _Called(group_id, "group", {"group": group_id})
    if 0 <= d < len(row) and row[d] is not None:
        return who.refused(("co_rule_on_duty", {}))
    if any(lv.group_id == group_id and lv.member_id is None and lv.date == day
           for lv in doc.roster.leave):  # fmt: skip
        return who.refused(("co_rule_group_away", {}))
    return who.judged(inputs.rules, _spans(doc, group_id), night, d, (start_s, end_s))


def judge_reserve(
    doc: PlanDocument,
    inputs: PlanInputs,
    member_id: str,
    day: str,
    shift_id: str,
    start_s: int,
    end_s: int,
) -> CallOutChoice:
    """Say whether the rest rules allow calling the reserve ``member_id`` in, per person.

    Like :func:`judge_group`, for one reserve: not on leave that day, not lent to a group on
    that shift, and rested after its own shifts (the days it was lent, those carried in from
    before the plan included) and earlier call-ins; its ``group_id`` is the member's id.
    """
    night = doc.roster.shift(shift_id).night
    when = date.fromisoformat(day)
    d = (when - doc.start_date).days
    who = _Called(member_id, "reserve", {"name": doc.roster.member_name(member_id)})
    if any(lv.member == member_id and lv.first <= when <= lv.last for lv in inputs.rules.leave):
        return who.refused(("co_rule_leave", {}))
    return who.judged(inputs.rules, member_spans(doc, member_id), night, d, (start_s, end_s))


def call_out_units(
    inputs: PlanInputs,
    group: PatrolGroup,
    day: str,
    shift_id: str,
    start_s: int,
    busy: Sequence[Route],
    away: str,
) -> tuple[list[Unit], tuple[str, str]]:
    """Return the units of ``group`` called in from ``start_s`` to the shift's end.

    The units are the group's as a plan would make them that day (pairs, the whole group in a
    together window), starting at ``start_s`` at the base: the meal breaks whose window is
    still open (starting no earlier than the handover's end), the night's rest only when its
    window opens after the handover, and whole-group windows that begin after it.

    Parameters
    ----------
    inputs
        The district's inputs.
    group
        The group called in.
    day, shift_id
        The shift.
    start_s
        When the group is at its base, seconds from local midnight of ``day``.
    busy
        The plan's routes: those that overlap the call-out hold their vehicles.
    away
        The group called away: its vehicles go with it.

    Returns
    -------
    tuple
        The units with vehicles, and empty texts; or no units and why (English, Chinese), when the
        group has too few members at work or the pool too few free vehicles.
    """
    from planner.patrol.units import (
        LICENSED_MODES,
        ON_FOOT,
        UnitBreak,
        present_members,
        shift_units,
    )

    rules = inputs.rules
    template = rules.shift(shift_id)
    when = date.fromisoformat(day)
    members = present_members(group, when, rules)
    if len(members) < rules.shift_time.unit_size:
        return [], _both(("co_short_members", {"group": group.id, "n": len(members)}))
    units = shift_units(template, [(group, members)], rules)
    handover = rules.shift_time.handover_minutes * 60
    lo = start_s + handover
    rest_open = template.rest is not None and template.rest[0] * 60 >= lo
    out = []
    for u in units:
        if u.kind == "group":
            if u.start_s >= lo:
                out.append(u)
            continue
        breaks = []
        for b in u.breaks:
            if b.kind == "rest" and not rest_open:
                continue
            if b.kind == "meal" and b.latest >= lo:
                breaks.append(UnitBreak(b.kind, max(b.earliest, lo), b.latest, b.duration))
            elif b.kind != "meal" and b.earliest >= lo:
                breaks.append(b)
        out.append(replace(u, start_s=start_s, breaks=tuple(breaks)))
    # Vehicles: the pool's vehicles of the mode not held by any route overlapping the call-out.
    end = (template.start + template.minutes) * 60
    base = when.toordinal() * 86400
    held: set[str] = set()
    for r in busy:
        r0 = date.fromisoformat(r.date).toordinal() * 86400
        overlaps = r0 + r.start_s < base + end and base + start_s < r0 + r.end_s
        if overlaps or (r.group_id == away and r.date == day):
            held.update(r.vehicles)
    done = []
    taken: dict[tuple[str, str], str] = {}
    for u in sorted(out, key=lambda u: (u.kind == "group", u.id)):
        if u.mode == ON_FOOT:
            done.append(u)
            continue
        if u.mode in LICENSED_MODES:
            for m in u.members:
                member = inputs.teams.members.get(m)
                if member is None or u.mode not in member.licences:
                    licence = {"member": m, "group": group.id, "mode": u.mode}
                    return [], _both(("co_no_licence", licence))
        kept = [taken.get((m, u.mode)) for m in u.members]
        if u.kind == "group" and all(kept):
            done.append(replace(u, vehicles=tuple(v for v in kept if v)))
            continue
        free = [
            v.id
            for v in inputs.teams.vehicles
            if v.mode == u.mode and v.id not in held and v.id not in taken.values()
        ]
        if len(free) < len(u.members):
            short: dict[str, str | int] = {"group": group.id, "n": len(u.members)}
            short |= {"mode": u.mode, "unit": u.id, "start": clock(start_s), "free": len(free)}
            return [], _both(("co_few_vehicles", short))
        for m, vid in zip(u.members, free, strict=False):
            taken[(m, u.mode)] = vid
        done.append(replace(u, vehicles=tuple(free[: len(u.members)])))
    return done, ("", "")


def _both(rule: Rule) -> tuple[str, str]:
    """Return a rule's text in English and Chinese."""
    return _say(rule, "en"), _say(rule, "zh")


def turn_out_start(inputs: PlanInputs, t_rel: int, shift_start_s: int) -> int:
    """Return when a group called at ``t_rel`` is at its base (seconds from the shift's date)."""
    return max(t_rel + inputs.rules.turn_out_minutes * 60, shift_start_s)


RESERVE_UNIT = "reserve"
"""The id the units of reserves called in are named after (``reserve``, ``reserve-1``...)."""


def reserve_units(
    inputs: PlanInputs,
    members: Sequence[str],
    away: PatrolGroup,
    day: str,
    shift_id: str,
    start_s: int,
    busy: Sequence[Route],
) -> tuple[list[Unit], tuple[str, str]]:
    """Return the units of reserves called in for group ``away``, as a unit of their own.

    They start from the base of the group called away and take its travel mode when enough
    of its vehicles are free, else the first other mode of the pool they can all ride
    (a motorcycle only when all hold the licence). Their units belong to no group
    (:data:`planner.plan.document.RESERVE_GROUP`).

    Returns
    -------
    tuple
        The units with vehicles and empty texts; or no units and why (English, Chinese).
    """
    from planner.patrol.inputs import PatrolGroup
    from planner.plan.document import RESERVE_GROUP

    modes = [away.mode, *sorted({v.mode for v in inputs.teams.vehicles} - {away.mode})]
    trouble = ("", "")
    for mode in modes:
        crew = PatrolGroup(RESERVE_UNIT, "备勤", "Reserves", tuple(members), mode, away.base_post)
        units, trouble = call_out_units(inputs, crew, day, shift_id, start_s, busy, away.id)
        if units:
            return [replace(u, group_id=RESERVE_GROUP) for u in units], ("", "")
    return [], trouble
