"""Calling a group away from a plan: the form's view, which re-plans the rest of that day.

The captain names the group, the time and who may be called in (automatic by default: an
off-duty group within the rest rules, only when no other group is on duty). The re-plan
(:func:`planner.patrol.replan.replan`) is saved as a new draft plan with a copy of the data the
plan was made from; the page says who was called in and why, in its language.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, flash, redirect, request, url_for

from web.accounts.auth import current_user, requires
from web.db import db_session
from web.formatting import date_time, display_zone
from web.i18n import current_lang, translate
from web.plans.store import (
    PLAN_DATA_DIR,
    attach_document,
    new_plan_row,
    plan_dir,
    ready_plan_or_404,
)

if TYPE_CHECKING:
    from planner.plan.document import PlanDocument

bp = Blueprint("call_away", __name__, url_prefix="/plans")

REPLAN_SECONDS = 5.0
"""Seconds of routing for the re-plan of a call-away (the page waits for it)."""

AUTO, NOBODY = "auto", "none"
"""The call-in choices besides a group id (as :mod:`planner.patrol.replan` names them)."""


class CallAwayError(ValueError):
    """A field of the form that cannot be used: the catalogue key and its values."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def read_form(doc: PlanDocument, form: Any) -> tuple[str, datetime, str]:
    """Return the group, the local time and the call-in choice of the form, or refuse it.

    Raises
    ------
    CallAwayError
        For a group the plan does not have, a time that is no date and time or lies outside
        the plan's days, or a call-in that is neither a choice nor another group.
    """
    groups = [g.id for g in doc.roster.groups]
    group = str(form.get("group", "")).strip()
    if group not in groups:
        raise CallAwayError("ca_err_group", value=group)
    text = str(form.get("at", "")).strip().replace("T", " ")
    try:
        at = datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        raise CallAwayError("ca_err_at", value=text) from None
    dates = doc.dates()
    if at.date() not in dates:
        raise CallAwayError("ca_err_days", value=text, first=dates[0], last=dates[-1])
    call_in = str(form.get("call_in", AUTO)).strip() or AUTO
    if call_in not in (AUTO, NOBODY) and (call_in not in groups or call_in == group):
        raise CallAwayError("ca_err_call_in", value=call_in)
    return group, at, call_in


@bp.route("/<int:plan_id>/call-away", methods=["POST"])
@requires("make_plans")
def call_away(plan_id: int) -> Any:
    """Re-plan plan ``plan_id`` with a group called away; show the new draft plan."""
    from planner.patrol.inputs import load_inputs
    from planner.patrol.replan import replan

    row, doc = ready_plan_or_404(plan_id)
    back = redirect(url_for("plans.plan_detail", plan_id=plan_id))
    data = plan_dir(current_app, row.id) / PLAN_DATA_DIR
    try:
        group, at, call_in = read_form(doc, request.form)
        if not (data / "rules.toml").is_file():
            raise CallAwayError("ca_err_no_data")
    except CallAwayError as exc:
        flash(translate(exc.key, **exc.values), "warning")
        return back
    try:
        inputs = load_inputs(str(data))
        new, _changes = replan(doc, inputs, group, at, time_limit=REPLAN_SECONDS, call_in=call_in)
    except ValueError as exc:  # the planner's sentence (in English) on a plan it cannot use
        flash(translate("ca_err_failed", reason=str(exc)), "warning")
        return back
    session = db_session()
    when = date_time(at.replace(tzinfo=display_zone()))  # the form gives the local wall time
    title = translate("ca_new_title", title=row.title, group=group, at=when)
    made = new_plan_row(
        session,
        title=title[:200],
        district=row.district,
        start=new.start,
        days=new.days,
        seed=new.seed,
        status="running",
        user=current_user(),
    )
    shutil.copytree(data, plan_dir(current_app, made.id) / PLAN_DATA_DIR, dirs_exist_ok=True)
    made.data_version = row.data_version
    attach_document(current_app, session, made, new)
    flash(translate("ca_done", group=group, at=when), "info")
    zh = current_lang() == "zh"
    fresh = new.roster.call_ins[len(doc.roster.call_ins) :]
    for call in fresh:
        flash(call.reason_zh if zh else call.reason, "info")
    if not fresh and call_in != NOBODY and not _others_on_duty(doc, group, at):
        flash(translate("ca_nobody", shift=f"{at:%m-%d}"), "warning")
    return redirect(url_for("plans.plan_detail", plan_id=made.id))


def _others_on_duty(doc: PlanDocument, group: str, at: datetime) -> bool:
    """Return whether another group works a shift that day (the re-plan's takers)."""
    d = doc.dates().index(at.date())
    return any(row[d] is not None for g, row in doc.roster.schedule.items() if g != group)


def call_away_choices(doc: PlanDocument) -> dict[str, Any]:
    """Return the form's groups and call-in choices, for the plan page."""
    groups = [g.id for g in doc.roster.groups]
    calls = [(AUTO, translate("ca_call_in_auto")), (NOBODY, translate("ca_call_in_none"))]
    calls += [(g, translate("ca_call_in_group", group=g)) for g in groups]
    return {"groups": groups, "calls": calls, "at": f"{doc.start}T12:00"}


def init_call_away(app: Any) -> None:
    """Register the view and offer ``call_away_choices`` to templates."""
    app.register_blueprint(bp)
    app.context_processor(lambda: {"call_away_choices": call_away_choices})
