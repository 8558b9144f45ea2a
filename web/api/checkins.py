"""Check-ins at checkpoints through the API: sign in with a QR token, list them, the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marshmallow as ma
from flask import current_app
from sqlalchemy import select

from web.accounts.auth import current_user
from web.api.core import ID, ApiBlueprint, StoredDateTime, refuse
from web.api.plans import ready_plan
from web.checkin.records import CheckInError, check_in, ledger, shortfall
from web.db import CheckIn, db_session

if TYPE_CHECKING:
    from web.checkin.records import LedgerRow, Visit

bp = ApiBlueprint(
    "api_checkins",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Sign-in at checkpoints (签到上岗) with the signed token of a stop's QR code, the "
        "check-ins of a plan and its ledger: planned against actual visits."
    ),
)

STATUS_OF_REASON = {"not_allowed": 403, "not_on_route": 403, "already": 409}
"""HTTP status of a refused check-in by reason (as the check-in page); others answer 422."""

FIELD_OF_REASON = {
    "forged": "token",
    "expired": "token",
    "not_yet": "token",
    "other_plan": "plan_id",
    "plan_not_ready": "token",
    "bad_position": "lon",
    "too_far": "lon",
}
"""The body field each refusal reason blames."""


class CheckInRequestSchema(ma.Schema):
    """A sign-in: the QR code's token and the phone's position."""

    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    lon = ma.fields.Float(required=True, validate=ma.validate.Range(min=-180, max=180))
    lat = ma.fields.Float(required=True, validate=ma.validate.Range(min=-90, max=90))
    accuracy_m = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0, max=100_000),
        metadata={"description": "Metres, as reported by the phone (null: unknown)."},
    )
    plan_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The plan the client expects; a code of another is refused."},
    )


class CheckInSchema(ma.Schema):
    """A recorded check-in."""

    id = ma.fields.Integer()
    plan_id = ma.fields.Integer()
    stop = ma.fields.String(metadata={"description": "Stop key '<route id>/<stop index>'."})
    site = ma.fields.String()
    group_id = ma.fields.String()
    day = ma.fields.String()
    shift = ma.fields.String()
    user = ma.fields.String(allow_none=True)
    at = StoredDateTime()
    lon = ma.fields.Float()
    lat = ma.fields.Float()
    accuracy_m = ma.fields.Float(allow_none=True)
    distance_m = ma.fields.Float()
    late_minutes = ma.fields.Float()


class LedgerRowSchema(ma.Schema):
    """Planned against actual checkpoints of one area, group or day."""

    key = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()
    planned = ma.fields.Integer()
    done = ma.fields.Integer()
    late = ma.fields.Integer()
    missed = ma.fields.Integer()
    pending = ma.fields.Integer()
    share = ma.fields.Float(allow_none=True)


class VisitSchema(ma.Schema):
    """One planned checkpoint and what became of it."""

    stop_key = ma.fields.String()
    route_id = ma.fields.String()
    group_id = ma.fields.String()
    day = ma.fields.String()
    shift_id = ma.fields.String()
    label = ma.fields.String()
    site = ma.fields.String()
    area_id = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    name_en = ma.fields.String()
    planned = ma.fields.DateTime()
    due = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "done, late, missed or pending."})
    checked_at = ma.fields.DateTime(allow_none=True)
    late_minutes = ma.fields.Float()
    users = ma.fields.List(ma.fields.Integer())


class LedgerSchema(ma.Schema):
    """The ledger of a plan, and the dose boost its shortfall asks of the next plan."""

    plan_id = ma.fields.Integer()
    total = ma.fields.Nested(LedgerRowSchema)
    by_area = ma.fields.List(ma.fields.Nested(LedgerRowSchema))
    by_group = ma.fields.List(ma.fields.Nested(LedgerRowSchema))
    by_day = ma.fields.List(ma.fields.Nested(LedgerRowSchema))
    visits = ma.fields.List(ma.fields.Nested(VisitSchema))
    shortfall = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Float(),
        metadata={"description": "Key area id -> dose factor for the next plan."},
    )


def record(rec: CheckIn) -> dict[str, Any]:
    """Return a check-in's fields."""
    return {
        "id": rec.id,
        "plan_id": rec.plan_id,
        "stop": rec.stop,
        "site": rec.site,
        "group_id": rec.group_id,
        "day": rec.day,
        "shift": rec.shift,
        "user": rec.user.name if rec.user is not None else None,
        "at": rec.at,
        "lon": rec.lon,
        "lat": rec.lat,
        "accuracy_m": rec.accuracy_m,
        "distance_m": rec.distance_m,
        "late_minutes": rec.late_minutes,
    }


