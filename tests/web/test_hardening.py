"""Tests of what an attacker or a careless user tried: redirects, throttling, bad documents,
time zones in the API and the security headers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from tests.web.conftest import CSRF, WEB_PASSWORD, signed_in
from web.plans.store import import_plan

PLAN_JSON = Path(__file__).resolve().parents[1] / "data" / "plan" / "plan.json"

NESTED_JSON = "[" * 5000 + "]" * 5000
NESTED_TOML = "deep = " + "[" * 5000 + "]" * 5000 + "\n"


def token_of(app, role: str) -> str:
    response = app.test_client().post(
        "/api/v1/token", json={"name": role, "password": WEB_PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]


def bearer(app, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(app, role)}"}


def instance_digest(app) -> dict[str, str]:
    """Return a digest of every file of the instance folder (and the database beside it)."""
    root = Path(app.instance_path)
    files = sorted(p for p in root.parent.rglob("*") if p.is_file())
    return {
        str(p.relative_to(root.parent)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def one_sentence(text: str) -> None:
    assert text.endswith(".") or text.endswith("。"), text
    assert "Traceback" not in text and "\n" not in text.strip(), text


@pytest.fixture
def app(make_web_app):
    return make_web_app()


# ---------------------------------------------------------------------------------------------
# 1. Redirect after login


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",  # a tab, dropped by browsers: //evil.example
        "/%0d%0aSet-Cookie:x=1",  # CR LF: a second header
        "/%0a/evil.example",  # a newline, dropped by browsers
        "//evil.example/x",  # a scheme-relative URL
        "/\\evil.example",  # a backslash, read as a slash by browsers
        "https://evil.example/",  # another site
        "/%E2%80%8B/evil.example",  # a zero-width space (a format character)
    ],
)
def test_login_redirects_only_to_paths_of_the_site(app, target: str) -> None:
    """Tests that ?next= is followed only when it is a same-site path, never to another host."""
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    response = client.post(
        f"/login?next={target}",
        data={"name": "viewer", "password": WEB_PASSWORD, "csrf_token": CSRF},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "x" not in response.headers.getlist("Set-Cookie")[0].split("=")[0]


def test_login_follows_a_same_site_path_with_its_query(app) -> None:
    """Tests that a plain path with a query (a QR link's) is still followed after login."""
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    response = client.post(
        "/login?next=/plans/%3Flang%3Den",
        data={"name": "viewer", "password": WEB_PASSWORD, "csrf_token": CSRF},
    )
    assert response.headers["Location"] == "/plans/?lang=en"


# ---------------------------------------------------------------------------------------------
# 2. Throttled sign-in


def test_failed_logins_are_throttled_per_address(app) -> None:
    """Tests that the eleventh wrong password in a minute is answered 429 in one sentence,
    while the first ten are answered as wrong passwords."""
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    data = {"name": "viewer", "password": "wrong password", "csrf_token": CSRF}
    codes = [client.post("/login?lang=en", data=data).status_code for _ in range(10)]
    assert codes == [401] * 10
    response = client.post("/login?lang=en", data=data)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    right = {**data, "password": WEB_PASSWORD}
    assert client.post("/login", data=right).status_code == 429  # even the right one, for now


def test_right_logins_are_not_counted(app) -> None:
    """Tests that signing in rightly many times is never throttled."""
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    data = {"name": "viewer", "password": WEB_PASSWORD, "csrf_token": CSRF}
    for _ in range(15):
        assert client.post("/login", data=data).status_code == 302
        with client.session_transaction() as sess:
            sess["csrf_token"] = CSRF


def test_failed_tokens_are_throttled(app) -> None:
    """Tests that POST /api/v1/token answers 429 in JSON after ten wrong passwords."""
    client = app.test_client()
    body = {"name": "admin", "password": "wrong password"}
    assert [client.post("/api/v1/token", json=body).status_code for _ in range(10)] == [401] * 10
    response = client.post("/api/v1/token", json=body)
    assert response.status_code == 429
    assert response.get_json()["error"].startswith("Too many failed sign-ins")


# ---------------------------------------------------------------------------------------------
# 4. Bad documents: no 500, one sentence, nothing saved


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        # a lone surrogate, before any sign-in
        ("/api/v1/token", '{"name": "\\ud800", "password": "x"}', "not valid Unicode at name"),
        ("/api/v1/token", '{"name": "a\\u0000", "password": "x"}', "NUL character at name"),
        ("/api/v1/token", NESTED_JSON, "nested more than 64 levels"),
    ],
)
def test_bad_json_bodies_get_one_sentence(app, path: str, body: str, fragment: str) -> None:
    """Tests that a JSON body with a lone surrogate, a NUL or deep nesting is answered 400."""
    response = app.test_client().post(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    one_sentence(error)
    assert fragment in error


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/teams", NESTED_JSON),
        ("PUT", "/api/v1/rules", '{"text": "name = \\"\\udfff\\"\\n"}'),
        (
            "POST",
            "/api/v1/areas/import",
            '{"type": "FeatureCollection", "features": ' + NESTED_JSON + "}",
        ),
        (
            "POST",
            "/api/v1/district/incidents/import",
            '{"filename": "x.geojson", "content": "\\ud800"}',
        ),
    ],
)
def test_bad_json_bodies_change_nothing(make_web_app, method: str, path: str, body: str) -> None:
    """Tests that refused bodies of the editing endpoints leave every stored file as it was."""
    app = make_web_app()
    headers = bearer(app, "admin")
    client = app.test_client()
    client.get("/api/v1/teams", headers=headers)  # the working copy exists before the digest
    before = instance_digest(app)
    response = client.open(
        path, method=method, data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    one_sentence(response.get_json()["error"])
    assert instance_digest(app) == before


@pytest.mark.parametrize("kind", ["teams", "rules"])
def test_nested_toml_is_refused_by_the_api_and_the_raw_editor(make_web_app, kind: str) -> None:
    """Tests that deeply nested TOML is refused in one sentence by PUT and by the raw form."""
    app = make_web_app()
    headers = bearer(app, "admin")
    client = app.test_client()
    client.get(f"/api/v1/{kind}", headers=headers)
    before = instance_digest(app)
    response = client.put(f"/api/v1/{kind}", json={"text": NESTED_TOML}, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == f"{kind}.toml is nested more than 64 levels deep."

    page = signed_in(app, "captain")
    response = page.post(f"/teams/raw/{kind}", data={"text": NESTED_TOML, "csrf_token": CSRF})
    assert response.status_code == 400
    assert f"{kind}.toml 嵌套超过 64 层。" in response.get_data(as_text=True)
    assert instance_digest(app) == before


def test_nested_geojson_upload_is_refused(make_web_app) -> None:
    """Tests that an areas file nested too deeply is refused by the import form, nothing kept
    but the uploaded copy."""
    from io import BytesIO

    app = make_web_app()
    client = signed_in(app, "planner")
    body = '{"type": "FeatureCollection", "features": ' + NESTED_JSON + "}"
    response = client.post(
        "/areas/import?lang=en",
        data={"file": (BytesIO(body.encode()), "deep.geojson"), "csrf_token": CSRF},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "deep.geojson is nested more than 64 levels deep." in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# 9. Times with their zone


def test_api_times_carry_their_zone(make_web_app) -> None:
    """Tests that every time of the plans and edits endpoints says its zone (date-time)."""
    app = make_web_app()
    from web.db import new_session

    with new_session(app) as session:
        import_plan(app, session, PLAN_JSON, title="test plan")
    headers = bearer(app, "admin")
    client = app.test_client()
    times = [p["created_at"] for p in client.get("/api/v1/plans", headers=headers).get_json()]
    detail = client.get("/api/v1/plans/1", headers=headers).get_json()
    times += [detail["plan"]["created_at"], detail["summary"]["created_at"]]
    area_id = client.get("/api/v1/areas", headers=headers).get_json()["features"][0]["id"]
    response = client.put(f"/api/v1/hotspots/{area_id}", json={"weight": 2}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    edits = client.get("/api/v1/edits", headers=headers).get_json()["items"]
    times += [e["created_at"] for e in edits]
    assert len(times) >= 4
    for text in times:
        assert datetime.fromisoformat(text).utcoffset() is not None, text


# ---------------------------------------------------------------------------------------------
# 10. Security headers


@pytest.mark.parametrize("path", ["/", "/login", "/map/frame", "/api/v1/openapi.json"])
def test_answers_carry_security_headers(app, path: str) -> None:
    """Tests that pages, map frames and the API send CSP, frame, nosniff and referrer headers
    that load nothing from other sites."""
    response = app.test_client().get(path)
    assert response.status_code < 400, path
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert "http" not in csp  # no other site is allowed
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


# ---------------------------------------------------------------------------------------------
# 5. Bounds: the job queue and the horizon


def test_queued_jobs_are_capped_per_user_and_in_all(make_web_app, monkeypatch) -> None:
    """Tests that a fourth waiting job of one user and a job past the app's cap are refused
    with one sentence (page and API), and nothing more is queued."""
    from sqlalchemy import func, select

    from web.db import Job, new_session
    from web.jobs import queue as jobs

    app = make_web_app()
    page = signed_in(app, "captain")
    form = {"start": "2026-12-07", "days": "1", "seed": "0", "time_limit": "26"}
    for _ in range(jobs.MAX_QUEUED_PER_USER):
        assert page.post("/jobs/new", data={**form, "csrf_token": CSRF}).status_code == 302
    refused = page.post("/jobs/new?lang=en", data={**form, "csrf_token": CSRF})
    assert refused.status_code == 400
    assert "You have 3 plans queued or being made" in refused.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token_of(app, 'captain')}"}
    api = app.test_client().post(
        "/api/v1/jobs", json={"start": "2026-12-07", "days": 1}, headers=headers
    )
    assert api.status_code == 429 and api.get_json()["error"].startswith("You have 3 plans")
    monkeypatch.setattr(jobs, "MAX_QUEUED", 3)
    admin = {"Authorization": f"Bearer {token_of(app, 'admin')}"}
    full = app.test_client().post(
        "/api/v1/jobs", json={"start": "2026-12-07", "days": 1}, headers=admin
    )
    assert full.status_code == 429 and full.get_json()["error"] == (
        "3 plans are queued or being made; try again later."
    )
    with new_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 3


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "2099-12-31"])
def test_job_dates_out_of_range_are_refused(app, start: str) -> None:
    """Tests that the job form and the API refuse days past the accepted dates in one sentence."""
    page = signed_in(app, "captain")
    data = {"start": start, "days": "2", "seed": "0", "time_limit": "26", "csrf_token": CSRF}
    response = page.post("/jobs/new?lang=en", data=data)
    assert response.status_code == 400
    assert "A plan&#39;s days must lie from 2000-01-01 to 2099-12-31." in response.get_data(
        as_text=True
    )
    headers = {"Authorization": f"Bearer {token_of(app, 'captain')}"}
    api = app.test_client().post("/api/v1/jobs", json={"start": start, "days": 2}, headers=headers)
    assert api.status_code == 422 and api.get_json()["field"] == "start"


def test_the_throttle_outlives_garbage_collection(app) -> None:
    """Tests that the login throttle still answers after a garbage collection (the limiter is
    kept by the app, not only weakly by its decorators)."""
    import gc

    gc.collect()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    response = client.post("/login", data={"name": "x", "password": "y", "csrf_token": CSRF})
    assert response.status_code == 401


# ---------------------------------------------------------------------------------------------
# 8. Debris of killed edits and failed jobs


def test_debris_of_killed_edits_and_failed_jobs_is_removed(app) -> None:
    """Tests that staging folders of ended processes or older than ten minutes go, a live
    process's young one stays, and only failed and cancelled plans lose their snapshot."""
    import os
    import time

    from web.db import Plan, new_session
    from web.debris import clean_debris
    from web.workspace import ensure

    parent = ensure(app).parent
    dead = subprocess_pid()
    folders = {
        "dead": parent / f".district-edit-{dead}-abc",
        "live": parent / f".district-edit-{os.getpid()}-def",
        "old": parent / f".district-edit-{os.getpid()}-ghi",
        "new-copy": parent / ".district-new-xyz",
    }
    for folder in folders.values():
        folder.mkdir()
        (folder / "district.gpkg").write_bytes(b"x" * 1000)
    hour_ago = time.time() - 3600
    os.utime(folders["old"], (hour_ago, hour_ago))
    with new_session(app) as session:
        for status in ("failed", "cancelled", "ready", "running"):
            session.add(Plan(title=status, district="d", start="2026-12-07", days=1, status=status))
        session.commit()
    for plan_id in (1, 2, 3, 4):
        data = Path(app.instance_path) / "plans" / str(plan_id) / "data"
        data.mkdir(parents=True)
        (data / "manifest.toml").write_text("", encoding="utf-8")
    removed = clean_debris(app)
    assert not folders["dead"].exists() and not folders["old"].exists()
    assert folders["live"].exists() and folders["new-copy"].exists()  # young, no process id
    kept = [
        p for p in (1, 2, 3, 4) if (Path(app.instance_path) / "plans" / str(p) / "data").exists()
    ]
    assert kept == [3, 4]
    assert len(removed) == 4


def subprocess_pid() -> int:
    """Return the id of a process that has ended."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_edit_killed_after_its_record_is_completed_at_start(app) -> None:
    """Tests that a staging folder whose audit record was committed has its files moved in at
    the next start, and one whose record never was is discarded with the file untouched."""
    import shutil

    from web import workspace
    from web.db import Edit, new_session
    from web.debris import clean_debris

    folder = workspace.ensure(app)
    before = (folder / "teams.toml").read_text(encoding="utf-8")
    dead = subprocess_pid()
    saved, lost = (folder.parent / f".district-edit-{dead}-{n}" for n in ("saved", "lost"))
    for staged, line in ((saved, "# saved\n"), (lost, "# lost\n")):
        shutil.copytree(folder, staged)
        (staged / "teams.toml").write_text(before + line, encoding="utf-8")
    with new_session(app) as session:
        edit = Edit(kind="teams", action="replace", target="teams.toml", summary="s", after="{}")
        session.add(edit)
        session.commit()
        workspace._write_journal(saved, edit, ["teams.toml"])
        ghost = Edit(id=99, kind="teams", action="replace", target="teams.toml", summary="g")
        workspace._write_journal(lost, ghost, ["teams.toml"])  # never committed
    clean_debris(app)
    assert (folder / "teams.toml").read_text(encoding="utf-8") == before + "# saved\n"
    assert not saved.exists() and not lost.exists()
