"""Rental housing (出租屋): the bundle's ``rentals`` layer, imported from CSV or GeoJSON.

Rental housing is inspected weekly like hotels and internet cafes (每周一行动: tenants
registered, fire safety, e-bikes charged indoors, overcrowded letting). Each rental is one point
with an ``id``, a ``name`` and an ``address`` (and optionally the landlord's ``phone``).

Files are read record by record: a bad record is listed by its line (CSV, the header being
line 1) or feature number (GeoJSON) and left out; a file that cannot be used at all (unreadable,
a needed column missing, no usable record, or more than :data:`MAX_BAD_SHARE` of its records
bad) is refused whole, and nothing stored changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from geodata.bundle import (
    LAYER_COLUMNS,
    OUTSIDE_TOLERANCE_M,
    STORAGE_CRS,
    empty_layer,
    load_district,
    replace_layer,
)
from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger("geodata")

INSPECTION_HOURS = "Mo-Su 09:00-20:00"
"""When a rental may be inspected (people are at home and it is not too late), in the
``opening_hours`` syntax."""

CHECKLIST_ZH = "租住人员登记（流动人口）；消防通道与灭火器；电动车室内充电；群租隐患"
"""What the weekly inspection of a rental checks (Chinese)."""

CHECKLIST_EN = (
    "Tenants registered (migrant population); fire exits and extinguishers; e-bikes charged "
    "indoors; overcrowded letting"
)
"""What the weekly inspection of a rental checks (English)."""

FIELDS: tuple[str, ...] = ("id", "name", "address", "lon", "lat", "phone")
"""Fields of a rental record."""

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "rental_id", "编号", "房屋编号"),
    "name": ("name", "名称", "房屋名称"),
    "address": ("address", "地址", "房屋地址", "详细地址"),
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "phone": ("phone", "tel", "电话", "联系电话", "房东电话"),
}
"""Source column names recognised per field (case-insensitive)."""

MAX_BAD_SHARE = 0.2
"""A file with more than this share of bad records is refused whole."""

MAX_LISTED_ERRORS = 50
"""At most this many bad records are listed in a :class:`RentalReport`."""


class RentalsError(InputError):
    """A rentals file that cannot be imported; the message is one sentence naming it."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One record that could not be imported: where it is and why."""

    line: int
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RentalReport:
    """The outcome of reading a rentals file.

    Attributes
    ----------
    source
        The file read.
    rentals
        The good records as a layer (EPSG:4326): id, name, address, phone, source.
    errors
        The bad records, at most :data:`MAX_LISTED_ERRORS`.
    n_rows, n_bad
        Records read and records refused.
    """

    source: str
    rentals: gpd.GeoDataFrame
    errors: tuple[RowError, ...]
    n_rows: int
    n_bad: int

    @property
    def n_ok(self) -> int:
        """Number of good records."""
        return len(self.rentals)

    def summary(self) -> str:
        """Return one line with the counts."""
        return f"{self.source}: {self.n_ok} of {self.n_rows} rentals usable, {self.n_bad} refused."


