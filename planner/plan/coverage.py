"""Coverage of a patrol plan: dose planned vs needed, gaps, street km, and blind spots.

The inputs are plain, so coverage does not depend on how routes were made: the visits of one
shift as ``(area_id, start_s, end_s, group)`` tuples (seconds from the shift start), the ids of
the street segments the patrols travelled, and the camera view areas. A high-risk street counts
as covered when a patrol travelled it, or for the part of it inside a camera view; the rest of
its length is a *blind spot*.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.exceptions import PlanInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from pyproj import CRS

logger = logging.getLogger("planner")

HIGH_RISK_SHARE = 0.2
"""Share of street segments (the riskiest, by risk per 100 m) that count as high-risk."""


@dataclass(frozen=True, slots=True)
class Visit:
    """One stay of a patrol group at a key area, in seconds from the shift start."""

    area_id: str
    start_s: int
    end_s: int
    group: str = ""

    def __post_init__(self) -> None:
        if self.end_s < self.start_s:
            msg = f"Visit of area {self.area_id!r} ends at {self.end_s} before it starts."
            raise PlanInputError(msg)


@dataclass(frozen=True, slots=True)
class CoverageResult:
    """Coverage tables of one shift (or a whole plan).

    Attributes
    ----------
    areas
        Per key area: needed and planned visits and minutes, longest gap (minutes) between
        visits including the shift's start and end, whether the dose is met, camera share.
    grids
        Per grid: the same dose sums over its key areas, street km, street km patrolled,
        high-risk km, high-risk km covered by patrol or camera, blind km and blind share.
    blind_spots
        High-risk street segments neither patrolled nor fully in camera view, riskiest first.
    summary
        District totals (km, shares, dose met).
    """

    areas: pd.DataFrame
    grids: pd.DataFrame
    blind_spots: pd.DataFrame
    summary: dict[str, Any]

    def write_csv(self, folder: str | Path, *, prefix: str = "coverage") -> list[Path]:
        """Write ``<prefix>_areas.csv``, ``_grids.csv`` and ``_blind_spots.csv`` to ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name, df in (
            ("areas", self.areas),
            ("grids", self.grids),
            ("blind_spots", self.blind_spots),
        ):
            path = folder / f"{prefix}_{name}.csv"
            df.to_csv(path, index=False, float_format="%.3f")
            out.append(path)
        return out


def longest_gap(intervals: Iterable[tuple[int, int]], horizon: int) -> int:
    """Return the longest time in ``[0, horizon]`` not inside any interval (seconds).

    Parameters
    ----------
    intervals
        ``(start, end)`` pairs; they may overlap or lie partly outside the horizon.
    horizon
        End of the period (the shift length).
    """
    gap = 0
    t = 0
    for a, b in sorted(intervals):
        a, b = max(0, a), min(horizon, b)
        if a > t:
            gap = max(gap, a - t)
        t = max(t, b)
    return max(gap, horizon - t)


def _visits(items: Iterable[Visit | tuple[Any, ...]]) -> list[Visit]:
    out = []
    for i, v in enumerate(items):
        if isinstance(v, Visit):
            out.append(v)
            continue
        if len(v) not in (3, 4):
            msg = f"Visit {i} must be (area_id, start_s, end_s, group), not {v!r}."
            raise PlanInputError(msg)
        out.append(Visit(str(v[0]), int(v[1]), int(v[2]), str(v[3]) if len(v) == 4 else ""))
    return out


def _grid_of(geoms: gpd.GeoSeries, grids: gpd.GeoDataFrame) -> Any:
    """Return the grid id holding each geometry's representative point ('' if none)."""
    out = np.full(len(geoms), "", dtype=object)
    if not len(grids) or not len(geoms):
        return out
    pts = geoms.representative_point().to_numpy()
    tree = shapely.STRtree(grids.geometry.to_numpy())
    pi, gi = tree.query(pts, predicate="within")
    gid = grids["id"].astype(str).to_numpy()
    out[pi] = gid[gi]
    return out


