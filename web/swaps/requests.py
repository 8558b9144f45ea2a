"""Shift swap requests: a member asks, the roster check speaks, a captain approves or refuses.

A member asks to give one of their group's shifts in a plan in force to another group, or to
swap it with another group's shift (:mod:`planner.plan.swaps`). The request is checked on the
swapped roster by the independent roster check, against the rules file the plan was made
from (kept in the plan's folder; the working copy's when the plan has none), whenever it is
shown. A captain approves or refuses it (a refusal gives a reason); the member who asked
may withdraw it while it waits.

An approval checks the request again on the roster as it is then and changes the plan's
``plan.json`` in place: the roster cells, the moved routes (same ids, so printed check-in
codes stay valid) and the roster validation. The change is recorded in the audit log as an
edit of kind ``roster`` (before and after: the changed cells). It is refused when the swap
breaks a roster rule, when the roster has changed so that the request no longer applies,
when a moved shift has started or been signed in at, or when the plan is no longer in force.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from geodata.errors import InputError
from planner.plan.document import write_plan
from planner.plan.swaps import Swap, SwapError, apply_swap, check_swap
from web.db import CheckIn, Edit, Plan, ShiftSwap, UserGroup, utcnow
from web.plans.store import PLAN_DATA_DIR, load_document, plan_dir

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from planner.plan.document import PlanDocument
    from planner.plan.swaps import SwapCheck
    from web.db import User

DECIDE_ROLES = frozenset({"admin", "captain"})
"""Roles that approve and refuse requests and see every one (the ``publish_plans`` roles)."""

MAX_NOTE = 500
"""Longest note or refusal reason, in characters."""

_lock = threading.Lock()
"""Held while a plan's roster is read, changed and written back."""


class SwapRequestError(InputError):
    """A request that cannot be made or decided; ``reason`` names the catalogue sentence.

    ``values`` fill the sentence (group ids, ISO dates, shift ids are named as such).
    """

    def __init__(self, reason: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.values = values


def swap_of(req: ShiftSwap) -> Swap:
    """Return the swap a request asks for."""
    other = date.fromisoformat(req.other_day) if req.other_day else None
    return Swap(req.group_id, date.fromisoformat(req.day), req.other_group_id, other)


def plan_rules(app: Flask, row: Plan) -> tuple[str, dict[str, Any]] | None:
    """Return the rules text and the teams table a plan's roster is checked against.

    They are the files in the plan's folder (the data it was made from); for a plan that has
    none (an imported plan), the working copy's. None when neither has a rules file.
    """
    from web.workspace import workspace_dir

    for folder in (plan_dir(app, row.id) / PLAN_DATA_DIR, workspace_dir(app)):
        rules = Path(folder) / "rules.toml"
        if rules.is_file():
            teams = Path(folder) / "teams.toml"
            try:
                table = tomllib.loads(teams.read_text(encoding="utf-8")) if teams.is_file() else {}
                return rules.read_text(encoding="utf-8"), table
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return None
    return None


def user_groups(session: Session, user: User) -> set[str]:
    """Return the ids of the patrol groups linked to ``user``."""
    return set(session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id)))


def shift_start(doc: PlanDocument, group: str, day: date) -> datetime | None:
    """Return when ``group``'s shift of ``day`` starts (aware), None when it is off."""
    i = doc.dates().index(day)
    sid = doc.roster.schedule.get(group, ())[i] if i < doc.days else None
    if sid is None:
        return None
    shift = doc.roster.shift(sid)
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(doc.district.time_zone))
    return midnight + timedelta(minutes=shift.start_minute)


def _first_start(doc: PlanDocument, swap: Swap) -> datetime | None:
    starts = [shift_start(doc, swap.group, swap.day)]
    if swap.other_day is not None:
        starts.append(shift_start(doc, swap.other, swap.other_day))
    found = [s for s in starts if s is not None]
    return min(found) if found else None


def _in_force(row: Plan | None) -> Plan:
    if row is None or row.status != "ready" or row.state != "published" or not row.path:
        msg = "The plan of this shift is not in force, so its roster cannot be changed."
        raise SwapRequestError("not_in_force", msg)
    return row


def _check(doc: PlanDocument, swap: Swap, rules: tuple[str, dict[str, Any]] | None) -> SwapCheck:
    if rules is None:
        msg = "No rules file is at hand to check the swapped roster against."
        raise SwapRequestError("no_rules", msg)
    try:
        return check_swap(doc, swap, rules[0], rules[1])
    except SwapError as exc:
        raise SwapRequestError(f"swap_{exc.reason}", str(exc), **exc.values) from None
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError):
        msg = "The rules file the roster is checked against cannot be read."
        raise SwapRequestError("bad_rules", msg) from None


