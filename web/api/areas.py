"""Key areas and incident imports through the API (web.areas.edits: checked, audited, undoable)."""

from __future__ import annotations

import json
from typing import Any, NoReturn

import marshmallow as ma
from flask import current_app

from geodata.categories import CATEGORIES
from geodata.errors import InputError
from web.accounts.auth import current_user
from web.api.core import ApiBlueprint, ErrorSchema, etag, if_match, refuse, refuse_stale
from web.api.district import FeatureCollectionSchema
from web.areas import edits as areas
from web.areas import hotspots as hotspot_edits
from web.areas import incidents as incident_imports
from web.db import db_session
from web.plans.store import get_district

bp = ApiBlueprint(
    "api_areas",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Key areas of the working district (add, move or reshape, delete, GeoJSON import) and "
        "incident imports; every change is checked, recorded and can be undone."
    ),
)

STATUS_OF_KEY = {"area_err_no_area": 404, "area_err_id_taken": 409, "area_err_changed": 409}
"""web.areas.edits.AreaError keys answered with another status than 422."""

FIELD_OF_KEY = {
    "area_err_lonlat": "geometry",
    "area_err_outside": "geometry",
    "area_err_id": "area_id",
    "area_err_no_area": "area_id",
    "incidents_err_suffix": "filename",
}
"""web.areas.edits.AreaError keys -> the body field they blame, where :data:`FIELD_PREFIXES` cannot
tell it from the key."""

MAX_UPLOAD = 20_000_000
"""Longest GeoJSON or incident file taken, in characters."""


FIELD_PREFIXES = (
    ("window", "windows"),
    ("geometry", "geometry"),
    ("dose", "dose_minutes"),
    ("name", "name"),
    ("categor", "category"),
    ("priorit", "priority"),
)
"""Beginnings of AreaError keys (after ``area_err_``) -> the field, for keys not listed."""


def _field_of_key(key: str) -> str | None:
    if key in FIELD_OF_KEY:
        return FIELD_OF_KEY[key]
    suffix = key.removeprefix("area_err_")
    return next((field for start, field in FIELD_PREFIXES if suffix.startswith(start)), None)


def refuse_area(exc: InputError, default_field: str | None = None) -> NoReturn:
    """Answer a refusal of web.areas.edits with its sentence, the fitting status and field."""
    key = getattr(exc, "key", None)
    values = getattr(exc, "values", None) or {}
    field = values.get("field") or _field_of_key(str(key)) or default_field
    refuse(STATUS_OF_KEY.get(str(key), 422), str(exc), str(field) if field else None)


class GeometryField(ma.fields.Dict):
    """A GeoJSON geometry object (Point, Polygon or MultiPolygon, WGS 84 lon/lat)."""


class AreaFieldsSchema(ma.Schema):
    """Fields of a key area (checked again by web.areas.edits.check_area)."""

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=areas.MAX_NAME))
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORIES))
    priority = ma.fields.Integer(validate=ma.validate.Range(min=1, max=5))
    windows = ma.fields.String(
        validate=ma.validate.Length(max=500),
        metadata={"description": "'HH:MM-HH:MM' items joined by ';' ('' = category default)."},
    )
    dose_minutes = ma.fields.Float(
        allow_none=True,
        validate=ma.validate.Range(min=0, max=areas.MAX_DOSE_MINUTES),
        metadata={"description": "Minutes of presence per shift (null = from risk)."},
    )
    geometry = GeometryField(
        metadata={"description": "GeoJSON Point, Polygon or MultiPolygon (lon/lat)."}
    )


class NewAreaSchema(AreaFieldsSchema):
    """A new key area: name, category and geometry are needed."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=areas.MAX_NAME))
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORIES))
    geometry = GeometryField(required=True)


class FeatureSchema(ma.Schema):
    """A GeoJSON Feature of a key area."""

    type = ma.fields.String(metadata={"example": "Feature"})
    id = ma.fields.String()
    properties = ma.fields.Dict()
    geometry = ma.fields.Dict(allow_none=True)


class AreaEditSchema(ma.Schema):
    """A key area after an edit, and the audit record's id."""

    area = ma.fields.Nested(FeatureSchema, allow_none=True)
    edit_id = ma.fields.Integer(allow_none=True, metadata={"description": "None: unchanged."})
    data_version = ma.fields.Integer()


class ImportQuery(ma.Schema):
    """Whether to only preview an import."""

    preview = ma.fields.Boolean(load_default=False)


class AreaImportSchema(ma.Schema):
    """A GeoJSON FeatureCollection of key areas (features with an id update that area)."""

    class Meta:
        """Other GeoJSON members (crs, bbox, name) are allowed and ignored."""

        unknown = ma.INCLUDE

    type = ma.fields.String(required=True, validate=ma.validate.Equal("FeatureCollection"))
    features = ma.fields.List(ma.fields.Dict(), required=True)


