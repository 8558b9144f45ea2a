"""District bundles: read, write and validate a district's folder of layers and tables."""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geodata.categories import CATEGORIES
from geodata.duty_hours import DutyHoursError, parse_duty_hours
from geodata.errors import BundleError
from geodata.hours import hours_problems
from geodata.windows import (
    AreaValueError,
    is_blank,
    parse_dose_minutes,
    parse_target,
    parse_windows,
)

logger = logging.getLogger("geodata")

DEFAULT_DISTRICT_DIR: Path = Path(__file__).resolve().parent / "districts" / "xinjiekou"
"""Folder of the default district, Xinjiekou (Nanjing)."""

MANIFEST = "manifest.toml"
GPKG = "district.gpkg"
INCIDENTS = "incidents.csv"
TEAMS = "teams.toml"
STORAGE_CRS = "EPSG:4326"
OUTSIDE_TOLERANCE_M = 50.0
"""How far (metres) a point may lie outside the boundary and still count as inside."""

INCIDENT_CATEGORIES: tuple[str, ...] = (
    "theft",
    "burglary",
    "robbery",
    "dispute",
    "traffic",
    "other",
)
"""Categories allowed in ``incidents.csv``."""

REQUIRED_MANIFEST_KEYS: tuple[str, ...] = ("name", "time_zone", "crs", "work_crs", "attribution")

# Layer name -> (required columns besides geometry, allowed geometry types).
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "boundary": ((), ("Polygon", "MultiPolygon")),
    "streets": (
        ("id", "u", "v", "highway", "name", "length", "alley", "oneway"),
        ("LineString",),
    ),
    "key_areas": (
        ("id", "name", "category", "priority"),
        ("Point", "MultiPoint", "Polygon", "MultiPolygon"),
    ),
    "posts": (("id", "name", "kind"), ("Point",)),
    "cameras": (("id", "name", "heading", "fov", "range"), ("Point",)),
    "grids": (("id", "name"), ("Polygon", "MultiPolygon")),
}
"""Every layer of ``district.gpkg``: required columns and allowed geometry types.

A key area is a point, a polygon, or a MultiPoint for a place with several entrances (a metro
station and its exits): each point is one entrance, and the representative point of the place
(``geometry.representative_point()``, the entrance nearest the entrances' centre) is where a
checkpoint stands."""

OPTIONAL_LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rentals": (("id", "name", "address"), ("Point",)),
}
"""Layers a bundle may lack (an older bundle reads as having them empty): rental housing
(出租屋) inspected weekly, one point per address (see :mod:`geodata.rentals`)."""

ALL_LAYERS: tuple[str, ...] = (*LAYERS, *OPTIONAL_LAYERS)
"""Every layer a bundle may hold, required ones first."""

LAYER_COLUMNS: dict[str, dict[str, str]] = {
    "rentals": {"id": "str", "name": "str", "address": "str", "phone": "str", "source": "str"},
}
"""Column types of an empty optional layer."""

POINT_LAYERS: tuple[str, ...] = ("key_areas", "posts", "cameras", "rentals")
KEY_AREA_OPTIONAL: tuple[str, ...] = ("windows", "dose_minutes", "target", "opening_hours")
"""Optional columns of ``key_areas``: visit windows (text, :func:`geodata.windows.parse_windows`),
the presence needed per shift in minutes (:func:`geodata.windows.parse_dose_minutes`), whether
the place is a patrol target (``"yes"``, ``"no"``; :func:`geodata.windows.parse_target`) and its
opening hours (OSM syntax, :mod:`geodata.hours`). Blank cells or a missing column mean the
category's windows, the dose from risk, the category's target flag and its default hours. A bad
window, dose or target refuses the bundle; unparseable opening hours are only listed
(:attr:`District.problems`) and keep the category's default."""

GRID_MEMBER_KINDS: tuple[str, ...] = ("grid_member", "volunteer")
"""Kinds of part-time people in ``teams.toml``'s ``[[grid_members]]``: grid members (网格员)
and safety volunteers (平安志愿者)."""
INCIDENT_COLUMNS: tuple[str, ...] = ("id", "time", "category", "lon", "lat")


