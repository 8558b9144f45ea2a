"""The users page: admins list users and create new ones with a role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from web.auth import UserError, create_user, requires
from web.db import ROLES, User, db_session
from web.i18n import translate

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/", methods=["GET", "POST"])
@requires("manage_users")
def users() -> Any:
    """List users; on POST create one (a refused form saves nothing and says why)."""
    session = db_session()
    error = None
    form = {"name": "", "role": "viewer"}
    if request.method == "POST":
        form = {"name": request.form.get("name", "").strip(), "role": request.form.get("role", "")}
        try:
            create_user(session, form["name"], form["role"], request.form.get("password", ""))
        except UserError as exc:
            session.rollback()
            error = translate(exc.key, **exc.values)
        else:
            flash(translate("user_created", name=form["name"]), "info")
            return redirect(url_for("users.users"))
    rows = session.scalars(select(User).order_by(User.name)).all()
    status = 400 if error else 200
    return render_template("users.html", users=rows, roles=ROLES, error=error, form=form), status
