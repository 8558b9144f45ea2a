"""Sign-in at checkpoints (签到上岗): signed QR tokens, checked check-ins and the ledger.

A *checkpoint* is a stop of a route that a patrol signs in at: every stop of every route, the
base at the start (签到上岗, going on duty) and at the end (签退) included. Its key inside a plan
is ``"<route id>/<stop index>"`` (:func:`stop_key`), e.g. ``"g1-2026-09-30-D/1"``.

Tokens are signed with :class:`itsdangerous.URLSafeSerializer` on the app's ``SECRET_KEY``
with the salt :data:`SALT`; they carry the plan id, a short digest of the plan document (so a
token printed for an earlier plan stored under the same id is refused), the stop key, the site
id, the checkpoint's position and the expiry: the end of the shift in the district's time zone
plus :data:`GRACE`. The expiry is in the payload rather than a signing time, so the same stop
always prints the same QR code.

A check-in is refused (:class:`CheckInError`, with a ``reason`` code and one sentence) when the
token is forged, expired or not valid yet (:data:`EARLY` before the shift), names another plan
than the page or one no longer ready, when the user may not sign in or is not in the route's
group (members; captains and admins may sign in on any route), when the same user already signed
in at that stop, or when the reported position lies farther than :data:`RADIUS_M` plus the
reported accuracy (at most :data:`ACCURACY_CAP_M`) from the checkpoint (from the walked segment
for an alley). Nothing is stored for a refused check-in.

Lateness: a stop with time windows is late after the close of its window (the window holding
the planned start); a stop without windows is late :data:`ARRIVAL_TOLERANCE` after the planned
arrival. A checkpoint is *missed* once its shift has ended without any check-in.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from geodata.errors import InputError
from planner.plan.document import STOP_KINDS
from web.db import CheckIn, Plan, User, UserGroup, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from flask import Flask
    from sqlalchemy.orm import Session

    from planner.plan.document import PlanDocument, Route, Stop

SALT = "patrol-checkin-v1"
"""Salt of the check-in tokens: they cannot pass for any other signed value of the app."""

CHECKPOINT_KINDS = STOP_KINDS
"""Kinds of stop a patrol signs in at: all of them."""

GRACE = timedelta(hours=2)
"""How long after the end of its shift a checkpoint's token still signs in."""

EARLY = timedelta(hours=1)
"""How long before the start of its shift a checkpoint's token already signs in."""

RADIUS_M = 150.0
"""Distance (m) from the checkpoint within which a check-in counts, before the GPS allowance."""

ACCURACY_CAP_M = 100.0
"""Most of the phone's reported accuracy (m) added to :data:`RADIUS_M`: at most 250 m in all."""

ARRIVAL_TOLERANCE = timedelta(minutes=15)
"""How long after its planned arrival a stop without time windows counts as on time."""

MAX_BOOST = 2.0
"""Largest dose boost :func:`shortfall` asks for one key area."""

REASONS = (
    "forged",
    "expired",
    "not_yet",
    "other_plan",
    "plan_not_ready",
    "superseded",
    "bad_position",
    "too_far",
    "not_allowed",
    "not_on_route",
    "already",
)
"""Reason codes of :class:`CheckInError`."""


class CheckInError(InputError):
    """A check-in that is refused; ``reason`` is one of :data:`REASONS`.

    Attributes
    ----------
    reason
        The reason code; pages show the catalogue text ``"ci_err_<reason>"``.
    values
        Values of that text's fields.
    """

    def __init__(self, reason: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.values = values


@dataclass(frozen=True, slots=True)
class TokenData:
    """What a check-in token carries (signature checked, expiry not yet)."""

    plan_id: int
    doc_tag: str
    stop_key: str
    site: str
    lon: float
    lat: float
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A checkpoint found from a valid token: the route, the stop and its times.

    Attributes
    ----------
    plan_id, stop_key, site
        Which plan and stop.
    route, stop, index, label
        The route, the stop, its index in the route and its printed number.
    shift_start, shift_end, expires_at
        Start and end of the shift and the token's expiry (aware datetimes, district time).
    due
        When the stop turns late (window close, or planned arrival plus tolerance).
    planned
        The planned arrival (aware datetime).
    """

    plan_id: int
    stop_key: str
    site: str
    route: Route
    stop: Stop
    index: int
    label: str
    shift_start: datetime
    shift_end: datetime
    expires_at: datetime
    due: datetime
    planned: datetime


def is_checkpoint(stop: Stop) -> bool:
    """Return whether a patrol signs in at ``stop`` (see :data:`CHECKPOINT_KINDS`)."""
    return stop.kind in CHECKPOINT_KINDS


def stop_key(route: Route, stop: Stop) -> str:
    """Return the key of ``stop`` inside the plan: ``"<route id>/<index of the stop>"``.

    Raises
    ------
    ValueError
        When ``stop`` is not a stop of ``route``.
    """
    for k, s in enumerate(route.stops):
        if s is stop:
            return f"{route.id}/{k}"
    return f"{route.id}/{route.stops.index(stop)}"


def checkpoints(doc: PlanDocument) -> list[tuple[Route, int, Stop]]:
    """Return every checkpoint of the plan as (route, stop index, stop), in the plan's order."""
    return [
        (route, k, stop)
        for route in doc.routes
        for k, stop in enumerate(route.stops)
        if is_checkpoint(stop)
    ]


def doc_tag(doc: PlanDocument) -> str:
    """Return a short digest naming this plan document (its plan id and creation time)."""
    return hashlib.sha256(f"{doc.plan_id}|{doc.created_at}".encode()).hexdigest()[:10]


def _midnight(doc: PlanDocument, day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0), ZoneInfo(doc.district.time_zone))


