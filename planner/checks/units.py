"""Independent checks of a plan's units: crews, vehicles and how each shift's time is spent.

Recomputed from plan.json, the rules file's text and teams.toml's table alone
(:class:`planner.checks.rules_reading.RawRules`), with travel times from the street network:

``units``
    Every member of a unit is at work that day: a member of its group not on leave, or a
    fill-in the roster lent it (a reserve, or a member of an off-duty neighbour group); every
    member at work of a group on shift is in one of its units; a member is never in two units
    at once (a pair waits at the base while its whole group patrols); a unit has at least the
    rules' unit size, fewer only when its group has fewer members at work.
``vehicles``
    A unit's members each ride a vehicle of the pool of the unit's travel mode (none on foot),
    no vehicle is ridden by two members at once, never more vehicles of a kind are in use than
    the pool holds, and a motorcycle only by a member with the licence.
``shift_time``
    Each unit signs in at its base for the handover at the start and the end; takes every meal
    break of its shift at the base, each starting in its window and as long as the rules say;
    on a night with a rest window each pair rests at the base in it, never every unit at once;
    leaves at least ``reserve_share`` of its street time unplanned (travel, visits and alley
    rides are planned time, waiting is not); and signs in at no more than ``max_checkpoints``
    checkpoints per 12 hours.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from planner.checks.rules_reading import RawRules
    from planner.plan.document import PlanDocument, Route

TOLERANCE_S = 60
"""Rounding allowed when comparing planned seconds with a share of a unit's time."""


def _label(r: Route) -> str:
    return f"unit {r.unit_id or r.group_id} on {r.date} shift {r.shift_id}"


def _present(rules: RawRules, doc: PlanDocument, group: str, day: str, shift: str = "") -> set[str]:
    when = date.fromisoformat(day)
    if not group:  # reserves called in as a unit of their own: the rules file's reserves
        called = {
            m
            for c in doc.roster.call_ins
            if not c.group_id and c.date == day and c.shift_id == shift
            for m in c.members
        }
        return {m for m in called if m in rules.reserves and (m, when) not in rules.leave}
    own = {m for m in rules.groups.get(group, []) if (m, when) not in rules.leave}
    lent = {f.member_id for f in doc.roster.fill_ins if f.group_id == group and f.date == day}
    return own | {m for m in lent if (m, when) not in rules.leave}


def check_units(doc: PlanDocument, rules: RawRules) -> list[str]:
    """Return the crew rules the plan's units break, one sentence each."""
    bad: list[str] = []
    owner = {m: g for g, ms in rules.groups.items() for m in ms}
    for f in doc.roster.fill_ins:
        d = doc.dates().index(date.fromisoformat(f.date))
        home = owner.get(f.member_id)
        if home is None and f.member_id not in rules.reserves:
            bad.append(
                f"{f.member_id} fills in for group {f.group_id} on {f.date} but is neither a "
                "reserve nor a member of a group."
            )
        elif home is not None:
            neighbour = home in rules.neighbours.get(f.group_id, [])
            if not neighbour or doc.roster.schedule.get(home, (None,) * doc.days)[d] is not None:
                bad.append(
                    f"{f.member_id} fills in for group {f.group_id} on {f.date}, but group {home} "
                    "is no off-duty neighbour that day."
                )
    whole_leave = {(lv.group_id, lv.date) for lv in doc.roster.leave if lv.member_id is None}
    shifts: dict[tuple[str, str, str], list[Route]] = {}
    for r in doc.routes:
        if not r.unit_id or r.unit_kind == "grid":
            continue  # a plan made before units
        shifts.setdefault((r.group_id, r.date, r.shift_id), []).append(r)
    for (group, day, sid), routes in sorted(shifts.items()):
        present = _present(rules, doc, group, day, sid)
        seen: dict[str, list[Route]] = {}
        for r in routes:
            for m in r.members:
                if m not in present:
                    bad.append(
                        f"{m} is in {_label(r)}, but is not at work for "
                        + (f"group {group} that day." if group else "the reserves called in.")
                    )
                seen.setdefault(m, []).append(r)
            if len(r.members) < min(rules.unit_size, len(present)):
                bad.append(
                    f"The {_label(r)} has {len(r.members)} members; units are of {rules.unit_size}."
                )
        if (group, day) not in whole_leave:
            for m in sorted(present - set(seen)):
                who = f"group {group}" if group else "the reserves called in"
                bad.append(f"{m} is at work for {who} on {day} shift {sid} but in no unit.")
        for m, rs in seen.items():
            pairs = [r for r in rs if r.unit_kind != "group"]
            if len(pairs) > 1:
                bad.append(f"{m} is in {len(pairs)} units at once on {day} shift {sid}.")
            for whole in (r for r in rs if r.unit_kind == "group"):
                for p in pairs:
                    waits = [s for s in p.stops if s.kind == "break" and s.site_id == "together"]
                    if not any(
                        s.start <= whole.start_s and s.departure >= whole.end_s for s in waits
                    ):
                        bad.append(
                            f"{m} patrols with {_label(p)} while the whole group patrols "
                            f"({_label(whole)})."
                        )
    return bad


