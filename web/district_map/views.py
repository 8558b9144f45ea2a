"""The district map page: the district's own layers drawn offline by Folium."""

from __future__ import annotations

import threading
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from web.district_map.visibility import public_setting, visible_layers
from web.i18n import current_lang, translate
from web.maps import district_page, district_title
from web.plans.store import get_district
from web.views_common import map_prefix

bp = Blueprint("maps", __name__)

_lock = threading.Lock()


@bp.route("/")
def index() -> Any:
    """Open the district map; members land on their day (``/me``)."""
    user = g.get("user")
    from web.districts.registry import role_here

    if user is not None and role_here(user) == "member":
        return redirect(url_for("me.my_day"))
    return redirect(url_for("maps.district"))


def _layers() -> frozenset[str]:
    """Return the map layers the visitor sees (:mod:`web.district_map.visibility`)."""
    return visible_layers(g.get("user"), public_setting(current_app))


@bp.record_once
def _check_setting(state: Any) -> None:
    public_setting(state.app, check=True)  # a bad PUBLIC_MAP_LAYERS stops the app at start


def _login() -> Any:
    """Send a visitor to the login page (the public map is switched off)."""
    flash(translate("login_needed"), "warning")
    return redirect(url_for("auth.login", next=request.full_path))


@bp.route("/map")
def district() -> Any:
    """Show the district map page: title, hint and the map in a frame."""
    layers = _layers()
    if not layers:
        return _login()
    lang = current_lang()
    name = district_title(get_district(current_app), lang)
    return render_template(
        "map.html",
        district_name=name,
        frame=url_for("maps.frame", lang=lang),
        public_only=g.get("user") is None,
    )


@bp.route("/map/frame")
def frame() -> Response:
    """Return the district map itself (a full Folium page), rendered once per language and layers.

    The layers are those the visitor may see (:mod:`web.district_map.visibility`). The page
    is made again when the working district changes (an edit of its areas, incidents or
    hotspot overrides loads a new district object).
    """
    layers = _layers()
    if not layers:
        return _login()  # type: ignore[no-any-return]
    lang = current_lang()
    key = (lang, layers)
    district = get_district(current_app)
    cache: dict[Any, tuple[Any, str]] = current_app.extensions.setdefault("patrol_map_html", {})
    cached = cache.get(key)
    if cached is None or cached[0] is not district:
        with _lock:
            cached = cache.get(key)
            if cached is None or cached[0] is not district:
                page = district_page(district, lang, layers, prefix=map_prefix())
                cached = (district, page)
                cache[key] = cached
    response = Response(cached[1], mimetype="text/html")
    response.headers["Cache-Control"] = "private"  # what it shows depends on who asks
    response.vary.add("Cookie")
    return response
