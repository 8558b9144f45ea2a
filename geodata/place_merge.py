"""Curate imported key areas: one place per station, per building and per name.

OpenStreetMap maps a metro station as a station (a node or the outline of the station hall)
and each of its exits as an entrance node (新街口#1 … 新街口#24); a bank or a hotel both as a
node and as the outline of its building; a bus stop once on each side of the street. A patrol
plan needs places, not map objects, so the import merges them:

1. :func:`merge_station_entrances`: the entrances of one station become one key area whose
   geometry is a MultiPoint of the entrances (a Point when there is one). Its representative
   point (``geometry.representative_point()``: the entrance nearest the entrances' centre) is
   where a checkpoint stands, and its id is that entrance's id, so the checkpoint stays where
   the key area of that id stood before. Name, English name, tag and opening hours come from
   the station. An entrance belongs to the station whose name its own name starts with
   (``新街口#3``, ``新街口站A口``) within :data:`STATION_RADIUS_M`, an unnamed one to the nearest
   station within :data:`UNNAMED_ENTRANCE_RADIUS_M`; entrances of a station that is not in
   the file form a place of their own, by name.
2. :func:`merge_points_into_polygons`: a point inside a polygon of its category (or within
   :data:`INSIDE_TOLERANCE_M` of it) is the same place when the names agree (equal, one
   within the other, or one blank); the polygon stays.
3. :func:`dedupe`: features of one category with the same name within
   :data:`DUPLICATE_RADIUS_M`, and unnamed features within :data:`UNNAMED_RADIUS_M` of another
   of their category, are one place; polygons are kept before points, named points before
   unnamed ones, then the smaller id.

Every kept place lists the ids merged into it in its ``merged_ids`` column (``;``-joined, empty
when none), so a reference to a merged id can be followed to the place that replaced it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPoint

if TYPE_CHECKING:
    from collections.abc import Iterable

MERGED_COLUMN = "merged_ids"
"""Column of the ids merged into a kept place."""

ENTRANCE_COLUMN = "entrance"
"""Boolean column that marks station entrances before :func:`merge_station_entrances`."""

STATION_RADIUS_M = 400.0
"""A named entrance joins the station of its name within this distance (metres)."""

UNNAMED_ENTRANCE_RADIUS_M = 150.0
"""An unnamed entrance joins the nearest station within this distance (metres)."""

ENTRANCE_GROUP_RADIUS_M = 500.0
"""Entrances of one name with no station in the file form one place within this distance."""

DUPLICATE_RADIUS_M = 150.0
"""Features of one category with the same name closer than this are one place."""

UNNAMED_RADIUS_M = 60.0
"""An unnamed feature this close to another of its category is dropped as a duplicate."""

INSIDE_TOLERANCE_M = 5.0
"""A point this close to a polygon counts as inside it (a node on the building's outline)."""

_EXIT = re.compile(
    r"^(?P<station>.+?)\s*(?:地铁站|站)?[\s\-]*(?:[A-Za-z]?\d+[A-Za-z]?|[A-Za-z])\s*号?(?:出入口|出口|口)$"
)
_STATION_SUFFIX = re.compile(r"(?:地铁站|火车站|站)$")


def entrance_station_name(name: str) -> str:
    """Return the station name in an entrance's name, or ``""``.

    Examples
    --------
    >>> entrance_station_name("新街口#3")
    '新街口'
    >>> entrance_station_name("大行宫站A口")
    '大行宫'
    >>> entrance_station_name("3号口")
    ''
    """
    text = name.strip()
    for mark in ("#", "＃"):
        if mark in text:
            return station_key(text.split(mark)[0])
    m = _EXIT.match(text)
    if m is not None:
        return station_key(m.group("station"))
    return station_key(text) if not re.fullmatch(r"[A-Za-z]?\d*[A-Za-z]?\s*号?口?", text) else ""


def station_key(name: str) -> str:
    """Return a station name without its ``站`` / ``地铁站`` suffix, for comparing names."""
    return _STATION_SUFFIX.sub("", name.strip()).strip()


def _joined(ids: Iterable[str]) -> str:
    return ";".join(sorted({i for i in ids if i}))


def _merged_of(row: Any) -> list[str]:
    value = row.get(MERGED_COLUMN, "") if hasattr(row, "get") else ""
    return [v for v in str(value or "").split(";") if v]


def _ensure_columns(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    areas = areas.copy()
    if MERGED_COLUMN not in areas.columns:
        areas[MERGED_COLUMN] = ""
    areas[MERGED_COLUMN] = areas[MERGED_COLUMN].fillna("").astype(str)
    return areas


def _names_agree(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    return not a or not b or a in b or b in a


def merge_station_entrances(areas: gpd.GeoDataFrame, work_crs: Any) -> gpd.GeoDataFrame:
    """Merge the entrances of each station into one place (see the module docstring).

    Parameters
    ----------
    areas
        Key areas in EPSG:4326 with ``id``, ``name``, ``category`` and the boolean
        :data:`ENTRANCE_COLUMN` (rows without it are no entrances).
    work_crs
        A metric CRS for distances.

    Returns
    -------
    GeoDataFrame
        The areas with each station's entrances and station replaced by one row, in the
        position of the row whose id it keeps; without the entrance column.
    """
    areas = _ensure_columns(areas).reset_index(drop=True)
    if ENTRANCE_COLUMN not in areas.columns or not len(areas):
        return areas.drop(columns=[ENTRANCE_COLUMN], errors="ignore")
    station = (areas["category"] == "station").to_numpy()
    entrance = areas[ENTRANCE_COLUMN].fillna(False).astype(bool).to_numpy() & station
    hubs = np.flatnonzero(station & ~entrance)
    work = areas.geometry.to_crs(work_crs)
    hub_keys = {int(h): station_key(str(areas.at[h, "name"])) for h in hubs}
    # One station mapped twice (two halls, a node and an outline): its hubs share the first's
    # group, so all its entrances become one place.
    cluster: dict[int, int] = {}
    for h in sorted(hub_keys):
        cluster[h] = next(
            (
                cluster[o]
                for o in sorted(cluster)
                if hub_keys[h]
                and hub_keys[o] == hub_keys[h]
                and work.iloc[h].distance(work.iloc[o]) <= STATION_RADIUS_M
            ),
            h,
        )
    groups: dict[Any, list[int]] = {}
    free: list[tuple[str, int]] = []
    for e in np.flatnonzero(entrance).tolist():
        base = entrance_station_name(str(areas.at[e, "name"]))
        dist = {h: float(work.iloc[e].distance(work.iloc[h])) for h in hub_keys}
        if base:
            near = [h for h, key in hub_keys.items() if key == base and dist[h] <= STATION_RADIUS_M]
        else:
            near = [h for h in hub_keys if dist[h] <= UNNAMED_ENTRANCE_RADIUS_M]
        if not near and base:
            near = [
                h for h, key in hub_keys.items() if not key and dist[h] <= UNNAMED_ENTRANCE_RADIUS_M
            ]
        if near:
            nearest = min(near, key=lambda h: (dist[h], h))
            groups.setdefault(("hub", cluster[nearest]), []).append(e)
        elif base:
            free.append((base, e))
    for base, e in free:
        for key, members in groups.items():
            if key[0] != "name" or key[1] != base:
                continue
            if min(work.iloc[e].distance(work.iloc[m]) for m in members) <= (
                ENTRANCE_GROUP_RADIUS_M
            ):
                members.append(e)
                break
        else:
            groups[("name", base, e)] = [e]
    drop: set[int] = set()
    replace: dict[int, dict[str, Any]] = {}
    for key, members in groups.items():
        hub: int | None = int(key[1]) if key[0] == "hub" else None
        members = sorted(members, key=lambda i: str(areas.at[i, "id"]))
        points = [areas.geometry.iloc[i] for i in members]
        geom = points[0] if len(points) == 1 else MultiPoint(points)
        rep = geom.representative_point()
        gaps = [(p.distance(rep), i) for i, p in zip(members, points, strict=True)]
        keep = min(gaps)[1]
        source = areas.loc[hub] if hub is not None else areas.loc[keep]
        row = areas.loc[keep].to_dict()
        for col in ("name_en", "osm_tag", "opening_hours", "priority"):
            if col in areas.columns and hub is not None:
                row[col] = source[col]
        hub_name = str(source["name"]) if hub is not None else ""
        row["name"] = hub_name or (key[1] if key[0] == "name" else str(row["name"]))
        if "opening_hours" in areas.columns and not str(row.get("opening_hours") or ""):
            tagged = [str(areas.at[i, "opening_hours"]) for i in members]
            row["opening_hours"] = next((t for t in tagged if t), "")
        hall = [h for h in cluster if cluster[h] == hub] if hub is not None else []
        gone = [i for i in hall + members if i != keep]
        merged = _merged_of(areas.loc[keep])
        for i in gone:
            merged += [str(areas.at[i, "id"]), *_merged_of(areas.loc[i])]
        row[MERGED_COLUMN] = _joined(merged)
        row["geometry"] = geom
        replace[keep] = row
        drop.update(gone)
    rows = [replace.get(i, areas.loc[i].to_dict()) for i in range(len(areas)) if i not in drop]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=areas.crs, columns=areas.columns)
    return out.drop(columns=[ENTRANCE_COLUMN]).reset_index(drop=True)


def merge_points_into_polygons(areas: gpd.GeoDataFrame, work_crs: Any) -> gpd.GeoDataFrame:
    """Merge a point into the polygon of its category that holds it when the names agree.

    The polygon keeps its id and takes the point's name, English name and opening hours where
    its own are blank; among several such polygons the smallest wins.
    """
    areas = _ensure_columns(areas).reset_index(drop=True)
    if not len(areas):
        return areas
    work = areas.geometry.to_crs(work_crs)
    kinds = areas.geom_type.to_numpy()
    polygons = np.flatnonzero(np.isin(kinds, ("Polygon", "MultiPolygon")))
    points = np.flatnonzero(kinds == "Point")
    drop: set[int] = set()
    rows = {int(i): areas.loc[int(i)].to_dict() for i in polygons}
    reach = {int(q): work.iloc[int(q)].buffer(INSIDE_TOLERANCE_M) for q in polygons}
    for geom in reach.values():
        shapely.prepare(geom)
    for p in points.tolist():
        cat, name = areas.at[p, "category"], str(areas.at[p, "name"])
        holders = [
            q
            for q in reach
            if areas.at[q, "category"] == cat
            and reach[q].contains(work.iloc[p])
            and _names_agree(name, str(rows[q]["name"]))
        ]
        if not holders:
            continue
        q = min(holders, key=lambda i: (work.iloc[i].area, i))
        row = rows[q]
        for col in ("name", "name_en", "opening_hours"):
            if col in areas.columns and not str(row.get(col) or "") and areas.at[p, col]:
                row[col] = areas.at[p, col]
        row[MERGED_COLUMN] = _joined(
            [*_merged_of(row), str(areas.at[p, "id"]), *_merged_of(areas.loc[p])]
        )
        drop.add(p)
    kept = [rows.get(i, areas.loc[i].to_dict()) for i in range(len(areas)) if i not in drop]
    return gpd.GeoDataFrame(
        kept, geometry="geometry", crs=areas.crs, columns=areas.columns
    ).reset_index(drop=True)


def dedupe(gdf: gpd.GeoDataFrame, work_crs: Any, group: str) -> gpd.GeoDataFrame:
    """Merge features of one ``group`` value that are the same place (see module docstring)."""
    if not len(gdf):
        return gdf
    gdf = gdf.reset_index(drop=True)
    track = MERGED_COLUMN in gdf.columns
    if track:
        gdf = gdf.copy()
        gdf[MERGED_COLUMN] = gdf[MERGED_COLUMN].fillna("").astype(str)
    work = gdf.to_crs(work_crs)
    # Polygons and multi-entrance places first, then named points, then by id: the first of a
    # cluster is kept.
    rank = np.where(work.geom_type == "Point", 1, 0) + np.where(work["name"] == "", 2, 0)
    order = np.lexsort((work["id"].to_numpy(), rank))
    keep: list[int] = []
    kept_geoms: dict[str, list[tuple[str, Any, int]]] = {}
    merged: dict[int, list[str]] = {}
    for i in order:
        row = work.iloc[i]
        geom = row.geometry
        same = kept_geoms.setdefault(row[group], [])
        into = None
        for name, other, k in same:
            dist = geom.distance(other)
            if (row["name"] and row["name"] == name and dist <= DUPLICATE_RADIUS_M) or (
                not row["name"] and dist <= UNNAMED_RADIUS_M
            ):
                into = k
                break
        if into is None:
            keep.append(int(i))
            same.append((row["name"], geom, int(i)))
        elif track:
            merged.setdefault(into, []).extend([str(row["id"]), *_merged_of(gdf.loc[int(i)])])
    out = gdf.iloc[sorted(keep)].copy()
    if track:
        for k, ids in merged.items():
            out.at[k, MERGED_COLUMN] = _joined([*_merged_of(out.loc[k]), *ids])
    return out.reset_index(drop=True)


def curate_key_areas(areas: gpd.GeoDataFrame, work_crs: Any) -> gpd.GeoDataFrame:
    """Merge stations' entrances, points inside their polygons and duplicates, in turn.

    See :func:`merge_station_entrances`, :func:`merge_points_into_polygons` and
    :func:`dedupe` (by category).
    """
    out = merge_station_entrances(areas, work_crs)
    out = merge_points_into_polygons(out, work_crs)
    out = dedupe(out, work_crs, "category")
    out[MERGED_COLUMN] = out[MERGED_COLUMN].fillna("").astype(str)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=areas.crs)
