"""Independent check of opening hours: no checkpoint visit at a place while it is closed.

PRACTICE.md: a shop, a bank branch, a market or a metro entrance that is closed is not a
checkpoint at that hour. Worked out here from the raw key areas alone: each area's
``opening_hours`` cell, else its category's default hours (:func:`geodata.hours.open_intervals`),
and the district's country for public holidays. A visit counts as inside the hours when it
begins and ends (its start plus its stay; time left free after it is no visit) within one open
interval. Areas with windows a planner set (the ``windows``
column) are held to those windows instead, by the dose check. An inspection (a stop of kind
``"inspection"``, target ``"insp:<point id>"``) is held to its place's hours whatever windows
are set; a rental's are :data:`geodata.rentals.INSPECTION_HOURS`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan.document import PlanDocument

CHECKPOINT_KINDS = ("visit", "fixed_post", "inspection")
"""Stop kinds that are checkpoints at a place."""


def _open_spans(text: str | None, category: str, day: date, country: str | None) -> list[Any]:
    """Open intervals in minutes from ``day``'s midnight over ``day`` and the next, merged."""
    from geodata.hours import open_intervals

    parts = [
        (a + 1440 * k, b + 1440 * k)
        for k in (0, 1)
        for a, b in open_intervals(text, category, day + timedelta(days=k), country=country)
    ]
    merged: list[list[int]] = []
    for a, b in sorted(parts):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def area_hours_table(areas: pd.DataFrame) -> dict[str, tuple[str | None, str, bool]]:
    """Return area id -> (its ``opening_hours`` text or None, category, windows set)."""
    n = len(areas)
    texts = areas["opening_hours"].tolist() if "opening_hours" in areas.columns else [None] * n
    own = areas["windows"].tolist() if "windows" in areas.columns else [None] * n
    out = {}
    for aid, cat, text, win in zip(areas["id"], areas["category"], texts, own, strict=True):
        hours = text if isinstance(text, str) and text.strip() else None
        windows_set = isinstance(win, str) and bool(win.strip())
        out[str(aid)] = (hours, str(cat), windows_set)
    return out


def closed_visits(doc: PlanDocument, district: Any) -> list[str]:
    """Return one sentence per checkpoint visit at a key area outside its opening hours.

    Parameters
    ----------
    doc
        The plan.
    district
        The district the plan was made for (its ``key_areas`` layer and ``manifest``).
    """
    from geodata.rentals import INSPECTION_HOURS
    from planner.plan.times import clock

    table = area_hours_table(district.key_areas)
    rentals = getattr(district, "rentals", None)
    if rentals is not None:
        for rid in rentals["id"]:
            table[f"rental:{rid}"] = (INSPECTION_HOURS, "rental", False)
    country = (district.manifest or {}).get("country") or None
    out = []
    for r in doc.routes:
        day = date.fromisoformat(r.date)
        for s in r.stops:
            if s.kind not in CHECKPOINT_KINDS or s.area_id is None:
                continue
            inspection = s.kind == "inspection"
            place = s.area_id.removeprefix("insp:") if inspection else s.area_id
            known = table.get(place)
            if known is None or (known[2] and not inspection):
                continue  # an event, an alley, a rental, or a planner's own windows
            hours, category, _ = known
            spans = _open_spans(hours, category, day, country)
            lo, hi = s.start / 60, (s.start + s.dwell) / 60  # the visit, not the wait after
            if any(a <= lo and hi <= b for a, b in spans):
                continue
            who = f"group {r.group_id} unit {r.unit_id}" if r.group_id else f"{r.unit_id}"
            out.append(
                f"{s.name} ({s.area_id}) is visited {clock(s.start)}-{clock(s.start + s.dwell)} on "
                f"{r.date} by {who}, while it is closed."
            )
    return out