def coverage(
    visits: Iterable[Visit | tuple[Any, ...]],
    patrolled_street_ids: Iterable[str],
    *,
    shift_seconds: int,
    dose: pd.DataFrame,
    key_areas: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    street_risk: pd.Series,
    work_crs: CRS | str,
    camera_views: gpd.GeoDataFrame | None = None,
    high_risk_share: float = HIGH_RISK_SHARE,
) -> CoverageResult:
    """Measure one shift's plan against its dose and the district's high-risk streets.

    Parameters
    ----------
    visits
        ``(area_id, start_s, end_s, group)`` tuples or :class:`Visit`; seconds from the shift
        start.
    patrolled_street_ids
        Ids of the street segments the patrols travelled (repeats allowed).
    shift_seconds
        Length of the shift.
    dose
        Dose rows of this shift (``area_id``, ``visits``, ``needed_minutes``), as from
        :func:`planner.patrol.demand.compute_dose`.
    key_areas, streets, grids
        District layers with ``id`` (streets also ``name``, grids ``name``).
    street_risk
        Risk per street id (e.g. ``RiskResult.streets.window(...)`` or ``info["weekly"]``).
    work_crs
        Metric CRS for lengths.
    camera_views
        Camera view areas (``geodata.cameras.view_areas``); None = no cameras.
    high_risk_share
        Share of street segments counted as high-risk (the riskiest).

    Returns
    -------
    CoverageResult

    Raises
    ------
    PlanInputError
        For a visit or street id the district does not know, or a bad shift length.
    """
    if shift_seconds <= 0:
        msg = f"Shift length must be positive, got {shift_seconds} s."
        raise PlanInputError(msg)
    if not 0 < high_risk_share <= 1:
        msg = f"High-risk share must be in (0, 1], got {high_risk_share}."
        raise PlanInputError(msg)
    vs = _visits(visits)
    area_ids = key_areas["id"].astype(str).tolist()
    known = set(area_ids)
    for v in vs:
        if v.area_id not in known:
            msg = f"Visit names unknown key area {v.area_id!r}."
            raise PlanInputError(msg)
    street_ids = streets["id"].astype(str).to_numpy()
    patrolled = [str(s) for s in patrolled_street_ids]
    unknown = sorted(set(patrolled) - set(street_ids))
    if unknown:
        msg = f"Patrolled street id {unknown[0]!r} is not a street of the district."
        raise PlanInputError(msg)

    # Key areas.
    need = dose.groupby(dose["area_id"].astype(str))[["visits", "needed_minutes"]].sum()
    by_area: dict[str, list[Visit]] = {}
    for v in vs:
        by_area.setdefault(v.area_id, []).append(v)
    area_grid = _grid_of(key_areas.to_crs(work_crs).geometry, grids.to_crs(work_crs))
    cam_area = None
    if camera_views is not None and len(camera_views):
        from planner.patrol.camera_discount import area_camera_share

        cam_area = area_camera_share(key_areas, streets, camera_views, work_crs=work_crs)
    rows = []
    names = key_areas["name"].astype(str).tolist() if "name" in key_areas else [""] * len(known)
    cats = key_areas.get("category", pd.Series([""] * len(area_ids))).astype(str).tolist()
    for i, aid in enumerate(area_ids):
        mine = by_area.get(aid, [])
        nv = int(need.loc[aid, "visits"]) if aid in need.index else 0
        nm = int(need.loc[aid, "needed_minutes"]) if aid in need.index else 0
        if not mine and nv == 0:
            continue
        pm = sum(min(v.end_s, shift_seconds) - max(v.start_s, 0) for v in mine) / 60.0
        rows.append(
            {
                "area_id": aid,
                "name": names[i],
                "category": cats[i],
                "grid_id": area_grid[i],
                "needed_visits": nv,
                "needed_minutes": nm,
                "planned_visits": len(mine),
                "planned_minutes": round(pm, 2),
                "longest_gap_min": round(
                    longest_gap([(v.start_s, v.end_s) for v in mine], shift_seconds) / 60.0, 2
                ),
                "groups": ",".join(sorted({v.group for v in mine if v.group})),
                "met": len(mine) >= nv and pm + 1e-9 >= nm,
                "camera_share": round(float(cam_area[aid]), 4) if cam_area is not None else 0.0,
            }
        )
    areas_df = pd.DataFrame(
        rows,
        columns=[
            "area_id", "name", "category", "grid_id", "needed_visits", "needed_minutes",
            "planned_visits", "planned_minutes", "longest_gap_min", "groups", "met",
            "camera_share",
        ],
    )  # fmt: skip

    # Streets.
    st = streets.to_crs(work_crs)
    length = st.geometry.length.to_numpy()
    done = np.isin(street_ids, list(set(patrolled)))
    if camera_views is not None and len(camera_views):
        from geodata.cameras import street_camera_share

        cam = street_camera_share(streets, camera_views, work_crs=work_crs).to_numpy()
    else:
        cam = np.zeros(len(st))
    risk = street_risk.reindex(street_ids).fillna(0.0).to_numpy(float)
    n_high = int(np.ceil(high_risk_share * len(st)))
    order = np.argsort(-risk, kind="stable")
    high = np.zeros(len(st), dtype=bool)
    high[order[:n_high]] = True
    high &= risk > 0
    blind_m = np.where(high & ~done, length * (1.0 - cam), 0.0)
    street_grid = _grid_of(
        gpd.GeoSeries(st.geometry.interpolate(0.5, normalized=True), crs=st.crs),
        grids.to_crs(work_crs),
    )
    street_df = pd.DataFrame(
        {
            "street_id": street_ids,
            "name": streets.get("name", pd.Series([""] * len(st))).astype(str).to_numpy(),
            "grid_id": street_grid,
            "length_m": length,
            "patrolled": done,
            "camera_share": np.round(cam, 4),
            "risk": risk,
            "high_risk": high,
            "blind_m": blind_m,
        }
    )
    blind = street_df[street_df["blind_m"] > 0.5].sort_values("risk", ascending=False)
    blind = blind[
        ["street_id", "name", "grid_id", "length_m", "blind_m", "camera_share", "risk"]
    ].reset_index(drop=True)

    # Grids.
    grid_rows = []
    for gid, gname in zip(
        grids["id"].astype(str), grids.get("name", grids["id"]).astype(str), strict=True
    ):
        a = areas_df[areas_df["grid_id"] == gid]
        s = street_df[street_df["grid_id"] == gid]
        hk = float(s.loc[s["high_risk"], "length_m"].sum()) / 1000.0
        bk = float(s["blind_m"].sum()) / 1000.0
        grid_rows.append(
            {
                "grid_id": gid,
                "name": gname,
                "areas_with_dose": int((a["needed_visits"] > 0).sum()),
                "needed_visits": int(a["needed_visits"].sum()),
                "needed_minutes": int(a["needed_minutes"].sum()),
                "planned_visits": int(a["planned_visits"].sum()),
                "planned_minutes": round(float(a["planned_minutes"].sum()), 2),
                "areas_met": int((a["met"] & (a["needed_visits"] > 0)).sum()),
                "street_km": round(float(s["length_m"].sum()) / 1000.0, 3),
                "street_km_patrolled": round(
                    float(s.loc[s["patrolled"], "length_m"].sum()) / 1000.0, 3
                ),
                "high_risk_km": round(hk, 3),
                "blind_km": round(bk, 3),
                "blind_share": round(bk / hk, 4) if hk > 0 else 0.0,
            }
        )
    grids_df = pd.DataFrame(grid_rows)

    travelled = pd.Series(patrolled).map(dict(zip(street_ids, length, strict=True)))
    high_km = float(length[high].sum()) / 1000.0
    blind_km = float(blind_m.sum()) / 1000.0
    needing = areas_df[areas_df["needed_visits"] > 0]
    summary = {
        "areas_with_dose": len(needing),
        "areas_met": int(needing["met"].sum()),
        "needed_minutes": int(needing["needed_minutes"].sum()),
        "planned_minutes": round(float(areas_df["planned_minutes"].sum()), 2),
        "street_km_patrolled": round(float(length[done].sum()) / 1000.0, 3),
        "street_km_travelled": round(float(travelled.sum()) / 1000.0, 3),
        "high_risk_km": round(high_km, 3),
        "high_risk_km_patrolled": round(float(length[high & done].sum()) / 1000.0, 3),
        "high_risk_km_camera_only": round(float((length * cam)[high & ~done].sum()) / 1000.0, 3),
        "blind_km": round(blind_km, 3),
        "blind_share": round(blind_km / high_km, 4) if high_km > 0 else 0.0,
        "blind_spots": len(blind),
    }
    logger.info("coverage: %s", summary)
    return CoverageResult(areas_df, grids_df, blind, summary)


