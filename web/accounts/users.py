"""User accounts: what a name, role and password must be, new users, passwords, disabling.

Every change that should end a user's sessions and API tokens (a new password, disabling,
"log out everywhere") bumps the user's ``session_version``; :func:`web.accounts.auth.load_user` and
the API's tokens carry the version they were made under and stop working under another.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from werkzeug.security import check_password_hash, generate_password_hash

from geodata.errors import InputError
from web.db import ROLES, User, UserGroup, find_user
from web.i18n import translate

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

MIN_PASSWORD = 8
"""Fewest characters of a password."""

NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
"""What a user name may be."""


class UserError(InputError):
    """A user name, role or password that cannot be used.

    Attributes
    ----------
    key, values
        The catalogue key and values of the message, for the web page's language.
    """

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(translate(key, "en", **values))
        self.key = key
        self.values = values


def check_new_user(session_: Session, name: str, role: str, password: str) -> None:
    """Refuse with :class:`UserError` a name, role or password that cannot make a new user."""
    if not NAME_RE.match(name or ""):
        raise UserError("err_name")
    if role not in ROLES:
        raise UserError("err_role", role=role)
    if len(password or "") < MIN_PASSWORD:
        raise UserError("err_password", n=MIN_PASSWORD)
    if find_user(session_, name) is not None:
        raise UserError("err_name_taken", name=name)


def create_user(
    session_: Session,
    name: str,
    role: str,
    password: str,
    *,
    method: str = "scrypt",
    groups: Iterable[str] = (),
) -> User:
    """Check and store a new user with a hashed password; nothing is stored when it is refused.

    Parameters
    ----------
    session_
        Database session; committed on success.
    name, role, password
        The new user's name (1-40 of ``A-Z a-z 0-9 _ . -``), role (one of
        :data:`web.db.ROLES`) and password (at least :data:`MIN_PASSWORD` characters).
    method
        Hashing method of :func:`werkzeug.security.generate_password_hash`.
    groups
        Patrol group ids (as in the plans' rosters) whose routes a member may see.

    Returns
    -------
    User

    Raises
    ------
    UserError
        For a bad or taken name, an unknown role or a short password.
    """
    check_new_user(session_, name, role, password)
    user = User(name=name, role=role, password_hash=generate_password_hash(password, method))
    session_.add(user)
    session_.flush()
    for group_id in dict.fromkeys(gid.strip() for gid in groups if gid.strip()):
        session_.add(UserGroup(user_id=user.id, group_id=group_id))
    session_.commit()
    return user


def end_sessions(session_: Session, user: User) -> None:
    """End every session and API token of ``user`` (committed)."""
    user.session_version = (user.session_version or 0) + 1
    session_.commit()


def set_password(
    session_: Session,
    user: User,
    password: str,
    *,
    current: str | None = None,
    must_change: bool = False,
    method: str = "scrypt",
) -> User:
    """Give ``user`` a new password and end their other sessions; nothing changes if refused.

    Parameters
    ----------
    session_
        Database session; committed on success.
    user
        The user whose password changes.
    password
        The new password (at least :data:`MIN_PASSWORD` characters).
    current
        The user's present password, checked when given (a user changing their own).
    must_change
        Whether the user must choose another at the next login (an admin's reset).
    method
        Hashing method of :func:`werkzeug.security.generate_password_hash`.

    Raises
    ------
    UserError
        When ``current`` is wrong, the new password is too short, or is the present one.
    """
    if current is not None and not check_password_hash(user.password_hash, current):
        raise UserError("err_current_password")
    if len(password or "") < MIN_PASSWORD:
        raise UserError("err_password", n=MIN_PASSWORD)
    if check_password_hash(user.password_hash, password):
        raise UserError("err_same_password")
    user.password_hash = generate_password_hash(password, method)
    user.must_change_password = must_change
    end_sessions(session_, user)
    return user


def set_disabled(session_: Session, user: User, disabled: bool) -> User:
    """Disable ``user`` (no sign-in; sessions and tokens end) or enable them again.

    Raises
    ------
    UserError
        When ``user`` is the last enabled admin and would be disabled.
    """
    if disabled and user.role == "admin" and not user.disabled:
        from sqlalchemy import func, select

        admins = session_.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.disabled.is_(False))
        )
        if (admins or 0) <= 1:
            raise UserError("users_err_last_admin_disable", name=user.name)
    user.disabled = disabled
    end_sessions(session_, user)
    return user
