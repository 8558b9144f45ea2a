"""A plan's quality as a captain reads it, recomputed from plan.json and the raw inputs.

Gates guarded, slack left for calls, a workable number of checkpoints, meals taken, vehicles
within the pool: each figure is worked out here from the plan's routes, the rules file's text
and the district's layers (the same raw data the validators read), so the summary a plan
carries can be recomputed by anyone from the plan alone.

A school-day gate window (drop-off or pick-up of a real primary or middle school or a
kindergarten, :attr:`geodata.categories.Category.gate_windows` or the school's own
``windows``) counts as covered when some unit stands at the gate for ten minutes of it (or all
of it when shorter); it counts for the full-time units when one of theirs does, for others
(grid members, volunteers) otherwise.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from planner.checks.plan import area_columns, covers_gate, shift_windows
from planner.checks.rules_reading import RawRules
from planner.checks.units import checkpoints, unplanned_share, vehicles_peak
from planner.plan.document import GateGap, Quality, QualityFigure, clock

if TYPE_CHECKING:
    from planner.patrol.inputs import PlanInputs
    from planner.plan.document import PlanDocument, Stop

MEAL_SHIFT_S = 11 * 3600
"""Shifts at least this long need two meal breaks."""


@dataclass(frozen=True, slots=True)
class _Gate:
    area_id: str
    name: str


def gate_windows(
    doc: PlanDocument, inputs: PlanInputs
) -> list[tuple[_Gate, str, str, tuple[int, int]]]:
    """Return every school-day gate window of the plan's shifts: (gate, date, shift, window)."""
    from geodata.categories import CATEGORIES

    areas = inputs.district.key_areas
    own, minutes = area_columns(areas)
    out = []
    shifts = {(r.date, r.shift_id) for r in doc.routes}
    for i, (aid, name, cat) in enumerate(
        zip(areas["id"], areas["name"], areas["category"], strict=True)
    ):
        known = CATEGORIES.get(str(cat))
        if known is None or not known.has_gate or minutes[i] == 0:
            continue
        for day, sid in sorted(shifts):
            tmpl = doc.roster.shift(sid)
            for win in shift_windows(str(cat), own[i], date.fromisoformat(day), tmpl):
                out.append((_Gate(str(aid), str(name)), day, sid, win))
    return out


def quality(doc: PlanDocument, inputs: PlanInputs) -> Quality:
    """Return the plan's quality figures (see the module docstring)."""
    rules = RawRules(inputs.rules_text, inputs.district.teams)
    figures: list[QualityFigure] = []
    gaps: list[GateGap] = []
    visits: dict[tuple[str, str, str], list[tuple[Stop, bool]]] = {}
    for r in doc.routes:
        full_time = r.unit_kind != "grid"
        for s in r.stops:
            if s.kind == "visit" and s.area_id is not None:
                visits.setdefault((s.area_id, r.date, r.shift_id), []).append((s, full_time))
    windows = gate_windows(doc, inputs)
    ours = others = 0
    for gate, day, sid, win in windows:
        got = [ft for s, ft in visits.get((gate.area_id, day, sid), []) if covers_gate(s, win)]
        if any(got):
            ours += 1
        elif got:
            others += 1
        else:
            when = date.fromisoformat(day) + timedelta(days=win[0] // 86400)
            text = f"{clock(win[0] % 86400)}-{clock(win[1] - win[0] // 86400 * 86400)}"
            gaps.append(GateGap(gate.area_id, gate.name, when.isoformat(), text))
    total = len(windows)
    figures += [
        QualityFigure("gate_windows_covered", ours + others, total),
        QualityFigure("gate_windows_full_time", ours, total),
        QualityFigure("gate_windows_others", others, total),
    ]
    units = [r for r in doc.routes if r.unit_id]
    shares = [unplanned_share(r, rules.handover) for r in units]
    if shares:
        figures += [
            QualityFigure("unplanned_share_median", round(statistics.median(shares), 3)),
            QualityFigure("unplanned_share_min", round(min(shares), 3)),
        ]
    counts = [checkpoints(r) for r in units]
    if counts:
        figures += [
            QualityFigure("checkpoints_max", max(counts)),
            QualityFigure("checkpoints_median", statistics.median(counts)),
        ]
    long_shifts = [
        r for r in units if r.unit_kind == "pair" and r.end_s - r.start_s >= MEAL_SHIFT_S
    ]
    if long_shifts:
        meals = [
            sum(s.kind == "break" and s.site_id == "meal" for s in r.stops) for r in long_shifts
        ]
        figures.append(QualityFigure("meal_breaks_min", min(meals)))
    figures.append(QualityFigure("unit_shifts", len(units)))
    pool: dict[str, int] = {}
    for mode in rules.pool.values():
        pool[mode] = pool.get(mode, 0) + 1
    for mode, n in sorted(vehicles_peak(doc).items()):
        figures.append(QualityFigure(f"vehicles_peak_{mode}", n, pool.get(mode, 0)))
    return Quality(tuple(figures), tuple(gaps))
