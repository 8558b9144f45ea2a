"""Stored plans through the API: the list, a plan's roster and routes, its documents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marshmallow as ma
from flask import current_app, url_for
from sqlalchemy import select

from web.accounts.auth import current_user, has_permission, route_groups
from web.api.core import ID, ApiBlueprint, StoredDateTime, refuse
from web.db import Plan, db_session
from web.plans.in_force import may_see
from web.plans.store import load_document
from web.plans.views import DOWNLOADS

if TYPE_CHECKING:
    from planner.plan.document import PlanDocument, Route

bp = ApiBlueprint(
    "api_plans",
    __name__,
    url_prefix="/api/v1/plans",
    description="Stored plans: roster, routes (members: their groups'), coverage, documents.",
)


class PlanRowSchema(ma.Schema):
    """A stored plan as listed: its settings and state."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    district = ma.fields.String()
    start = ma.fields.String(metadata={"description": "First day, YYYY-MM-DD."})
    days = ma.fields.Integer()
    seed = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "queued, running, ready, failed, ..."})
    message = ma.fields.String()
    created_by = ma.fields.String(allow_none=True)
    created_at = StoredDateTime()
    data_version = ma.fields.Integer(metadata={"description": "The district data it used."})
    job_id = ma.fields.Integer(allow_none=True)


class RouteSummarySchema(ma.Schema):
    """One group-shift's route without its stops."""

    id = ma.fields.String()
    group_id = ma.fields.String()
    date = ma.fields.String()
    shift_id = ma.fields.String()
    mode = ma.fields.String()
    base_post_id = ma.fields.String()
    start = ma.fields.String()
    end = ma.fields.String()
    distance_m = ma.fields.Integer()
    value = ma.fields.Float()
    stops = ma.fields.Integer(metadata={"description": "Visits, the base not counted."})


class RouteSchema(RouteSummarySchema):
    """One group-shift's route with its stops in order (plan.json's route)."""

    stops = ma.fields.List(ma.fields.Dict())  # type: ignore[assignment]


class DocumentSchema(ma.Schema):
    """A file of the plan that may be downloaded."""

    name = ma.fields.String()
    media_type = ma.fields.String()
    url = ma.fields.String()


class PlanDetailSchema(ma.Schema):
    """A ready plan: its row, summary, roster, the routes the user may see, documents."""

    plan = ma.fields.Nested(PlanRowSchema)
    summary = ma.fields.Dict(
        metadata={"description": "plan_id, district, start, days, seed, stages, validation."}
    )
    roster = ma.fields.Dict(metadata={"description": "plan.json's roster."})
    routes = ma.fields.List(
        ma.fields.Nested(RouteSummarySchema),
        allow_none=True,
        metadata={"description": "None for roles that may not see routes."},
    )
    coverage = ma.fields.List(
        ma.fields.Dict(),
        allow_none=True,
        metadata={"description": "Per key area and grid; None for roles without coverage."},
    )
    documents = ma.fields.List(ma.fields.Nested(DocumentSchema), allow_none=True)


def plan_row(row: Plan) -> dict[str, Any]:
    """Return the listed fields of a plan row."""
    return {
        "id": row.id,
        "title": row.title,
        "district": row.district,
        "start": row.start,
        "days": row.days,
        "seed": row.seed,
        "status": row.status,
        "message": row.message or "",
        "created_by": row.created_by.name if row.created_by is not None else None,
        "created_at": row.created_at,
        "data_version": row.data_version or 0,
        "job_id": row.job.id if row.job is not None else None,
    }


def ready_plan(plan_id: int) -> tuple[Plan, PlanDocument]:
    """Return a ready plan and its document; 404 when there is none, 409 when not ready."""
    row = db_session().get(Plan, plan_id)
    if row is None or not may_see(row, current_user()):  # members, viewers: published only
        refuse(404, f"There is no plan {plan_id}.", "plan_id")
    if row.status != "ready" or not row.path:
        refuse(409, f"Plan {plan_id} is not ready (it is {row.status}).", "plan_id")
    try:
        doc = load_document(current_app, row)
    except FileNotFoundError:
        refuse(404, f"The file of plan {plan_id} is missing.", "plan_id")
    return row, doc


