"""Incident points for forecast evaluation: reading a table, metric coordinates, grids."""

from __future__ import annotations

import gzip
import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from scipy.ndimage import binary_dilation

from planner.exceptions import IncidentError
from planner.hotspots.incidents import _zone, match_columns

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

logger = logging.getLogger("planner")

REGION_BUFFER_CELLS = 2
"""Study region: grid cells within this many cells of a cell with a training incident."""


@dataclass(frozen=True, slots=True)
class IncidentPoints:
    """Incident records ready for forecasting: local time, metric coordinates and category.

    Attributes
    ----------
    time
        Local naive timestamps (``datetime64[ns]``).
    x, y
        Coordinates in metres in ``crs``.
    category
        Offense or category label per record.
    crs
        The metric CRS of ``x`` and ``y`` (a UTM zone estimated from the data).
    dropped
        Number of records left out because their time or coordinates were missing or invalid.
    dropped_lines
        The first few (line number, reason) pairs of the dropped records (line 1 = header).
    """

    time: NDArray[np.datetime64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    category: NDArray[np.str_]
    crs: str
    dropped: int = 0
    dropped_lines: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Grid:
    """A square grid of ``nx`` × ``ny`` cells of ``cell`` metres from the corner ``(x0, y0)``."""

    x0: float
    y0: float
    nx: int
    ny: int
    cell: float

    def index(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the flat cell index of each point, or -1 for a point outside the grid."""
        ix = np.floor((x - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((y - self.y0) / self.cell).astype(np.int64)
        ok = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        return np.where(ok, iy * self.nx + ix, -1)

    def counts(self, cells: NDArray[np.int64], weights: NDArray[np.float64] | None = None) -> Any:
        """Return a ``(ny, nx)`` array of (weighted) point counts per cell."""
        ok = cells >= 0
        w = None if weights is None else weights[ok]
        flat = np.bincount(cells[ok], weights=w, minlength=self.nx * self.ny)
        return flat.astype(np.float64).reshape(self.ny, self.nx)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return io.TextIOWrapper(open(path, "rb"), encoding="utf-8-sig")


def _utm_crs(lon: float, lat: float) -> str:
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _field_columns(columns: list[str], mapping: Mapping[str, str], path: Path) -> dict[str, str]:
    """Return field -> source column, from ``mapping`` first, then the usual names."""
    chosen = match_columns(columns, mapping, path)
    for need in ("lon", "lat"):
        if need not in chosen:
            msg = (
                f"Incident file {path} has no column for {need}; name it with --map column={need}."
            )
            raise IncidentError(msg)
    return chosen


def _read_frame(path: Path) -> pd.DataFrame:
    """Return the records of a CSV (optionally gzipped) or GeoJSON file as strings."""
    if path.suffix.lower() in (".geojson", ".json"):
        from planner.hotspots.incidents import _read_table

        _, records, _ = _read_table(path)
        return pd.DataFrame.from_records(records).astype(str)
    try:
        with _open_text(path) as fh:
            return pd.read_csv(fh, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        msg = f"Incident file {path} cannot be read as CSV: {exc}."
        raise IncidentError(msg) from exc


def _local_times(raw: pd.Series, time_zone: str | None) -> pd.Series:
    """Parse times to naive local wall-clock times.

    A time without a UTC offset is local time as written. A time with an offset is converted
    to ``time_zone`` when one is given (as ``patrol incidents import`` does), else its own
    wall-clock time is kept.
    """
    raw = raw.str.strip()
    offset = raw.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if time_zone is None or not offset.any():
        wall = raw.str.replace(r"(Z|[+-]\d\d:?\d\d)$", "", regex=True)
        return pd.to_datetime(wall, errors="coerce", format="mixed")
    out = pd.to_datetime(raw.where(~offset, ""), errors="coerce", format="mixed")
    aware = pd.to_datetime(raw[offset], errors="coerce", format="mixed", utc=True)
    out[offset] = aware.dt.tz_convert(time_zone).dt.tz_localize(None)
    return out


def read_points(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    time_zone: str | None = None,
) -> IncidentPoints:
    """Read an incident table (CSV, optionally gzipped, or GeoJSON) for forecast evaluation.

    Columns are found as ``patrol incidents import`` finds them: by ``mapping`` (source column
    -> field: ``time``, ``date``, ``hour``, ``category``, ``lon``, ``lat``) or by the usual
    names (:data:`planner.hotspots.incidents.DEFAULT_COLUMNS`). The table needs ``lon`` and
    ``lat`` (EPSG:4326) and a local time: a mapped ``time`` column; else ``date`` plus ``hour``
    (as in the Houston 2010 records, whose ``time`` column is UTC); else a ``time`` or a
    ``date`` column. The category is optional. Records without a usable time or coordinates
    are left out and counted.

    Parameters
    ----------
    path
        The incident file.
    mapping
        Source column -> field.
    time_zone
        IANA zone that times with a UTC offset are converted to; None keeps their own
        wall-clock time. Times without an offset are local times as written.

    Returns
    -------
    IncidentPoints
        The usable records in a metric CRS (the UTM zone of the data's median point).

    Raises
    ------
    IncidentError
        When the file is missing, unreadable, lacks the needed columns or has no usable record,
        or the time zone is unknown.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Incident file {path} does not exist."
        raise IncidentError(msg)
    if time_zone is not None:
        _zone(time_zone)
    df = _read_frame(path)
    mapping = dict(mapping or {})
    cols = _field_columns([str(c) for c in df.columns], mapping, path)
    time_mapped = "time" in mapping.values()
    if "date" in cols and "hour" in cols and not time_mapped:
        hour = pd.to_numeric(df[cols["hour"]], errors="coerce")
        day = pd.to_datetime(df[cols["date"]], errors="coerce", format="mixed")
        when = day + pd.to_timedelta(hour.where((hour >= 0) & (hour < 24)), unit="h")
    elif "time" in cols or "date" in cols:
        when = _local_times(df[cols.get("time", cols.get("date", ""))], time_zone)
    else:
        msg = (
            f"Incident file {path} has no column for the time; name it with --map column=time"
            " (or date and hour)."
        )
        raise IncidentError(msg)
    lon = pd.to_numeric(df[cols["lon"]], errors="coerce")
    lat = pd.to_numeric(df[cols["lat"]], errors="coerce")
    bad_xy = ~(lon.between(-180, 180) & lat.between(-90, 90)) | ((lon == 0) & (lat == 0))
    bad_t = when.isna()
    bad = (bad_xy | bad_t).to_numpy()
    first = 1 if path.suffix.lower() in (".geojson", ".json") else 2
    dropped_lines = tuple(
        (int(i) + first, "no usable coordinates" if bad_xy.iloc[i] else "no usable time")
        for i in np.flatnonzero(bad)[:20]
    )
    if bad.all():
        msg = f"Incident file {path} has no record with a usable time and coordinates."
        raise IncidentError(msg)
    if bad.any():
        logger.warning(
            "%s: %d records without usable time or coordinates left out", path, bad.sum()
        )
    ok = ~bad
    cat_col = cols.get("category")
    cats = df[cat_col].to_numpy(dtype=str)[ok] if cat_col else np.full(ok.sum(), "other")
    lon_ok, lat_ok = lon.to_numpy()[ok], lat.to_numpy()[ok]
    crs = _utm_crs(float(np.median(lon_ok)), float(np.median(lat_ok)))
    tr = Transformer.from_crs(CRS("EPSG:4326"), CRS(crs), always_xy=True)
    x, y = tr.transform(lon_ok, lat_ok)
    return IncidentPoints(
        time=when.to_numpy()[ok].astype("datetime64[ns]"),
        x=np.asarray(x, dtype=np.float64),
        y=np.asarray(y, dtype=np.float64),
        category=cats,
        crs=crs,
        dropped=int(bad.sum()),
        dropped_lines=dropped_lines,
    )


def make_grid(points: IncidentPoints, mask: NDArray[np.bool_], cell: float) -> Grid:
    """Return the grid of ``cell``-metre squares over the bounding box of the masked points."""
    x, y = points.x[mask], points.y[mask]
    x0 = math.floor(x.min() / cell) * cell
    y0 = math.floor(y.min() / cell) * cell
    nx = int((x.max() - x0) // cell) + 1
    ny = int((y.max() - y0) // cell) + 1
    return Grid(x0, y0, nx, ny, cell)


def study_region(train_counts: NDArray[np.float64], *, kind: str = "footprint") -> Any:
    """Return the boolean mask of grid cells that make up the study region.

    ``"footprint"``: cells within :data:`REGION_BUFFER_CELLS` cells (a disk) of a cell with a
    training incident — the built-up area as the training data show it. ``"bbox"``: every cell
    of the training data's bounding box. Neither looks at the test period.
    """
    if kind == "bbox":
        return np.ones(train_counts.shape, dtype=bool)
    if kind != "footprint":
        msg = f"Unknown study region {kind!r}; use 'footprint' or 'bbox'."
        raise IncidentError(msg)
    r = REGION_BUFFER_CELLS
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disk = xx**2 + yy**2 <= r * r
    return binary_dilation(train_counts > 0, structure=disk)
