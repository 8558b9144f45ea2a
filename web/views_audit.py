"""The edit history (audit log): who changed what and when, before and after, with undo."""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

import web.areas.edits
import web.areas.hotspots
import web.areas.incidents  # noqa: F401 (registers the undo of incident imports)
from geodata.errors import InputError
from web.accounts.auth import current_user, has_permission, requires
from web.db import EDIT_KINDS, Edit, Plan, db_session
from web.edit_words import toml_change_rows
from web.i18n import current_lang, translate
from web.maps import category_style
from web.place_names import place_names
from web.views_common import register_nav
from web.workspace import data_version, undo

bp = Blueprint("audit", __name__, url_prefix="/audit")

register_nav("audit.audit_log", "nav_audit", "view_audit", 80)

UNDO_PERMISSION: dict[str, str] = {
    "area": "edit_areas",
    "hotspot": "edit_areas",
    "incidents": "edit_areas",
    "teams": "edit_teams",
    "rules": "edit_teams",
}
"""Kind of edit -> the permission needed to undo it."""

PAGE_SIZE = 100
"""Edits shown per page, newest first."""

MAX_DIFF_LINES = 40
"""Lines of a text file's diff shown per edit."""


def may_undo(kind: str) -> bool:
    """Return whether the signed-in user may undo edits of ``kind``."""
    permission = UNDO_PERMISSION.get(kind)
    return permission is not None and has_permission(permission)