def visible_routes(doc: PlanDocument) -> list[Route]:
    """Return the plan's routes the user may see (members: their own groups')."""
    groups = route_groups()
    return [r for r in doc.routes if groups is None or r.group_id in groups]


def route_summary(route: Route) -> dict[str, Any]:
    """Return a route's fields without its stops (and the number of its visits)."""
    return {
        "id": route.id,
        "group_id": route.group_id,
        "date": route.date,
        "shift_id": route.shift_id,
        "mode": route.mode,
        "base_post_id": route.base_post_id,
        "start": route.start,
        "end": route.end,
        "distance_m": route.distance_m,
        "value": route.value,
        "stops": sum(1 for s in route.stops if s.kind != "base"),
    }


def documents(plan_id: int, doc: PlanDocument) -> list[dict[str, str]]:
    """Return the plan's documents with their API download links."""
    return [
        {
            "name": name,
            "media_type": media,
            "url": url_for("api_plans.api_document", plan_id=plan_id, name=name),
        }
        for name, (_key, media) in DOWNLOADS.items()
        if name != "route_sheets.pdf" or doc.routes
    ]


@bp.route("", methods=["GET"])
@bp.needs("view_plans")
@bp.response(200, PlanRowSchema(many=True))
def plan_list() -> list[dict[str, Any]]:
    """All plans the user may open, newest first (members and viewers: published plans)."""
    rows = db_session().scalars(select(Plan).order_by(Plan.created_at.desc(), Plan.id.desc()))
    user = current_user()
    return [plan_row(r) for r in rows if may_see(r, user)]


@bp.route(f"/<{ID}:plan_id>", methods=["GET"])
@bp.needs("view_plans")
@bp.response(200, PlanDetailSchema)
@bp.alt_response(404, description="No such plan.")
@bp.alt_response(409, description="The plan is not ready.")
def plan_detail(plan_id: int) -> dict[str, Any]:
    """Return a ready plan: summary, roster, routes (members: their groups'), coverage, files."""
    row, doc = ready_plan(plan_id)
    data = doc.to_dict()
    keys = ("plan_id", "district", "start", "days", "seed", "created_at", "stages", "validation")
    summary: dict[str, Any] = {k: data[k] for k in keys if k in data}
    return {
        "plan": plan_row(row),
        "summary": summary,
        "roster": data["roster"],
        "routes": (
            [route_summary(r) for r in visible_routes(doc)]
            if has_permission("view_routes")
            else None
        ),
        "coverage": data.get("coverage", []) if has_permission("view_coverage") else None,
        "documents": documents(row.id, doc) if has_permission("download") else None,
    }


@bp.route(f"/<{ID}:plan_id>/routes/<route_id>", methods=["GET"])
@bp.needs("view_routes")
@bp.response(200, RouteSchema)
@bp.alt_response(404, description="No such plan or route.")
def route_detail(plan_id: int, route_id: str) -> dict[str, Any]:
    """One group-shift's route with its stops (members: only their own groups' routes)."""
    _row, doc = ready_plan(plan_id)
    for index, route in enumerate(doc.routes):
        if route.id == route_id:
            groups = route_groups()
            if groups is not None and route.group_id not in groups:
                refuse(403, f"Route {route_id} is not one of your groups' routes.", "route_id")
            return {**doc.to_dict()["routes"][index], "id": route.id}
    refuse(404, f"Plan {plan_id} has no route {route_id!r}.", "route_id")


@bp.route(f"/<{ID}:plan_id>/documents", methods=["GET"])
@bp.needs("download")
@bp.response(200, DocumentSchema(many=True))
def document_list(plan_id: int) -> list[dict[str, str]]:
    """List the plan's files (plan.json, roster, routes, coverage, calendars, GPX, route sheets)."""
    row, doc = ready_plan(plan_id)
    return documents(row.id, doc)


@bp.route(f"/<{ID}:plan_id>/documents/<any({','.join(repr(n) for n in DOWNLOADS)}):name>")
@bp.needs("download")
@bp.response(200, content_type="application/octet-stream", description="The file.")
def api_document(plan_id: int, name: str) -> Any:
    """Download one file of the plan (as the plan page's download links)."""
    from web.plans.views import download

    row, doc = ready_plan(plan_id)
    if name == "route_sheets.pdf" and not doc.routes:
        refuse(404, f"Plan {plan_id} has no routes to print.", "name")
    return download(row.id, name)
