"""The districts of the service, the district a request works on, and users' roles per district.

One service can hold many districts. The default district is the ``DISTRICT`` setting's bundle
(else the shipped default district); others are added with ``patrol district add ID FOLDER``
(rows of :class:`~web.db.District`) or named in the ``DISTRICTS`` setting (``{id: folder}``
in ``instance/config.py``). Each district has its own working copy of its bundle (teams,
rules, key areas; :mod:`web.workspace`), its own plans, jobs, check-ins and edit history (the
database tags them with the district's id).

Roles: an admin (``users.role == "admin"``) is admin in every district. Any other user with
rows in ``user_districts`` has those roles and no other (a captain of one district is nobody
in the next); a user without any such row has their ``users.role`` in the default district
only, which is how a single-district install has always worked.

A request works on one district (:func:`active_district`): the JSON API names it in the path
(``/api/v1/districts/<id>/...``, see :class:`DistrictPaths`), the pages keep the one chosen
with the switcher in the session; everything else works on the default district.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context
from sqlalchemy import select

from geodata.errors import InputError
from web.db import ROLES, District, User, UserDistrict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from flask import Flask
    from sqlalchemy.orm import Session

DISTRICT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
"""What an added district's id looks like: lower-case letters, digits, ``-`` and ``_``."""

NO_ROLE = "none"
"""The role of a ``user_districts`` row that takes a user's role in a district away."""

ENVIRON_KEY = "patrol.district"
"""WSGI environ key in which :class:`DistrictPaths` leaves the district named in an API path."""

API_DISTRICTS = "/api/v1/districts/"
"""Path prefix of the API's district-addressed endpoints."""


class DistrictError(InputError):
    """A district that cannot be added, found or granted (one sentence saying why)."""


def default_source(app: Flask) -> Path:
    """Return the bundle folder of the default district (``DISTRICT``, else the shipped one)."""
    from geodata.bundle import DEFAULT_DISTRICT_DIR

    configured = app.config.get("DISTRICT")
    return Path(configured) if configured else DEFAULT_DISTRICT_DIR


def default_district(app: Flask) -> str:
    """Return the id of the default district (its bundle's manifest id, else folder name)."""
    cached = app.extensions.get("patrol_default_district")
    if cached is not None:
        return str(cached)
    from geodata.bundle import district_id, read_manifest

    source = default_source(app)
    ident = district_id(source, read_manifest(source))
    app.extensions["patrol_default_district"] = ident
    return ident


def added_districts(app: Flask, session: Session) -> dict[str, tuple[str, Path]]:
    """Return id -> (name, bundle folder) of the districts added besides the default one.

    Districts of the ``DISTRICTS`` setting come first; a database row of the same id wins.
    Read once per request.
    """
    if has_request_context() and "patrol_added" in g:
        return dict(g.patrol_added)
    out: dict[str, tuple[str, Path]] = {}
    for ident, folder in dict(app.config.get("DISTRICTS") or {}).items():
        out[str(ident)] = (str(ident), Path(folder))
    for row in session.scalars(select(District).order_by(District.id)):
        out[row.id] = (row.name or row.id, Path(row.source))
    out.pop(default_district(app), None)
    if has_request_context():
        g.patrol_added = dict(out)
    return out


def district_ids(app: Flask, session: Session) -> list[str]:
    """Return the ids of every district of the service, the default one first."""
    return [default_district(app), *sorted(added_districts(app, session))]


def is_default(app: Flask, ident: str | None) -> bool:
    """Return whether ``ident`` names the default district ("" and None do too)."""
    return not ident or ident == default_district(app)


def district_source(app: Flask, session: Session, ident: str) -> Path:
    """Return the bundle folder district ``ident`` was added from.

    Raises
    ------
    DistrictError
        When the service has no such district.
    """
    if is_default(app, ident):
        return default_source(app)
    found = added_districts(app, session).get(ident)
    if found is None:
        msg = f"There is no district {ident!r}; `patrol district list` shows the districts."
        raise DistrictError(msg)
    return found[1]


def add_district(app: Flask, session: Session, ident: str, folder: Path, name: str = "") -> None:
    """Add district ``ident`` from the bundle in ``folder`` (checked first); commit.

    Raises
    ------
    DistrictError
        When the id is not a valid one or already taken.
    geodata.errors.InputError
        When the folder is no valid district bundle (the validator's sentence).
    """
    from geodata.bundle import validate_district

    if not DISTRICT_ID.fullmatch(ident):
        msg = (
            f"The district id {ident!r} must be 1 to 40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit."
        )
        raise DistrictError(msg)
    if ident in district_ids(app, session):
        msg = f"There is already a district {ident!r}."
        raise DistrictError(msg)
    if not (folder / "manifest.toml").is_file():
        msg = f"{folder} is not a district bundle folder (it has no manifest.toml)."
        raise DistrictError(msg)
    validate_district(folder)
    session.add(District(id=ident, name=name or ident, source=str(folder.resolve())))
    session.commit()
    if has_request_context():
        g.pop("patrol_added", None)


# ---------------------------------------------------------------------------------------------
# Roles per district


