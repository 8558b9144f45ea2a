"""Tests of many districts in one service (web.districts.registry, .scope and .views).

The app serves the tiny district (id ``tiny``, the default) and ``north``, a second district
added from the same bundle. ``ncap`` is captain of north and nobody in tiny, ``nmem`` a
member of north (group g1); the conftest users have their roles in tiny only. Plan 1
(tiny) and plan 2 (north) are the fixture plan, published.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from planner.plan.document import read_plan
from tests.web.conftest import _FAST_HASH, CSRF, WEB_PASSWORD
from web.accounts.users import create_user
from web.checkin.records import checkpoint_tokens
from web.db import CheckIn, Edit, Job, Plan, new_session
from web.districts.registry import DistrictError, add_district, grant, roles_of
from web.plans.in_force import publish
from web.plans.store import import_plan
from web.workspace import workspace_dir

if TYPE_CHECKING:
    from flask import Flask

CST = timezone(timedelta(hours=8))
DURING_DAY = datetime(2026, 9, 30, 8, 10, tzinfo=CST)


@pytest.fixture
def app(make_web_app, tiny_bundle: Path, data_dir: Path, monkeypatch) -> Flask:
    """Two districts, their captains and members, one published plan in each."""
    monkeypatch.setattr("web.checkin.records.utcnow", lambda: DURING_DAY.astimezone(UTC))
    app = make_web_app(district=tiny_bundle, member_groups=("g1",))
    with new_session(app) as session:
        add_district(app, session, "north", tiny_bundle, "North")
        ncap = create_user(session, "ncap", "captain", WEB_PASSWORD, method=_FAST_HASH)
        nmem = create_user(
            session, "nmem", "member", WEB_PASSWORD, method=_FAST_HASH, groups=["g1"]
        )
        grant(app, session, ncap, "north", "captain")
        grant(app, session, ncap, "tiny", "none")
        grant(app, session, nmem, "north", "member")
        grant(app, session, nmem, "tiny", "none")
        nplan = create_user(session, "nplan", "planner", WEB_PASSWORD, method=_FAST_HASH)
        grant(app, session, nplan, "north", "planner")
        grant(app, session, nplan, "tiny", "none")
        for district in ("tiny", "north"):
            row = import_plan(app, session, data_dir / "plan" / "plan.json", title=district)
            row.district = district
            session.commit()
            publish(session, row, None)
    return app


def _client(app: Flask, name: str | None):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    if name is not None:
        form = {"name": name, "password": WEB_PASSWORD, "csrf_token": CSRF}
        assert client.post("/login", data=form).status_code == 302
        with client.session_transaction() as sess:
            sess["csrf_token"] = CSRF
    return client


def _bearer(app: Flask, name: str) -> dict[str, str]:
    answer = app.test_client().post("/api/v1/token", json={"name": name, "password": WEB_PASSWORD})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def _text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _count(app: Flask, table: type) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count()).select_from(table)))


def test_roles_are_per_district(app: Flask) -> None:
    """Tests that a granted user has their grants only, an ungranted one their role in the
    default district only, and an admin every district."""
    with new_session(app) as session:
        from web.db import find_user

        roles = {n: roles_of(app, session, find_user(session, n)) for n in ("ncap", "nmem")}
        roles |= {n: roles_of(app, session, find_user(session, n)) for n in ("captain", "admin")}
    assert roles == {
        "ncap": {"north": "captain"},
        "nmem": {"north": "member"},
        "captain": {"tiny": "captain"},
        "admin": {"tiny": "admin", "north": "admin"},
    }


def test_a_captain_of_one_district_cannot_see_the_other_in_pages(app: Flask) -> None:
    """Tests that the plan pages, ledgers, teams and jobs form of one district's captain show
    their district only, and the other district's plan is not found."""
    north = _client(app, "ncap")
    listing = unescape(north.get("/plans/").get_data(as_text=True))
    assert "/plans/2" in listing and '/plans/1"' not in listing
    assert north.get("/plans/2").status_code == 200
    for path in ("/plans/1", "/plans/1/coverage", "/plans/1/ledger"):
        assert north.get(path).status_code == 404, path
    tiny = _client(app, "captain")
    assert tiny.get("/plans/1").status_code == 200
    assert tiny.get("/plans/2").status_code == 404
    # the switcher offers a user only the districts where they have a role
    assert 'name="district"' not in tiny.get("/plans/").get_data(as_text=True)
    refused = tiny.post("/districts/switch", data={"district": "north", "csrf_token": CSRF})
    assert refused.status_code == 303
    assert tiny.get("/plans/2").status_code == 404


