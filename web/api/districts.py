"""The districts of the service through the API: those one may address, and the city overview."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask import current_app

from web.accounts.auth import PERMISSIONS, current_user
from web.api.core import ApiBlueprint, refuse
from web.db import db_session
from web.districts.registry import default_district, roles_of

bp = ApiBlueprint(
    "api_districts",
    __name__,
    url_prefix="/api/v1",
    description=(
        "The districts of the service. Every endpoint of the API answers for one district: "
        "/api/v1/districts/{id}/... addresses district {id} (e.g. "
        "/api/v1/districts/{id}/plans), the paths without it the default district."
    ),
)


class DistrictSchema(ma.Schema):
    """A district one has a role in."""

    id = ma.fields.String()
    role = ma.fields.String(metadata={"description": "Your role in the district."})
    default = ma.fields.Boolean(metadata={"description": "Whether it is the default district."})


class CityRowSchema(ma.Schema):
    """One district's plan in force and its figures (as `patrol city overview --json`)."""

    district = ma.fields.String()
    plan = ma.fields.Integer()
    start = ma.fields.String()
    days = ma.fields.Integer()
    in_force = ma.fields.Boolean()
    gate_windows_covered = ma.fields.Float(allow_none=True)
    gate_windows = ma.fields.Float(allow_none=True)
    alley_km_share = ma.fields.Float(allow_none=True)
    areas_dose_met = ma.fields.Integer()
    areas_with_dose = ma.fields.Integer()


class CityQuerySchema(ma.Schema):
    """The day of the overview."""

    on = ma.fields.Date(load_default=None, metadata={"description": "YYYY-MM-DD; default today."})


@bp.route("/districts", methods=["GET"])
@bp.needs(None)
@bp.response(200, DistrictSchema(many=True))
def list_districts() -> list[dict[str, Any]]:
    """List the districts where you have a role, with that role."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    first = default_district(app)
    roles = roles_of(app, db_session(), current_user())
    return [{"id": d, "role": r, "default": d == first} for d, r in roles.items()]


@bp.route("/city", methods=["GET"])
@bp.needs(None)
@bp.arguments(CityQuerySchema, location="query")
@bp.response(200, CityRowSchema(many=True))
def city(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Each district's plan in force on a day, of the districts where you may read coverage."""
    from web.commands.city import city_overview

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mine = {
        d
        for d, role in roles_of(app, db_session(), current_user()).items()
        if role in PERMISSIONS["view_coverage"]
    }
    if not mine:
        refuse(403, "Your role may not read coverage in any district.")
    on = query.get("on") or date.today()
    return [row for row in city_overview(app, on) if row["district"] in mine]