def shift_bounds(doc: PlanDocument, route: Route) -> tuple[datetime, datetime]:
    """Return the local start and end of the shift ``route`` runs in (district time zone)."""
    shift = doc.roster.shift(route.shift_id)
    start = _midnight(doc, route.date) + timedelta(minutes=shift.start_minute)
    return start, start + timedelta(minutes=shift.duration_minutes)


def token_expiry(doc: PlanDocument, route: Route) -> datetime:
    """Return when the tokens of ``route``'s checkpoints expire: shift end plus :data:`GRACE`."""
    return shift_bounds(doc, route)[1] + GRACE


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(str(app.config["SECRET_KEY"]), salt=SALT)


def make_token(
    app: Flask,
    plan_id: int,
    stop_key: str,
    site: str,
    lon: float,
    lat: float,
    expires_at: datetime,
    *,
    doc_tag: str = "",
) -> str:
    """Return the signed, URL-safe check-in token of one checkpoint.

    Parameters
    ----------
    app
        The app whose ``SECRET_KEY`` signs the token.
    plan_id
        The stored plan's id (the database row).
    stop_key
        The stop's key (:func:`stop_key`).
    site
        The stop's site id.
    lon, lat
        The checkpoint's position (kept to 6 decimals, about 0.1 m).
    expires_at
        An aware datetime after which the token no longer signs in.
    doc_tag
        The plan document's digest (:func:`doc_tag`); "" skips that check.

    Returns
    -------
    str
    """
    if expires_at.tzinfo is None:
        msg = "The expiry of a check-in token must carry a time zone."
        raise ValueError(msg)
    payload = [
        int(plan_id),
        doc_tag,
        stop_key,
        site,
        round(float(lon), 6),
        round(float(lat), 6),
        int(expires_at.timestamp()),
    ]
    return str(_serializer(app).dumps(payload))


def read_token(app: Flask, token: str) -> TokenData:
    """Return what a token carries once its signature is checked (not its expiry).

    Raises
    ------
    CheckInError
        ``forged`` when the signature or the content is wrong.
    """
    try:
        raw = _serializer(app).loads(token)
        plan_id, tag, key, site, lon, lat, expires = raw
        data = TokenData(
            plan_id=int(plan_id),
            doc_tag=str(tag),
            stop_key=str(key),
            site=str(site),
            lon=float(lon),
            lat=float(lat),
            expires_at=datetime.fromtimestamp(int(expires), UTC),
        )
    except (BadSignature, TypeError, ValueError, OverflowError):
        raise CheckInError(
            "forged", "The check-in code is not one this app signed; scan the printed code again."
        ) from None
    return data


def route_tokens(app: Flask, plan_id: int, doc: PlanDocument, route: Route) -> dict[str, str]:
    """Return the token of every checkpoint of one route of the plan, by stop key."""
    tag = doc_tag(doc)
    expires = token_expiry(doc, route)
    return {
        f"{route.id}/{k}": make_token(
            app, plan_id, f"{route.id}/{k}", stop.site_id, stop.lon, stop.lat, expires, doc_tag=tag
        )
        for k, stop in enumerate(route.stops)
        if is_checkpoint(stop)
    }


