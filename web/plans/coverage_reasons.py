"""Why places got no patrol: hours, reach or capacity.

A place the coverage table lists as a blind spot (minutes needed, no visit planned) is put
under the first reason that holds:

- **hours**: its opening hours (or its category's default hours) leave it closed during
  every shift a group works in the plan, so no visit could fall inside them;
- **reach**: it lies more than :data:`REACH_M` metres from the nearest street of the
  district's network, which the routes follow (a grid: no street crosses it);
- **capacity**: it was open and reachable, and the units' shifts were full (the checkpoint
  cap per unit-shift and the reserve for calls left no time for it).

The places are read from the working district, which is the plan's data unless it has been
edited since the plan was made.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from planner.patrol.demand import DoseShift, open_windows

if TYPE_CHECKING:
    from collections.abc import Iterable

    from geodata import District
    from planner.plan.document import PlanDocument

log = logging.getLogger("web")

REACH_M = 200.0
"""A place farther than this from every street is out of the units' reach."""

REASONS = ("hours", "reach", "capacity")


@dataclass
class Reasons:
    """The blind spots by reason: place id -> reason, and the counts."""

    of: dict[str, str] = field(default_factory=dict)

    def count(self, reason: str) -> int:
        """Return how many places have ``reason``."""
        return sum(1 for r in self.of.values() if r == reason)


def worked_shifts(doc: PlanDocument) -> list[DoseShift]:
    """Return each (day, shift template) some group works in the plan."""
    first = date.fromisoformat(doc.start)
    out: dict[tuple[date, str], DoseShift] = {}
    for cells in doc.roster.schedule.values():
        for k, shift_id in enumerate(cells):
            if not shift_id:
                continue
            try:
                shift = doc.roster.shift(shift_id)
            except KeyError:
                continue
            day = first + timedelta(days=k)
            out[(day, shift.id)] = DoseShift(
                shift.id, day, int(shift.start_minute), int(shift.end_minute) % 1440 or 1440
            )
    return list(out.values())


def _open_minutes(
    hours: str | None, category: str, shifts: Iterable[DoseShift], country: str | None
) -> int:
    total = 0
    for shift in shifts:
        spans = open_windows(hours or None, category, shift, country=country)
        total += shift.minutes if spans is None else sum(b - a for a, b in spans) // 60
    return total


def blind_reasons(
    doc: PlanDocument, district: District, blind_ids: Iterable[tuple[str, str]]
) -> Reasons:
    """Return the reason of each blind spot ``(level, id)`` (level ``"area"`` or ``"grid"``)."""
    reasons = Reasons()
    wanted = list(blind_ids)
    if not wanted:
        return reasons
    shifts = worked_shifts(doc)
    country = str((district.manifest or {}).get("country") or "") or None
    streets = district.streets
    crs = streets.estimate_utm_crs() if len(streets) else None
    lines = streets.to_crs(crs) if crs is not None else None
    areas = district.key_areas.set_index("id") if "id" in district.key_areas.columns else None
    grids = (
        district.grids.set_index("id")
        if district.grids is not None and len(district.grids)
        else None
    )
    for level, place in wanted:
        reason = "capacity"
        try:
            if level == "area" and areas is not None and place in areas.index:
                row = areas.loc[place]
                hours = row.get("opening_hours") if hasattr(row, "get") else None
                category = str(row.get("category") or "")
                if (
                    shifts
                    and _open_minutes(
                        hours if isinstance(hours, str) else None, category, shifts, country
                    )
                    == 0
                ):
                    reason = "hours"
                elif lines is not None:
                    point = areas.loc[[place]].to_crs(crs).geometry.iloc[0].representative_point()
                    if float(lines.distance(point).min()) > REACH_M:
                        reason = "reach"
            elif (
                level == "grid" and grids is not None and place in grids.index and lines is not None
            ):
                shape = grids.loc[[place]].to_crs(crs).geometry.iloc[0]
                if not bool(lines.intersects(shape).any()):
                    reason = "reach"
        except (ValueError, TypeError, KeyError) as exc:  # a place the checks cannot read
            log.warning("No reason found for blind spot %s %s: %s", level, place, exc)
        reasons.of[place] = reason
    return reasons
