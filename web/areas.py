"""Key areas, hotspot pins and weights, and incident imports: checked, audited, undoable edits."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geodata.categories import CATEGORIES, default_priority
from geodata.errors import InputError
from geodata.windows import MAX_DOSE_MINUTES as WINDOWS_MAX_DOSE
from web.workspace import (
    Change,
    WorkspaceError,
    commit_change,
    current_district,
    ensure,
    read_key_areas,
    register_undo,
    write_key_areas,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from flask import Flask
    from sqlalchemy.orm import Session

    from geodata import District
    from web.db import Edit

AREA_FIELDS = ("name", "category", "priority", "windows", "dose_minutes", "geometry")
"""Fields of a key area that the editor sets (``lon``/``lat`` may stand for a point geometry)."""

OPTIONAL_COLUMNS = ("windows", "dose_minutes")
"""Key-area columns that only exist in the layer once an area uses them."""

GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
"""Geometries a key area may have (drawn areas are points or polygons)."""

COORD_DECIMALS = 7
"""Decimal places kept of drawn or imported coordinates (about 1 cm)."""

MAX_NAME = 100
MAX_DOSE_MINUTES = WINDOWS_MAX_DOSE
"""Largest dose per shift in minutes (as the bundle allows: a whole day)."""

MAX_WEIGHT = 100.0
"""Largest hotspot weight (risk multiplier)."""

MAX_NOTE = 200

ID_PREFIX = "web-"
"""Prefix of the ids of areas added in the web app (``web-1``, ``web-2``, ...)."""

ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,60}$")
MARKUP_RE = re.compile(r"[<>]")
"""Characters refused in names and notes: maps show them in popups built as HTML."""

HOTSPOTS_FILE = "hotspots.toml"
INCIDENTS_FILE = "incidents.csv"
INCIDENT_SUFFIXES = (".csv", ".geojson", ".json")

OUTSIDE_TOLERANCE_M = 50.0
"""How far outside the boundary an area may lie (as the bundle validator allows)."""


class AreaError(InputError):
    """A key area, hotspot or incident file that cannot be used (one sentence saying why).

    Attributes
    ----------
    key, values
        The catalogue key (:mod:`web.texts.areas`) and values of the message, so that pages
        can show it in their language; the exception's text is the English one.
    """

    def __init__(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = values
        super().__init__(message(self, "en"))


def message(exc: BaseException, lang: str | None = None) -> str:
    """Return the sentence of an error in ``lang`` (None: the request's language).

    :class:`AreaError` texts are translated from the catalogue; other errors (e.g. the bundle
    validator's) keep their own English sentence.
    """
    if not isinstance(exc, AreaError):
        return str(exc)
    from web.i18n import MESSAGES, translate

    values = {
        k: message(v, lang) if isinstance(v, BaseException) else v for k, v in exc.values.items()
    }
    if exc.key not in MESSAGES:
        return exc.key
    return translate(exc.key, lang or _lang(), **values)


def _lang() -> str:
    from flask import has_request_context

    if not has_request_context():
        return "en"
    from web.i18n import current_lang

    return current_lang()


# ---------------------------------------------------------------------------------------------
# Features


def _clean(value: Any) -> Any:
    """Return a JSON-able plain value (NaN and None become None, numpy scalars Python ones)."""
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None
        return value
    if hasattr(value, "item"):
        return _clean(value.item())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _geojson(geom: Any) -> dict[str, Any]:
    """Return a geometry as a plain GeoJSON dict (lists, not tuples)."""
    return json.loads(json.dumps(mapping(geom)))  # type: ignore[no-any-return]


def _feature(row: Mapping[str, Any], geom: Any) -> dict[str, Any]:
    """Return one key area as a canonical GeoJSON feature (every column as a property)."""
    props: dict[str, Any] = {}
    for key, value in row.items():
        if key == "geometry":
            continue
        props[str(key)] = _clean(value)
    props["id"] = str(props.get("id", ""))
    if props.get("priority") is not None:
        props["priority"] = int(props["priority"])
    props["windows"] = str(props.get("windows") or "")
    dose = props.get("dose_minutes")
    props["dose_minutes"] = None if dose is None else float(dose)
    return {"type": "Feature", "id": props["id"], "properties": props, "geometry": _geojson(geom)}


def _features(areas: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Return id -> canonical feature of every key area of a layer."""
    records = areas.drop(columns=areas.geometry.name).to_dict("records")
    return {
        str(rec["id"]): _feature(rec, geom)
        for rec, geom in zip(records, areas.geometry.array, strict=True)
    }


def _same(a: Any, b: Any) -> bool:
    """Return whether two JSON-able values are equal once written as JSON."""
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(
        b, sort_keys=True, ensure_ascii=False
    )


def area_collection(district: District) -> dict[str, Any]:
    """Return every key area of ``district`` as a GeoJSON FeatureCollection.

    Each feature has the id and the properties id, name, category, priority, windows ("" for
    the category's default windows) and dose_minutes (None: computed from risk), and every
    other column of the layer (e.g. ``name_en``, ``osm_tag``).
    """
    feats = list(_features(district.key_areas).values())
    return {"type": "FeatureCollection", "features": feats}


# ---------------------------------------------------------------------------------------------
# Checking fields


def _round_coords(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return [round(float(v), COORD_DECIMALS) for v in value]
        return [_round_coords(v) for v in value]
    return value


def check_geometry(value: Any) -> dict[str, Any]:
    """Return a GeoJSON Point or Polygon (or MultiPolygon) in lon/lat, rounded and checked.

    Parameters
    ----------
    value
        A GeoJSON geometry or Feature, as a dict or as JSON text.

    Raises
    ------
    AreaError
        When it is not such a geometry, lies outside lon/lat ranges or is not valid.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise AreaError("area_err_geometry_json") from None
    if isinstance(value, Mapping) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, Mapping) or value.get("type") not in GEOMETRY_TYPES:
        kind = value.get("type") if isinstance(value, Mapping) else type(value).__name__
        raise AreaError("area_err_geometry_type", kind=str(kind))
    coords = _round_coords(value.get("coordinates"))
    try:
        geom = shape({"type": value["type"], "coordinates": coords})
    except Exception:  # shapely raises several kinds for malformed coordinates
        raise AreaError("area_err_geometry_coords", kind=str(value["type"])) from None
    if geom.is_empty:
        raise AreaError("area_err_geometry_coords", kind=str(value["type"]))
    xmin, ymin, xmax, ymax = geom.bounds
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise AreaError("area_err_lonlat")
    if not geom.is_valid:
        raise AreaError("area_err_geometry_invalid", reason=shapely.is_valid_reason(geom))
    return _geojson(geom)


def check_windows(value: Any) -> str:
    """Return time windows as ``"HH:MM-HH:MM;..."`` (sorted, no spaces); "" for none.

    The rules are the bundle's (:func:`geodata.windows.parse_windows`): items joined by
    ``;``, a window whose end is before its start crosses midnight, no overlaps.

    Raises
    ------
    AreaError
        Naming the windows and what is wrong with them.
    """
    from geodata.windows import AreaValueError, format_windows, parse_windows

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    try:
        return format_windows(parse_windows(text))
    except AreaValueError as exc:
        raise AreaError("area_err_windows", value=text, reason=exc.reason) from None


def check_dose(value: Any) -> float | None:
    """Return a dose in minutes per shift (None: computed from risk).

    Raises
    ------
    AreaError
        For a value that is not a number from 0 to :data:`MAX_DOSE_MINUTES`.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AreaError("area_err_dose", value=str(value), max=f"{MAX_DOSE_MINUTES:g}")
    try:
        dose = float(str(value).strip())
    except ValueError:
        raise AreaError("area_err_dose", value=str(value), max=f"{MAX_DOSE_MINUTES:g}") from None
    if math.isnan(dose) and not isinstance(value, str):
        return None
    if not (math.isfinite(dose) and 0 <= dose <= MAX_DOSE_MINUTES):
        raise AreaError("area_err_dose", value=str(value), max=f"{MAX_DOSE_MINUTES:g}")
    return dose


def _priority(value: Any) -> int:
    if isinstance(value, bool):
        raise AreaError("area_err_priority", value=str(value))
    try:
        number = float(str(value).strip())
    except ValueError:
        raise AreaError("area_err_priority", value=str(value)) from None
    if not (math.isfinite(number) and number == int(number) and 1 <= number <= 5):
        raise AreaError("area_err_priority", value=str(value))
    return int(number)


def _given(fields: Mapping[str, Any], key: str) -> bool:
    return key in fields and fields[key] is not None


def check_area(fields: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check the fields of a key area and return them cleaned.

    Parameters
    ----------
    fields
        Any of :data:`AREA_FIELDS` (form strings or JSON values); ``geometry`` is GeoJSON (a
        dict or its text), or ``lon`` and ``lat`` give a point. Other keys are ignored.
    partial
        Check only the fields given (an update); otherwise name, category and geometry are
        needed, and priority defaults to the category's.

    Returns
    -------
    dict
        The given fields: name (str), category (str), priority (int), windows (str, "" for
        the category's default), dose_minutes (float or None), geometry (GeoJSON dict).

    Raises
    ------
    AreaError
        Naming the first field that is missing or wrong.
    """
    out: dict[str, Any] = {}
    if _given(fields, "name"):
        name = str(fields["name"]).strip()
        # Shipped areas may have no name; a new one needs one.
        if len(name) > MAX_NAME or (not name and not partial):
            raise AreaError("area_err_name", max=MAX_NAME)
        if MARKUP_RE.search(name):
            raise AreaError("area_err_markup", field="name")
        out["name"] = name
    elif not partial:
        raise AreaError("area_err_missing", field="name")
    if _given(fields, "category"):
        category = str(fields["category"]).strip()
        if category not in CATEGORIES:
            raise AreaError("area_err_category", value=category, choices=", ".join(CATEGORIES))
        out["category"] = category
    elif not partial:
        raise AreaError("area_err_missing", field="category")
    if _given(fields, "priority") and str(fields["priority"]).strip():
        out["priority"] = _priority(fields["priority"])
    elif not partial:
        out["priority"] = default_priority(out["category"])
    if "windows" in fields:
        out["windows"] = check_windows(fields["windows"])
    if "dose_minutes" in fields:
        out["dose_minutes"] = check_dose(fields["dose_minutes"])
    geometry = fields.get("geometry")
    if isinstance(geometry, str) and not geometry.strip():
        geometry = None
    lon, lat = fields.get("lon"), fields.get("lat")
    if geometry is None and (str(lon or "").strip() or str(lat or "").strip()):
        try:
            x, y = float(str(lon).strip()), float(str(lat).strip())
        except ValueError:
            raise AreaError("area_err_lonlat") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise AreaError("area_err_lonlat")
        geometry = {"type": "Point", "coordinates": [x, y]}
    if geometry is not None:
        out["geometry"] = check_geometry(geometry)
    elif not partial:
        raise AreaError("area_err_missing", field="geometry")
    return out


def _reach(district: District) -> Any:
    """Return the district's boundary grown by the tolerance, in lon/lat, prepared."""
    cached = getattr(district, "_patrol_reach", None)
    if cached is not None:
        return cached
    work = district.boundary.to_crs(district.work_crs).buffer(OUTSIDE_TOLERANCE_M)
    reach = work.to_crs("EPSG:4326").union_all()
    shapely.prepare(reach)
    with contextlib.suppress(AttributeError):  # kept with the loaded district
        district._patrol_reach = reach  # type: ignore[attr-defined]
    return reach


def check_inside(district: District, geometry: Mapping[str, Any]) -> None:
    """Refuse a geometry that lies wholly outside the district (beyond the tolerance)."""
    if not _reach(district).intersects(shape(geometry)):
        raise AreaError("area_err_outside", m=f"{OUTSIDE_TOLERANCE_M:g}")


def check_area_id(value: Any) -> str:
    """Return an area id of 1-60 letters, digits, ``-``, ``_``, ``.`` or ``:``."""
    text = str(value if value is not None else "").strip()
    if not ID_RE.match(text):
        raise AreaError("area_err_id", value=text)
    return text


# ---------------------------------------------------------------------------------------------
# Writing the layer


def _apply(areas: gpd.GeoDataFrame, changes: Mapping[str, Mapping[str, Any] | None]) -> Any:
    """Return the layer with areas replaced, added (feature) or removed (None) by id.

    ``changes`` maps an id to a canonical feature (its properties set whole, geometry too) or
    to None (the area is removed). Columns for new properties are added.
    """
    import geopandas as gpd

    ids = areas["id"].astype(str)
    keep = areas[~ids.isin([k for k, v in changes.items() if v is None])].copy()
    for area_id, feat in changes.items():
        if feat is None:
            continue
        props = dict(feat["properties"])
        props["id"] = area_id
        for column in OPTIONAL_COLUMNS:
            if column not in keep.columns and props.get(column) not in (None, ""):
                keep[column] = "" if column == "windows" else float("nan")
        geom = shape(feat["geometry"])
        index = keep.index[keep["id"].astype(str) == area_id]
        if len(index):
            at = index[0]
            for column in keep.columns:
                if column == keep.geometry.name:
                    continue
                if column in props:
                    value = props[column]
                    if column == "dose_minutes" and value is None:
                        value = float("nan")
                    keep.at[at, column] = value
            keep.loc[[at], keep.geometry.name] = gpd.GeoSeries([geom], index=[at], crs=keep.crs)
        else:
            row = {c: props.get(c) for c in keep.columns if c != keep.geometry.name}
            for column in keep.columns:
                if row.get(column) is None and column != keep.geometry.name:
                    row[column] = _empty_value(keep[column])
            new = gpd.GeoDataFrame([row], geometry=[geom], crs=keep.crs)
            new = (
                new.rename_geometry(keep.geometry.name) if keep.geometry.name != "geometry" else new
            )
            keep = pd.concat([keep, new], ignore_index=True)
    if "priority" in keep.columns:
        keep["priority"] = keep["priority"].astype("int64")
    if "dose_minutes" in keep.columns:
        keep["dose_minutes"] = pd.to_numeric(keep["dose_minutes"], errors="coerce").astype(float)
    if "windows" in keep.columns:
        keep["windows"] = keep["windows"].fillna("").astype(str)
    return gpd.GeoDataFrame(keep, geometry=keep.geometry.name, crs=areas.crs)


def _empty_value(column: pd.Series) -> Any:
    if pd.api.types.is_float_dtype(column):
        return float("nan")
    if pd.api.types.is_integer_dtype(column):
        return 0
    return ""


def _new_feature(area_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    props = {
        "id": area_id,
        "name": fields["name"],
        "category": fields["category"],
        "priority": int(fields["priority"]),
        "windows": fields.get("windows", ""),
        "dose_minutes": fields.get("dose_minutes"),
    }
    return {"type": "Feature", "id": area_id, "properties": props, "geometry": fields["geometry"]}


def _merged_feature(old: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    props = dict(old["properties"])
    for key in ("name", "category", "priority", "windows", "dose_minutes"):
        if key in fields:
            props[key] = fields[key]
    geometry = fields.get("geometry", old["geometry"])
    return {"type": "Feature", "id": old["id"], "properties": props, "geometry": geometry}


def _used_ids(session: Session) -> set[str]:
    """Return the ids of areas ever recorded in the audit log (never handed out again)."""
    from sqlalchemy import select

    from web.db import Edit

    used: set[str] = set()
    for target, after, before in session.execute(
        select(Edit.target, Edit.after, Edit.before).where(Edit.kind == "area")
    ):
        used.add(str(target))
        for text in (after, before):
            value = json.loads(text or "null")
            if isinstance(value, dict) and value.get("type") != "Feature":
                used.update(str(k) for k in value)
    return used


def _next_ids(session: Session, existing: Iterable[str], count: int = 1) -> list[str]:
    """Return ``count`` new ids ``web-<n>`` beyond every id in use or ever used."""
    top = 0
    for ident in set(existing) | _used_ids(session):
        if ident.startswith(ID_PREFIX) and ident[len(ID_PREFIX) :].isdigit():
            top = max(top, int(ident[len(ID_PREFIX) :]))
    return [f"{ID_PREFIX}{top + k}" for k in range(1, count + 1)]


def _text(key: str, **values: Any) -> str:
    """Return a summary line in the language of the request (English outside requests)."""
    from web.i18n import translate

    return translate(key, _lang(), **values)


def _commit_areas(
    app: Flask,
    session: Session,
    *,
    action: str,
    target: str,
    summary: str,
    changes: Mapping[str, dict[str, Any] | None],
    expect: Mapping[str, dict[str, Any] | None],
    user_id: int | None,
    single: bool,
    undo_of: int | None = None,
) -> Edit | None:
    """Write ``changes`` (id -> feature or None) if each area is still as in ``expect``.

    The check runs inside the edit's lock, on the staged copy, so an area changed by someone
    else in the meantime refuses the edit. The audit record holds the canonical features
    before (``expect``) and after (``changes``): one feature (or null) for a single-area edit,
    an object id -> feature (or null) for several.
    """
    if single:
        (area_id,) = changes
        before: Any = expect.get(area_id)
        after: Any = changes[area_id]
    else:
        before, after = dict(expect), dict(changes)
    change = Change("area", action, target, summary, before, after, undo_of)

    def mutate(folder: Path) -> None:
        areas = read_key_areas(folder)
        current = _features(areas)
        for area_id, expected in expect.items():
            now = current.get(area_id)
            if _same(_strip(now), _strip(expected)):
                continue
            if undo_of is not None:
                msg = (
                    f"Key area {area_id} has changed since edit {undo_of}; "
                    "undo the later edits first."
                )
                raise WorkspaceError(msg)
            if expected is None:
                raise AreaError("area_err_id_taken", id=area_id)
            if now is None:
                raise AreaError("area_err_no_area", id=area_id)
            raise AreaError("area_err_changed", id=area_id)
        write_key_areas(folder, _apply(areas, changes))

    return commit_change(app, session, change, mutate, user_id=user_id)


def _strip(feat: Mapping[str, Any] | None) -> Any:
    """Return a feature's fields that the editor owns (for comparing), None for no area."""
    if feat is None:
        return None
    props = {k: v for k, v in feat["properties"].items() if k not in ("name_en", "osm_tag")}
    props.setdefault("windows", "")
    props.setdefault("dose_minutes", None)
    if props["dose_minutes"] is not None:
        props["dose_minutes"] = float(props["dose_minutes"])
    return {"properties": props, "geometry": feat["geometry"]}


def _working_areas(app: Flask) -> dict[str, dict[str, Any]]:
    """Return id -> canonical feature of the working copy's key areas."""
    return _features(read_key_areas(ensure(app)))


def _area_or_error(areas: Mapping[str, dict[str, Any]], area_id: str) -> dict[str, Any]:
    feat = areas.get(str(area_id))
    if feat is None:
        raise AreaError("area_err_no_area", id=str(area_id))
    return feat


def _label(feat: Mapping[str, Any]) -> str:
    props = feat["properties"]
    return f"{props.get('id')} ({props.get('name')}, {props.get('category')})"


def add_area(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit:
    """Check and add a key area with a new id ``web-<n>``; return the audit record.

    Raises
    ------
    AreaError
        For a missing or wrong field, or an area wholly outside the district.
    geodata.errors.InputError
        When the changed bundle fails its check (nothing is then changed).
    """
    clean = check_area(fields)
    district = current_district(app)
    check_inside(district, clean["geometry"])
    areas = _working_areas(app)
    (area_id,) = _next_ids(session, areas)
    feat = _new_feature(area_id, clean)
    edit = _commit_areas(
        app,
        session,
        action="add",
        target=area_id,
        summary=_text("area_sum_add", area=_label(feat)),
        changes={area_id: feat},
        expect={area_id: None},
        user_id=user_id,
        single=True,
    )
    assert edit is not None  # a new area always changes the layer
    return edit


def update_area(
    app: Flask,
    session: Session,
    area_id: str,
    fields: Mapping[str, Any],
    *,
    user_id: int | None,
) -> Edit | None:
    """Change fields of a key area (geometry too: move or reshape); None when nothing changed.

    Raises
    ------
    AreaError
        For an unknown area, a wrong field, or an area moved wholly outside the district.
    """
    clean = check_area(fields, partial=True)
    areas = _working_areas(app)
    old = _area_or_error(areas, area_id)
    if "geometry" in clean:
        check_inside(current_district(app), clean["geometry"])
    new = _merged_feature(old, clean)
    if _same(_strip(new), _strip(old)):
        return None
    changed = [
        k
        for k in AREA_FIELDS
        if k in clean and not _same(_field_value(new, k), _field_value(old, k))
    ]
    return _commit_areas(
        app,
        session,
        action="update",
        target=str(area_id),
        summary=_text("area_sum_update", area=_label(new), fields=", ".join(changed)),
        changes={str(area_id): new},
        expect={str(area_id): old},
        user_id=user_id,
        single=True,
    )


def _field_value(feat: Mapping[str, Any], key: str) -> Any:
    """Return field ``key`` of a feature (``geometry`` or a property)."""
    return feat["geometry"] if key == "geometry" else feat["properties"].get(key)


def delete_area(app: Flask, session: Session, area_id: str, *, user_id: int | None) -> Edit:
    """Remove a key area; return the audit record (its ``before`` holds the whole area).

    Raises
    ------
    AreaError
        For an unknown area.
    """
    old = _area_or_error(_working_areas(app), area_id)
    edit = _commit_areas(
        app,
        session,
        action="delete",
        target=str(area_id),
        summary=_text("area_sum_delete", area=_label(old)),
        changes={str(area_id): None},
        expect={str(area_id): old},
        user_id=user_id,
        single=True,
    )
    assert edit is not None
    return edit


# ---------------------------------------------------------------------------------------------
# GeoJSON import and export


@dataclass(frozen=True, slots=True)
class AreaPreview:
    """What importing a GeoJSON file of key areas would do.

    Attributes
    ----------
    added, updated
        Features (canonical, with their ids) that would be added or would replace an area.
    unchanged
        Ids of features equal to the area they name.
    rejected
        ``(feature number, reason)`` of each feature that cannot be used (numbers from 1).
    errors
        The errors behind ``rejected``, for showing them in the page's language.
    filename
        The file's name.
    """

    added: tuple[dict[str, Any], ...]
    updated: tuple[dict[str, Any], ...]
    unchanged: tuple[str, ...]
    rejected: tuple[tuple[int, str], ...]
    errors: tuple[AreaError, ...] = field(default=(), repr=False)
    filename: str = ""
    before: Mapping[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True when no feature is rejected (the file can be imported)."""
        return not self.rejected


def _read_collection(data: bytes, filename: str) -> list[Any]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AreaError("area_err_utf8", file=filename) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AreaError("area_err_json", file=filename, line=exc.lineno, msg=exc.msg) from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise AreaError("area_err_not_collection", file=filename)
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise AreaError("area_err_no_features", file=filename)
    return feats


def preview_areas(app: Flask, session: Session, geojson_bytes: bytes, filename: str) -> AreaPreview:
    """Check a GeoJSON FeatureCollection of key areas against the working data.

    A feature whose ``id`` (feature id or ``id`` property) names an area updates it (fields it
    leaves out, or a null geometry, keep their values); any other feature is a new area (its
    own id when it has one, else a new ``web-<n>``), needing name, category and geometry.

    Raises
    ------
    AreaError
        When the file is not UTF-8 JSON holding a FeatureCollection with features.
    """
    feats = _read_collection(geojson_bytes, filename)
    district = current_district(app)
    areas = _features(district.key_areas)
    added: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    unchanged: list[str] = []
    rejected: list[tuple[int, str]] = []
    errors: list[AreaError] = []
    seen: set[str] = set()
    pending: list[tuple[int, dict[str, Any]]] = []
    for number, feat in enumerate(feats, start=1):
        try:
            if not isinstance(feat, dict) or feat.get("type") != "Feature":
                raise AreaError("area_err_not_feature")
            props = feat.get("properties") or {}
            if not isinstance(props, dict):
                raise AreaError("area_err_not_feature")
            raw_id = feat.get("id", props.get("id"))
            area_id = check_area_id(raw_id) if raw_id not in (None, "") else None
            if area_id is not None and area_id in seen:
                raise AreaError("area_err_repeated_id", id=area_id)
            fields = {k: props[k] for k in AREA_FIELDS if k in props and k != "geometry"}
            if feat.get("geometry") is not None:
                fields["geometry"] = feat["geometry"]
            old = areas.get(area_id) if area_id is not None else None
            clean = check_area(fields, partial=old is not None)
            if "geometry" in clean:
                check_inside(district, clean["geometry"])
        except AreaError as exc:
            rejected.append((number, str(exc)))
            errors.append(AreaError("area_err_feature", n=number, reason=exc))
            continue
        if area_id is not None:
            seen.add(area_id)
        if old is not None:
            new = _merged_feature(old, clean)
            if _same(_strip(new), _strip(old)):
                unchanged.append(str(area_id))
            else:
                updated.append(new)
        else:
            pending.append((number, {"id": area_id, "fields": clean}))
    fresh = iter(_next_ids(session, set(areas) | seen, len(pending)))
    for _number, item in pending:
        area_id = item["id"] or next(fresh)
        added.append(_new_feature(area_id, item["fields"]))
    return AreaPreview(
        tuple(added),
        tuple(updated),
        tuple(unchanged),
        tuple(rejected),
        tuple(errors),
        filename,
        {f["id"]: areas[f["id"]] for f in updated},
    )


def import_areas(
    app: Flask,
    session: Session,
    geojson_bytes: bytes,
    *,
    user_id: int | None,
    filename: str,
) -> Edit | None:
    """Import a GeoJSON file of key areas as one edit (see :func:`preview_areas`).

    A file with a rejected feature is refused whole; None when it changes nothing.

    Raises
    ------
    AreaError
        For an unusable file, or naming the first rejected feature and why.
    """
    preview = preview_areas(app, session, geojson_bytes, filename)
    if preview.rejected:
        first = preview.errors[0]
        raise AreaError(
            "area_err_import_rejected", file=filename, count=len(preview.rejected), first=first
        )
    changes: dict[str, dict[str, Any] | None] = {f["id"]: f for f in preview.added}
    changes.update({f["id"]: f for f in preview.updated})
    if not changes:
        return None
    expect: dict[str, dict[str, Any] | None] = {f["id"]: None for f in preview.added}
    expect.update(preview.before)
    return _commit_areas(
        app,
        session,
        action="import",
        target=filename[:200] or "areas.geojson",
        summary=_text(
            "area_sum_import", file=filename, added=len(preview.added), updated=len(preview.updated)
        ),
        changes=changes,
        expect=expect,
        user_id=user_id,
        single=False,
    )


def export_areas(app: Flask) -> bytes:
    """Return the working key areas as GeoJSON (UTF-8), ready to edit and import again."""
    doc = area_collection(current_district(app))
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _undo_area(app: Flask, session: Session, edit: Edit, user_id: int | None) -> Edit | None:
    """Write back the areas an edit replaced, if each is still as the edit left it."""
    before = json.loads(edit.before)
    after = json.loads(edit.after)
    single = not (isinstance(after, dict) and after.get("type") != "Feature") and not (
        isinstance(before, dict) and before.get("type") != "Feature"
    )
    if single:
        changes = {edit.target: before}
        expect = {edit.target: after}
    else:
        changes = dict(before or {})
        expect = dict(after or {})
    return _commit_areas(
        app,
        session,
        action="undo",
        target=edit.target,
        summary=_text("area_sum_undo", id=edit.id, summary=edit.summary),
        changes=changes,
        expect=expect,
        user_id=user_id,
        single=single,
        undo_of=edit.id,
    )


# ---------------------------------------------------------------------------------------------
# Hotspot pins and weights (hotspots.toml)


def _read_entries(folder: Path) -> list[dict[str, Any]]:
    file = folder / HOTSPOTS_FILE
    if not file.is_file():
        return []
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    entries = data.get("override", [])
    return [dict(e) for e in entries] if isinstance(entries, list) else []


def _entry(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return an override in canonical form: id, pin, weight, note (None: no override)."""
    if entry is None:
        return None
    return {
        "id": str(entry["id"]),
        "pin": bool(entry.get("pin", False)),
        "weight": float(entry.get("weight", 1.0)),
        "note": str(entry.get("note", "")),
    }


def hotspot_overrides(app: Flask) -> list[dict[str, Any]]:
    """Return the working hotspot overrides (id, pin, weight, note), in file order."""
    from planner.risk import read_overrides

    folder = ensure(app)
    read_overrides(folder)  # the file as the planner reads it; refuses a broken one
    return [e for e in (_entry(x) for x in _read_entries(folder)) if e is not None]


def place_ids(district: District) -> dict[str, str]:
    """Return place id -> kind ("key_area", "street" or "grid") of places that may be pinned."""
    out: dict[str, str] = {}
    for kind, layer in (("grid", district.grids), ("street", district.streets)):
        out.update(dict.fromkeys(layer["id"].astype(str), kind))
    out.update(dict.fromkeys(district.key_areas["id"].astype(str), "key_area"))
    return out


def check_hotspot(
    district: District, place_id: Any, *, pin: Any, weight: Any, note: Any
) -> dict[str, Any]:
    """Check a hotspot override's fields and return them (id, pin, weight, note).

    Raises
    ------
    AreaError
        For an unknown place, a weight that is not a number from 0 to :data:`MAX_WEIGHT`, or
        a note that is too long.
    """
    pid = str(place_id or "").strip()
    if pid not in place_ids(district):
        raise AreaError("hotspot_err_place", id=pid)
    if isinstance(pin, str):
        pin = pin.strip().lower() in ("1", "true", "on", "yes")
    if weight is None or (isinstance(weight, str) and not weight.strip()):
        value = 1.0
    else:
        try:
            value = float(str(weight).strip()) if not isinstance(weight, bool) else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 <= value <= MAX_WEIGHT):
            raise AreaError("hotspot_err_weight", value=str(weight), max=f"{MAX_WEIGHT:g}")
    text = str(note or "").strip()
    if len(text) > MAX_NOTE or "\n" in text:
        raise AreaError("hotspot_err_note", max=MAX_NOTE)
    if MARKUP_RE.search(text):
        raise AreaError("area_err_markup", field="note")
    return {"id": pid, "pin": bool(pin), "weight": value, "note": text}


def _write_entries(folder: Path, entries: list[dict[str, Any]]) -> None:
    from geodata.bundle import dump_toml

    file = folder / HOTSPOTS_FILE
    if not entries:
        file.unlink(missing_ok=True)
        return
    header = (
        "Planners' hotspot pins and risk weights (see planner.risk.read_overrides).\n"
        "Written by the web app's hotspot editor."
    )
    file.write_text(dump_toml({"override": entries}, header=header), encoding="utf-8")


def _commit_hotspot(
    app: Flask,
    session: Session,
    place_id: str,
    new: dict[str, Any] | None,
    expect: dict[str, Any] | None,
    *,
    summary: str,
    user_id: int | None,
    undo_of: int | None = None,
) -> Edit | None:
    action = "undo" if undo_of is not None else ("update" if expect is not None else "add")
    if new is None and undo_of is None:
        action = "delete"
    change = Change("hotspot", action, place_id, summary, expect, new, undo_of)

    def mutate(folder: Path) -> None:
        entries = _read_entries(folder)
        index = next((i for i, e in enumerate(entries) if str(e.get("id")) == place_id), None)
        now = _entry(entries[index]) if index is not None else None
        if not _same(now, expect):
            if undo_of is not None:
                msg = (
                    f"The hotspot override of {place_id} has changed since edit {undo_of}; "
                    "undo the later edits first."
                )
                raise WorkspaceError(msg)
            raise AreaError("area_err_changed", id=place_id)
        if new is None:
            if index is not None:
                del entries[index]
        elif index is None:
            entries.append(dict(new))
        else:
            entries[index] = dict(new)
        _write_entries(folder, entries)

    return commit_change(app, session, change, mutate, user_id=user_id)


def set_hotspot(
    app: Flask,
    session: Session,
    place_id: str,
    *,
    pin: Any,
    weight: Any,
    note: Any,
    user_id: int | None,
) -> Edit | None:
    """Pin a place as a hotspot and/or weight its risk, in the working ``hotspots.toml``.

    ``pin`` false, ``weight`` 1 and an empty ``note`` remove the place's override. Returns
    the audit record (kind "hotspot"), or None when nothing changed.

    Raises
    ------
    AreaError
        For an unknown place id, a bad weight or a too long note.
    """
    district = current_district(app)
    fields = check_hotspot(district, place_id, pin=pin, weight=weight, note=note)
    pid = fields["id"]
    current = {e["id"]: e for e in hotspot_overrides(app)}
    old = current.get(pid)
    new: dict[str, Any] | None = fields
    if not fields["pin"] and fields["weight"] == 1.0 and not fields["note"]:
        new = None
    if _same(old, new):
        return None
    if new is None:
        summary = _text("hotspot_sum_clear", id=pid)
    else:
        summary = _text(
            "hotspot_sum_set",
            id=pid,
            pin=_text("area_yes" if new["pin"] else "area_no"),
            weight=f"{new['weight']:g}",
        )
    return _commit_hotspot(app, session, pid, new, old, summary=summary, user_id=user_id)


def _undo_hotspot(app: Flask, session: Session, edit: Edit, user_id: int | None) -> Edit | None:
    """Put back a place's override as it was before an edit, if unchanged since."""
    return _commit_hotspot(
        app,
        session,
        edit.target,
        json.loads(edit.before),
        json.loads(edit.after),
        summary=_text("area_sum_undo", id=edit.id, summary=edit.summary),
        user_id=user_id,
        undo_of=edit.id,
    )


# ---------------------------------------------------------------------------------------------
# Incident import (planner.incidents)


@dataclass(frozen=True, slots=True)
class IncidentPreview:
    """What importing an incident file would do.

    Attributes
    ----------
    added
        Records whose id is new to the stored history.
    replaced
        Records that replace a stored record with the same id.
    rejected
        ``(line or feature number, reason)`` of each refused record (at most
        :data:`planner.incidents.MAX_LISTED_ERRORS` listed).
    n_rows, n_bad
        Records read and records refused.
    unit
        "line" (CSV, the header is line 1) or "feature" (GeoJSON, from 1).
    sample
        The first good records (id, time, category, lon, lat, description) as dicts.
    """

    added: int
    replaced: int
    rejected: tuple[tuple[int, str], ...]
    n_rows: int
    n_bad: int
    unit: str = "line"
    sample: tuple[dict[str, Any], ...] = ()


def _mapping(mapping: Mapping[str, str] | str | Iterable[str] | None) -> dict[str, str]:
    from planner.incidents import parse_mapping

    if mapping is None:
        return {}
    if isinstance(mapping, Mapping):
        return parse_mapping(f"{k}={v}" for k, v in mapping.items())
    if isinstance(mapping, str):
        mapping = [line for line in mapping.replace(",", "\n").splitlines() if line.strip()]
    return parse_mapping(mapping)


def _safe_name(filename: str) -> str:
    name = Path(str(filename or "").replace("\\", "/")).name or "incidents.csv"
    name = re.sub(r"[^\w.\-]+", "_", name)[:80] or "incidents.csv"
    if Path(name).suffix.lower() not in INCIDENT_SUFFIXES:
        raise AreaError(
            "incidents_err_suffix", file=filename, suffixes=", ".join(INCIDENT_SUFFIXES)
        )
    return name


def _read_upload(
    district: District,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | str | Iterable[str] | None,
    time_zone: str | None,
) -> Any:
    """Return the :class:`planner.incidents.ImportReport` of uploaded bytes."""
    from geodata.bundle import OUTSIDE_TOLERANCE_M as TOLERANCE
    from planner.exceptions import IncidentError
    from planner.incidents import read_incidents

    name = _safe_name(filename)
    cols = _mapping(mapping)
    zone = (time_zone or "").strip() or str(district.manifest["time_zone"])
    reach = district.boundary.to_crs(district.work_crs).buffer(TOLERANCE * 0.98)
    boundary = reach.to_crs("EPSG:4326").union_all()
    with tempfile.TemporaryDirectory(prefix="patrol-incidents-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return read_incidents(path, time_zone=zone, mapping=cols, boundary=boundary)
        except IncidentError as exc:
            raise IncidentError(str(exc).replace(str(path), str(filename))) from None


def preview_incidents(
    app: Flask,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | str | Iterable[str] | None = None,
    *,
    time_zone: str | None = None,
) -> IncidentPreview:
    """Check an incident file (CSV or GeoJSON) against the working district; store nothing.

    Parameters
    ----------
    app
        The application (its working district gives the boundary and time zone).
    data, filename
        The uploaded file and its name (its suffix says CSV or GeoJSON).
    mapping
        Source column -> field, or ``"column=field"`` lines.
    time_zone
        Time zone of times without an offset; default the district's.

    Raises
    ------
    planner.exceptions.IncidentError
        When the file cannot be used at all (its sentence names the line and why).
    """
    district = current_district(app)
    report = _read_upload(district, data, filename, mapping, time_zone)
    stored = set(district.incidents["id"].astype(str)) if len(district.incidents) else set()
    ids = report.incidents["id"].astype(str)
    replaced = int(ids.isin(stored).sum())
    sample = []
    for rec in report.incidents.head(10).to_dict("records"):
        rec["time"] = rec["time"].isoformat()
        sample.append(rec)
    unit = report.errors[0].unit if report.errors else "line"
    if Path(filename).suffix.lower() in (".geojson", ".json"):
        unit = "feature"
    return IncidentPreview(
        added=len(ids) - replaced,
        replaced=replaced,
        rejected=tuple((e.line, e.reason) for e in report.errors),
        n_rows=report.n_rows,
        n_bad=report.n_bad,
        unit=unit,
        sample=tuple(sample),
    )


def _file_state(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return {
        "file": INCIDENTS_FILE,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "records": max(0, len(text.splitlines()) - 1),
        "text": text,
    }


def _without_text(state: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (state or {}).items() if k != "text"}


def import_incidents(
    app: Flask,
    session: Session,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | str | Iterable[str] | None = None,
    *,
    time_zone: str | None = None,
    user_id: int | None,
) -> Edit | None:
    """Add the good records of an incident file to the working ``incidents.csv`` (one edit).

    A record with the id of a stored one replaces it. Returns the audit record (kind
    "incidents"; ``before`` holds the file's text, ``after`` its checksum and record count),
    or None when nothing changed.

    Raises
    ------
    planner.exceptions.IncidentError
        When the file cannot be used at all; nothing is then stored.
    """
    from geodata.bundle import load_district
    from planner.incidents import merge_incidents, store_incidents

    district = current_district(app)
    report = _read_upload(district, data, filename, mapping, time_zone)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    summary = _text("incidents_sum_import", file=filename, n=report.n_ok, bad=report.n_bad)
    change = Change("incidents", "import", INCIDENTS_FILE, summary, before, after)

    def mutate(folder: Path) -> None:
        file = folder / INCIDENTS_FILE
        old = file.read_text(encoding="utf-8") if file.is_file() else None
        stored = load_district(folder, validate=False).incidents
        store_incidents(folder, merge_incidents(stored, report.incidents))
        before.update(_file_state(old) or {})
        # The text after is not kept: an undo needs only to know the file is still so.
        after.update(_without_text(_file_state(file.read_text(encoding="utf-8"))))

    return commit_change(app, session, change, mutate, user_id=user_id)


def _undo_incidents(app: Flask, session: Session, edit: Edit, user_id: int | None) -> Edit | None:
    """Put back the incident file an import replaced, if it is still as the import left it."""
    before = json.loads(edit.before) or None
    after = json.loads(edit.after) or None
    old_state: dict[str, Any] = {}
    new_state: dict[str, Any] = {}
    change = Change(
        "incidents",
        "undo",
        INCIDENTS_FILE,
        _text("area_sum_undo", id=edit.id, summary=edit.summary),
        old_state,
        new_state,
        edit.id,
    )

    def mutate(folder: Path) -> None:
        file = folder / INCIDENTS_FILE
        now = file.read_text(encoding="utf-8") if file.is_file() else None
        state = _file_state(now)
        if (state or {}).get("sha256") != (after or {}).get("sha256"):
            msg = f"{INCIDENTS_FILE} has changed since edit {edit.id}; undo the later edits first."
            raise WorkspaceError(msg)
        if before is None:
            file.unlink(missing_ok=True)
        else:
            file.write_text(before["text"], encoding="utf-8")
        old_state.update(state or {})
        new_state.update(_without_text(before))

    return commit_change(app, session, change, mutate, user_id=user_id)


register_undo("area", _undo_area)
register_undo("hotspot", _undo_hotspot)
register_undo("incidents", _undo_incidents)
