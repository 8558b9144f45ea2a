"""Tests of the accounts made on the first start of a fresh install."""

from __future__ import annotations

from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)

from sqlalchemy import select

from web import create_app
from web.accounts.first_users import ensure_first_users, first_users_file
from web.accounts.users import create_user
from web.db import ROLES, User, UserGroup, new_session


def fresh_app(tmp_path: Path, **config):
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "app.sqlite3"),
    }
    settings.update(config)
    return create_app(settings)


def test_first_request_makes_one_account_per_role(tmp_path: Path) -> None:
    """Tests that a fresh app makes every role's account, lists it and shows the hint."""
    app = fresh_app(tmp_path, FIRST_USERS=True)
    client = app.test_client()
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "first_users.txt" in page
    text = first_users_file(app).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    accounts = dict(line.split("\t") for line in lines)
    assert sorted(accounts) == sorted(ROLES)
    assert oct(first_users_file(app).stat().st_mode & 0o777) == "0o600"
    with client.session_transaction() as sess:
        sess["csrf_token"] = "tok"
    answer = client.post(
        "/login", data={"name": "member", "password": accounts["member"], "csrf_token": "tok"}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/account")  # a new password comes first
    with new_session(app) as session:
        member = session.scalars(select(User).where(User.name == "member")).one()
        groups = session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == member.id))
        assert list(groups) == ["A"]


def test_an_install_with_users_gets_no_accounts(tmp_path: Path) -> None:
    """Tests that a database with a user (made from the command line) is left alone."""
    app = fresh_app(tmp_path)
    with new_session(app) as session:
        create_user(session, "chief", "admin", "long enough", method="pbkdf2:sha256:1000")
    assert ensure_first_users(app) == []
    assert not first_users_file(app).exists()
    with new_session(app) as session:
        assert [u.name for u in session.scalars(select(User))] == ["chief"]
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "first_users.txt" not in page
