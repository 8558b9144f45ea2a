"""The edit history through the API: list the recorded edits, undo one (as the audit page)."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import current_app
from sqlalchemy import func, select

import web.areas.edits
import web.areas.hotspots
import web.areas.incidents  # noqa: F401 (registers the undo of incident imports)
from geodata.errors import InputError
from web.accounts.auth import current_user, has_permission
from web.api.core import ID, ApiBlueprint, StoredDateTime, refuse
from web.db import EDIT_KINDS, Edit, db_session
from web.workspace import data_version, undo

bp = ApiBlueprint(
    "api_edits",
    __name__,
    url_prefix="/api/v1/edits",
    description=(
        "The audit log of the working district's data: who changed what and when, before and "
        "after; an edit is undone by a new edit."
    ),
)

UNDO_PERMISSION: dict[str, str] = {
    "area": "edit_areas",
    "hotspot": "edit_areas",
    "incidents": "edit_areas",
    "teams": "edit_teams",
    "rules": "edit_teams",
}
"""Kind of edit -> the permission needed to undo it (as the audit page)."""


class EditQuery(ma.Schema):
    """Which edits: a kind, and a page (newest first)."""

    kind = ma.fields.String(validate=ma.validate.OneOf(EDIT_KINDS))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10**6))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    details = ma.fields.Boolean(
        load_default=False, metadata={"description": "Include before and after (large)."}
    )


class EditSchema(ma.Schema):
    """One recorded edit."""

    id = ma.fields.Integer()
    user = ma.fields.String(allow_none=True)
    created_at = StoredDateTime()
    kind = ma.fields.String()
    action = ma.fields.String()
    target = ma.fields.String()
    summary = ma.fields.String()
    undo_of = ma.fields.Integer(allow_none=True)
    undone_by = ma.fields.Integer(allow_none=True)
    may_undo = ma.fields.Boolean()
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)


class EditPageSchema(ma.Schema):
    """A page of edits and the current data version."""

    items = ma.fields.List(ma.fields.Nested(EditSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    data_version = ma.fields.Integer()


class UndoSchema(ma.Schema):
    """The edit that reverted another (None when nothing had to change)."""

    undone = ma.fields.Integer()
    edit = ma.fields.Nested(EditSchema, allow_none=True)
    data_version = ma.fields.Integer()


def may_undo(kind: str) -> bool:
    """Return whether the user may undo edits of ``kind``."""
    permission = UNDO_PERMISSION.get(kind)
    return permission is not None and has_permission(permission)


def edit_row(edit: Edit, undone_by: int | None, *, details: bool = False) -> dict[str, Any]:
    """Return an edit's fields (with before and after when ``details``)."""
    out: dict[str, Any] = {
        "id": edit.id,
        "user": edit.user.name if edit.user is not None else None,
        "created_at": edit.created_at,
        "kind": edit.kind,
        "action": edit.action,
        "target": edit.target,
        "summary": edit.summary,
        "undo_of": edit.undo_of,
        "undone_by": undone_by,
        "may_undo": may_undo(edit.kind) and undone_by is None,
    }
    if details:
        out["before"] = json.loads(edit.before or "null")
        out["after"] = json.loads(edit.after or "null")
    return out


@bp.route("", methods=["GET"])
@bp.needs("view_audit")
@bp.arguments(EditQuery, location="query")
@bp.response(200, EditPageSchema)
def edit_list(query: dict[str, Any]) -> dict[str, Any]:
    """List the edits, newest first (optionally of one kind)."""
    session = db_session()
    where = [Edit.kind == query["kind"]] if query.get("kind") else []
    total = session.scalar(select(func.count()).select_from(Edit).where(*where)) or 0
    page, per_page = query["page"], query["per_page"]
    rows = list(
        session.scalars(
            select(Edit)
            .where(*where)
            .order_by(Edit.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    ids = [e.id for e in rows]
    undone = (
        dict(session.execute(select(Edit.undo_of, Edit.id).where(Edit.undo_of.in_(ids))).all())
        if ids
        else {}
    )
    return {
        "items": [edit_row(e, undone.get(e.id), details=query["details"]) for e in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "data_version": data_version(session),
    }


@bp.route(f"/<{ID}:edit_id>/undo", methods=["POST"])
@bp.needs("view_audit")
@bp.response(200, UndoSchema)
@bp.alt_response(409, description="Already undone, or changed since.")
def undo_edit(edit_id: int) -> dict[str, Any]:
    """Undo one edit by a new edit; refused (409) when already undone or changed since."""
    session = db_session()
    edit = session.get(Edit, edit_id)
    if edit is None:
        refuse(404, f"There is no edit {edit_id}.", "edit_id")
    if not may_undo(edit.kind):
        refuse(403, f"Your role may not undo edits of {edit.kind}.")
    user = current_user()
    try:
        done = undo(current_app, session, edit_id, user_id=user.id if user else None)
    except InputError as exc:
        refuse(409, str(exc), "edit_id")
    current_app.extensions.pop("patrol_map_html", None)
    return {
        "undone": edit_id,
        "edit": edit_row(done, None) if done is not None else None,
        "data_version": data_version(session),
    }
