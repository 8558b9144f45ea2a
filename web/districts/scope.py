"""Each request sees one district: which one, and its plans, jobs, check-ins and edits only.

Before each request :func:`choose_district` settles the district the request works on
(:func:`web.districts.registry.active_district`): the one an API path names; that of a
check-in code's plan (the phone page and the API's sign-in); the default district for the
API's other paths; else the one chosen with the page header's switcher (kept in the session)
when the user has a role there, else the first district where they have one. The request's
database session then reads only that district's rows: every ORM ``SELECT`` of plans,
jobs, check-ins and edits it runs gets the district's condition added
(:func:`sqlalchemy.orm.with_loader_criteria`), so a plan of another district is simply not
found (404) by any page or endpoint, and lists, limits and the plan in force are the
district's. Background threads and commands use their own sessions and see everything.

With one district (no district added) nothing is scoped: the app works as it always has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app, g, request, session
from sqlalchemy import event, select
from sqlalchemy.orm import Session, with_loader_criteria

from web.accounts.auth import current_user
from web.db import CheckIn, Job, Plan, db_session
from web.districts.registry import (
    ENVIRON_KEY,
    district_ids,
    edit_condition,
    is_default,
    plan_condition,
    role_in,
)

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import ORMExecuteState

SESSION_KEY = "district"
"""Key of the session cookie that holds the district chosen with the switcher."""

SCOPE_KEY = "patrol_district_scope"
"""Key of ``Session.info`` holding the district a request's database session is limited to."""

CHECKIN_ENDPOINTS = frozenset({"checkin.check_in_page", "api_checkins.create_checkin"})
"""The check-in page and the API's sign-in: their district is that of the code's plan."""


def _scope(state: ORMExecuteState) -> None:
    """Add the session's district condition to an ORM ``SELECT`` (see the module docstring)."""
    scope = state.session.info.get(SCOPE_KEY)
    if scope is None or not state.is_select:
        return
    in_district, edits = scope
    plans_here = select(Plan.id).where(in_district)
    state.statement = state.statement.options(
        with_loader_criteria(Plan, in_district, include_aliases=True),
        with_loader_criteria(Job, Job.plan_id.in_(plans_here), include_aliases=True),
        with_loader_criteria(CheckIn, CheckIn.plan_id.in_(plans_here), include_aliases=True),
        with_loader_criteria(edits[0], edits[1], include_aliases=True),
    )


def scope_session(app: Flask, db: Session, ident: str) -> None:
    """Limit ``db`` to the plans, jobs, check-ins and edits of district ``ident``."""
    from web.db import Edit

    db.info[SCOPE_KEY] = (plan_condition(app, db, ident), (Edit, edit_condition(app, db, ident)))


def _token_district(app: Flask, token: str) -> str | None:
    """Return the district of the plan a check-in code names (None: no such plan)."""
    from web.checkin.records import CheckInError, read_token

    try:
        plan_id = read_token(app, token).plan_id
    except CheckInError:
        return None
    row = db_session().get(Plan, plan_id)
    return None if row is None else row.district or None


def _request_token() -> str:
    """Return the check-in code of this request: in the page's path, or the API body's."""
    if request.view_args and "token" in request.view_args:
        return str(request.view_args["token"])
    body = request.get_json(silent=True) if request.is_json else None
    token = body.get("token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else ""


def choose_district() -> Any:
    """Before each request: settle the district it works on and scope its database session."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = db_session()
    ids = district_ids(app, db)
    g.district = ids[0]
    if len(ids) == 1:
        return None
    user = current_user()
    named = request.environ.get(ENVIRON_KEY)
    if named is not None:
        if named not in ids:
            from web.api.core import refuse

            refuse(404, f"There is no district {named!r}; GET /api/v1/districts lists them.")
        g.district = named
    elif request.endpoint in CHECKIN_ENDPOINTS:
        found = _token_district(app, _request_token())
        g.district = ids[0] if found is None or is_default(app, found) else found
    elif request.path.startswith("/api/"):
        pass  # the API's other paths without a district are the default district's
    else:
        chosen = session.get(SESSION_KEY)
        if chosen in ids and (user is None or role_in(app, db, user, chosen) is not None):
            g.district = chosen
        elif user is not None and role_in(app, db, user, ids[0]) is None:
            g.district = next((d for d in ids if role_in(app, db, user, d) is not None), ids[0])
    scope_session(app, db, g.district)
    return None


def init_district_scope(app: Flask) -> None:
    """Choose each request's district (after the user is known) and scope its session."""
    if not event.contains(Session, "do_orm_execute", _scope):
        event.listen(Session, "do_orm_execute", _scope)
    app.before_request(choose_district)
