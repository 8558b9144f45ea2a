"""Weekly inspections (每周一行动, 场所检查): hotels, internet cafes, rentals, restaurants, venues.

Each place of a category with ``inspection`` in the category table
(:attr:`geodata.categories.Category.inspection`) and each rental of the bundle's ``rentals``
layer is checked once a week (``[inspections] every_days``, default 7) with its category's
checklist, for ``[inspections] minutes`` (default 30) inside its opening hours
(:mod:`geodata.hours`; rentals :data:`geodata.rentals.INSPECTION_HOURS`).

:func:`schedule_inspections` spreads them over the week's shifts: each place goes to the shift
in which it is open long enough and which has the least inspection work per unit so far,
shifts with :data:`ROOMY_MINUTES` of opening first (the places with the fewest such shifts
first, then by id, so the schedule is repeatable). The
shift's dose then holds it as a long stop whose start must fit the opening hours; the route
sheet prints its checklist, and a check-in signs it off like a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.patrol.demand import DOSE_COLUMNS
from planner.patrol.inputs import RENTAL_PREFIX

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.patrol.inputs import PlanInputs

INSPECTION_PREFIX = "insp:"
"""Prefix of an inspection's target id (``"insp:<place id>"``)."""

INSPECTION_MINUTES = 30
"""Length of an inspection (*default* 30 min, ``../PRACTICE``: a longer stop than a checkpoint)."""

SLACK_MINUTES = 60
"""A place is given to a shift only when it is open at least this much longer than an
inspection within the shift's working hours (not squeezed into the last minutes before the
handover)."""

ROOMY_MINUTES = 240
"""Shifts in which a place can be started on for at least this long are preferred: a
restaurant open until 22:00 is inspected by day, not squeezed into a night shift's first
hours."""

INSPECTION_VALUE = 500
"""Value of an inspection per stop before the window lift (they rank with planners' windows)."""


@dataclass(frozen=True, slots=True)
class Venue:
    """A place inspected weekly: its target id, point, name, category, hours and checklist."""

    id: str
    point: str
    name: str
    category: str
    hours: str | None
    checklist_zh: str
    checklist_en: str


@dataclass(frozen=True, slots=True)
class Inspection:
    """An inspection scheduled into a shift: the place, the week it is for, date and shift."""

    venue: Venue
    week: date
    date: date
    shift_id: str
    windows: tuple[tuple[int, int], ...]


def venues(inputs: PlanInputs) -> list[Venue]:
    """Return every place the district inspects weekly: key areas of such categories, rentals."""
    from geodata.categories import CATEGORIES

    district = inputs.district
    areas = district.key_areas
    hours = areas["opening_hours"] if "opening_hours" in areas.columns else [None] * len(areas)
    out = []
    for aid, name, cat, text in zip(
        areas["id"], areas["name"], areas["category"], hours, strict=True
    ):
        known = CATEGORIES.get(str(cat))
        if known is None or not getattr(known, "inspection", False):
            continue
        out.append(
            Venue(
                f"{INSPECTION_PREFIX}{aid}",
                str(aid),
                str(name or ""),
                str(cat),
                text if isinstance(text, str) and text.strip() else None,
                known.checklist("zh"),
                known.checklist("en"),
            )
        )
    rentals = getattr(district, "rentals", None)
    if rentals is not None and len(rentals):
        from geodata.rentals import CHECKLIST_EN, CHECKLIST_ZH, INSPECTION_HOURS

        for rid, name in zip(rentals["id"], rentals["name"], strict=True):
            out.append(
                Venue(
                    f"{INSPECTION_PREFIX}{RENTAL_PREFIX}{rid}",
                    f"{RENTAL_PREFIX}{rid}",
                    str(name or ""),
                    "rental",
                    INSPECTION_HOURS,
                    CHECKLIST_ZH,
                    CHECKLIST_EN,
                )
            )
    return sorted(out, key=lambda v: v.id)


def open_in_shift(
    venue: Venue, day: date, start: int, end: int, country: str | None
) -> list[tuple[int, int]]:
    """Return when ``venue`` is open from ``start`` to ``end`` minutes after ``day``'s midnight."""
    from geodata.hours import open_intervals

    category = "hotel" if venue.category == "rental" else venue.category
    out = []
    for k in (0, 1):
        when = day + timedelta(days=k)
        for a, b in open_intervals(venue.hours, category, when, country=country):
            lo, hi = max(a + 1440 * k, start), min(b + 1440 * k, end)
            if hi > lo:
                out.append((lo, hi))
    return sorted(set(out))


