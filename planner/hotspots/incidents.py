"""Incident import: CSV or GeoJSON with column mapping and time zone, checked row by row."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from geodata.decoding import DecodeError, load_json
from planner.exceptions import IncidentError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import shapely

logger = logging.getLogger("planner")

INCIDENT_CATEGORIES: tuple[str, ...] = (
    "theft",
    "burglary",
    "robbery",
    "dispute",
    "traffic",
    "other",
)
"""Categories stored in a bundle's ``incidents.csv`` (the same as ``geodata.bundle``)."""

FIELDS: tuple[str, ...] = ("id", "time", "date", "hour", "category", "lon", "lat", "description")
"""Fields a source column can be mapped to (``--map column=field``)."""

CATEGORY_SYNONYMS: dict[str, str] = {
    # English words of common police record systems.
    "theft": "theft",
    "larceny": "theft",
    "auto theft": "theft",
    "vehicle theft": "theft",
    "pickpocket": "theft",
    "pickpocketing": "theft",
    "shoplifting": "theft",
    "burglary": "burglary",
    "break-in": "burglary",
    "breaking and entering": "burglary",
    "robbery": "robbery",
    "snatch": "robbery",
    "snatching": "robbery",
    "dispute": "dispute",
    "fight": "dispute",
    "quarrel": "dispute",
    "assault": "dispute",
    "aggravated assault": "dispute",
    "traffic": "traffic",
    "traffic accident": "traffic",
    "collision": "traffic",
    "other": "other",
    "murder": "other",
    "rape": "other",
    "fraud": "other",
    "vandalism": "other",
    # Chinese terms of 110 call and case records.
    "盗窃": "theft",
    "扒窃": "theft",
    "偷盗": "theft",
    "电动车被盗": "theft",
    "入室盗窃": "burglary",
    "入室": "burglary",
    "抢劫": "robbery",
    "抢夺": "robbery",
    "纠纷": "dispute",
    "打架": "dispute",
    "斗殴": "dispute",
    "殴打": "dispute",
    "交通": "traffic",
    "交通事故": "traffic",
    "其他": "other",
    "其它": "other",
}
"""Lower-case source labels and the stored category they mean."""

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "incident_id", "case_id", "编号", "案件编号"),
    "time": ("time", "datetime", "occurred", "occurred_at", "时间", "发案时间", "报警时间"),
    "date": ("date", "日期"),
    "hour": ("hour", "小时"),
    "category": ("category", "offense", "type", "类别", "案件类别", "警情类别"),
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "description": ("description", "desc", "summary", "简要案情", "描述"),
}
"""Source column names recognised without a mapping (case-insensitive), per field."""

MAX_BAD_SHARE = 0.2
"""A file with more than this share of bad rows is rejected whole."""

