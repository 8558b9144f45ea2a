"""What every page shares: texts, the signed-in user, error pages, the map libraries' URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template, request

from web.accounts.auth import current_user, has_permission
from web.i18n import LANGS, current_lang, translate

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.exceptions import HTTPException

    from planner.plan.document import Route

VENDOR_PREFIX = "/static/vendor"
"""Where the app serves Leaflet and jQuery (see :func:`web.maps.assets.assets_blueprint`)."""

ERROR_KEYS = {400: "csrf_failed", 403: "forbidden", 404: "not_found"}


@dataclass(frozen=True, slots=True)
class NavItem:
    """A link of the top navigation bar.

    Attributes
    ----------
    endpoint
        The view's endpoint, e.g. ``"plans.plan_list"``.
    text
        The catalogue key of the link's text.
    permission
        The permission a user needs to see the link (None: everyone).
    order
        Position in the bar, smallest first.
    """

    endpoint: str
    text: str
    permission: str | None = None
    order: int = 100


NAV: list[NavItem] = [
    NavItem("maps.district", "nav_map", None, 10),
    NavItem("plans.plan_list", "nav_plans", "view_plans", 20),
    NavItem("users.users", "nav_users", "manage_users", 90),
]
"""The navigation bar; feature modules add their pages with :func:`register_nav`."""


def register_nav(endpoint: str, text: str, permission: str | None = None, order: int = 100) -> None:
    """Add a link to the navigation bar (once per endpoint)."""
    if all(item.endpoint != endpoint for item in NAV):
        NAV.append(NavItem(endpoint, text, permission, order))
        NAV.sort(key=lambda item: item.order)


def nav_items() -> list[NavItem]:
    """Return the links the signed-in user may see whose views are registered in this app."""
    views = current_app.view_functions
    return [
        item
        for item in NAV
        if item.endpoint in views and (item.permission is None or has_permission(item.permission))
    ]


def map_prefix() -> str:
    """Return the URL prefix from which map pages load their libraries (this app only)."""
    return request.script_root + VENDOR_PREFIX


def lang_url(lang: str) -> str:
    """Return the current page's URL with ``lang`` switched."""
    args = request.args.to_dict()
    args["lang"] = lang
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"{request.path}?{query}"


def unit_name(route: Route) -> str:
    """Return a route's unit as people say it, e.g. ``"巡逻单元 1"``; "" for a group's or walk.

    Unit ids are ``"<group>-<n>"``; a unit handed over by a shift swap keeps its id (its
    check-in codes are printed), so the number is read from the id, not from the group.
    """
    number = unit_number(route)
    return translate("me_unit", unit=number) if number else ""


def unit_number(route: Route) -> str:
    """Return the number of a route's unit within its group, e.g. ``"1"``; "" for none.

    "" for a walk, a group riding as one unit, or all the reserves called in together.
    """
    unit = route.unit_label
    if route.unit_kind == "grid" or unit in (route.group_id, ""):
        return ""
    # A group's units are "<group>-<n>", reserves called in "reserve-<n>" (no group).
    number = unit.rpartition("-")[2] if "-" in unit else unit
    if number == "all" or (not route.group_id and "-" not in unit):
        return ""  # the whole group (or all the reserves called in) rides as one unit
    return number


def role_label(role: str) -> str:
    """Return the role's name in the current language."""
    return translate(f"role_{role}")


def _context() -> dict[str, Any]:
    lang = current_lang()
    other = LANGS[1 - LANGS.index(lang)]
    return {
        "t": translate,
        "lang": lang,
        "other_lang": other,
        "lang_url": lang_url,
        "user": current_user(),
        "can": has_permission,
        "role_label": role_label,
        "nav_items": nav_items,
    }


def _error(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    key = ERROR_KEYS.get(code)
    message = translate(key) if key else (exc.description or "")
    return render_template("error.html", code=code, message=message), code


def init_views(app: Flask) -> None:
    """Offer the shared template values and render 400, 403 and 404 as pages of the app."""
    app.context_processor(_context)
    for code in ERROR_KEYS:
        app.register_error_handler(code, _error)
