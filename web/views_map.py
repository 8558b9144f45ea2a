"""The district map page: the district's own layers drawn offline by Folium."""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, url_for

from web.i18n import current_lang
from web.maps import district_map, district_title
from web.plan_store import get_district
from web.views_common import render_map

bp = Blueprint("maps", __name__)

_lock = threading.Lock()


@bp.route("/")
def index() -> Any:
    """Open the district map."""
    return redirect(url_for("maps.district"))


@bp.route("/map")
def district() -> Any:
    """Show the district map page: title, hint and the map in a frame."""
    lang = current_lang()
    name = district_title(get_district(current_app), lang)
    return render_template("map.html", district_name=name, frame=url_for("maps.frame", lang=lang))


@bp.route("/map/frame")
def frame() -> Response:
    """Return the district map itself (a full Folium page), rendered once per language."""
    lang = current_lang()
    cache: dict[str, str] = current_app.extensions.setdefault("patrol_map_html", {})
    page = cache.get(lang)
    if page is None:
        with _lock:
            page = cache.get(lang)
            if page is None:
                page = render_map(district_map(get_district(current_app), lang=lang))
                cache[lang] = page
    return Response(page, mimetype="text/html")
