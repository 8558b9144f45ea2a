"""What every endpoint of the JSON API shares: bearer tokens, permissions and JSON errors."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import marshmallow as ma
from flask import current_app, g, jsonify, request
from flask_smorest import Blueprint
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from web.accounts.auth import PERMISSIONS, current_user, has_permission
from web.db import User, db_session

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flask import Flask, Response

    from geodata.errors import InputError

F = TypeVar("F", bound="Callable[..., Any]")

PREFIX = "/api/v1"
"""Base path of every endpoint of the API."""

TOKEN_SALT = "patrol-api-token"
"""Salt of the bearer tokens' signatures (so no other signed value of the app is a token)."""

BEARER = "Bearer "

ID = "int(max=2147483647)"
"""URL converter of row ids: whole numbers that fit the database's INTEGER (others: 404)."""

MESSAGES: dict[int, str] = {
    400: "The request is malformed.",
    401: "Send a valid bearer token in the Authorization header (POST /api/v1/token gives one).",
    403: "Your role may not do this.",
    404: "There is no such resource.",
    405: "This method is not allowed on this path.",
    409: "The request conflicts with the current state of the resource.",
    412: "The resource has changed since the version named in If-Match.",
    413: "The request body is too large.",
    415: "The request body has a media type this endpoint does not take.",
    422: "The request body or parameters are not valid.",
    428: "Send the resource's ETag in an If-Match header.",
    429: "Too many failed sign-ins from this address; wait a minute and try again.",
    500: "The server failed to answer this request.",
}
"""One sentence per HTTP status when no more precise message is known."""

PASSWORD_CHANGE_MESSAGE = (
    "Choose a new password first (POST /api/v1/account/password); it was set by an admin or "
    "on first start."
)

CSRF_MESSAGE = (
    "The CSRF token is missing or wrong; send the session's token in the X-CSRF-Token header, "
    "or use a bearer token instead of the session cookie."
)


class ErrorSchema(ma.Schema):
    """Every error answer of the API: one sentence and, when one is to blame, the field."""

    error = ma.fields.String(
        required=True, metadata={"description": "What is wrong, in one sentence."}
    )
    field = ma.fields.String(
        allow_none=True,
        metadata={"description": "The body field, parameter or header to blame, if any."},
    )


class StoredDateTime(ma.fields.DateTime):
    """A time read from the database, written with its zone (ISO 8601, ``+00:00``).

    The database keeps times in UTC; SQLite gives them back without a zone, so a time without
    one is taken as UTC instead of being written as a local time of no zone.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def is_api_request() -> bool:
    """Return whether this request is for the JSON API (its path is under ``/api/``)."""
    return request.path == "/api" or request.path.startswith("/api/")


# ---------------------------------------------------------------------------------------------
# Errors


class ApiError(HTTPException):
    """An error answer of the API with its own sentence and field (see :func:`refuse`)."""

    def __init__(self, code: int, message: str, field: str | None = None) -> None:
        super().__init__(description=message)
        self.code = code
        self.field = field


def refuse(code: int, message: str, field: str | None = None) -> NoReturn:
    """Stop the request with a JSON error answer ``{"error": message, "field": field}``."""
    raise ApiError(code, message, field)


def refuse_input(exc: InputError, code: int = 422) -> NoReturn:
    """Answer a refusal of a service function (its one sentence; its ``field`` if it has one)."""
    field = getattr(exc, "field", None)
    refuse(code, str(exc), str(field) if field else None)


def _first_message(messages: Any, path: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """Return the first message of a (nested) marshmallow/webargs error dict and its path."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            return _first_message(value, (*path, str(key)))
    if isinstance(messages, list | tuple) and messages:
        head = messages[0]
        if isinstance(head, str):
            return head, path
        return _first_message(head, path)
    return str(messages), path


LOCATIONS = frozenset({"json", "query", "path", "form", "files", "headers", "view_args"})