def probe(app: Flask, session: Session, user: User, plan_id: int, swap: Swap) -> SwapCheck:
    """Return the check of a swap ``user`` may ask for in plan ``plan_id`` (nothing stored).

    Raises
    ------
    SwapRequestError
        When the plan is not in force, the shift is not of one of the user's groups (members),
        no rules are at hand or the swap cannot be made in the roster.
    """
    row = _in_force(session.get(Plan, plan_id))
    if user.role not in DECIDE_ROLES and swap.group not in user_groups(session, user):
        msg = f"Group {swap.group} is not yours, so you cannot ask to swap its shift."
        raise SwapRequestError("not_yours", msg, group=swap.group)
    return _check(load_document(app, row), swap, plan_rules(app, row))


def create_request(
    app: Flask,
    session: Session,
    user: User,
    plan_id: int,
    swap: Swap,
    *,
    note: str = "",
    now: datetime,
) -> ShiftSwap:
    """Record a member's request for ``swap`` in plan ``plan_id``; commit.

    Raises
    ------
    SwapRequestError
        When the plan is not in force, the shift is not of one of the user's groups (members),
        the swap cannot be made in the roster, the shift has started, the same request waits
        already, or the note is too long.
    """
    if len(note) > MAX_NOTE:
        msg = f"The note is longer than {MAX_NOTE} characters."
        raise SwapRequestError("note_long", msg, n=MAX_NOTE)
    check = probe(app, session, user, plan_id, swap)
    row = _in_force(session.get(Plan, plan_id))
    doc = load_document(app, row)
    start = _first_start(doc, swap)
    if start is not None and start <= now:
        msg = "The shift has started already, so it cannot be swapped."
        raise SwapRequestError("started", msg)
    same = session.scalar(
        select(ShiftSwap).where(
            ShiftSwap.plan_id == row.id,
            ShiftSwap.status == "pending",
            ShiftSwap.group_id == swap.group,
            ShiftSwap.day == swap.day.isoformat(),
        )
    )
    if same is not None:
        msg = f"Request {same.id} for this shift is waiting for a captain already."
        raise SwapRequestError("duplicate", msg, id=same.id)
    cells = {(c.group, c.day): c.before for c in check.cells}
    req = ShiftSwap(
        plan_id=row.id,
        requested_by_id=user.id,
        group_id=swap.group,
        day=swap.day.isoformat(),
        shift_id=str(cells[swap.group, swap.day]),
        other_group_id=swap.other,
        other_day=swap.other_day.isoformat() if swap.other_day else None,
        other_shift_id=(
            cells.get((swap.other, swap.other_day)) if swap.other_day is not None else None
        ),
        note=note.strip(),
        status="pending",
    )
    session.add(req)
    session.commit()
    return req


def current_check(app: Flask, session: Session, req: ShiftSwap) -> SwapCheck:
    """Return the check of a request on its plan's roster as it is now.

    Raises
    ------
    SwapRequestError
        When the plan has no rules at hand, or the roster has changed so that the request no
        longer applies (``no_longer``, or the swap's own reason).
    """
    row = session.get(Plan, req.plan_id)
    if row is None or not row.path:
        raise SwapRequestError("not_in_force", "The plan of this request is gone.")
    doc = load_document(app, row)
    check = _check(doc, swap_of(req), plan_rules(app, row))
    want = {(req.group_id, req.day): req.shift_id}
    if req.other_day and req.other_shift_id:
        want[req.other_group_id, req.other_day] = req.other_shift_id
    have = {(c.group, c.day.isoformat()): c.before for c in check.cells}
    if any(have.get(k) != v for k, v in want.items()):
        msg = "The roster has changed since the request was made, so it no longer applies."
        raise SwapRequestError("no_longer", msg)
    return check


def _pending(req: ShiftSwap) -> None:
    if req.status != "pending":
        msg = f"Request {req.id} is {req.status} already."
        raise SwapRequestError("not_pending", msg, id=req.id, status=req.status)


