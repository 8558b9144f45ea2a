"""Teams and rules pages: groups, members, vehicles, the leave calendar, rules, raw files, re-plan.

Captains and admins (permission ``edit_teams``) read and edit them. Planners and viewers do
not see them: teams.toml holds members' phone numbers and rules.toml the reasons of their
leave, which are personal; what planners need of the rules shows in each plan (roster,
holidays, surge dates, leave days without reasons).

Every change is a POST with the CSRF token and an ``op`` field naming the operation of
:mod:`web.teams.store`; a refused change answers with one sentence (HTTP 400) and saves
nothing. After a change the page offers to re-plan the dates it touches.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from web.accounts.auth import current_user, has_permission, requires
from web.db import Plan, db_session
from web.i18n import current_lang, translate
from web.jobs.queue import MAX_DAYS, JobFormError, check_job_form, submit_job, wake_worker
from web.teams import store as tr
from web.views_common import register_nav

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flask import Flask
    from sqlalchemy.orm import Session

    from web.db import Edit

    Op = Callable[[Flask, Session, Mapping[str, Any], int | None], Edit | None]

bp = Blueprint("teams", __name__, url_prefix="/teams")

register_nav("teams.teams", "nav_teams", "edit_teams", 40)

REPLAN_KEY = "teams_replan"
"""Session key of the dates the last change touched (offered for re-planning)."""


GROUP_FIELDS = ("name", "name_en", "default_mode", "leader", "base_post")
"""Fields of a group that the groups table changes."""


def _settings_op(section: str) -> Op:
    """Return the operation that changes the plain settings of ``[section]``."""

    def call(app: Flask, db: Session, form: Mapping[str, Any], user_id: int | None) -> Any:
        fields = _only(form, *tr.SECTION_FIELDS[section])
        return tr.set_settings(app, db, section, fields, user_id=user_id)

    return call


TEAMS_OPS: dict[str, Op] = {
    "add_group": lambda a, s, f, u: tr.add_group(a, s, f, user_id=u),
    "update_group": lambda a, s, f, u: tr.update_group(
        a,
        s,
        f.get("group", ""),
        _only(f, "name", "name_en", "default_mode", "leader", "base_post"),
        user_id=u,
    ),
    "remove_group": lambda a, s, f, u: tr.remove_group(a, s, f.get("group", ""), user_id=u),
    "add_member": lambda a, s, f, u: tr.add_member(a, s, f, user_id=u),
    "update_member": lambda a, s, f, u: tr.update_member(
        a, s, f.get("member", ""), _only(f, "name", "role", "phone"), user_id=u
    ),
    "move_member": lambda a, s, f, u: tr.move_member(
        a, s, f.get("member", ""), f.get("group", ""), user_id=u
    ),
    "remove_member": lambda a, s, f, u: tr.remove_member(a, s, f.get("member", ""), user_id=u),
    "add_vehicle": lambda a, s, f, u: tr.add_vehicle(a, s, f, user_id=u),
    "update_vehicle": lambda a, s, f, u: tr.update_vehicle(
        a, s, f.get("vehicle", ""), _only(f, "mode", "name"), user_id=u
    ),
    "remove_vehicle": lambda a, s, f, u: tr.remove_vehicle(a, s, f.get("vehicle", ""), user_id=u),
    "add_reserve": lambda a, s, f, u: tr.add_reserve(a, s, f, user_id=u),
    "remove_reserve": lambda a, s, f, u: tr.remove_reserve(a, s, f.get("reserve", ""), user_id=u),
}
"""Operations of the groups, members and vehicles page: ``op`` -> call."""

LEAVE_OPS: dict[str, Op] = {
    "add_leave": lambda a, s, f, u: tr.add_leave(a, s, _leave_fields(f), user_id=u),
    "remove_leave": lambda a, s, f, u: tr.remove_leave(a, s, _keys(f), user_id=u),
}
"""Operations of the leave calendar."""

RULES_OPS: dict[str, Op] = {
    "set_shift": lambda a, s, f, u: tr.set_shift(a, s, f, user_id=u),
    "remove_shift": lambda a, s, f, u: tr.remove_shift(a, s, f.get("shift", ""), user_id=u),
    "set_demand": lambda a, s, f, u: tr.set_demand(a, s, f, user_id=u),
    "set_rotation": lambda a, s, f, u: tr.set_rotation(a, s, f, user_id=u),
    "set_surge": lambda a, s, f, u: tr.set_surge(a, s, f, user_id=u),
    "add_surge_date": lambda a, s, f, u: tr.add_surge_date(a, s, f, user_id=u),
    "remove_surge_date": lambda a, s, f, u: tr.remove_surge_date(
        a, s, f.get("date", ""), user_id=u
    ),
    **{f"settings_{section}": _settings_op(section) for section in tr.SECTION_FIELDS},
}
"""Operations of the rules page."""


def _only(form: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """Return the fields of ``form`` among ``keys`` (absent ones stay absent)."""
    return {k: form[k] for k in keys if k in form}


def _keys(form: Mapping[str, Any]) -> list[str]:
    """Return every ``key`` field of a form (a page may remove several leave entries at once)."""
    getlist = getattr(form, "getlist", None)
    keys = getlist("key") if getlist is not None else [form.get("key", "")]
    return [str(k) for k in keys if k]


def _leave_fields(form: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the calendar's ``who`` (a member id or ``group:<id>``) into member or group."""
    who = str(form.get("who", "")).strip()
    fields = _only(form, "from", "to", "reason", "member", "group")
    if who.startswith("group:"):
        fields["group"] = who[len("group:") :]
    elif who:
        fields["member"] = who
    return fields


