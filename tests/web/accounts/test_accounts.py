"""Tests of session revocation, password changes, resets and disabled users (web, API, CLI)."""

from __future__ import annotations

import logging
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)

import pytest
from sqlalchemy import select

from tests.web.conftest import CSRF, WEB_PASSWORD, signed_in
from web.accounts.first_users import first_users_file
from web.db import User, new_session

NEW_PASSWORD = "a much newer secret"


@pytest.fixture
def app(make_web_app):
    return make_web_app()


def token_of(app, name: str, password: str = WEB_PASSWORD):
    return app.test_client().post("/api/v1/token", json={"name": name, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_id(app, name: str) -> int:
    with new_session(app) as session:
        return session.scalars(select(User.id).where(User.name == name)).one()


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


# ---------------------------------------------------------------------------------------------
# Logout ends the session, copies of the cookie too


def test_a_session_cookie_replayed_after_logout_is_refused(app) -> None:
    """Tests that a copy of the session cookie taken before logout no longer signs in."""
    client = signed_in(app, "viewer")
    copy = cookie_of(client)
    assert with_cookie(app, copy).get("/plans/").status_code == 200
    assert client.post("/logout", data={"csrf_token": CSRF}).status_code == 302
    replay = with_cookie(app, copy).get("/plans/?lang=en")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_logging_out_ends_the_users_api_tokens(app) -> None:
    """Tests that logging out ends the user's bearer tokens too."""
    token = token_of(app, "planner").get_json()["token"]
    client = signed_in(app, "planner")
    assert client.get("/api/v1/plans", headers=bearer(token)).status_code == 200
    client.post("/logout", data={"csrf_token": CSRF})
    response = app.test_client().get("/api/v1/plans", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"].startswith("The bearer token is no longer valid")


def test_api_logout_ends_every_session_and_token(app) -> None:
    """Tests POST /api/v1/account/logout: the token, other tokens and web sessions end."""
    page = signed_in(app, "captain")
    one = token_of(app, "captain").get_json()["token"]
    two = token_of(app, "captain").get_json()["token"]
    assert app.test_client().post("/api/v1/account/logout", headers=bearer(one)).status_code == 204
    for token in (one, two):
        assert app.test_client().get("/api/v1/plans", headers=bearer(token)).status_code == 401
    assert page.get("/plans/").status_code == 302


# ---------------------------------------------------------------------------------------------
# One's own password


def test_changing_ones_password_ends_other_sessions(app) -> None:
    """Tests the account page: other sessions and tokens end, this one goes on, the old
    password no longer works and the new one does."""
    mine, other = signed_in(app, "member"), signed_in(app, "member")
    token = token_of(app, "member").get_json()["token"]
    form = {
        "current": WEB_PASSWORD,
        "password": NEW_PASSWORD,
        "repeat": NEW_PASSWORD,
        "csrf_token": CSRF,
    }
    response = mine.post("/account?lang=en", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert mine.get("/plans/").status_code == 200
    assert other.get("/plans/").status_code == 302
    assert app.test_client().get("/api/v1/plans", headers=bearer(token)).status_code == 401
    assert token_of(app, "member").status_code == 401
    assert token_of(app, "member", NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("form", "message"),
    [
        # a wrong current password
        ({"current": "wrong one", "password": NEW_PASSWORD}, "The current password is wrong."),
        # too short
        ({"current": WEB_PASSWORD, "password": "short"}, "at least 8 characters"),
        # the same again
        ({"current": WEB_PASSWORD, "password": WEB_PASSWORD}, "must differ from the current"),
        # typed differently twice
        ({"current": WEB_PASSWORD, "password": NEW_PASSWORD, "repeat": "x"}, "differ."),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, form, message) -> None:
    """Tests that a refused change answers 400 with one sentence and keeps sessions going."""
    client = signed_in(app, "viewer")
    other = signed_in(app, "viewer")
    data = {"repeat": form["password"], **form, "csrf_token": CSRF}
    response = client.post("/account?lang=en", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert other.get("/plans/").status_code == 200
    assert token_of(app, "viewer").status_code == 200


def test_api_password_change_gives_a_new_token(app) -> None:
    """Tests POST /api/v1/account/password: the old token ends, the answer's token works."""
    old = token_of(app, "planner").get_json()["token"]
    client = app.test_client()
    wrong = client.post(
        "/api/v1/account/password",
        json={"current": "nope", "password": NEW_PASSWORD},
        headers=bearer(old),
    )
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "current"
    response = client.post(
        "/api/v1/account/password",
        json={"current": WEB_PASSWORD, "password": NEW_PASSWORD},
        headers=bearer(old),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    new = response.get_json()["token"]
    assert client.get("/api/v1/plans", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/plans", headers=bearer(new)).status_code == 200


# ---------------------------------------------------------------------------------------------
# Admins: reset and disable


def test_a_reset_password_must_be_changed_at_the_next_login(app) -> None:
    """Tests that after an admin's reset the user signs in with it, is sent to the account
    page for every other page and the API refuses them until they choose their own."""
    admin = signed_in(app, "admin")
    victim = signed_in(app, "captain")
    uid = user_id(app, "captain")
    reset = admin.post(
        f"/users/{uid}/password", data={"password": "temporary1", "csrf_token": CSRF}
    )
    assert reset.status_code == 302
    assert victim.get("/plans/").status_code == 302  # the old session ended
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    login = client.post(
        "/login", data={"name": "captain", "password": "temporary1", "csrf_token": CSRF}
    )
    assert login.status_code == 302 and login.headers["Location"].startswith("/account")
    away = client.get("/plans/")
    assert away.status_code == 302 and away.headers["Location"] == "/account"
    token = token_of(app, "captain", "temporary1").get_json()["token"]
    refused = app.test_client().get("/api/v1/plans", headers=bearer(token))
    assert (
        refused.status_code == 403 and "Choose a new password first" in refused.get_json()["error"]
    )
    form = {"current": "temporary1", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    with client.session_transaction() as sess:  # logging in started a new session
        sess["csrf_token"] = CSRF
    assert client.post("/account", data={**form, "csrf_token": CSRF}).status_code == 302
    assert client.get("/plans/").status_code == 200


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(app) -> None:
    """Tests that disabling ends the user's session and tokens and refuses their sign-in, and
    that enabling lets them in again."""
    admin = signed_in(app, "admin")
    planner = signed_in(app, "planner")
    token = token_of(app, "planner").get_json()["token"]
    uid = user_id(app, "planner")
    assert (
        admin.post(f"/users/{uid}/disabled", data={"disabled": "1", "csrf_token": CSRF}).status_code
        == 302
    )
    assert planner.get("/plans/").status_code == 302
    assert app.test_client().get("/api/v1/plans", headers=bearer(token)).status_code == 401
    refused = token_of(app, "planner")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "This account is disabled; ask an admin."
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    form = {"name": "planner", "password": WEB_PASSWORD, "csrf_token": CSRF}
    page = client.post("/login?lang=en", data=form)
    assert page.status_code == 401 and "This account is disabled" in page.get_data(as_text=True)
    assert "(disabled)" in admin.get("/users/?lang=en").get_data(as_text=True)
    admin.post(f"/users/{uid}/disabled", data={"disabled": "0", "csrf_token": CSRF})
    assert token_of(app, "planner").status_code == 200


def test_the_last_admin_cannot_be_disabled(app) -> None:
    """Tests that disabling the only enabled admin is refused in one sentence, by page and API."""
    admin = signed_in(app, "admin")
    uid = user_id(app, "admin")
    page = admin.post(f"/users/{uid}/disabled?lang=en", data={"disabled": "1", "csrf_token": CSRF})
    assert page.status_code == 400
    assert "admin is the only enabled admin" in page.get_data(as_text=True)
    token = token_of(app, "admin").get_json()["token"]
    api = app.test_client().put(
        f"/api/v1/users/{uid}/disabled", json={"disabled": True}, headers=bearer(token)
    )
    assert api.status_code == 422
    assert api.get_json()["error"] == "admin is the only enabled admin, so they cannot be disabled."


def test_api_reset_and_disable(app) -> None:
    """Tests the admins' endpoints and that other roles may not use them."""
    admin = token_of(app, "admin").get_json()["token"]
    captain = token_of(app, "captain").get_json()["token"]
    uid = user_id(app, "viewer")
    client = app.test_client()
    assert (
        client.put(
            f"/api/v1/users/{uid}/disabled", json={"disabled": True}, headers=bearer(captain)
        ).status_code
        == 403
    )
    done = client.post(
        f"/api/v1/users/{uid}/password", json={"password": "temporary1"}, headers=bearer(admin)
    )
    assert done.status_code == 200 and done.get_json()["must_change_password"] is True
    short = client.post(
        f"/api/v1/users/{uid}/password", json={"password": "x"}, headers=bearer(admin)
    )
    assert short.status_code == 422 and short.get_json()["field"] == "password"
    off = client.put(
        f"/api/v1/users/{uid}/disabled", json={"disabled": True}, headers=bearer(admin)
    )
    assert off.status_code == 200 and off.get_json()["disabled"] is True
    assert (
        client.put(
            "/api/v1/users/999/disabled", json={"disabled": True}, headers=bearer(admin)
        ).status_code
        == 404
    )


# ---------------------------------------------------------------------------------------------
# The command line


def test_users_passwd_and_disable_commands(app) -> None:
    """Tests `patrol users passwd` and `patrol users disable [--enable]`, and their refusals."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from web.cli import cli

    obj = ScriptInfo(create_app=lambda: app)

    class Runner:
        def invoke(self, args: list[str], input: str | None = None):
            return CliRunner().invoke(cli, args, input=input, obj=obj)

    runner = Runner()
    page = signed_in(app, "viewer")
    result = runner.invoke(
        args=["users", "passwd", "viewer", "--password-stdin"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "their sessions and tokens have ended" in result.output
    assert page.get("/plans/").status_code == 302
    assert token_of(app, "viewer", NEW_PASSWORD).status_code == 200
    short = runner.invoke(args=["users", "passwd", "viewer", "--password-stdin"], input="x\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    assert "Traceback" not in short.output
    nobody = runner.invoke(args=["users", "disable", "nobody"])
    assert nobody.exit_code == 2 and "There is no user 'nobody'." in nobody.output
    assert runner.invoke(args=["users", "disable", "viewer"]).exit_code == 0
    assert token_of(app, "viewer", NEW_PASSWORD).status_code == 403
    assert runner.invoke(args=["users", "disable", "viewer", "--enable"]).exit_code == 0
    assert token_of(app, "viewer", NEW_PASSWORD).status_code == 200


# ---------------------------------------------------------------------------------------------
# First-start accounts


def test_first_start_passwords_are_not_logged_and_must_be_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Tests that the log names the accounts but not their passwords, that each account must
    choose a new password, and that its line leaves first_users.txt when it has."""
    from web import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "app.sqlite3"),
            "FIRST_USERS": True,
        }
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="planner"):
        client.get("/login")
    lines = first_users_file(app).read_text(encoding="utf-8").splitlines()
    accounts = dict(line.split("\t") for line in lines if not line.startswith("#"))
    assert all(password not in caplog.text for password in accounts.values())
    assert "admin" in caplog.text
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    login = client.post(
        "/login", data={"name": "viewer", "password": accounts["viewer"], "csrf_token": CSRF}
    )
    assert login.headers["Location"].startswith("/account")
    form = {"current": accounts["viewer"], "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    assert client.post("/account", data={**form, "csrf_token": CSRF}).status_code == 302
    left = first_users_file(app).read_text(encoding="utf-8")
    assert "viewer\t" not in left and "admin\t" in left
    for name in ("admin", "captain", "planner", "member"):
        with new_session(app) as session:
            user = session.scalars(select(User).where(User.name == name)).one()
            from web.accounts.users import set_password

            set_password(session, user, NEW_PASSWORD, method="pbkdf2:sha256:1000")
        from web.accounts.first_users import forget_first_user

        forget_first_user(app, name)
    assert not first_users_file(app).exists()
