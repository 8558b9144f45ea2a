"""Tests of the JSON API: tokens, roles, JSON errors, edits through the services, the fuzzer."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.web.conftest import WEB_PASSWORD, WEB_ROLES
from web.accounts.auth import PERMISSIONS
from web.api import CITY_WIDE
from web.db import CheckIn, Edit, Job, Plan, User, new_session
from web.plans.in_force import publish
from web.plans.store import import_plan

PLAN_JSON = Path(__file__).resolve().parents[1] / "data" / "plan" / "plan.json"


def count(app, model) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(model))


def make_app(make_web_app, **config):
    """The default district, one user per role (the member in group g1), plan 1 ready."""
    app = make_web_app(member_groups=("g1",), **config)
    with new_session(app) as session:
        row = import_plan(app, session, PLAN_JSON, title="test plan")
        publish(session, row, None)  # members and viewers see published plans only
    return app


def token_of(app, role: str) -> str:
    response = app.test_client().post(
        "/api/v1/token", json={"name": role, "password": WEB_PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]


def bearer(app, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(app, role)}"}


def assert_error(response, status: int, field: str | None = "") -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error", "field"}
    assert body["error"].endswith(".") and "Traceback" not in body["error"]
    if field != "":
        assert body["field"] == field, body
    return body


@pytest.fixture
def app(make_web_app):
    return make_app(make_web_app)


# ---------------------------------------------------------------------------------------------
# The OpenAPI document


def test_openapi_document_validates_and_lists_every_endpoint(app) -> None:
    """Tests that /api/v1/openapi.json is a valid OpenAPI 3 document of every API rule."""
    from openapi_spec_validator import validate

    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    documented = {
        (method.upper(), path)
        for path, ops in doc["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }
    rules = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith(("openapi.json", "docs")):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            rules |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    # Each district endpoint is described once more under /districts/{district_id}.
    in_district = {
        (m, "/api/v1/districts/{district_id}" + ("" if rest == "/district" else rest))
        for m, path in rules
        if not (rest := path.removeprefix("/api/v1")).startswith(CITY_WIDE)
    }
    assert ("GET", "/api/v1/districts/{district_id}/plans/{plan_id}") in in_district
    assert ("GET", "/api/v1/districts/{district_id}") in in_district
    assert documented == rules | in_district
    for _m, path in in_district:
        params = doc["paths"][path]["parameters"]
        assert params[0]["name"] == "district_id" and params[0]["in"] == "path"
    # The described paths are served: the district's plans by its id.
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_of(app, 'captain')}"}
    districts = client.get("/api/v1/districts", headers=headers).get_json()
    district = next(d["id"] for d in districts if d["default"])
    plain = client.get("/api/v1/plans", headers=headers)
    addressed = client.get(f"/api/v1/districts/{district}/plans", headers=headers)
    assert addressed.status_code == plain.status_code == 200
    assert addressed.get_json() == plain.get_json()
    page = app.test_client().get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert all(path in text for _m, path in rules)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            if path == "/api/v1/token":
                assert op["security"] == []
                continue
            roles = op["x-roles"]
            permission = op["x-permission"]
            if permission != "signed_in":
                assert sorted(PERMISSIONS[permission]) == roles
                assert "403" in op["responses"]
            assert "401" in op["responses"]


# ---------------------------------------------------------------------------------------------
# Tokens


def test_token_needs_the_right_password_and_names_the_field(app) -> None:
    """Tests that a wrong password is 401 and a missing or wrongly typed field 422 naming it."""
    client = app.test_client()
    assert_error(
        client.post("/api/v1/token", json={"name": "admin", "password": "nope nope"}),
        401,
        "password",
    )
    assert_error(client.post("/api/v1/token", json={"name": "admin"}), 422, "password")
    assert_error(client.post("/api/v1/token", json={"name": 5, "password": "x"}), 422, "name")
    assert_error(client.post("/api/v1/token", data="{bad", content_type="application/json"), 400)
    body = client.post("/api/v1/token", json={"name": "planner", "password": WEB_PASSWORD})
    data = body.get_json()
    assert data["token_type"] == "Bearer" and data["user"]["role"] == "planner"
    assert data["expires_in"] == 8 * 3600


def test_forged_expired_and_stale_tokens_are_refused(app, monkeypatch) -> None:
    """Tests that a token signed with another key, altered, expired or older than the
    password is 401, and that a cookie session is not used when a bearer token is sent."""
    from itsdangerous import URLSafeTimedSerializer

    client = app.test_client()
    good = token_of(app, "admin")
    assert (
        client.get("/api/v1/plans", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )
    forged = URLSafeTimedSerializer("another key", salt="patrol-api-token").dumps({"uid": 1})
    for token in (forged, good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "x.y.z"):
        body = assert_error(
            client.get("/api/v1/plans", headers={"Authorization": f"Bearer {token}"}),
            401,
            "Authorization",
        )
        assert "not valid" in body["error"]
    assert_error(client.get("/api/v1/plans", headers={"Authorization": "Basic abc"}), 401)
    # A session's signed value (other salt) is no token.
    session_like = URLSafeTimedSerializer("test", salt="cookie-session").dumps({"uid": 1})
    assert_error(
        client.get("/api/v1/plans", headers={"Authorization": f"Bearer {session_like}"}), 401
    )
    # Expiry: the token's time is more than the lifetime ago.
    later = time.time() + 8 * 3600 + 5
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    body = assert_error(
        client.get("/api/v1/plans", headers={"Authorization": f"Bearer {good}"}), 401
    )
    assert "expired" in body["error"]
    monkeypatch.undo()
    # A new password ends the tokens made before it.
    from werkzeug.security import generate_password_hash

    with new_session(app) as session:
        user = session.scalars(select(User).where(User.name == "admin")).one()
        user.password_hash = generate_password_hash("another password", "pbkdf2:sha256:1000")
        session.commit()
    assert_error(client.get("/api/v1/plans", headers={"Authorization": f"Bearer {good}"}), 401)


def test_bearer_requests_skip_csrf_but_cookie_sessions_need_it(app, client_as) -> None:
    """Tests that API writes with a bearer token need no CSRF token, that a signed-in browser
    session must send it, and that a bad bearer token never falls back to the session."""
    from tests.web.conftest import CSRF

    body = {"start": "2026-10-01", "days": 1}
    client = client_as(app, "captain")
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    assert_error(client.post("/api/v1/jobs", json=body), 400, "X-CSRF-Token")
    assert count(app, Job) == 0
    ok = client.post("/api/v1/jobs", json=body, headers={"X-CSRF-Token": CSRF})
    assert ok.status_code == 201
    assert_error(
        client.post("/api/v1/jobs", json=body, headers={"Authorization": "Bearer nonsense"}), 401
    )
    fresh = app.test_client()
    assert fresh.post("/api/v1/jobs", json=body, headers=bearer(app, "captain")).status_code == 201
    assert count(app, Job) == 2
    # Pages keep their CSRF check even with a bearer header.
    page = client.post(
        "/jobs/new",
        data={"start": "2026-10-01", "days": "1"},
        headers={"Authorization": "Bearer x"},
    )
    assert page.status_code == 400


# ---------------------------------------------------------------------------------------------
# Roles


def matrix(area_id: str, route_id: str) -> list[tuple[str, str, Any, str | None]]:
    """(method, path, JSON body, permission): writes carry bodies refused after the role check."""
    return [
        ("GET", "/api/v1/district", None, None),
        ("GET", "/api/v1/district/layers/posts", None, None),
        ("GET", "/api/v1/district/incidents?per_page=3", None, "view_coverage"),
        ("POST", "/api/v1/district/incidents/import", {}, "edit_areas"),
        ("GET", "/api/v1/areas", None, None),
        ("GET", f"/api/v1/areas/{area_id}", None, None),
        ("POST", "/api/v1/areas", {}, "edit_areas"),
        ("PATCH", f"/api/v1/areas/{area_id}", {"priority": 9}, "edit_areas"),
        ("DELETE", "/api/v1/areas/no-such-area", None, "edit_areas"),
        ("POST", "/api/v1/areas/import?preview=true", {}, "edit_areas"),
        ("GET", "/api/v1/plans", None, "view_plans"),
        ("GET", "/api/v1/plans/1", None, "view_plans"),
        ("GET", f"/api/v1/plans/1/routes/{route_id}", None, "view_routes"),
        ("GET", "/api/v1/plans/1/documents", None, "download"),
        ("GET", "/api/v1/plans/1/documents/plan.json", None, "download"),
        ("POST", "/api/v1/jobs", {"days": 1}, "make_plans"),
        ("GET", "/api/v1/jobs/999", None, "view_plans"),
        ("POST", "/api/v1/jobs/999/cancel", None, "make_plans"),
        ("GET", "/api/v1/rules", None, "edit_teams"),
        ("PUT", "/api/v1/rules", {}, "edit_teams"),
        ("GET", "/api/v1/teams", None, "edit_teams"),
        ("PUT", "/api/v1/teams", {"text": 3}, "edit_teams"),
        ("POST", "/api/v1/rules/leave", {}, "edit_teams"),
        ("POST", "/api/v1/rules/leave/remove", {"keys": []}, "edit_teams"),
        ("POST", "/api/v1/checkins", {"token": "x"}, "check_in"),
        ("GET", "/api/v1/plans/1/checkins", None, "view_ledger"),
        ("GET", "/api/v1/plans/1/ledger", None, "view_ledger"),
        ("GET", "/api/v1/edits", None, "view_audit"),
        ("POST", "/api/v1/edits/999/undo", None, "view_audit"),
        ("GET", "/api/v1/hotspots", None, "edit_areas"),
        ("PUT", "/api/v1/hotspots/nowhere", {"weight": -1}, "edit_areas"),
        ("POST", "/api/v1/account/password", {"current": "", "password": ""}, None),
        ("POST", "/api/v1/users/999/password", {"password": "long enough"}, "manage_users"),
        ("PUT", "/api/v1/users/999/disabled", {"disabled": True}, "manage_users"),
        ("GET", "/api/v1/districts", None, None),
        ("GET", "/api/v1/city", None, "view_coverage"),
    ]


def test_every_endpoint_for_every_role(app) -> None:
    """Tests each endpoint x role: allowed roles pass the role check, others get 403, no token
    401, and a refused write changes nothing."""
    client = app.test_client()
    headers = {role: bearer(app, role) for role in WEB_ROLES}
    area_id = client.get("/api/v1/areas", headers=headers["admin"]).get_json()["features"][0]["id"]
    route_id = "g1-2026-09-30-D"
    edits, jobs = count(app, Edit), count(app, Job)
    for method, path, body, permission in matrix(area_id, route_id):
        allowed = set(WEB_ROLES) if permission is None else PERMISSIONS[permission]
        kwargs = {"json": body} if body is not None else {}
        assert_error(client.open(path, method=method, **kwargs), 401, "Authorization")
        for role in WEB_ROLES:
            response = client.open(path, method=method, headers=headers[role], **kwargs)
            where = f"{method} {path} as {role}: {response.get_data(as_text=True)[:200]}"
            response.close()
            assert response.status_code < 500, where
            if role in allowed:
                assert response.status_code not in (401, 403), where
                if method == "GET" and "999" not in path:
                    assert response.status_code == 200, where
                else:
                    assert response.status_code in (200, 404, 422), where
            else:
                assert response.status_code == 403, where
                assert response.get_json()["error"].startswith("Your role may not")
    assert (count(app, Edit), count(app, Job)) == (edits, jobs)
    adapter = app.url_map.bind("localhost")
    tested = {
        adapter.match(path.partition("?")[0], method=method)[0]
        for method, path, _b, _p in matrix(area_id, route_id)
    }
    api = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api_")
    }
    # Logging out everywhere would end the tokens used here (tests/web/accounts/test_accounts.py).
    untested = {
        "api_tokens.issue_token",
        "api_docs_page.docs_page",
        "api_accounts.logout_everywhere",
    }
    assert api - tested == untested


def test_members_and_viewers_do_not_see_drafts(app) -> None:
    """Tests that a draft plan is listed and opened for a captain, but not a member or viewer."""
    with new_session(app) as session:
        draft = import_plan(app, session, PLAN_JSON, title="draft").id
    client = app.test_client()
    captain = {p["id"] for p in client.get("/api/v1/plans", headers=bearer(app, "captain")).json}
    assert {1, draft} <= captain
    for role in ("member", "viewer"):
        listed = {p["id"] for p in client.get("/api/v1/plans", headers=bearer(app, role)).json}
        assert 1 in listed and draft not in listed
        assert_error(client.get(f"/api/v1/plans/{draft}", headers=bearer(app, role)), 404)
    assert client.get(f"/api/v1/plans/{draft}", headers=bearer(app, "captain")).status_code == 200


def test_members_see_only_their_groups_routes(app) -> None:
    """Tests that a member's plan lists only the routes of its groups and other routes are 403."""
    client = app.test_client()
    member, admin = bearer(app, "member"), bearer(app, "admin")
    all_routes = {
        r["id"] for r in client.get("/api/v1/plans/1", headers=admin).get_json()["routes"]
    }
    mine = {r["id"] for r in client.get("/api/v1/plans/1", headers=member).get_json()["routes"]}
    assert mine == {r for r in all_routes if r.startswith("g1-")} and mine != all_routes
    other = next(iter(all_routes - mine))
    assert_error(client.get(f"/api/v1/plans/1/routes/{other}", headers=member), 403, "route_id")
    route = client.get(f"/api/v1/plans/1/routes/{next(iter(mine))}", headers=member).get_json()
    assert route["group_id"] == "g1" and route["stops"][0]["kind"] == "base"
    viewer = client.get("/api/v1/plans/1", headers=bearer(app, "viewer")).get_json()
    assert viewer["routes"] is None and viewer["documents"] is None and viewer["roster"]


