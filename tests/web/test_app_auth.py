"""Tests of logging in, sessions, CSRF, the users form, `patrol users create` and the demo plan."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from web import create_app
from web.accounts.users import create_user
from web.db import Plan, User, UserGroup, new_session
from web.demo import INTERRUPTED, start_demo_plan

PASSWORD = "correct horse"
FAST_HASH = "pbkdf2:sha256:1000"  # the default scrypt is deliberately slow


@pytest.fixture
def app(tmp_path: Path):
    """A fresh app on its own SQLite database (default district, not loaded by these tests)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "app.sqlite3"),
        }
    )
    with new_session(app) as session:
        create_user(session, "ada", "admin", PASSWORD, method=FAST_HASH)
        create_user(session, "vic", "viewer", PASSWORD)  # the default method (scrypt)
    return app


def with_token(client, token: str = "tok") -> str:
    with client.session_transaction() as sess:
        sess["csrf_token"] = token
    return token


def login(client, name: str, password: str = PASSWORD):
    token = with_token(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def user_count(app) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(User))


def test_good_login_starts_a_session(app) -> None:
    """Tests that a right name and password sign in and lead to the asked page."""
    client = app.test_client()
    token = with_token(client)
    response = client.post(
        "/login?next=/plans/",
        data={"name": "vic", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/plans/"
    assert client.get("/plans/").status_code == 200


@pytest.mark.parametrize(("name", "password"), [("vic", "wrong password"), ("nobody", PASSWORD)])
def test_bad_login_is_refused(app, name: str, password: str) -> None:
    """Tests that a wrong password or an unknown user gets the same clear message, no session."""
    client = app.test_client()
    response = login(client, name, password)
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/plans/").status_code == 302


def test_login_does_not_redirect_off_site(app) -> None:
    """Tests that ?next= pointing to another site is ignored."""
    client = app.test_client()
    token = with_token(client)
    response = client.post(
        "/login?next=/\\evil.example/x",
        data={"name": "vic", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_passwords_are_hashed(app) -> None:
    """Tests that the database keeps a salted hash, not the password."""
    with new_session(app) as session:
        users = session.scalars(select(User)).all()
    assert all(PASSWORD not in u.password_hash for u in users)
    assert len({u.password_hash for u in users}) == len(users)


def test_session_expires(app) -> None:
    """Tests that a session older than PERMANENT_SESSION_LIFETIME no longer signs the user in."""
    app.permanent_session_lifetime = timedelta(seconds=60)
    client = app.test_client()
    login(client, "vic")
    assert client.get("/plans/").status_code == 200
    with client.session_transaction() as sess:
        sess["login_at"] = time.time() - 61
    response = client.get("/plans/?lang=en")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "session has expired" in page


@pytest.mark.parametrize("url", ["/login", "/logout", "/users/"])
def test_post_without_csrf_token_is_refused(app, url: str) -> None:
    """Tests that a POST without the session's token, or with a wrong one, gets 400."""
    client = app.test_client()
    login(client, "ada")
    for data in ({}, {"csrf_token": "forged"}):
        data = {**data, "name": "eve", "role": "admin", "password": "long enough pw"}
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "安全令牌" in response.get_data(as_text=True)
    assert user_count(app) == 2
    assert client.get("/users/").status_code == 200  # still signed in


def test_logout(app) -> None:
    """Tests that logging out (a POST with the token) ends the session."""
    client = app.test_client()
    login(client, "vic")
    token = with_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/plans/").status_code == 302


def test_admin_creates_a_user(app) -> None:
    """Tests that an admin creates a user who can then log in with that role."""
    client = app.test_client()
    login(client, "ada")
    token = with_token(client)
    data = {"name": "mei", "role": "captain", "password": "patrol-2026", "csrf_token": token}
    response = client.post("/users/", data=data)
    assert response.status_code == 302
    other = app.test_client()
    assert login(other, "mei", "patrol-2026").status_code == 302
    assert other.get("/plans/1/coverage").status_code == 404  # allowed, but there is no plan 1
    assert other.get("/users/").status_code == 403


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "role": "viewer", "password": "long enough"}, "用户名须为"),
        ({"name": "bad name", "role": "viewer", "password": "long enough"}, "用户名须为"),
        ({"name": "vic", "role": "viewer", "password": "long enough"}, "用户名 vic 已存在"),
        ({"name": "neo", "role": "overlord", "password": "long enough"}, "未知角色 overlord"),
        ({"name": "neo", "role": "viewer", "password": "short"}, "密码至少需要 8 个字符"),
    ],
)
def test_bad_user_form_says_why_and_saves_nothing(app, form: dict, message: str) -> None:
    """Tests that each bad field gets its own clear message and no user is stored."""
    client = app.test_client()
    login(client, "ada")
    token = with_token(client)
    response = client.post("/users/", data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert user_count(app) == 2


def test_users_create_command(app) -> None:
    """Tests `patrol users create` with --password-stdin, and its one-line refusals."""
    from web.cli import cli

    runner = CliRunner()
    obj = _script_info(app)
    args = ["users", "create", "kai", "--role", "member", "--password-stdin", "--group", "B"]
    result = runner.invoke(cli, args, input="member-pass\n", obj=obj)
    assert result.exit_code == 0, result.output
    assert "Created user kai (member)." in result.output
    result = runner.invoke(cli, args, input="member-pass\n", obj=obj)
    assert result.exit_code == 2
    assert "Error: The user name kai is taken." in result.output
    args[2] = "lee"
    result = runner.invoke(cli, args, input="short\n", obj=obj)
    assert result.exit_code == 2
    assert "at least 8 characters" in result.output
    assert user_count(app) == 3
    assert login(app.test_client(), "kai", "member-pass").status_code == 302
    with new_session(app) as session:
        links = session.execute(select(UserGroup.user_id, UserGroup.group_id)).all()
        kai = session.scalars(select(User).where(User.name == "kai")).one()
    assert links == [(kai.id, "B")]


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_demo_plan_is_copied_and_unfinished_plans_fail(app, data_dir: Path) -> None:
    """Tests that a plan left running by an earlier process is marked failed, that the demo
    plan is copied from DEMO_PLAN_SOURCE and shown, and that a second start adds nothing."""
    with new_session(app) as session:
        session.add(Plan(title="old", district="x", start="2026-01-01", days=1, status="running"))
        session.commit()
    app.config["DEMO_PLAN_SOURCE"] = str(data_dir / "plan" / "plan.json")
    row = start_demo_plan(app)
    assert row is not None
    assert row.status == "ready"
    assert start_demo_plan(app) is None
    with new_session(app) as session:
        plans = {p.title: p for p in session.scalars(select(Plan)).all()}
    assert plans["old"].status == "failed"
    assert plans["old"].message == INTERRUPTED
    assert len(plans) == 2
    client = app.test_client()
    login(client, "vic")
    page = client.get(f"/plans/{row.id}").get_data(as_text=True)
    assert "演示方案" in page
