"""The district switcher of the page header and the city overview of every district."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

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

from web.accounts.auth import PERMISSIONS, current_user, requires, safe_next
from web.db import db_session
from web.districts.registry import (
    active_district,
    added_districts,
    district_ids,
    role_here,
    roles_of,
)
from web.districts.scope import SESSION_KEY, init_district_scope
from web.i18n import translate

if TYPE_CHECKING:
    from flask import Flask

bp = Blueprint("districts", __name__)


def district_names(app: Flask) -> dict[str, str]:
    """Return id -> name of every district, the default one first."""
    from geodata.bundle import read_manifest
    from web.workspace import ensure

    db = db_session()
    added = added_districts(app, db)
    names: dict[str, str] = {}
    for ident in district_ids(app, db):
        if ident in added:
            names[ident] = added[ident][0]
        else:
            manifest = read_manifest(ensure(app, ident))
            names[ident] = str(manifest.get("name_zh") or manifest.get("name") or ident)
    return names


def switchable() -> list[tuple[str, str]]:
    """Return (id, name) of the districts the visitor may switch to (none with one district).

    Anonymous visitors may switch between the public maps of every district; a signed-in
    user between the districts where they have a role.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = db_session()
    if len(district_ids(app, db)) < 2:
        return []
    names = district_names(app)
    user = current_user()
    if user is None:
        return list(names.items())
    mine = roles_of(app, db, user)
    return [(ident, name) for ident, name in names.items() if ident in mine]


def switch_next() -> str:
    """Return where the switcher goes back to: this page, or the map from a page of one row."""
    if request.view_args:
        return url_for("maps.index")
    return request.path


def sees_city() -> bool:
    """Return whether the signed-in user may read coverage in any district (the city page)."""
    user = current_user()
    if user is None:
        return False
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    roles = roles_of(app, db_session(), user).values()
    return any(role in PERMISSIONS["view_coverage"] for role in roles)


def _context() -> dict[str, Any]:
    return {
        "district_choices": switchable,
        "active_district": lambda: g.get("district") or "",
        "switch_next": switch_next,
        "sees_city": sees_city,
        "role_here": role_here,
    }


@bp.route("/districts/switch", methods=["POST"])
def switch() -> Any:
    """Work on the district chosen in the header from now on; go back to the page."""
    wanted = request.form.get("district", "")
    if wanted not in dict(switchable()):
        flash(translate("dist_err_unknown", district=wanted[:40]), "error")
        return redirect(safe_next(request.form.get("next")), 303)
    session[SESSION_KEY] = wanted
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/city")
def city() -> Any:
    """Show each district's plan in force: gate windows covered, alleys patrolled, coverage.

    A user sees the districts where their role may read coverage (planners, captains, admins).
    """
    from web.commands.city import city_overview

    user = current_user()
    if user is None:
        flash(translate("login_needed"), "warning")
        return redirect(url_for("auth.login", next=request.full_path))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mine = {
        d
        for d, role in roles_of(app, db_session(), user).items()
        if role in PERMISSIONS["view_coverage"]
    }
    if not mine:
        abort(403)
    text = request.args.get("on", "")
    error = None
    try:
        on = date.fromisoformat(text) if text else date.today()
    except ValueError:
        on, error = date.today(), translate("dist_err_day", value=text[:20])
    names = district_names(app)
    rows = [r for r in city_overview(app, on) if r["district"] in mine]
    planned = {str(r["district"]) for r in rows}
    waiting = [names.get(d, d) for d in sorted(mine) if d not in planned]
    return render_template(
        "city.html",
        rows=rows,
        names=names,
        waiting=waiting,
        on=on,
        error=error,
        here=active_district(app),
    ), (400 if error else 200)


@bp.route("/districts/roles", methods=["GET", "POST"])
@requires("manage_users")
def roles() -> Any:
    """Show every user's role in each district; on POST, set one user's roles (admins only).

    Admins have every district and are not listed; a user whose roles are set here has those
    and no other (see :mod:`web.districts.registry`).
    """
    from sqlalchemy import select

    from web.db import ROLES, User
    from web.districts.registry import NO_ROLE, DistrictError, grant

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = db_session()
    names = district_names(app)
    error = None
    if request.method == "POST":
        user_id = request.form.get("user", "")
        user = db.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or user.role == "admin":
            error = translate("dist_err_user")
        else:
            wanted = {d: request.form.get(f"role_{d}", NO_ROLE) for d in names}
            bad = [r for r in wanted.values() if r not in (*ROLES, NO_ROLE)]
            if bad:
                error = translate("dist_err_role", role=bad[0][:20])
            else:
                try:
                    for ident, role in wanted.items():
                        grant(app, db, user, ident, role)
                except DistrictError as exc:
                    db.rollback()
                    error = str(exc)
                else:
                    flash(translate("dist_roles_saved", name=user.name), "info")
                    return redirect(url_for("districts.roles"), 303)
    users = db.scalars(select(User).where(User.role != "admin").order_by(User.name)).all()
    table = {u.id: roles_of(app, db, u) for u in users}
    return render_template(
        "district_roles.html",
        users=users,
        table=table,
        names=names,
        roles=(*ROLES[1:], NO_ROLE),
        error=error,
    ), (400 if error else 200)


def init_districts(app: Flask) -> None:
    """Register the switcher and the city overview; scope each request to its district."""
    init_district_scope(app)
    app.register_blueprint(bp)
    app.context_processor(_context)
