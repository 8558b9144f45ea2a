"""Tests of the edit history page: who may see it, readable diffs, undo and its refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.web.conftest import CSRF, WEB_ROLES
from web.areas import edits as areas
from web.areas import hotspots as hotspot_edits
from web.db import Edit, Plan, find_user, new_session
from web.workspace import ensure, read_text, replace_text

POINT = json.dumps({"type": "Point", "coordinates": [118.78, 32.044]})
NEW = {"name": "北门", "category": "market", "priority": "4", "geometry": POINT}


@pytest.fixture
def app(make_web_app):
    return make_web_app()


@pytest.fixture
def as_role(app, client_as):
    """Return a signed-in client of a role whose session holds the CSRF token."""

    def make(role: str | None):
        client = client_as(app, role)
        with client.session_transaction() as sess:
            sess["csrf_token"] = CSRF
        return client

    return make


def user_id(app, name: str) -> int:
    with new_session(app) as session:
        return find_user(session, name).id


def edit_count(app) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Edit))


def add(app, **fields):
    with new_session(app) as session:
        return areas.add_area(app, session, {**NEW, **fields}, user_id=user_id(app, "planner"))


def undo_post(client, edit_id: int, **kwargs):
    return client.post(f"/audit/{edit_id}/undo?lang=en", data={"csrf_token": CSRF}, **kwargs)


def test_who_may_open_the_history(app, as_role) -> None:
    """Tests that admins, captains and planners see the history; members and viewers get 403,
    and visitors are sent to log in."""
    for role in (*WEB_ROLES, None):
        response = as_role(role).get("/audit/")
        if role in ("admin", "captain", "planner"):
            assert response.status_code == 200, role
        elif role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, role


def test_history_shows_edits_readably_and_undoes_them(app, as_role) -> None:
    """Tests that each edit is listed with who, kind, target and its before/after fields, that
    the planner's Undo reverts it, and that a second undo is refused with the sentence."""
    edit = add(app)
    with new_session(app) as session:
        hotspot_edits.set_hotspot(
            app, session, "G01", pin=True, weight="1.5", note="", user_id=user_id(app, "admin")
        )
    planner = as_role("planner")
    page = planner.get("/audit/?lang=en").get_data(as_text=True)
    assert "北门 · Market" in page  # what the edit is about, in the page's language
    assert "<ins>北门</ins>" in page and "<ins>point 118.780000, 32.044000</ins>" in page
    assert "<ins>1.5</ins>" in page and ">planner<" in page and ">admin<" in page
    assert f'action="/audit/{edit.id}/undo"' in page
    assert undo_post(planner, edit.id).status_code == 302
    assert "web-1" not in ensure(app).joinpath("district.gpkg").read_bytes().decode("latin-1")
    page = planner.get("/audit/?lang=en").get_data(as_text=True)
    assert "undone by #3" in page and "undoes #1" in page
    response = undo_post(planner, edit.id)
    assert response.status_code == 409
    assert "Edit 1 was already undone by edit 3." in response.get_data(as_text=True)
    assert edit_count(app) == 3


def test_undo_refused_after_a_later_change(app, as_role) -> None:
    """Tests that an edit whose area changed since cannot be undone: the page says why and
    nothing changes."""
    first = add(app)
    with new_session(app) as session:
        areas.update_area(app, session, "web-1", {"priority": "2"}, user_id=None)
    before = (ensure(app) / "district.gpkg").read_bytes()
    response = undo_post(as_role("admin"), first.id)
    assert response.status_code == 409
    assert "Key area web-1 has changed since edit 1; undo the later edits first." in (
        response.get_data(as_text=True)
    )
    assert (ensure(app) / "district.gpkg").read_bytes() == before
    assert edit_count(app) == 2