def test_errors_under_the_api_are_json_pages_stay_html(app) -> None:
    """Tests that unknown paths, wrong methods and missing rows under /api/ answer JSON."""
    client = app.test_client()
    headers = bearer(app, "admin")
    assert_error(client.get("/api/v1/nothing-here", headers=headers), 404)
    assert_error(client.get("/api/v2/plans"), 404)
    response = client.delete("/api/v1/plans", headers=headers)
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_error(client.get("/api/v1/plans/99", headers=headers), 404, "plan_id")
    assert_error(client.get("/api/v1/plans/99999999999999999999", headers=headers), 404)
    assert_error(client.get("/api/v1/district/layers/secrets", headers=headers), 404)
    assert client.get("/plans/nothing").mimetype == "text/html"
    assert_error(client.get("/api/v1/district/incidents?page=0", headers=headers), 422, "page")


# ---------------------------------------------------------------------------------------------
# Reads


def test_district_summary_layers_and_incident_pages(app) -> None:
    """Tests the district's figures (no server path), a layer as GeoJSON and incident paging."""
    client = app.test_client()
    headers = bearer(app, "planner")
    summary = client.get("/api/v1/district", headers=headers).get_json()
    assert summary["key_areas"] > 0 and "path" not in summary
    layer = client.get("/api/v1/district/layers/key_areas", headers=headers)
    assert layer.mimetype == "application/geo+json"
    assert len(json.loads(layer.get_data())["features"]) == summary["key_areas"]
    first = client.get("/api/v1/district/incidents?per_page=2", headers=headers).get_json()
    second = client.get("/api/v1/district/incidents?per_page=2&page=2", headers=headers).get_json()
    assert first["total"] == summary["incidents"] and len(first["items"]) == 2
    assert first["items"][1]["time"] <= second["items"][0]["time"]


