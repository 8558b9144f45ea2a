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
from typing import TYPE_CHECKING, Any

from planner.checks.hours import CHECKPOINT_KINDS, closed_visits
from planner.checks.inspections import PREFIX, inspected_places, uninspected, weeks_in_full
from planner.checks.plan import area_columns, covers_gate, shift_windows
from planner.checks.rules_reading import RawRules
from planner.checks.units import checkpoints, unplanned_share, vehicles_peak
from planner.plan.document import GateGap, Quality, QualityFigure
from planner.plan.times import clock

if TYPE_CHECKING:
    from planner.patrol.inputs import PlanInputs
    from planner.plan.document import PlanDocument, Route, Stop

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
            if s.kind in ("visit", "fixed_post") and s.area_id is not None:
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
    units = [r for r in doc.routes if r.unit_id and r.unit_kind != "grid"]
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
    figures += street_figures(doc, inputs)
    figures += spread_figures(doc, inputs)
    checkpoints_all = sum(
        s.kind in CHECKPOINT_KINDS and s.area_id is not None for r in doc.routes for s in r.stops
    )
    closed = len(closed_visits(doc, inputs.district))
    figures.append(QualityFigure("closed_visits", closed, checkpoints_all))
    figures += need_figures(doc, rules.max_checkpoints)
    asked = [d for d in doc.dose if d.area_id.startswith(PREFIX)]
    if asked:
        done = sum(1 for d in asked if d.planned_visits >= 1)
        figures.append(QualityFigure("inspections_done", done, len(asked)))
    full = weeks_in_full(doc)
    if full:
        places = len(inspected_places(inputs.district)) * len(full)
        left = len(uninspected(doc, inputs.district))
        figures.append(QualityFigure("inspections_week", places - left, places))
    return Quality(tuple(figures), tuple(gaps))


def _movements(route: Route, network: Any) -> list[set[str]]:
    """Return the streets of each movement of a route: every leg and every alley covered."""
    stops = route.stops
    starts = network.snap([(s.lon, s.lat) for s in stops], route.mode)
    ends = network.snap(
        [(s.end_lon, s.end_lat) if s.end_lon is not None else (s.lon, s.lat) for s in stops],
        route.mode,
    )
    out = []
    for k, stop in enumerate(stops):
        if k and ends[k - 1] != starts[k]:
            out.append(set(network.path_streets(int(ends[k - 1]), int(starts[k]), route.mode)[0]))
        if stop.streets:
            out.append(set(stop.streets))
    return out


def street_figures(doc: PlanDocument, inputs: PlanInputs) -> list[QualityFigure]:
    """Return the back-alley figures: alley km ridden per day, the hotspot alley at night.

    The alleys are the streets layer's ``alley`` streets; the hotspot alley is the manifest's
    ``[hotspot_alley]`` (its street, and every alley street of its name). A movement (a leg
    between two stops, or an alley covered end to end) rides the hotspot alley end to end
    when it travels all of its streets.
    """
    district = inputs.district
    streets = district.streets
    alley = streets[streets["alley"].astype("boolean").fillna(False).astype(bool)]
    lengths = dict(zip(alley["id"].astype(str), alley["length"].astype(float), strict=True))
    total = sum(lengths.values())
    spot = (district.manifest or {}).get("hotspot_alley") or {}
    hot = {str(spot["street_id"])} if spot.get("street_id") else set()
    if spot.get("name"):
        hot |= {
            str(i) for i, n in zip(alley["id"], alley["name"], strict=True) if n == spot["name"]
        }
    ridden: dict[str, set[str]] = {}
    covers: dict[tuple[str, str], int] = {}
    for r in doc.routes:
        for move in _movements(r, inputs.network):
            ridden.setdefault(r.date, set()).update(move & set(lengths))
            if hot and hot <= move:
                covers[(r.date, r.shift_id)] = covers.get((r.date, r.shift_id), 0) + 1
    out = []
    if total > 0 and ridden:
        shares = [sum(lengths[s] for s in got) / total for got in ridden.values()]
        out.append(QualityFigure("alley_km_share_day_mean", round(statistics.mean(shares), 3)))
    if hot:
        nights = {(r.date, r.shift_id) for r in doc.routes if doc.roster.shift(r.shift_id).night}
        if nights:
            out.append(
                QualityFigure("hotspot_alley_night_min", min(covers.get(key, 0) for key in nights))
            )
    return out


def need_figures(doc: PlanDocument, max_checkpoints: int) -> list[QualityFigure]:
    """Return how much checkpoint need the plan leaves, and what one more unit would take.

    ``visits_short``: checkpoint visits the dose rows ask for and no route makes, of all
    asked for (alley covers are not counted). ``one_more_unit_max``: on the shift with the most
    left, the visits one more unit could add, at most its checkpoint cap (an upper bound: the
    most needed of those left first, travel aside).
    """
    asked = 0
    short: dict[tuple[str, str], int] = {}
    for d in doc.dose:
        if d.area_id.startswith("alley:"):
            continue
        asked += d.needed_visits
        left = max(0, d.needed_visits - d.planned_visits)
        if left:
            short[(d.date, d.shift_id)] = short.get((d.date, d.shift_id), 0) + left
    if not asked:
        return []
    most = max(short.values(), default=0)
    return [
        QualityFigure("visits_short", sum(short.values()), asked),
        QualityFigure("one_more_unit_max", min(most, max_checkpoints)),
    ]


SPREAD_RADIUS_M = 400.0
"""Radius of the spread figure: the most checkpoint visits within this distance of one point."""


def spread_figures(doc: PlanDocument, inputs: PlanInputs) -> list[QualityFigure]:
    """Return how spread the checkpoint visits are over the district.

    ``visits_near_one_point_max_share``: the largest share of all checkpoint visits that lie
    within :data:`SPREAD_RADIUS_M` of any one visited place; ``grids_visited_day_min_share``:
    on the worst day, the share of the district's grids with at least one checkpoint visit.
    """
    import geopandas as gpd
    import numpy as np

    district = inputs.district
    visits = [
        (r.date, s.lon, s.lat)
        for r in doc.routes
        for s in r.stops
        if s.kind in ("visit", "fixed_post")
    ]
    out: list[QualityFigure] = []
    if not visits:
        return out
    pts = gpd.GeoSeries(
        gpd.points_from_xy([v[1] for v in visits], [v[2] for v in visits]), crs="EPSG:4326"
    )
    xy = np.column_stack([pts.to_crs(district.work_crs).x, pts.to_crs(district.work_crs).y])
    near = 0
    for k in range(0, len(xy), 512):
        block = xy[k : k + 512]
        d = np.hypot(block[:, None, 0] - xy[None, :, 0], block[:, None, 1] - xy[None, :, 1])
        near = max(near, int((d <= SPREAD_RADIUS_M).sum(axis=1).max()))
    out.append(QualityFigure("visits_near_one_point_max_share", round(near / len(xy), 3)))
    grids = district.grids
    if grids is not None and len(grids):
        joined = gpd.sjoin(
            gpd.GeoDataFrame({"date": [v[0] for v in visits]}, geometry=pts),
            grids[["id", "geometry"]],
            predicate="within",
        )
        per_day = joined.groupby("date")["id"].nunique()
        days = {r.date for r in doc.routes}
        worst = min(int(per_day.get(d, 0)) for d in days)
        out.append(QualityFigure("grids_visited_day_min_share", round(worst / len(grids), 3)))
    return out
