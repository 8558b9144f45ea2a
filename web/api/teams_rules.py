"""The working rules and teams through the API: read them, replace them, add or remove leave."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from geodata.errors import InputError
from web.accounts.auth import current_user
from web.api.core import ApiBlueprint, ErrorSchema, etag, if_match, refuse, refuse_stale
from web.db import db_session
from web.teams import store as teams_rules
from web.workspace import TEXT_FILES, data_version, read_text, text_version

bp = ApiBlueprint(
    "api_rules_teams",
    __name__,
    url_prefix="/api/v1",
    description=(
        "rules.toml and teams.toml of the working district: groups, members, vehicles, leave, "
        "shift templates, rotation and rest, surge and sensitive dates. Changes are checked "
        "as the rules file is (with its teams), recorded and undoable (web.teams.store)."
    ),
)

MAX_TEXT = 1_000_000
"""Longest file text taken, in characters."""

READERS = {"rules": teams_rules.rules_data, "teams": teams_rules.teams_data}


class FileTextSchema(ma.Schema):
    """A whole TOML file of the working district."""

    text = ma.fields.String(required=True, validate=ma.validate.Length(max=MAX_TEXT))


class FileStateSchema(ma.Schema):
    """A file's text, its parsed content and the data version it belongs to."""

    name = ma.fields.String()
    text = ma.fields.String()
    data = ma.fields.Dict(metadata={"description": "web.teams.store' plain reading."})
    data_version = ma.fields.Integer()
    edit_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The recorded edit; None when unchanged."}
    )


class LeaveSchema(ma.Schema):
    """Leave of a member, or of every member of a group, for a date range (as the form)."""

    member = ma.fields.String(validate=ma.validate.Length(max=100))
    group = ma.fields.String(validate=ma.validate.Length(max=100))
    from_ = ma.fields.Date(required=True, data_key="from")
    to = ma.fields.Date(metadata={"description": "Last day, inclusive; default: from."})
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class LeaveKeysSchema(ma.Schema):
    """Leave entries named by their keys ``member|from|to`` (as in ``data.leave[].key``)."""

    keys = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        required=True,
        validate=ma.validate.Length(min=1, max=500),
    )


def _state(kind: str, edit_id: int | None = None) -> dict[str, Any]:
    name = TEXT_FILES[kind]
    try:
        data = READERS[kind](current_app)
    except InputError as exc:
        refuse(409, str(exc))
    return {
        "name": name,
        "text": read_text(current_app, name),
        "data": data,
        "data_version": data_version(db_session()),
        "edit_id": edit_id,
    }


def _user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


def _field(exc: InputError) -> str | None:
    values = getattr(exc, "values", None) or {}
    field = values.get("field")
    return str(field) if field else None


def _edit(kind: str, call: Any, field: str | None = None) -> Any:
    try:
        edit = call()
    except InputError as exc:
        refuse_stale(exc)
        refuse(422, str(exc), _field(exc) or field)
    return _versioned(kind, _state(kind, edit.id if edit is not None else None))


def _versioned(kind: str, state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a file's state with its version as the ETag header (send it in If-Match)."""
    return state, etag(text_version(state["text"]))


@bp.route("/rules", methods=["GET"])
@bp.needs("edit_teams")
@bp.response(200, FileStateSchema)
def get_rules() -> Any:
    """Return the working rules.toml, as text and as data; its ETag is its version."""
    return _versioned("rules", _state("rules"))


@bp.route("/rules", methods=["PUT"])
@bp.needs("edit_teams")
@bp.arguments(FileTextSchema)
@bp.response(200, FileStateSchema)
@bp.alt_response(412, schema=ErrorSchema, description="Changed since the If-Match version.")
def put_rules(body: dict[str, str]) -> dict[str, Any]:
    """Replace rules.toml whole; refused with the checker's sentence, nothing changed.

    Send the ETag of the GET in ``If-Match``: a file changed since is refused with 412.
    """
    version = if_match()
    return _edit(
        "rules",
        lambda: teams_rules.replace_raw(
            current_app,
            db_session(),
            "rules",
            body["text"],
            user_id=_user_id(),
            expect_version=version,
        ),
    )


@bp.route("/teams", methods=["GET"])
@bp.needs("edit_teams")
@bp.response(200, FileStateSchema)
def get_teams() -> Any:
    """Return the working teams.toml, as text and data (groups, members, vehicles); ETag too."""
    return _versioned("teams", _state("teams"))


@bp.route("/teams", methods=["PUT"])
@bp.needs("edit_teams")
@bp.arguments(FileTextSchema)
@bp.response(200, FileStateSchema)
@bp.alt_response(412, schema=ErrorSchema, description="Changed since the If-Match version.")
def put_teams(body: dict[str, str]) -> dict[str, Any]:
    """Replace teams.toml whole; refused with the checker's sentence, nothing changed.

    Send the ETag of the GET in ``If-Match``: a file changed since is refused with 412.
    """
    version = if_match()
    return _edit(
        "teams",
        lambda: teams_rules.replace_raw(
            current_app,
            db_session(),
            "teams",
            body["text"],
            user_id=_user_id(),
            expect_version=version,
        ),
    )


@bp.route("/rules/leave", methods=["POST"])
@bp.needs("edit_teams")
@bp.arguments(LeaveSchema)
@bp.response(200, FileStateSchema)
def add_leave(body: dict[str, Any]) -> dict[str, Any]:
    """Add leave of a member or of a whole group (web.teams.store.add_leave)."""
    fields = {
        "member": body.get("member", ""),
        "group": body.get("group", ""),
        "from": body["from_"].isoformat(),
        "to": body["to"].isoformat() if body.get("to") else "",
        "reason": body.get("reason", ""),
    }
    return _edit(
        "rules",
        lambda: teams_rules.add_leave(current_app, db_session(), fields, user_id=_user_id()),
    )


@bp.route("/rules/leave/remove", methods=["POST"])
@bp.needs("edit_teams")
@bp.arguments(LeaveKeysSchema)
@bp.response(200, FileStateSchema)
def remove_leave(body: dict[str, Any]) -> dict[str, Any]:
    """Remove leave entries by their keys (web.teams.store.remove_leave), as one edit."""
    return _edit(
        "rules",
        lambda: teams_rules.remove_leave(
            current_app, db_session(), list(body["keys"]), user_id=_user_id()
        ),
        "keys",
    )
