"""Key-area editor pages: map drawing, forms, list, GeoJSON import/export, hotspots, incidents."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from geodata.categories import CATEGORIES
from geodata.decoding import DecodeError, load_json
from geodata.errors import InputError
from web.accounts.auth import current_user, requires
from web.areas import edits as service
from web.areas import hotspots as hotspot_edits
from web.areas import incidents as incident_imports
from web.db import db_session
from web.i18n import current_lang, translate
from web.maps import editor_page
from web.place_names import place_name, place_names
from web.plans.store import get_district
from web.views_common import map_prefix, register_nav

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

bp = Blueprint("areas", __name__, url_prefix="/areas")

register_nav("areas.area_list", "nav_areas", "edit_areas", 30)

FORM_FIELDS = ("name", "category", "priority", "windows", "dose_minutes", "geometry", "lon", "lat")
"""Form fields of a key area."""

MAX_UPLOAD = 20 * 1024 * 1024
"""Largest uploaded file (bytes)."""

UPLOAD_DIR = "uploads"
"""Folder of the instance that keeps previewed files until they are imported."""

UPLOAD_TTL_S = 24 * 3600
"""Previewed files older than this are removed."""

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


def _refused(exc: InputError) -> str:
    """Return the one-sentence refusal of ``exc`` in the page's language."""
    return service.message(exc, current_lang())


def _categories() -> list[tuple[str, str]]:
    lang = current_lang()
    return [(key, c.label_zh if lang == "zh" else c.label_en) for key, c in CATEGORIES.items()]


def _form_fields(form: Any) -> dict[str, Any]:
    return {key: form.get(key) for key in FORM_FIELDS if key in form}


def _features() -> list[dict[str, Any]]:
    return service.area_collection(get_district(current_app))["features"]


def _kind(feat: dict[str, Any]) -> str:
    return "point" if feat["geometry"]["type"] == "Point" else "polygon"


# ---------------------------------------------------------------------------------------------
# List and forms


@bp.route("/")
@requires("edit_areas")
def area_list() -> Any:
    """List the key areas, filtered by text, category, shape and least priority."""
    feats = _features()
    q = request.args.get("q", "").strip().lower()
    category = request.args.get("category", "")
    kind = request.args.get("kind", "")
    try:
        min_priority = int(request.args.get("min_priority") or 1)
    except ValueError:
        min_priority = 1
    shown = [
        f
        for f in feats
        if (not q or q in str(f["properties"].get("name", "")).lower() or q in f["id"].lower())
        and (not category or f["properties"].get("category") == category)
        and (not kind or _kind(f) == kind)
        and int(f["properties"].get("priority") or 0) >= min_priority
    ]
    return render_template(
        "areas.html",
        areas=shown,
        total=len(feats),
        categories=_categories(),
        kind_of=_kind,
        names=place_names(get_district(current_app)),
        args={"q": q, "category": category, "kind": kind, "min_priority": min_priority},
    )


def _area_name(area_id: str) -> str:
    """Return a key area's name as the pages give it (its id only when it has none)."""
    return place_name(get_district(current_app), area_id, current_lang())


@bp.route("/new", methods=["GET", "POST"])
@requires("edit_areas")
def area_new() -> Any:
    """Add a key area from a form (a point's lon/lat, or GeoJSON drawn on the map)."""
    error = None
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = _form_fields(request.form)
        try:
            edit = service.add_area(current_app, db_session(), form, user_id=_user_id())
        except InputError as exc:
            error = _refused(exc)
        else:
            flash(translate("area_added", name=form.get("name") or _area_name(edit.target)), "info")
            if request.form.get("back") == "map":
                return redirect(url_for("areas.editor"))
            return redirect(url_for("areas.area_edit", area_id=edit.target))
        if request.form.get("back") == "map":
            return _editor_page(error=error, drawn=form), 400
    status = 400 if error else 200
    return render_template(
        "areas_form.html", area=None, form=form, error=error, categories=_categories()
    ), status


def _form_of(feat: dict[str, Any]) -> dict[str, Any]:
    props = feat["properties"]
    form = {k: props.get(k) for k in ("name", "category", "priority", "windows")}
    dose = props.get("dose_minutes")
    form["dose_minutes"] = "" if dose is None else f"{dose:g}"
    geom = feat["geometry"]
    if geom["type"] == "Point":
        form["lon"], form["lat"] = (f"{v:.7f}" for v in geom["coordinates"][:2])
        form["geometry"] = ""
    else:
        form["geometry"] = json.dumps(geom)
    return form


