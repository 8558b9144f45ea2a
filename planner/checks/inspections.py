"""Independent check of the weekly inspections (场所检查) a plan makes.

PRACTICE.md: hotels and guesthouses, internet cafes, rental housing, restaurants and public
entertainment venues are checked once a week, a longer stop (*default* 30 min) during opening
hours, with a checklist. Worked out here from the plan and the raw bundle alone: which places
are inspected (the category table's ``inspection`` flag, and the ``rentals`` layer), and each
stop of kind ``"inspection"`` must be at such a place, stay the inspection's length and be the
place's only inspection of its week. That it falls inside the opening hours is the ``hours``
check's (:mod:`planner.checks.hours`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.plan.document import PlanDocument

INSPECTION_STOP_S = 30 * 60
"""Shortest stay of an inspection when the rules set none (``[inspections] minutes``, the
*default* 30 minutes)."""

PREFIX = "insp:"
"""Prefix of an inspection stop's target id (``"insp:<key area id>"``, ``"insp:rental:<id>"``)."""


def inspected_places(district: Any) -> dict[str, str]:
    """Return place id -> name of every place the district inspects weekly."""
    from geodata.categories import CATEGORIES

    areas = district.key_areas
    out = {
        str(a): str(n or "")
        for a, n, c in zip(areas["id"], areas["name"], areas["category"], strict=True)
        if c in CATEGORIES and CATEGORIES[c].inspection
    }
    rentals = getattr(district, "rentals", None)
    if rentals is not None:
        for r, n in zip(rentals["id"], rentals["name"], strict=True):
            out[f"rental:{r}"] = str(n or "")
    return out


def _week(day: str) -> date:
    when = date.fromisoformat(day)
    return when - timedelta(days=when.weekday())


def inspection_visits(doc: PlanDocument) -> dict[tuple[str, date], list[str]]:
    """Return (place id, Monday of the week) -> the dates it is inspected on."""
    out: dict[tuple[str, date], list[str]] = {}
    for r in doc.routes:
        for s in r.stops:
            if s.kind == "inspection" and s.area_id is not None:
                out.setdefault((s.area_id.removeprefix(PREFIX), _week(r.date)), []).append(r.date)
    return out


def inspection_faults(
    doc: PlanDocument, district: Any, minimum_s: int = INSPECTION_STOP_S
) -> list[str]:
    """Return one sentence per inspection that is not one (wrong place, too short, repeated).

    ``minimum_s`` is the inspection's length from the rules file (read by the validator).
    """
    places = inspected_places(district)
    out = []
    for r in doc.routes:
        for s in r.stops:
            if s.kind != "inspection":
                continue
            place = (s.area_id or "").removeprefix(PREFIX)
            if place not in places:
                out.append(
                    f"{s.name} ({s.area_id}) on {r.date} is an inspection of a place the "
                    "district does not inspect."
                )
            if s.dwell < minimum_s:
                out.append(
                    f"The inspection of {s.name} on {r.date} lasts {s.dwell // 60} min, less "
                    f"than {minimum_s // 60} min."
                )
    for (place, week), days in sorted(inspection_visits(doc).items()):
        if len(days) > 1:
            out.append(
                f"{places.get(place, place)} ({place}) is inspected {len(days)} times in the "
                f"week of {week.isoformat()} ({', '.join(sorted(days))}); once a week is the rule."
            )
    return out


def weeks_in_full(doc: PlanDocument) -> list[date]:
    """Return the Mondays of the weeks a plan's horizon covers from Monday to Sunday."""
    first = date.fromisoformat(doc.start)
    days = [first + timedelta(days=k) for k in range(doc.days)]
    return [d for d in days if d.weekday() == 0 and d + timedelta(days=6) in days]


def uninspected(doc: PlanDocument, district: Any) -> list[tuple[str, str, date]]:
    """Return (place id, name, week) of each place not inspected in a week the plan covers."""
    places = inspected_places(district)
    done = inspection_visits(doc)
    return [
        (p, name, week)
        for week in weeks_in_full(doc)
        for p, name in sorted(places.items())
        if (p, week) not in done
    ]