def visits_from_routes(
    routes: Iterable[Any],
    *,
    group_of: Mapping[str, str] | None = None,
    area_of: Mapping[str, str] | None = None,
) -> list[Visit]:
    """Return the visits of routing-core routes (``planner.routing.model.Route``).

    Parameters
    ----------
    routes
        Routes with ``vehicle_id`` and ``stops`` (each with ``site_id``, ``start`` and
        ``departure`` in seconds); meal breaks and sites not in ``area_of`` are skipped when
        ``area_of`` is given.
    group_of
        Vehicle id -> patrol group id (default: the vehicle id).
    area_of
        Site id -> key-area id (default: the site id is the area id).
    """
    out = []
    for route in routes:
        group = (group_of or {}).get(route.vehicle_id, route.vehicle_id)
        for stop in route.stops:
            sid = str(stop.site_id)
            if sid.startswith("__"):
                continue
            if area_of is not None:
                if sid not in area_of:
                    continue
                sid = area_of[sid]
            out.append(Visit(sid, int(stop.start), int(stop.departure), str(group)))
    return out


def patrolled_from_routes(
    routes: Iterable[Any],
    ends: Mapping[str, tuple[int, int]],
    path_streets: Callable[[int, int], list[str]],
) -> list[str]:
    """Return the street ids travelled by routes, leg by leg (repeats kept).

    Parameters
    ----------
    routes
        Routes with ``vehicle_id`` and ``stops`` (``node``, ``exit_node``).
    ends
        Vehicle id -> (start node, end node).
    path_streets
        Street ids of the shortest path between two nodes, e.g.
        ``lambda a, b: net.path_streets(a, b, mode)[0]``.
    """
    out: list[str] = []
    for route in routes:
        here, last = ends[route.vehicle_id]
        for stop in route.stops:
            if stop.node != here:
                out.extend(path_streets(here, int(stop.node)))
            if stop.exit_node != stop.node:
                out.extend(path_streets(int(stop.node), int(stop.exit_node)))
            here = int(stop.exit_node)
        if here != last:
            out.extend(path_streets(here, last))
    return out