# ---------------------------------------------------------------------------------------------
# Re-planning the dates a change touches


def _latest_plan(first: dt.date | None, last: dt.date | None) -> Plan | None:
    """Return the newest plan (not failed or cancelled) whose dates meet ``first..last``."""
    rows = db_session().scalars(
        select(Plan)
        .where(Plan.status.not_in(("failed", "cancelled")))
        .order_by(Plan.id.desc())
        .limit(50)
    )
    for plan in rows:
        try:
            start = dt.date.fromisoformat(plan.start)
        except ValueError:
            continue
        end = start + dt.timedelta(days=plan.days - 1)
        if first is None or last is None or (start <= last and first <= end):
            return plan
    return None


def replan_dates(first: dt.date | None = None, last: dt.date | None = None) -> dict[str, Any]:
    """Return the dates to re-plan after a change of ``first..last`` (None: no dates).

    The dates of the newest plan that meets them, so the captain compares like with like;
    else the changed dates themselves (at most :data:`web.jobs.queue.MAX_DAYS`); else the first
    week of the rules' horizon.
    """
    plan = _latest_plan(first, last)
    if plan is not None:
        days = min(plan.days, MAX_DAYS)
        return {"start": plan.start, "days": days, "plan_id": plan.id}
    if first is not None and last is not None and last >= first:
        return {"start": first.isoformat(), "days": min((last - first).days + 1, MAX_DAYS)}
    dates = tr.horizon_dates(tr.rules_data(current_app))
    if dates:
        return {"start": dates[0].isoformat(), "days": min(7, len(dates), MAX_DAYS)}
    return {}