def test_a_captain_of_one_district_cannot_see_or_change_the_other_through_the_api(
    app: Flask,
) -> None:
    """Tests plans, jobs, hotspot pins and edits through /api/v1/districts/<id>/...: the captain of
    north works in north; tiny answers 403 (no role there) or 404 (not in this district), and
    nothing of tiny changes."""
    client = app.test_client()
    headers = _bearer(app, "ncap")
    assert [d["id"] for d in client.get("/api/v1/districts", headers=headers).json] == ["north"]
    assert client.get("/api/v1/plans", headers=headers).status_code == 403
    listed = client.get("/api/v1/districts/north/plans", headers=headers)
    assert [p["id"] for p in listed.json] == [2]
    assert client.get("/api/v1/districts/north/plans/1", headers=headers).status_code == 404
    assert client.get("/api/v1/districts/tiny/plans/1", headers=headers).status_code == 403
    assert client.get("/api/v1/districts/south/plans", headers=headers).status_code == 404
    body = {"start": "2026-12-07", "days": 1}
    assert client.post("/api/v1/jobs", json=body, headers=headers).status_code == 403
    made = client.post("/api/v1/districts/north/jobs", json=body, headers=headers)
    assert made.status_code == 201, made.get_data(as_text=True)
    job_id = made.get_json()["id"]
    with new_session(app) as session:
        assert session.get(Job, job_id).plan.district == "north"
    # tiny's captain neither sees nor cancels north's job
    tiny = _bearer(app, "captain")
    assert client.get(f"/api/v1/jobs/{job_id}", headers=tiny).status_code == 404
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=tiny).status_code == 404
    assert client.get(f"/api/v1/districts/north/jobs/{job_id}", headers=tiny).status_code == 403
    # hotspot pins: north's planner changes north's working copy; tiny's stays as shipped
    planner = _bearer(app, "nplan")
    tiny_pins = _text(workspace_dir(app, "tiny") / "hotspots.toml")
    areas = client.get("/api/v1/districts/north/areas", headers=planner).get_json()
    area_id = areas["features"][0]["id"]
    pin = {"pin": True, "weight": 2.5, "note": "north"}
    put = client.put(f"/api/v1/districts/north/hotspots/{area_id}", json=pin, headers=planner)
    assert put.status_code == 200, put.get_data(as_text=True)
    north_pins = workspace_dir(app, "north") / "hotspots.toml"
    assert area_id in (_text(north_pins) or "")
    assert _text(workspace_dir(app, "tiny") / "hotspots.toml") == tiny_pins
    assert client.put(f"/api/v1/hotspots/{area_id}", json=pin, headers=planner).status_code == 403
    # the edit is north's: tiny's planner does not see it and cannot undo it
    edit_id = put.get_json()["edit_id"]
    with new_session(app) as session:
        assert session.get(Edit, edit_id).district == "north"
    tiny_planner = _bearer(app, "planner")
    assert client.get("/api/v1/edits", headers=tiny_planner).get_json()["total"] == 0
    undo = client.post(f"/api/v1/edits/{edit_id}/undo", headers=tiny_planner)
    assert undo.status_code in (404, 422), undo.get_data(as_text=True)
    assert area_id in (_text(north_pins) or "")


