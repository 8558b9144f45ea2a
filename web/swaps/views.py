"""Pages of shift swaps: a member asks from /me, a captain approves or refuses at /swaps."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from planner.plan.swaps import Swap
from web.accounts.auth import current_user, has_permission, requires
from web.checkin.records import now as checkin_now
from web.db import Plan, ShiftSwap, db_session
from web.formatting import date_long, date_time, display_zone, name_list
from web.i18n import current_lang, translate
from web.me.day import my_shifts, published_plans
from web.plans.store import load_document
from web.swaps.requests import (
    DECIDE_ROLES,
    SwapRequestError,
    approve,
    create_request,
    current_check,
    may_see,
    probe,
    refuse,
    user_groups,
    visible_requests,
    withdraw,
)
from web.views_common import register_nav

if TYPE_CHECKING:
    from flask import Flask

    from planner.checks.plan_roster import RosterFinding
    from planner.plan.document import PlanDocument
    from planner.plan.swaps import SwapCheck
    from web.db import User

bp = Blueprint("swaps", __name__, url_prefix="/swaps")

register_nav("swaps.swap_list", "nav_swaps", "publish_plans", 6)

AHEAD_DAYS = 62
"""How far ahead the form offers my shifts."""


def _name(zh: str, en: str) -> str:
    return (zh or en) if current_lang() == "zh" else (en or zh)


class Names:
    """Names of a plan's groups and shifts in the page's language."""

    def __init__(self, doc: PlanDocument | None) -> None:
        self.groups: dict[str, str] = {}
        self.members: dict[str, str] = {}
        self.shifts: dict[str, str] = {}
        self.people: dict[str, str] = {}
        if doc is None:
            return
        for g in doc.roster.groups:
            self.groups[g.id] = _name(g.name_zh, g.name) or g.id
            self.members[g.id] = name_list(m.name or m.id for m in g.members)
            self.people.update((m.id, m.name or m.id) for m in g.members)
        for s in doc.roster.shifts:
            self.shifts[s.id] = _name(s.name_zh, s.name) or s.id

    def group(self, gid: str) -> str:
        """Return a group's name (its id when the plan does not name it)."""
        return self.groups.get(gid, gid)

    def member(self, mid: str) -> str:
        """Return a member's name (the id when the plan does not name them)."""
        return self.people.get(mid, mid)

    def shift(self, sid: str | None) -> str:
        """Return a shift's name, "off" for None."""
        if sid is None or sid == "off":
            return translate("swap_off")
        return self.shifts.get(sid, sid)

    def group_line(self, gid: str) -> str:
        """Return a group with its members: 第二组（王芳、赵磊）."""
        members = self.members.get(gid, "")
        if not members:
            return self.group(gid)
        return translate("swap_group_line", group=self.group(gid), members=members)


def _values(names: Names, values: dict[str, Any]) -> dict[str, Any]:
    """Return a sentence's values with group, shift and day ids as a person reads them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "group":
            out[key] = names.group(str(value))
        elif key in ("shift", "before", "want", "got"):
            out[key] = names.shift(str(value))
        elif key in ("day", "before_day"):
            out[key] = date_long(value)
        elif isinstance(value, float):
            out[key] = f"{value:g}"
        else:
            out[key] = value
    return out


def finding_text(names: Names, finding: RosterFinding) -> str:
    """Return one broken roster rule as a sentence of the page's language."""
    key = f"swap_rule_{finding.rule}"
    if finding.values.get("carried"):
        key += "_carried"  # a run that began in the days carried in before the plan
    return translate(key, **_values(names, finding.values))


def error_text(names: Names, exc: SwapRequestError) -> str:
    """Return a refusal as a sentence of the page's language."""
    values = _values(names, exc.values)
    if exc.reason == "breaks_rules":
        values["rules"] = ""
    return translate(f"swap_err_{exc.reason}", **values)


def check_view(names: Names, check: SwapCheck) -> dict[str, Any]:
    """Return what a page shows of a swap's check: changes, routes, fairness, rules."""
    cells = [
        translate(
            "swap_cell",
            group=names.group(c.group),
            day=date_long(c.day),
            before=names.shift(c.before),
            after=names.shift(c.after),
        )
        for c in check.cells
    ]
    routes = [
        translate(
            "swap_route_line",
            day=date_long(m.day),
            shift=names.shift(m.shift),
            unit=m.unit,
            from_group=names.group(m.from_group),
            to_group=names.group(m.to_group),
            crew=name_list(names.member(p) for p in m.members_after) or translate("swap_no_crew"),
        )
        for m in check.routes
    ]
    fairness = [
        translate(
            "swap_fair_line",
            group=names.group(a.group_id),
            a=a.shifts,
            b=b.shifts,
            na=a.nights,
            nb=b.nights,
            wa=a.weekends,
            wb=b.weekends,
            ha=a.holidays,
            hb=b.holidays,
        )
        for a, b in check.fairness
    ]
    return {
        "ok": check.ok,
        "cells": cells,
        "routes": routes,
        "fairness": fairness,
        "broken": [finding_text(names, f) for f in check.broken],
        "mended": [finding_text(names, f) for f in check.mended],
    }


