"""What the planning form proposes: next Monday, a week, the full time budget of that week.

The time budget is the default split of :class:`planner.patrol.request.TimeBudget` (the roster
stage plus one routing solve per shift) for the week's shifts of the working rules, so a job
made with the form's values solves as long as ``patrol plan`` does by default. The re-plan
queued from the teams and rules pages keeps the time limit of the newest plan's job (that of
a plan with no job: the same full budget), and the form says which it is.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from planner.patrol.request import TimeBudget
from web.db import Plan, db_session
from web.formatting import display_zone

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_DAYS = 7
"""Days the form proposes (a week)."""

FALLBACK_SHIFTS_PER_DAY = 2
"""Shifts a day when the working rules cannot be read (day and night)."""


def next_monday(today: dt.date) -> dt.date:
    """Return the Monday after ``today`` (a week on when ``today`` is a Monday)."""
    return today + dt.timedelta(days=7 - today.weekday())


def today_here() -> dt.date:
    """Return today's date in the app's time zone (the district's)."""
    return dt.datetime.now(dt.UTC).astimezone(display_zone()).date()


def shifts_per_day(app: Flask) -> int:
    """Return the number of shift templates of the working rules (at least 1)."""
    from web.teams.store import rules_data

    try:
        shifts = rules_data(app).get("shifts") or []
    except (OSError, ValueError):  # the form still opens when the rules cannot be read
        return FALLBACK_SHIFTS_PER_DAY
    return max(len(shifts), 1)


def full_time_limit(app: Flask, days: int = DEFAULT_DAYS) -> tuple[float, TimeBudget, int]:
    """Return the default budget's seconds for ``days`` days, the budget and its shifts."""
    shifts = days * shifts_per_day(app)
    budget = TimeBudget()
    return round(budget.total(shifts), 1), budget, shifts


def replan_time_limit(app: Flask) -> float:
    """Return the seconds a re-plan from the teams pages solves for.

    The time limit of the newest plan made by a job (not failed or cancelled), else the full
    budget of a week.
    """
    rows = db_session().scalars(
        select(Plan)
        .where(Plan.status.not_in(("failed", "cancelled")))
        .order_by(Plan.id.desc())
        .limit(20)
    )
    for plan in rows:
        if plan.job is None:
            continue
        try:
            value = float(json.loads(plan.job.params).get("time_limit"))
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return full_time_limit(app)[0]


def default_job_form(app: Flask, today: dt.date | None = None) -> dict[str, Any]:
    """Return the planning form's values: next Monday, :data:`DEFAULT_DAYS`, the full budget."""
    seconds, _budget, _shifts = full_time_limit(app)
    start = next_monday(today or today_here())
    return {
        "title": "",
        "start": start.isoformat(),
        "days": str(DEFAULT_DAYS),
        "seed": "0",
        "time_limit": f"{seconds:g}",
        "shortfall": "",
    }