def _intervals(doc: PlanDocument) -> list[tuple[int, int, Route]]:
    out = []
    for r in doc.routes:
        base = date.fromisoformat(r.date).toordinal() * 86400
        out.append((base + r.start_s, base + r.end_s, r))
    return out


def check_vehicles(doc: PlanDocument, rules: RawRules) -> list[str]:
    """Return the vehicle rules the plan breaks, one sentence each."""
    bad: list[str] = []
    holds: dict[str, list[tuple[int, int, str, Route]]] = {}
    for lo, hi, r in _intervals(doc):
        if not r.unit_id or r.unit_kind == "grid":
            continue
        riders = r.members if r.mode != "foot" else ()
        if len(r.vehicles) != len(riders):
            bad.append(
                f"The {_label(r)} rides {r.mode}s with {len(riders)} members but "
                f"{len(r.vehicles)} vehicles."
            )
        for m, v in zip(riders, r.vehicles, strict=False):
            mode = rules.pool.get(v)
            if mode is None:
                bad.append(f"The {_label(r)} rides vehicle {v}, which is not in the pool.")
            elif mode != r.mode:
                bad.append(f"The {_label(r)} rides {r.mode}s but vehicle {v} is a {mode}.")
            if r.mode == "motorcycle" and "motorcycle" not in rules.licences(m):
                bad.append(
                    f"{m} rides a motorcycle in the {_label(r)} without a motorcycle licence."
                )
            holds.setdefault(v, []).append((lo, hi, m, r))
    for v, uses in sorted(holds.items()):
        uses.sort(key=lambda u: u[0])
        for (_a0, a1, ma, ra), (b0, _b1, mb, rb) in itertools.pairwise(uses):
            if b0 < a1 and ma != mb:
                bad.append(
                    f"Vehicle {v} is ridden by {ma} ({_label(ra)}) and {mb} ({_label(rb)}) at once."
                )
    pool: dict[str, int] = {}
    for mode in rules.pool.values():
        pool[mode] = pool.get(mode, 0) + 1
    peak = vehicles_peak(doc)
    for mode, n in sorted(peak.items()):
        if n > pool.get(mode, 0):
            bad.append(f"{n} {mode}s are in use at once, but the pool has {pool.get(mode, 0)}.")
    return bad


