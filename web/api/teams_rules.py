"""The working rules and teams files through the API: read them, replace them checked."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from geodata.errors import InputError
from web.api.core import ApiBlueprint, refuse_input
from web.auth import current_user
from web.db import db_session
from web.workspace import TEXT_FILES, data_version, read_text, replace_text

bp = ApiBlueprint(
    "api_rules_teams",
    __name__,
    url_prefix="/api/v1",
    description=(
        "rules.toml and teams.toml of the working district: groups, members, vehicles, leave, "
        "shift templates, rotation and rest, surge and sensitive dates. A replacement is "
        "checked as the rules file is (with its teams), recorded and undoable."
    ),
)

MAX_TEXT = 1_000_000
"""Longest file text taken, in characters."""


class FileTextSchema(ma.Schema):
    """A whole TOML file of the working district."""

    text = ma.fields.String(required=True, validate=ma.validate.Length(max=MAX_TEXT))


class FileStateSchema(ma.Schema):
    """A file's text and the data version it belongs to."""

    name = ma.fields.String()
    text = ma.fields.String()
    data_version = ma.fields.Integer()
    edit_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The recorded edit; None when unchanged."}
    )


def _state(kind: str, edit_id: int | None = None) -> dict[str, Any]:
    name = TEXT_FILES[kind]
    return {
        "name": name,
        "text": read_text(current_app, name),
        "data_version": data_version(db_session()),
        "edit_id": edit_id,
    }


def _replace(kind: str, text: str) -> dict[str, Any]:
    user = current_user()
    try:
        edit = replace_text(
            current_app,
            db_session(),
            kind,
            text,
            user_id=user.id if user is not None else None,
            summary=f"{TEXT_FILES[kind]} (API)",
        )
    except InputError as exc:
        refuse_input(exc)
    return _state(kind, edit.id if edit is not None else None)


@bp.route("/rules", methods=["GET"])
@bp.needs("edit_teams")
@bp.response(200, FileStateSchema)
def get_rules() -> dict[str, Any]:
    """Return the working rules.toml."""
    return _state("rules")


@bp.route("/rules", methods=["PUT"])
@bp.needs("edit_teams")
@bp.arguments(FileTextSchema)
@bp.response(200, FileStateSchema)
def put_rules(body: dict[str, str]) -> dict[str, Any]:
    """Replace rules.toml whole; refused with the checker's sentence, nothing changed."""
    return _replace("rules", body["text"])


@bp.route("/teams", methods=["GET"])
@bp.needs("edit_teams")
@bp.response(200, FileStateSchema)
def get_teams() -> dict[str, Any]:
    """Return the working teams.toml."""
    return _state("teams")


@bp.route("/teams", methods=["PUT"])
@bp.needs("edit_teams")
@bp.arguments(FileTextSchema)
@bp.response(200, FileStateSchema)
def put_teams(body: dict[str, str]) -> dict[str, Any]:
    """Replace teams.toml whole; refused with the checker's sentence, nothing changed."""
    return _replace("teams", body["text"])
