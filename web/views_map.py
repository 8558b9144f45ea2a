"""The district map page: the district's own layers drawn offline by Folium."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, url_for

from planner.hotspots.risk import district_risk
from web.i18n import current_lang
from web.maps import add_layers, district_map, district_title, hotspot_layer
from web.plan_store import get_district
from web.views_common import render_map

if TYPE_CHECKING:
    import folium

bp = Blueprint("maps", __name__)

_lock = threading.Lock()


@bp.route("/")
def index() -> Any:
    """Open the district map; members land on their day (``/me``)."""
    user = g.get("user")
    if user is not None and user.role == "member":
        return redirect(url_for("me.my_day"))
    return redirect(url_for("maps.district"))


@bp.route("/map")
def district() -> Any:
    """Show the district map page: title, hint and the map in a frame."""
    lang = current_lang()
    name = district_title(get_district(current_app), lang)
    return render_template("map.html", district_name=name, frame=url_for("maps.frame", lang=lang))


def hotspot_district_map(district: Any, lang: str) -> folium.Map:
    """Return the district map with the hotspot heat layer and its hour-of-week selector.

    The risk is that of the working district's incidents and hotspot overrides, with no
    season (``planner.hotspots.risk.district_risk``).
    """
    return add_layers(
        district_map(district, lang=lang),
        hotspot_layer(district, district_risk(district), lang=lang),
    )


@bp.route("/map/frame")
def frame() -> Response:
    """Return the district map itself (a full Folium page), rendered once per language.

    The page is made again when the working district changes (an edit of its areas, incidents
    or hotspot overrides loads a new district object).
    """
    lang = current_lang()
    district = get_district(current_app)
    cache: dict[str, tuple[Any, str]] = current_app.extensions.setdefault("patrol_map_html", {})
    cached = cache.get(lang)
    if cached is None or cached[0] is not district:
        with _lock:
            cached = cache.get(lang)
            if cached is None or cached[0] is not district:
                cached = (district, render_map(hotspot_district_map(district, lang)))
                cache[lang] = cached
    return Response(cached[1], mimetype="text/html")