def approve(app: Flask, session: Session, req: ShiftSwap, user: User, *, now: datetime) -> Edit:
    """Approve a request: change the plan's roster, record the edit; commit.

    Returns
    -------
    Edit
        The audit log's record of the change.

    Raises
    ------
    SwapRequestError
        When the request is not pending, the plan is not in force, the swap no longer applies
        or breaks a roster rule (``breaks_rules``), a moved shift has started or been signed in
        at; nothing is changed then.
    """
    with _lock:
        session.refresh(req)  # another approval may have decided it meanwhile
        _pending(req)
        row = _in_force(session.get(Plan, req.plan_id))
        check = current_check(app, session, req)
        if check.broken:
            msg = "The swap breaks a roster rule: " + " ".join(f.message for f in check.broken)
            raise SwapRequestError("breaks_rules", msg)
        doc = load_document(app, row)
        swap = swap_of(req)
        start = _first_start(doc, swap)
        if start is not None and start <= now:
            raise SwapRequestError("started", "The shift has started already.")
        for move in check.routes:
            signed = session.scalar(
                select(CheckIn.id).where(
                    CheckIn.plan_id == row.id, CheckIn.stop.like(f"{move.route_id}/%")
                )
            )
            if signed is not None:
                msg = f"Route {move.route_id} has been signed in at, so it stays as it is."
                raise SwapRequestError("signed_in", msg, route=move.route_id)
        rules = plan_rules(app, row)
        assert rules is not None  # current_check has read them
        new = apply_swap(doc, swap, rules[0], rules[1])
        before = {f"{c.group}/{c.day.isoformat()}": c.before for c in check.cells}
        after = {f"{c.group}/{c.day.isoformat()}": c.after for c in check.cells}
        edit = Edit(
            user_id=user.id,
            kind="roster",
            action="swap",
            target=f"plan-{row.id}",
            summary=f"Shift swap request {req.id} approved.",
            before=json.dumps(before),
            after=json.dumps(after),
        )
        path = row.plan_file(app.instance_path)
        old = path.read_bytes()
        _write(new, path)
        try:
            session.add(edit)
            session.flush()
            req.status = "approved"
            req.decided_by_id = user.id
            req.decided_at = utcnow()
            req.edit_id = edit.id
            session.commit()
        except Exception:
            session.rollback()
            _restore(path, old)
            raise
        shutil.rmtree(plan_dir(app, row.id) / "exports", ignore_errors=True)
    return edit


def _write(doc: PlanDocument, path: Path) -> None:
    """Write ``doc`` over ``path`` at once (a file beside it, then renamed)."""
    tmp = path.with_name(path.name + ".swap")
    write_plan(doc, tmp)
    os.replace(tmp, path)


def _restore(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".restore")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def refuse(session: Session, req: ShiftSwap, user: User, reason: str) -> None:
    """Refuse a request with a reason; commit.

    Raises
    ------
    SwapRequestError
        When the request is not pending, or the reason is empty or too long.
    """
    _pending(req)
    reason = reason.strip()
    if not reason:
        raise SwapRequestError("no_reason", "Say why the request is refused.")
    if len(reason) > MAX_NOTE:
        msg = f"The reason is longer than {MAX_NOTE} characters."
        raise SwapRequestError("reason_long", msg, n=MAX_NOTE)
    req.status = "refused"
    req.reason = reason
    req.decided_by_id = user.id
    req.decided_at = utcnow()
    session.commit()


def withdraw(session: Session, req: ShiftSwap, user: User) -> None:
    """Withdraw a pending request (only the user who asked); commit.

    Raises
    ------
    SwapRequestError
        When the request is not pending or was asked by someone else.
    """
    _pending(req)
    if req.requested_by_id != user.id:
        raise SwapRequestError("not_asker", "Only the member who asked may withdraw a request.")
    req.status = "withdrawn"
    req.decided_at = utcnow()
    session.commit()


def may_see(session: Session, req: ShiftSwap, user: User) -> bool:
    """Return whether ``user`` may see a request: deciders, the asker, the groups involved."""
    if user.role in DECIDE_ROLES or req.requested_by_id == user.id:
        return True
    return bool({req.group_id, req.other_group_id} & user_groups(session, user))


def visible_requests(session: Session, user: User, limit: int = 100) -> list[ShiftSwap]:
    """Return the requests ``user`` may see, waiting ones first, then newest first."""
    query = select(ShiftSwap)
    if user.role not in DECIDE_ROLES:
        groups = user_groups(session, user)
        query = query.where(
            or_(
                ShiftSwap.requested_by_id == user.id,
                ShiftSwap.group_id.in_(groups),
                ShiftSwap.other_group_id.in_(groups),
            )
        )
    rows = session.scalars(query.order_by(ShiftSwap.id.desc()).limit(limit)).all()
    return sorted(rows, key=lambda r: (r.status != "pending", -r.id))