def vehicles_peak(doc: PlanDocument) -> dict[str, int]:
    """Return the most vehicles of each kind in use at once over the plan.

    Every member of a unit riding a vehicle holds one for the unit's whole time; a member's
    overlapping times (a pair and its whole group) count once.
    """
    held: dict[tuple[str, str], list[list[int]]] = {}
    for lo, hi, r in _intervals(doc):
        if r.mode == "foot" or not r.vehicles:
            continue
        for m in r.members:
            spans = held.setdefault((r.mode, m), [])
            for span in spans:
                if lo < span[1] and span[0] < hi:
                    span[0], span[1] = min(span[0], lo), max(span[1], hi)
                    break
            else:
                spans.append([lo, hi])
    events: dict[str, list[tuple[int, int]]] = {}
    for (mode, _m), spans in held.items():
        for lo, hi in spans:
            events.setdefault(mode, []).extend([(lo, 1), (hi, -1)])
    out = {}
    for mode, ev in events.items():
        level = top = 0
        for _t, step in sorted(ev):
            level += step
            top = max(top, level)
        out[mode] = top
    return out


def street_time(route: Route, handover_s: int) -> tuple[int, int]:
    """Return a route's street seconds and its planned seconds (travel and visits).

    Street time is the route's time without the handovers at the base (``handover_s`` at the
    start and at the end; none for a whole-group unit) and its breaks; planned time is every
    leg's travel (arrival minus the previous departure) and every stop's ``dwell``: a visit's,
    post's or inspection's stay and an alley's ride from one end to the other. Time spent
    waiting, at the base or on the street (before a stop's start, or after its dwell until
    its departure), is unplanned: the reserve for calls.
    """
    stops = route.stops
    handovers = 0 if route.unit_kind == "group" else 2 * handover_s
    breaks = sum(s.departure - s.start for s in stops if s.kind == "break")
    street = route.end_s - route.start_s - handovers - breaks
    planned = sum(b.arrival - a.departure for a, b in itertools.pairwise(stops))
    planned += sum(s.dwell for s in stops if s.kind not in ("base", "break"))
    return street, planned


def unplanned_share(route: Route, handover_s: int) -> float:
    """Return the share of a route's street time left unplanned (the reserve for calls)."""
    street, planned = street_time(route, handover_s)
    return 1.0 - planned / street if street > 0 else 0.0


def checkpoints(route: Route) -> int:
    """Return a route's checkpoint stops (visits, posts, inspections; not base, breaks, alleys)."""
    return sum(s.kind in ("visit", "fixed_post", "inspection") for s in route.stops)


def checkpoint_cap(route: Route, rules: RawRules) -> int:
    """Return the most checkpoints a route may have: ``max_checkpoints`` per 12 hours."""
    return math.ceil(rules.max_checkpoints * (route.end_s - route.start_s) / (12 * 3600))


