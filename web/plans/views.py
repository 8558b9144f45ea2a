"""Plan pages: the list, a plan's roster calendar, route, coverage and print views, downloads."""

from __future__ import annotations

import io
import threading
import zipfile
from collections import OrderedDict, defaultdict
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from sqlalchemy import select

from planner.plan.times import clock, window
from web.accounts.auth import current_user, requires, route_groups
from web.db import Plan, db_session
from web.districts.views import district_names
from web.formatting import name_list
from web.i18n import current_lang, translate
from web.maps import category_style, coverage_page, route_page
from web.maps.routes import ROUTE_COLOUR
from web.maps.sketch import route_sketch
from web.place_names import place_names
from web.plans.store import get_district, plan_dir, ready_plan_or_404
from web.views_common import map_prefix, unit_name

if TYPE_CHECKING:
    from pathlib import Path

    from planner.plan.document import PlanDocument, Route

bp = Blueprint("plans", __name__, url_prefix="/plans")

DOWNLOADS: dict[str, tuple[str, str]] = {
    "plan.json": ("dl_plan_json", "application/json"),
    "roster.csv": ("dl_roster_csv", "text/csv"),
    "roster.xlsx": (
        "dl_roster_xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "routes.geojson": ("dl_routes_geojson", "application/geo+json"),
    "coverage.csv": ("dl_coverage_csv", "text/csv"),
    "calendar.zip": ("dl_calendar_zip", "application/zip"),
    "gpx.zip": ("dl_gpx_zip", "application/zip"),
    "route_sheets.pdf": ("dl_route_sheets_pdf", "application/pdf"),
}
"""Files offered for a plan: name -> (catalogue key, media type)."""

_export_lock = threading.Lock()

MAP_CACHE_SIZE = 64
"""Route map pages kept in memory (each some hundred kB)."""

_map_cache: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_map_lock = threading.Lock()


def _name(zh: str, en: str) -> str:
    if current_lang() == "zh":
        return zh or en
    return en or zh


def calendar_rows(doc: PlanDocument) -> dict[str, Any]:
    """Return the roster calendar as rows of cells: groups x days, nights, leave, holidays."""
    roster = doc.roster
    days = [d.isoformat() for d in doc.dates()]
    holidays = {h.date: h.name for h in roster.holidays}
    leave: dict[tuple[str, str], list[str]] = defaultdict(list)
    members = {m.id: m.name for g in roster.groups for m in g.members}
    for item in roster.leave:
        who = members.get(item.member_id or "", "") if item.member_id else translate("whole_group")
        leave[(item.group_id, item.date)].append(who)
    routes = {(r.group_id, r.date, r.shift_id): r.id for r in visible_routes(doc)}
    rows = []
    for group in roster.groups:
        cells = []
        for i, day in enumerate(days):
            shift_id = (
                roster.schedule.get(group.id, ())[i]
                if i < len(roster.schedule.get(group.id, ()))
                else None
            )
            shift = roster.shift(shift_id) if shift_id else None
            cells.append(
                {
                    "shift": _name(shift.name_zh, shift.name) if shift else "",
                    "hours": shift.hours_label() if shift else "",
                    "night": bool(shift and shift.night),
                    "leave": leave.get((group.id, day), []),
                    "route": routes.get((group.id, day, shift_id)) if shift_id else None,
                }
            )
        rows.append(
            {
                "group": _name(group.name_zh, group.name),
                "members": ", ".join(m.name for m in group.members),
                "cells": cells,
            }
        )
    fairness = [
        {
            "group": _name(roster.group(f.group_id).name_zh, roster.group(f.group_id).name),
            "shifts": f.shifts,
            "nights": f.nights,
            "weekends": f.weekends,
            "holidays": f.holidays,
        }
        for f in roster.fairness
    ]
    return {"days": days, "holidays": holidays, "rows": rows, "fairness": fairness}


def visible_routes(doc: PlanDocument) -> list[Route]:
    """Return the routes of the plan that the signed-in user may see (members: their groups)."""
    groups = route_groups()
    return [r for r in doc.routes if groups is None or r.group_id in groups]


def route_rows(doc: PlanDocument) -> list[dict[str, Any]]:
    """Return one summary row per route the user may see, in the plan's order."""
    out = []
    for route in visible_routes(doc):
        group = doc.roster.owner(route)
        shift = doc.roster.shift(route.shift_id)
        out.append(
            {
                "id": route.id,
                "group": _name(group.name_zh, group.name),
                "unit": unit_name(route),
                "walk": route.unit_kind == "grid",
                "crew": name_list(doc.roster.member_name(m) for m in route.members),
                "vehicles": name_list(route.vehicles),
                "date": route.date,
                "shift": _name(shift.name_zh, shift.name),
                "night": shift.night,
                "mode": translate(f"mode_{route.mode}"),
                "stops": sum(1 for s in route.stops if s.kind != "base"),
                "distance_km": f"{route.distance_m / 1000:.1f}",
            }
        )
    return out


def stop_rows(route: Route) -> list[dict[str, Any]]:
    """Return the stop table of a route: label, place, category, window, arrival, dwell, check."""
    lang = current_lang()
    rows = []
    for label, stop in zip(route.stop_labels(), route.stops, strict=True):
        rows.append(
            {
                "label": label,
                "name": stop.display_name if lang == "zh" else (stop.name_en or stop.display_name),
                "category": (
                    translate("base")
                    if stop.kind == "base"
                    else category_style(stop.category).name(lang)
                ),
                "window": ", ".join(window(a, b) for a, b in stop.windows),
                "arrival": clock(stop.arrival),
                "dwell": stop.dwell // 60,
                "check": (stop.check_zh or stop.check) if lang == "zh" else stop.check,
            }
        )
    return rows


def _route_or_404(doc: PlanDocument, route_id: str) -> Route:
    """Return the route ``route_id``; 404 when there is none, 403 when it is not the user's."""
    for route in doc.routes:
        if route.id == route_id:
            groups = route_groups()
            if groups is not None and route.group_id not in groups:
                abort(403)
            return route
    abort(404)


@bp.route("/")
@requires("view_plans")
def plan_list() -> Any:
    """All plans, newest first, with status and who made them."""
    from web.plans.in_force import may_see

    rows = db_session().scalars(select(Plan).order_by(Plan.created_at.desc(), Plan.id.desc()))
    user = current_user()
    plans = [p for p in rows if may_see(p, user)]
    return render_template("plans.html", plans=plans, district_names=plan_district_names(plans))


def plan_district_names(plans: list[Plan]) -> dict[str, str]:
    """Return district id -> name for the plans listed.

    Districts of this app are named as the district pages name them; a plan of a district
    the app no longer has is named by its own document, else by the id.
    """
    from web.plans.store import load_document

    names = district_names(current_app)
    for row in plans:
        ident = row.district
        if ident in names or row.status != "ready" or not row.path:
            continue
        try:
            info = load_document(current_app, row).district
        except (OSError, ValueError):  # a missing or unreadable plan file: the id stays
            continue
        names[ident] = _name(info.name_zh, info.name) or ident
    return names


def quality_rows(doc: PlanDocument) -> list[dict[str, str]]:
    """Return the plan's quality summary as label and value per figure (page language)."""
    if doc.quality is None:
        return []
    rows = []
    for f in doc.quality.figures:
        if f.key.startswith("vehicles_peak_"):
            mode = translate(f"mode_{f.key.removeprefix('vehicles_peak_')}")
            label = translate("q_vehicles_peak", mode=mode)
            value = translate("q_of_pool", n=f"{f.value:g}", pool=f"{f.of or 0:g}")
        elif "share" in f.key:
            label, value = translate(f"q_{f.key}"), f"{f.value:.0%}"
        elif f.of:
            label = translate(f"q_{f.key}")
            value = translate(
                "q_of", n=f"{f.value:g}", total=f"{f.of:g}", pct=f"{f.value / f.of:.0%}"
            )
        else:
            label, value = translate(f"q_{f.key}"), f"{f.value:g}"
        rows.append({"label": label, "value": value})
    return rows


def leave_rows(doc: PlanDocument) -> list[dict[str, str]]:
    """Return the roster's leave as date, group name, member name (or "whole group"), reason."""
    groups = {g.id: _name(g.name_zh, g.name) for g in doc.roster.groups}
    members = {m.id: m.name for g in doc.roster.groups for m in g.members}
    return [
        {
            "date": item.date,
            "group": groups.get(item.group_id, item.group_id),
            "who": (
                members.get(item.member_id, item.member_id)
                if item.member_id
                else translate("whole_group")
            ),
            "reason": item.reason or "",
        }
        for item in doc.roster.leave
    ]


def solver_summary(doc: PlanDocument) -> str:
    """Return the solver stages in one sentence: how many, whether all found a plan, seconds."""
    stages = list(doc.stages)
    found = sum(1 for s in stages if str(s.status).lower() in ("optimal", "feasible"))
    seconds = sum(s.runtime or 0.0 for s in stages)
    return translate("solver_summary", n=len(stages), found=found, seconds=f"{seconds:.1f}")


@bp.route("/<int:plan_id>")
@requires("view_plans")
def plan_detail(plan_id: int) -> Any:
    """Show a plan: roster calendar, fairness, routes, quality, stages, validation, downloads."""
    row, doc = ready_plan_or_404(plan_id)
    return render_template(
        "plan.html",
        plan=row,
        doc=doc,
        cal=calendar_rows(doc),
        routes=route_rows(doc),
        quality=quality_rows(doc),
        leave=leave_rows(doc),
        solver=solver_summary(doc),
        downloads=[(name, translate(key)) for name, (key, _m) in DOWNLOADS.items()],
    )


@bp.route("/<int:plan_id>/routes/<route_id>")
@requires("view_routes")
def route_view(plan_id: int, route_id: str) -> Any:
    """One group-shift's route: its map and its stop table."""
    row, doc = ready_plan_or_404(plan_id)
    route = _route_or_404(doc, route_id)
    info = next(r for r in route_rows(doc) if r["id"] == route_id)
    return render_template(
        "route.html", plan=row, doc=doc, route=route, info=info, stops=stop_rows(route)
    )


@bp.route("/<int:plan_id>/routes/<route_id>/map")
@requires("view_routes")
def route_map_frame(plan_id: int, route_id: str) -> Response:
    """Return the route's map as a full Folium page, shown in the route view's frame.

    Pages are kept (the last :data:`MAP_CACHE_SIZE`) per plan file version, route and language.
    """
    row, doc = ready_plan_or_404(plan_id)
    route = _route_or_404(doc, route_id)
    path = row.plan_file(current_app.instance_path)
    key = (str(path), path.stat().st_mtime, route_id, current_lang(), request.script_root)
    with _map_lock:
        page = _map_cache.get(key)
        if page is not None:
            _map_cache.move_to_end(key)
    if page is None:
        streets = get_district(current_app).streets
        page = route_page(doc, route, streets, current_lang(), prefix=map_prefix())
        with _map_lock:
            _map_cache[key] = page
            while len(_map_cache) > MAP_CACHE_SIZE:
                _map_cache.popitem(last=False)
    return Response(page, mimetype="text/html")


@bp.route("/<int:plan_id>/coverage")
@requires("view_coverage")
def coverage_view(plan_id: int) -> Any:
    """Coverage per key area and per grid over the horizon, blind spots listed first."""
    row, doc = ready_plan_or_404(plan_id)
    district = get_district(current_app)
    names = place_names(district)

    def rows(level: str) -> list[dict[str, Any]]:
        out = []
        for c in doc.coverage:
            if c.level != level:
                continue
            share = c.planned_minutes / c.needed_minutes if c.needed_minutes else None
            out.append(
                {
                    "id": c.id,
                    "name": c.name or names.get(c.id, c.id),
                    "needed": c.needed_minutes,
                    "planned": c.planned_minutes,
                    "visits": c.planned_visits,
                    "share": "" if share is None else f"{min(share, 9.99):.0%}",
                    "camera": "" if c.camera_share is None else f"{c.camera_share:.0%}",
                    "blind": c.needed_minutes > 0 and c.planned_visits == 0,
                }
            )
        out.sort(key=lambda r: (not r["blind"], r["id"]))
        return out

    areas, grids = rows("area"), rows("grid")
    blind = [r for r in areas + grids if r["blind"]]
    from web.plans.coverage_reasons import REACH_M, blind_reasons

    keys = [("area", r["id"]) for r in areas if r["blind"]]
    keys += [("grid", r["id"]) for r in grids if r["blind"]]
    why = blind_reasons(doc, district, keys)
    for r in blind:
        r["reason"] = translate("why_" + why.of.get(r["id"], "capacity"))
    why_sentence = (
        translate(
            "why_uncovered",
            n=len(blind),
            hours=why.count("hours"),
            reach=why.count("reach"),
            capacity=why.count("capacity"),
            metres=f"{REACH_M:g}",
        )
        if blind
        else ""
    )
    inspections = [
        {
            "name": c.name,
            "id": c.id.removeprefix("insp:"),
            "minutes": c.planned_minutes,
            "status": translate("insp_done" if c.planned_visits else "insp_due"),
            "done": bool(c.planned_visits),
        }
        for c in doc.coverage
        if c.level == "inspection"
    ]
    inspections.sort(key=lambda r: (r["done"], r["id"]))
    return render_template(
        "coverage.html",
        plan=row,
        doc=doc,
        areas=areas,
        grids=grids,
        blind=blind,
        why_uncovered=why_sentence,
        inspections=inspections,
    )


@bp.route("/<int:plan_id>/coverage/map")
@requires("view_coverage")
def coverage_map_frame(plan_id: int) -> Response:
    """Return the coverage map (grids by share, blind spots) as a full Folium page."""
    _row, doc = ready_plan_or_404(plan_id)
    page = coverage_page(doc, get_district(current_app), lang=current_lang(), prefix=map_prefix())
    return Response(page, mimetype="text/html")


def _shift_label(doc: PlanDocument, shift_id: str | None) -> str:
    if not shift_id:
        return translate("off")
    shift = doc.roster.shift(shift_id)
    return _name(shift.name_zh, shift.name)


def compare_docs(a: PlanDocument, b: PlanDocument) -> dict[str, Any]:
    """Return what changed from plan ``a`` to plan ``b``: roster cells, routes and coverage."""
    days_a = {d.isoformat(): i for i, d in enumerate(a.dates())}
    days_b = {d.isoformat(): i for i, d in enumerate(b.dates())}
    groups = {g.id: _name(g.name_zh, g.name) for g in (*a.roster.groups, *b.roster.groups)}
    roster = []
    for gid, gname in groups.items():
        for day in sorted(set(days_a) | set(days_b)):
            sa = a.roster.schedule.get(gid, ())
            sb = b.roster.schedule.get(gid, ())
            ia, ib = days_a.get(day), days_b.get(day)
            before = _shift_label(a, sa[ia]) if ia is not None and ia < len(sa) else "—"
            after = _shift_label(b, sb[ib]) if ib is not None and ib < len(sb) else "—"
            if before != after:
                roster.append({"group": gname, "date": day, "before": before, "after": after})
    ra = {r.id: r for r in a.routes}
    rb = {r.id: r for r in b.routes}
    routes = []
    for rid in sorted(set(ra) | set(rb)):
        x, y = ra.get(rid), rb.get(rid)
        routes.append(
            {
                "id": rid,
                "stops_before": "—" if x is None else sum(s.kind != "base" for s in x.stops),
                "stops_after": "—" if y is None else sum(s.kind != "base" for s in y.stops),
                "km_before": "—" if x is None else f"{x.distance_m / 1000:.1f}",
                "km_after": "—" if y is None else f"{y.distance_m / 1000:.1f}",
            }
        )
    ca = {(c.level, c.id): c for c in a.coverage}
    cb = {(c.level, c.id): c for c in b.coverage}
    coverage: list[dict[str, Any]] = []
    for key in sorted(set(ca) | set(cb)):
        old, new = ca.get(key), cb.get(key)
        minutes_before = old.planned_minutes if old else 0
        minutes_after = new.planned_minutes if new else 0
        either = new or old
        coverage.append(
            {
                "level": translate("grids" if key[0] == "grid" else "areas"),
                "id": key[1],
                "name": either.name if either else key[1],
                "needed": either.needed_minutes if either else 0,
                "before": minutes_before,
                "after": minutes_after,
                "change": minutes_after - minutes_before,
            }
        )
    coverage.sort(key=lambda r: (-abs(r["change"]), r["id"]))

    def blind(doc: PlanDocument) -> int:
        return sum(1 for c in doc.coverage if c.needed_minutes > 0 and c.planned_visits == 0)

    summary = {
        "planned": (
            sum(c.planned_minutes for c in a.coverage if c.level == "area"),
            sum(c.planned_minutes for c in b.coverage if c.level == "area"),
        ),
        "blind": (blind(a), blind(b)),
    }
    return {"roster": roster, "routes": routes, "coverage": coverage, "summary": summary}


@bp.route("/compare")
@requires("view_coverage")
def compare_view() -> Any:
    """Compare two ready plans chosen with ``?a=ID&b=ID`` (a form picks them).

    Without a choice the two newest ready plans are compared, the older one as "before".
    """
    session = db_session()
    ready = session.scalars(select(Plan).where(Plan.status == "ready").order_by(Plan.id)).all()
    a_id, b_id = request.args.get("a", ""), request.args.get("b", "")
    if not a_id and not b_id and len(ready) >= 2:  # the two newest: the older one first
        a_id, b_id = str(ready[-2].id), str(ready[-1].id)
    context: dict[str, Any] = {"plans": ready, "a_id": a_id, "b_id": b_id, "error": None}
    if not a_id and not b_id:
        return render_template("compare.html", **context)
    ids = {p.id: p for p in ready}
    a: Plan | None
    b: Plan | None
    try:
        a, b = ids[int(a_id)], ids[int(b_id)]
    except (KeyError, ValueError):
        a = b = None
    if a is not None and b is not None and a.id == b.id:
        context["error"] = translate("compare_same", plan=f"#{a.id} {a.title}")
        return render_template("compare.html", **context), 400
    if a is None or b is None:
        context["error"] = translate("compare_bad")
        return render_template("compare.html", **context), 400
    _ra, doc_a = ready_plan_or_404(a.id)
    _rb, doc_b = ready_plan_or_404(b.id)
    context.update(plan_a=a, plan_b=b, diff=compare_docs(doc_a, doc_b))
    return render_template("compare.html", **context)


@bp.route("/<int:plan_id>/print")
@requires("view_routes")
def print_view(plan_id: int) -> Any:
    """Show the plan for paper: the roster, one A4 page per unit-shift, then the walks.

    Each unit-shift's page holds its route sketch, stop table and check-in codes (print
    stylesheet); the grid members' and volunteers' walks follow, several to a page.
    """
    row, doc = ready_plan_or_404(plan_id)
    from markupsafe import Markup

    routes: list[tuple[dict[str, Any], list[dict[str, Any]], Markup | None]] = []
    walks: list[tuple[dict[str, Any], list[dict[str, Any]], Markup | None]] = []
    for info, route in zip(route_rows(doc), visible_routes(doc), strict=True):
        sketch = Markup(route_sketch(route, colour=ROUTE_COLOUR, title=info["id"]))
        # Grid members' and volunteers' walks are short (often one gate post): several share
        # a page, a sketch only where there is a way to draw.
        (walks if info["walk"] else routes).append(
            (info, stop_rows(route), sketch if info["stops"] > 1 else None)
        )
    return render_template(
        "print.html", plan=row, doc=doc, cal=calendar_rows(doc), routes=routes, walks=walks
    )


def _zip_folder(folder: Path) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    buffer.seek(0)
    return buffer


def _exports(plan_id: int, doc: PlanDocument, name: str) -> Path:
    """Return the export file ``name`` of a plan, writing the plan's exports once."""
    out = plan_dir(current_app, plan_id) / "exports"
    with _export_lock:
        if name == "route_sheets.pdf":
            from web.checkin.records import checkin_urls, urls_digest

            # The sheets print the check-in links: one file per address and signing key.
            urls = checkin_urls(current_app, plan_id, doc)
            path = out / f"route_sheets-{urls_digest(urls)}.pdf"
            if not path.is_file():
                from web.plans.printing import write_route_sheets

                out.mkdir(parents=True, exist_ok=True)
                streets = get_district(current_app).streets
                write_route_sheets(doc, path, streets=streets, checkin_urls=urls)
            return path
        if not (out / "roster.csv").is_file():
            from planner.plan.exports import write_exports

            write_exports(doc, out)
    return out / name


@bp.route("/<int:plan_id>/download/<name>")
@requires("download")
def download(plan_id: int, name: str) -> Any:
    """Download plan.json, a data export or the route sheets PDF of a plan."""
    if name not in DOWNLOADS:
        abort(404)
    row, doc = ready_plan_or_404(plan_id)
    media = DOWNLOADS[name][1]
    stem = f"plan-{row.id}-"
    if name == "plan.json":
        path = row.plan_file(current_app.instance_path)
    elif name in ("calendar.zip", "gpx.zip"):
        _exports(plan_id, doc, "roster.csv")
        folder = plan_dir(current_app, plan_id) / "exports" / name.removesuffix(".zip")
        return send_file(
            _zip_folder(folder), mimetype=media, as_attachment=True, download_name=stem + name
        )
    else:
        if name == "route_sheets.pdf" and not doc.routes:
            abort(404)
        path = _exports(plan_id, doc, name)
    return send_file(path, mimetype=media, as_attachment=True, download_name=stem + name)