def _read_table(path: Path) -> tuple[list[str], list[dict[str, Any]], str]:
    """Return (columns, records, unit) of a CSV or GeoJSON file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        msg = f"Rentals file {path} cannot be read: {exc.strerror}."
        raise RentalsError(msg) from None
    except UnicodeDecodeError:
        msg = f"Rentals file {path} is not UTF-8 text."
        raise RentalsError(msg) from None
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"Rentals file {path} is not valid JSON (line {exc.lineno}: {exc.msg})."
            raise RentalsError(msg) from None
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            msg = f"Rentals file {path} is not a GeoJSON FeatureCollection."
            raise RentalsError(msg)
        records: list[dict[str, Any]] = []
        columns: dict[str, None] = {}
        for feat in doc.get("features") or []:
            feat = feat if isinstance(feat, dict) else {}
            props = dict(feat.get("properties") or {})
            geom = feat.get("geometry") or {}
            coords = geom.get("coordinates") if geom.get("type") == "Point" else None
            if isinstance(coords, list) and len(coords) >= 2:
                props.setdefault("lon", coords[0])
                props.setdefault("lat", coords[1])
            if feat.get("id") is not None:
                props.setdefault("id", feat["id"])
            columns.update(dict.fromkeys(props))
            records.append(props)
        return list(columns), records, "feature"
    lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        msg = f"Rentals file {path} is empty."
        raise RentalsError(msg)
    rows = []
    last = reader.line_num
    for row in reader:
        start = last + 1
        last = reader.line_num
        while start < last and not lines[start - 1].strip():
            start += 1
        rec: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
        rec["__line__"] = start
        if None in row:
            rec["__extra__"] = True
        rows.append(rec)
    return [str(c) for c in reader.fieldnames], rows, "line"


def _resolve_columns(columns: list[str], path: Path) -> dict[str, str]:
    """Return field -> source column, by the names of :data:`DEFAULT_COLUMNS`."""
    lower = {c.strip().lower(): c for c in columns}
    chosen: dict[str, str] = {}
    for target, names in DEFAULT_COLUMNS.items():
        for name in names:
            if name.lower() in lower and lower[name.lower()] not in chosen.values():
                chosen[target] = lower[name.lower()]
                break
    missing = [f for f in ("address", "lon", "lat") if f not in chosen]
    if missing:
        msg = (
            f"Rentals file {path} has no column for {', '.join(missing)}; name the columns "
            "address, lon and lat (or 地址, 经度, 纬度)."
        )
        raise RentalsError(msg)
    return chosen


def _text(rec: Mapping[str, Any], cols: Mapping[str, str], field: str) -> str:
    value = rec.get(cols[field]) if field in cols else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: str, name: str, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ValueError(f"{name} {value!r} is outside {lo:g}..{hi:g}")
    return x


def rental_id(address: str, lon: float, lat: float) -> str:
    """Return the stable id of a rental record that has none: from its address and point."""
    key = f"{address}|{lon:.6f}|{lat:.6f}"
    return "rent-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def read_rentals(
    path: str | Path,
    *,
    boundary: shapely.Geometry | None = None,
    max_bad_share: float = MAX_BAD_SHARE,
) -> RentalReport:
    """Read a rentals file (CSV or GeoJSON), checking every record.

    Columns are found by the names in :data:`DEFAULT_COLUMNS`; ``address``, ``lon`` and
    ``lat`` are needed (GeoJSON points give lon and lat), ``name`` defaults to the address and a
    record without an id gets a stable one (:func:`rental_id`).

    Parameters
    ----------
    path
        A ``.csv`` or ``.geojson`` / ``.json`` file (UTF-8).
    boundary
        When given (EPSG:4326), records outside it are refused.
    max_bad_share
        More bad records than this share refuses the file whole.

    Raises
    ------
    RentalsError
        When the file cannot be used at all.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Rentals file {path} does not exist."
        raise RentalsError(msg)
    columns, records, unit = _read_table(path)
    cols = _resolve_columns(columns, path)
    if not records:
        msg = f"Rentals file {path} holds no records."
        raise RentalsError(msg)
    if boundary is not None:
        shapely.prepare(boundary)
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    n_bad = 0
    seen: set[str] = set()
    first = 2 if unit == "line" else 1
    for i, rec in enumerate(records):
        line = int(rec.get("__line__", i + first))
        try:
            if rec.get("__extra__"):
                raise ValueError("the row has more fields than the header")
            address = _text(rec, cols, "address")
            if not address:
                raise ValueError("the address is empty")
            if not _text(rec, cols, "lon") and not _text(rec, cols, "lat"):
                raise ValueError("it has no point (no point geometry, no lon and lat)")
            lon = _number(_text(rec, cols, "lon"), "lon", -180, 180)
            lat = _number(_text(rec, cols, "lat"), "lat", -90, 90)
            if boundary is not None and not shapely.intersects_xy(boundary, lon, lat):
                raise ValueError(f"lon/lat {lon:g}/{lat:g} lies outside the district")
            rid = _text(rec, cols, "id") or rental_id(address, lon, lat)
            if rid in seen:
                raise ValueError(f"id {rid!r} repeats an earlier record")
            seen.add(rid)
        except ValueError as exc:
            n_bad += 1
            if len(errors) < MAX_LISTED_ERRORS:
                errors.append(RowError(line, str(exc), unit))
            continue
        good.append(
            {
                "id": rid,
                "name": _text(rec, cols, "name") or address,
                "address": address,
                "phone": _text(rec, cols, "phone"),
                "source": "import",
                "geometry": shapely.Point(lon, lat),
            }
        )
    n = len(records)
    if not good:
        msg = f"Rentals file {path} has no usable record; {errors[0]}."
        raise RentalsError(msg)
    if n_bad > max_bad_share * n:
        msg = (
            f"Rentals file {path} has {n_bad} bad records of {n}, more than "
            f"{max_bad_share:.0%}; {errors[0]}."
        )
        raise RentalsError(msg)
    layer = gpd.GeoDataFrame(good, geometry="geometry", crs=STORAGE_CRS)
    report = RentalReport(str(path), layer, tuple(errors), n, n_bad)
    logger.info("%s", report.summary())
    return report


def merge_rentals(
    stored: gpd.GeoDataFrame, new: gpd.GeoDataFrame, *, replace: bool = False
) -> gpd.GeoDataFrame:
    """Return the stored rentals plus the new ones; a new record replaces one with its id."""
    columns = list(LAYER_COLUMNS["rentals"])
    if replace or not len(stored):
        out = new
    else:
        keep = stored[~stored["id"].astype(str).isin(set(new["id"].astype(str)))]
        out = pd.concat([keep, new], ignore_index=True)
    if not len(out):
        return empty_layer(LAYER_COLUMNS["rentals"])
    out = out.copy()
    for col in columns:
        out[col] = out[col].fillna("").astype(str) if col in out.columns else ""
    return gpd.GeoDataFrame(
        out[[*columns, "geometry"]], geometry="geometry", crs=STORAGE_CRS
    ).reset_index(drop=True)


def import_rentals(
    path: str | Path,
    district: str | Path | None = None,
    *,
    replace: bool = False,
    dry_run: bool = False,
) -> RentalReport:
    """Read a rentals file and add its good records to a district bundle's ``rentals`` layer.

    Records outside the district (beyond the bundle's tolerance) are refused. Nothing is
    stored when the file is refused or ``dry_run`` is set; otherwise the layer is replaced
    atomically (:func:`geodata.bundle.replace_layer`).

    Parameters
    ----------
    path
        The CSV or GeoJSON file.
    district
        The bundle folder; None for the default district.
    replace
        Replace the stored rentals instead of adding to them.
    dry_run
        Check only; store nothing.
    """
    loaded = load_district(district, validate=False)
    reach = loaded.boundary.to_crs(loaded.work_crs).buffer(OUTSIDE_TOLERANCE_M * 0.98)
    boundary = reach.to_crs(STORAGE_CRS).union_all()
    report = read_rentals(path, boundary=boundary)
    if dry_run:
        return report
    assert loaded.path is not None
    merged = merge_rentals(loaded.rentals, report.rentals, replace=replace)
    replace_layer(loaded.path, "rentals", merged)
    return report
