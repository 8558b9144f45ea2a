"""The JSON API at /api/v1: bearer tokens, the pages' permissions, an OpenAPI 3 description.

flask-smorest builds the OpenAPI document (``/api/v1/openapi.json``) from the endpoints and
their marshmallow schemas, so it cannot drift from them; errors are JSON
``{"error": "<one sentence>", "field": ...}`` (see :mod:`web.api.core`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask_smorest import Api
from werkzeug.routing import Map, Rule

from web.api.core import PREFIX, ErrorSchema, check_json_body, init_errors, load_api_user

if TYPE_CHECKING:
    from flask import Flask


class PatrolApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with the app's error format and no app-wide error handler."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Leave the pages' error handlers alone; :func:`init_errors` handles the API's."""


def _blueprints() -> list[Any]:
    from web.api import (
        accounts,
        areas,
        checkins,
        district,
        districts,
        edits,
        jobs,
        plans,
        teams_rules,
        tokens,
    )

    return [
        tokens.bp,
        accounts.bp,
        district.bp,
        areas.bp,
        plans.bp,
        jobs.bp,
        teams_rules.bp,
        checkins.bp,
        edits.bp,
        districts.bp,
    ]


#: Paths of the whole service, not of one district: not repeated under ``/districts/{id}``.
CITY_WIDE = ("/token", "/account", "/users", "/districts", "/city")

DISTRICT_PARAMETER = {
    "name": "district_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The district the request is about (GET /api/v1/districts lists them).",
}


def document_district_paths(api: PatrolApi) -> None:
    """Describe each district endpoint once more at ``/api/v1/districts/{district_id}/...``.

    The app serves those paths through :class:`web.districts.registry.DistrictPaths`, which
    hands the request to the plain endpoint for the district named, so they are not Flask
    rules of their own; this puts them in the OpenAPI document, with the district as a path
    parameter, so that a client reading it can address every district explicitly. The
    district itself (``/api/v1/district``) is ``/api/v1/districts/{district_id}``.
    """
    paths = api.spec.to_dict().get("paths", {})
    for path, item in list(paths.items()):
        rest = path.removeprefix(PREFIX)
        if rest.startswith(CITY_WIDE) or rest.startswith(("/openapi", "/docs")):
            continue
        target = f"{PREFIX}/districts/{{district_id}}" + ("" if rest == "/district" else rest)
        operations = {}
        for method, op in item.items():
            if method == "parameters":
                continue
            copy = dict(op)
            if "operationId" in copy:
                copy["operationId"] = f"{copy['operationId']}InDistrict"
            operations[method] = copy
        parameters = [dict(DISTRICT_PARAMETER), *item.get("parameters", [])]
        # flask-smorest's spec takes a path as a Flask rule (bound to a map to be read).
        rule = Rule(re.sub(r"{(\w+)}", r"<\1>", target), defaults={})
        Map([rule])
        api.spec.path(rule=rule, operations=operations, parameters=parameters)


def init_api(app: Flask) -> PatrolApi:
    """Register the API's blueprints, its OpenAPI document and its JSON errors on ``app``."""
    settings: dict[str, Any] = {
        "API_TITLE": "Patrol planning API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Districts, key areas, incidents, rules, plans, planning jobs and "
                    "check-ins, with the same roles and checks as the web pages. Ask "
                    "POST /api/v1/token for a bearer token and send it as "
                    "'Authorization: Bearer <token>'."
                )
            },
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "signed"}
                }
            },
        },
    }
    for key, value in settings.items():
        app.config.setdefault(key, value)
    api = PatrolApi(app)
    blueprints = _blueprints()
    for bp in blueprints:
        api.register_blueprint(bp)
    document_district_paths(api)
    from web.api.docs import bp as docs_bp

    app.register_blueprint(docs_bp)
    app.before_request(load_api_user)
    app.before_request(check_json_body)
    init_errors(app)
    app.extensions["patrol_api"] = api
    return api