MAX_LISTED_ERRORS = 50
"""At most this many bad rows are listed in an :class:`ImportReport`."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One record that could not be imported: where it is and why."""

    line: int
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of reading an incident file.

    Attributes
    ----------
    source
        The file read.
    incidents
        The good records: id, time (aware, in the import time zone), category, lon, lat,
        description.
    errors
        The bad records (line numbers count the header as line 1; GeoJSON counts features
        from 1), at most :data:`MAX_LISTED_ERRORS`.
    n_rows, n_bad
        Records read and records refused.
    """

    source: str
    incidents: pd.DataFrame
    errors: tuple[RowError, ...]
    n_rows: int
    n_bad: int

    @property
    def n_ok(self) -> int:
        """Number of good records."""
        return len(self.incidents)

    def summary(self) -> str:
        """Return one line with the counts."""
        return f"{self.source}: {self.n_ok} of {self.n_rows} records usable, {self.n_bad} refused."


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """Turn ``["发案时间=time", ...]`` into ``{"发案时间": "time"}``.

    Raises
    ------
    IncidentError
        For an item without ``=`` or a field not in :data:`FIELDS`.
    """
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column or not target:
            msg = f"Column mapping {item!r} is not of the form column=field."
            raise IncidentError(msg)
        if target not in FIELDS:
            msg = (
                f"Column mapping {item!r} names unknown field {target!r}; use {', '.join(FIELDS)}."
            )
            raise IncidentError(msg)
        mapping[column] = target
    return mapping


def _zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"Time zone {time_zone!r} is unknown; use an IANA name such as Asia/Shanghai."
        raise IncidentError(msg) from None


def _read_table(path: Path) -> tuple[list[str], list[dict[str, Any]], str]:
    """Return (columns, records, unit) of a CSV or GeoJSON file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"Incident file {path} cannot be read: {exc.strerror}."
        raise IncidentError(msg) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        msg = f"Incident file {path} is not UTF-8 text."
        raise IncidentError(msg) from None
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            doc = load_json(text, f"Incident file {path}")
        except DecodeError as exc:
            raise IncidentError(str(exc)) from None
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            msg = f"Incident file {path} is not a GeoJSON FeatureCollection."
            raise IncidentError(msg)
        records = []
        columns: dict[str, None] = {}
        for feat in doc.get("features") or []:
            props = dict((feat or {}).get("properties") or {})
            geom = (feat or {}).get("geometry") or {}
            coords = geom.get("coordinates") if geom.get("type") == "Point" else None
            if isinstance(coords, list) and len(coords) >= 2:
                props.setdefault("lon", coords[0])
                props.setdefault("lat", coords[1])
            columns.update(dict.fromkeys(props))
            records.append(props)
        return list(columns), records, "feature"
    text_lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        msg = f"Incident file {path} is empty."
        raise IncidentError(msg)
    rows = []
    last = reader.line_num
    for row in reader:
        # The physical line where the record starts (blank lines and quoted line breaks count).
        start = last + 1
        last = reader.line_num
        while start < last and not text_lines[start - 1].strip():
            start += 1
        rec: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
        rec["__line__"] = start
        if None in row:
            rec["__extra__"] = True
        rows.append(rec)
    return [str(c) for c in reader.fieldnames], rows, "line"


def match_columns(columns: list[str], mapping: Mapping[str, str], path: Path) -> dict[str, str]:
    """Return field -> source column: ``mapping`` (column -> field) first, then the usual names.

    The usual names are :data:`DEFAULT_COLUMNS`, matched without regard to case; a column is
    used for one field only. Raises IncidentError when the mapping names a column the file
    lacks; which fields must be found is the caller's to check.
    """
    chosen: dict[str, str] = {}
    for column, target in mapping.items():
        if column not in columns:
            msg = f"Incident file {path} has no column {column!r} named in the mapping."
            raise IncidentError(msg)
        chosen[target] = column
    lower = {c.strip().lower(): c for c in columns}
    for target, names in DEFAULT_COLUMNS.items():
        if target in chosen:
            continue
        for name in names:
            col = lower.get(name.lower())
            if col is not None and col not in chosen.values():
                chosen[target] = col
                break
    return chosen


def _resolve_columns(columns: list[str], mapping: Mapping[str, str], path: Path) -> dict[str, str]:
    """Return field -> source column, with every field an import needs."""
    chosen = match_columns(columns, mapping, path)
    missing = [f for f in ("category", "lon", "lat") if f not in chosen]
    if "time" not in chosen and "date" not in chosen:
        missing.insert(0, "time")
    if missing:
        msg = (
            f"Incident file {path} has no column for {', '.join(missing)}; "
            f"name it with --map column=field."
        )
        raise IncidentError(msg)
    return chosen


def _parse_time(rec: dict[str, Any], cols: dict[str, str], tz: ZoneInfo) -> datetime:
    if "time" in cols:
        value = str(rec.get(cols["time"]) or "").strip()
        if not value:
            raise ValueError("empty time")
        t = datetime.fromisoformat(value.replace("/", "-"))
    else:
        value = str(rec.get(cols["date"]) or "").strip()
        if not value:
            raise ValueError("empty date")
        try:
            t = datetime.fromisoformat(value.replace("/", "-"))
        except ValueError:
            t = datetime.strptime(value, "%m/%d/%Y")
        if "hour" in cols:
            h = float(str(rec.get(cols["hour"]) or "nan"))
            if not 0 <= h < 24:
                raise ValueError(f"hour {rec.get(cols['hour'])!r} is not in 0..23")
            t = t + timedelta(hours=h)
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    return t.astimezone(tz)


