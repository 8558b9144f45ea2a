"""Logging in and out, hashed passwords, expiring sessions and per-role permissions."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any, TypeVar, cast

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

from web.db import ROLES, User, UserGroup, db_session, find_user
from web.first_users import first_users_file
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
    if user is None or user.role != "member":
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
        session.pop("user_id", None)
        session.pop("login_at", None)
        g.session_expired = True
        return
    g.user = db_session().get(User, user_id)


def has_permission(permission: str, user: User | None = None) -> bool:
    """Return whether ``user`` (default: the signed-in user) holds ``permission``."""
    user = user if user is not None else current_user()
    return user is not None and user.role in PERMISSIONS[permission]


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


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("maps.index")


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
        else:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session.permanent = True
            session["user_id"] = user.id
            session["login_at"] = time.time()
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    hint = first_users_file(current_app).is_file()
    return render_template("login.html", error=error, first_users=hint), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session and go back to the map."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(translate("logged_out"), "info")
    return redirect(url_for("maps.index"))