def week_of(day: date) -> date:
    """Return the Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def schedule_inspections(
    inputs: PlanInputs,
    shifts: Sequence[tuple[date, str, int]],
    minutes: int,
) -> list[Inspection]:
    """Spread the week's inspections over the shifts worked (see the module docstring).

    Parameters
    ----------
    inputs
        The district's inputs (places, opening hours, the rules' shift times and handover).
    shifts
        ``(date, shift id, units on shift)`` of every shift worked in the horizon.
    minutes
        Length of an inspection.

    Returns
    -------
    list of Inspection
        One per place and week that has a shift in which the place is open long enough;
        windows are start windows in seconds from the shift's start.
    """
    country = (inputs.district.manifest or {}).get("country", "CN")
    handover = inputs.rules.shift_time.handover_minutes
    load: dict[tuple[date, str], float] = {}
    units = {(d, s): max(n, 1) for d, s, n in shifts}
    out = []
    places = venues(inputs)
    for week in sorted({week_of(d) for d, _s, _n in shifts}):
        slots = [(d, s) for d, s, _n in shifts if week_of(d) == week]
        options: dict[str, list[tuple[tuple[date, str], list[tuple[int, int]]]]] = {}
        for v in places:
            for d, s in slots:
                t = inputs.rules.shift(s)
                lo, hi = t.start + handover, t.start + t.minutes - handover
                wins = [
                    (a - t.start, b - t.start - minutes)
                    for a, b in open_in_shift(v, d, lo, hi, country)
                    if b - a >= minutes + SLACK_MINUTES
                ]
                if wins:
                    options.setdefault(v.id, []).append(((d, s), wins))
        for v in sorted(places, key=lambda v: (len(options.get(v.id, [])), v.id)):
            choices = options.get(v.id)
            if not choices:
                continue
            (d, s), wins = min(
                choices,
                key=lambda c: (
                    sum(b - a for a, b in c[1]) < ROOMY_MINUTES,
                    load.get(c[0], 0.0) / units[c[0]],
                    c[0][0],
                    c[0][1],
                ),
            )
            load[(d, s)] = load.get((d, s), 0.0) + minutes
            out.append(Inspection(v, week, d, s, tuple((a * 60, max(a, b) * 60) for a, b in wins)))
    return out


def inspection_dose(tasks: Sequence[Inspection], minutes: int) -> pd.DataFrame:
    """Return the dose rows of scheduled inspections (columns of the dose table)."""
    rows: list[dict[str, Any]] = []
    for t in tasks:
        rows.append(
            {
                "area_id": t.venue.id,
                "name": t.venue.name,
                "category": t.venue.category,
                "date": t.date.isoformat(),
                "shift_id": t.shift_id,
                "risk": 0.0,
                "relative_risk": 1.0,
                "camera_share": 0.0,
                "camera_factor": 1.0,
                "visits": 1,
                "dwell_s": minutes * 60,
                "needed_minutes": minutes,
                "min_gap_s": 0,
                "windows": (),
                "open_s": t.windows,
                "value": INSPECTION_VALUE,
                "mandatory": False,
                "capped": False,
                "reason": f"weekly inspection (week of {t.week.isoformat()})",
            }
        )
    return pd.DataFrame(rows, columns=list(DOSE_COLUMNS))


def plan_inspections(
    inputs: PlanInputs,
    start: date,
    days: int,
    worked: Mapping[tuple[date, str], int],
    minutes: int = INSPECTION_MINUTES,
) -> list[Inspection]:
    """Schedule the weekly inspections that fall in a plan's horizon.

    Each week the horizon touches is scheduled as a whole (its days outside the horizon with
    every shift of the rules and the horizon's mean number of units per shift), so a plan of a
    few days takes only its days' share of the week's inspections instead of all of them.

    Parameters
    ----------
    inputs
        The district's inputs.
    start, days
        The horizon.
    worked
        ``(date, shift id) -> units on duty`` of every shift worked in the horizon.
    minutes
        Length of an inspection.

    Returns
    -------
    list of Inspection
        The inspections of the horizon's shifts.
    """
    horizon = {start + timedelta(days=k) for k in range(days)}
    mean = max(1, round(sum(worked.values()) / len(worked))) if worked else 1
    slots: list[tuple[date, str, int]] = []
    for week in sorted({week_of(d) for d in horizon}):
        for k in range(7):
            day = week + timedelta(days=k)
            for t in inputs.rules.shifts:
                if day in horizon:
                    if (day, t.id) in worked:
                        slots.append((day, t.id, worked[(day, t.id)]))
                else:
                    slots.append((day, t.id, mean))
    tasks = schedule_inspections(inputs, slots, minutes)
    return [t for t in tasks if t.date in horizon and (t.date, t.shift_id) in worked]


def is_inspection(target_id: str) -> bool:
    """Whether a dose row's or a stop's target id is an inspection (``"insp:<point id>"``)."""
    return target_id.startswith(INSPECTION_PREFIX)


def inspected_point(target_id: str) -> str:
    """Return the point id (key area or ``"rental:<id>"``) of an inspection's target id."""
    return target_id.removeprefix(INSPECTION_PREFIX)


def checklist(category: str) -> tuple[str, str]:
    """Return what an inspection of a place of ``category`` checks (English, Chinese)."""
    from geodata.categories import CATEGORIES
    from geodata.rentals import CHECKLIST_EN, CHECKLIST_ZH

    if category == "rental":
        return CHECKLIST_EN, CHECKLIST_ZH
    known = CATEGORIES.get(category)
    if known is None:
        return CHECKLIST_EN, CHECKLIST_ZH
    return known.checklist("en"), known.checklist("zh")