def _category(value: Any) -> str:
    key = str(value or "").strip().lower()
    if key in CATEGORY_SYNONYMS:
        return CATEGORY_SYNONYMS[key]
    for word, cat in CATEGORY_SYNONYMS.items():
        if len(word) >= 2 and not word.isascii() and word in key:
            return cat
    raise ValueError(f"category {value!r} is unknown")


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ValueError(f"{name} {value!r} is outside {lo:g}..{hi:g}")
    return x


def _make_id(t: datetime, lon: float, lat: float, category: str) -> str:
    key = f"{t.isoformat()}|{lon:.7f}|{lat:.7f}|{category}"
    return "inc-" + hashlib.sha1(key.encode()).hexdigest()[:12]


def read_incidents(
    path: str | Path,
    *,
    time_zone: str,
    mapping: Mapping[str, str] | None = None,
    boundary: shapely.Geometry | None = None,
    max_bad_share: float = MAX_BAD_SHARE,
) -> ImportReport:
    """Read an incident file, checking every record.

    Columns are found by the names in :data:`DEFAULT_COLUMNS` or by ``mapping`` (source column
    -> field). A time without a UTC offset is local time in ``time_zone``; a ``date`` plus
    ``hour`` pair may stand for the time. Categories are translated by
    :data:`CATEGORY_SYNONYMS`. A record without an id gets a stable one from its contents.

    Parameters
    ----------
    path
        A ``.csv`` or ``.geojson`` / ``.json`` file (UTF-8).
    time_zone
        IANA time zone of times without an offset, e.g. ``"Asia/Shanghai"``.
    mapping
        Source column -> field (one of :data:`FIELDS`).
    boundary
        When given (EPSG:4326), records outside it are refused.
    max_bad_share
        More bad records than this share rejects the file whole.

    Returns
    -------
    ImportReport
        The good records and the refused ones with their line numbers and reasons.

    Raises
    ------
    IncidentError
        When the file cannot be used at all: unreadable, a needed column missing, no record,
        no good record, or too many bad ones.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Incident file {path} does not exist."
        raise IncidentError(msg)
    tz = _zone(time_zone)
    columns, records, unit = _read_table(path)
    cols = _resolve_columns(columns, mapping or {}, path)
    if not records:
        msg = f"Incident file {path} holds no records."
        raise IncidentError(msg)
    prepared = None
    if boundary is not None:
        import shapely as _shp

        prepared = boundary
        _shp.prepare(prepared)
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
            try:
                t = _parse_time(rec, cols, tz)
            except (ValueError, OverflowError) as exc:
                raw = rec.get(cols.get("time", cols.get("date", "")), "")
                raise ValueError(
                    f"time {raw!r} is not a date and time such as 2026-07-01 21:30 ({exc})"
                ) from None
            cat = _category(rec.get(cols["category"]))
            lon = _number(rec.get(cols["lon"]), "lon", -180, 180)
            lat = _number(rec.get(cols["lat"]), "lat", -90, 90)
            if prepared is not None:
                import shapely as _shp

                if not _shp.intersects_xy(prepared, lon, lat):
                    raise ValueError(f"lon/lat {lon:g}/{lat:g} lies outside the district")
            rid = str(rec.get(cols["id"], "") or "").strip() if "id" in cols else ""
            if not rid:
                rid = _make_id(t, lon, lat, cat)
            if rid in seen:
                raise ValueError(f"id {rid!r} repeats an earlier record")
            seen.add(rid)
            desc = str(rec.get(cols["description"], "") or "") if "description" in cols else ""
        except ValueError as exc:
            n_bad += 1
            if len(errors) < MAX_LISTED_ERRORS:
                errors.append(RowError(line, str(exc), unit))
            continue
        good.append(
            {"id": rid, "time": t, "category": cat, "lon": lon, "lat": lat, "description": desc}
        )
    n = len(records)
    if not good:
        first_err = errors[0]
        msg = f"Incident file {path} has no usable record; {first_err}."
        raise IncidentError(msg)
    if n_bad > max_bad_share * n:
        msg = (
            f"Incident file {path} has {n_bad} bad records of {n}, more than "
            f"{max_bad_share:.0%}; {unit} {errors[0].line}: {errors[0].reason}."
        )
        raise IncidentError(msg)
    df = pd.DataFrame(good)
    df["time"] = pd.to_datetime(df["time"], utc=True).dt.tz_convert(time_zone)
    report = ImportReport(str(path), df, tuple(errors), n, n_bad)
    logger.info("%s", report.summary())
    return report


def incidents_to_csv_text(incidents: pd.DataFrame) -> str:
    """Return ``incidents`` as the text of a bundle's ``incidents.csv`` (ISO times with offset)."""
    df = incidents.copy()
    df["time"] = [t.isoformat() for t in df["time"]]
    cols = ["id", "time", "category", "lon", "lat"]
    cols += [c for c in df.columns if c not in cols]
    buf = io.StringIO()
    df[cols].to_csv(buf, index=False, float_format="%.7f", lineterminator="\n")
    return buf.getvalue()


