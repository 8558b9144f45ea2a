"""Key areas as checked, audited, undoable edits; the errors and texts of every data edit.

Hotspot pins and weights are in :mod:`web.areas.hotspots`, incident imports in
:mod:`web.areas.incidents`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from geodata.categories import CATEGORIES, default_priority
from geodata.decoding import DecodeError, load_json
from geodata.errors import InputError
from geodata.windows import MAX_DOSE_MINUTES as WINDOWS_MAX_DOSE
from web.workspace import (
    Change,
    WorkspaceError,
    commit_change,
    current_district,
    ensure,
    latest_change,
    read_key_areas,
    register_undo,
    write_key_areas,
)

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd
    from flask import Flask
    from sqlalchemy.orm import Session

    from geodata import District
    from web.db import Edit

AREA_FIELDS = ("name", "category", "priority", "windows", "dose_minutes", "geometry")
"""Fields of a key area that the editor sets (``lon``/``lat`` may stand for a point geometry)."""

OPTIONAL_COLUMNS = ("windows", "dose_minutes")
"""Key-area columns that only exist in the layer once an area uses them."""

GEOMETRY_TYPES = ("Point", "MultiPoint", "Polygon", "MultiPolygon")
"""Geometries a key area may have (drawn areas are points or polygons; an imported station is
a MultiPoint of its entrances)."""

COORD_DECIMALS = 7
"""Decimal places kept of drawn or imported coordinates (about 1 cm)."""

MAX_NAME = 100
MAX_DOSE_MINUTES = WINDOWS_MAX_DOSE
"""Largest dose per shift in minutes (as the bundle allows: a whole day)."""

ID_PREFIX = "web-"
"""Prefix of the ids of areas added in the web app (``web-1``, ``web-2``, ...)."""

ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,60}$")
MARKUP_RE = re.compile(r"[<>]")
"""Characters refused in names and notes: maps show them in popups built as HTML."""

OUTSIDE_TOLERANCE_M = 50.0
"""How far outside the boundary an area may lie (as the bundle validator allows)."""


class AreaError(InputError):
    """A key area, hotspot or incident file that cannot be used (one sentence saying why).

    Attributes
    ----------
    key, values
        The catalogue key (:mod:`planner.texts`) and values of the message, so that pages
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


def same_value(a: Any, b: Any) -> bool:
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
            value = load_json(value, "geometry")
        except DecodeError as exc:
            if exc.key == "syntax":
                raise AreaError("area_err_geometry_json") from None
            raise AreaError(f"dec_{exc.key}", **exc.values) from None
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


def edit_text(key: str, **values: Any) -> str:
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
            if same_value(_strip(now), _strip(expected)):
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
    # Columns the editor does not set (name_en, osm_tag, opening_hours, target, merged_ids,
    # ...) are not compared.
    owned = ("id", *(f for f in AREA_FIELDS if f != "geometry"))
    props = {k: v for k, v in feat["properties"].items() if k in owned}
    props.setdefault("windows", "")
    props.setdefault("dose_minutes", None)
    if props["dose_minutes"] is not None:
        props["dose_minutes"] = float(props["dose_minutes"])
    return {"properties": props, "geometry": feat["geometry"]}


def version_of(feat: Mapping[str, Any]) -> str:
    """Return the version (ETag) of a key area: a digest of the fields the editor owns."""
    text = json.dumps(_strip(feat), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def area_version(app: Flask, area_id: str) -> str:
    """Return the version of working key area ``area_id`` (forms carry it, the API's ETag).

    Raises
    ------
    AreaError
        When there is no such area.
    """
    return version_of(_area_or_error(_working_areas(app), area_id))


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
        summary=edit_text("area_sum_add", area=_label(feat)),
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
    expect_version: str | None = None,
) -> Edit | None:
    """Change fields of a key area (geometry too: move or reshape); None when nothing changed.

    ``expect_version`` is the area's version when the editor opened it (:func:`area_version`);
    when given and the area has changed since, nothing is saved.

    Raises
    ------
    AreaError
        For an unknown area, a wrong field, an area moved wholly outside the district, or
        (``area_err_stale``) an area changed since ``expect_version``, naming that edit.
    """
    clean = check_area(fields, partial=True)
    areas = _working_areas(app)
    old = _area_or_error(areas, area_id)
    if expect_version is not None and version_of(old) != expect_version:
        raise AreaError("area_err_stale", id=str(area_id), **latest_change(session, str(area_id)))
    if "geometry" in clean:
        check_inside(current_district(app), clean["geometry"])
    new = _merged_feature(old, clean)
    if same_value(_strip(new), _strip(old)):
        return None
    changed = [
        k
        for k in AREA_FIELDS
        if k in clean and not same_value(_field_value(new, k), _field_value(old, k))
    ]
    return _commit_areas(
        app,
        session,
        action="update",
        target=str(area_id),
        summary=edit_text("area_sum_update", area=_label(new), fields=", ".join(changed)),
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
        summary=edit_text("area_sum_delete", area=_label(old)),
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
        doc = load_json(text, filename)
    except DecodeError as exc:
        if exc.key == "syntax":
            raise AreaError(
                "area_err_json", file=filename, line=exc.values["line"], msg=exc.values["why"]
            ) from None
        raise AreaError(f"dec_{exc.key}", **exc.values) from None
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
            if same_value(_strip(new), _strip(old)):
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
        summary=edit_text(
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
        summary=edit_text("area_sum_undo", id=edit.id, summary=edit.summary),
        changes=changes,
        expect=expect,
        user_id=user_id,
        single=single,
        undo_of=edit.id,
    )


register_undo("area", _undo_area)
