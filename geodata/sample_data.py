"""Seeded sample data where OSM is silent: teams, grid members, posts, cameras, grids, rentals."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2
from scipy.spatial import Voronoi
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import nearest_points, polygonize, unary_union

from geodata.bundle import LAYER_COLUMNS, STORAGE_CRS, District, empty_layer
from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger("geodata")

DEFAULT_SEED = 20261031
"""Seed of the default district's sample data."""

SAMPLE_LAYERS: tuple[str, ...] = (
    "teams", "grid_members", "cameras", "grids", "incidents", "rentals",
)  # fmt: skip
"""What :func:`add_sample_data` makes up, as listed in the manifest's ``sample_layers``."""

MIN_POLICE_ROOMS = 2
"""Sample police rooms are added until the district has this many posts of kind police_room."""

GRID_MIN_KM2 = 0.25
GRID_MAX_KM2 = 0.6
GRID_TARGET_KM2 = 0.4
GRID_REACH_M = 150.0
GRID_MINOR_HIGHWAYS = frozenset({"residential", "unclassified", "living_street", "pedestrian"})

MAJOR_HIGHWAYS = frozenset(
    {"trunk", "primary", "secondary", "tertiary", "trunk_link", "primary_link", "secondary_link"}
)

INCIDENTS_PER_DAY = 4.0
"""Mean incidents per day before seasonal and weekday factors."""

CATEGORY_SHARE = {
    "theft": 0.40,
    "dispute": 0.18,
    "traffic": 0.15,
    "burglary": 0.09,
    "robbery": 0.04,
    "other": 0.14,
}
"""Share of each incident category."""

# Relative hour-of-day weights (0..23) per incident category.
_HOURS = {
    "theft": [2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 9, 11, 12, 11, 10, 10, 11, 13, 14, 14, 13, 10, 7, 4],
    "burglary": [8, 10, 11, 10, 8, 5, 3, 2, 3, 5, 7, 7, 6, 6, 7, 6, 4, 3, 3, 3, 3, 4, 5, 6],
    "robbery": [10, 9, 7, 5, 3, 2, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 5, 6, 8, 10, 11, 11],
    "dispute": [9, 7, 5, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 6, 6, 6, 7, 8, 9, 11, 12, 13, 13, 11],
    "traffic": [2, 1, 1, 1, 1, 2, 4, 10, 13, 9, 7, 7, 8, 7, 7, 8, 10, 13, 12, 8, 6, 5, 4, 3],
    "other": [3, 2, 2, 1, 1, 1, 2, 4, 6, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4],
}
_NIGHT_HOURS = (20, 21, 22, 23, 0, 1, 2)

# Where each incident category happens: weights of place kinds.
_PLACES = {
    "theft": {"hotspot": 0.22, "venue_theft": 0.38, "alley": 0.15, "station": 0.15, "any": 0.10},
    "burglary": {"alley": 0.55, "residential": 0.35, "any": 0.10},
    "robbery": {"alley": 0.45, "bank": 0.15, "venue_night": 0.20, "hotspot": 0.10, "any": 0.10},
    "dispute": {"venue_night": 0.45, "venue_theft": 0.20, "station": 0.10, "any": 0.25},
    "traffic": {"junction": 0.65, "major": 0.30, "any": 0.05},
    "other": {"venue_theft": 0.25, "station": 0.15, "alley": 0.20, "any": 0.40},
}
_VENUE_THEFT = ("market", "supermarket", "convenience", "retail", "restaurant", "tourist_site",
                "square")  # fmt: skip
_VENUE_NIGHT = ("entertainment", "cinema", "internet_cafe", "restaurant", "hotel")
_STATIONS = ("station", "bus_stop")
_BANKS = ("bank", "atm")

_DESCRIPTIONS = {
    "theft": ["电动车电瓶被盗 (e-bike battery stolen)", "手机被盗 (phone stolen)",
              "钱包被扒 (pickpocketing)", "自行车被盗 (bicycle stolen)"],
    "burglary": ["入室盗窃 (break-in)", "商铺被撬 (shop break-in)"],
    "robbery": ["抢夺手机 (phone snatched)", "抢劫 (street robbery)"],
    "dispute": ["酒后纠纷 (drunken quarrel)", "邻里纠纷 (neighbour dispute)",
                "消费纠纷 (consumer dispute)"],
    "traffic": ["电动车与行人碰撞 (e-bike hit pedestrian)", "机动车剐蹭 (minor collision)"],
    "other": ["走失人员 (missing person)", "噪音扰民 (noise complaint)", "求助 (call for help)"],
}  # fmt: skip

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "斌", "鹏", "辉", "华", "刚", "浩",
          "俊", "丽", "静", "敏", "婷"]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Teams