def merge_incidents(stored: pd.DataFrame, new: pd.DataFrame, *, replace: bool = False) -> Any:
    """Return the stored incidents plus the new ones; a new record replaces one with its id."""
    if replace or stored is None or not len(stored):
        return new.reset_index(drop=True)
    new = new.copy()
    if len(new):
        new["time"] = new["time"].dt.tz_convert(stored["time"].dt.tz)
    keep = stored[~stored["id"].astype(str).isin(set(new["id"].astype(str)))]
    both = pd.concat([keep, new], ignore_index=True)
    for col in both.columns:
        if both[col].dtype == object:
            both[col] = both[col].fillna("")
    return both.sort_values(["time", "id"], kind="stable").reset_index(drop=True)


def store_incidents(folder: str | Path, incidents: pd.DataFrame) -> Path:
    """Write ``incidents`` as ``incidents.csv`` in a bundle folder, atomically.

    The table goes to a temporary file in the same folder, which then replaces the old file in
    one ``os.replace``: a failure at any point leaves the stored file as it was.

    Parameters
    ----------
    folder
        The district bundle folder (it must hold ``manifest.toml``).
    incidents
        The full incident table to store.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    IncidentError
        When ``folder`` is not a district bundle.
    """
    folder = Path(folder)
    if not (folder / "manifest.toml").is_file():
        msg = f"Folder {folder} is not a district bundle (no manifest.toml)."
        raise IncidentError(msg)
    target = folder / "incidents.csv"
    text = incidents_to_csv_text(incidents)
    fd, tmp = tempfile.mkstemp(prefix=".incidents.", suffix=".csv.tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.info("stored %d incidents in %s", len(incidents), target)
    return target


def import_incidents(
    path: str | Path,
    district: str | Path | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    time_zone: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Read an incident file and add its good records to a district bundle.

    Records outside the district boundary are refused. Nothing is stored when the file is
    rejected or when ``dry_run`` is set; otherwise ``incidents.csv`` is replaced atomically
    (see :func:`store_incidents`).

    Parameters
    ----------
    path
        The CSV or GeoJSON file.
    district
        The bundle folder; None for the default district.
    mapping
        Source column -> field.
    time_zone
        Time zone of times without an offset; default the district's.
    replace
        Replace the stored history instead of adding to it.
    dry_run
        Check only; store nothing.

    Returns
    -------
    ImportReport
        What was (or would be) imported and which records were refused.
    """
    import dataclasses

    from geodata.bundle import OUTSIDE_TOLERANCE_M, check_district, load_district

    loaded = load_district(district, validate=False)
    zone = time_zone or str(loaded.manifest["time_zone"])
    # The bundle's own tolerance: points up to 50 m outside the boundary still belong to it.
    reach = loaded.boundary.to_crs(loaded.work_crs).buffer(OUTSIDE_TOLERANCE_M * 0.98)
    boundary = reach.to_crs("EPSG:4326").union_all()
    report = read_incidents(path, time_zone=zone, mapping=mapping, boundary=boundary)
    if dry_run:
        return report
    assert loaded.path is not None
    merged = merge_incidents(loaded.incidents, report.incidents, replace=replace)
    # The bundle's own checks run on the new history before anything is written.
    check_district(dataclasses.replace(loaded, incidents=merged))
    store_incidents(loaded.path, merged)
    return report