def checkpoint_tokens(app: Flask, plan_id: int, doc: PlanDocument) -> dict[str, str]:
    """Return the token of every checkpoint of the plan, by stop key."""
    out: dict[str, str] = {}
    for route in doc.routes:
        out.update(route_tokens(app, plan_id, doc, route))
    return out


def checkin_url(base_url: str, token: str) -> str:
    """Return the check-in page's absolute URL for ``token`` under the app's ``base_url``."""
    return f"{base_url.rstrip('/')}/c/{token}"


def public_base(app: Flask) -> str:
    """Return the app's public base URL: the ``PUBLIC_URL`` setting, else the request's root.

    Raises
    ------
    RuntimeError
        When neither a ``PUBLIC_URL`` nor a request is there to tell.
    """
    base = app.config.get("PUBLIC_URL")
    if base:
        return str(base).rstrip("/")
    from flask import has_request_context, request

    if has_request_context():
        return request.url_root.rstrip("/")
    msg = "Set PUBLIC_URL to print check-in codes outside a web request."
    raise RuntimeError(msg)


def checkin_urls(
    app: Flask, plan_id: int, doc: PlanDocument, base_url: str | None = None
) -> dict[str, str]:
    """Return the check-in URL of every checkpoint of the plan, by stop key."""
    base = base_url or public_base(app)
    return {k: checkin_url(base, t) for k, t in checkpoint_tokens(app, plan_id, doc).items()}


def now() -> datetime:
    """Return the current time (UTC, aware): the default moment of checks and ledgers."""
    return utcnow()


def urls_digest(urls: dict[str, str]) -> str:
    """Return a short digest of a set of check-in URLs (to name files that print them)."""
    text = "\n".join(f"{k} {u}" for k, u in sorted(urls.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return now()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _due(doc: PlanDocument, route: Route, stop: Stop) -> datetime:
    """Return when ``stop`` turns late: the close of its window, or arrival plus tolerance."""
    midnight = _midnight(doc, route.date)
    if stop.windows:
        closes = [hi for lo, hi in stop.windows if lo <= stop.start <= hi]
        close = closes[0] if closes else max(hi for _lo, hi in stop.windows)
        return midnight + timedelta(seconds=close)
    return midnight + timedelta(seconds=stop.arrival) + ARRIVAL_TOLERANCE


def late_minutes(doc: PlanDocument, route: Route, stop: Stop, at: datetime) -> float:
    """Return how many minutes after it was due (see :func:`_due`) a check-in at ``at`` is."""
    late = (_aware(at) - _due(doc, route, stop)).total_seconds() / 60
    return round(max(0.0, late), 1)


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def find_checkpoint(
    app: Flask,
    session: Session,
    token: str,
    *,
    plan_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Checkpoint, Plan]:
    """Check a token and return its checkpoint and plan row.

    Parameters
    ----------
    app, session
        The app (its key and instance folder) and a database session.
    token
        The token from the QR code.
    plan_id
        The plan the page or URL names, or None; a token for another plan is refused.
    now
        The moment of the check (default: now).

    Raises
    ------
    CheckInError
        ``forged``, ``expired``, ``not_yet``, ``other_plan`` or ``plan_not_ready``.
    """
    from web.plans.store import load_document

    data = read_token(app, token)
    now = _aware(now)
    if now > data.expires_at:
        raise CheckInError(
            "expired",
            f"The check-in code has expired: its shift ended more than {_hours(GRACE)} ago.",
            hours=f"{GRACE.total_seconds() / 3600:g}",
        )
    if plan_id is not None and int(plan_id) != data.plan_id:
        raise CheckInError(
            "other_plan",
            f"The check-in code is for plan {data.plan_id}, not plan {plan_id}.",
            plan=data.plan_id,
        )
    row = session.get(Plan, data.plan_id)
    if row is None or row.status != "ready" or not row.path:
        raise CheckInError(
            "plan_not_ready",
            f"Plan {data.plan_id} of the check-in code is no longer in use.",
            plan=data.plan_id,
        )
    if row.state == "superseded":
        raise CheckInError(
            "superseded",
            f"Plan {data.plan_id} of the check-in code has been superseded by another plan.",
            plan=data.plan_id,
        )
    try:
        doc = load_document(app, row)
    except FileNotFoundError:
        raise CheckInError(
            "plan_not_ready",
            f"Plan {data.plan_id} of the check-in code is no longer in use.",
            plan=data.plan_id,
        ) from None
    found = _locate(doc, data.stop_key)
    if (data.doc_tag and data.doc_tag != doc_tag(doc)) or found is None:
        raise CheckInError(
            "other_plan",
            f"The check-in code was printed for another plan than plan {data.plan_id}.",
            plan=data.plan_id,
        )
    route, index = found
    stop = route.stops[index]
    if stop.site_id != data.site or distance_m(data.lon, data.lat, stop) > 1.0:
        raise CheckInError(
            "other_plan",
            f"The check-in code was printed for another plan than plan {data.plan_id}.",
            plan=data.plan_id,
        )
    start, end = shift_bounds(doc, route)
    if now < start - EARLY:
        raise CheckInError(
            "not_yet",
            f"The check-in code is valid from {_hours(EARLY)} before its shift, "
            f"which starts at {start:%Y-%m-%d %H:%M}.",
            start=f"{start:%Y-%m-%d %H:%M}",
            hours=f"{EARLY.total_seconds() / 3600:g}",
        )
    labels = route.stop_labels()
    point = Checkpoint(
        plan_id=data.plan_id,
        stop_key=data.stop_key,
        site=data.site,
        route=route,
        stop=stop,
        index=index,
        label=labels[index],
        shift_start=start,
        shift_end=end,
        expires_at=data.expires_at.astimezone(start.tzinfo),
        due=_due(doc, route, stop),
        planned=_midnight(doc, route.date) + timedelta(seconds=stop.arrival),
    )
    return point, row


def _locate(doc: PlanDocument, key: str) -> tuple[Route, int] | None:
    route_id, _, index = key.rpartition("/")
    for route in doc.routes:
        if route.id == route_id:
            ok = index.isdigit() and int(index) < len(route.stops)
            return (route, int(index)) if ok and is_checkpoint(route.stops[int(index)]) else None
    return None


def distance_m(lon: float, lat: float, stop: Stop) -> float:
    """Return the distance in metres from (lon, lat) to a stop (to the segment of an alley)."""
    kx = math.cos(math.radians(stop.lat)) * 111_320
    ky = 110_574.0

    def xy(a: float, b: float) -> tuple[float, float]:
        return (a - stop.lon) * kx, (b - stop.lat) * ky

    px, py = xy(lon, lat)
    if stop.end_lon is None or stop.end_lat is None:
        return math.hypot(px, py)
    bx, by = xy(stop.end_lon, stop.end_lat)
    length2 = bx * bx + by * by
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, (px * bx + py * by) / length2))
    return math.hypot(px - t * bx, py - t * by)