def check_shift_time(doc: PlanDocument, rules: RawRules) -> list[str]:
    """Return the shift-time rules (handover, meals, rest, reserve, checkpoints) broken."""
    bad: list[str] = []
    cut = {(lv.group_id, lv.date) for lv in doc.roster.leave if lv.member_id is None}
    # A group called in mid-shift takes the meals whose windows are still open when its
    # handover is done, and the night's rest only when the rest window opens after that.
    called = {(c.group_id, c.date, c.shift_id): c.start_s for c in doc.roster.call_ins}
    nights: dict[tuple[str, str], list[Route]] = {}
    for r in doc.routes:
        if not r.unit_id or r.unit_kind == "grid":
            continue
        where = _label(r)
        first, last = r.stops[0], r.stops[-1]
        whole = r.unit_kind == "group"
        handover = 0 if whole else rules.handover
        if r.handover_s != handover:
            bad.append(
                f"The {where} has a handover of {r.handover_s // 60} min; the rules ask for "
                f"{handover // 60} min."
            )
        if first.start != r.start_s or first.dwell < handover:
            bad.append(f"The {where} does not start with {handover // 60} min at its base.")
        called_away = (r.group_id, r.date) in cut
        if not called_away and (
            last.kind != "base" or last.departure != r.end_s or last.dwell < handover
        ):
            bad.append(f"The {where} does not end with {handover // 60} min at its base.")
        template = rules.templates.get(r.shift_id)
        if template is None or called_away:  # a unit called away stops when it is called
            continue
        if not whole and not called_away:
            meals = [s for s in r.stops if s.kind == "break" and s.site_id == "meal"]
            due = list(template.meals)
            came = called.get((r.group_id, r.date, r.shift_id))
            if came is not None:
                due = [(lo, hi) for lo, hi in due if hi * 60 >= came + handover]
            if len(meals) != len(due):
                bad.append(
                    f"The {where} has {len(meals)} meal breaks; the shift has {len(due)}"
                    + (" after its call-in." if came is not None else ".")
                )
            for s, (lo, hi) in zip(sorted(meals, key=lambda s: s.start), due, strict=False):
                if not lo * 60 <= s.start <= hi * 60 or s.departure - s.start < rules.meal:
                    bad.append(
                        f"The {where} takes a meal break at "
                        f"{s.start // 3600 % 24:02d}:{s.start // 60 % 60:02d} outside its window "
                        f"or shorter than {rules.meal // 60} min."
                    )
            if template.rest is not None and (
                came is None or template.rest[0] * 60 >= came + handover
            ):
                nights.setdefault((r.date, r.shift_id), []).append(r)
        share = unplanned_share(r, rules.handover)
        street, planned = street_time(r, rules.handover)
        if planned > (1.0 - rules.reserve) * street + TOLERANCE_S:
            bad.append(
                f"The {where} leaves {share:.0%} of its street time unplanned; the rules keep "
                f"{rules.reserve:.0%} for calls."
            )
        if checkpoints(r) > checkpoint_cap(r, rules):
            bad.append(
                f"The {where} has {checkpoints(r)} checkpoint stops, more than "
                f"{checkpoint_cap(r, rules)}."
            )
    for (day, sid), routes in sorted(nights.items()):
        template = rules.templates[sid]
        assert template.rest is not None
        lo, hi = (x * 60 for x in template.rest)
        if len(routes) < 2:
            continue
        rests = []
        for r in routes:
            got = [s for s in r.stops if s.kind == "break" and s.site_id == "rest"]
            if (
                len(got) != 1
                or not lo <= got[0].start <= hi
                or got[0].departure - got[0].start < rules.rest_length
            ):
                bad.append(
                    f"The {_label(r)} does not rest {rules.rest_length // 60} min at its base in "
                    "the night's rest window."
                )
                continue
            rests.append((got[0].start, got[0].departure))
        if rests and len(rests) == len(routes):
            latest_start = max(a for a, _ in rests)
            earliest_end = min(b for _, b in rests)
            if latest_start < earliest_end:
                bad.append(
                    f"Every unit of {day} shift {sid} rests at once, leaving the street empty."
                )
    return bad


def check_grid_people(doc: PlanDocument, teams: Mapping[str, Any]) -> list[str]:
    """Return the rules grid members' and volunteers' routes break, one sentence each.

    Each such route is one person of teams.toml's ``[[grid_members]]``, inside one of their
    duty periods that day, on foot, and its places lie in their grid or near it.
    """
    people = {str(p.get("id")): p for p in teams.get("grid_members", []) or []}
    bad: list[str] = []
    if not any(r.unit_kind == "grid" for r in doc.routes):
        return bad
    from geodata.duty_hours import parse_duty_hours

    for r in doc.routes:
        if r.unit_kind != "grid":
            continue
        where = _label(r)
        if len(r.members) != 1 or r.members[0] not in people:
            bad.append(f"The {where} is not one grid member or volunteer of teams.toml.")
            continue
        if r.mode != "foot" or r.vehicles:
            bad.append(f"The {where} does not walk.")
        person = people[r.members[0]]
        day = date.fromisoformat(r.date).weekday()
        periods = [parse_duty_hours(h) for h in person.get("hours", [])]
        inside = any(
            day in days and lo * 60 <= r.start_s and r.end_s <= hi * 60 for days, lo, hi in periods
        )
        if not inside:
            bad.append(f"The {where} runs outside {r.members[0]}'s duty hours.")
    return bad