def combine(results: Iterable[CoverageResult]) -> CoverageResult:
    """Return the coverage of several shifts together (a day, a week, a plan).

    Visits and minutes add up; the longest gap is the longest of any shift; street km
    patrolled add up per shift (a street patrolled in two shifts counts twice); a street is a
    blind spot when it is one in any shift, with its largest blind length.
    """
    parts = list(results)
    if not parts:
        msg = "There is no shift coverage to combine."
        raise PlanInputError(msg)
    areas = pd.concat([p.areas for p in parts], ignore_index=True)
    keys = ["area_id", "name", "category", "grid_id"]
    a = (
        areas.groupby(keys, sort=False, dropna=False)
        .agg(
            needed_visits=("needed_visits", "sum"),
            needed_minutes=("needed_minutes", "sum"),
            planned_visits=("planned_visits", "sum"),
            planned_minutes=("planned_minutes", "sum"),
            longest_gap_min=("longest_gap_min", "max"),
            shifts_met=("met", "sum"),
            shifts=("met", "size"),
            camera_share=("camera_share", "max"),
        )
        .reset_index()
    )
    a["met"] = a["shifts_met"] == a["shifts"]
    grids = pd.concat([p.grids for p in parts], ignore_index=True)
    sums = [c for c in grids.columns if c not in ("grid_id", "name", "street_km", "blind_share")]
    g = grids.groupby(["grid_id", "name"], sort=False).agg(
        {**{c: "sum" for c in sums}, "street_km": "first"}
    )
    g = g.reset_index()
    g["blind_share"] = np.where(g["high_risk_km"] > 0, g["blind_km"] / g["high_risk_km"], 0.0)
    blind = pd.concat([p.blind_spots for p in parts], ignore_index=True)
    if len(blind):
        blind = (
            blind.sort_values("blind_m", ascending=False)
            .drop_duplicates("street_id")
            .sort_values("risk", ascending=False)
            .reset_index(drop=True)
        )
    summary: dict[str, Any] = {"shifts": len(parts)}
    for key in parts[0].summary:
        vals = [p.summary[key] for p in parts]
        summary[key] = round(sum(vals), 3) if key != "blind_share" else None
    summary["blind_share"] = (
        round(summary["blind_km"] / summary["high_risk_km"], 4) if summary["high_risk_km"] else 0.0
    )
    summary["blind_spots"] = len(blind)
    return CoverageResult(a, g, blind, summary)


def plan_rows(
    dose: pd.DataFrame, result: CoverageResult, *, date: str, shift_id: str
) -> tuple[list[Any], list[Any]]:
    """Return the plan document's dose and coverage rows for one shift.

    Returns
    -------
    tuple of list
        ``planner.plan.document.DoseRow`` per dosed area and ``CoverageRow`` per area and grid.
    """
    from planner.plan.document import CoverageRow, DoseRow

    a = result.areas.set_index("area_id")
    doses = []
    for row in dose.itertuples(index=False):
        got = a.loc[row.area_id] if row.area_id in a.index else None
        doses.append(
            DoseRow(
                area_id=str(row.area_id),
                date=date,
                shift_id=shift_id,
                needed_visits=int(row.visits),
                needed_minutes=int(row.needed_minutes),
                planned_visits=int(got["planned_visits"]) if got is not None else 0,
                planned_minutes=round(float(got["planned_minutes"])) if got is not None else 0,
            )
        )
    cover = [
        CoverageRow(
            level="area",
            id=str(r.area_id),
            name=str(r.name),
            needed_minutes=int(r.needed_minutes),
            planned_minutes=round(float(r.planned_minutes)),
            planned_visits=int(r.planned_visits),
            camera_share=float(r.camera_share),
        )
        for r in result.areas.itertuples(index=False)
    ]
    cover += [
        CoverageRow(
            level="grid",
            id=str(r.grid_id),
            name=str(r.name),
            needed_minutes=int(r.needed_minutes),
            planned_minutes=round(float(r.planned_minutes)),
            planned_visits=int(r.planned_visits),
        )
        for r in result.grids.itertuples(index=False)
    ]
    return doses, cover