def test_check_ins_follow_the_plan_of_the_code(app: Flask) -> None:
    """Tests that a member of north signs in on north's plan, is refused on tiny's, and that
    tiny's member is refused on north's; refused sign-ins store nothing."""
    with new_session(app) as session:
        rows = {r.district: r for r in session.scalars(select(Plan))}
    doc = read_plan(rows["north"].plan_file(app.instance_path))
    stop = doc.routes[0].stops[1]
    key = f"{doc.routes[0].id}/1"
    north_code = "/c/" + checkpoint_tokens(app, rows["north"].id, doc)[key]
    tiny_code = "/c/" + checkpoint_tokens(app, rows["tiny"].id, doc)[key]
    form = {"csrf_token": CSRF, "lon": str(stop.lon), "lat": str(stop.lat), "accuracy": "10"}
    nmem = _client(app, "nmem")
    assert nmem.get(tiny_code).status_code == 403
    assert nmem.post(tiny_code, data=form).status_code == 403
    member = _client(app, "member")
    assert member.get(north_code).status_code == 403
    assert _count(app, CheckIn) == 0
    assert nmem.get(north_code).status_code == 200
    signed = nmem.post(north_code, data=form)
    assert signed.status_code in (200, 302, 303), signed.get_data(as_text=True)[:300]
    with new_session(app) as session:
        rec = session.scalars(select(CheckIn)).one()
    assert rec.plan_id == rows["north"].id
    # the API's sign-in follows the code's plan too
    body = {"token": north_code[3:], "lon": stop.lon, "lat": stop.lat, "accuracy_m": 10}
    tiny_member = app.test_client().post(
        "/api/v1/checkins", json=body, headers=_bearer(app, "member")
    )
    assert tiny_member.status_code == 403, tiny_member.get_data(as_text=True)
    key2 = f"{doc.routes[0].id}/2"
    body["token"] = checkpoint_tokens(app, rows["north"].id, doc)[key2]
    body["lon"], body["lat"] = doc.routes[0].stops[2].lon, doc.routes[0].stops[2].lat
    api = app.test_client().post("/api/v1/checkins", json=body, headers=_bearer(app, "nmem"))
    assert api.status_code == 201, api.get_data(as_text=True)
    assert _count(app, CheckIn) == 2
    # the check-ins of north's plan are north's: tiny's ledger API does not find them
    tiny = _bearer(app, "captain")
    path = f"/api/v1/plans/{rows['north'].id}/checkins"
    assert app.test_client().get(path, headers=tiny).status_code == 404


