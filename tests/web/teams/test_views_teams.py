"""Tests of the teams and rules pages: roles, CSRF, refusals that save nothing, re-planning."""

from __future__ import annotations

import json
import re
import tomllib
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from tests.web.conftest import CSRF, WEB_PASSWORD, WEB_ROLES
from web import create_app
from web.accounts.users import create_user
from web.db import Edit, Job, Plan, new_session
from web.workspace import ensure, read_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from flask import Flask
    from flask.testing import FlaskClient

PAGES = ("/teams/", "/teams/leave", "/teams/rules", "/teams/raw/teams", "/teams/raw/rules")
"""Every page of the blueprint (GET)."""

EDITORS = frozenset({"admin", "captain"})
"""Roles that may open and change them."""

POSTS = (
    ("/teams/", {"op": "add_vehicle", "id": "EB99", "mode": "ebike"}),
    ("/teams/leave", {"op": "add_leave", "who": "C2", "from": "2026-12-20"}),
    ("/teams/rules", {"op": "settings_rest", "max_nights_in_row": "3"}),
    ("/teams/raw/rules", {"text": "version = 1\n"}),
    ("/teams/replan", {"start": "2026-12-07", "days": "2"}),
)
"""One change per route (each would be accepted from an editor)."""


def client(app: Flask, role: str | None) -> FlaskClient:
    """Return a test client signed in as ``role`` whose session holds the token :data:`CSRF`."""
    c = app.test_client()
    with c.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    if role is not None:
        response = c.post(
            "/login", data={"name": role, "password": WEB_PASSWORD, "csrf_token": CSRF}
        )
        assert response.status_code == 302
        with c.session_transaction() as sess:
            sess["csrf_token"] = CSRF
    return c


def files(app: Flask) -> dict[str, bytes]:
    folder = ensure(app)
    return {n: (folder / n).read_bytes() for n in ("teams.toml", "rules.toml")}


def edit_count(app: Flask) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count()).select_from(Edit)) or 0)


