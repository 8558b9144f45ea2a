"""Logging in and out, hashed passwords, expiring sessions and per-role permissions."""

from __future__ import annotations

import functools
import re
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
from werkzeug.security import check_password_hash, generate_password_hash

from geodata.errors import InputError
from web.db import ROLES, User, UserGroup, db_session, find_user
from web.i18n import translate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy.orm import Session

F = TypeVar("F", bound="Callable[..., Any]")

MIN_PASSWORD = 8
"""Fewest characters of a password."""

NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
"""What a user name may be."""

PERMISSIONS: dict[str, frozenset[str]] = {
    # Plans and their roster calendar: every signed-in role.
    "view_plans": frozenset(ROLES),
    # Route maps, stop tables and the printable sheets: the people who patrol and plan.
    "view_routes": frozenset({"admin", "captain", "planner", "member"}),
    # Coverage and the blind-spot layer: planners and above.
    "view_coverage": frozenset({"admin", "captain", "planner"}),
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


class UserError(InputError):
    """A user name, role or password that cannot be used.

    Attributes
    ----------
    key, values
        The catalogue key and values of the message, for the web page's language.
    """

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(translate(key, "en", **values))
        self.key = key
        self.values = values


def check_new_user(session_: Session, name: str, role: str, password: str) -> None:
    """Refuse with :class:`UserError` a name, role or password that cannot make a new user."""
    if not NAME_RE.match(name or ""):
        raise UserError("err_name")
    if role not in ROLES:
        raise UserError("err_role", role=role)
    if len(password or "") < MIN_PASSWORD:
        raise UserError("err_password", n=MIN_PASSWORD)
    if find_user(session_, name) is not None:
        raise UserError("err_name_taken", name=name)


def create_user(
    session_: Session,
    name: str,
    role: str,
    password: str,
    *,
    method: str = "scrypt",
    groups: Iterable[str] = (),
) -> User:
    """Check and store a new user with a hashed password; nothing is stored when it is refused.

    Parameters
    ----------
    session_
        Database session; committed on success.
    name, role, password
        The new user's name (1-40 of ``A-Z a-z 0-9 _ . -``), role (one of
        :data:`web.db.ROLES`) and password (at least :data:`MIN_PASSWORD` characters).
    method
        Hashing method of :func:`werkzeug.security.generate_password_hash`.
    groups
        Patrol group ids (as in the plans' rosters) whose routes a member may see.

    Returns
    -------
    User

    Raises
    ------
    UserError
        For a bad or taken name, an unknown role or a short password.
    """
    check_new_user(session_, name, role, password)
    user = User(name=name, role=role, password_hash=generate_password_hash(password, method))
    session_.add(user)
    session_.flush()
    for group_id in dict.fromkeys(gid.strip() for gid in groups if gid.strip()):
        session_.add(UserGroup(user_id=user.id, group_id=group_id))
    session_.commit()
    return user


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
    from web.first_users import first_users_file

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
