"""The API's accounts: one's own password and sessions; admins reset passwords and disable users."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from web.accounts.auth import current_user
from web.accounts.first_users import forget_first_user
from web.accounts.users import MIN_PASSWORD, UserError, end_sessions, set_disabled, set_password
from web.api.core import ID, ApiBlueprint, ErrorSchema, make_token, refuse, token_lifetime
from web.db import User, db_session

bp = ApiBlueprint(
    "api_accounts",
    __name__,
    url_prefix="/api/v1",
    description="One's own password and sessions; admins reset passwords and disable users.",
)


class PasswordChangeSchema(ma.Schema):
    """One's present password and the new one."""

    current = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))
    password = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=1000), metadata={"minLength": 8}
    )


class PasswordResetSchema(ma.Schema):
    """A new password an admin gives a user (who must change it at their next login)."""

    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class DisabledSchema(ma.Schema):
    """Whether the user is disabled."""

    disabled = ma.fields.Boolean(required=True)


class AccountSchema(ma.Schema):
    """A user's account state."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    disabled = ma.fields.Boolean()
    must_change_password = ma.fields.Boolean()


class NewTokenSchema(ma.Schema):
    """A new bearer token (the old ones ended with the password change)."""

    token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    expires_at = ma.fields.DateTime(required=True)


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "disabled": user.disabled,
        "must_change_password": user.must_change_password,
    }


def _me() -> User:
    user = current_user()
    if user is None:  # needs() answered 401 already
        refuse(401, "Sign in first.")
    return user


def _refuse_user(exc: UserError, field: str) -> None:
    refuse(422, str(exc), field)


def _user_or_404(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        refuse(404, f"There is no user {user_id}.")
    return user


@bp.route("/account/password", methods=["POST"])
@bp.needs(None, allow_password_change=True)
@bp.arguments(PasswordChangeSchema)
@bp.response(200, NewTokenSchema)
@bp.alt_response(422, schema=ErrorSchema, description="Wrong current or unusable new password.")
def change_password(body: dict[str, str]) -> dict[str, Any]:
    """Change one's own password; every session and token ends, and a new token is given."""
    user = _me()
    try:
        set_password(db_session(), user, body["password"], current=body["current"])
    except UserError as exc:
        db_session().rollback()
        _refuse_user(exc, "current" if exc.key == "err_current_password" else "password")
    forget_first_user(current_app, user.name)
    token, expires = make_token(current_app, user)
    return {
        "token": token,
        "token_type": "Bearer",
        "expires_in": int(token_lifetime(current_app).total_seconds()),
        "expires_at": expires,
    }


@bp.route("/account/logout", methods=["POST"])
@bp.needs(None, allow_password_change=True)
@bp.response(204)
def logout_everywhere() -> None:
    """End every session and bearer token of the signed-in user (this token too)."""
    end_sessions(db_session(), _me())


@bp.route(f"/users/<{ID}:user_id>/password", methods=["POST"])
@bp.needs("manage_users")
@bp.arguments(PasswordResetSchema)
@bp.response(200, AccountSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such user.")
@bp.alt_response(422, schema=ErrorSchema, description="The password cannot be used.")
def reset_password(body: dict[str, str], user_id: int) -> dict[str, Any]:
    """Give a user a new password (admins); they must change it at their next login."""
    user = _user_or_404(user_id)
    try:
        set_password(db_session(), user, body["password"], must_change=True)
    except UserError as exc:
        db_session().rollback()
        _refuse_user(exc, "password")
    return _account(user)


@bp.route(f"/users/<{ID}:user_id>/disabled", methods=["PUT"])
@bp.needs("manage_users")
@bp.arguments(DisabledSchema)
@bp.response(200, AccountSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such user.")
@bp.alt_response(422, schema=ErrorSchema, description="The last enabled admin.")
def put_disabled(body: dict[str, bool], user_id: int) -> dict[str, Any]:
    """Disable a user (no sign-in, sessions and tokens end) or enable them (admins)."""
    user = _user_or_404(user_id)
    try:
        set_disabled(db_session(), user, body["disabled"])
    except UserError as exc:
        db_session().rollback()
        _refuse_user(exc, "disabled")
    return _account(user)


__all__ = ["MIN_PASSWORD", "bp"]