@bp.route("/<area_id>", methods=["GET", "POST"])
@requires("edit_areas")
def area_edit(area_id: str) -> Any:
    """Show and change one key area in a plain form (works without scripts)."""
    feats = {f["id"]: f for f in _features()}
    feat = feats.get(area_id)
    if feat is None:
        abort(404)
    error = None
    form = _form_of(feat)
    version = request.form.get("version") or None
    if request.method == "POST":
        form = _form_fields(request.form)
        fields = dict(form)
        if feat["geometry"]["type"] == "Point" and not str(form.get("geometry") or "").strip():
            fields.pop("geometry", None)
        else:
            fields.pop("lon", None)
            fields.pop("lat", None)
        try:
            edit = service.update_area(
                current_app,
                db_session(),
                area_id,
                fields,
                user_id=_user_id(),
                expect_version=version,
            )
        except InputError as exc:
            error = _refused(exc)
        else:
            key = "area_updated" if edit is not None else "area_unchanged"
            flash(translate(key, name=fields.get("name") or _area_name(area_id)), "info")
            return redirect(url_for("areas.area_edit", area_id=area_id))
    if version is None:  # the version this form was filled from
        version = service.area_version(current_app, area_id)
    status = 400 if error else 200
    return render_template(
        "areas_form.html",
        area=feat,
        form=form,
        error=error,
        categories=_categories(),
        version=version,
    ), status


@bp.route("/<area_id>/delete", methods=["POST"])
@requires("edit_areas")
def area_delete(area_id: str) -> Any:
    """Delete one key area."""
    name = _area_name(area_id)
    try:
        service.delete_area(current_app, db_session(), area_id, user_id=_user_id())
    except InputError as exc:
        flash(_refused(exc), "error")
        return redirect(url_for("areas.area_list"))
    flash(translate("area_removed", name=name), "info")
    return redirect(url_for("areas.area_list"))


# ---------------------------------------------------------------------------------------------
# The map editor


@bp.route("/map/frame")
@requires("edit_areas")
def editor_frame() -> Response:
    """Return the editor's Folium map page (loaded in a frame of :func:`editor`)."""
    lang = current_lang()
    district = get_district(current_app)
    page = editor_page(district, service.area_collection(district), lang, prefix=map_prefix())
    return Response(page, mimetype="text/html")


def _editor_page(error: str | None = None, drawn: dict[str, Any] | None = None) -> str:
    return render_template(
        "areas_map.html",
        frame=url_for("areas.editor_frame", lang=current_lang()),
        categories=_categories(),
        error=error,
        drawn=drawn or {},
    )


@bp.route("/map")
@requires("edit_areas")
def editor() -> Any:
    """Show the map editor: draw, move, reshape and delete key areas."""
    return _editor_page()


def _json_list(text: str | None) -> list[Any]:
    try:
        value = load_json(text or "[]", "changes")
    except DecodeError as exc:
        if exc.key != "syntax":
            raise service.AreaError(f"dec_{exc.key}", **exc.values) from None
        value = None
    if not isinstance(value, list):
        raise service.AreaError("area_err_geometry_json")
    return value


@bp.route("/shapes", methods=["POST"])
@requires("edit_areas")
def shapes() -> Any:
    """Save areas moved, reshaped or deleted on the map (all checked before any is saved)."""
    app, session = current_app, db_session()
    try:
        moved = _json_list(request.form.get("changes"))
        deleted = [str(i) for i in _json_list(request.form.get("deleted"))]
        known = {f["id"] for f in _features()}
        district = get_district(app)
        checked = []
        for item in moved:
            if not isinstance(item, dict) or str(item.get("id")) not in known:
                raise service.AreaError("area_err_no_area", id=str((item or {}).get("id")))
            fields = service.check_area({"geometry": item.get("geometry")}, partial=True)
            if "geometry" not in fields:
                raise service.AreaError("area_err_missing", field="geometry")
            service.check_inside(district, fields["geometry"])
            checked.append((str(item["id"]), fields))
        for area_id in deleted:
            if area_id not in known:
                raise service.AreaError("area_err_no_area", id=area_id)
        count = 0
        for area_id, fields in checked:
            if area_id in deleted:
                continue
            count += (
                service.update_area(app, session, area_id, fields, user_id=_user_id()) is not None
            )
        for area_id in deleted:
            service.delete_area(app, session, area_id, user_id=_user_id())
            count += 1
    except InputError as exc:
        return _editor_page(error=_refused(exc)), 400
    flash(translate("area_shapes_saved", n=count), "info")
    return redirect(url_for("areas.editor"))


# ---------------------------------------------------------------------------------------------
# GeoJSON import and export


def _upload_dir() -> Path:
    folder = Path(current_app.instance_path) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(data: bytes) -> str:
    """Keep a previewed file in the instance folder until it is imported; return its token.

    Files kept longer than :data:`UPLOAD_TTL_S` are removed on the way.
    """
    folder = _upload_dir()
    now = time.time()
    for old in folder.iterdir():
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > UPLOAD_TTL_S:
                old.unlink()
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    return token


def _upload(name: str = "file") -> tuple[bytes, str, str] | None:
    """Return the uploaded file (bytes, name, token), or the kept copy of a previewed one."""
    token = request.form.get("kept", "")
    if token:
        path = _upload_dir() / token
        if not TOKEN_RE.match(token) or not path.is_file():
            return None
        return path.read_bytes(), request.form.get("filename", "upload"), token
    file: FileStorage | None = request.files.get(name)
    if file is None or not file.filename:
        return None
    data = file.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        abort(413)
    return data, file.filename, _keep(data)