@dataclass
class District:
    """A district: its manifest, layers (EPSG:4326) and incident history.

    Attributes
    ----------
    path
        Folder the district was loaded from (or will be written to); None for a new one.
    manifest
        The parsed ``manifest.toml``.
    boundary, streets, key_areas, posts, cameras, grids
        The GeoPackage layers, all in EPSG:4326.
    incidents
        ``incidents.csv`` with ``time`` as timezone-aware timestamps in the district's zone.
    teams
        The parsed ``teams.toml`` (groups, members, vehicles, grid members), or an empty dict.
    rentals
        The optional ``rentals`` layer (rental housing for weekly inspections), maybe empty.
    problems
        Sentences about values that do not refuse the bundle but are not used as given
        (unparseable opening hours), filled by :func:`check_district`.
    """

    path: Path | None
    manifest: dict[str, Any]
    boundary: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    key_areas: gpd.GeoDataFrame
    posts: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    incidents: pd.DataFrame
    teams: dict[str, Any] = field(default_factory=dict)
    rentals: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer(LAYER_COLUMNS["rentals"]))
    problems: list[str] = field(default_factory=list)

    @property
    def work_crs(self) -> CRS:
        """The metric CRS for distances and areas (``manifest["work_crs"]``)."""
        return CRS.from_user_input(self.manifest["work_crs"])

    @property
    def name(self) -> str:
        """The district's name."""
        return str(self.manifest.get("name", ""))

    @property
    def boundary_polygon(self) -> shapely.Geometry:
        """The boundary as one shapely (Multi)Polygon in EPSG:4326."""
        return self.boundary.geometry.union_all()

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """Return the layer called ``name``."""
        if name not in ALL_LAYERS:
            msg = f"There is no layer called {name!r}; layers are {', '.join(ALL_LAYERS)}."
            raise BundleError(msg)
        return getattr(self, name)


def empty_layer(columns: dict[str, str]) -> gpd.GeoDataFrame:
    """Return an empty EPSG:4326 layer with typed ``columns``."""
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=STORAGE_CRS), crs=STORAGE_CRS)


# ---------------------------------------------------------------------------------------------
# TOML writing (tomllib only reads)


