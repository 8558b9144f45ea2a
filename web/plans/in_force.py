"""Plans in force: a captain publishes one plan per period; publishing supersedes the overlap.

A ready plan starts as a draft. Publishing it makes it the plan in force for its days (its
``start`` and the ``days`` after) and supersedes every published plan of the same district
whose days overlap them. Members and viewers see published plans only; the other roles see
every plan with its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from web.db import Plan, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from web.db import User

DRAFT_ROLES = frozenset({"admin", "captain", "planner"})
"""Roles that see draft and superseded plans; the others see published plans only."""


class PublishError(ValueError):
    """A plan that cannot be published; ``reason`` names the catalogue sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InForce:
    """The plan in force on a day, or the next one to come into force.

    Attributes
    ----------
    plan
        The published plan.
    today
        True when the plan's days include the day asked about; False when it starts later.
    """

    plan: Plan
    today: bool


def period(row: Plan) -> tuple[date, date]:
    """Return the first day and the day after the last day of a plan."""
    first = date.fromisoformat(row.start)
    return first, first + timedelta(days=max(int(row.days), 1))


def overlaps(a: Plan, b: Plan) -> bool:
    """Return whether plans ``a`` and ``b`` are of the same district and share a day."""
    if a.district != b.district:
        return False
    a0, a1 = period(a)
    b0, b1 = period(b)
    return a0 < b1 and b0 < a1


def sees_drafts(user: User | None) -> bool:
    """Return whether ``user`` sees draft and superseded plans (see :data:`DRAFT_ROLES`)."""
    from web.districts.registry import role_here

    return user is not None and role_here(user) in DRAFT_ROLES


def may_see(row: Plan, user: User | None) -> bool:
    """Return whether ``user`` may open plan ``row`` (members, viewers: published only)."""
    return row.state == "published" or sees_drafts(user)


def publish(session: Session, row: Plan, user: User | None) -> list[Plan]:
    """Publish plan ``row`` and supersede the published plans its days overlap; commit.

    Parameters
    ----------
    session
        The database session (committed).
    row
        A ready plan.
    user
        Who publishes (recorded).

    Returns
    -------
    list of Plan
        The plans superseded by this one, oldest first.

    Raises
    ------
    PublishError
        ``not_ready`` when the plan is not ready, ``already`` when it is published already.
    """
    if row.status != "ready" or not row.path:
        msg = f"Plan {row.id} is not ready, so it cannot be published."
        raise PublishError("not_ready", msg)
    if row.state == "published":
        msg = f"Plan {row.id} is already the plan in force for its days."
        raise PublishError("already", msg)
    others = session.scalars(
        select(Plan).where(Plan.state == "published", Plan.id != row.id).order_by(Plan.id)
    ).all()
    superseded = [other for other in others if overlaps(other, row)]
    for other in superseded:
        other.state = "superseded"
    row.state = "published"
    row.published_at = utcnow()
    row.published_by_id = user.id if user is not None else None
    session.commit()
    return superseded


def in_force(session: Session, day: date, district: str | None = None) -> InForce | None:
    """Return the published plan whose days include ``day``, else the next one to start.

    Parameters
    ----------
    session
        The database session.
    day
        The day (district time).
    district
        Only plans of this district id (None: any).

    Returns
    -------
    InForce or None
        None when no published plan covers ``day`` or starts after it.
    """
    query = select(Plan).where(Plan.state == "published", Plan.status == "ready")
    if district:
        query = query.where(Plan.district == district)
    rows = session.scalars(query.order_by(Plan.start, Plan.id)).all()
    later = None
    for row in rows:
        first, end = period(row)
        if first <= day < end:
            return InForce(row, today=True)
        if first > day and later is None:
            later = row
    return InForce(later, today=False) if later is not None else None


def replacement(session: Session, row: Plan) -> Plan | None:
    """Return the published plan that superseded ``row`` (the newest overlapping one), or None."""
    if row.state != "superseded":
        return None
    rows = session.scalars(
        select(Plan).where(Plan.state == "published").order_by(Plan.published_at.desc())
    ).all()
    return next((other for other in rows if overlaps(other, row)), None)


def in_force_over(
    session: Session, district: str, first: date, days: int, *, besides: int | None = None
) -> Plan | None:
    """Return the plan in force that shares a day with ``days`` days from ``first``, or None.

    Of the district's published ready plans overlapping that period, the one in force on
    ``first`` comes first, else the one that comes into force earliest inside the period.

    Parameters
    ----------
    session
        The database session.
    district
        The district id.
    first, days
        The period.
    besides
        A plan id never to return (the plan being made).
    """
    end = first + timedelta(days=max(int(days), 1))
    query = select(Plan).where(
        Plan.state == "published", Plan.status == "ready", Plan.district == district
    )
    rows = [
        r for r in session.scalars(query.order_by(Plan.start, Plan.id)).all() if r.id != besides
    ]
    over = [r for r in rows if period(r)[0] < end and first < period(r)[1]]
    covering = [r for r in over if period(r)[0] <= first]
    if covering:
        return covering[-1]
    return over[0] if over else None