def test_plan_documents_download_through_the_api(app) -> None:
    """Tests that the documents list links to API downloads that return the plan's files."""
    client = app.test_client()
    headers = bearer(app, "planner")
    docs = client.get("/api/v1/plans/1/documents", headers=headers).get_json()
    urls = {d["name"]: d["url"] for d in docs}
    assert urls["plan.json"] == "/api/v1/plans/1/documents/plan.json"
    got = client.get(urls["plan.json"], headers=headers)
    assert got.status_code == 200
    assert json.loads(got.get_data())["plan_id"] == json.loads(PLAN_JSON.read_text())["plan_id"]
    got.close()
    assert_error(client.get("/api/v1/plans/1/documents/secret.txt", headers=headers), 404)


# ---------------------------------------------------------------------------------------------
# Writes


def test_key_area_add_update_delete_and_bad_bodies(app) -> None:
    """Tests that a planner adds, moves and deletes a key area (each an audited edit) and that
    bad bodies are refused naming the field with nothing changed."""
    client = app.test_client()
    headers = bearer(app, "planner")
    before = client.get("/api/v1/areas", headers=headers).get_json()
    summary = client.get("/api/v1/district", headers=headers).get_json()
    lon, lat = (
        before["features"][0]["geometry"]["coordinates"][:2]
        if before["features"][0]["geometry"]["type"] == "Point"
        else (118.7812, 32.0412)
    )
    bad = [
        ({"name": "X", "category": "school"}, "geometry"),
        (
            {
                "name": "X",
                "category": "nope",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
            "category",
        ),
        (
            {
                "name": "X",
                "category": "school",
                "priority": 7,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
            "priority",
        ),
        (
            {
                "name": "X",
                "category": "school",
                "geometry": {"type": "Point", "coordinates": [0, 0]},
            },
            "geometry",
        ),
        (
            {
                "name": "X",
                "category": "school",
                "windows": "25:00-26:00",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
            "windows",
        ),
        (
            {
                "name": "X",
                "category": "school",
                "extra": 1,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
            "extra",
        ),
    ]
    for body, field in bad:
        assert_error(client.post("/api/v1/areas", json=body, headers=headers), 422, field)
    assert count(app, Edit) == 0
    assert client.get("/api/v1/areas", headers=headers).get_json() == before
    new = {
        "name": "API test school",
        "category": "school",
        "windows": "07:20-08:00",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }
    made = client.post("/api/v1/areas", json=new, headers=headers)
    assert made.status_code == 201, made.get_data(as_text=True)
    area = made.get_json()["area"]
    assert area["properties"]["name"] == "API test school" and made.get_json()["edit_id"] == 1
    area_id = area["id"]
    got = client.get(f"/api/v1/areas/{area_id}", headers=headers).get_json()
    assert got["properties"]["windows"] == "07:20-08:00"
    moved = client.patch(
        f"/api/v1/areas/{area_id}",
        headers=headers,
        json={"priority": 5, "geometry": {"type": "Point", "coordinates": [lon + 0.0005, lat]}},
    )
    assert moved.status_code == 200 and moved.get_json()["area"]["properties"]["priority"] == 5
    assert (
        client.get("/api/v1/district", headers=headers).get_json()["key_areas"]
        == summary["key_areas"] + 1
    )
    assert client.delete(f"/api/v1/areas/{area_id}", headers=headers).status_code == 200
    assert_error(client.get(f"/api/v1/areas/{area_id}", headers=headers), 404, "area_id")
    assert_error(client.delete(f"/api/v1/areas/{area_id}", headers=headers), 404, "area_id")
    with new_session(app) as session:
        kinds = [(e.kind, e.action) for e in session.scalars(select(Edit).order_by(Edit.id))]
    assert kinds == [("area", "add"), ("area", "update"), ("area", "delete")]
    # The audit log and undo: a captain may read it but not undo key-area edits.
    log = client.get("/api/v1/edits?kind=area&details=true", headers=headers).get_json()
    assert [e["id"] for e in log["items"]] == [3, 2, 1] and log["data_version"] == 3
    assert log["items"][0]["before"]["id"] == area_id and log["items"][0]["after"] is None
    assert_error(client.post("/api/v1/edits/3/undo", headers=bearer(app, "captain")), 403)
    undone = client.post("/api/v1/edits/3/undo", headers=headers)
    assert undone.status_code == 200 and undone.get_json()["edit"]["undo_of"] == 3
    assert client.get(f"/api/v1/areas/{area_id}", headers=headers).status_code == 200
    assert_error(client.post("/api/v1/edits/3/undo", headers=headers), 409, "edit_id")
    assert_error(client.post("/api/v1/edits/1/undo", headers=headers), 409, "edit_id")
    assert_error(client.get("/api/v1/edits?kind=secret", headers=headers), 422, "kind")


def test_hotspot_pins_and_weights(app) -> None:
    """Tests that a planner pins and weights a key area as a hotspot, that a bad weight or an
    unknown place is refused, and that clearing the override removes it."""
    client = app.test_client()
    headers = bearer(app, "planner")
    area_id = client.get("/api/v1/areas", headers=headers).get_json()["features"][0]["id"]
    before = client.get("/api/v1/hotspots", headers=headers).get_json()
    assert_error(
        client.put("/api/v1/hotspots/nowhere", json={"pin": True}, headers=headers), 404, "place_id"
    )
    assert_error(
        client.put(f"/api/v1/hotspots/{area_id}", json={"weight": 101}, headers=headers),
        422,
        "weight",
    )
    assert count(app, Edit) == 0
    set_ = client.put(
        f"/api/v1/hotspots/{area_id}",
        json={"pin": True, "weight": 2.5, "note": "API"},
        headers=headers,
    )
    assert set_.status_code == 200, set_.get_data(as_text=True)
    mine = [h for h in set_.get_json()["hotspots"] if h["id"] == area_id]
    assert mine == [{"id": area_id, "pin": True, "weight": 2.5, "note": "API"}]
    cleared = client.put(f"/api/v1/hotspots/{area_id}", json={}, headers=headers).get_json()
    assert cleared["hotspots"] == before and cleared["edit_id"] == 2


def test_area_import_preview_and_incident_import(app) -> None:
    """Tests a GeoJSON import's preview (nothing stored), a rejected file refused whole, and
    an incident CSV preview and import."""
    client = app.test_client()
    headers = bearer(app, "admin")
    feature = client.get("/api/v1/areas", headers=headers).get_json()["features"][0]
    changed = {
        **feature,
        "properties": {
            **feature["properties"],
            "priority": 5 if feature["properties"]["priority"] != 5 else 4,
        },
    }
    collection = {"type": "FeatureCollection", "features": [changed]}
    preview = client.post("/api/v1/areas/import?preview=true", json=collection, headers=headers)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert len(preview.get_json()["updated"]) == 1 and preview.get_json()["imported"] is False
    assert count(app, Edit) == 0
    broken = {
        "type": "FeatureCollection",
        "features": [changed, {"type": "Feature", "properties": {"name": "x"}, "geometry": None}],
    }
    assert_error(client.post("/api/v1/areas/import", json=broken, headers=headers), 422)
    assert count(app, Edit) == 0
    done = client.post("/api/v1/areas/import", json=collection, headers=headers)
    assert done.status_code == 200 and done.get_json()["edit_id"] == 1

    total = client.get("/api/v1/district/incidents", headers=headers).get_json()["total"]
    good = "".join(f"API{i},2026-10-0{i} 21:30,theft,{{lon}},{{lat}}\n" for i in range(1, 6))
    csv = "id,time,category,lon,lat\n" + good + "APIX,not a time,theft,1,2\n"
    lon, lat = (
        feature["geometry"]["coordinates"][:2]
        if feature["geometry"]["type"] == "Point"
        else (118.7812, 32.0412)
    )
    body = {"filename": "new.csv", "content": csv.format(lon=lon, lat=lat)}
    seen = client.post("/api/v1/district/incidents/import?preview=true", json=body, headers=headers)
    assert seen.status_code == 200, seen.get_data(as_text=True)
    assert seen.get_json()["added"] == 5 and seen.get_json()["rejected"][0]["number"] == 7
    assert_error(
        client.post(
            "/api/v1/district/incidents/import", json={**body, "filename": "x.exe"}, headers=headers
        ),
        422,
        "filename",
    )
    stored = client.post("/api/v1/district/incidents/import", json=body, headers=headers)
    assert stored.status_code == 200 and stored.get_json()["edit_id"] == 2
    assert (
        client.get("/api/v1/district/incidents", headers=headers).get_json()["total"] == total + 5
    )


def test_rules_replace_is_checked_and_leave_added(app) -> None:
    """Tests that a bad rules text is refused with the checker's sentence and nothing changed,
    and that a captain adds and removes leave through the API."""
    client = app.test_client()
    headers = bearer(app, "captain")
    rules = client.get("/api/v1/rules", headers=headers).get_json()
    bad = rules["text"].replace("[rest]", "[rest]\nmin_rest_hours = -3", 1)
    assert_error(client.put("/api/v1/rules", json={"text": bad}, headers=headers), 422)
    assert_error(client.put("/api/v1/rules", json={"txt": "x"}, headers=headers), 422, "text")
    assert count(app, Edit) == 0
    same = client.put("/api/v1/rules", json={"text": rules["text"]}, headers=headers).get_json()
    assert same["edit_id"] is None
    teams = client.get("/api/v1/teams", headers=headers).get_json()["data"]
    member = teams["members"][0]["id"]
    day = rules["data"]["horizon"].get("start") or "2026-10-01"
    added = client.post(
        "/api/v1/rules/leave",
        headers=headers,
        json={"member": member, "from": day, "reason": "API"},
    )
    assert added.status_code == 200, added.get_data(as_text=True)
    keys = [item["key"] for item in added.get_json()["data"]["leave"] if item["member"] == member]
    assert keys and added.get_json()["edit_id"] == 1
    assert_error(
        client.post("/api/v1/rules/leave/remove", json={"keys": ["nobody|x|y"]}, headers=headers),
        422,
        "keys",
    )
    removed = client.post("/api/v1/rules/leave/remove", json={"keys": keys[-1:]}, headers=headers)
    assert removed.status_code == 200
    left = [item["key"] for item in removed.get_json()["data"]["leave"]]
    assert left == [item["key"] for item in rules["data"]["leave"]]


def test_jobs_are_queued_followed_and_cancelled(app) -> None:
    """Tests job creation as the planning form checks it, its state, and cancellation."""
    client = app.test_client()
    headers = bearer(app, "captain")
    for body, field in (
        ({"start": "2026-10-01", "days": 40}, "days"),
        ({"start": "2026-13-01", "days": 2}, "start"),
        ({"start": "2026-10-01", "days": 2, "time_limit": 1000}, "time_limit"),
        ({"start": "2026-10-01", "days": 2, "seed": -1}, "seed"),
        ({"days": 2}, "start"),
    ):
        assert_error(client.post("/api/v1/jobs", json=body, headers=headers), 422, field)
    assert count(app, Job) == 0 and count(app, Plan) == 1
    made = client.post(
        "/api/v1/jobs", json={"start": "2026-10-01", "days": 2, "title": "API"}, headers=headers
    )
    assert made.status_code == 201
    job = made.get_json()
    assert job["status"] == "queued"
    plans = client.get("/api/v1/plans", headers=headers).get_json()
    assert (
        plans[0]["id"] == job["plan_id"]
        and plans[0]["title"] == "API"
        and plans[0]["job_id"] == job["id"]
    )
    assert_error(client.get(f"/api/v1/plans/{job['plan_id']}", headers=headers), 409, "plan_id")
    cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers).get_json()
    assert cancelled["status"] == "cancelled"
    assert_error(client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers), 409, "job_id")


def test_check_in_with_a_qr_token_and_the_ledger(app, monkeypatch) -> None:
    """Tests a member's check-in with a stop's token (recorded, in the ledger), and forged,
    far-away, expired and other groups' check-ins refused with nothing stored."""
    import web.checkin.records as checkin
    from web.plans.store import load_document

    with new_session(app) as session:
        doc = load_document(app, session.get(Plan, 1))
    tokens = checkin.checkpoint_tokens(app, 1, doc)
    route = next(r for r in doc.routes if r.group_id == "g1")
    stop = route.stops[1]
    key = f"{route.id}/1"
    at = checkin._midnight(doc, route.date).timestamp() + stop.arrival
    monkeypatch.setattr(checkin, "now", lambda: datetime.fromtimestamp(at, UTC))
    client = app.test_client()
    member = bearer(app, "member")
    body = {"token": tokens[key], "lon": stop.lon, "lat": stop.lat, "accuracy_m": 10}
    assert_error(
        client.post("/api/v1/checkins", json={**body, "token": tokens[key] + "x"}, headers=member),
        422,
        "token",
    )
    assert_error(
        client.post("/api/v1/checkins", json={**body, "lat": stop.lat + 0.01}, headers=member),
        422,
        "lon",
    )
    assert_error(
        client.post("/api/v1/checkins", json={**body, "lat": 91}, headers=member), 422, "lat"
    )
    assert_error(client.post("/api/v1/checkins", json=body, headers=bearer(app, "planner")), 403)
    assert count(app, CheckIn) == 0
    made = client.post("/api/v1/checkins", json=body, headers=member)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["stop"] == key and made.get_json()["user"] == "member"
    assert_error(client.post("/api/v1/checkins", json=body, headers=member), 409)
    captain = bearer(app, "captain")
    listed = client.get("/api/v1/plans/1/checkins", headers=captain).get_json()
    assert [c["stop"] for c in listed] == [key]
    book = client.get("/api/v1/plans/1/ledger", headers=captain).get_json()
    visit = next(v for v in book["visits"] if v["stop_key"] == key)
    assert visit["status"] in ("done", "late") and book["total"]["done"] == 1
    monkeypatch.setattr(checkin, "now", lambda: datetime(2030, 1, 1, tzinfo=UTC))
    assert_error(
        client.post(
            "/api/v1/checkins", json={**body, "token": tokens[f"{route.id}/2"]}, headers=member
        ),
        422,
        "token",
    )
    assert count(app, CheckIn) == 1


# ---------------------------------------------------------------------------------------------
# The fuzzer


def test_schemathesis_finds_no_server_error(app) -> None:
    """Tests every operation of the OpenAPI document with schemathesis (positive and negative
    cases, derandomized, bounded) in-process, signed in as admin: no answer is a 5xx and every
    error is JSON."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    token = token_of(app, "admin")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.post(
            "/api/v1/jobs", json={"start": "2026-10-01", "days": 1}, headers=headers
        ).status_code
        == 201
    )
    area_id = client.get("/api/v1/areas", headers=headers).get_json()["features"][0]["id"]
    known = {"plan_id": 1, "job_id": 1, "area_id": area_id, "route_id": "g1-2026-09-30-D"}
    districts = client.get("/api/v1/districts", headers=headers).get_json()
    known["district_id"] = next(d["id"] for d in districts if d["default"])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    @schema.auth()
    class Bearer:
        def get(self, case, ctx):
            return token

        def set(self, case, data, ctx):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1
        names = set(re.findall(r"{(\w+)}", op.path))
        strategies = [
            op.as_strategy(generation_mode=m)
            for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        if names and names <= set(known):
            strategies.append(op.as_strategy(path_parameters={k: known[k] for k in names}))
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=8,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
            )
            def run(case) -> None:
                response = case.call()
                kind = " ".join(response.headers.get("content-type", []))
                assert response.status_code < 500, (response.status_code, response.text[:300])
                assert response.status_code < 400 or "json" in kind, (kind, response.text[:200])

            try:
                run()
            except Exception as exc:  # collect every operation's failure, then report all
                failures.append(f"{op.method.upper()} {op.path}: {exc!r}"[:1000])
    assert operations >= 25
    assert not failures, "\n".join(failures)