def test_the_switcher_changes_the_district_of_the_pages(app: Flask) -> None:
    """Tests that an admin's header offers both districts, and that switching shows the
    other district's plans and names it as chosen."""
    admin = _client(app, "admin")
    page = admin.get("/plans/").get_data(as_text=True)
    assert '<option value="tiny" selected>' in page and '<option value="north">North' in page
    assert admin.get("/plans/2").status_code == 404
    moved = admin.post(
        "/districts/switch", data={"district": "north", "next": "/plans/", "csrf_token": CSRF}
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/plans/")
    page = admin.get("/plans/").get_data(as_text=True)
    assert '<option value="north" selected>' in page
    assert admin.get("/plans/2").status_code == 200
    assert admin.get("/plans/1").status_code == 404
    bad = admin.post("/districts/switch", data={"district": "south", "csrf_token": CSRF})
    assert bad.status_code == 303
    assert '<option value="north" selected>' in admin.get("/plans/").get_data(as_text=True)


def test_city_overview_shows_the_districts_one_may_read(app: Flask) -> None:
    """Tests that the admin's city overview has a row per district, north's captain sees north
    only, a member none (403), a visitor is sent to log in; the API says the same."""

    def rows(page) -> list[str]:
        parts = page.get_data(as_text=True).split('data-district="')[1:]
        return [part.split('"')[0] for part in parts]

    day = "?on=2026-09-30"
    assert rows(_client(app, "admin").get("/city" + day)) == ["north", "tiny"]
    assert rows(_client(app, "ncap").get("/city" + day)) == ["north"]
    assert _client(app, "nmem").get("/city").status_code == 403
    assert _client(app, None).get("/city").status_code == 302
    bad = _client(app, "admin").get("/city?on=someday")
    assert bad.status_code == 400 and "someday" in bad.get_data(as_text=True)
    api = app.test_client().get("/api/v1/city?on=2026-09-30", headers=_bearer(app, "ncap"))
    assert [(r["district"], r["in_force"]) for r in api.json] == [("north", True)]
    member = app.test_client().get("/api/v1/city", headers=_bearer(app, "nmem"))
    assert member.status_code == 403


def test_district_add_and_grant_refuse_bad_input_in_one_sentence(app: Flask, tmp_path) -> None:
    """Tests the district registry's refusals: a bad id, a taken id, a folder that is no
    bundle, an unknown district or role."""
    with new_session(app) as session:
        from web.db import find_user

        cases = [
            # upper case and a space
            (lambda: add_district(app, session, "No th", tmp_path), "must be 1 to 40"),
            # taken
            (lambda: add_district(app, session, "north", tmp_path), "already a district 'north'"),
            # no manifest
            (lambda: add_district(app, session, "east", tmp_path), "has no manifest.toml"),
            # no such district
            (lambda: grant(app, session, find_user(session, "ncap"), "east", "captain"),
             "There is no district 'east'"),
            # no such role
            (lambda: grant(app, session, find_user(session, "ncap"), "north", "boss"),
             "The role must be one of"),
        ]  # fmt: skip
        for call, message in cases:
            with pytest.raises(DistrictError, match=message):
                call()


def test_single_district_install_has_no_switcher_and_no_scope(make_web_app, data_dir) -> None:
    """Tests that an app with one district shows no switcher and lists plans of any district
    id, as before."""
    app = make_web_app()
    with new_session(app) as session:
        row = import_plan(app, session, data_dir / "plan" / "plan.json", title="other")
        row.district = "somewhere-else"
        session.commit()
    client = _client(app, "captain")
    page = client.get("/plans/").get_data(as_text=True)
    assert 'name="district"' not in page and "/plans/1" in page
    assert client.get("/plans/1").status_code == 200


def test_patrol_district_commands(make_web_app, tiny_bundle, tmp_path) -> None:
    """Tests `patrol district add`, `list` and `grant` on the command line, and their one-line
    refusals."""
    from web.cli import cli

    app = make_web_app(district=tiny_bundle)
    env = {
        "PATROL_INSTANCE": app.instance_path,
        "PATROL_DATABASE_URL": app.config["DATABASE_URL"],
        "PATROL_DISTRICT": str(tiny_bundle),
        "PATROL_SECRET_KEY": "test",
        "PATROL_DEMO_PLAN": "",
    }
    run = CliRunner()
    added = run.invoke(cli, ["district", "add", "north", str(tiny_bundle)], env=env)
    assert added.exit_code == 0, added.output
    listed = run.invoke(cli, ["district", "list"], env=env)
    assert [line.split("\t")[0] for line in listed.output.splitlines()] == ["tiny", "north"]
    granted = run.invoke(cli, ["district", "grant", "north", "planner", "captain"], env=env)
    assert granted.exit_code == 0, granted.output
    assert granted.output == "planner now has these roles: tiny: planner, north: captain.\n"
    again = run.invoke(cli, ["district", "add", "north", str(tiny_bundle)], env=env)
    assert (again.exit_code, again.stderr) == (2, "Error: There is already a district 'north'.\n")
    nobody = run.invoke(cli, ["district", "grant", "north", "zed", "captain"], env=env)
    assert (nobody.exit_code, nobody.stderr) == (2, "Error: There is no user 'zed'.\n")
    empty = run.invoke(cli, ["district", "add", "east", str(tmp_path)], env=env)
    assert empty.exit_code == 2 and "has no manifest.toml" in empty.stderr


def test_a_job_of_one_district_plans_from_that_district_s_working_copy(app: Flask) -> None:
    """Tests that a job queued in an added district (a copy of the default one, which has
    rules and teams) is planned from that district's working copy (its edit and data
    version), and its plan is that district's."""
    from geodata.bundle import DEFAULT_DISTRICT_DIR
    from web.jobs.queue import run_job

    with new_session(app) as session:
        add_district(app, session, "west", DEFAULT_DISTRICT_DIR, "West")
    client = app.test_client()
    admin = _bearer(app, "admin")
    areas = client.get("/api/v1/districts/west/areas", headers=admin).json["features"]
    area_id = areas[0]["id"]
    pin = {"pin": True, "weight": 3.0, "note": "west"}
    put = client.put(f"/api/v1/districts/west/hotspots/{area_id}", json=pin, headers=admin)
    assert put.status_code == 200, put.get_data(as_text=True)
    body = {"start": "2026-12-07", "days": 1, "time_limit": 2}
    made = client.post("/api/v1/districts/west/jobs", json=body, headers=admin)
    assert made.status_code == 201, made.get_data(as_text=True)
    status = run_job(app, made.json["id"])
    with new_session(app) as session:
        job = session.get(Job, made.json["id"])
        assert status == "done", job.message
        plan = job.plan
    assert (plan.district, plan.status) == ("west", "ready")
    assert plan.data_version == put.json["edit_id"]
    folder = plan.plan_file(app.instance_path).parent
    assert area_id in (folder / "data" / "hotspots.toml").read_text(encoding="utf-8")
    assert read_plan(plan.plan_file(app.instance_path)).district.id == "west"
    assert not (workspace_dir(app, "tiny") / "hotspots.toml").is_file() or area_id not in (
        workspace_dir(app, "tiny") / "hotspots.toml"
    ).read_text(encoding="utf-8")


def test_plans_of_no_district_added_stay_with_the_default_district(app: Flask, data_dir) -> None:
    """Tests that a plan imported from elsewhere (its district id is none of the service's)
    stays listed in the default district once a second one is added, and not in north."""
    with new_session(app) as session:
        row = import_plan(app, session, data_dir / "plan" / "plan.json", title="imported")
        plan_id = row.id
    assert row.district == "xinjiekou"
    assert _client(app, "captain").get(f"/plans/{plan_id}").status_code == 200
    assert _client(app, "ncap").get(f"/plans/{plan_id}").status_code == 404


def test_admins_set_roles_per_district_on_the_roles_page(app: Flask) -> None:
    """Tests that an admin sets a user's role in each district on /districts/roles, that a bad
    role is refused in one sentence with nothing changed, and that only admins open it."""
    from web.db import find_user

    admin = _client(app, "admin")
    page = admin.get("/districts/roles").get_data(as_text=True)
    assert 'name="role_north"' in page and "roles-form-" in page
    with new_session(app) as session:
        ncap = find_user(session, "ncap").id
    form = {"csrf_token": CSRF, "user": str(ncap), "role_tiny": "viewer", "role_north": "boss"}
    bad = admin.post("/districts/roles", data=form)
    assert bad.status_code == 400 and "boss" in unescape(bad.get_data(as_text=True))
    form["role_north"] = "planner"
    assert admin.post("/districts/roles", data=form).status_code == 303
    with new_session(app) as session:
        assert roles_of(app, session, find_user(session, "ncap")) == {
            "tiny": "viewer",
            "north": "planner",
        }
    assert _client(app, "captain").get("/districts/roles").status_code == 403
    assert _client(app, "ncap").get("/districts/roles").status_code == 403


def test_city_overview_keeps_the_published_plan_over_a_newer_draft(
    app: Flask, data_dir: Path
) -> None:
    """Tests that a newer draft over the same days does not replace the plan in force in the
    overview, and that a district whose only plan is a draft says so."""
    from datetime import date

    from web.commands.city import city_overview

    with new_session(app) as session:
        draft = import_plan(app, session, data_dir / "plan" / "plan.json", title="north draft")
        draft.district = "north"
        session.commit()
        draft_id = draft.id
    rows = {r["district"]: r for r in city_overview(app, date(2026, 9, 30))}
    assert rows["north"]["plan"] != draft_id
    assert (rows["north"]["state"], rows["north"]["in_force"]) == ("published", True)
    with new_session(app) as session:
        south = import_plan(app, session, data_dir / "plan" / "plan.json", title="south")
        south.district = "south"
        session.commit()
    rows = {r["district"]: r for r in city_overview(app, date(2026, 9, 30))}
    assert (rows["south"]["state"], rows["south"]["in_force"]) == ("draft", False)