def allowed_distance(accuracy_m: float | None) -> float:
    """Return how far (m) from the checkpoint a position with ``accuracy_m`` may lie."""
    return RADIUS_M + min(max(accuracy_m or 0.0, 0.0), ACCURACY_CAP_M)


def _check_position(lon: Any, lat: Any, accuracy_m: Any) -> tuple[float, float, float | None]:
    try:
        x, y = float(lon), float(lat)
        acc = None if accuracy_m in (None, "") else float(accuracy_m)
    except (TypeError, ValueError):
        x = y = math.nan
        acc = None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise CheckInError(
            "bad_position", "The position must be a longitude and latitude in degrees."
        )
    if acc is not None and not (math.isfinite(acc) and acc >= 0):
        raise CheckInError("bad_position", "The position's accuracy must be metres of 0 or more.")
    return x, y, acc


def may_sign_in(session: Session, user: User, route: Route) -> None:
    """Refuse a user who may not sign in on ``route``.

    Raises
    ------
    CheckInError
        ``not_allowed`` for roles without the ``check_in`` permission, ``not_on_route`` for a
        member not linked to the route's group.
    """
    from web.accounts.auth import PERMISSIONS
    from web.districts.registry import role_here

    role = role_here(user)
    if role not in PERMISSIONS["check_in"]:
        raise CheckInError("not_allowed", f"The role {role} may not sign in at checkpoints.")
    if role == "member":
        groups = set(
            session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id))
        )
        if route.group_id not in groups:
            raise CheckInError(
                "not_on_route",
                f"This checkpoint is on a route of group {route.group_id}, which is not yours.",
                group=route.group_id,
            )


