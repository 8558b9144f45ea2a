"""Shift swaps in a plan's roster: what a swap changes, and which roster rule it breaks.

A *swap* moves one group's shift of one day: *giving* it to another group that is off that
day (the giver is off instead), or *swapping* it with another group's shift, on the same day
(the two groups trade shifts) or on another day (each takes the other's shift and is off on
its own day). The routes of a moved shift go with it to the group that takes it over: route
ids stay as they are, so the check-in codes printed for them stay valid; the route's crew
becomes the new group's members (those not on leave that day, in roll order, as many as the
route had).

The rules are checked on the swapped roster by the independent roster check
(:func:`planner.checks.plan_roster.roster_findings`), not by the roster model: a swap
*breaks* the rules it makes the plan break that the plan did not break before, and *mends*
those it stops breaking.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.checks.plan_roster import roster_findings
from planner.plan.document import Fairness, ValidationCheck

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from planner.checks.plan_roster import RosterFinding
    from planner.plan.document import PlanDocument, Route

SWAP_REASONS = (
    "unknown_group",
    "same_group",
    "outside",
    "mine_off",
    "other_busy",
    "other_off",
    "mine_busy",
    "same_shift",
)
"""Reason codes of :class:`SwapError`."""


class SwapError(ValueError):
    """A swap that cannot be made in this roster; ``reason`` is one of :data:`SWAP_REASONS`."""

    def __init__(self, reason: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.values = values


@dataclass(frozen=True, slots=True)
class Swap:
    """One group's shift of one day given to, or swapped with, another group.

    Attributes
    ----------
    group, day
        The group whose shift moves and the day it starts on.
    other
        The group that takes it over.
    other_day
        For a swap, the day of the other group's shift taken in return (the same day: the
        two trade shifts); None to give the shift away.
    """

    group: str
    day: date
    other: str
    other_day: date | None = None

    @property
    def kind(self) -> str:
        """``"give"`` or ``"swap"``."""
        return "give" if self.other_day is None else "swap"


@dataclass(frozen=True, slots=True)
class CellChange:
    """One cell of the roster a swap changes: a group's shift of a day, before and after."""

    group: str
    day: date
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class RouteMove:
    """A route that goes with its shift to another group, with its crew before and after."""

    route_id: str
    unit: str
    day: date
    shift: str
    from_group: str
    to_group: str
    members_before: tuple[str, ...]
    members_after: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SwapCheck:
    """What a swap changes and the roster rules it breaks or mends.

    Attributes
    ----------
    swap
        The swap.
    cells
        The roster cells it changes, in group and day order.
    routes
        The routes that change group.
    broken
        Rules the swapped roster breaks that the roster in force does not.
    mended
        Rules the roster in force breaks that the swapped one does not.
    fairness
        ``(before, after)`` of each group whose counts of shifts, nights, weekend and
        holiday shifts change.
    """

    swap: Swap
    cells: tuple[CellChange, ...]
    routes: tuple[RouteMove, ...]
    broken: tuple[RosterFinding, ...]
    mended: tuple[RosterFinding, ...]
    fairness: tuple[tuple[Fairness, Fairness], ...]

    @property
    def ok(self) -> bool:
        """Whether the swap breaks no roster rule the roster in force keeps."""
        return not self.broken


def _index(doc: PlanDocument, day: date) -> int:
    dates = doc.dates()
    if day not in dates:
        msg = f"{day} is not a day of this plan ({dates[0]} to {dates[-1]})."
        raise SwapError("outside", msg, day=day.isoformat())
    return dates.index(day)


