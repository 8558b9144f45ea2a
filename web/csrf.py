"""CSRF protection: a per-session token that every POST, PUT, PATCH or DELETE must carry."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from flask import abort, request, session

if TYPE_CHECKING:
    from flask import Flask

FIELD = "csrf_token"
"""Name of the hidden form field that carries the token."""

HEADER = "X-CSRF-Token"
"""Header that may carry the token instead (for scripts)."""

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """Return this session's CSRF token, making one when the session has none."""
    token = session.get(FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return str(token)


API_PREFIX = "/api/"
"""Path of the JSON API (web.api): its bearer-token requests carry no cookie credentials."""


def _api_without_cookie() -> bool:
    """Return whether this is an API request whose credentials are not the session cookie.

    A bearer token (the API then ignores the session), no signed-in session (the API answers
    401), or the token request itself, whose credentials are the name and password in its body.
    """
    if not request.path.startswith(API_PREFIX):
        return False
    bearer = request.headers.get("Authorization", "").startswith("Bearer ")
    signed_in = session.get("user_id") is not None
    return bearer or not signed_in or request.path.rstrip("/") == API_PREFIX + "v1/token"


def check_csrf() -> None:
    """Refuse (HTTP 400) an unsafe request whose token is missing or differs from the session's."""
    if request.method not in UNSAFE_METHODS or _api_without_cookie():
        return
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="csrf")


def init_csrf(app: Flask) -> None:
    """Check the token before every request of ``app``; offer ``csrf_token()`` to templates."""
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