def _new_name(rng: np.random.Generator, used: set[str]) -> str:
    """Return an invented Chinese name not in ``used`` (and add it there)."""
    while True:
        name = str(rng.choice(list(_SURNAMES))) + "".join(
            rng.choice(_GIVEN, size=int(rng.integers(1, 3)))
        )
        if name not in used:
            used.add(name)
            return name


def sample_teams(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Return 4 groups of 4 members and the team's 25 vehicles (teams.toml content)."""
    rng = np.random.default_rng(seed)
    # 15 e-bikes carry three groups of 4, 8 bicycles one more; the 2 motorcycles are for
    # leaders and quick response.
    modes = {"A": "ebike", "B": "ebike", "C": "bicycle", "D": "ebike"}
    zh = {"A": "一组", "B": "二组", "C": "三组", "D": "四组"}
    groups, members = [], []
    used: set[str] = set()
    number = 0
    for g in "ABCD":
        ids = [f"{g}{i}" for i in range(1, 5)]
        groups.append(
            {
                "id": g,
                "name": zh[g],
                "name_en": f"Group {g}",
                "default_mode": modes[g],
                "members": ids,
                "leader": ids[0],
            }
        )
        for i, mid in enumerate(ids):
            name = _new_name(rng, used)
            number += 1
            members.append(
                {
                    "id": mid,
                    "name": name,
                    "group": g,
                    "role": "leader" if i == 0 else "member",
                    "phone": f"138-0000-{number:04d}",
                    "licences": ["motorcycle"] if g == "D" or i == 0 else [],
                }
            )
    vehicles = (
        [{"id": f"BK{i:02d}", "mode": "bicycle", "name": f"自行车 {i}"} for i in range(1, 9)]
        + [{"id": f"EB{i:02d}", "mode": "ebike", "name": f"电动车 {i}"} for i in range(1, 16)]
        + [{"id": f"MC{i:02d}", "mode": "motorcycle", "name": f"摩托车 {i}"} for i in range(1, 3)]
    )
    return {
        "sample": True,
        "note": "Sample team generated by geodata/sample_data.py; names and phones are invented.",
        "seed": seed,
        "groups": groups,
        "members": members,
        "vehicles": vehicles,
    }


GRID_MEMBER_HOURS: dict[str, tuple[tuple[str, ...], ...]] = {
    "grid_member": (
        ("mon-fri 07:00-09:00", "mon-fri 16:00-18:00"),
        ("mon-fri 07:00-08:30", "mon-fri 16:00-17:45"),
    ),
    "volunteer": (
        ("mon-fri 07:00-08:15", "mon-fri 16:15-17:45"),
        ("mon,wed,fri 07:00-08:15", "mon,wed,fri 16:15-17:45"),
        ("tue,thu 07:00-08:15", "tue,thu 16:15-17:45", "sat 09:00-11:00"),
    ),
}
"""Duty-hour patterns of sample grid members and volunteers: part-time on school-day mornings and
afternoons around the gate windows (07:20-08:00, 16:30-17:30), one pattern drawn per person."""


def sample_grid_members(
    grids: gpd.GeoDataFrame, seed: int = DEFAULT_SEED, *, exclude: set[str] | None = None
) -> list[dict[str, Any]]:
    """Return two part-time people per grid: a grid member (网格员) and a volunteer (志愿者).

    Parameters
    ----------
    grids
        The district's grids (ids in order).
    seed
        Seed of the names and duty-hour patterns.
    exclude
        Names already taken (the patrol team's), so nobody appears twice.

    Returns
    -------
    list of dict
        ``[[grid_members]]`` entries of teams.toml: ``id`` (GM01, GM02, ...), ``name``,
        ``grid``, ``kind``, ``hours`` (duty-hours items, :mod:`geodata.duty_hours`), ``phone``
        (placeholder numbers 139-0000-00NN) and ``source = "sample"``.
    """
    rng = np.random.default_rng(seed + 1)
    used = set(exclude or ())
    out: list[dict[str, Any]] = []
    for grid in grids["id"].astype(str):
        for kind in ("grid_member", "volunteer"):
            patterns = GRID_MEMBER_HOURS[kind]
            n = len(out) + 1
            out.append(
                {
                    "id": f"GM{n:02d}",
                    "name": _new_name(rng, used),
                    "grid": grid,
                    "kind": kind,
                    "hours": list(patterns[int(rng.integers(len(patterns)))]),
                    "phone": f"139-0000-{n:04d}",
                    "source": "sample",
                }
            )
    return out


# ---------------------------------------------------------------------------------------------
# Geometry helpers


def _work(gdf: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Return ``gdf`` in the work CRS."""
    return gdf.to_crs(crs)


def street_junctions(streets_w: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return street nodes with their degree, number of major streets and position."""
    ends = []
    for row in streets_w.itertuples(index=False):
        coords = row.geometry.coords
        major = row.highway in MAJOR_HIGHWAYS
        ends.append((row.u, coords[0][0], coords[0][1], major, row.name))
        ends.append((row.v, coords[-1][0], coords[-1][1], major, row.name))
    df = pd.DataFrame(ends, columns=["node", "x", "y", "major", "street"])
    return (
        df.groupby("node")
        .agg(
            x=("x", "first"),
            y=("y", "first"),
            degree=("major", "size"),
            major=("major", "sum"),
            streets=("street", lambda names: "×".join(dict.fromkeys(n for n in names if n))),
        )
        .reset_index()
        .sort_values(["major", "degree", "node"], ascending=[False, False, True])
        .reset_index(drop=True)
    )


def _spots(geoms: Any) -> list[Point]:
    """Return each entrance of a multi-entrance area, else the area's representative point."""
    out: list[Point] = []
    for g in geoms:
        if g.geom_type == "MultiPoint":
            out.extend(g.geoms)
        else:
            out.append(g if g.geom_type == "Point" else g.representative_point())
    return out


def first_street(streets: str) -> str:
    """Return the first street name of a junction's ``streets`` (names joined by ×)."""
    return streets.split("×")[0] if streets else ""


def _entrance(area_geom: Any, streets_union: Any) -> tuple[Point, Point]:
    """Return (camera position on the nearest street, the area point it faces)."""
    target = area_geom.representative_point() if area_geom.geom_type != "Point" else area_geom
    on_street = nearest_points(streets_union, area_geom)[0]
    return on_street, target


def _heading(a: Point, b: Point) -> float:
    """Return the compass heading (0 = north, clockwise) from ``a`` to ``b`` in degrees."""
    return (math.degrees(math.atan2(b.x - a.x, b.y - a.y)) + 360.0) % 360.0


# ---------------------------------------------------------------------------------------------
# Posts and cameras


def sample_posts(district: District, junctions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the district's posts plus sample police rooms at busy, well-spread junctions."""
    crs = district.work_crs
    posts = district.posts.copy()
    if "source" not in posts.columns:
        posts["source"] = "osm"
    have = int((posts["kind"] == "police_room").sum())
    existing = list(_work(posts, crs).geometry) if len(posts) else []
    new: list[dict[str, Any]] = []
    for row in junctions.itertuples(index=False):
        if have + len(new) >= MIN_POLICE_ROOMS:
            break
        p = Point(row.x, row.y)
        if all(p.distance(q) > 600 for q in existing):
            k = len(new) + 1
            new.append(
                {
                    "id": f"PR{k:02d}",
                    "name": f"{first_street(row.streets)}社区警务室 (sample police room {k})",
                    "kind": "police_room",
                    "source": "sample",
                    "geometry": p,
                }
            )
            existing.append(p)
    if not new:
        return posts
    add = gpd.GeoDataFrame(new, geometry="geometry", crs=crs).to_crs(STORAGE_CRS)
    return gpd.GeoDataFrame(pd.concat([posts, add], ignore_index=True), crs=STORAGE_CRS)


def sample_cameras(
    district: District, junctions: pd.DataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Return cameras at major junctions and at key-area entrances."""
    crs = district.work_crs
    streets_w = _work(district.streets, crs)
    streets_union = streets_w.geometry.union_all()
    rows: list[dict[str, Any]] = []
    placed: list[Point] = []

    def add(p: Point, name: str, heading: float, fov: float, rng_m: float) -> None:
        if any(p.distance(q) < 25 for q in placed):
            return
        placed.append(p)
        rows.append({"name": name, "heading": heading, "fov": fov, "range": rng_m, "geometry": p})

    for row in junctions[junctions["major"] >= 3].head(24).itertuples(index=False):
        where = row.streets or "路口"
        add(Point(row.x, row.y), f"{where} 路口球机 (junction dome)", float("nan"), 360.0, 60.0)
    wanted = {"market": 6, "school": 10, "kindergarten": 4, "station": 8, "square": 3,
              "bank": 6, "entertainment": 4, "internet_cafe": 3, "supermarket": 4}  # fmt: skip
    areas = _work(district.key_areas, crs)
    for category, count in wanted.items():
        sub = areas[areas["category"] == category].sort_values("id")
        if len(sub) > count:
            sub = sub.iloc[np.sort(rng.choice(len(sub), size=count, replace=False))]
        for a in sub.itertuples(index=False):
            cam, target = _entrance(a.geometry, streets_union)
            heading = (
                _heading(cam, target) if cam.distance(target) > 1 else float(rng.integers(0, 360))
            )
            label = a.name or category
            add(cam, f"{label} 入口 (entrance)", round(heading, 1), 90.0, 40.0)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs(STORAGE_CRS)
    gdf.insert(0, "id", [f"C{i + 1:03d}" for i in range(len(gdf))])
    gdf["source"] = "sample"
    return gdf


# ---------------------------------------------------------------------------------------------
# Grids


def _polygons(geom: Any) -> list[Polygon]:
    """Return the polygon parts of ``geom``."""
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def _split(face: Any, parts: int, points: np.ndarray, seed: int) -> list[Any]:
    """Split ``face`` into ``parts`` Voronoi cells around k-means centres of ``points``."""
    inside = (
        points[shapely.contains_xy(face, points[:, 0], points[:, 1])] if len(points) else points
    )
    if len(inside) < parts * 3:
        minx, miny, maxx, maxy = face.bounds
        gx, gy = np.meshgrid(np.linspace(minx, maxx, 25), np.linspace(miny, maxy, 25))
        cand = np.column_stack([gx.ravel(), gy.ravel()])
        inside = cand[shapely.contains_xy(face, cand[:, 0], cand[:, 1])]
    if len(inside) < parts:
        return [face]
    centres, _ = kmeans2(inside, parts, seed=seed, minit="++")
    minx, miny, maxx, maxy = face.bounds
    far = 10 * max(maxx - minx, maxy - miny)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    extra = np.array([[cx - far, cy - far], [cx + far, cy - far], [cx - far, cy + far],
                      [cx + far, cy + far]])  # fmt: skip
    vor = Voronoi(np.vstack([centres, extra]))
    cells = []
    for i in range(len(centres)):
        region = vor.regions[vor.point_region[i]]
        if -1 in region or not region:
            continue
        cell = Polygon(vor.vertices[region]).intersection(face)
        if not cell.is_empty:
            cells.append(cell)
    rest = face.difference(unary_union(cells)) if cells else face
    if cells and rest.area > 1:
        cells[0] = cells[0].union(rest)
    return cells or [face]


def _faces(area: Polygon, lines: list[Any], reach: float) -> list[Polygon]:
    """Cut ``area`` along ``lines`` into faces that cover it exactly.

    Lines stop short of the area's edge where the data ends; each dead end within ``reach``
    metres is carried straight on to the edge so that the lines close faces.
    """
    ring = area.boundary
    counts: dict[tuple[float, float], int] = {}
    for line in lines:
        for end in (line.coords[0], line.coords[-1]):
            counts[end] = counts.get(end, 0) + 1
    links = []
    for end, n in counts.items():
        p = Point(end)
        if n == 1 and 0 < ring.distance(p) <= reach:
            links.append(LineString([p, nearest_points(ring, p)[0]]))
    cut = unary_union([*lines, *links, ring])
    faces = [g for f in polygonize(cut) for g in _polygons(f.intersection(area)) if g.area > 1]
    covered = unary_union(faces) if faces else Polygon()
    faces += [g for g in _polygons(area.difference(covered)) if g.area > 1]
    return faces


def _merge_small(faces: list[Any], min_m2: float, max_m2: float) -> list[Any]:
    """Merge faces under ``min_m2`` into a neighbour, smallest first.

    The neighbour is the one sharing the longest border among those that stay under
    ``max_m2`` together, else the smallest neighbour.
    """
    faces = list(faces)
    while len(faces) > 1:
        areas = [f.area for f in faces]
        small = [i for i, a in enumerate(areas) if a < min_m2]
        if not small:
            break
        i = min(small, key=lambda k: areas[k])
        near = []
        for j, other in enumerate(faces):
            if j == i:
                continue
            shared = faces[i].boundary.intersection(other.boundary).length
            if shared > 0 or faces[i].distance(other) <= 1:
                near.append((j, shared))
        if not near:
            near = [(min((j for j in range(len(faces)) if j != i),
                         key=lambda j: faces[i].distance(faces[j])), 0.0)]  # fmt: skip
        fitting = [(j, sh) for j, sh in near if areas[i] + areas[j] <= max_m2]
        if fitting:
            best = max(fitting, key=lambda t: (t[1], -t[0]))[0]
        else:
            best = min(near, key=lambda t: (areas[t[0]], t[0]))[0]
        faces[best] = unary_union([faces[best], faces[i]])
        faces.pop(i)
    return faces


def sample_grids(district: District, seed: int) -> gpd.GeoDataFrame:
    """Partition the boundary into grids along streets (see :func:`add_sample_data`)."""
    crs = district.work_crs
    boundary = _work(district.boundary, crs).geometry.iloc[0]
    streets_w = _work(district.streets, crs)
    is_major = streets_w["highway"].isin(MAJOR_HIGHWAYS)
    major = list(streets_w.loc[is_major, "geometry"])
    minor_mask = ~is_major & (
        streets_w["highway"].isin(GRID_MINOR_HIGHWAYS) | (streets_w["name"] != "")
    )
    minor = streets_w.loc[minor_mask, "geometry"]
    lo, hi = GRID_MIN_KM2 * 1e6, GRID_MAX_KM2 * 1e6
    faces = _merge_small(_faces(boundary, major, GRID_REACH_M), lo, hi)
    points = np.array([c for g in streets_w.geometry for c in g.coords])
    result = []
    for k, face in enumerate(faces):
        if face.area <= hi:
            result.append(face)
            continue
        # Too large: cut along the minor streets inside, then merge back to size.
        inner = [g for g in minor if g.intersects(face)]
        inner = [g.intersection(face) for g in inner]
        inner = [p for g in inner for p in getattr(g, "geoms", [g]) if isinstance(p, LineString)]
        pieces = _merge_small(_faces(face, inner, GRID_REACH_M / 2), lo, hi)
        for m, piece in enumerate(pieces):
            parts = round(piece.area / (GRID_TARGET_KM2 * 1e6))
            if piece.area > hi and parts > 1:
                result.extend(_split(piece, parts, points, seed + 100 * k + m))
            else:
                result.append(piece)
    cells = []
    for g in result:
        g = shapely.make_valid(g)
        polys = _polygons(g)
        if not polys:
            continue
        cells.append(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    # Order grids west to east, north to south, for readable ids.
    cells.sort(key=lambda g: (-round(g.centroid.y / 500), g.centroid.x))
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"G{i + 1:02d}" for i in range(len(cells))],
            "name": [f"第{i + 1}网格 (grid {i + 1})" for i in range(len(cells))],
            "area_km2": [round(g.area / 1e6, 3) for g in cells],
            "source": "sample",
        },
        geometry=cells,
        crs=crs,
    )
    return gdf.to_crs(STORAGE_CRS)


REGULAR_GRID_KM2 = 0.45
"""Target size of the cells of :func:`regular_grids` (about 670 m square)."""

SLIVER_KM2 = GRID_MIN_KM2
"""A clipped cell smaller than this joins its neighbour with the longest shared border."""


def _merge_empty(faces: list[Any], places: Sequence[Any]) -> list[Any]:
    """Merge each face holding none of ``places`` into the neighbour sharing the longest border.

    Faces are taken smallest first; a face with no neighbour (an island) joins the nearest.
    """
    faces = list(faces)
    while len(faces) > 1:
        empty = [i for i, f in enumerate(faces) if not any(f.covers(p) for p in places)]
        if not empty:
            break
        i = min(empty, key=lambda k: (faces[k].area, k))
        others = [j for j in range(len(faces)) if j != i]
        shared = {j: faces[i].boundary.intersection(faces[j].boundary).length for j in others}
        if max(shared.values()) > 0:
            best = max(others, key=lambda j: (shared[j], -j))
        else:
            best = min(others, key=lambda j: (faces[i].distance(faces[j]), j))
        faces[best] = unary_union([faces[best], faces[i]])
        faces.pop(i)
    return faces


def regular_grids(
    district: District,
    *,
    cell_km2: float = REGULAR_GRID_KM2,
    places: Sequence[Any] | None = None,
) -> gpd.GeoDataFrame:
    """Cut the boundary into a regular grid of square cells of about ``cell_km2``.

    Cells are clipped to the boundary; slivers under :data:`SLIVER_KM2` are merged into the
    neighbour sharing the longest border (within :data:`GRID_MAX_KM2` where one fits), so
    cells are about 0.3-0.6 km². With ``places`` (points in the district's work CRS, e.g. its
    patrol targets), a cell holding none of them joins its neighbour too, so every sample grid
    has somewhere to sign in and a daily patrol can reach each one. Ids run G01, G02, ... west
    to east, north to south, like :func:`sample_grids`; every row has ``source = "sample"``.
    """
    crs = district.work_crs
    boundary = _work(district.boundary, crs).geometry.union_all()
    side = math.sqrt(cell_km2 * 1e6)
    minx, miny, maxx, maxy = boundary.bounds
    nx_ = max(1, math.ceil((maxx - minx) / side))
    ny_ = max(1, math.ceil((maxy - miny) / side))
    # Centre the lattice on the boundary's box, so the edge cells are cut evenly.
    x0 = (minx + maxx) / 2 - nx_ * side / 2
    y0 = (miny + maxy) / 2 - ny_ * side / 2
    faces = []
    for i in range(nx_):
        for j in range(ny_):
            cell = shapely.box(
                x0 + i * side, y0 + j * side, x0 + (i + 1) * side, y0 + (j + 1) * side
            )
            part = cell.intersection(boundary)
            faces.extend(_polygons(part) if part.geom_type != "Polygon" else [part])
    faces = [f for f in faces if f.area > 1]
    faces = _merge_small(faces, SLIVER_KM2 * 1e6, GRID_MAX_KM2 * 1e6)
    if places is not None and len(places):
        faces = _merge_empty(faces, list(places))
    cells = []
    for g in faces:
        polys = _polygons(shapely.make_valid(g))
        if polys:
            cells.append(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    cells.sort(key=lambda g: (-round(g.centroid.y / 500), g.centroid.x))
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"G{i + 1:02d}" for i in range(len(cells))],
            "name": [f"第{i + 1}网格 (grid {i + 1})" for i in range(len(cells))],
            "area_km2": [round(g.area / 1e6, 3) for g in cells],
            "source": "sample",
        },
        geometry=cells,
        crs=crs,
    )
    return gdf.to_crs(STORAGE_CRS)


# ---------------------------------------------------------------------------------------------
# Rental housing

RENTALS_PER_KM = 0.6
"""Sample rental addresses per km of residential street and alley (at most :data:`MAX_RENTALS`)."""

MAX_RENTALS = 40
"""At most this many sample rentals."""

RENTAL_OFFSET_M = 12.0
"""Sample rentals stand this far beside their street (a house front, not the carriageway)."""


def sample_rentals(district: District, seed: int = DEFAULT_SEED) -> gpd.GeoDataFrame:
    """Return sample rental housing (出租屋) on the district's named alleys and residential streets.

    Each is a point a few metres beside a street, with a made-up house number on that street
    (``石鼓路12号``), a landlord's placeholder phone (137-0000-00NN) and ``source = "sample"``;
    ids RH001, RH002, ... About :data:`RENTALS_PER_KM` per km of such streets, at most
    :data:`MAX_RENTALS`.
    """
    rng = np.random.default_rng(seed + 2)
    crs = district.work_crs
    boundary = _work(district.boundary, crs).geometry.union_all()
    shapely.prepare(boundary)
    st = _work(district.streets, crs)
    homely = st["alley"].astype(bool) | st["highway"].isin(["residential", "living_street"])
    cand = st[homely & (st["name"] != "") & (st["length"] >= 40)].sort_values("id")
    if not len(cand):
        cand = st[st["name"] != ""].sort_values("id")
    if not len(cand):
        return empty_layer(LAYER_COLUMNS["rentals"])
    count = int(min(MAX_RENTALS, max(5, round(cand["length"].sum() / 1000 * RENTALS_PER_KM))))
    weights = cand["length"].to_numpy(dtype=float)
    picks = rng.choice(len(cand), size=count, p=weights / weights.sum())
    rows: list[dict[str, Any]] = []
    numbers: dict[str, set[int]] = {}
    for k, pick in enumerate(picks, start=1):
        street = cand.iloc[int(pick)]
        line: LineString = street.geometry
        at = float(rng.uniform(0.1, 0.9)) * line.length
        here, ahead = line.interpolate(at), line.interpolate(min(at + 1.0, line.length))
        dx, dy = ahead.x - here.x, ahead.y - here.y
        norm = math.hypot(dx, dy) or 1.0
        side = 1 if rng.random() < 0.5 else -1
        point = Point(
            here.x - side * dy / norm * RENTAL_OFFSET_M, here.y + side * dx / norm * RENTAL_OFFSET_M
        )
        if not boundary.contains(point):
            point = here
        taken = numbers.setdefault(str(street["name"]), set())
        number = int(rng.integers(1, 120))
        while number in taken:
            number += 1
        taken.add(number)
        address = f"{street['name']}{number}号"
        rows.append(
            {
                "id": f"RH{k:03d}",
                "name": f"{address} 出租屋 (sample rental {k})",
                "address": address,
                "phone": f"137-0000-{k:04d}",
                "source": "sample",
                "geometry": point,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs(STORAGE_CRS)


# ---------------------------------------------------------------------------------------------
# Incidents


def choose_hotspot_alley(district: District) -> pd.Series:
    """Return the street row of the theft-prone alley: the named alley with most venues near.

    Candidates are alley segments 60-400 m long with a name; the score counts markets,
    supermarkets, shops, restaurants, entertainment venues and stations within 150 m.
    """
    crs = district.work_crs
    st = _work(district.streets, crs)
    cand = st[st["alley"] & (st["name"] != "") & st["length"].between(60, 400)]
    if not len(cand):
        cand = st[st["alley"]] if st["alley"].any() else st
    areas = _work(district.key_areas, crs)
    venues = areas[areas["category"].isin((*_VENUE_THEFT, *_VENUE_NIGHT, *_STATIONS))]
    vgeom = shapely.points(
        np.array([(p.x, p.y) for p in _spots(venues.geometry)])
    ) if len(venues) else np.array([])  # fmt: skip
    scores = []
    for row in cand.itertuples(index=False):
        near = int(shapely.dwithin(row.geometry, vgeom, 150.0).sum()) if len(vgeom) else 0
        suffix = 1 if row.name.endswith(("巷", "弄", "胡同", "里")) else 0
        scores.append((near + 5 * suffix, row.length, row.id))
    best = max(scores)
    return district.streets.set_index("id").loc[best[2]]


def _season(day: date) -> float:
    """Return the seasonal factor of a day (summer high, winter low)."""
    return 1.0 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)


def sample_incidents(
    district: District, hotspot_id: str, end: date, seed: int, junctions: pd.DataFrame
) -> pd.DataFrame:
    """Return 12 months of incidents ending on ``end`` (see module docstring)."""
    rng = np.random.default_rng(seed)
    crs = district.work_crs
    tz = ZoneInfo(district.manifest.get("time_zone", "Asia/Shanghai"))
    boundary = _work(district.boundary, crs).geometry.iloc[0]
    shapely.prepare(boundary)
    st = _work(district.streets, crs).set_index("id")
    areas = _work(district.key_areas, crs)
    alley_ids = st.index[st["alley"].to_numpy()].to_numpy()
    res_ids = st.index[st["highway"].isin(["residential", "living_street"]).to_numpy()].to_numpy()
    major_ids = st.index[st["highway"].isin(MAJOR_HIGHWAYS).to_numpy()].to_numpy()
    all_ids = st.index.to_numpy()
    hot_line: LineString = st.loc[hotspot_id].geometry

    def venue_points(cats: tuple[str, ...]) -> list[Point]:
        return _spots(areas.loc[areas["category"].isin(cats), "geometry"])

    pools: dict[str, list[Point]] = {
        "venue_theft": venue_points(_VENUE_THEFT),
        "venue_night": venue_points(_VENUE_NIGHT),
        "station": venue_points(_STATIONS),
        "bank": venue_points(_BANKS),
    }
    junction_pts = [
        Point(x, y) for x, y in junctions.loc[junctions["major"] >= 2, ["x", "y"]].to_numpy()
    ]
    if not junction_pts:
        junction_pts = [Point(x, y) for x, y in junctions[["x", "y"]].head(30).to_numpy()]

    def on_street(ids: np.ndarray) -> Point:
        if not len(ids):
            ids = all_ids
        w = st.loc[ids, "length"].to_numpy()
        sid = ids[rng.choice(len(ids), p=w / w.sum())]
        return st.loc[sid].geometry.interpolate(rng.random(), normalized=True)

    def place(kind: str) -> Point:
        if kind == "hotspot":
            base = hot_line.interpolate(rng.random(), normalized=True)
            return Point(base.x + rng.normal(0, 6), base.y + rng.normal(0, 6))
        if kind == "alley":
            return on_street(alley_ids)
        if kind == "residential":
            return on_street(res_ids)
        if kind == "major":
            return on_street(major_ids)
        if kind == "any":
            return on_street(all_ids)
        if kind == "junction":
            p = junction_pts[rng.integers(len(junction_pts))]
            return Point(p.x + rng.normal(0, 12), p.y + rng.normal(0, 12))
        pool = pools.get(kind) or []
        if not pool:
            return on_street(all_ids)
        p = pool[rng.integers(len(pool))]
        return Point(p.x + rng.normal(0, 20), p.y + rng.normal(0, 20))

    cats = list(CATEGORY_SHARE)
    share = np.array([CATEGORY_SHARE[c] for c in cats])
    start = end - timedelta(days=364)
    rows = []
    day = start
    while day <= end:
        factor = _season(day) * (1.15 if day.weekday() >= 5 else 1.0)
        summer = day.month in (6, 7, 8)
        for _ in range(rng.poisson(INCIDENTS_PER_DAY * factor)):
            cat = cats[rng.choice(len(cats), p=share)]
            hours = np.array(_HOURS[cat], dtype=float)
            if summer:
                hours[list(_NIGHT_HOURS)] *= 1.6
            hour = int(rng.choice(24, p=hours / hours.sum()))
            kinds = _PLACES[cat]
            if cat == "theft" and not (7 <= hour <= 23):
                kinds = {**kinds, "hotspot": kinds["hotspot"] / 2}
            kk = list(kinds)
            kw = np.array([kinds[k] for k in kk])
            for _attempt in range(10):
                p = place(kk[rng.choice(len(kk), p=kw / kw.sum())])
                if boundary.contains(p):
                    break
            else:
                p = on_street(all_ids)
            when = datetime(day.year, day.month, day.day, hour, int(rng.integers(60)),
                            tzinfo=tz)  # fmt: skip
            desc = _DESCRIPTIONS[cat][rng.integers(len(_DESCRIPTIONS[cat]))]
            rows.append((when, cat, p.x, p.y, f"sample: {desc}"))
        day += timedelta(days=1)
    df = pd.DataFrame(rows, columns=["time", "category", "x", "y", "description"])
    df = df.sort_values("time", kind="stable").reset_index(drop=True)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs=crs).to_crs(STORAGE_CRS)
    return pd.DataFrame(
        {
            "id": [f"I{i + 1:05d}" for i in range(len(df))],
            "time": pd.to_datetime(df["time"].map(lambda t: t.isoformat()), utc=True).dt.tz_convert(
                str(tz)
            ),
            "category": df["category"],
            "lon": lonlat.x.round(7).to_numpy(),
            "lat": lonlat.y.round(7).to_numpy(),
            "description": df["description"],
            "source": "sample",
        }
    )


# ---------------------------------------------------------------------------------------------


def add_sample_data(
    district: District, *, seed: int = DEFAULT_SEED, end: date = date(2026, 10, 31)
) -> District:
    """Return ``district`` with sample teams, police rooms, cameras, grids, rentals and incidents.

    Parameters
    ----------
    district
        A district from OSM (see :func:`geodata.osm_import.import_osm`).
    seed
        Seed of every random choice; the same seed gives the same data.
    end
        Last day of the 12-month incident history.

    Raises
    ------
    InputError
        When the district has no streets to place sample data on.

    Notes
    -----
    Everything made here is labelled: the manifest lists the layers in ``sample_layers``, and
    rows carry ``source = "sample"`` (posts mix real OSM police stations with sample police
    rooms). The same district, seed and end date always give the same data.

    Teams
        4 patrol groups A-D (一组…四组) of 4 members (A1…D4) with placeholder phone numbers
        138-0000-00NN, and the team's vehicles: 8 bicycles, 15 e-bikes, 2 motorcycles. Each
        group has a default travel mode and a base post (the police rooms in turn).
    Posts
        Community police rooms (社区警务室) at the busiest street junctions, as many as needed to
        have :data:`MIN_POLICE_ROOMS`; OSM police stations are kept as they are.
    Cameras
        At major junctions (all-round domes), and at the entrance of markets, schools,
        kindergartens, stations, squares, banks and entertainment venues (facing the entrance,
        90° field of view).
    Grid members (网格员, 平安志愿者)
        Two per grid in ``teams.toml``'s ``[[grid_members]]`` (:func:`sample_grid_members`):
        a grid member and a volunteer, part-time on school-day mornings and afternoons.
    Rentals (出租屋)
        Addresses on named alleys and residential streets (:func:`sample_rentals`), the
        ``rentals`` layer of weekly inspections.
    Grids (网格)
        The boundary cut along major streets (primary to tertiary, dead ends carried on to
        the boundary) into faces; faces under :data:`GRID_MIN_KM2` are merged into a
        neighbour, faces over :data:`GRID_MAX_KM2` are cut along the minor streets inside and
        merged back to size (a seeded k-means Voronoi split is the last resort), so grids
        follow streets and cover the boundary without overlaps at about 0.3-0.5 km² each.
    Incidents
        12 months up to ``end``: theft, burglary, robbery, dispute, traffic and other, with
        hour-of-day profiles per category, more on weekends and summer nights, placed near the
        venues each category clusters at (markets, supermarkets, stations, entertainment,
        internet-cafe-like venues, alleys, junctions), and one theft-prone named alley as a clear
        hotspot (recorded in the manifest as ``hotspot_alley``).
    """
    if not len(district.streets):
        msg = f"District {district.name!r} has no streets to place sample data on."
        raise InputError(msg)
    rng = np.random.default_rng(seed)
    junctions = street_junctions(_work(district.streets, district.work_crs))
    posts = sample_posts(district, junctions)
    cameras = sample_cameras(district, junctions, rng)
    grids = sample_grids(district, seed)
    hotspot = choose_hotspot_alley(district)
    incidents = sample_incidents(district, str(hotspot.name), end, seed, junctions)
    teams = sample_teams(seed)
    rooms = sorted(posts.loc[posts["kind"] == "police_room", "id"])
    for i, group in enumerate(teams["groups"]):
        if rooms:
            group["base_post"] = rooms[i % len(rooms)]
    teams["grid_members"] = sample_grid_members(
        grids, seed, exclude={m["name"] for m in teams["members"]}
    )
    rentals = sample_rentals(district, seed)
    manifest = dict(district.manifest)
    manifest["sample_layers"] = [
        "teams",
        "grid_members",
        "cameras",
        "grids",
        "incidents",
        "rentals",
    ]
    manifest["sample_posts"] = sorted(posts.loc[posts["source"] == "sample", "id"].tolist())
    manifest["sample_seed"] = seed
    manifest["sample_note"] = (
        "Teams, grid members, cameras, grids, incidents, rentals and posts with source = sample "
        "are generated by geodata/sample_data.py; they are not real."
    )
    manifest["hotspot_alley"] = {"street_id": str(hotspot.name), "name": str(hotspot["name"])}
    manifest["incidents_period"] = {
        "start": (end - timedelta(days=364)).isoformat(),
        "end": end.isoformat(),
    }
    logger.info(
        "sample data: %d posts, %d cameras, %d grids, %d grid members, %d rentals, "
        "%d incidents, hotspot %s",
        len(posts), len(cameras), len(grids), len(teams["grid_members"]), len(rentals),
        len(incidents), hotspot["name"],
    )  # fmt: skip
    return replace(
        district,
        manifest=manifest,
        posts=posts,
        cameras=cameras,
        grids=grids,
        incidents=incidents,
        teams=teams,
        rentals=rentals,
    )