def swap_cells(doc: PlanDocument, swap: Swap) -> list[CellChange]:
    """Return the roster cells a swap changes.

    Raises
    ------
    SwapError
        When a group is unknown or the same twice, a day lies outside the plan, the group is
        off on its day, the other group works when it should take the shift over, or a swap
        would trade a shift for the same shift.
    """
    schedule = doc.roster.schedule
    for gid in (swap.group, swap.other):
        if gid not in schedule:
            msg = f"The plan has no group {gid!r}."
            raise SwapError("unknown_group", msg, group=gid)
    if swap.group == swap.other:
        msg = "A shift is swapped with another group, not with its own."
        raise SwapError("same_group", msg, group=swap.group)
    d = _index(doc, swap.day)
    mine = schedule[swap.group][d]
    if mine is None:
        msg = f"Group {swap.group} is off on {swap.day}, so it has no shift to swap."
        raise SwapError("mine_off", msg, group=swap.group, day=swap.day.isoformat())
    if swap.other_day is None:
        theirs = schedule[swap.other][d]
        if theirs is not None:
            msg = f"Group {swap.other} works {theirs} on {swap.day}, so it cannot take it over."
            raise SwapError(
                "other_busy", msg, group=swap.other, day=swap.day.isoformat(), shift=theirs
            )
        return [
            CellChange(swap.group, swap.day, mine, None),
            CellChange(swap.other, swap.day, None, mine),
        ]
    e = _index(doc, swap.other_day)
    theirs = schedule[swap.other][e]
    if theirs is None:
        msg = f"Group {swap.other} is off on {swap.other_day}, so it has no shift to swap."
        raise SwapError("other_off", msg, group=swap.other, day=swap.other_day.isoformat())
    if d == e:
        if theirs == mine:
            msg = f"Groups {swap.group} and {swap.other} both work {mine} on {swap.day}."
            raise SwapError("same_shift", msg, shift=mine, day=swap.day.isoformat())
        return [
            CellChange(swap.group, swap.day, mine, theirs),
            CellChange(swap.other, swap.day, theirs, mine),
        ]
    if schedule[swap.group][e] is not None:
        busy = schedule[swap.group][e]
        msg = f"Group {swap.group} already works {busy} on {swap.other_day}."
        raise SwapError(
            "mine_busy", msg, group=swap.group, day=swap.other_day.isoformat(), shift=busy
        )
    if schedule[swap.other][d] is not None:
        busy = schedule[swap.other][d]
        msg = f"Group {swap.other} already works {busy} on {swap.day}."
        raise SwapError("other_busy", msg, group=swap.other, day=swap.day.isoformat(), shift=busy)
    return sorted(
        [
            CellChange(swap.group, swap.day, mine, None),
            CellChange(swap.group, swap.other_day, None, theirs),
            CellChange(swap.other, swap.day, None, mine),
            CellChange(swap.other, swap.other_day, theirs, None),
        ],
        key=lambda c: (c.group != swap.group, c.day),
    )


def _present(doc: PlanDocument, group: str, day: date) -> list[str]:
    """Return the members of ``group`` not on leave on ``day``, in roll order."""
    away = {lv.member_id for lv in doc.roster.leave if lv.group_id == group and lv.date == str(day)}
    if None in away:
        return []
    return [m.id for m in doc.roster.group(group).members if m.id not in away]


def _moves(doc: PlanDocument, cells: list[CellChange]) -> list[tuple[Route, RouteMove]]:
    """Return each route whose shift changes group, with its move."""
    taken = {(c.day, c.after): c.group for c in cells if c.after is not None}
    out = []
    for c in cells:
        if c.before is None:
            continue
        to = taken.get((c.day, c.before))
        if to is None:
            continue
        routes = [
            r
            for r in doc.routes
            if r.group_id == c.group and r.date == str(c.day) and r.shift_id == c.before
        ]
        free = _present(doc, to, c.day)
        for r in routes:
            crew, free = tuple(free[: len(r.members)]), free[len(r.members) :]
            move = RouteMove(r.id, r.unit_label, c.day, c.before, c.group, to, r.members, crew)
            out.append((r, move))
    return out