def _toml_value(value: Any) -> str:
    """Return ``value`` as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "nan"
        return repr(float(value))
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    msg = f"Cannot write a value of type {type(value).__name__} to TOML."
    raise BundleError(msg)


def _toml_key(key: str) -> str:
    """Return ``key`` bare when TOML allows it, quoted otherwise."""
    if key and all((c.isalnum() and c.isascii()) or c in "_-" for c in key):
        return key
    return _toml_value(key)


def dump_toml(data: dict[str, Any], header: str = "") -> str:
    """Return ``data`` as TOML text.

    Scalars and inline values come first, then sub-tables (``[name]``) and arrays of tables
    (``[[name]]``) one level deep, which is all bundles need.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        lines += ["", f"[{_toml_key(key)}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{_toml_key(key)}]]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Reading


def _read_toml(file: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into a BundleError."""
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        msg = f"File {file} is not valid TOML: {exc}."
        raise BundleError(msg) from exc
    except OSError as exc:
        msg = f"File {file} cannot be read: {exc.strerror}."
        raise BundleError(msg) from exc


def _resolve(path: str | Path | None) -> Path:
    """Return the bundle folder for ``path`` (None = the default district)."""
    folder = DEFAULT_DISTRICT_DIR if path is None else Path(path)
    if not folder.exists():
        msg = f"District folder {folder} does not exist."
        raise BundleError(msg)
    if not folder.is_dir():
        msg = f"District path {folder} is not a folder."
        raise BundleError(msg)
    return folder


def read_manifest(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check a bundle's ``manifest.toml``.

    Parameters
    ----------
    path
        The bundle folder; None for the default district.

    Raises
    ------
    BundleError
        When the manifest is missing, unreadable or lacks a required key.
    """
    folder = _resolve(path)
    file = folder / MANIFEST
    if not file.is_file():
        msg = f"District folder {folder} has no {MANIFEST}, so it is not a district bundle."
        raise BundleError(msg)
    manifest = _read_toml(file)
    for key in REQUIRED_MANIFEST_KEYS:
        if key not in manifest:
            msg = f"File {file} lacks the required key {key!r}."
            raise BundleError(msg)
    if _crs_or_none(manifest["crs"]) != CRS.from_user_input(STORAGE_CRS):
        msg = (
            f"File {file} says crs = {manifest['crs']!r}, but bundles are stored in {STORAGE_CRS}."
        )
        raise BundleError(msg)
    try:
        ZoneInfo(str(manifest["time_zone"]))
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"File {file} has time_zone = {manifest['time_zone']!r}, which is no IANA time zone."
        raise BundleError(msg) from None
    work = _crs_or_none(manifest["work_crs"])
    if work is None or not work.is_projected:
        msg = f"File {file} has work_crs = {manifest['work_crs']!r}, which is not a metric CRS."
        raise BundleError(msg)
    return manifest


def district_id(folder: str | Path, manifest: dict[str, Any]) -> str:
    """Return a bundle's stable id: the manifest's ``id`` when set, else the folder's name.

    A copy of a bundle under another folder name (an app's working copy, a plan's snapshot)
    keeps the id of the bundle it was copied from through its manifest.
    """
    value = manifest.get("id")
    return str(value) if isinstance(value, str) and value.strip() else Path(folder).name


def _crs_or_none(value: Any) -> CRS | None:
    """Return a CRS for ``value``, or None when it names no CRS."""
    try:
        return CRS.from_user_input(value)
    except Exception:  # pyproj raises CRSError and others for junk
        return None


def _layer_names(gpkg: Path) -> set[str]:
    """Return the layer names of a GeoPackage."""
    try:
        return {str(row[0]) for row in pyogrio.list_layers(gpkg)}
    except Exception as exc:  # pyogrio raises DataSourceError and others
        msg = f"File {gpkg} is not a readable GeoPackage."
        raise BundleError(msg) from exc


def _read_layer(gpkg: Path, layer: str, names: set[str] | None = None) -> gpd.GeoDataFrame:
    """Read one layer of the GeoPackage, checking that it exists and has EPSG:4326.

    An optional layer (:data:`OPTIONAL_LAYERS`) the file lacks reads as an empty layer.
    """
    names = _layer_names(gpkg) if names is None else names
    if layer not in names:
        if layer in OPTIONAL_LAYERS:
            return empty_layer(LAYER_COLUMNS[layer])
        msg = f"File {gpkg} has no layer {layer!r}."
        raise BundleError(msg)
    gdf = gpd.read_file(gpkg, layer=layer, engine="pyogrio")
    where = f"Layer {layer!r} in {gpkg}"
    if gdf.crs is None:
        msg = f"{where} has no CRS; it must be {STORAGE_CRS}."
        raise BundleError(msg)
    if not gdf.crs.equals(CRS.from_user_input(STORAGE_CRS)):
        msg = f"{where} has CRS {gdf.crs.to_string()}; it must be {STORAGE_CRS}."
        raise BundleError(msg)
    return gdf


def _read_incidents(file: Path, time_zone: str) -> pd.DataFrame:
    """Read ``incidents.csv`` (an absent file is an empty history)."""
    if not file.is_file():
        return pd.DataFrame(
            {
                "id": pd.Series(dtype=str),
                "time": pd.Series(dtype=f"datetime64[ns, {time_zone}]"),
                "category": pd.Series(dtype=str),
                "lon": pd.Series(dtype=float),
                "lat": pd.Series(dtype=float),
            }
        )
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"File {file} is not a readable CSV table: {exc}."
        raise BundleError(msg) from exc
    for col in INCIDENT_COLUMNS:
        if col not in df.columns:
            msg = f"File {file} lacks the column {col!r}."
            raise BundleError(msg)
    times = []
    seen: set[str] = set()
    lons = np.empty(len(df))
    lats = np.empty(len(df))
    for i, row in enumerate(df.itertuples(index=False)):
        line = i + 2
        where = f"File {file}, line {line}"
        if not row.id:
            msg = f"{where} has an empty id."
            raise BundleError(msg)
        if row.id in seen:
            msg = f"{where} repeats the incident id {row.id!r}."
            raise BundleError(msg)
        seen.add(row.id)
        try:
            t = datetime.fromisoformat(row.time)
        except ValueError:
            msg = f"{where} has time {row.time!r}, which is not an ISO 8601 date and time."
            raise BundleError(msg) from None
        if t.tzinfo is None:
            msg = f"{where} has time {row.time!r} without a UTC offset such as +08:00."
            raise BundleError(msg)
        times.append(t)
        if row.category not in INCIDENT_CATEGORIES:
            msg = (
                f"{where} has unknown category {row.category!r}; "
                f"use one of {', '.join(INCIDENT_CATEGORIES)}."
            )
            raise BundleError(msg)
        try:
            lons[i] = float(row.lon)
            lats[i] = float(row.lat)
        except ValueError:
            msg = f"{where} has lon/lat {row.lon!r}/{row.lat!r}, which are not numbers."
            raise BundleError(msg) from None
        if not (-180 <= lons[i] <= 180 and -90 <= lats[i] <= 90) or np.isnan(lons[i] + lats[i]):
            msg = f"{where} has lon/lat {row.lon}/{row.lat} outside the valid range."
            raise BundleError(msg)
    df["time"] = pd.to_datetime(pd.Series(times, dtype=object), utc=True).dt.tz_convert(time_zone)
    df["lon"] = lons
    df["lat"] = lats
    return df


def load_district(path: str | Path | None = None, *, validate: bool = True) -> District:
    """Load a district bundle.

    Parameters
    ----------
    path
        The bundle folder; None for the default district (:data:`DEFAULT_DISTRICT_DIR`).
    validate
        Check every layer (ids, geometries, categories, points inside the boundary); the
        optional key-area columns, when present, then come as ``windows`` text (``""`` when
        blank) and ``dose_minutes`` floats (NaN when blank).

    Returns
    -------
    District

    Raises
    ------
    BundleError
        With one sentence naming the file, layer, row or id that is wrong.
    """
    folder = _resolve(path)
    manifest = read_manifest(folder)
    gpkg = folder / GPKG
    if not gpkg.is_file():
        msg = f"District folder {folder} has no {GPKG}."
        raise BundleError(msg)
    names = _layer_names(gpkg)
    layers = {name: _read_layer(gpkg, name, names) for name in ALL_LAYERS}
    incidents = _read_incidents(folder / INCIDENTS, manifest["time_zone"])
    teams = _read_toml(folder / TEAMS) if (folder / TEAMS).is_file() else {}
    district = District(path=folder, manifest=manifest, incidents=incidents, teams=teams, **layers)
    if validate:
        check_district(district)
        _tidy_area_columns(district.key_areas)
    return district


def _tidy_area_columns(ka: gpd.GeoDataFrame) -> None:
    """Make checked optional key-area columns plain: text "" when blank, ``dose_minutes`` NaN.

    ``windows`` and ``opening_hours`` become text, ``target`` ``"yes"``, ``"no"`` or ``""``.
    """
    for col in ("windows", "opening_hours"):
        if col in ka.columns:
            ka[col] = ["" if is_blank(v) else str(v).strip() for v in ka[col]]
    if "target" in ka.columns:
        flags = [parse_target(v) for v in ka["target"]]
        ka["target"] = ["" if f is None else "yes" if f else "no" for f in flags]
    if "dose_minutes" in ka.columns:
        minutes = [parse_dose_minutes(v) for v in ka["dose_minutes"]]
        ka["dose_minutes"] = np.array([math.nan if m is None else m for m in minutes], dtype=float)


# ---------------------------------------------------------------------------------------------
# Validation


def _row_name(gdf: gpd.GeoDataFrame, i: int) -> str:
    """Return 'row N (id X)' for messages."""
    if "id" in gdf.columns:
        return f"row {i + 1} (id {gdf['id'].iloc[i]!r})"
    return f"row {i + 1}"


def _check_layer(district: District, name: str, where: str) -> None:
    """Check columns, ids and geometries of one layer."""
    gdf = district.layer(name)
    columns, types = LAYERS[name] if name in LAYERS else OPTIONAL_LAYERS[name]
    where = f"Layer {name!r} in {where}"
    if gdf.crs is None:
        msg = f"{where} has no CRS; it must be {STORAGE_CRS}."
        raise BundleError(msg)
    if not gdf.crs.equals(CRS.from_user_input(STORAGE_CRS)):
        msg = f"{where} has CRS {gdf.crs.to_string()}; it must be {STORAGE_CRS}."
        raise BundleError(msg)
    for col in columns:
        if col not in gdf.columns:
            msg = f"{where} lacks the column {col!r}."
            raise BundleError(msg)
    geoms = gdf.geometry.array
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            msg = f"{where}, {_row_name(gdf, i)}, has an empty geometry."
            raise BundleError(msg)
        if geom.geom_type not in types:
            msg = (
                f"{where}, {_row_name(gdf, i)}, is a {geom.geom_type}; "
                f"expected {' or '.join(types)}."
            )
            raise BundleError(msg)
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            msg = f"{where}, {_row_name(gdf, i)}, has an invalid geometry ({reason})."
            raise BundleError(msg)
    if "id" in columns:
        ids = gdf["id"]
        if ids.isna().any() or (ids.astype(str).str.strip() == "").any():
            i = int(np.flatnonzero(ids.isna().to_numpy() | (ids.astype(str) == "").to_numpy())[0])
            msg = f"{where}, row {i + 1}, has an empty id."
            raise BundleError(msg)
        dup = ids[ids.duplicated()]
        if len(dup):
            msg = f"{where} has the id {dup.iloc[0]!r} more than once."
            raise BundleError(msg)


def _check_values(district: District, where: str) -> None:
    """Check categories, priorities, street attributes and camera fields."""
    ka = district.key_areas
    for i, (cat, prio) in enumerate(zip(ka["category"], ka["priority"], strict=True)):
        if cat not in CATEGORIES:
            msg = (
                f"Layer 'key_areas' in {where}, {_row_name(ka, i)}, has unknown category "
                f"{cat!r}; see geodata.categories.CATEGORIES."
            )
            raise BundleError(msg)
        try:
            whole = not pd.isna(prio) and float(prio) == int(prio) and 1 <= int(prio) <= 5
        except (TypeError, ValueError):
            whole = False
        if not whole:
            msg = (
                f"Layer 'key_areas' in {where}, {_row_name(ka, i)}, has priority {prio!r}; "
                "it must be a whole number from 1 to 5."
            )
            raise BundleError(msg)
    _check_area_columns(ka, where)
    st = district.streets
    for col in ("u", "v"):
        if not pd.api.types.is_integer_dtype(st[col]):
            msg = f"Layer 'streets' in {where} has a non-integer column {col!r}."
            raise BundleError(msg)
    length = pd.to_numeric(st["length"], errors="coerce")
    bad = np.flatnonzero(~(length > 0).to_numpy())
    if len(bad):
        msg = (
            f"Layer 'streets' in {where}, {_row_name(st, int(bad[0]))}, has length "
            f"{st['length'].iloc[bad[0]]!r}; it must be a positive number of metres."
        )
        raise BundleError(msg)
    cams = district.cameras
    for col, lo, hi in (("fov", 0.0, 360.0), ("range", 0.0, 5000.0)):
        values = pd.to_numeric(cams[col], errors="coerce")
        bad = np.flatnonzero(~((values > lo) & (values <= hi)).to_numpy())
        if len(bad):
            msg = (
                f"Layer 'cameras' in {where}, {_row_name(cams, int(bad[0]))}, has {col} "
                f"{cams[col].iloc[bad[0]]!r}; it must be above {lo:g} and at most {hi:g}."
            )
            raise BundleError(msg)
    if len(district.boundary) != 1:
        msg = (
            f"Layer 'boundary' in {where} has {len(district.boundary)} rows; "
            "it must have exactly one polygon."
        )
        raise BundleError(msg)


def _check_area_columns(ka: gpd.GeoDataFrame, where: str) -> None:
    """Check the optional ``windows``, ``dose_minutes`` and ``target`` columns of the key areas.

    ``opening_hours`` is not checked here: :func:`geodata.hours.hours_problems` lists what it
    cannot use, and the bundle stands.
    """
    readers = {"windows": parse_windows, "dose_minutes": parse_dose_minutes, "target": parse_target}
    for col in readers:
        if col not in ka.columns:
            continue
        for i, value in enumerate(ka[col]):
            try:
                readers[col](value)
            except AreaValueError as exc:
                msg = (
                    f"Layer 'key_areas' in {where}, {_row_name(ka, i)}, has {col} "
                    f"{exc.value!r}, but {exc.reason}."
                )
                raise BundleError(msg) from None


def _check_inside(district: District, where: str) -> None:
    """Check that posts, cameras, key areas and incidents lie inside the boundary."""
    work = district.work_crs
    boundary = district.boundary.to_crs(work).geometry.iloc[0]
    area = boundary.buffer(OUTSIDE_TOLERANCE_M)
    shapely.prepare(area)
    for name in POINT_LAYERS:
        gdf = district.layer(name)
        if not len(gdf):
            continue
        bad = np.flatnonzero(~shapely.intersects(area, gdf.to_crs(work).geometry.array))
        if len(bad):
            msg = (
                f"Layer {name!r} in {where}, {_row_name(gdf, int(bad[0]))}, lies outside the "
                f"district boundary (more than {OUTSIDE_TOLERANCE_M:g} m away)."
            )
            raise BundleError(msg)
    inc = district.incidents
    if len(inc):
        pts = gpd.GeoSeries(gpd.points_from_xy(inc["lon"], inc["lat"]), crs=STORAGE_CRS).to_crs(
            work
        )
        inside = shapely.intersects(area, pts.array)
        bad = np.flatnonzero(~inside)
        if len(bad):
            i = int(bad[0])
            msg = (
                f"File {INCIDENTS} in {where}, line {i + 2} (id {inc['id'].iloc[i]!r}), "
                "lies outside the district boundary."
            )
            raise BundleError(msg)


def _check_teams(district: District, where: str) -> None:
    """Check ``teams.toml``: unique ids, known members, vehicles with a known travel mode."""
    grids = {str(g) for g in district.grids["id"]}
    posts = {str(p) for p in district.posts["id"]}
    _check_teams_data(district.teams, where, grids=grids, posts=posts)


def _layer_ids(gpkg: Path, layer: str) -> set[str] | None:
    """Return the ids of one GeoPackage layer, or None when they cannot be read."""
    try:
        frame = pyogrio.read_dataframe(gpkg, layer=layer, columns=["id"], read_geometry=False)
    except Exception:  # a missing or broken GeoPackage is the bundle checker's to report
        return None
    return {str(v) for v in frame["id"]}


def check_teams_file(folder: str | Path) -> None:
    """Check the ``teams.toml`` of a bundle folder alone (a missing file is fine).

    Grid members' grids and groups' base posts are checked against the folder's GeoPackage
    when it can be read.

    Raises
    ------
    BundleError
        With one sentence naming the entry or id that is wrong.
    """
    folder = Path(folder)
    if (folder / TEAMS).is_file():
        gpkg = folder / GPKG
        grids = _layer_ids(gpkg, "grids") if gpkg.is_file() else None
        posts = _layer_ids(gpkg, "posts") if gpkg.is_file() else None
        _check_teams_data(_read_toml(folder / TEAMS), str(folder), grids=grids, posts=posts)


def _check_grid_members(
    teams: dict[str, Any], file: str, grids: set[str] | None, member_ids: set[str]
) -> None:
    """Check ``[[grid_members]]``: ids, names, grids, kinds, duty hours and phones."""
    items = teams.get("grid_members", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        msg = f"{file} has a 'grid_members' entry that is not a list of tables ([[grid_members]])."
        raise BundleError(msg)
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        ident = str(item.get("id", "")).strip()
        if not ident:
            msg = f"{file}, grid_members entry {n}, has no id."
            raise BundleError(msg)
        if ident in seen:
            msg = f"{file} has the grid_members id {ident!r} more than once."
            raise BundleError(msg)
        if ident in member_ids:
            msg = f"{file}: grid member {ident!r} has the id of a patrol team member."
            raise BundleError(msg)
        seen.add(ident)
        who = f"{file}: grid member {ident!r}"
        name = item.get("name", "")
        if not isinstance(name, str) or not name.strip():
            msg = f"{who} has no name."
            raise BundleError(msg)
        grid = str(item.get("grid", "")).strip()
        if not grid:
            msg = f"{who} has no grid."
            raise BundleError(msg)
        if grids is not None and grid not in grids:
            msg = f"{who} names grid {grid!r}, which is not a grid of the district."
            raise BundleError(msg)
        kind = item.get("kind", "grid_member")
        if kind not in GRID_MEMBER_KINDS:
            msg = f"{who} has kind {kind!r}; use one of {', '.join(GRID_MEMBER_KINDS)}."
            raise BundleError(msg)
        hours = item.get("hours")
        if not isinstance(hours, list) or not hours:
            msg = f'{who} lists no hours; give a list like ["mon-fri 07:00-09:00"].'
            raise BundleError(msg)
        for text in hours:
            try:
                parse_duty_hours(text)
            except DutyHoursError as exc:
                msg = f"{who}: {exc}"
                raise BundleError(msg) from None
        phone = item.get("phone", "")
        if not isinstance(phone, str):
            msg = f"{who} has phone {phone!r}; write it as a text in quotes."
            raise BundleError(msg)


def _check_teams_data(
    teams: dict[str, Any],
    where: str,
    *,
    grids: set[str] | None = None,
    posts: set[str] | None = None,
) -> None:
    from geodata.settings import MODES

    if not teams:
        return
    file = f"File {TEAMS} in {where}"
    for table in ("groups", "members", "vehicles"):
        items = teams.get(table, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            msg = f"{file} has a {table!r} entry that is not a list of tables ([[{table}]])."
            raise BundleError(msg)
        seen: set[str] = set()
        for n, item in enumerate(items, start=1):
            ident = str(item.get("id", "")).strip()
            if not ident:
                msg = f"{file}, {table} entry {n}, has no id."
                raise BundleError(msg)
            if ident in seen:
                msg = f"{file} has the {table} id {ident!r} more than once."
                raise BundleError(msg)
            seen.add(ident)
    members = {str(m["id"]) for m in teams.get("members", [])}
    for g in teams.get("groups", []):
        for m in g.get("members", []):
            mid = str(m.get("id", "")) if isinstance(m, dict) else str(m)
            if members and mid not in members:
                msg = f"{file}: group {g['id']!r} lists member {mid!r}, who is not in [[members]]."
                raise BundleError(msg)
        mode = g.get("default_mode")
        if mode is not None and mode not in MODES:
            msg = (
                f"{file}: group {g['id']!r} has default_mode {mode!r}; "
                f"use one of {', '.join(MODES)}."
            )
            raise BundleError(msg)
        base = g.get("base_post")
        if base is not None and posts is not None and str(base) not in posts:
            msg = f"{file}: group {g['id']!r} has base_post {base!r}, which is not a post."
            raise BundleError(msg)
    for v in teams.get("vehicles", []):
        if v.get("mode") not in MODES:
            msg = (
                f"{file}: vehicle {v['id']!r} has mode {v.get('mode')!r}; "
                f"use one of {', '.join(MODES)}."
            )
            raise BundleError(msg)
    _check_grid_members(teams, file, grids, members)


def check_district(district: District) -> list[str]:
    """Check a loaded or freshly built district in memory.

    Returns
    -------
    list of str
        Problems that do not refuse the bundle (unparseable opening hours, which keep their
        category's default), one sentence each; also kept in ``district.problems`` and logged.

    Raises
    ------
    BundleError
        With one sentence naming the layer, row or id that is wrong.
    """
    where = str(district.path) if district.path is not None else f"district {district.name!r}"
    for name in ALL_LAYERS:
        _check_layer(district, name, where)
    _check_values(district, where)
    _check_inside(district, where)
    _check_teams(district, where)
    problems = hours_problems(district.key_areas)
    for problem in problems:
        logger.info("%s", problem)
    district.problems = problems
    return problems


def validate_district(path: str | Path | None = None) -> list[str]:
    """Validate the bundle in ``path`` (None = the default district).

    Returns
    -------
    list of str
        The problems that do not refuse the bundle (see :func:`check_district`).

    Raises
    ------
    BundleError
        With one sentence naming the file, layer, row or id that is wrong.
    """
    return load_district(path, validate=True).problems


# ---------------------------------------------------------------------------------------------
# Writing

_WRITTEN = (MANIFEST, GPKG, INCIDENTS, TEAMS)


def _incidents_to_csv(incidents: pd.DataFrame, file: Path) -> None:
    """Write incidents with local ISO 8601 times (with offset)."""
    df = incidents.copy()
    if len(df) and pd.api.types.is_datetime64_any_dtype(df["time"]):
        df["time"] = [t.isoformat() for t in df["time"]]
    cols = [c for c in INCIDENT_COLUMNS if c in df.columns]
    cols += [c for c in df.columns if c not in cols]
    if not len(df):
        df = pd.DataFrame(columns=list(INCIDENT_COLUMNS))
        cols = list(INCIDENT_COLUMNS)
    df[cols].to_csv(file, index=False, float_format="%.7f")


def _write_layer(gdf: gpd.GeoDataFrame, gpkg: Path, name: str) -> None:
    """Write one layer (also an empty one) to the GeoPackage."""
    gdf = gdf.to_crs(STORAGE_CRS) if gdf.crs is not None else gdf
    types = (LAYERS[name] if name in LAYERS else OPTIONAL_LAYERS[name])[1]
    geometry_type = types[0] if len(types) == 1 else "Unknown"
    if not len(gdf):
        geometry_type = "Point" if name in POINT_LAYERS[1:] else geometry_type
    gdf.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio", geometry_type=geometry_type)


def replace_layer(folder: str | Path, name: str, gdf: gpd.GeoDataFrame) -> Path:
    """Replace one layer of a bundle's GeoPackage, atomically, after checking the new bundle.

    The GeoPackage is copied beside itself, the layer is written into the copy, the bundle is
    checked with the copy, and the copy then replaces the file in one ``os.replace``; other
    files of the bundle are not touched.

    Parameters
    ----------
    folder
        The bundle folder.
    name
        A layer of :data:`ALL_LAYERS`.
    gdf
        The new layer.

    Returns
    -------
    Path
        The GeoPackage.

    Raises
    ------
    BundleError
        When the bundle with the new layer does not pass the checks; nothing is changed.
    """
    import dataclasses
    import os

    bundle = load_district(folder, validate=False)
    if name not in ALL_LAYERS:
        bundle.layer(name)  # raises the sentence naming the layers
    gpkg = Path(folder) / GPKG
    fd, tmp_name = tempfile.mkstemp(prefix=".district.", suffix=".gpkg", dir=gpkg.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(gpkg, tmp)
        _write_layer(gdf, tmp, name)
        staged = _read_layer(tmp, name)
        check_district(dataclasses.replace(bundle, **{name: staged}))
        os.replace(tmp, gpkg)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("replaced layer %r of %s (%d rows)", name, gpkg, len(gdf))
    return gpkg


def write_district(
    district: District,
    path: str | Path,
    *,
    force: bool = False,
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write ``district`` as a bundle in ``path``, atomically.

    The bundle is first written and validated in a temporary folder beside ``path``, then
    swapped in, so a failed write never damages a bundle already there. Files in an existing
    bundle folder that the bundle does not own (``rules.toml``, ``source/``, ``README.md``) are
    kept, unless ``extra_files`` writes them anew.

    Parameters
    ----------
    district
        The district to write; its layers may be in any CRS and are stored in EPSG:4326.
    path
        The bundle folder to create or replace.
    force
        Also write into a non-empty folder that holds no bundle yet (its files are kept).
    extra_files
        File name -> UTF-8 text of more files to write with the bundle (``rules.toml``).

    Returns
    -------
    Path
        The bundle folder.

    Raises
    ------
    BundleError
        When the district is invalid, or ``path`` exists and is not a bundle or an empty folder.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        msg = f"Cannot write a district to {target}: it is a file, not a folder."
        raise BundleError(msg)
    if (
        not force
        and target.is_dir()
        and any(target.iterdir())
        and not (target / MANIFEST).is_file()
    ):
        msg = (
            f"Folder {target} is not empty and holds no district bundle; refusing to overwrite it."
        )
        raise BundleError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    tmp.chmod(0o755)
    try:
        manifest = dict(district.manifest)
        manifest["crs"] = STORAGE_CRS
        (tmp / MANIFEST).write_text(
            dump_toml(manifest, "District bundle manifest (see geodata/bundle.py)."),
            encoding="utf-8",
        )
        gpkg = tmp / GPKG
        # The temporary GeoPackage is checked and swapped in below, so SQLite need not sync
        # each layer to disk (several times faster).
        sync = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
        try:
            for name in ALL_LAYERS:
                _write_layer(district.layer(name), gpkg, name)
        finally:
            pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": sync})
        _incidents_to_csv(district.incidents, tmp / INCIDENTS)
        if district.teams:
            (tmp / TEAMS).write_text(
                dump_toml(district.teams, "Patrol groups, members and vehicles."),
                encoding="utf-8",
            )
        for file_name, text in (extra_files or {}).items():
            (tmp / file_name).write_text(text, encoding="utf-8")
        try:
            validate_district(tmp)
        except BundleError as exc:
            # Name the bundle being written, not the temporary folder it is staged in.
            raise BundleError(str(exc).replace(str(tmp), str(target))) from None
        if target.is_dir():
            for entry in target.iterdir():
                if entry.name not in _WRITTEN and not (tmp / entry.name).exists():
                    entry.rename(tmp / entry.name)
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        if tmp.exists():
            # Hand back any kept files that were moved into the temporary folder.
            if target.is_dir():
                for entry in tmp.iterdir():
                    if entry.name not in _WRITTEN and not (target / entry.name).exists():
                        entry.rename(target / entry.name)
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("wrote district %r to %s", district.name, target)
    district.path = target
    return target


# ---------------------------------------------------------------------------------------------
# Summary


def summarize_district(district: District) -> dict[str, Any]:
    """Return the district's figures: street network, key areas, posts, cameras, grids, incidents.

    Returns
    -------
    dict
        Plain JSON-ready values: ``street_nodes``, ``street_edges``, ``street_km``,
        ``alley_segments``, ``alley_km``, ``key_areas``, ``key_areas_by_category``,
        ``key_area_categories``, ``targets`` (key areas that are patrol targets),
        ``targets_by_category``, ``inspection_places`` (key areas checked weekly, besides the
        ``rentals``), ``gate_places`` (schools and kindergartens), ``opening_hours_tagged``,
        ``posts``, ``cameras``, ``grids``, ``grid_members`` (by kind in
        ``grid_members_by_kind``), ``rentals``, ``incidents`` (and their first and last time),
        ``area_km2``, ``crs``, ``work_crs``, ``attribution``, ``problems``, ...
    """
    from geodata.categories import is_target

    st = district.streets
    alley = st["alley"].astype(bool) if len(st) else pd.Series(dtype=bool)
    nodes = set(st["u"].tolist()) | set(st["v"].tolist()) if len(st) else set()
    ka = district.key_areas
    by_cat = ka["category"].value_counts().sort_index()
    flags = ka["target"] if "target" in ka.columns else [None] * len(ka)
    target = np.array(
        [is_target(str(c), f) for c, f in zip(ka["category"], flags, strict=True)], dtype=bool
    )
    by_target = ka.loc[target, "category"].value_counts().sort_index() if len(ka) else by_cat
    inspected = ka["category"].map(lambda c: CATEGORIES[c].inspection if c in CATEGORIES else False)
    gates = ka["category"].map(lambda c: CATEGORIES[c].has_gate if c in CATEGORIES else False)
    tagged = int(sum(not is_blank(v) for v in ka["opening_hours"])) if "opening_hours" in ka else 0
    grid_members: dict[str, int] = {}
    area = float(district.boundary.to_crs(district.work_crs).area.sum()) / 1e6
    inc = district.incidents
    teams = district.teams or {}
    vehicles: dict[str, int] = {}
    for v in teams.get("vehicles", []):
        vehicles[str(v.get("mode", "?"))] = vehicles.get(str(v.get("mode", "?")), 0) + 1
    for gm in teams.get("grid_members", []):
        kind = str(gm.get("kind", "grid_member"))
        grid_members[kind] = grid_members.get(kind, 0) + 1
    m = district.manifest
    return {
        "name": m.get("name", ""),
        "name_zh": m.get("name_zh", ""),
        "path": str(district.path) if district.path is not None else None,
        "crs": m.get("crs", STORAGE_CRS),
        "work_crs": str(m.get("work_crs", "")),
        "time_zone": m.get("time_zone", ""),
        "area_km2": round(area, 3),
        "street_nodes": len(nodes),
        "street_edges": len(st),
        "street_km": round(float(st["length"].sum()) / 1000, 2) if len(st) else 0.0,
        "alley_segments": int(alley.sum()),
        "alley_km": round(float(st.loc[alley, "length"].sum()) / 1000, 2) if len(st) else 0.0,
        "key_areas": len(ka),
        "key_area_categories": len(by_cat),
        "key_areas_by_category": {str(k): int(v) for k, v in by_cat.items()},
        "targets": int(target.sum()),
        "targets_by_category": {str(k): int(v) for k, v in by_target.items()},
        "inspection_places": int(inspected.sum()) if len(ka) else 0,
        "gate_places": int(gates.sum()) if len(ka) else 0,
        "opening_hours_tagged": tagged,
        "posts": len(district.posts),
        "cameras": len(district.cameras),
        "grids": len(district.grids),
        "grid_members": sum(grid_members.values()),
        "grid_members_by_kind": grid_members,
        "rentals": len(district.rentals),
        "incidents": len(inc),
        "incidents_from": inc["time"].min().isoformat() if len(inc) else None,
        "incidents_to": inc["time"].max().isoformat() if len(inc) else None,
        "groups": len(teams.get("groups", [])),
        "members": len(teams.get("members", [])),
        "vehicles": vehicles,
        "hotspot_alley": m.get("hotspot_alley"),
        "sample_layers": list(m.get("sample_layers", [])),
        "source": m.get("source", {}),
        "attribution": m.get("attribution", ""),
        "problems": list(district.problems),
    }
