"""Security headers on every answer (flask-talisman) and throttled sign-in (flask-limiter).

The content security policy keeps the maps working offline: every script, style, image and
font comes from the app itself (Leaflet and Leaflet.draw are served from the installed
packages, see :mod:`web.maps.assets`); Folium writes its map as inline scripts and styles, so those
are allowed inline, but nothing is loaded from another site, nothing may be sent to another
site, and only the app's own pages may frame its map pages.

Failed sign-ins (the login form and ``POST /api/v1/token``) are counted per client address:
past ``LOGIN_LIMIT`` (default ten a minute and fifty an hour) the client is answered 429 with
one sentence until the window passes. Right passwords are not counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask import current_app, render_template
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask, Response
    from flask_limiter import RequestLimit

CONTENT_SECURITY_POLICY: dict[str, str | list[str]] = {
    "default-src": "'self'",
    # Folium's maps are inline scripts and styles; Leaflet sets styles on elements.
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    # Leaflet's marker and draw icons; canvas layers.
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "frame-src": "'self'",
    "frame-ancestors": "'self'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
"""The Content-Security-Policy header of every answer."""

LOGIN_LIMIT = "10 per minute;50 per hour"
"""Default failed sign-ins allowed per client address (flask-limiter's notation)."""


def login_limit() -> str:
    """Return the failed sign-ins allowed per address (``LOGIN_LIMIT`` setting)."""
    return str(current_app.config.get("LOGIN_LIMIT") or LOGIN_LIMIT)


def failed_sign_in(response: Response) -> bool:
    """Return whether ``response`` refused a sign-in (only those count towards the limit)."""
    return response.status_code == 401


def login_page_throttled(limit: RequestLimit) -> Response:
    """Answer a throttled login form: the form again with one sentence, status 429."""
    from flask import make_response

    from web.i18n import translate

    page = render_template("login.html", error=translate("login_throttled"), first_users=False)
    return make_response(page, 429)


THROTTLED_VIEWS: dict[str, Callable[[RequestLimit], Response] | None] = {
    "auth.login": login_page_throttled,
    # The API answers 429 as every error, in JSON (web.api.core.MESSAGES).
    "api_tokens.issue_token": None,
}
"""The sign-in views whose failures are counted, and how each answers a throttled client."""


def init_security(app: Flask) -> Limiter:
    """Add the security headers and the sign-in throttle to ``app``; return its limiter.

    Call it after the blueprints are registered. ``SESSION_COOKIE_SECURE`` follows
    ``PUBLIC_URL``: on when the app is reached over HTTPS. ``RATELIMIT_ENABLED``
    (flask-limiter's setting) turns the throttle off. Each app has a limiter of its own, so
    its counts (kept in memory, per process) are its own.
    """
    public = str(app.config.get("PUBLIC_URL") or "")
    secure = bool(app.config.get("SESSION_COOKIE_SECURE")) or public.startswith("https://")
    options: dict[str, Any] = {
        "force_https": False,
        "session_cookie_secure": secure,
        "content_security_policy": CONTENT_SECURITY_POLICY,
        "frame_options": "SAMEORIGIN",
        "referrer_policy": "strict-origin-when-cross-origin",
        # Check-in pages ask for the phone's position; nothing else is used.
        "permissions_policy": {"geolocation": "(self)", "camera": "()", "microphone": "()"},
    }
    Talisman(app, **options)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["patrol_limiter"] = limiter  # the decorators hold it only weakly
    for endpoint, on_breach in THROTTLED_VIEWS.items():
        limit = limiter.limit(
            login_limit, methods=["POST"], deduct_when=failed_sign_in, on_breach=on_breach
        )
        app.view_functions[endpoint] = cast("Any", limit(app.view_functions[endpoint]))
    return limiter
