"""Tests of the users page: roles and patrol groups of users, refused input saving nothing."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from tests.web.conftest import CSRF
from web.accounts.users import create_user
from web.db import User, UserGroup, new_session

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient


@pytest.fixture
def app(make_web_app: Callable[..., Flask]) -> Flask:
    """The default district (groups A-D); the member user is linked to group A."""
    return make_web_app()


@pytest.fixture
def client_as(client_as: Callable[[Flask, str | None], FlaskClient]) -> Callable:
    """``client_as`` of conftest, whose client keeps the CSRF token after logging in (the
    login starts a new session, which drops the token put there before)."""

    def make(app: Flask, role: str | None) -> FlaskClient:
        client = client_as(app, role)
        with client.session_transaction() as sess:
            sess["csrf_token"] = CSRF
        return client

    return make


def user_id(app: Flask, name: str) -> int:
    with new_session(app) as session:
        return session.scalars(select(User.id).where(User.name == name)).one()


def role_of(app: Flask, name: str) -> str:
    with new_session(app) as session:
        return session.scalars(select(User.role).where(User.name == name)).one()


def groups_of(app: Flask, name: str) -> list[str]:
    uid = user_id(app, name)
    with new_session(app) as session:
        rows = session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == uid))
        return sorted(rows)


def test_admin_changes_a_role(app: Flask, client_as: Callable) -> None:
    """Tests that an admin changes a captain into a planner and is told so."""
    client = client_as(app, "admin")
    uid = user_id(app, "captain")
    response = client.post(
        f"/users/{uid}/role?lang=en", data={"role": "planner", "csrf_token": CSRF}
    )
    assert response.status_code == 302
    assert role_of(app, "captain") == "planner"
    page = client.get("/users/?lang=en").get_data(as_text=True)
    assert "captain is now planner." in page


@pytest.mark.parametrize("bad", ["chief", "", "ADMIN"])
def test_unknown_role_is_refused(app: Flask, client_as: Callable, bad: str) -> None:
    """Tests that an unknown role is refused with one sentence and nothing changes."""
    client = client_as(app, "admin")
    uid = user_id(app, "viewer")
    response = client.post(f"/users/{uid}/role?lang=en", data={"role": bad, "csrf_token": CSRF})
    assert response.status_code == 400
    assert f"Unknown role {bad}." in response.get_data(as_text=True)
    assert role_of(app, "viewer") == "viewer"


def test_last_admin_keeps_the_role(app: Flask, client_as: Callable) -> None:
    """Tests that the only admin cannot be made anything else, but can once a second admin
    exists; an admin who gives up the role leaves the users page."""
    client = client_as(app, "admin")
    uid = user_id(app, "admin")
    response = client.post(
        f"/users/{uid}/role?lang=zh", data={"role": "viewer", "csrf_token": CSRF}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "admin 是唯一的管理员，不能改为其他角色。" in text
    assert role_of(app, "admin") == "admin"

    other = user_id(app, "planner")
    client.post(f"/users/{other}/role", data={"role": "admin", "csrf_token": CSRF})
    assert role_of(app, "planner") == "admin"
    response = client.post(f"/users/{uid}/role", data={"role": "viewer", "csrf_token": CSRF})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert role_of(app, "admin") == "viewer"
    assert client.get("/users/").status_code == 403


def test_member_is_linked_to_district_groups(app: Flask, client_as: Callable) -> None:
    """Tests that an admin replaces a member's groups by the checked ones, which then decide
    the routes the member sees, and that unchecking all unlinks every group."""
    client = client_as(app, "admin")
    uid = user_id(app, "member")
    assert groups_of(app, "member") == ["A"]
    response = client.post(
        f"/users/{uid}/groups?lang=en", data={"group": ["C", "B", "C"], "csrf_token": CSRF}
    )
    assert response.status_code == 302
    assert groups_of(app, "member") == ["B", "C"]
    page = client.get("/users/?lang=en").get_data(as_text=True)
    assert "Groups of member saved: C, B." in page
    assert 'name="group" value="B" checked' in page and 'name="group" value="A">' in page
    assert "Group D" in page  # the district's group names in the page language

    from web.accounts.auth import route_groups

    with app.test_request_context(), new_session(app) as session:
        member = session.get(User, uid)
        assert route_groups(member) == frozenset({"B", "C"})

    client.post(f"/users/{uid}/groups", data={"csrf_token": CSRF})
    assert groups_of(app, "member") == []


def test_unknown_group_is_refused(app: Flask, client_as: Callable) -> None:
    """Tests that a group the district does not have is refused, keeping the old links."""
    client = client_as(app, "admin")
    uid = user_id(app, "member")
    response = client.post(
        f"/users/{uid}/groups?lang=en", data={"group": ["B", "Z9"], "csrf_token": CSRF}
    )
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert "Unknown patrol group Z9; the district's groups are A, B, C, D." in text
    assert groups_of(app, "member") == ["A"]


def test_groups_only_for_members(app: Flask, client_as: Callable) -> None:
    """Tests that linking groups to a user who is not a member is refused, naming the role."""
    client = client_as(app, "admin")
    uid = user_id(app, "captain")
    response = client.post(
        f"/users/{uid}/groups?lang=zh", data={"group": ["A"], "csrf_token": CSRF}
    )
    assert response.status_code == 400
    assert "只有队员可以关联巡逻班组，而 captain 的角色是队长。" in response.get_data(as_text=True)
    assert groups_of(app, "captain") == []


@pytest.mark.parametrize("role", ["captain", "planner", "member", "viewer", None])
def test_only_admins_change_users(app: Flask, client_as: Callable, role: str | None) -> None:
    """Tests that other roles (and visitors) can neither change roles nor groups."""
    client = client_as(app, role)
    uid = user_id(app, "member")
    for path, data in (
        (f"/users/{uid}/role", {"role": "admin"}),
        (f"/users/{uid}/groups", {"group": "B"}),
    ):
        response = client.post(path, data={**data, "csrf_token": CSRF})
        assert response.status_code == (302 if role is None else 403)
    assert role_of(app, "member") == "member" and groups_of(app, "member") == ["A"]


def test_forms_need_csrf_and_a_known_user(app: Flask, client_as: Callable) -> None:
    """Tests that a form without its CSRF token is refused, and an unknown user id is 404."""
    client = client_as(app, "admin")
    uid = user_id(app, "viewer")
    assert client.post(f"/users/{uid}/role", data={"role": "admin"}).status_code == 400
    assert role_of(app, "viewer") == "viewer"
    assert (
        client.post("/users/999/role", data={"role": "admin", "csrf_token": CSRF}).status_code
        == 404
    )
    assert client.post("/users/999/groups", data={"csrf_token": CSRF}).status_code == 404


def test_create_user_still_refuses_bad_input(app: Flask, client_as: Callable) -> None:
    """Tests that creating a user works and a short password is refused with nothing saved."""
    client = client_as(app, "admin")
    data = {"name": "newbie", "role": "member", "password": "short", "csrf_token": CSRF}
    response = client.post("/users/?lang=en", data=data)
    assert response.status_code == 400
    assert "The password must have at least 8 characters." in response.get_data(as_text=True)
    with new_session(app) as session:
        assert session.scalars(select(User).where(User.name == "newbie")).first() is None
        create_user(session, "second", "member", "long enough", method="pbkdf2:sha256:1000")
    page = client.get("/users/?lang=en").get_data(as_text=True)
    assert page.count("Save groups") == 2  # one groups form per member
