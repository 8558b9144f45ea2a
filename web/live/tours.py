"""Live tours for captains: today's units and their checkpoints, from the check-in ledger.

Today's units are the routes of the plans in force whose shift overlaps the day (district
time): today's shifts and last night's, which ends this morning. Each checkpoint has one of
:data:`LIVE_STATUSES`: ``done`` and ``late`` are signed in (late after its window closed);
``missed`` is the ledger's (the shift ended without a sign-in); ``overdue`` is a checkpoint
of a running shift whose time has passed without a sign-in (the ledger still counts it as
pending, since it may yet be signed in late); ``due`` is still to come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from web.checkin.records import ledger, shift_bounds

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from planner.plan.document import PlanDocument, Route
    from web.checkin.records import Visit
    from web.db import Plan

LIVE_STATUSES = ("done", "late", "overdue", "missed", "due")
"""What became of a checkpoint so far, in the order a board counts them."""


@dataclass(frozen=True, slots=True)
class LivePoint:
    """One checkpoint of a unit's tour and its state now."""

    visit: Visit
    status: str


@dataclass(frozen=True, slots=True)
class LiveUnit:
    """One unit's tour today: its route, shift bounds, checkpoints and their counts."""

    plan: Plan
    doc: PlanDocument
    route: Route
    start: datetime
    end: datetime
    points: tuple[LivePoint, ...]

    def count(self, status: str) -> int:
        """Return how many of its checkpoints have ``status``."""
        return sum(p.status == status for p in self.points)

    @property
    def next_point(self) -> LivePoint | None:
        """The first checkpoint still due, None when none is left."""
        return next((p for p in self.points if p.status == "due"), None)

    def running(self, now: datetime) -> bool:
        """Return whether its shift runs at ``now``."""
        return self.start <= now < self.end


def live_status(visit: Visit, now: datetime) -> str:
    """Return a checkpoint's :data:`LIVE_STATUSES` entry at ``now`` from its ledger visit."""
    if visit.status in ("done", "late", "missed"):
        return visit.status
    return "overdue" if visit.due < now else "due"


def _overlaps(doc: PlanDocument, route: Route, day: date) -> tuple[datetime, datetime] | None:
    tz = ZoneInfo(doc.district.time_zone)
    first = datetime.combine(day, time(0), tz)
    start, end = shift_bounds(doc, route)
    return (start, end) if start < first + timedelta(days=1) and end > first else None


def live_units(
    session: Session, plans: list[tuple[Plan, PlanDocument]], day: date, now: datetime
) -> list[LiveUnit]:
    """Return the units whose shift overlaps ``day``, the ones that need a look first.

    Units with missed or overdue checkpoints come first, then running ones, then by start.

    Parameters
    ----------
    session
        A database session (the check-ins).
    plans
        The plans in force with their documents.
    day
        The day (district time).
    now
        The moment (aware) the states are reckoned at.
    """
    out = []
    for row, doc in plans:
        routes = {}
        for route in doc.routes:
            bounds = _overlaps(doc, route, day)
            if bounds is not None:
                routes[route.id] = (route, bounds)
        if not routes:
            continue
        book = ledger(session, row.id, doc, now=now)
        points: dict[str, list[LivePoint]] = {}
        for visit in book.visits:
            if visit.route_id in routes:
                points.setdefault(visit.route_id, []).append(
                    LivePoint(visit, live_status(visit, now))
                )
        for route_id, (route, (start, end)) in routes.items():
            out.append(LiveUnit(row, doc, route, start, end, tuple(points.get(route_id, ()))))
    out.sort(
        key=lambda u: (
            not (u.count("missed") or u.count("overdue")),
            not u.running(now),
            u.start,
            u.route.id,
        )
    )
    return out
