"""Weekly inspections (每周一行动, 场所检查): hotels, internet cafes, rentals, restaurants, venues.

Each place of a category with ``inspection`` in the category table
(:attr:`geodata.categories.Category.inspection`) and each rental of the bundle's ``rentals``
layer is checked once a week (``[inspections] every_days``, default 7) with its category's
checklist, for ``[inspections] minutes`` (default 30) inside its opening hours
(:mod:`geodata.hours`; rentals :data:`RENTAL_HOURS`).

:func:`schedule_inspections` spreads them over the week's shifts: each place goes to the shift
in which it is open long enough and which has the least inspection work per unit so far (the
places with the fewest such shifts first, then by id, so the schedule is repeatable). The
shift's dose then holds it as a long stop whose start must fit the opening hours; the route
sheet prints its checklist, and a check-in signs it off like a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.patrol.inputs import PlanInputs

INSPECTION_PREFIX = "insp:"
"""Prefix of an inspection's target id (``"insp:<place id>"``)."""

RENTAL_PREFIX = "rental:"
"""Prefix of a rental's point id."""

RENTAL_HOURS = "Mo-Su 09:00-20:00"
"""When a rental may be inspected (people are at home and it is not too late)."""

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
        from geodata.rentals import CHECKLIST_EN, CHECKLIST_ZH

        for rid, name in zip(rentals["id"], rentals["name"], strict=True):
            out.append(
                Venue(
                    f"{INSPECTION_PREFIX}{RENTAL_PREFIX}{rid}",
                    f"{RENTAL_PREFIX}{rid}",
                    str(name or ""),
                    "rental",
                    RENTAL_HOURS,
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
                    if b - a >= minutes
                ]
                if wins:
                    options.setdefault(v.id, []).append(((d, s), wins))
        for v in sorted(places, key=lambda v: (len(options.get(v.id, [])), v.id)):
            choices = options.get(v.id)
            if not choices:
                continue
            (d, s), wins = min(
                choices, key=lambda c: (load.get(c[0], 0.0) / units[c[0]], c[0][0], c[0][1])
            )
            load[(d, s)] = load.get((d, s), 0.0) + minutes
            out.append(Inspection(v, week, d, s, tuple((a * 60, max(a, b) * 60) for a, b in wins)))
    return out


def inspection_dose(tasks: Sequence[Inspection], minutes: int) -> pd.DataFrame:
    """Return the dose rows of scheduled inspections (columns of the dose table)."""
    from planner.patrol.demand import DOSE_COLUMNS

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


def points_of(inputs_venues: Sequence[Venue]) -> Mapping[str, str]:
    """Return inspection target id -> the point id where the place is."""
    return {v.id: v.point for v in inputs_venues}