def plan_document(app: Flask, row: Plan | None) -> PlanDocument | None:
    """Return a plan's document, None when it has none (yet) or it cannot be read."""
    if row is None or not row.path:
        return None
    try:
        return load_document(app, row)
    except (FileNotFoundError, ValueError):
        return None


def request_line(names: Names, req: ShiftSwap) -> str:
    """Return what a request asks, in words."""
    if req.other_day is None:
        return translate(
            "swap_give_line",
            group=names.group(req.group_id),
            day=date_long(req.day),
            shift=names.shift(req.shift_id),
            other=names.group_line(req.other_group_id),
        )
    return translate(
        "swap_swap_line",
        group=names.group(req.group_id),
        day=date_long(req.day),
        shift=names.shift(req.shift_id),
        other=names.group_line(req.other_group_id),
        other_day=date_long(req.other_day),
        other_shift=names.shift(req.other_shift_id),
    )


def request_view(req: ShiftSwap, names: Names) -> dict[str, Any]:
    """Return a request as a list row or a page header shows it."""
    who = req.requested_by.name if req.requested_by is not None else translate("system_user")
    decided = ""
    if req.decided_at is not None and req.status in ("approved", "refused"):
        by = req.decided_by.name if req.decided_by is not None else translate("system_user")
        decided = translate("swap_decided_by", who=by, at=date_time(req.decided_at))
    return {
        "id": req.id,
        "line": request_line(names, req),
        "asked": translate("swap_asked_by", who=who, at=date_time(req.created_at)),
        "status": req.status,
        "state": translate(f"swap_state_{req.status}"),
        "decided": decided,
        "reason": req.reason,
        "note": req.note,
        "plan": req.plan.title if req.plan is not None else "",
        "plan_id": req.plan_id,
        "url": url_for("swaps.swap_detail", swap_id=req.id),
    }


def _list_views(user: User, limit: int = 100) -> list[dict[str, Any]]:
    session = db_session()
    docs: dict[int, Names] = {}
    out = []
    for req in visible_requests(session, user, limit):
        if req.plan_id not in docs:
            docs[req.plan_id] = Names(plan_document(current_app, req.plan))
        out.append(request_view(req, docs[req.plan_id]))
    return out


def my_swaps() -> list[dict[str, Any]]:
    """Return the requests of the signed-in user's groups, for /me (none for visitors)."""
    user = current_user()
    if user is None:
        return []
    return _list_views(user, limit=10)


@bp.route("")
@requires("check_in")
def swap_list() -> Any:
    """List the requests: every one for captains, those of my groups for members."""
    user = current_user()
    assert user is not None
    return render_template(
        "swaps.html", rows=_list_views(user), deciding=has_permission("publish_plans")
    )


def _my_options(user: User) -> list[dict[str, Any]]:
    """Return my shifts still to start in the plans in force, as the form offers them."""
    session = db_session()
    now = checkin_now()
    today = now.astimezone(display_zone()).date()
    plans = published_plans(current_app, session)
    if user.role in DECIDE_ROLES:
        groups = sorted({g.id for _row, doc in plans for g in doc.roster.groups})
    else:
        groups = sorted(user_groups(session, user))
    out = []
    for s in my_shifts(plans, groups, today, today + timedelta(days=AHEAD_DAYS)):
        if s.start <= now:
            continue
        names = Names(s.doc)
        out.append(
            {
                "value": f"{s.plan.id}|{s.group.id}|{s.day.isoformat()}",
                "label": f"{date_long(s.day)} {names.shift(s.shift.id)} {s.shift.hours_label()}"
                f" · {names.group(s.group.id)}",
                "plan_id": s.plan.id,
            }
        )
    return out