class AreaPreviewSchema(ma.Schema):
    """What an import does (or would do, for a preview)."""

    added = ma.fields.List(ma.fields.Dict())
    updated = ma.fields.List(ma.fields.Dict())
    unchanged = ma.fields.List(ma.fields.String())
    rejected = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "{feature: number from 1, reason}."}
    )
    edit_id = ma.fields.Integer(allow_none=True)
    imported = ma.fields.Boolean()


class IncidentImportSchema(ma.Schema):
    """An incident file (CSV or GeoJSON text) with its name, column mapping and time zone."""

    filename = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "Its suffix (.csv, .geojson, .json) says the format."},
    )
    content = ma.fields.String(required=True, validate=ma.validate.Length(max=MAX_UPLOAD))
    mapping = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=100)),
        values=ma.fields.String(validate=ma.validate.Length(max=100)),
        load_default=None,
        allow_none=True,
        metadata={"description": "Source column -> field (id, time, category, lon, lat, ...)."},
    )
    time_zone = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=64)
    )


class IncidentPreviewSchema(ma.Schema):
    """What an incident import does (or would do, for a preview)."""

    added = ma.fields.Integer()
    replaced = ma.fields.Integer()
    rejected = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "{line or feature number, reason}."}
    )
    n_rows = ma.fields.Integer()
    n_bad = ma.fields.Integer()
    unit = ma.fields.String()
    sample = ma.fields.List(ma.fields.Dict())
    edit_id = ma.fields.Integer(allow_none=True)
    imported = ma.fields.Boolean()


def _user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


def _find(area_id: str) -> dict[str, Any] | None:
    for feat in areas.area_collection(get_district(current_app))["features"]:
        if str(feat.get("id")) == area_id:
            return feat  # type: ignore[no-any-return]
    return None


def _edited(area_id: str, edit: Any) -> dict[str, Any]:
    from web.workspace import data_version

    return {
        "area": _find(area_id),
        "edit_id": edit.id if edit is not None else None,
        "data_version": data_version(db_session()),
    }


@bp.route("/areas", methods=["GET"])
@bp.needs(None)
@bp.response(200, FeatureCollectionSchema, content_type="application/geo+json")
def area_list() -> Any:
    """Return every key area as a GeoJSON FeatureCollection (as the map and the export)."""
    from web.api.district import geojson_response

    doc = areas.area_collection(get_district(current_app))
    return geojson_response(json.dumps(doc, ensure_ascii=False))