def test_undo_needs_the_permission_of_the_edit_kind(app, as_role) -> None:
    """Tests that captains cannot undo area edits and planners cannot undo teams edits (403),
    while each may undo their own kind; an undo without the CSRF token is refused."""
    edit = add(app)
    text = read_text(app, "teams.toml")
    with new_session(app) as session:
        teams = replace_text(
            app, session, "teams", text + "\n# spare radio\n", user_id=user_id(app, "captain")
        )
    captain, planner = as_role("captain"), as_role("planner")
    page = captain.get("/audit/").get_data(as_text=True)
    assert f'action="/audit/{edit.id}/undo"' not in page
    assert f'action="/audit/{teams.id}/undo"' in page
    assert undo_post(captain, edit.id).status_code == 403
    assert undo_post(planner, teams.id).status_code == 403
    assert planner.post(f"/audit/{edit.id}/undo", data={}).status_code == 400
    assert (
        as_role("member").post(f"/audit/{edit.id}/undo", data={"csrf_token": CSRF}).status_code
        == 403
    )
    assert edit_count(app) == 2
    assert undo_post(captain, teams.id).status_code == 302
    assert read_text(app, "teams.toml") == text
    assert undo_post(planner, edit.id).status_code == 302
    assert edit_count(app) == 4
    assert undo_post(planner, 99).status_code == 404


def test_plans_show_the_data_version_they_were_made_from(app, as_role) -> None:
    """Tests that the history lists each plan's data version and, at an edit, the plans made
    from the data as that edit left it."""
    edit = add(app)
    with new_session(app) as session:
        for title, version in (("Before the gate", 0), ("With the gate", edit.id)):
            session.add(
                Plan(
                    title=title,
                    district="xinjiekou",
                    start="2026-12-07",
                    days=1,
                    status="ready",
                    data_version=version,
                )
            )
        session.commit()
    page = as_role("captain").get("/audit/?lang=en").get_data(as_text=True)
    row = page[page.index(f'id="edit-{edit.id}"') :]
    row = row[: row.index("</tbody>")]
    assert "With the gate" in row and "Before the gate" not in row
    versions = page[page.index("Data versions of plans") :]
    assert "0 (as shipped)" in versions and f'href="#edit-{edit.id}"' in versions
    assert "Current data version: 1" in page


def test_file_edits_read_as_changes_in_words(app, as_role) -> None:
    """Tests that a teams edit shows the member's name, the field and its old and new value,
    a rules edit the setting's name, with no TOML lines for captains, and that admins can
    still open the lines under the raw toggle."""
    teams = read_text(app, "teams.toml")
    rules = read_text(app, "rules.toml")
    assert 'phone = "138-0000-0002"' in teams and "min_rest_hours = 12" in rules
    captain_id = user_id(app, "captain")
    with new_session(app) as session:
        replace_text(
            app,
            session,
            "teams",
            teams.replace('phone = "138-0000-0002"', 'phone = "139-1111-2222"'),
            user_id=captain_id,
        )
        replace_text(
            app,
            session,
            "rules",
            rules.replace("min_rest_hours = 12", "min_rest_hours = 11"),
            user_id=captain_id,
        )
    page = as_role("captain").get("/audit/?lang=zh").get_data(as_text=True)
    assert "队员 孙磊 · 电话" in page
    assert "<del>138-0000-0002</del>" in page and "<ins>139-1111-2222</ins>" in page
    assert "两班之间最少休息（小时）" in page
    assert "<del>12</del>" in page and "<ins>11</ins>" in page
    assert 'phone = "139-1111-2222"' not in page and "原文差异" not in page
    admin = as_role("admin").get("/audit/?lang=zh").get_data(as_text=True)
    assert "原文差异" in admin and "phone = &#34;139-1111-2222&#34;" in admin


def test_hotspot_edit_names_its_place(app, as_role) -> None:
    """Tests that a hotspot edit's target reads as the place's name, the id in hover text."""
    with new_session(app) as session:
        hotspot_edits.set_hotspot(
            app, session, "G01", pin=True, weight="2", note="", user_id=user_id(app, "admin")
        )
    page = as_role("planner").get("/audit/?lang=zh").get_data(as_text=True)
    row = page.split('id="edit-1"', 1)[1].split("</tr>", 1)[0]
    assert 'title="编号 G01"' in row and ">G01<" not in row


def test_the_history_gives_times_in_the_district_s_time_zone(app, as_role) -> None:
    """Tests that an edit made at 04:15 UTC reads 12:15, Beijing time, as the plan list does."""
    from datetime import UTC, datetime

    edit = add(app)
    with new_session(app) as session:
        row = session.get(Edit, edit.id)
        row.created_at = datetime(2026, 12, 4, 4, 15, tzinfo=UTC)
        session.commit()
    page = as_role("captain").get("/audit/?lang=zh").get_data(as_text=True)
    assert "2026年12月4日 12:15" in page
    assert "04:15" not in page