def _other_groups(options: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return the groups of the plans the options are in, with their members."""
    session = db_session()
    seen: dict[str, str] = {}
    for plan_id in dict.fromkeys(o["plan_id"] for o in options):
        names = Names(plan_document(current_app, session.get(Plan, plan_id)))
        for gid in names.groups:
            seen.setdefault(gid, names.group_line(gid))
    return [{"value": k, "label": v} for k, v in seen.items()]


def _parse(form: Any) -> tuple[int, Swap]:
    """Return the plan id and the swap a form asks for.

    Raises
    ------
    SwapRequestError
        ``bad_mine``, ``bad_kind``, ``bad_other`` or ``bad_day`` for a field that is wrong.
    """
    plan_text, _, rest = str(form.get("mine", "")).partition("|")
    group, _, day_text = rest.partition("|")
    try:
        plan_id, day = int(plan_text), date.fromisoformat(day_text)
    except ValueError:
        raise SwapRequestError("bad_mine", "Choose one of your shifts.") from None
    kind = form.get("kind", "")
    if kind not in ("give", "swap"):
        raise SwapRequestError("bad_kind", "Choose whether to give or to swap the shift.")
    other = str(form.get("other", "")).strip()
    if not other:
        raise SwapRequestError("bad_other", "Choose the other group.")
    other_day = None
    if kind == "swap":
        text = str(form.get("other_day", "")).strip()
        try:
            other_day = date.fromisoformat(text) if text else day
        except ValueError:
            msg = f"The day of their shift, {text!r}, is not a date YYYY-MM-DD."
            raise SwapRequestError("bad_day", msg, day_text=text) from None
    return plan_id, Swap(group, day, other, other_day)


@bp.route("/new", methods=["GET", "POST"])
@requires("check_in")
def swap_new() -> Any:
    """Ask to swap a shift: choose it, check the swapped roster, then send the request."""
    user = current_user()
    assert user is not None
    options = _my_options(user)
    form = request.form if request.method == "POST" else request.args
    context: dict[str, Any] = {
        "options": options,
        "others": _other_groups(options),
        "form": form,
        "preview": None,
        "error": None,
    }
    if request.method != "POST":
        return render_template("swap_new.html", **context)
    session = db_session()
    names = Names(None)
    try:
        plan_id, swap = _parse(request.form)
        row = session.get(Plan, plan_id)
        names = Names(plan_document(current_app, row))
        if request.form.get("confirm") == "1":
            req = create_request(
                current_app,
                session,
                user,
                plan_id,
                swap,
                note=str(request.form.get("note", "")),
                now=checkin_now(),
            )
            flash(translate("swap_sent", id=req.id), "info")
            return redirect(url_for("swaps.swap_detail", swap_id=req.id))
        context["preview"] = check_view(names, probe(current_app, session, user, plan_id, swap))
    except SwapRequestError as exc:
        if exc.reason == "bad_day":
            context["error"] = translate("swap_err_bad_day", day=exc.values.get("day_text", ""))
        else:
            context["error"] = error_text(names, exc)
        return render_template("swap_new.html", **context), 400
    return render_template("swap_new.html", **context)


def _request_or_404(swap_id: int) -> ShiftSwap:
    user = current_user()
    req = db_session().get(ShiftSwap, swap_id)
    if req is None or user is None or not may_see(db_session(), req, user):
        abort(404)
    return req


@bp.route("/<int:swap_id>")
@requires("check_in")
def swap_detail(swap_id: int, error: str | None = None, status: int = 200) -> Any:
    """One request: what it asks, its state, and (while it waits) the check of the roster now."""
    req = _request_or_404(swap_id)
    user = current_user()
    assert user is not None
    names = Names(plan_document(current_app, req.plan))
    check = None
    stale = None
    if req.status == "pending":
        try:
            check = check_view(names, current_check(current_app, db_session(), req))
        except SwapRequestError as exc:
            stale = error_text(names, exc)
    return render_template(
        "swap.html",
        req=request_view(req, names),
        check=check,
        stale=stale,
        error=error,
        deciding=has_permission("publish_plans") and req.status == "pending",
        asker=req.requested_by_id == user.id and req.status == "pending",
    ), status


@bp.route("/<int:swap_id>/approve", methods=["POST"])
@requires("publish_plans")
def swap_approve(swap_id: int) -> Any:
    """Approve a request: the plan in force's roster changes, recorded in the audit log."""
    req = _request_or_404(swap_id)
    user = current_user()
    assert user is not None
    try:
        edit = approve(current_app, db_session(), req, user, now=checkin_now())
    except SwapRequestError as exc:
        names = Names(plan_document(current_app, req.plan))
        text = error_text(names, exc)
        if exc.reason == "breaks_rules":
            check = current_check(current_app, db_session(), req)
            text = translate(
                "swap_err_breaks_rules",
                rules=" ".join(finding_text(names, f) for f in check.broken),
            )
        return swap_detail(swap_id, error=text, status=409)
    flash(translate("swap_approved", id=req.id, edit=edit.id), "info")
    return redirect(url_for("swaps.swap_detail", swap_id=req.id))


@bp.route("/<int:swap_id>/refuse", methods=["POST"])
@requires("publish_plans")
def swap_refuse(swap_id: int) -> Any:
    """Refuse a request with a reason."""
    req = _request_or_404(swap_id)
    user = current_user()
    assert user is not None
    try:
        refuse(db_session(), req, user, str(request.form.get("reason", "")))
    except SwapRequestError as exc:
        return swap_detail(swap_id, error=error_text(Names(None), exc), status=400)
    flash(translate("swap_refused", id=req.id), "info")
    return redirect(url_for("swaps.swap_detail", swap_id=req.id))


@bp.route("/<int:swap_id>/withdraw", methods=["POST"])
@requires("check_in")
def swap_withdraw(swap_id: int) -> Any:
    """Withdraw my request while it waits."""
    req = _request_or_404(swap_id)
    user = current_user()
    assert user is not None
    try:
        withdraw(db_session(), req, user)
    except SwapRequestError as exc:
        return swap_detail(swap_id, error=error_text(Names(None), exc), status=400)
    flash(translate("swap_withdrawn", id=req.id), "info")
    return redirect(url_for("swaps.swap_detail", swap_id=req.id))


def init_swaps(app: Flask) -> None:
    """Register the swap pages and offer ``my_swaps`` to templates (the list on /me)."""
    app.register_blueprint(bp)
    app.context_processor(lambda: {"my_swaps": my_swaps})