def _fairness(doc: PlanDocument, cells: list[CellChange]) -> list[tuple[Fairness, Fairness]]:
    """Return ``(before, after)`` of the fairness rows the changed cells move."""
    holidays = {h.date for h in doc.roster.holidays}
    rows = {f.group_id: f for f in doc.roster.fairness}
    delta: dict[str, list[int]] = {}
    for c in cells:
        d = delta.setdefault(c.group, [0, 0, 0, 0])
        for sid, sign in ((c.before, -1), (c.after, 1)):
            if sid is None:
                continue
            d[0] += sign
            d[1] += sign * doc.roster.shift(sid).night
            d[2] += sign * (c.day.weekday() >= 5)
            d[3] += sign * (str(c.day) in holidays)
    out = []
    for gid, (shifts, nights, weekends, hols) in delta.items():
        old = rows.get(gid, Fairness(gid, 0, 0, 0, 0))
        new = Fairness(
            gid,
            old.shifts + shifts,
            old.nights + nights,
            old.weekends + weekends,
            old.holidays + hols,
        )
        if new != old:
            out.append((old, new))
    return out


def _swapped(doc: PlanDocument, cells: list[CellChange]) -> PlanDocument:
    """Return the plan with the changed cells, moved routes and fairness rows."""
    dates = doc.dates()
    schedule = {g: list(row) for g, row in doc.roster.schedule.items()}
    for c in cells:
        schedule[c.group][dates.index(c.day)] = c.after
    fair = {new.group_id: new for _old, new in _fairness(doc, cells)}
    moved = {r.id: m for r, m in _moves(doc, cells)}
    routes = tuple(
        dataclasses.replace(
            r,
            group_id=moved[r.id].to_group,
            members=moved[r.id].members_after,
            unit_id=r.unit_label,  # keeps the route id (and its printed codes)
        )
        if r.id in moved
        else r
        for r in doc.routes
    )
    roster = dataclasses.replace(
        doc.roster,
        schedule={g: tuple(row) for g, row in schedule.items()},
        fairness=tuple(fair.get(f.group_id, f) for f in doc.roster.fairness),
    )
    return dataclasses.replace(doc, roster=roster, routes=routes)


def check_swap(
    doc: PlanDocument, swap: Swap, rules_text: str, teams: Mapping[str, Any]
) -> SwapCheck:
    """Return what a swap changes in a plan and the roster rules it breaks or mends.

    Parameters
    ----------
    doc
        The plan (its roster is the one in force).
    swap
        The swap.
    rules_text
        The text of the rules file the roster is checked against.
    teams
        The teams.toml table (groups when the rules define none).

    Returns
    -------
    SwapCheck

    Raises
    ------
    SwapError
        When the swap cannot be made in this roster (:func:`swap_cells`).
    """
    cells = swap_cells(doc, swap)
    before = roster_findings(doc, rules_text, teams)
    after = roster_findings(_swapped(doc, cells), rules_text, teams)
    old = {f.message for f in before}
    new = {f.message for f in after}
    return SwapCheck(
        swap=swap,
        cells=tuple(cells),
        routes=tuple(m for _r, m in _moves(doc, cells)),
        broken=tuple(f for f in after if f.message not in old),
        mended=tuple(f for f in before if f.message not in new),
        fairness=tuple(_fairness(doc, cells)),
    )


def apply_swap(
    doc: PlanDocument, swap: Swap, rules_text: str, teams: Mapping[str, Any]
) -> PlanDocument:
    """Return the plan with a swap made and its roster validation recomputed.

    The plan's ``roster`` validation entry is replaced by the roster check of the swapped
    roster; everything else but the moved cells, routes and fairness rows stays.

    Raises
    ------
    SwapError
        When the swap cannot be made in this roster (:func:`swap_cells`).
    """
    out = _swapped(doc, swap_cells(doc, swap))
    messages = tuple(f.message for f in roster_findings(out, rules_text, teams))
    check = ValidationCheck("roster", not messages, messages)
    names = [v.name for v in out.validation]
    validation = tuple(check if v.name == "roster" else v for v in out.validation)
    if "roster" not in names:
        validation = (check, *validation)
    return dataclasses.replace(out, validation=validation)