def _row(row: LedgerRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "name_en": row.name_en,
        "planned": row.planned,
        "done": row.done,
        "late": row.late,
        "missed": row.missed,
        "pending": row.pending,
        "share": row.share,
    }


def _visit(v: Visit) -> dict[str, Any]:
    return {
        "stop_key": v.stop_key,
        "route_id": v.route_id,
        "group_id": v.group_id,
        "day": v.day,
        "shift_id": v.shift_id,
        "label": v.label,
        "site": v.site,
        "area_id": v.area_id,
        "name": v.name,
        "name_en": v.name_en,
        "planned": v.planned,
        "due": v.due,
        "status": v.status,
        "checked_at": v.checked_at,
        "late_minutes": v.late_minutes,
        "users": list(v.users),
    }


@bp.route("/checkins", methods=["POST"])
@bp.needs("check_in")
@bp.arguments(CheckInRequestSchema)
@bp.response(201, CheckInSchema)
@bp.alt_response(409, description="Already signed in at this checkpoint.")
def create_checkin(body: dict[str, Any]) -> dict[str, Any]:
    """Sign in at a checkpoint; refused (nothing stored) when forged, expired or too far.

    The error answer's sentence says why; members may sign in only on their groups' routes.
    """
    user = current_user()
    assert user is not None  # needs() has checked
    try:
        rec = check_in(
            current_app,
            db_session(),
            body["token"],
            lon=body["lon"],
            lat=body["lat"],
            accuracy_m=body.get("accuracy_m"),
            user=user,
            plan_id=body.get("plan_id"),
        )
    except CheckInError as exc:
        refuse(
            STATUS_OF_REASON.get(exc.reason, 422),
            str(exc),
            FIELD_OF_REASON.get(exc.reason),
        )
    return record(rec)


@bp.route(f"/plans/<{ID}:plan_id>/checkins", methods=["GET"])
@bp.needs("view_ledger")
@bp.response(200, CheckInSchema(many=True))
def plan_checkins(plan_id: int) -> list[dict[str, Any]]:
    """List the check-ins of a plan, oldest first."""
    ready_plan(plan_id)
    rows = db_session().scalars(
        select(CheckIn).where(CheckIn.plan_id == plan_id).order_by(CheckIn.at, CheckIn.id)
    )
    return [record(r) for r in rows]


@bp.route(f"/plans/<{ID}:plan_id>/ledger", methods=["GET"])
@bp.needs("view_ledger")
@bp.response(200, LedgerSchema)
def plan_ledger(plan_id: int) -> dict[str, Any]:
    """Return planned against actual checkpoints per area, group and day, and the shortfall."""
    _plan, doc = ready_plan(plan_id)
    session = db_session()
    book = ledger(session, plan_id, doc)
    return {
        "plan_id": plan_id,
        "total": _row(book.total),
        "by_area": [_row(r) for r in book.by_area],
        "by_group": [_row(r) for r in book.by_group],
        "by_day": [_row(r) for r in book.by_day],
        "visits": [_visit(v) for v in book.visits],
        "shortfall": shortfall(session, plan_id, doc),
    }
