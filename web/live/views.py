"""The captains' live view of today's tours at ``/live``, refreshed from ``/live/data.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, jsonify, render_template, url_for

from planner.plan.times import clock, time_of_day
from web.accounts.auth import requires
from web.checkin.records import now as checkin_now
from web.db import db_session
from web.formatting import date_long, display_zone, name_list
from web.i18n import current_lang, translate
from web.live.tours import LIVE_STATUSES, live_units
from web.me.day import published_plans
from web.views_common import register_nav, unit_name

if TYPE_CHECKING:
    from datetime import datetime

    from web.live.tours import LivePoint, LiveUnit

bp = Blueprint("live", __name__, url_prefix="/live")

register_nav("live.live_page", "nav_live", "view_ledger", 7)

REFRESH_SECONDS = 30
"""How often the page asks for the board again."""


def _name(zh: str, en: str) -> str:
    return (zh or en) if current_lang() == "zh" else (en or zh)


def _point(p: LivePoint) -> dict[str, Any]:
    v = p.visit
    name = _name(v.name, v.name_en)
    title = (
        translate("live_base", name=name)
        if v.label == "B"
        else translate("me_checkpoint_line", label=v.label, name=name)
    )
    zone = display_zone()
    if v.checked_at is not None:
        when = translate("live_signed_at", at=time_of_day(v.checked_at, current_lang(), zone))
    else:
        when = translate("live_due_by", at=time_of_day(v.due, current_lang(), zone))
    return {
        "title": title,
        "status": p.status,
        "state": translate(f"live_{p.status}"),
        "when": when,
    }


def _unit(u: LiveUnit, now: datetime) -> dict[str, Any]:
    doc, r = u.doc, u.route
    roster = doc.roster
    group = roster.owner(r)
    shift = roster.shift(r.shift_id)
    crew = [roster.member_name(m) for m in r.members] or [m.name or m.id for m in group.members]
    state = "live_running" if u.running(now) else ("live_over" if u.end <= now else "live_later")
    nxt = _point(u.next_point) if u.next_point is not None else None
    return {
        "id": r.id,
        "group": _name(group.name_zh, group.name),
        "unit": unit_name(r),
        "shift": f"{_name(shift.name_zh, shift.name)} {shift.hours_label()}",
        "day": date_long(r.date),
        "mode": translate(f"mode_{r.mode}"),
        "crew": name_list(crew),
        "running": u.running(now),
        "state": translate(state),
        "counts": {s: u.count(s) for s in LIVE_STATUSES},
        "alert": bool(u.count("missed") or u.count("overdue")),
        "grid": r.unit_kind == "grid",
        "next": (
            translate("live_next_line", point=f"{nxt['title']} · {nxt['when']}")
            if nxt is not None
            else ""
        ),
        "points": [_point(p) for p in u.points],
        "url": url_for("plans.route_view", plan_id=u.plan.id, route_id=r.id),
        "planned": clock(r.start_s),
    }


def board() -> dict[str, Any]:
    """Return today's board: units with their checkpoints, totals and the moment it is of."""
    session = db_session()
    now = checkin_now()
    zone = display_zone()
    today = now.astimezone(zone).date()
    units = [
        _unit(u, now)
        for u in live_units(session, published_plans(current_app, session), today, now)
    ]
    totals = {s: sum(u["counts"][s] for u in units) for s in LIVE_STATUSES}
    grid = [u for u in units if u["grid"]]
    return {
        "day": date_long(today),
        "updated": translate("live_updated", at=time_of_day(now, current_lang(), zone)),
        "units": units,
        "totals": totals,
        # grid members' and volunteers' walks are many and short: one folded section of their own
        "grid_label": translate("live_grid_units", n=len(grid)),
        "grid_alert": any(u["alert"] for u in grid),
        "labels": {s: translate(f"live_{s}") for s in LIVE_STATUSES},
        "empty": translate("live_none"),
        "points_label": translate("live_checkpoints"),
        "route_label": translate("live_route"),
        "refresh": REFRESH_SECONDS,
    }


@bp.route("")
@requires("view_ledger")
def live_page() -> Any:
    """Show today's tours: each unit with its checkpoints done, late, overdue, missed, due."""
    return render_template("live.html", board=board())


@bp.route("/data.json")
@requires("view_ledger")
def live_data() -> Any:
    """Return the board of :func:`live_page` as JSON; the page fetches it every few seconds."""
    response = jsonify(board())
    response.headers["Cache-Control"] = "no-store"
    return response
