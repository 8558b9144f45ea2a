"""Pages of checkpoint sign-in: the phone check-in page behind each QR code, and the ledger."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from planner.plan.times import clock, date_time, time_of_day, window
from web.accounts.auth import current_user, requires
from web.checkin.records import (
    ACCURACY_CAP_M,
    RADIUS_M,
    CheckInError,
    check_in,
    checkin_url,
    find_checkpoint,
    ledger,
    may_sign_in,
    public_base,
    route_tokens,
    shortfall,
)
from web.checkin.records import now as checkin_now
from web.db import CheckIn, Plan, User, db_session
from web.i18n import current_lang, translate
from web.maps import LedgerMarker, ledger_page
from web.plans.store import get_district, load_document, ready_plan_or_404
from web.views_common import map_prefix, register_nav

if TYPE_CHECKING:
    from datetime import datetime

    from planner.plan.document import PlanDocument, Route, Stop
    from web.checkin.records import Checkpoint, Ledger, LedgerRow

bp = Blueprint("checkin", __name__)

STATUS_CODES = {"not_allowed": 403, "not_on_route": 403, "already": 409}
"""HTTP status of a refused check-in by reason; other reasons answer 400."""

register_nav("checkin.ledger_index", "nav_ledger", "view_ledger", 40)


def _name(zh: str, en: str) -> str:
    return (zh or en) if current_lang() == "zh" else (en or zh)


def _stop_name(stop: Stop) -> str:
    return _name(stop.display_name, stop.name_en)


def _refusal(exc: CheckInError, doc: PlanDocument | None = None) -> str:
    """Return the page's sentence for a refused check-in, in the page's language."""
    values = dict(exc.values)
    if exc.reason == "not_on_route" and doc is not None:
        try:
            group = doc.roster.group(str(values.get("group")))
            values["group"] = _name(group.name_zh, group.name)
        except KeyError:
            pass
    try:
        return translate(f"ci_err_{exc.reason}", **values)
    except KeyError:
        return str(exc)


def _local(moment: datetime | None, tz: str) -> str:
    return date_time(moment, current_lang(), tz)


def _checkpoint_info(point: Checkpoint, doc: PlanDocument) -> dict[str, Any]:
    """Return what the check-in page shows of a checkpoint."""
    route, stop = point.route, point.stop
    group = doc.roster.owner(route)
    shift = doc.roster.shift(route.shift_id)
    label = (
        translate("ci_base_label")
        if point.label == "B"
        else translate("ci_stop_label", label=point.label)
    )
    return {
        "label": label,
        "name": _stop_name(stop),
        "route": f"{_name(group.name_zh, group.name)} · {route.date} · "
        f"{_name(shift.name_zh, shift.name)}",
        "planned": clock(stop.arrival),
        "window": ", ".join(window(a, b) for a, b in stop.windows),
        "due": time_of_day(point.due),
        "check": (stop.check_zh or stop.check) if current_lang() == "zh" else stop.check,
    }


def _number(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return math.nan


@bp.route("/c/<token>", methods=["GET", "POST"])
@requires("check_in")
def check_in_page(token: str) -> Any:
    """Show the phone page behind a checkpoint's QR code; on POST, record the sign-in.

    The page asks the phone for its position (``navigator.geolocation``) and posts it with the
    CSRF token; without scripts, the position can be typed in. The optional ``plan`` field (or
    query argument) names the plan the page was opened for: a code of another plan is refused.
    """
    session = db_session()
    user = current_user()
    assert user is not None  # requires() has checked
    context: dict[str, Any] = {
        "token": token,
        "point": None,
        "info": None,
        "error": None,
        "record": None,
        "done_before": None,
        "radius": round(RADIUS_M),
        "cap": round(RADIUS_M + ACCURACY_CAP_M),
    }
    plan_text = request.values.get("plan", "")
    plan_id = int(plan_text) if plan_text.isdigit() else None
    doc = None
    status = 200
    try:
        point, row = find_checkpoint(current_app, session, token, plan_id=plan_id)
        doc = load_document(current_app, row)
        context.update(point=point, plan=row, info=_checkpoint_info(point, doc))
        if request.method == "POST":
            context["record"] = check_in(
                current_app,
                session,
                token,
                lon=_number(request.form.get("lon")),  # type: ignore[arg-type]
                lat=_number(request.form.get("lat")),  # type: ignore[arg-type]
                accuracy_m=_number(request.form.get("accuracy")),
                user=user,
                plan_id=plan_id,
            )
        else:
            may_sign_in(session, user, point.route)
            context["done_before"] = session.scalars(
                select(CheckIn)
                .where(
                    CheckIn.plan_id == point.plan_id,
                    CheckIn.stop == point.stop_key,
                    CheckIn.user_id == user.id,
                )
                .limit(1)
            ).first()
    except CheckInError as exc:
        context["error"] = _refusal(exc, doc)
        context["reason"] = exc.reason
        if exc.reason == "superseded":
            from web.plans.in_force import replacement

            old = session.get(Plan, int(exc.values["plan"]))
            context["current_plan"] = replacement(session, old) if old is not None else None
        status = STATUS_CODES.get(exc.reason, 400)
    if context["record"] is not None and doc is not None:
        rec = context["record"]
        context["record_time"] = _local(rec.at, doc.district.time_zone)
    if context["done_before"] is not None and doc is not None:
        context["done_time"] = _local(context["done_before"].at, doc.district.time_zone)
    return render_template("checkin.html", **context), status


# --------------------------------------------------------------------------------------------
# The print view's QR codes
# --------------------------------------------------------------------------------------------


QR_MASK = 2
"""The QR mask pattern of the print view's codes: a fixed one spares scoring all eight (about
three times faster per code, which counts with a code per stop); every reader reads any."""


@functools.lru_cache(maxsize=8192)
def qr_svg(url: str, title: str) -> str:
    """Return the QR code of ``url`` as inline SVG (segno, error correction M) titled ``title``.

    Codes are kept (the tokens are stable), so printing a plan again costs nothing.
    """
    import segno

    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    return str(code.svg_inline(scale=2, border=2, title=title))


def checkin_codes(plan_id: int, doc: PlanDocument, route_id: str) -> list[dict[str, Any]]:
    """Return the check-in QR code of each stop of a route, for the HTML print view.

    Each item has the stop's printed ``label``, ``name``, planned ``arrival``, the check-in
    ``url`` and ``svg``, the QR code as inline SVG (:func:`qr_svg`).
    """
    route: Route | None = next((r for r in doc.routes if r.id == route_id), None)
    if route is None:
        return []
    base = public_base(current_app)
    tokens = route_tokens(current_app, plan_id, doc, route)
    out = []
    for k, (label, stop) in enumerate(zip(route.stop_labels(), route.stops, strict=True)):
        token = tokens.get(f"{route.id}/{k}")
        if token is None:
            continue
        url = checkin_url(base, token)
        svg = qr_svg(url, f"{label} {stop.display_name}")
        out.append(
            {
                "label": label,
                "name": _stop_name(stop),
                "arrival": clock(stop.arrival),
                "url": url,
                "svg": Markup(svg),  # segno's own markup; it escapes the title
            }
        )
    return out


@bp.app_template_global("checkin_codes")
def _checkin_codes_global(plan_id: int, doc: PlanDocument, route_id: str) -> list[dict[str, Any]]:
    """Offer :func:`checkin_codes` to templates (the print view)."""
    return checkin_codes(plan_id, doc, route_id)


# --------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------


def _row_view(row: LedgerRow) -> dict[str, Any]:
    share = row.share
    return {
        "name": _name(row.name, row.name_en),
        "key": row.key,
        "planned": row.planned,
        "done": row.done,
        "late": row.late,
        "missed": row.missed,
        "pending": row.pending,
        "share": "" if share is None else f"{share:.0%}",
        "bad": row.missed > 0,
    }


def _visits_view(book: Ledger, doc: PlanDocument, users: dict[int, str]) -> dict[str, list]:
    tz = doc.district.time_zone
    groups = {g.id: _name(g.name_zh, g.name) for g in doc.roster.groups}

    def view(v: Any) -> dict[str, Any]:
        return {
            "route": v.route_id,
            "group": groups.get(v.group_id, v.group_id),
            "day": v.day,
            "label": v.label,
            "name": _name(v.name, v.name_en),
            "planned": _local(v.planned, tz),
            "due": _local(v.due, tz),
            "checked_at": _local(v.checked_at, tz),
            "late": f"{v.late_minutes:.0f}",
            "who": ", ".join(users.get(u, str(u)) for u in v.users),
        }

    return {"late": [view(v) for v in book.late], "missed": [view(v) for v in book.missed]}


@bp.route("/ledger")
@requires("view_ledger")
def ledger_index() -> Any:
    """List the plans whose check-in ledger can be opened, newest first."""
    rows = db_session().scalars(
        select(Plan).where(Plan.status == "ready").order_by(Plan.created_at.desc(), Plan.id.desc())
    )
    return render_template("ledger_index.html", plans=list(rows))


@bp.route("/plans/<int:plan_id>/ledger")
@requires("view_ledger")
def ledger_view(plan_id: int) -> Any:
    """Planned against actual check-ins of a plan: per place, group and day; late and missed."""
    row, doc = ready_plan_or_404(plan_id)
    session = db_session()
    book = ledger(session, plan_id, doc)
    ids = {u for v in book.visits for u in v.users}
    users = (
        {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    )
    boost = shortfall(session, plan_id, doc)
    names = {r.key: _name(r.name, r.name_en) for r in book.by_area}
    return render_template(
        "ledger.html",
        plan=row,
        doc=doc,
        total=_row_view(book.total),
        by_area=[_row_view(r) for r in book.by_area],
        by_group=[_row_view(r) for r in book.by_group],
        by_day=[_row_view(r) for r in book.by_day],
        as_of=_local(checkin_now(), doc.district.time_zone),
        boost=[(area, names.get(area, area), factor) for area, factor in boost.items()],
        **_visits_view(book, doc, users),
    )


@bp.route("/plans/<int:plan_id>/ledger/map")
@requires("view_ledger")
def ledger_map_frame(plan_id: int) -> Response:
    """Return a map of the plan's checkpoints coloured by check-in (missed ones on top)."""
    _row, doc = ready_plan_or_404(plan_id)
    book = ledger(db_session(), plan_id, doc)
    tz = doc.district.time_zone
    markers = [
        LedgerMarker(
            lon=v.lon,
            lat=v.lat,
            status=v.status,
            text=(
                f"{v.route_id} · {v.label} · {_name(v.name, v.name_en)} · "
                f"{translate('ledger_map_' + ('done' if v.status == 'done' else v.status))} · "
                f"{_local(v.planned, tz)}"
            ),
        )
        for v in book.visits
    ]
    page = ledger_page(
        markers,
        get_district(current_app).streets,
        attribution=doc.district.attribution,
        lang=current_lang(),
        prefix=map_prefix(),
    )
    return Response(page, mimetype="text/html")