def error_body(exc: HTTPException) -> tuple[dict[str, Any], int]:
    """Return the JSON body ``{"error", "field"}`` and status of an HTTP exception."""
    code = exc.code or 500
    field: str | None = None
    if isinstance(exc, ApiError):
        return {"error": exc.description, "field": exc.field}, code
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("messages"):
        text, path = _first_message(data["messages"])
        parts = [p for p in path if p != "_schema"]
        if parts and parts[0] in LOCATIONS:
            parts = parts[1:]
        field = ".".join(parts) or None
        text = text.strip() or MESSAGES.get(code, "")
        message = f"Field {field!r}: {text}" if field else text
        if not message.endswith("."):
            message += "."
        return {"error": message, "field": field}, code
    if code == 400 and exc.description == "csrf":
        return {"error": CSRF_MESSAGE, "field": "X-CSRF-Token"}, code
    message = MESSAGES.get(code) or (
        f"{exc.name}." if exc.name else "The request cannot be answered."
    )
    return {"error": message, "field": field}, code


def json_error(exc: HTTPException) -> Response:
    """Return the JSON answer of an HTTP exception (headers such as Allow kept)."""
    body, code = error_body(exc)
    response = jsonify(body)
    response.status_code = code
    for name, value in exc.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="patrol"'
    return response


def _api_or_default(exc: HTTPException) -> Any:
    """App-wide fallback: JSON under the API's path; elsewhere what Flask would answer."""
    if is_api_request():
        return json_error(exc)
    return exc


def _json_error_pages(response: Response) -> Response:
    """Turn an HTML error page answered under the API's path (e.g. a 404) into JSON."""
    if response.status_code >= 400 and is_api_request() and not response.is_json:
        cls = default_exceptions.get(response.status_code, InternalServerError)
        exc = cls()
        exc.code = response.status_code
        out = json_error(exc)
        for name in ("Allow", "WWW-Authenticate"):
            if name in response.headers:
                out.headers[name] = response.headers[name]
        return out
    return response


def init_errors(app: Flask) -> None:
    """Answer every error under the API's path with JSON, never an HTML page or a traceback.

    The API's blueprints have a handler for every status code (ahead of the pages' handlers,
    see :class:`ApiBlueprint`); paths under the prefix that match no endpoint get these
    app-wide fallbacks.
    """
    app.register_error_handler(HTTPException, _api_or_default)
    app.after_request(_json_error_pages)


# ---------------------------------------------------------------------------------------------
# Bearer tokens