def _rows(session: Session, user: User) -> dict[str, str]:
    """Return district -> role of the ``user_districts`` rows of ``user``."""
    rows = session.execute(
        select(UserDistrict.district, UserDistrict.role).where(UserDistrict.user_id == user.id)
    )
    return {str(d): str(r) for d, r in rows}


def roles_of(app: Flask, session: Session, user: User | None) -> dict[str, str]:
    """Return district id -> role of ``user`` in each district where they have one.

    Read once per request and user.
    """
    if user is None:
        return {}
    if not has_request_context():
        return _roles_of(app, session, user)
    cache: dict[int, dict[str, str]] = g.setdefault("patrol_roles", {})
    if user.id not in cache:
        cache[user.id] = _roles_of(app, session, user)
    return dict(cache[user.id])


def _roles_of(app: Flask, session: Session, user: User) -> dict[str, str]:
    ids = district_ids(app, session)
    if user.role == "admin":
        return dict.fromkeys(ids, "admin")
    rows = _rows(session, user)
    if not rows:
        return {ids[0]: user.role}
    return {d: rows[d] for d in ids if rows.get(d, NO_ROLE) != NO_ROLE}


def role_in(app: Flask, session: Session, user: User | None, ident: str | None) -> str | None:
    """Return the role of ``user`` in district ``ident`` (None: no role there, or nobody)."""
    if user is None:
        return None
    if user.role == "admin":
        return "admin"
    key = default_district(app) if is_default(app, ident) else str(ident)
    return roles_of(app, session, user).get(key)


def grant(app: Flask, session: Session, user: User, ident: str, role: str) -> None:
    """Give ``user`` the role ``role`` in district ``ident`` (``"none"``: take it away); commit.

    A user's first grant keeps their role in the default district (it becomes a row too),
    so that granting a second district takes nothing away.

    Raises
    ------
    DistrictError
        When there is no such district or role, or the user is an admin (admin everywhere).
    """
    if role not in (*ROLES, NO_ROLE):
        msg = f"The role must be one of {', '.join((*ROLES, NO_ROLE))}, not {role!r}."
        raise DistrictError(msg)
    if ident not in district_ids(app, session):
        msg = f"There is no district {ident!r}; `patrol district list` shows the districts."
        raise DistrictError(msg)
    if user.role == "admin":
        msg = f"{user.name} is an admin, who has every district; change their role first."
        raise DistrictError(msg)
    rows = _rows(session, user)
    if not rows and ident != default_district(app):
        session.add(UserDistrict(user_id=user.id, district=default_district(app), role=user.role))
    row = session.get(UserDistrict, (user.id, ident))
    if row is None:
        session.add(UserDistrict(user_id=user.id, district=ident, role=role))
    else:
        row.role = role
    session.commit()
    if has_request_context():
        g.pop("patrol_roles", None)


# ---------------------------------------------------------------------------------------------
# The district of a request


def active_district(app: Flask) -> str:
    """Return the id of the district this request works on (outside requests: the default)."""
    if has_request_context():
        chosen = g.get("district")
        if chosen:
            return str(chosen)
    return default_district(app)


def plan_condition(app: Flask, session: Session, ident: str) -> Any:
    """Return the SQL condition of the plans of district ``ident``.

    An added district's plans carry its id. The default district's are all the others: its
    own id, ``""`` (plans made before), and any id of no district added (plans imported from
    elsewhere), so that adding a district hides nothing a single-district install had.
    """
    from web.db import Plan

    if not is_default(app, ident):
        return Plan.district == ident
    return Plan.district.notin_(list(added_districts(app, session)))


def edit_condition(app: Flask, session: Session, ident: str) -> Any:
    """Return the SQL condition of the edits of district ``ident`` (no district: default)."""
    from sqlalchemy import or_

    from web.db import Edit

    if not is_default(app, ident):
        return Edit.district == ident
    added = list(added_districts(app, session))
    return or_(Edit.district.is_(None), Edit.district.notin_(added))


class DistrictPaths:
    """WSGI middleware: serve ``/api/v1/districts/<id>/<rest>`` as ``/api/v1/<rest>`` of ``id``.

    The district named goes to the environ (:data:`ENVIRON_KEY`), where the app's
    ``before_request`` reads it, so every endpoint of the API answers for any district
    without being declared twice; ``/api/v1/districts/<id>`` alone is the district
    (``/api/v1/district``).
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Rewrite a district-addressed API path, then call the app."""
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(API_DISTRICTS):
            ident, _, rest = path[len(API_DISTRICTS) :].partition("/")
            if ident:
                environ[ENVIRON_KEY] = ident
                environ["PATH_INFO"] = "/api/v1/" + rest if rest else "/api/v1/district"
        return self.wsgi_app(environ, start_response)


def role_here(user: User | None) -> str | None:
    """Return the role of ``user`` in the district this request works on (None: none there).

    Outside a request it is the user's role in the default district.
    """
    from flask import current_app

    from web.db import db_session

    if user is None:
        return None
    if not has_request_context():
        return user.role
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return role_in(app, db_session(), user, active_district(app))
