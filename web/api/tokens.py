"""The API's sign-in: a name and password give a signed, expiring bearer token."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from werkzeug.security import check_password_hash

from web.api.core import ApiBlueprint, ErrorSchema, make_token, refuse
from web.db import db_session, find_user

bp = ApiBlueprint(
    "api_tokens", __name__, url_prefix="/api/v1/token", description="Bearer tokens for the API."
)


class Credentials(ma.Schema):
    """A user's name and password (as on the login page)."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class TokenSchema(ma.Schema):
    """A bearer token and when it expires."""

    token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds."})
    expires_at = ma.fields.DateTime(required=True)
    user = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw())


@bp.route("", methods=["POST"])
@bp.doc(security=[])
@bp.arguments(Credentials)
@bp.response(200, TokenSchema)
@bp.alt_response(401, schema=ErrorSchema, description="Wrong name or password.")
def issue_token(body: dict[str, Any]) -> dict[str, Any]:
    """Give a bearer token for a name and password.

    Send it as ``Authorization: Bearer <token>``; it expires after the session lifetime
    (``API_TOKEN_LIFETIME`` seconds when set) and when the user's password changes.
    """
    user = find_user(db_session(), body["name"].strip())
    if user is None or not check_password_hash(user.password_hash, body["password"]):
        refuse(401, "The name or the password is wrong.", "password")
    if user.disabled:
        refuse(403, "This account is disabled; ask an admin.", "name")
    token, expires = make_token(current_app, user)
    from web.api.core import token_lifetime

    return {
        "token": token,
        "token_type": "Bearer",
        "expires_in": int(token_lifetime(current_app).total_seconds()),
        "expires_at": expires,
        "user": {"id": user.id, "name": user.name, "role": user.role},
    }