def check_in(
    app: Flask,
    session: Session,
    token: str,
    *,
    lon: float,
    lat: float,
    accuracy_m: float | None,
    user: User,
    now: datetime | None = None,
    plan_id: int | None = None,
) -> CheckIn:
    """Check and record a sign-in at the checkpoint of ``token``; nothing is stored if refused.

    Parameters
    ----------
    app, session
        The app and a database session (committed on success).
    token
        The token from the QR code.
    lon, lat, accuracy_m
        The position reported by the phone and its accuracy in metres (None: unknown).
    user
        Who signs in.
    now
        The moment of the sign-in (default: now).
    plan_id
        The plan the page or URL names, or None.

    Returns
    -------
    CheckIn
        The stored record, with its distance and lateness.

    Raises
    ------
    CheckInError
        For the first reason to refuse (see the module docstring).
    """
    now = _aware(now)
    point, _row = find_checkpoint(app, session, token, plan_id=plan_id, now=now)
    x, y, acc = _check_position(lon, lat, accuracy_m)
    may_sign_in(session, user, point.route)
    done = session.scalars(
        select(CheckIn.id).where(
            CheckIn.plan_id == point.plan_id,
            CheckIn.stop == point.stop_key,
            CheckIn.user_id == user.id,
        )
    ).first()
    if done is not None:
        raise CheckInError("already", "You have already signed in at this checkpoint.")
    distance = distance_m(x, y, point.stop)
    limit = allowed_distance(acc)
    if distance > limit:
        raise CheckInError(
            "too_far",
            f"The position is {distance:.0f} m from the checkpoint, farther than {limit:.0f} m.",
            distance=round(distance),
            limit=round(limit),
        )
    record = CheckIn(
        plan_id=point.plan_id,
        stop=point.stop_key,
        site=point.site,
        group_id=point.route.group_id,
        day=point.route.date,
        shift=point.route.shift_id,
        user_id=user.id,
        at=now.astimezone(UTC),
        lon=x,
        lat=y,
        accuracy_m=acc,
        distance_m=round(distance, 1),
        late_minutes=max(0.0, round((now - point.due).total_seconds() / 60, 1)),
    )
    session.add(record)
    try:
        session.commit()
    except IntegrityError:  # the same user signed in at the same moment from a second request
        session.rollback()
        raise CheckInError("already", "You have already signed in at this checkpoint.") from None
    return record


# --------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------

STATUSES = ("done", "late", "missed", "pending")
"""What became of a planned checkpoint: signed in on time, late, missed, or not due yet."""


@dataclass(frozen=True, slots=True)
class Visit:
    """One planned checkpoint and what became of it.

    Attributes
    ----------
    stop_key, route_id, group_id, day, shift_id, label
        Which checkpoint of which route.
    site, area_id, name, name_en, lon, lat
        The place.
    planned, due, shift_end
        Planned arrival, when it turns late and when its shift ends (aware, district time).
    status
        One of :data:`STATUSES`.
    checked_at, late_minutes, users
        The first check-in's time, its lateness, and the ids of everyone who signed in.
    """

    stop_key: str
    route_id: str
    group_id: str
    day: str
    shift_id: str
    label: str
    site: str
    area_id: str | None
    name: str
    name_en: str
    lon: float
    lat: float
    planned: datetime
    due: datetime
    shift_end: datetime
    status: str
    checked_at: datetime | None = None
    late_minutes: float = 0.0
    users: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """Planned against actual checkpoints of one area, group or day.

    ``done`` counts every checkpoint signed in (``late`` ones included).
    """

    key: str
    name: str
    name_en: str
    planned: int = 0
    done: int = 0
    late: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def share(self) -> float | None:
        """Share of the checkpoints due (done or missed) that were signed in; None if none."""
        due = self.done + self.missed
        return self.done / due if due else None


@dataclass(frozen=True, slots=True)
class Ledger:
    """The check-in ledger of a plan: every checkpoint, and totals per area, group and day."""

    plan_id: int
    visits: tuple[Visit, ...]
    by_area: tuple[LedgerRow, ...]
    by_group: tuple[LedgerRow, ...]
    by_day: tuple[LedgerRow, ...]
    total: LedgerRow

    @property
    def late(self) -> list[Visit]:
        """Checkpoints signed in late, latest first."""
        return sorted((v for v in self.visits if v.status == "late"), key=lambda v: -v.late_minutes)

    @property
    def missed(self) -> list[Visit]:
        """Checkpoints whose shift ended without a check-in, in plan order."""
        return [v for v in self.visits if v.status == "missed"]


