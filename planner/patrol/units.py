"""Patrol units: how a group on shift splits into pairs, when it patrols whole, and its vehicles.

A group on a shift works as units (PRACTICE.md): pairs by default (二人一组; ``[units] size``),
each with its own route, crew and vehicles. The members are the group's own who are not on
leave that day, and the fill-ins the roster lends it (reserves, members of an off-duty
neighbour group); an odd member joins the last unit. In a ``[[units.together]]`` window of the
shift the whole group is one unit: its pairs wait at the base (a break of kind
``"together"``) while the group's unit patrols, on foot if the window says so.

Each unit's time on shift is its time budget (``[shift_time]``): the handover at the base at
the start and the end; the meal breaks of the shift template, at the base; on a night with a
``rest`` window, one rest per unit at the base, the units of the shift one after the other so
the street is never left without a patrol (a lone unit takes none); the rest is street time, of
which ``reserve_share`` stays unplanned for calls.

:func:`assign_vehicles` then gives every member riding a bicycle, e-bike or motorcycle a
vehicle of the pool for the unit's whole time, never more of a kind at once than the pool holds,
and a motorcycle only to a member with the licence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from planner.exceptions import PlanInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.patrol.inputs import PatrolGroup
    from planner.patrol.rules_file import RulesFile, ShiftTemplate
    from planner.patrol.teams import Teams

LICENSED_MODES = ("motorcycle",)
"""Travel modes a member may ride only with a licence for it."""

ON_FOOT = "foot"
"""The travel mode that takes no vehicle."""


@dataclass(frozen=True, slots=True)
class UnitBreak:
    """A break of a unit at its base, in seconds from local midnight of the shift's date.

    ``kind`` is ``"meal"``, ``"rest"`` (a night's rest, taken in turns) or ``"together"``
    (the pair waits while the whole group patrols as one unit).
    """

    kind: str
    earliest: int
    latest: int
    duration: int


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit on one shift: who, how they move, from where, when, and their breaks.

    Attributes
    ----------
    id
        Unit id, unique in its shift: ``"A-1"``, ``"A-2"`` for group A's pairs, ``"A"`` for the
        whole group in a together window.
    group_id
        The group the unit belongs to.
    members
        Member ids (fill-ins included).
    mode
        Travel mode.
    base_post
        The post its route starts and ends at.
    start_s, end_s
        The unit's time on shift, seconds from local midnight of the shift's date.
    handover_s
        Seconds at the base at the start and at the end (sign in, hand over).
    breaks
        The unit's breaks, in order.
    kind
        ``"pair"`` (the usual unit) or ``"group"`` (the whole group).
    vehicles
        One vehicle id per member riding one (:func:`assign_vehicles`), in member order.
    breaks_taken_s
        Seconds of breaks already taken and so not in ``breaks`` (a unit re-planned mid-shift):
        they are no street time either.
    """

    id: str
    group_id: str
    members: tuple[str, ...]
    mode: str
    base_post: str
    start_s: int
    end_s: int
    handover_s: int
    breaks: tuple[UnitBreak, ...] = ()
    kind: str = "pair"
    vehicles: tuple[str, ...] = ()
    breaks_taken_s: int = 0

    @property
    def street_s(self) -> int:
        """Seconds on the street: the unit's time without the handovers and the breaks."""
        breaks = self.breaks_taken_s + sum(b.duration for b in self.breaks)
        return self.end_s - self.start_s - 2 * self.handover_s - breaks


def present_members(
    group: PatrolGroup,
    day: date,
    rules: RulesFile,
    fill_ins: Sequence[str] = (),
) -> list[str]:
    """Return the members of ``group`` at work on ``day``: its own not on leave, then fill-ins."""
    away = {lv.member for lv in rules.leave if lv.first <= day <= lv.last}
    own = [m for m in group.members if m not in away]
    return own + [m for m in fill_ins if m not in own and m not in away]


def split(members: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """Split members into units of ``size``; the odd ones out join the last unit."""
    if not members:
        return []
    count = max(len(members) // size, 1)
    units = [list(members[k * size : (k + 1) * size]) for k in range(count)]
    units[-1].extend(members[count * size :])
    return [tuple(u) for u in units]


def shift_units(
    template: ShiftTemplate,
    crews: Sequence[tuple[PatrolGroup, Sequence[str]]],
    rules: RulesFile,
) -> list[Unit]:
    """Return the units of one shift of one day.

    Parameters
    ----------
    template
        The shift template (rules file).
    crews
        The groups on duty with the members present (:func:`present_members`).
    rules
        The rules file: unit size, together windows, the shift time budget.

    Returns
    -------
    list of Unit
        The pairs of every group, then one whole-group unit per together window, without
        vehicles yet.
    """
    st = rules.shift_time
    start, end = template.start * 60, (template.start + template.minutes) * 60
    handover = st.handover_minutes * 60
    meals = [UnitBreak("meal", lo * 60, hi * 60, st.meal_minutes * 60) for lo, hi in template.meals]
    windows = [t for t in rules.together if t.shift == template.id]
    pairs: list[Unit] = []
    wholes: list[Unit] = []
    for group, members in crews:
        parts = split(members, st.unit_size)
        waits = [
            UnitBreak("together", t.start * 60, t.start * 60, (t.end - t.start) * 60)
            for t in windows
        ]
        for k, crew in enumerate(parts, start=1):
            uid = f"{group.id}-{k}" if len(parts) > 1 else group.id
            pairs.append(
                Unit(
                    uid,
                    group.id,
                    crew,
                    group.mode,
                    group.base_post,
                    start,
                    end,
                    handover,
                    tuple(sorted([*meals, *waits], key=lambda b: b.earliest)),
                )
            )
        for j, t in enumerate(windows, start=1):
            suffix = "" if len(windows) == 1 else f"-{j}"
            wholes.append(
                Unit(
                    f"{group.id}-all{suffix}",
                    group.id,
                    tuple(members),
                    t.mode or group.mode,
                    group.base_post,
                    t.start * 60,
                    t.end * 60,
                    0,
                    (),
                    "group",
                )
            )
    if template.rest is not None and len(pairs) > 1:
        lo, hi = (x * 60 for x in template.rest)
        length = st.rest_minutes * 60
        slots = max((hi - lo) // length, 1)
        pairs = [
            replace(
                u,
                breaks=tuple(
                    sorted([*u.breaks, UnitBreak("rest", at, at, length)], key=lambda b: b.earliest)
                ),
            )
            for k, u in enumerate(pairs)
            for at in [lo + (k % slots) * length]
        ]
    return pairs + wholes


def assign_vehicles(
    shifts: Sequence[tuple[date, Sequence[Unit]]], teams: Teams
) -> list[tuple[date, list[Unit]]]:
    """Give every member riding a vehicle one from the pool for the unit's whole time.

    Vehicles of a kind are taken in the pool's order; a vehicle is free again when its unit's
    time ends. A unit on foot takes none; a whole-group unit riding the group's own kind of
    vehicle keeps the vehicles its members' pairs hold.

    Parameters
    ----------
    shifts
        Per shift, its date and its units.
    teams
        The team: the vehicle pool and the members' licences.

    Returns
    -------
    list
        The same shifts with ``vehicles`` filled in.

    Raises
    ------
    PlanInputError
        When a member would ride a motorcycle without a licence, or more vehicles of a kind
        would be in use at once than the pool holds (one sentence naming the unit and time).
    """
    pool: dict[str, list[str]] = {}
    for v in teams.vehicles:
        pool.setdefault(v.mode, []).append(v.id)
    busy: dict[str, int] = {}  # vehicle id -> absolute second from which it is free again
    out: list[tuple[date, list[Unit]]] = []
    for day, units in shifts:
        base = day.toordinal() * 86400
        held: dict[tuple[str, str], str] = {}  # (member, mode) -> vehicle of its pair
        done = []
        order = sorted(units, key=lambda u: (u.kind == "group", u.start_s, u.id))
        for u in order:
            if u.mode == ON_FOOT:
                done.append(u)
                continue
            _check_licences(u, day, teams)
            kept = [held.get((m, u.mode)) for m in u.members]
            if u.kind == "group" and all(kept):
                done.append(replace(u, vehicles=tuple(v for v in kept if v)))
                continue
            start, end = base + u.start_s, base + u.end_s
            free = [v for v in pool.get(u.mode, []) if busy.get(v, -1) <= start]
            if len(free) < len(u.members):
                at = day + timedelta(seconds=u.start_s)
                msg = (
                    f"Unit {u.id} of group {u.group_id} needs {len(u.members)} {u.mode}s from "
                    f"{at:%Y-%m-%d %H:%M}, but only {len(free)} of the pool's "
                    f"{len(pool.get(u.mode, []))} are free then; add vehicles to teams.toml or "
                    "give a group another travel mode."
                )
                raise PlanInputError(msg)
            taken = free[: len(u.members)]
            for m, vid in zip(u.members, taken, strict=True):
                busy[vid] = end
                held[(m, u.mode)] = vid
            done.append(replace(u, vehicles=tuple(taken)))
        out.append((day, sorted(done, key=lambda u: (u.kind == "group", u.id))))
    return out


def _check_licences(unit: Unit, day: date, teams: Teams) -> None:
    if unit.mode not in LICENSED_MODES:
        return
    for m in unit.members:
        member = teams.members.get(m)
        if member is None or unit.mode not in member.licences:
            msg = (
                f"Unit {unit.id} of group {unit.group_id} rides {unit.mode}s on {day}, but member "
                f"{m} holds no {unit.mode} licence; give the group another travel mode or a "
                "licensed crew."
            )
            raise PlanInputError(msg)