def job_count(app: Flask) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def error_of(page: str) -> str:
    found = re.findall(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert len(found) == 1, page[:2000]
    return found[0].replace("&#39;", "'")


@pytest.fixture(scope="module")
def quiet_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the tests whose requests change nothing: roles, CSRF and refusals."""
    folder: Path = tmp_path_factory.mktemp("views_teams")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite3"),
        }
    )
    with new_session(app) as session:
        for role in WEB_ROLES:
            create_user(session, role, role, WEB_PASSWORD, method="pbkdf2:sha256:1000")
    return app


@pytest.mark.parametrize("role", [*WEB_ROLES, None])
def test_every_page_for_every_role(quiet_app: Flask, role: str | None) -> None:
    """Tests that captains and admins open each page, others get 403 and visitors the login."""
    c = client(quiet_app, role)
    for url in PAGES:
        response = c.get(url)
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif role in EDITORS:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url
    assert c.get("/teams/raw/other").status_code == (
        404 if role in EDITORS else 302 if role is None else 403
    )
    nav = c.get("/plans/").get_data(as_text=True) if role else ""
    assert ('href="/teams/"' in nav) == (role in EDITORS)


@pytest.mark.parametrize("role", [r for r in WEB_ROLES if r not in EDITORS])
def test_other_roles_cannot_change_anything(quiet_app: Flask, role: str) -> None:
    """Tests that planners, members and viewers are refused every POST and nothing changes."""
    before, edits, jobs = files(quiet_app), edit_count(quiet_app), job_count(quiet_app)
    c = client(quiet_app, role)
    for url, data in POSTS:
        assert c.post(url, data={**data, "csrf_token": CSRF}).status_code == 403, url
    assert files(quiet_app) == before
    assert (edit_count(quiet_app), job_count(quiet_app)) == (edits, jobs)


def test_a_post_without_the_csrf_token_is_refused(quiet_app: Flask) -> None:
    """Tests that every POST of a captain without (or with a wrong) token is refused with 400."""
    before, edits, jobs = files(quiet_app), edit_count(quiet_app), job_count(quiet_app)
    c = client(quiet_app, "captain")
    for url, data in POSTS:
        assert c.post(url, data=data).status_code == 400, url
        assert c.post(url, data={**data, "csrf_token": "forged"}).status_code == 400, url
    assert files(quiet_app) == before
    assert (edit_count(quiet_app), job_count(quiet_app)) == (edits, jobs)


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (
            "/teams/leave",
            {"op": "add_leave", "who": "Z9", "from": "2026-12-20", "to": "2026-12-21"},
            r"^rules\.toml line \d+: leave\.member names unknown member 'Z9'\.$",
        ),
        (
            "/teams/leave",
            {"op": "add_leave", "who": "group:C", "from": "2026-12-21", "to": "2026-12-20"},
            r"leave\.to 2026-12-20 is before leave\.from 2026-12-21\.$",
        ),
        (
            "/teams/leave",
            {"op": "add_leave", "who": "C1", "from": "2027-03-01"},
            r"leave\.from date 2027-03-01 is outside the horizon 2026-12-07 to 2027-01-03\.$",
        ),
        (
            "/teams/rules",
            {"op": "set_shift", "id": "N", "start": "18:00", "end": "06:00"},
            r"templates 'D' and 'N' overlap in time",
        ),
        (
            "/teams/rules",
            {"op": "settings_crew", "min_members": "-1"},
            r"crew\.min_members must not be negative \(-1\)\.$",
        ),
        (
            "/teams/",
            {"op": "remove_group", "group": "B"},
            r"^Group 'B' still has members; move or remove them first\.$",
        ),
        (
            "/teams/",
            {"op": "move_member", "member": "Q7", "group": "A"},
            r"^There is no member 'Q7'\.$",
        ),
        ("/teams/", {"op": "explode"}, r"^Unknown file kind 'explode'\.$"),
        (
            "/teams/leave",
            {"op": "add_leave", "who": "", "from": "2026-12-20"},
            r"^Choose one member or one group for the leave \(leave\.member\)\.$",
        ),
        (
            "/teams/raw/rules",
            {"text": "[rest]\nmax_nights_in_row = -4\n"},
            r"^rules\.toml: shifts must list at least one \[\[shifts\]\] template\.$",
        ),
    ],
)
def test_refused_input_answers_with_one_sentence_and_saves_nothing(
    quiet_app: Flask, url: str, data: dict[str, str], message: str
) -> None:
    """Tests that a refused form is answered (400) with its one sentence; bytes stay the same."""
    before, edits = files(quiet_app), edit_count(quiet_app)
    c = client(quiet_app, "captain")
    response = c.post(url + "?lang=en", data={**data, "csrf_token": CSRF})
    assert response.status_code == 400
    assert re.search(message, error_of(response.get_data(as_text=True)))
    assert files(quiet_app) == before and edit_count(quiet_app) == edits


def test_a_refusal_of_the_forms_is_in_chinese_on_a_chinese_page(quiet_app: Flask) -> None:
    """Tests that the page's own refusals follow the language switch."""
    c = client(quiet_app, "admin")
    response = c.post(
        "/teams/?lang=zh", data={"op": "remove_group", "group": "A", "csrf_token": CSRF}
    )
    assert error_of(response.get_data(as_text=True)) == "班组 A 仍有队员，请先调出或删除其队员。"


def test_the_raw_editor_keeps_a_refused_text_in_the_textarea(quiet_app: Flask) -> None:
    """Tests that a refused raw text comes back for correction and the file is unchanged."""
    before = files(quiet_app)
    text = read_text(quiet_app, "rules.toml").replace("days = 28", "days = -28")
    response = client(quiet_app, "captain").post(
        "/teams/raw/rules?lang=en", data={"text": text, "csrf_token": CSRF}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"horizon\.days must not be negative \(-28\)\.$", error_of(page))
    assert "days = -28" in page and files(quiet_app) == before


# ---------------------------------------------------------------------------------------------
# Changes that are saved


def test_a_captain_adds_leave_sees_it_and_replans_the_same_dates(
    make_web_app: Callable[..., Flask],
) -> None:
    """Tests the captain's round: add leave, see it in the calendar, re-plan the plan's dates."""
    app = make_web_app()
    with new_session(app) as session:  # the plan the captain looks at
        session.add(Plan(title="week", district="x", start="2026-12-14", days=7, status="ready"))
        session.commit()
    c = client(app, "captain")
    response = c.post(
        "/teams/leave?lang=en",
        data={
            "op": "add_leave",
            "who": "group:C",
            "from": "2026-12-17",
            "to": "2026-12-18",
            "reason": "drill",
            "csrf_token": CSRF,
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/teams/leave")
    leave = tomllib.loads(read_text(app, "rules.toml"))["leave"]
    added = [lv for lv in leave if lv.get("reason") == "drill"]
    assert [lv["member"] for lv in added] == ["C1", "C2", "C3", "C4"]
    assert all((lv["from"], lv["to"]) == ("2026-12-17", "2026-12-18") for lv in added)

    page = c.get("/teams/leave").get_data(as_text=True)
    assert "Saved (edit" in page
    row = re.search(r"<tr><th>C · C3 .*?</tr>", page, re.S)
    assert row is not None and row.group(0).count('class="away"') == 2
    assert 'title="2026-12-17: drill"' in row.group(0)
    assert 'name="start" value="2026-12-14"' in page and 'name="days" value="7"' in page

    response = c.post(
        "/teams/replan", data={"start": "2026-12-14", "days": "7", "csrf_token": CSRF}
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    with new_session(app) as session:
        job = session.scalars(select(Job)).one()
        assert json.loads(job.params)["start"] == "2026-12-14"
        assert json.loads(job.params)["days"] == 7
        assert job.plan.created_by is not None and job.plan.created_by.name == "captain"
    assert 'name="start"' not in c.get("/teams/leave").get_data(as_text=True)


def test_removing_leave_from_the_list(make_web_app: Callable[..., Flask]) -> None:
    """Tests that the remove button of a leave entry takes it out of rules.toml."""
    app = make_web_app()
    c = client(app, "admin")
    response = c.post(
        "/teams/leave",
        data={"op": "remove_leave", "key": "B3|2026-12-15|2026-12-16", "csrf_token": CSRF},
    )
    assert response.status_code == 302
    members = [lv["member"] for lv in tomllib.loads(read_text(app, "rules.toml"))["leave"]]
    assert members == ["B2", "A4"]
    page = c.get("/teams/leave").get_data(as_text=True)  # no plan yet: the changed dates
    assert 'name="start" value="2026-12-15"' in page and 'name="days" value="2"' in page


def test_forms_of_the_teams_and_rules_pages_save(make_web_app: Callable[..., Flask]) -> None:
    """Tests that a group, member, vehicle and rules form each change their file."""
    app = make_web_app()
    c = client(app, "captain")
    posts = [
        ("/teams/", {"op": "update_group", "group": "C", "name": "三组", "default_mode": "ebike"}),
        ("/teams/", {"op": "move_member", "member": "C4", "group": "D"}),
        ("/teams/", {"op": "update_vehicle", "vehicle": "BK01", "mode": "foot", "name": "步"}),
        ("/teams/rules", {"op": "set_rotation", "pattern": "D N off off", "weight": "4"}),
        (
            "/teams/rules",
            {"op": "add_surge_date", "date": "2026-12-26", "name": "x", "extra_N": "1"},
        ),
    ]
    for url, data in posts:
        response = c.post(url, data={**data, "csrf_token": CSRF})
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:500])
    teams = tomllib.loads(read_text(app, "teams.toml"))
    c_group = next(g for g in teams["groups"] if g["id"] == "C")
    assert c_group["default_mode"] == "ebike" and "C4" not in c_group["members"]
    assert next(v for v in teams["vehicles"] if v["id"] == "BK01")["mode"] == "foot"
    rules = tomllib.loads(read_text(app, "rules.toml"))
    assert rules["rotation"]["weight"] == 4
    assert rules["surge"]["dates"][-1] == {"date": "2026-12-26", "name": "x", "extra": {"N": 1}}
    assert edit_count(app) == len(posts)
    page = c.get("/teams/?lang=en").get_data(as_text=True)
    assert "bicycle: <strong>7</strong>" in page  # one bicycle less in the pool


def test_the_rules_form_sets_a_weekday_s_demand(make_web_app: Callable[..., Flask]) -> None:
    """Tests that a captain sets Saturday's demand on the rules page, keeping the file's comments.

    The new ``sat`` key goes after the last setting of ``[demand]`` and before the comment
    that introduces the next section (the path tomlkit 0.15 broke when it was private API).
    """
    app = make_web_app()
    before = read_text(app, "rules.toml")
    c = client(app, "captain")
    data = {"op": "set_demand", "default_D": "1", "default_N": "1", "sat_N": "2"}
    response = c.post("/teams/rules", data={**data, "csrf_token": CSRF})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    after = read_text(app, "rules.toml")
    assert tomllib.loads(after)["demand"] == {"default": {"D": 1, "N": 1}, "sat": {"N": 2}}
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments == [line for line in after.splitlines() if line.lstrip().startswith("#")]
    page = c.get("/teams/rules?lang=en").get_data(as_text=True)
    assert re.search(r'name="sat_N"[^>]*value="2"', page), "the form shows the new demand"
