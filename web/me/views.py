"""The member's day at ``/me``: the landing page of members after login, made for a phone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from flask import Blueprint, Response, current_app, flash, render_template, request, url_for

from planner.plan.times import clock, time_of_day, window
from web.accounts.auth import current_user, requires
from web.checkin.records import now as checkin_now
from web.db import db_session
from web.formatting import date_long, display_zone, name_list
from web.i18n import current_lang, translate
from web.me.day import (
    crews,
    month_calendar,
    month_days,
    my_check_ins,
    my_groups,
    my_shifts,
    next_checkpoint,
    parse_month,
    published_plans,
    today_and_next,
)
from web.plans.in_force import period
from web.views_common import register_nav

if TYPE_CHECKING:
    from web.me.day import MyShift, NextCheckpoint

bp = Blueprint("me", __name__, url_prefix="/me")

register_nav("me.my_day", "nav_me", "check_in", 5)


def _name(zh: str, en: str) -> str:
    return (zh or en) if current_lang() == "zh" else (en or zh)


def _month_label(year: int, month: int) -> str:
    if current_lang() == "zh":
        return f"{year}年{month}月"
    return format_date(date(year, month, 1), "MMMM y", locale="en")


def _unit_name(unit_id: str, group_id: str) -> str:
    """Return a unit's name for people: "巡逻单元 1" for ``A-1``, "" for the whole group."""
    if not unit_id or unit_id == group_id or unit_id.endswith("-all"):
        return ""
    # "A-1" is unit 1, also when a shift swap has handed it to another group (its id stays)
    number = unit_id.rpartition("-")[2] if group_id and "-" in unit_id else unit_id
    return translate("me_unit", unit=number)


def _shift_view(s: MyShift, now: Any) -> dict[str, Any]:
    """Return what the page shows of one of my shifts: when, group, units and crews."""
    units: list[dict[str, Any]] = []
    by_unit = dict(crews(s))
    for route in s.routes or ():
        units.append(
            {
                "unit": _unit_name(route.unit_id, route.group_id),
                "crew": name_list(by_unit.get(route.unit_label, [])),
                "vehicles": name_list(route.vehicles),
                "mode": translate(f"mode_{route.mode}"),
                "url": url_for("plans.route_view", plan_id=s.plan.id, route_id=route.id),
            }
        )
    if not units:
        units = [
            {"unit": "", "crew": name_list(names), "vehicles": "", "mode": "", "url": None}
            for _unit, names in crews(s)
        ]
    return {
        "day": date_long(s.day),
        "shift": _name(s.shift.name_zh, s.shift.name),
        "hours": s.shift.hours_label(),
        "night": s.shift.night,
        "running": s.start <= now < s.end,
        "group": _name(s.group.name_zh, s.group.name),
        "units": units,
        "plan": s.plan.title,
    }


def _checkpoint_view(point: NextCheckpoint) -> dict[str, Any]:
    stop = point.stop
    windows = ", ".join(window(a, b) for a, b in stop.windows)
    sign_in = url_for("checkin.check_in_page", token=point.token, plan=point.shift.plan.id)
    name = _name(stop.display_name, stop.name_en)
    title = (
        f"{translate('ci_base_label')}：{name}"
        if point.label == "B"
        else translate("me_checkpoint_line", label=point.label, name=name)
    )
    return {
        "title": title,
        "window": windows or translate("me_any_time"),
        "planned": clock(stop.arrival),
        "due": time_of_day(point.due),
        "day": date_long(point.shift.day),
        "shift": _name(point.shift.shift.name_zh, point.shift.shift.name),
        "url": sign_in,
        "check": (stop.check_zh or stop.check) if current_lang() == "zh" else stop.check,
    }


def _month(text: str | None, today: date) -> tuple[int, int]:
    """Return the month asked for by ``?month=``, or this month with a warning when bad."""
    try:
        return parse_month(text, today)
    except ValueError:
        flash(translate("me_err_month", month=text), "warning")
        return today.year, today.month


@bp.route("")
@requires("check_in")
def my_day() -> Any:
    """Today's and the next shift, my units and crews, my next checkpoint, sign-ins, month."""
    session = db_session()
    user = current_user()
    assert user is not None  # requires() has checked
    now = checkin_now()
    today = now.astimezone(display_zone()).date()
    year, month = _month(request.args.get("month"), today)
    groups = my_groups(session, user)
    plans = published_plans(current_app, session)
    days = month_days(year, month)
    first = min(days[0], today - timedelta(days=1))
    last = max(days[-1], today + timedelta(days=62))
    shifts = my_shifts(plans, groups, first, last)
    todays, upcoming = today_and_next(shifts, now)
    point = next_checkpoint(current_app, session, user, [s for s in shifts if s.end > now], now)
    docs = {row.id: doc for row, doc in plans}
    recent = [
        {
            "at": c.record.at,
            "name": _name(c.name, c.name_en),
            "plan": c.plan_title,
            "late": c.record.late_minutes,
        }
        for c in my_check_ins(session, user, docs)
    ]
    covered = {day for row, _doc in plans for day in days if period(row)[0] <= day < period(row)[1]}
    by_day: dict[date, list[MyShift]] = {}
    for s in shifts:
        by_day.setdefault(s.day, []).append(s)
    rows = [
        {
            "day": day,
            "today": day == today,
            "shifts": [
                {
                    "shift": _name(s.shift.name_zh, s.shift.name),
                    "hours": s.shift.hours_label(),
                    "night": s.shift.night,
                    "group": _name(s.group.name_zh, s.group.name),
                }
                for s in by_day.get(day, [])
            ],
            "covered": day in covered,
        }
        for day in days
    ]
    prev_month = (date(year, month, 1) - timedelta(days=1)).strftime("%Y-%m")
    next_month = (date(year, month, 28) + timedelta(days=4)).strftime("%Y-%m")
    return render_template(
        "me.html",
        groups=groups,
        todays=[_shift_view(s, now) for s in todays],
        upcoming=_shift_view(upcoming, now) if upcoming is not None else None,
        point=_checkpoint_view(point) if point is not None else None,
        recent=recent,
        month_rows=rows,
        month_label=_month_label(year, month),
        month_key=f"{year:04d}-{month:02d}",
        prev_month=prev_month,
        next_month=next_month,
    )


@bp.route("/calendar.ics")
@requires("check_in")
def my_calendar() -> Response:
    """Download my shifts of a month (``?month=YYYY-MM``, default this month) as iCalendar."""
    session = db_session()
    user = current_user()
    assert user is not None
    today = checkin_now().astimezone(display_zone()).date()
    year, month = _month(request.args.get("month"), today)
    days = month_days(year, month)
    plans = published_plans(current_app, session)
    shifts = my_shifts(plans, my_groups(session, user), days[0], days[-1])
    body = month_calendar(shifts, current_lang())
    name = f"my-shifts-{year:04d}-{month:02d}.ics"
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