def _changed_dates(op: str, form: Mapping[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """Return the dates a leave or surge change touches (None, None for the others)."""
    texts: list[str] = []
    if op == "add_leave":
        texts = [str(form.get("from", "")), str(form.get("to") or form.get("from", ""))]
    elif op == "remove_leave":
        for key in _keys(form):
            texts += key.split("|")[1:]
    elif op in ("add_surge_date", "remove_surge_date"):
        texts = [str(form.get("date", ""))]
    days = []
    for text in texts:
        try:
            days.append(dt.date.fromisoformat(text.strip()))
        except ValueError:
            continue
    return (min(days), max(days)) if days else (None, None)


# ---------------------------------------------------------------------------------------------
# Handling a change


def _apply(ops: Mapping[str, Op]) -> str | None:
    """Run the operation the POSTed form names; return the refusal's sentence or None.

    On success the page's message says which edit was recorded, and the dates it touches
    are kept for the re-plan button.
    """
    op = request.form.get("op", "")
    call = ops.get(op)
    if call is None:
        return translate("tr_err_kind", kind=op)
    user = current_user()
    db = db_session()
    try:
        edit = call(current_app, db, request.form, user.id if user is not None else None)
    except tr.TeamsError as exc:
        db.rollback()
        return exc.text(current_lang())
    if edit is None:
        flash(translate("tr_unchanged"), "info")
        return None
    flash(translate("tr_saved", edit=edit.id), "info")
    session[REPLAN_KEY] = replan_dates(*_changed_dates(op, request.form))
    return None


def _page(template: str, ops: Mapping[str, Op], endpoint: str, **values: Any) -> Any:
    """GET: render the page; POST: apply the change, then redirect (or re-render refused)."""
    error = None
    refill: dict[str, str] = {}
    if request.method == "POST":
        error = _apply(ops)
        if error is None:
            return redirect(url_for(endpoint))
        # The page puts what was typed back into the refused form (static/refill.js).
        refill = {k: v for k, v in request.form.items() if k != "csrf_token"}
    context = _context()
    context.update({k: v() if callable(v) else v for k, v in values.items()})
    status = 400 if error else 200
    return render_template(template, error=error, refill=refill, **context), status


def _context() -> dict[str, Any]:
    replan = session.get(REPLAN_KEY) or {}
    return {
        "replan": replan if has_permission("make_plans") else {},
        "modes": tr.MODES,
        "roles": tr.ROLES,
        "weekdays": tr.WEEKDAYS,
    }


# ---------------------------------------------------------------------------------------------
# Pages


@bp.route("/", methods=["GET", "POST"])
@requires("edit_teams")
def teams() -> Any:
    """Show and change groups (names, mode, leader, base post), members, reserves, vehicles."""

    def posts() -> list[tuple[str, str]]:
        """Return the district's posts as (id, name) by name, for the base post select."""
        from web.workspace import current_district

        frame = current_district(current_app).posts
        names = frame["name"] if "name" in frame.columns else frame["id"]
        pairs = [
            (str(i), str(n) if isinstance(n, str) and n.strip() else str(i))
            for i, n in zip(frame["id"], names, strict=True)
        ]
        return sorted(pairs, key=lambda p: (p[1], p[0]))

    def data() -> dict[str, Any]:
        return tr.teams_data(current_app)

    teams_ = data()
    return _page(
        "teams.html",
        TEAMS_OPS,
        "teams.teams",
        teams=teams_,
        counts=tr.vehicle_counts(teams_),
        reserves=lambda: tr.rules_data(current_app)["reserves"],
        posts=posts,
    )


@bp.route("/leave", methods=["GET", "POST"])
@requires("edit_teams")
def leave() -> Any:
    """Show the leave calendar (members x days of the horizon); add and remove leave."""
    return _page(
        "teams_leave.html",
        LEAVE_OPS,
        "teams.leave",
        cal=lambda: tr.leave_calendar(current_app),
        teams=lambda: tr.teams_data(current_app),
        reserves=lambda: tr.rules_data(current_app)["reserves"],
        horizon=lambda: tr.rules_data(current_app)["horizon"],
    )


@bp.route("/rules", methods=["GET", "POST"])
@requires("edit_teams")
def rules() -> Any:
    """Horizon, shift templates, demand, rest, rotation, fairness, crew and surge dates."""
    return _page(
        "rules.html",
        RULES_OPS,
        "teams.rules",
        rules=lambda: tr.rules_data(current_app),
        fields=tr.SECTION_FIELDS,
    )


@bp.route("/raw/<kind>", methods=["GET", "POST"])
@requires("edit_teams")
def raw(kind: str) -> Any:
    """Edit the whole teams.toml or rules.toml as text, checked as the forms are."""
    from web.workspace import TEXT_FILES, read_text, text_version

    if kind not in tr.KINDS:
        return render_template("error.html", code=404, message=translate("not_found")), 404
    name = TEXT_FILES[kind]
    error = None
    text = None
    version = None
    if request.method == "POST":
        text = request.form.get("text", "")
        version = request.form.get("version") or None
        user = current_user()
        try:
            edit = tr.replace_raw(
                current_app,
                db_session(),
                kind,
                text,
                user_id=user.id if user else None,
                expect_version=version,
            )
        except tr.TeamsError as exc:
            db_session().rollback()
            error = exc.text(current_lang())
        else:
            if edit is None:
                flash(translate("tr_unchanged"), "info")
            else:
                flash(translate("tr_saved", edit=edit.id), "info")
                session[REPLAN_KEY] = replan_dates()
            return redirect(url_for("teams.raw", kind=kind))
    if text is None:
        text = read_text(current_app, name)
    if version is None:  # the version this page's text was read at
        version = text_version(read_text(current_app, name))
    context = _context()
    return render_template(
        "teams_raw.html",
        error=error,
        kind=kind,
        file=name,
        text=text,
        version=version,
        **context,
    ), 400 if error else 200


@bp.route("/replan", methods=["POST"])
@requires("edit_teams")
@requires("make_plans")
def replan() -> Any:
    """Queue a planning job for the dates the last change touched; show its progress."""
    from web.jobs.views import district_id

    start = request.form.get("start", "")
    days = request.form.get("days", "")
    from web.jobs.defaults import replan_time_limit

    seed, time_limit = "0", f"{replan_time_limit(current_app):g}"
    plan = _latest_plan(None, None)
    if plan is not None:
        seed = str(plan.seed)
    form = {"start": start, "days": days, "seed": seed, "time_limit": time_limit}
    form["title"] = translate("tr_replan") + f" {start} +{days}"
    try:
        settings = check_job_form(form)
        job = submit_job(db_session(), settings, current_user(), district=district_id())
    except JobFormError as exc:
        flash(translate(exc.key, **exc.values), "warning")
        return redirect(url_for("teams.leave"))
    wake_worker(current_app)
    session.pop(REPLAN_KEY, None)
    return redirect(url_for("jobs.job_view", job_id=job.id))
