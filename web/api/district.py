"""The working district through the API: its figures, its layers as GeoJSON, its incidents."""

from __future__ import annotations

import json
import math
from typing import Any

import marshmallow as ma
from flask import Response, current_app

from geodata.bundle import summarize_district
from web.api.core import ApiBlueprint, refuse
from web.plans.store import get_district

bp = ApiBlueprint(
    "api_district",
    __name__,
    url_prefix="/api/v1/district",
    description="The working district (with the edits made in the app).",
)

LAYERS = ("boundary", "streets", "key_areas", "posts", "cameras", "grids")
"""Layers of the district offered as GeoJSON."""

MAX_PER_PAGE = 500


class SummarySchema(ma.Schema):
    """The district's figures (geodata.bundle.summarize_district, without its server path)."""

    class Meta:
        """Further keys pass through."""

        unknown = ma.INCLUDE

    name = ma.fields.String()
    name_zh = ma.fields.String()
    crs = ma.fields.String()
    work_crs = ma.fields.String()
    time_zone = ma.fields.String()
    area_km2 = ma.fields.Float()
    street_km = ma.fields.Float()
    key_areas = ma.fields.Integer()
    key_areas_by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    posts = ma.fields.Integer()
    cameras = ma.fields.Integer()
    grids = ma.fields.Integer()
    incidents = ma.fields.Integer()
    incidents_from = ma.fields.String(allow_none=True)
    incidents_to = ma.fields.String(allow_none=True)
    attribution = ma.fields.String()


class FeatureCollectionSchema(ma.Schema):
    """A GeoJSON FeatureCollection (RFC 7946), coordinates in WGS 84 longitude/latitude."""

    type = ma.fields.String(metadata={"example": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Dict())


class PageQuery(ma.Schema):
    """Which page of a long list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10**6))
    per_page = ma.fields.Integer(
        load_default=100, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


class IncidentSchema(ma.Schema):
    """One incident of the district's history."""

    class Meta:
        """Further keys pass through."""

        unknown = ma.INCLUDE

    id = ma.fields.String()
    time = ma.fields.String(metadata={"description": "ISO 8601 with the district's offset."})
    category = ma.fields.String()
    lon = ma.fields.Float()
    lat = ma.fields.Float()


class IncidentPageSchema(ma.Schema):
    """One page of incidents, oldest first."""

    items = ma.fields.List(ma.fields.Nested(IncidentSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    pages = ma.fields.Integer()


def geojson_response(text: str) -> Response:
    """Return GeoJSON text as an ``application/geo+json`` answer."""
    return Response(text, mimetype="application/geo+json")


@bp.route("", methods=["GET"])
@bp.needs(None)
@bp.response(200, SummarySchema)
def summary() -> dict[str, Any]:
    """Return the district's figures: streets, key areas by category, posts, cameras, incidents."""
    out = summarize_district(get_district(current_app))
    out.pop("path", None)
    return out


@bp.route(f"/layers/<any({','.join(LAYERS)}):layer>", methods=["GET"])
@bp.needs(None)
@bp.response(200, FeatureCollectionSchema, content_type="application/geo+json")
def layer_geojson(layer: str) -> Response:
    """One layer of the district as a GeoJSON FeatureCollection."""
    if layer not in LAYERS:
        refuse(404, f"There is no layer {layer!r}; the layers are {', '.join(LAYERS)}.", "layer")
    frame = getattr(get_district(current_app), layer)
    return geojson_response(frame.to_json(na="null", show_bbox=False, drop_id=True))


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


@bp.route("/incidents", methods=["GET"])
@bp.needs("view_coverage")
@bp.arguments(PageQuery, location="query")
@bp.response(200, IncidentPageSchema)
def incidents(query: dict[str, int]) -> dict[str, Any]:
    """Return the district's incident history, a page at a time (planners and above)."""
    frame = get_district(current_app).incidents
    if "time" in frame.columns:
        frame = frame.sort_values("time", kind="stable")
    total = len(frame)
    page, per_page = query["page"], query["per_page"]
    chunk = frame.iloc[(page - 1) * per_page : page * per_page]
    items = [{str(k): _plain(v) for k, v in row.items()} for row in chunk.to_dict("records")]
    return {
        "items": json.loads(json.dumps(items, default=str)),
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, math.ceil(total / per_page)),
    }
