"""User accounts: what a name, role and password must be, and storing a new user."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from werkzeug.security import generate_password_hash

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