def token_lifetime(app: Flask) -> timedelta:
    """Return how long a token stays valid: ``API_TOKEN_LIFETIME`` (seconds), else the session's."""
    value = app.config.get("API_TOKEN_LIFETIME")
    if value is None:
        return app.permanent_session_lifetime
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def _serializer(app: Flask) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _password_mark(user: User) -> str:
    """Return a short digest of the user's password hash: a new password ends older tokens."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:16]


def make_token(app: Flask, user: User) -> tuple[str, datetime]:
    """Return a signed bearer token for ``user`` and when it expires (UTC)."""
    mark = {"uid": user.id, "pw": _password_mark(user), "sv": user.session_version}
    token = _serializer(app).dumps(mark)
    return token, datetime.now(UTC) + token_lifetime(app)


def user_of_token(app: Flask, token: str) -> User:
    """Return the user a bearer token was made for.

    Raises
    ------
    ApiError
        401 when the token is forged or damaged, has expired, or its user is gone, disabled,
        has a new password or has logged out since (their session version changed).
    """
    max_age = int(token_lifetime(app).total_seconds())
    try:
        data = _serializer(app).loads(token, max_age=max_age)
    except SignatureExpired:
        refuse(401, "The bearer token has expired; ask POST /api/v1/token for a new one.")
    except BadData:
        refuse(401, "The bearer token is not valid (its signature does not match).")
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        refuse(401, "The bearer token is not valid (it names no user).")
    user = db_session().get(User, data["uid"])
    if (
        user is None
        or data.get("pw") != _password_mark(user)
        or data.get("sv", 0) != user.session_version
    ):
        refuse(401, "The bearer token is no longer valid; ask POST /api/v1/token for a new one.")
    if user.disabled:
        refuse(401, "The bearer token's account is disabled.")
    return user


def load_api_user() -> None:
    """Before each API request: a bearer token, when sent, decides the user (not the cookie).

    A request without an ``Authorization`` header keeps the session's user (the CSRF check
    then applies to its writes). A bad token leaves no user; :func:`needs` answers 401 with
    the token's problem.
    """
    if not is_api_request():
        return
    header = request.headers.get("Authorization")
    if header is None:
        g.api_auth = "session"
        return
    g.api_auth = "bearer"
    g.user = None
    if header[: len(BEARER)].lower() != BEARER.lower() or not header[len(BEARER) :].strip():
        g.api_token_error = "The Authorization header must be 'Bearer <token>'."
        return
    try:
        g.user = user_of_token(current_app, header[len(BEARER) :].strip())
    except ApiError as exc:
        g.api_token_error = exc.description


# ---------------------------------------------------------------------------------------------
# Versions (optimistic concurrency)


def etag(version: str) -> dict[str, str]:
    """Return the ``ETag`` header of a resource at ``version``."""
    return {"ETag": f'"{version}"'}


def if_match() -> str | None:
    """Return the version an ``If-Match`` header names (None: no header, or ``*``).

    A write that sends the ETag it read is refused with 412 when the resource has changed
    since (the sentence names the edit that changed it); one without the header is applied
    as before.
    """
    value = (request.headers.get("If-Match") or "").strip()
    if not value or value == "*":
        return None
    return value.removeprefix("W/").strip('"')


def refuse_stale(exc: InputError) -> None:
    """Answer 412 when ``exc`` is a refusal because the resource changed since If-Match."""
    if getattr(exc, "key", None) in ("area_err_stale", "tr_err_stale"):
        refuse(412, str(exc), "If-Match")


# ---------------------------------------------------------------------------------------------
# Request bodies

MAX_BODY = 48_000_000
"""Largest JSON body accepted (an upload's 20 MB content may double when JSON-escaped)."""


def check_json_body() -> None:
    """Before each API request with a JSON body: refuse it whole unless it decodes in limits.

    The body goes through :func:`geodata.decoding.load_json` before webargs reads it, so a
    body nested too deeply, or holding a lone surrogate or a NUL, is answered 400 with one
    sentence instead of failing deeper down.
    """
    if not is_api_request() or request.method not in ("POST", "PUT", "PATCH"):
        return
    if not request.is_json:
        return
    from geodata.decoding import DecodeError, load_json

    try:
        load_json(request.get_data(cache=True), "The request body", max_bytes=MAX_BODY)
    except DecodeError as exc:
        refuse(400, str(exc), exc.values.get("path"))


# ---------------------------------------------------------------------------------------------
# Blueprints with permissions


class ApiBlueprint(Blueprint):  # type: ignore[misc]
    """A flask-smorest blueprint whose views say which permission of web.accounts.auth they need.

    Its errors are answered as JSON (:func:`json_error`), for every status code.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in default_exceptions:
            self.register_error_handler(code, json_error)
        self.register_error_handler(ApiError, json_error)

    def needs(
        self, permission: str | None, *, allow_password_change: bool = False
    ) -> Callable[[F], F]:
        """Decorate a view: 401 without a valid token or session, 403 without ``permission``.

        ``None`` asks only for a signed-in user. A user who must change their password is
        refused (403) everywhere but where ``allow_password_change`` is set. The roles are
        written into the OpenAPI description of the operation (``x-permission``,
        ``x-roles``), with its 401 and 403.
        """
        if permission is not None and permission not in PERMISSIONS:
            msg = f"Unknown permission {permission!r}."
            raise KeyError(msg)
        roles = sorted(PERMISSIONS[permission]) if permission else ["any signed-in user"]

        def decorate(view: F) -> F:
            @functools.wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if current_user() is None:
                    refuse(401, g.get("api_token_error") or MESSAGES[401], "Authorization")
                user = current_user()
                if user is not None and user.must_change_password and not allow_password_change:
                    refuse(403, PASSWORD_CHANGE_MESSAGE, "password")
                if permission is not None and not has_permission(permission):
                    refuse(403, f"Your role may not do this (it needs {permission}).")
                return view(*args, **kwargs)

            doc = self.doc(**{"x-permission": permission or "signed_in", "x-roles": roles})
            out = self.alt_response(401, schema=ErrorSchema, description="Not signed in.")(
                doc(wrapped)
            )
            if permission is not None:
                out = self.alt_response(
                    403, schema=ErrorSchema, description="The role may not do this."
                )(out)
            return cast("F", out)

        return decorate


def form_strings(values: Mapping[str, Any]) -> dict[str, str]:
    """Return parsed JSON values as the text fields a page's form would have sent."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out
