"""The users page: admins list users, create them, change their role and patrol groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import delete, func, select

from web.accounts.auth import current_user, has_permission, requires
from web.accounts.users import UserError, create_user, set_disabled, set_password
from web.db import ROLES, User, UserGroup, db_session
from web.i18n import current_lang, translate
from web.plans.store import get_district

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sqlalchemy.orm import Session

bp = Blueprint("users", __name__, url_prefix="/users")


def district_groups(teams: Mapping[str, Any], lang: str = "zh") -> dict[str, str]:
    """Return the patrol groups of a district's teams: group id -> its name in ``lang``."""
    out: dict[str, str] = {}
    for group in teams.get("groups", []) or []:
        gid = str(group.get("id", "")).strip()
        if not gid:
            continue
        name = group.get("name_en") if lang == "en" else group.get("name")
        out[gid] = str(name or group.get("name") or gid)
    return out


def change_role(session: Session, user: User, role: str) -> User:
    """Give ``user`` the role ``role``; nothing is saved when it is refused.

    Raises
    ------
    UserError
        For an unknown role, or when ``user`` is the only admin and would stop being one.
    """
    if role not in ROLES:
        raise UserError("err_role", role=role)
    if user.role == "admin" and role != "admin":
        admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
        if (admins or 0) <= 1:
            raise UserError("users_err_last_admin", name=user.name)
    user.role = role
    session.commit()
    return user


def link_groups(
    session: Session, user: User, groups: Iterable[str], known: Iterable[str]
) -> list[str]:
    """Link a member ``user`` to exactly ``groups``; nothing is saved when it is refused.

    Parameters
    ----------
    session
        Database session; committed on success.
    user
        A user whose role is member.
    groups
        The group ids to link (others are unlinked); blanks and repeats are ignored.
    known
        The group ids of the working district's teams.

    Returns
    -------
    list of str
        The linked group ids, in the order given.

    Raises
    ------
    UserError
        When ``user`` is not a member, or a group is not one of ``known``.
    """
    if user.role != "member":
        raise UserError("users_err_not_member", name=user.name, role=user.role)
    known = list(known)
    chosen = list(dict.fromkeys(g.strip() for g in groups if g.strip()))
    for group in chosen:
        if group not in known:
            raise UserError("users_err_group", group=group, known=", ".join(known) or "—")
    session.execute(delete(UserGroup).where(UserGroup.user_id == user.id))
    session.add_all(UserGroup(user_id=user.id, group_id=g) for g in chosen)
    session.commit()
    return chosen


def _message(exc: UserError) -> str:
    """Return the refusal in the page's language, naming roles in it too."""
    values = dict(exc.values)
    if values.get("role") in ROLES:
        values["role"] = translate(f"role_{values['role']}")
    return translate(exc.key, **values)


def _page(error: str | None = None, form: dict[str, str] | None = None) -> Any:
    """Render the users page (status 400 when it shows a refusal)."""
    session = db_session()
    rows = session.scalars(select(User).order_by(User.name)).all()
    links: dict[int, list[str]] = {}
    for link in session.scalars(select(UserGroup).order_by(UserGroup.group_id)):
        links.setdefault(link.user_id, []).append(link.group_id)
    groups = district_groups(get_district(current_app).teams or {}, current_lang())
    page = render_template(
        "users.html",
        users=rows,
        roles=ROLES,
        links=links,
        groups=groups,
        error=error,
        form=form or {"name": "", "role": "viewer"},
    )
    return page, 400 if error else 200


def _user_or_404(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/", methods=["GET", "POST"])
@requires("manage_users")
def users() -> Any:
    """List users; on POST create one (a refused form saves nothing and says why)."""
    if request.method != "POST":
        return _page()
    session = db_session()
    form = {"name": request.form.get("name", "").strip(), "role": request.form.get("role", "")}
    try:
        create_user(session, form["name"], form["role"], request.form.get("password", ""))
    except UserError as exc:
        session.rollback()
        return _page(_message(exc), form)
    flash(translate("user_created", name=form["name"]), "info")
    return redirect(url_for("users.users"))


@bp.route("/<int:user_id>/role", methods=["POST"])
@requires("manage_users")
def role(user_id: int) -> Any:
    """Change a user's role (the last admin keeps theirs)."""
    session = db_session()
    user = _user_or_404(user_id)
    try:
        change_role(session, user, request.form.get("role", "").strip())
    except UserError as exc:
        session.rollback()
        return _page(_message(exc))
    flash(
        translate("users_role_changed", name=user.name, role=translate(f"role_{user.role}")), "info"
    )
    if not has_permission("manage_users", current_user()):
        return redirect(url_for("maps.index"))
    return redirect(url_for("users.users"))


@bp.route("/<int:user_id>/groups", methods=["POST"])
@requires("manage_users")
def groups(user_id: int) -> Any:
    """Link a member user to the checked patrol groups of the working district."""
    session = db_session()
    user = _user_or_404(user_id)
    known = district_groups(get_district(current_app).teams or {})
    try:
        chosen = link_groups(session, user, request.form.getlist("group"), known)
    except UserError as exc:
        session.rollback()
        return _page(_message(exc))
    listed = ", ".join(chosen) or translate("users_no_groups")
    flash(translate("users_groups_saved", name=user.name, groups=listed), "info")
    return redirect(url_for("users.users"))


@bp.route("/<int:user_id>/password", methods=["POST"])
@requires("manage_users")
def reset_password(user_id: int) -> Any:
    """Give a user a new password; they must choose their own at their next login."""
    session = db_session()
    user = _user_or_404(user_id)
    try:
        set_password(session, user, request.form.get("password", ""), must_change=True)
    except UserError as exc:
        session.rollback()
        return _page(_message(exc))
    flash(translate("users_password_reset", name=user.name), "info")
    if user.id == getattr(current_user(), "id", None):
        return redirect(url_for("auth.login"))  # an admin who reset their own password
    return redirect(url_for("users.users"))


@bp.route("/<int:user_id>/disabled", methods=["POST"])
@requires("manage_users")
def disabled(user_id: int) -> Any:
    """Disable a user (their sessions and tokens end) or enable them again."""
    session = db_session()
    user = _user_or_404(user_id)
    disable = request.form.get("disabled") == "1"
    try:
        set_disabled(session, user, disable)
    except UserError as exc:
        session.rollback()
        return _page(_message(exc))
    key = "users_disabled_done" if disable else "users_enabled_done"
    flash(translate(key, name=user.name), "info")
    return redirect(url_for("users.users"))
