"""First start of a fresh install: one account per role, so a newcomer can try every page.

When the app serves its first request and its database has no user at all, it makes the users
``admin``, ``captain``, ``planner``, ``member`` (linked to the first patrol group) and ``viewer``
with random passwords and writes them to ``first_users.txt`` in the instance folder (readable
by the owner only); the server log names the accounts and the file, not the passwords. Each
account must choose a new password at its first login, which takes its line out of the file
(the file goes with the last one). An install whose first user was made with
``patrol users create`` never gets these accounts.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from web.accounts.users import create_user
from web.db import ROLES, User, new_session

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger("planner")

FIRST_USERS_FILE = "first_users.txt"
"""File of the instance folder that lists the accounts made on first start."""


def first_users_file(app: Flask) -> Path:
    """Return the path of :data:`FIRST_USERS_FILE` in the app's instance folder."""
    return Path(app.instance_path) / FIRST_USERS_FILE


def ensure_first_users(app: Flask) -> list[tuple[str, str]]:
    """Make one account per role when the database has no user; return (name, password) pairs.

    Returns
    -------
    list of (str, str)
        The accounts made, empty when the database already had users.
    """
    from web.plans.store import get_district

    with new_session(app) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
        try:
            groups = [str(g["id"]) for g in get_district(app).teams.get("groups", [])][:1]
        except Exception:  # a district without teams still gets its accounts
            logger.warning("No patrol group found for the first member account.")
            groups = []
        made = []
        for role in ROLES:
            password = secrets.token_urlsafe(9)
            user = create_user(
                session, role, role, password, groups=groups if role == "member" else []
            )
            user.must_change_password = True
            made.append((role, password))
        session.commit()
    path = first_users_file(app)
    lines = [f"{name}\t{password}" for name, password in made]
    path.write_text(
        "# Accounts made on first start (name, password). Each must choose a new password at\n"
        "# its first login; its line then leaves this file, and the file goes with the last.\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    logger.warning(
        "First start: made one account per role (%s); their passwords are in %s, readable by "
        "this user only, and must be changed at first login",
        ", ".join(name for name, _ in made),
        path,
    )
    return made


def forget_first_user(app: Flask, name: str) -> None:
    """Remove ``name``'s line from :data:`FIRST_USERS_FILE` (its password changed).

    The file is removed with its last account.
    """
    path = first_users_file(app)
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.split("\t", 1)[0] != name]
    if len(kept) == len(lines):
        return
    if all(line.startswith("#") or not line.strip() for line in kept):
        path.unlink()
        return
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