def _short(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


FIELD_TEXTS = {
    "name": "area_name",
    "category": "area_category",
    "priority": "area_priority",
    "windows": "area_windows",
    "dose_minutes": "area_dose",
    "geometry": "area_kind",
    "pin": "hotspot_pin",
    "weight": "hotspot_weight",
    "note": "hotspot_note",
}
"""Catalogue key of each key-area or hotspot field shown in a diff (others show as stored)."""


def _field(key: str) -> str:
    text = FIELD_TEXTS.get(key)
    return translate(text) if text else key


def _value(key: str, value: Any) -> str:
    if key == "category" and isinstance(value, str) and value:
        return category_style(value).name(current_lang())
    if isinstance(value, bool):
        return translate("audit_yes") if value else translate("audit_no")
    return _short(value)


def _geometry_text(geom: dict[str, Any] | None) -> str:
    if not geom:
        return "—"
    if geom.get("type") == "Point":
        lon, lat = geom["coordinates"][:2]
        return translate("audit_point", lon=f"{lon:.6f}", lat=f"{lat:.6f}")
    rings = geom.get("coordinates") or []
    if geom.get("type") == "Polygon":
        return translate("audit_polygon", n=sum(len(r) for r in rings))
    return translate("audit_parts", n=len(rings))


def _feature_rows(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """Return (field, before, after) rows of the fields of a key area that differ."""
    old = (before or {}).get("properties", {}) if before else {}
    new = (after or {}).get("properties", {}) if after else {}
    rows = []
    for key in dict.fromkeys([*old, *new]):
        if key == "id":
            continue
        if before and after and old.get(key) == new.get(key):
            continue
        rows.append(
            (_field(key), _value(key, old.get(key)) if before else "", _value(key, new.get(key)))
        )
    old_geom = (before or {}).get("geometry") if before else None
    new_geom = (after or {}).get("geometry") if after else None
    if old_geom != new_geom:
        rows.append((_field("geometry"), _geometry_text(old_geom), _geometry_text(new_geom)))
    return rows


def _text_rows(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """Return a text file's unified diff as rows ("", removed line, added line)."""
    old = str(before or "").splitlines()
    new = str(after or "").splitlines()
    rows: list[tuple[str, str, str]] = []
    for line in difflib.unified_diff(old, new, lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            if line.startswith("@@"):
                rows.append((line, "", ""))
            continue
        rows.append(("", line[1:], "") if line.startswith("-") else ("", "", line[1:]))
        if len(rows) >= MAX_DIFF_LINES:
            rows.append(("…", "", ""))
            break
    return rows


def summary_text(edit: Edit) -> str:
    """Return what an edit is about in the page's language.

    That is a key area's name and category; "" for other kinds, whose target and changes the
    other columns show. The stored summary is in the language of the person who edited, so
    the page does not show it (the API does).
    """
    if edit.kind != "area":
        return ""
    for side in (edit.after, edit.before):
        feature = json.loads(side or "null")
        if isinstance(feature, dict) and feature.get("type") == "Feature":
            props = feature.get("properties") or {}
            parts = [str(props.get("name") or "")]
            if props.get("category"):
                parts.append(category_style(str(props["category"])).name(current_lang()))
            return " · ".join(p for p in parts if p)
    return ""


def diff_rows(edit: Edit, names: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Return an edit's before and after readably: rows of (what, before, after).

    ``names`` maps ids of places, members and groups to their names (:func:`page_names`).
    """
    names = names or {}
    before = json.loads(edit.before or "null")
    after = json.loads(edit.after or "null")
    if edit.kind == "area":
        single = all(v is None or v.get("type") == "Feature" for v in (before, after))
        if single:
            return _feature_rows(before, after)
        rows: list[tuple[str, str, str]] = []
        for area_id in dict.fromkeys([*(before or {}), *(after or {})]):
            if len(rows) >= MAX_DIFF_LINES:
                rows.append(("…", "", ""))
                break
            old, new = (before or {}).get(area_id), (after or {}).get(area_id)
            label = names.get(area_id, area_id)
            rows.append((label, "—" if old is None else "", "—" if new is None else ""))
            rows += [(f"  {k}", b, a) for k, b, a in _feature_rows(old, new)]
        return rows
    if edit.kind == "hotspot":
        keys = ("pin", "weight", "note")
        return [
            (
                _field(k),
                _value(k, (before or {}).get(k)) if before else "—",
                _value(k, (after or {}).get(k)) if after else "—",
            )
            for k in keys
            if (before or {}).get(k) != (after or {}).get(k)
        ]
    if edit.kind == "incidents":
        old_n = (before or {}).get("records") if before else None
        new_n = (after or {}).get("records") if after else None
        return [
            (
                "incidents.csv",
                translate("audit_records", n=_short(old_n)),
                translate("audit_records", n=_short(new_n)),
            )
        ]
    if edit.kind == "roster":
        return _roster_rows(edit.target, before, after)
    if edit.kind in ("teams", "rules"):
        words = toml_change_rows(before, after, names, current_lang())
        if words is not None:
            return words
    return _text_rows(before, after)


def raw_rows(edit: Edit) -> list[tuple[str, str, str]]:
    """Return the lines of a file edit's diff (for the admins' "raw" toggle); [] for others."""
    if edit.kind not in ("teams", "rules"):
        return []
    return _text_rows(json.loads(edit.before or "null"), json.loads(edit.after or "null"))


def page_names() -> dict[str, str]:
    """Return the working district's places, members and groups: id -> name, for the page."""
    from web.workspace import current_district

    try:
        district = current_district(current_app)
    except (InputError, OSError):
        return {}
    names = place_names(district)
    teams = district.teams or {}
    for section in ("members", "reserves", "grid_members", "vehicles"):
        for entry in teams.get(section) or []:
            if isinstance(entry, dict) and entry.get("id") is not None:
                names[str(entry["id"])] = str(entry.get("name") or entry["id"])
    for group in teams.get("groups") or []:
        if isinstance(group, dict) and group.get("id") is not None:
            zh, en = str(group.get("name") or ""), str(group.get("name_en") or "")
            name = (en or zh) if current_lang() == "en" else (zh or en)
            names[str(group["id"])] = name or str(group["id"])
    return names


def target_text(edit: Edit, names: dict[str, str]) -> str:
    """Return what an edit changed as a person reads it: a place's name, else the target."""
    if edit.kind in ("area", "hotspot"):
        return names.get(edit.target, edit.target)
    return edit.target


def _roster_rows(target: str, before: Any, after: Any) -> list[tuple[str, str, str]]:
    """Return a roster edit's cells as rows (group and day, shift before, shift after).

    Groups and shifts are named as the plan (``plan-<id>``) names them now.
    """
    from web.formatting import date_long
    from web.swaps.views import Names, plan_document

    plan_id = target.removeprefix("plan-")
    row = db_session().get(Plan, int(plan_id)) if plan_id.isdigit() else None
    names = Names(plan_document(current_app, row))
    rows = []
    for key in dict.fromkeys([*(before or {}), *(after or {})]):
        group, _, day = key.partition("/")
        rows.append(
            (
                f"{names.group(group)} {date_long(day)}",
                names.shift((before or {}).get(key)),
                names.shift((after or {}).get(key)),
            )
        )
    return rows


@bp.route("/")
@requires("view_audit")
def audit_log() -> Any:
    """List the edits, newest first (filter by kind), with undo and the plans' data versions."""
    return _page()


def _page(error: str | None = None, status: int = 200) -> Any:
    session = db_session()
    kind = request.args.get("kind", "")
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    query = select(Edit).order_by(Edit.id.desc())
    if kind in EDIT_KINDS:
        query = query.where(Edit.kind == kind)
    edits = list(session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    more = len(edits) > PAGE_SIZE
    edits = edits[:PAGE_SIZE]
    ids = [e.id for e in edits]
    undone = (
        dict(session.execute(select(Edit.undo_of, Edit.id).where(Edit.undo_of.in_(ids))).all())
        if ids
        else {}
    )
    plans = list(session.scalars(select(Plan).order_by(Plan.id.desc())))
    by_version: dict[int, list[Plan]] = defaultdict(list)
    for plan in plans:
        by_version[int(plan.data_version or 0)].append(plan)
    names = page_names() if edits else {}
    raw = has_permission("manage_users")
    rows = [
        {
            "edit": e,
            "who": e.user.name if e.user is not None else translate("system_user"),
            "target": target_text(e, names),
            "diff": diff_rows(e, names),
            "raw": raw_rows(e) if raw else [],
            "summary": summary_text(e),
            "undone_by": undone.get(e.id),
            "may_undo": may_undo(e.kind) and e.id not in undone,
            "plans": by_version.get(e.id, []),
        }
        for e in edits
    ]
    return render_template(
        "audit.html",
        rows=rows,
        kinds=EDIT_KINDS,
        kind=kind,
        page=page,
        more=more,
        plans=plans,
        version=data_version(session),
        error=error,
    ), status


@bp.route("/<int:edit_id>/undo", methods=["POST"])
@requires("view_audit")
def undo_edit(edit_id: int) -> Any:
    """Undo one edit by a new edit; the refusal is shown as the workspace's sentence."""
    session = db_session()
    edit = session.get(Edit, edit_id)
    if edit is None:
        abort(404)
    if not may_undo(edit.kind):
        abort(403)
    user = current_user()
    try:
        done = undo(current_app, session, edit_id, user_id=user.id if user else None)
    except InputError as exc:
        return _page(error=str(exc), status=409)
    flash(translate("audit_undo_done", id=edit_id), "info")
    if done is None:
        flash(translate("area_unchanged"), "info")
    return redirect(url_for("audit.audit_log"))