def _forget(token: str) -> None:
    """Remove a kept file once it is imported."""
    if TOKEN_RE.match(token):
        (_upload_dir() / token).unlink(missing_ok=True)


@bp.route("/import", methods=["GET", "POST"])
@requires("edit_areas")
def area_import() -> Any:
    """Preview a GeoJSON file of key areas (added, updated, rejected), then import it."""
    error = preview = None
    kept = filename = ""
    if request.method == "POST":
        upload = _upload()
        if upload is None:
            error = translate("area_no_file")
        else:
            data, filename, kept = upload
            try:
                if request.form.get("action") == "import":
                    edit = service.import_areas(
                        current_app, db_session(), data, user_id=_user_id(), filename=filename
                    )
                    if edit is None:
                        flash(translate("area_unchanged"), "info")
                    else:
                        after = json.loads(edit.after)
                        before = json.loads(edit.before)
                        added = sum(1 for k in after if before.get(k) is None)
                        flash(
                            translate("area_imported", added=added, updated=len(after) - added),
                            "info",
                        )
                    _forget(kept)
                    return redirect(url_for("areas.area_list"))
                preview = service.preview_areas(current_app, db_session(), data, filename)
            except InputError as exc:
                error = _refused(exc)
    status = 400 if error else 200
    return render_template(
        "areas_import.html",
        error=error,
        preview=preview,
        kept=kept,
        filename=filename,
        reason=lambda e: service.message(e, current_lang()),
    ), status


@bp.route("/export.geojson")
@requires("edit_areas")
def area_export() -> Response:
    """Download the working key areas as GeoJSON."""
    return Response(
        service.export_areas(current_app),
        mimetype="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="key_areas.geojson"'},
    )


# ---------------------------------------------------------------------------------------------
# Hotspots and incidents


@bp.route("/hotspots", methods=["GET", "POST"])
@requires("edit_areas")
def hotspots() -> Any:
    """List the hotspot pins and weights; pin, weight or clear one place."""
    error = None
    form: dict[str, Any] = {"place_id": request.args.get("place", ""), "weight": "1"}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("place_id", "weight", "note")}
        form["pin"] = bool(request.form.get("pin"))
        try:
            hotspot_edits.set_hotspot(
                current_app,
                db_session(),
                form["place_id"],
                pin=form["pin"],
                weight=form["weight"],
                note=form["note"],
                user_id=_user_id(),
            )
        except InputError as exc:
            error = _refused(exc)
        else:
            pid = form["place_id"].strip()
            flash(translate("hotspot_saved", id=place_name(get_district(current_app), pid)), "info")
            return redirect(url_for("areas.hotspots"))
    district = get_district(current_app)
    places = hotspot_edits.place_ids(district)
    names = place_names(district)
    rows = [
        dict(e, kind=places.get(e["id"], ""), name=names.get(e["id"], e["id"]))
        for e in hotspot_edits.hotspot_overrides(current_app)
    ]
    # Key areas and grids to choose from by name (streets are many: typed by id or pinned
    # from the map).
    choices = sorted(
        ((pid, names.get(pid, pid)) for pid, kind in places.items() if kind != "street"),
        key=lambda c: c[1],
    )
    status = 400 if error else 200
    return render_template(
        "areas_hotspots.html", rows=rows, form=form, error=error, choices=choices
    ), status


@bp.route("/incidents", methods=["GET", "POST"])
@requires("edit_areas")
def incidents() -> Any:
    """Preview an incident file (added, rejected by line), then import it."""
    error = preview = None
    kept = filename = ""
    form = {k: request.form.get(k, "") for k in ("mapping", "time_zone")}
    if request.method == "POST":
        upload = _upload()
        if upload is None:
            error = translate("area_no_file")
        else:
            data, filename, kept = upload
            try:
                if request.form.get("action") == "import":
                    edit = incident_imports.import_incidents(
                        current_app,
                        db_session(),
                        data,
                        filename,
                        form["mapping"],
                        time_zone=form["time_zone"],
                        user_id=_user_id(),
                    )
                    if edit is None:
                        flash(translate("area_unchanged"), "info")
                    else:
                        after = json.loads(edit.after) or {}
                        before = json.loads(edit.before) or {}
                        n = int(after.get("records", 0)) - int(before.get("records", 0))
                        flash(translate("incidents_imported", n=n), "info")
                    _forget(kept)
                    return redirect(url_for("areas.incidents"))
                preview = incident_imports.preview_incidents(
                    current_app, data, filename, form["mapping"], time_zone=form["time_zone"]
                )
            except InputError as exc:
                error = _refused(exc)
    status = 400 if error else 200
    return render_template(
        "areas_incidents.html",
        error=error,
        preview=preview,
        kept=kept,
        filename=filename,
        form=form,
    ), status
