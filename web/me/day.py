"""A member's day from the plans in force: my shifts, my units and crews, my next checkpoint.

Everything here reads published plans only (:mod:`web.plans.in_force`): a draft or a
superseded plan is not what a member works to. A user is linked to patrol groups (the users
page), not to a member of a group, so "my unit" is every unit of my groups in that shift.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from web.checkin.records import _due as due_time
from web.checkin.records import is_checkpoint, route_tokens, shift_bounds
from web.db import CheckIn, Plan, UserGroup

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from planner.plan.document import Group, PlanDocument, Route, ShiftTemplate, Stop
    from web.db import User

RECENT_CHECK_INS = 5
"""How many of my last sign-ins the page lists."""


@dataclass(frozen=True, slots=True)
class MyShift:
    """One shift one of my groups works in a published plan.

    Attributes
    ----------
    plan, doc
        The plan row and its document.
    group, shift
        The group and the shift template.
    day
        The day the shift starts on.
    start, end
        Its local start and end (aware, district time zone).
    routes
        The routes of the group's units in this shift (plan order).
    """

    plan: Plan
    doc: PlanDocument
    group: Group
    shift: ShiftTemplate
    day: date
    start: datetime
    end: datetime
    routes: tuple[Route, ...]


@dataclass(frozen=True, slots=True)
class NextCheckpoint:
    """The next checkpoint I have not signed in at, that is not missed yet.

    Attributes
    ----------
    shift, route, index, stop
        Where it is: the shift, the route, the stop's index and the stop.
    label
        The stop's printed number.
    due
        When it turns late (aware).
    token
        Its check-in token (the link behind its QR code).
    """

    shift: MyShift
    route: Route
    index: int
    stop: Stop
    label: str
    due: datetime
    token: str


@dataclass(frozen=True, slots=True)
class MyCheckIn:
    """One of my sign-ins with the local and English names of its checkpoint (from its plan)."""

    record: CheckIn
    name: str
    name_en: str
    plan_title: str


def my_groups(session: Session, user: User) -> list[str]:
    """Return the ids of the patrol groups linked to ``user``, sorted."""
    rows = session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id))
    return sorted(rows)


def published_plans(app: Flask, session: Session) -> list[tuple[Plan, PlanDocument]]:
    """Return the published, ready plans with their documents (files that are missing skipped)."""
    from web.plans.store import load_document

    rows = session.scalars(
        select(Plan)
        .where(Plan.state == "published", Plan.status == "ready")
        .order_by(Plan.start, Plan.id)
    ).all()
    out = []
    for row in rows:
        try:
            out.append((row, load_document(app, row)))
        except (FileNotFoundError, ValueError):
            continue
    return out


def my_shifts(
    plans: list[tuple[Plan, PlanDocument]], groups: list[str], first: date, last: date
) -> list[MyShift]:
    """Return the shifts my groups work from ``first`` to ``last`` (inclusive), by start.

    Parameters
    ----------
    plans
        The published plans and their documents (:func:`published_plans`).
    groups
        My group ids.
    first, last
        The days (the day a shift starts on counts).
    """
    out = []
    for row, doc in plans:
        for i, day in enumerate(doc.dates()):
            if not first <= day <= last:
                continue
            for group in doc.roster.groups:
                if group.id not in groups:
                    continue
                schedule = doc.roster.schedule.get(group.id, ())
                shift_id = schedule[i] if i < len(schedule) else None
                if shift_id is None:
                    continue
                shift = doc.roster.shift(shift_id)
                routes = tuple(
                    r
                    for r in doc.routes
                    if r.group_id == group.id
                    and r.date == day.isoformat()
                    and r.shift_id == shift_id
                )
                tz = ZoneInfo(doc.district.time_zone)
                start = datetime.combine(day, datetime.min.time(), tz) + timedelta(
                    minutes=shift.start_minute
                )
                if routes:
                    start, end = shift_bounds(doc, routes[0])
                else:
                    end = start + timedelta(minutes=shift.duration_minutes)
                out.append(MyShift(row, doc, group, shift, day, start, end, routes))
    out.sort(key=lambda s: (s.start, s.group.id))
    return out


def today_and_next(shifts: list[MyShift], now: datetime) -> tuple[list[MyShift], MyShift | None]:
    """Return the shifts of today (started today or running now) and the next one after them.

    Parameters
    ----------
    shifts
        My shifts, by start (:func:`my_shifts`).
    now
        The moment (aware); "today" is its date in each plan's time zone.
    """
    today = []
    for s in shifts:
        local = now.astimezone(s.start.tzinfo)
        if s.day == local.date() or s.start <= now < s.end:
            today.append(s)
    later = [s for s in shifts if s.start > now and s not in today]
    return today, (later[0] if later else None)


def next_checkpoint(
    app: Flask, session: Session, user: User, shifts: list[MyShift], now: datetime
) -> NextCheckpoint | None:
    """Return my next checkpoint, the first one not signed in at and not yet due past.

    Shifts are searched in order, skipping those that are over.

    Parameters
    ----------
    app, session
        The app (it signs the tokens) and a database session.
    user
        Who I am (my sign-ins are skipped).
    shifts
        My shifts, by start.
    now
        The moment (aware).
    """
    done = {
        (plan_id, stop)
        for plan_id, stop in session.execute(
            select(CheckIn.plan_id, CheckIn.stop).where(CheckIn.user_id == user.id)
        )
    }
    for s in shifts:
        if s.end <= now:
            continue
        for route in s.routes:
            labels = route.stop_labels()
            tokens: dict[str, str] | None = None
            for k, stop in enumerate(route.stops):
                key = f"{route.id}/{k}"
                if not is_checkpoint(stop) or (s.plan.id, key) in done:
                    continue
                due = due_time(s.doc, route, stop)
                if due < now:
                    continue
                if tokens is None:
                    tokens = route_tokens(app, s.plan.id, s.doc, route)
                return NextCheckpoint(s, route, k, stop, labels[k], due, tokens[key])
    return None


def my_check_ins(
    session: Session, user: User, plans: dict[int, PlanDocument], limit: int = RECENT_CHECK_INS
) -> list[MyCheckIn]:
    """Return my last sign-ins, newest first, with their checkpoints' names.

    Parameters
    ----------
    session
        A database session.
    user
        Who I am.
    plans
        Documents of plans by id, for the names (a plan not given shows the site id).
    limit
        How many.
    """
    rows = session.scalars(
        select(CheckIn)
        .where(CheckIn.user_id == user.id)
        .order_by(CheckIn.at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
    out = []
    for rec in rows:
        name, name_en = rec.site, ""
        doc = plans.get(rec.plan_id)
        if doc is not None:
            route_id, _, index = rec.stop.rpartition("/")
            route = next((r for r in doc.routes if r.id == route_id), None)
            if route is not None and index.isdigit() and int(index) < len(route.stops):
                stop = route.stops[int(index)]
                name, name_en = stop.display_name, stop.name_en
        out.append(MyCheckIn(rec, name, name_en, rec.plan.title if rec.plan is not None else ""))
    return out


def month_days(year: int, month: int) -> list[date]:
    """Return every day of a month."""
    count = calendar.monthrange(year, month)[1]
    return [date(year, month, d) for d in range(1, count + 1)]


def parse_month(text: str | None, default: date) -> tuple[int, int]:
    """Return (year, month) of ``YYYY-MM`` text; ``default``'s when the text is empty.

    Raises
    ------
    ValueError
        When the text is not a month ``YYYY-MM`` between 2000 and 2100.
    """
    if not text:
        return default.year, default.month
    head, sep, tail = text.strip().partition("-")
    if not (sep and len(head) == 4 and head.isdigit() and tail.isdigit() and len(tail) <= 2):
        msg = f"The month {text!r} is not of the form YYYY-MM."
        raise ValueError(msg)
    year, month = int(head), int(tail)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        msg = f"The month {text!r} is not of the form YYYY-MM."
        raise ValueError(msg)
    return year, month


def crews(s: MyShift) -> list[tuple[str, list[str]]]:
    """Return the units of a shift with their crews' names: (unit id, names).

    A shift without routes gives the whole group with its members.
    """
    roster = s.doc.roster
    if not s.routes:
        return [(s.group.id, [m.name or m.id for m in s.group.members])]
    everyone = [m.name or m.id for m in s.group.members]
    return [
        (r.unit_label, [roster.member_name(m) for m in r.members] or everyone) for r in s.routes
    ]


def month_calendar(shifts: list[MyShift], lang: str) -> bytes:
    """Return an iCalendar file with one event per shift.

    Parameters
    ----------
    shifts
        The shifts (:func:`my_shifts`).
    lang
        ``"zh"`` or ``"en"``: the language of summaries.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//patrol-planner//my shifts//ZH")
    cal.add("version", "2.0")
    if shifts:
        cal.add("x-wr-timezone", shifts[0].doc.district.time_zone)
    for s in shifts:
        group = (s.group.name_zh or s.group.name) if lang == "zh" else (s.group.name or "")
        shift = (s.shift.name_zh or s.shift.name) if lang == "zh" else s.shift.name
        event = Event()
        event.add(
            "uid", f"{s.plan.id}-{s.group.id}-{s.day.isoformat()}-{s.shift.id}@patrol-planner"
        )
        event.add("dtstamp", datetime.fromisoformat(s.doc.created_at))
        event.add("dtstart", s.start)
        event.add("dtend", s.end)
        event.add("summary", f"{shift} · {group}")
        sep = "、" if lang == "zh" else ", "
        crew = "\n".join(f"{unit}: {sep.join(names)}" for unit, names in crews(s) if names)
        if crew:
            event.add("description", crew)
        event.add("location", s.doc.district.name_zh if lang == "zh" else s.doc.district.name)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