@bp.route("/areas/<area_id>", methods=["GET"])
@bp.needs(None)
@bp.response(200, FeatureSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such key area.")
def area_get(area_id: str) -> Any:
    """Return one key area as a GeoJSON Feature; its ETag is its version (for If-Match)."""
    feat = _find(area_id)
    if feat is None:
        refuse(404, f"There is no key area {area_id}.", "area_id")
    return feat, etag(areas.area_version(current_app, area_id))


@bp.route("/areas", methods=["POST"])
@bp.needs("edit_areas")
@bp.arguments(NewAreaSchema)
@bp.response(201, AreaEditSchema)
def area_create(body: dict[str, Any]) -> dict[str, Any]:
    """Add a key area (it gets a new id ``web-<n>``); refused whole when a field is wrong."""
    try:
        edit = areas.add_area(current_app, db_session(), body, user_id=_user_id())
    except InputError as exc:
        refuse_area(exc)
    return _edited(edit.target, edit)


@bp.route("/areas/<area_id>", methods=["PATCH"])
@bp.needs("edit_areas")
@bp.arguments(AreaFieldsSchema)
@bp.response(200, AreaEditSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such key area.")
@bp.alt_response(412, schema=ErrorSchema, description="Changed since the If-Match version.")
def area_update(body: dict[str, Any], area_id: str) -> Any:
    """Change fields of a key area; a new geometry moves or reshapes it.

    Send the ETag of the GET in ``If-Match``: an area changed since is refused with 412.
    """
    try:
        edit = areas.update_area(
            current_app,
            db_session(),
            area_id,
            body,
            user_id=_user_id(),
            expect_version=if_match(),
        )
    except InputError as exc:
        refuse_stale(exc)
        refuse_area(exc)
    return _edited(area_id, edit), etag(areas.area_version(current_app, area_id))


@bp.route("/areas/<area_id>", methods=["DELETE"])
@bp.needs("edit_areas")
@bp.response(200, AreaEditSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such key area.")
def area_delete(area_id: str) -> dict[str, Any]:
    """Remove a key area (the audit record keeps it, so it can be undone)."""
    try:
        edit = areas.delete_area(current_app, db_session(), area_id, user_id=_user_id())
    except InputError as exc:
        refuse_area(exc)
    return _edited(area_id, edit)


@bp.route("/areas/import", methods=["POST"])
@bp.needs("edit_areas")
@bp.arguments(ImportQuery, location="query")
@bp.arguments(AreaImportSchema)
@bp.response(200, AreaPreviewSchema)
def area_import(query: dict[str, bool], body: dict[str, Any]) -> dict[str, Any]:
    """Import a GeoJSON FeatureCollection of key areas (``?preview=true``: only check it).

    A file with a rejected feature is refused whole (422 naming the first); the preview
    lists every rejected feature and why.
    """
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    name = "areas.geojson"
    session = db_session()
    try:
        preview = areas.preview_areas(current_app, session, data, name)
        edit = None
        if not query["preview"]:
            edit = areas.import_areas(current_app, session, data, user_id=_user_id(), filename=name)
    except InputError as exc:
        refuse_area(exc, "features")
    return {
        "added": list(preview.added),
        "updated": list(preview.updated),
        "unchanged": list(preview.unchanged),
        "rejected": [{"feature": n, "reason": why} for n, why in preview.rejected],
        "edit_id": edit.id if edit is not None else None,
        "imported": not query["preview"],
    }


@bp.route("/district/incidents/import", methods=["POST"])
@bp.needs("edit_areas")
@bp.arguments(ImportQuery, location="query")
@bp.arguments(IncidentImportSchema)
@bp.response(200, IncidentPreviewSchema)
def incident_import(query: dict[str, bool], body: dict[str, Any]) -> dict[str, Any]:
    """Import incidents from CSV or GeoJSON text (``?preview=true``: only check them).

    Good records are added (a record with a stored id replaces it); refused ones are listed
    with their line or feature and why. A file that cannot be read at all is refused (422).
    """
    data = body["content"].encode("utf-8")
    mapping, zone = body.get("mapping"), body.get("time_zone")
    try:
        preview = incident_imports.preview_incidents(
            current_app, data, body["filename"], mapping, time_zone=zone
        )
        edit = None
        if not query["preview"]:
            edit = incident_imports.import_incidents(
                current_app,
                db_session(),
                data,
                body["filename"],
                mapping,
                time_zone=zone,
                user_id=_user_id(),
            )
    except InputError as exc:
        refuse_area(exc, "content")
    return {
        "added": preview.added,
        "replaced": preview.replaced,
        "rejected": [{"number": n, "reason": why} for n, why in preview.rejected],
        "n_rows": preview.n_rows,
        "n_bad": preview.n_bad,
        "unit": preview.unit,
        "sample": json.loads(json.dumps(list(preview.sample), default=str)),
        "edit_id": edit.id if edit is not None else None,
        "imported": not query["preview"],
    }


class HotspotSchema(ma.Schema):
    """A place's hotspot override: pinned as a hotspot, a weight on its risk, a note."""

    id = ma.fields.String()
    pin = ma.fields.Boolean()
    weight = ma.fields.Float()
    note = ma.fields.String()


class HotspotFieldsSchema(ma.Schema):
    """A new override of a place (pin false, weight 1 and no note remove it)."""

    pin = ma.fields.Boolean(load_default=False)
    weight = ma.fields.Float(
        load_default=1.0, validate=ma.validate.Range(min=0, max=hotspot_edits.MAX_WEIGHT)
    )
    note = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=hotspot_edits.MAX_NOTE)
    )


class HotspotEditSchema(ma.Schema):
    """The working overrides after an edit, and the audit record's id."""

    hotspots = ma.fields.List(ma.fields.Nested(HotspotSchema))
    edit_id = ma.fields.Integer(allow_none=True, metadata={"description": "None: unchanged."})


@bp.route("/hotspots", methods=["GET"])
@bp.needs("edit_areas")
@bp.response(200, HotspotSchema(many=True))
def hotspot_list() -> list[dict[str, Any]]:
    """List the working hotspot overrides (pins and weights of key areas and streets)."""
    return hotspot_edits.hotspot_overrides(current_app)


@bp.route("/hotspots/<place_id>", methods=["PUT"])
@bp.needs("edit_areas")
@bp.arguments(HotspotFieldsSchema)
@bp.response(200, HotspotEditSchema)
def hotspot_set(body: dict[str, Any], place_id: str) -> dict[str, Any]:
    """Pin or weight a place (a key area or street id) as a hotspot; undoable."""
    try:
        edit = hotspot_edits.set_hotspot(
            current_app,
            db_session(),
            place_id,
            pin=body["pin"],
            weight=body["weight"],
            note=body["note"],
            user_id=_user_id(),
        )
    except InputError as exc:
        key = getattr(exc, "key", None)
        if key == "hotspot_err_place":
            refuse(404, str(exc), "place_id")
        refuse_area(exc, {"hotspot_err_weight": "weight", "hotspot_err_note": "note"}.get(str(key)))
    return {
        "hotspots": hotspot_edits.hotspot_overrides(current_app),
        "edit_id": edit.id if edit is not None else None,
    }
