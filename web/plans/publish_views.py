"""Publishing a plan as the one in force, and the line on every page that names it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, url_for

from web.accounts.auth import current_user, requires
from web.db import Plan, db_session
from web.formatting import date_long, date_time, display_zone, name_list
from web.i18n import translate
from web.plans.in_force import PublishError, in_force, publish, replacement

if TYPE_CHECKING:
    from datetime import date

    from flask import Flask

bp = Blueprint("publish", __name__, url_prefix="/plans")


def today() -> date:
    """Return today's date in the district's time zone (the clock of web.checkin.records)."""
    from web.checkin.records import now

    return now().astimezone(display_zone()).date()


@bp.route("/<int:plan_id>/publish", methods=["POST"])
@requires("publish_plans")
def publish_plan(plan_id: int) -> Any:
    """Publish plan ``plan_id`` as the plan in force for its days; back to the plan's page."""
    session = db_session()
    row = session.get(Plan, plan_id)
    if row is None:
        abort(404)
    try:
        replaced = publish(session, row, current_user())
    except PublishError as exc:
        flash(translate(f"pf_err_{exc.reason}"), "warning")
    else:
        if replaced:
            others = name_list(f"\u201c{p.title}\u201d" for p in replaced)
            flash(translate("pf_published_replacing", title=row.title, others=others), "info")
        else:
            flash(translate("pf_published", title=row.title), "info")
    return redirect(url_for("plans.plan_detail", plan_id=plan_id))


def in_force_line() -> dict[str, Any] | None:
    """Return the text and link of the plan in force today (or the next), for signed-in users."""
    if current_user() is None:
        return None
    found = in_force(db_session(), today())
    if found is None:
        return {"text": translate("pf_banner_none"), "url": None}
    row = found.plan
    key = "pf_banner_today" if found.today else "pf_banner_next"
    text = translate(key, title=row.title, start=date_long(row.start), days=row.days)
    return {"text": text, "url": url_for("plans.plan_detail", plan_id=row.id)}


def state_line(row: Plan) -> dict[str, Any]:
    """Return what a plan's page says of its state: the sentence and the replacing plan."""
    if row.state == "published":
        who = row.published_by.name if row.published_by is not None else translate("system_user")
        at = date_time(row.published_at) if row.published_at is not None else ""
        return {"text": translate("pf_state_line_published", who=who, at=at), "current": None}
    if row.state == "superseded":
        current = replacement(db_session(), row)
        key = "pf_state_line_superseded" if current else "pf_state_line_superseded_none"
        return {"text": translate(key), "current": current}
    return {"text": translate("pf_state_line_draft"), "current": None}


def init_publish(app: Flask) -> None:
    """Register the publish view and offer ``in_force_line`` and ``plan_state`` to templates."""
    app.register_blueprint(bp)
    app.context_processor(lambda: {"in_force_line": in_force_line, "plan_state": state_line})