def _rows(
    visits: Iterable[Visit], key: Any, names: dict[str, tuple[str, str]]
) -> tuple[LedgerRow, ...]:
    counts: dict[str, dict[str, int]] = {}
    for v in visits:
        k = key(v)
        c = counts.setdefault(k, dict.fromkeys(("planned", *STATUSES), 0))
        c["planned"] += 1
        c[v.status] += 1
    return tuple(
        LedgerRow(
            key=k,
            name=names.get(k, (k, k))[0],
            name_en=names.get(k, (k, k))[1],
            planned=c["planned"],
            done=c["done"] + c["late"],
            late=c["late"],
            missed=c["missed"],
            pending=c["pending"],
        )
        for k, c in counts.items()
    )


def ledger(
    session: Session, plan_id: int, doc: PlanDocument, *, now: datetime | None = None
) -> Ledger:
    """Return planned against actual checkpoints of a plan, per area, group and day.

    Parameters
    ----------
    session
        A database session.
    plan_id
        The stored plan's id.
    doc
        Its plan document.
    now
        The moment of the ledger (default: now): checkpoints whose shift has ended by then
        without a check-in are missed; later ones are pending.

    Returns
    -------
    Ledger
    """
    now = _aware(now)
    records: dict[str, list[CheckIn]] = {}
    for rec in session.scalars(
        select(CheckIn).where(CheckIn.plan_id == plan_id).order_by(CheckIn.at, CheckIn.id)
    ):
        records.setdefault(rec.stop, []).append(rec)
    visits: list[Visit] = []
    area_names: dict[str, tuple[str, str]] = {}
    for route, k, stop in checkpoints(doc):
        key = f"{route.id}/{k}"
        start, end = shift_bounds(doc, route)
        due = _due(doc, route, stop)
        recs = records.get(key, [])
        first = recs[0] if recs else None
        if first is not None:
            status = "late" if first.late_minutes > 0 else "done"
        else:
            status = "missed" if now >= end else "pending"
        area = stop.area_id or stop.site_id
        area_names.setdefault(area, (stop.display_name, stop.name_en or stop.display_name))
        visits.append(
            Visit(
                stop_key=key,
                route_id=route.id,
                group_id=route.group_id,
                day=route.date,
                shift_id=route.shift_id,
                label=route.stop_labels()[k],
                site=stop.site_id,
                area_id=stop.area_id,
                name=stop.display_name,
                name_en=stop.name_en or stop.display_name,
                lon=stop.lon,
                lat=stop.lat,
                planned=_midnight(doc, route.date) + timedelta(seconds=stop.arrival),
                due=due,
                shift_end=end,
                status=status,
                checked_at=(
                    _aware(first.at).astimezone(start.tzinfo) if first is not None else None
                ),
                late_minutes=first.late_minutes if first is not None else 0.0,
                users=tuple(dict.fromkeys(r.user_id for r in recs if r.user_id is not None)),
            )
        )
    group_names = {g.id: (g.name_zh or g.name, g.name) for g in doc.roster.groups}
    by_area = sorted(
        _rows(visits, lambda v: v.area_id or v.site, area_names),
        key=lambda r: (-r.missed, -r.late, r.key),
    )
    by_group = sorted(_rows(visits, lambda v: v.group_id, group_names), key=lambda r: r.key)
    by_day = sorted(_rows(visits, lambda v: v.day, {}), key=lambda r: r.key)
    total = _rows(visits, lambda _v: "", {"": ("合计", "Total")})
    return Ledger(
        plan_id=plan_id,
        visits=tuple(visits),
        by_area=tuple(by_area),
        by_group=tuple(by_group),
        by_day=tuple(by_day),
        total=total[0] if total else LedgerRow("", "合计", "Total"),
    )


def shortfall(
    session: Session, plan_id: int, doc: PlanDocument, *, now: datetime | None = None
) -> dict[str, float]:
    """Return the dose boost of each key area that missed checkpoints, for the next plan.

    The boost of an area is ``1 + missed / due`` (``due``: its checkpoints signed in or
    missed), at most :data:`MAX_BOOST`: an area that missed one of its four due visits asks for
    a quarter more patrol. Areas that missed nothing are left out; stops serving no key area
    (posts) are not counted.

    Returns
    -------
    dict[str, float]
        ``{area_id: factor}`` with every factor in (1, :data:`MAX_BOOST`], rounded to 3 places.
    """
    out: dict[str, float] = {}
    book = ledger(session, plan_id, doc, now=now)
    area_ids = {v.area_id for v in book.visits if v.area_id}
    for row in book.by_area:
        if row.key in area_ids and row.missed:
            factor = 1 + row.missed / (row.done + row.missed)
            out[row.key] = round(min(MAX_BOOST, factor), 3)
    return dict(sorted(out.items()))
