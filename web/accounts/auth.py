"""Logging in and out, hashed passwords, expiring sessions and per-role permissions."""

from __future__ import annotations

import functools
import time
import unicodedata
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.security import check_password_hash

from web.accounts.first_users import first_users_file, forget_first_user
from web.accounts.users import UserError, end_sessions, set_password
from web.db import ROLES, User, UserGroup, db_session, find_user
from web.districts.registry import role_here
from web.i18n import translate

if TYPE_CHECKING:
    from collections.abc import Callable


F = TypeVar("F", bound="Callable[..., Any]")

PERMISSIONS: dict[str, frozenset[str]] = {
    # Plans and their roster calendar: every signed-in role.
    "view_plans": frozenset(ROLES),
    # Route maps, stop tables and the printable sheets: the people who patrol and plan.
    "view_routes": frozenset({"admin", "captain", "planner", "member"}),
    # Coverage and the blind-spot layer: planners and above.
    "view_coverage": frozenset({"admin", "captain", "planner"}),
    # Publishing a plan as the one in force for its days: captains and admins.
    "publish_plans": frozenset({"admin", "captain"}),
    # Making plans (background jobs) and cancelling them: captains and admins.
    "make_plans": frozenset({"admin", "captain"}),
    # Data exports and the PDF of a whole plan.
    "download": frozenset({"admin", "captain", "planner"}),
    # Users and roles.
    "manage_users": frozenset({"admin"}),
    # Key areas, hotspot pins and weights, incident imports: planners and admins.
    "edit_areas": frozenset({"admin", "planner"}),
    # Groups, members, vehicles, leave and the rules file: captains and admins.
    "edit_teams": frozenset({"admin", "captain"}),
    # The edit history (audit log) and undo of one's permitted kinds of edit.
    "view_audit": frozenset({"admin", "captain", "planner"}),
    # Signing in at checkpoints from a phone: the people who patrol (and their captain).
    "check_in": frozenset({"admin", "captain", "member"}),
    # The check-in ledger: planned against actual visits.
    "view_ledger": frozenset({"admin", "captain", "planner"}),
}
"""Which roles hold each permission. The district map is public (no permission needed)."""

bp = Blueprint("auth", __name__)


def route_groups(user: User | None = None) -> frozenset[str] | None:
    """Return the group ids whose routes ``user`` (default: signed in) may see; None for all.

    Members see only the routes of the groups linked to them; other roles that may view
    routes see every route.
    """
    user = user if user is not None else current_user()
    if user is None or role_here(user) != "member":
        return None
    rows = db_session().scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id))
    return frozenset(rows)


def current_user() -> User | None:
    """Return the signed-in user of this request, or None."""
    return cast("User | None", g.get("user"))


def load_user() -> None:
    """Find the session's user before each request; end sessions older than their lifetime."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - float(session.get("login_at", 0)) > lifetime:
        _forget_user()
        return
    user = db_session().get(User, user_id)
    if user is None or user.disabled or session.get("sv") != user.session_version:
        _forget_user()  # logged out everywhere, a new password, disabled or removed
        return
    g.user = user


def _forget_user() -> None:
    for key in ("user_id", "login_at", "sv"):
        session.pop(key, None)
    g.session_expired = True


PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"auth.account", "auth.logout", "auth.login", "static", "vendor.asset"}
)
"""Pages a user who must change their password may still open."""


def require_password_change() -> Any:
    """Send a signed-in user who must change their password to the account page first.

    The JSON API refuses such a user itself (see :meth:`web.api.core.ApiBlueprint.needs`).
    """
    user = current_user()
    if user is None or not user.must_change_password or request.path.startswith("/api/"):
        return None
    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.endpoint is None:
        return None
    flash(translate("password_must_change"), "warning")
    return redirect(url_for("auth.account"))


def has_permission(permission: str, user: User | None = None) -> bool:
    """Return whether ``user`` (default: the signed-in user) holds ``permission``.

    The role that counts is the user's role in the district the request works on
    (:func:`web.districts.registry.role_here`).
    """
    user = user if user is not None else current_user()
    return user is not None and role_here(user) in PERMISSIONS[permission]


def requires(permission: str) -> Callable[[F], F]:
    """Decorate a view so that only roles holding ``permission`` may open it.

    A visitor who is not signed in is sent to the login page; a signed-in user whose role
    lacks the permission gets HTTP 403.
    """
    if permission not in PERMISSIONS:
        msg = f"Unknown permission {permission!r}."
        raise KeyError(msg)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                key = "session_expired" if g.get("session_expired") else "login_needed"
                flash(translate(key), "warning")
                return redirect(url_for("auth.login", next=request.full_path))
            if not has_permission(permission):
                abort(403)
            return view(*args, **kwargs)

        return cast("F", wrapped)

    return decorate


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path of this site, else the map's path.

    Only a path is accepted: it starts with one ``/``, names no scheme or host, holds no
    backslash, and no control character or space (browsers drop a tab or a newline, so
    ``/<tab>/evil.example`` would become ``//evil.example``; a CR or LF would split the
    ``Location`` header).
    """
    fallback = url_for("maps.index")
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the login form; on a right name and password start a session that expires."""
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        user = find_user(db_session(), name) if name else None
        if user is None or not check_password_hash(user.password_hash, password):
            error = translate("bad_login")
        elif user.disabled:
            error = translate("account_disabled")
        else:
            _start_session(user)
            if user.must_change_password:
                flash(translate("password_must_change"), "warning")
                return redirect(url_for("auth.account", next=request.args.get("next")))
            return redirect(safe_next(request.args.get("next")))
    status = 401 if error else 200
    hint = first_users_file(current_app).is_file()
    return render_template("login.html", error=error, first_users=hint), status


def _start_session(user: User) -> None:
    """Start a new session of ``user`` (the language is kept), under their session version."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session["user_id"] = user.id
    session["login_at"] = time.time()
    session["sv"] = user.session_version


def _end_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session and go back to the map.

    The session cookie is signed, not stored, so a copy of it would still be valid: logging
    out ends every session and API token of the user (their session version changes).
    """
    user = current_user()
    if user is not None:
        end_sessions(db_session(), user)
    _end_session()
    flash(translate("logged_out"), "info")
    return redirect(url_for("maps.index"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> Any:
    """Change one's own password (current, new, repeated); other sessions end, this one stays."""
    user = current_user()
    if user is None:
        flash(translate("login_needed"), "warning")
        return redirect(url_for("auth.login", next=request.full_path))
    error = None
    if request.method == "POST":
        new = request.form.get("password", "")
        if new != request.form.get("repeat", ""):
            error = translate("err_password_repeat")
        else:
            try:
                set_password(db_session(), user, new, current=request.form.get("current", ""))
            except UserError as exc:
                db_session().rollback()
                error = translate(exc.key, **exc.values)
            else:
                forget_first_user(current_app, user.name)
                _start_session(user)
                flash(translate("password_changed"), "info")
                return redirect(safe_next(request.args.get("next")))
    status = 400 if error else 200
    return render_template("account.html", error=error), status
