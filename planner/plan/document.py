"""The plan document (plan.json): a whole plan that can be re-validated and re-rendered alone.

Schema (version 1). Every record below is a frozen dataclass; its JSON object has exactly the
dataclass's field names. Sequences are JSON arrays (tuples in Python; constructors also accept
lists), ``null`` is Python ``None``. Dates are ISO local dates (``"2026-07-06"``) of the
district's time zone, datetimes ISO 8601 with the offset (``"2026-07-06T22:00:00+08:00"``).
Times of day inside a route are integer **seconds from local midnight of the route's date**, so a
night shift that starts at 22:00 and ends at 06:00 next morning runs from 79200 to 108000.

::

    PlanDocument
      schema_version   int, SCHEMA_VERSION
      plan_id          str, e.g. "xinjiekou-2026-07-06-s42"
      district         DistrictInfo: id, name, name_zh, time_zone, attribution, folder
      start, days      first date of the horizon and its length in days
      seed             int, the seed every stage was run with
      created_at       ISO datetime with offset
      fingerprints     {file name: sha256 hex} of the bundle files and the rules file
      stages           [StageRun: name, status, objective?, bound?, runtime (s)]
      roster           Roster
        shifts         [ShiftTemplate: id, name, name_zh, start_minute, end_minute, night]
                       (end_minute <= start_minute: the shift ends on the next day)
        groups         [Group: id, name, name_zh, members [Member: id, name]]
        schedule       {group id: [shift id or null, one per day of the horizon]}
        leave          [Leave: group_id, member_id? (null: the whole group), date, reason]
        fill_ins       [FillIn: group_id, member_id, date] reserves and neighbours lent
        call_ins       [CallIn: group_id, date, shift_id, start_s, end_s, replaces, reason,
                       reason_zh, members?] off-duty groups called in for a group called
                       away (re-plans only; left out when empty); reserves called in as a
                       unit of their own have group_id "" and their ids in members (their
                       routes have group_id "")
        reserves       [Member: id, name] the rules file's reserves (备勤); optional
        carry_in       CarryIn: start, schedule {group id: [shift id or null]}, fill_ins
                       [FillIn]: the days just before the plan from the roster in force it
                       kept (rest across the first day); optional, null or left out without
        grid_members   [GridMember: id, name, grid, kind] part-time people with routes
        holidays       [Holiday: date, name] public holidays inside the horizon
        fairness       [Fairness: group_id, shifts, nights, weekends, holidays]
      routes           [Route: group_id, date, shift_id, mode, base_post_id, start, end,
                        start_s, end_s, distance_m, value, stops, unit_id, members,
                        vehicles, unit_kind, handover_s] (one per unit-shift: unit_id "A-1"
                        is a pair of group A, "A-all" the whole group; members are member
                        ids, leave and fill-ins applied; vehicles one pool id per member
                        riding one)
        stops          [Stop: site_id, area_id?, name, name_en, category, kind, lon, lat,
                        end_lon?, end_lat? (alley segments), windows [[open_s, close_s]],
                        arrival, start, departure, dwell (s: a stay, an alley's ride),
                        check, check_zh,
                        leg [[lon, lat]] (the path from the previous stop to this one),
                        streets [street id] (an alley stop's streets, covered in order)]
      dose             [DoseRow: area_id, date, shift_id, needed_visits, needed_minutes,
                        planned_visits, planned_minutes]
      coverage         [CoverageRow: level ("area" | "grid"), id, name, needed_minutes,
                        planned_minutes, planned_visits, camera_share?]
      validation       [ValidationCheck: name, ok, violations [str]]
      dose_boost       {key area id: factor from 1 to 3} by which the plan multiplied those
                       areas' needed dose (the check-in shortfall of an earlier plan);
                       optional, left out when empty, so plans without it read as before
      budget           BudgetRecord: roster, per_shift (seconds), shifts: the time budget the
                       plan was solved with (null in plans made before it was recorded)
      quality          Quality: figures [QualityFigure: key, value, of?], uncovered_gates
                       [GateGap: area_id, name, date, window] (planner.checks.quality)

Loading (:func:`PlanDocument.from_json`, :func:`read_plan`) checks the version, every required
field and every type, then the references between parts (shift and group ids, one schedule entry
per day, stop times in order), and raises :class:`planner.exceptions.PlanInputError` with one
sentence naming the field path, e.g. ``"plan.json: routes[3].stops[2].arrival is missing."``.
Plans written when an alley stop's ``dwell`` was 0 (its ride ran from ``start`` to
``departure``) are read with the ride as its dwell (:func:`alley_rides_as_dwell`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geodata.decoding import MAX_DEPTH, DecodeError, check_value
from planner.exceptions import PlanInputError
from planner.plan.times import clock as clock
from planner.plan.times import hhmm as _hhmm

SCHEMA_VERSION = 1
"""Version of the plan.json schema this module reads and writes."""

STOP_KINDS = ("visit", "fixed_post", "inspection", "alley", "break", "base")
"""The kinds of stop a route can make (an inspection: a weekly check of a hotel, internet cafe,
rental, restaurant or venue, with its checklist)."""

COVERAGE_LEVELS = ("area", "grid", "inspection")
"""The levels a coverage row can describe (an inspection: a place's weekly inspection, asked for
in the horizon; its planned visits 0 while it is due)."""


def _tuples(obj: object, *names: str) -> None:
    """Turn the named list fields of a frozen dataclass into tuples (recursively for pairs)."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, list | tuple):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    """The district a plan is for.

    Attributes
    ----------
    id
        Stable district id, e.g. ``"xinjiekou"``.
    name, name_zh
        English (or romanised) and Chinese names.
    time_zone
        IANA time zone of all local dates and times, e.g. ``"Asia/Shanghai"``.
    attribution
        Map data attribution printed on every map and sheet.
    folder
        The bundle folder the plan was made from (absolute), so the plan can be checked
        against it again; empty in plans made before it was recorded.
    """

    id: str
    name: str
    name_zh: str = ""
    time_zone: str = "Asia/Shanghai"
    attribution: str = "© OpenStreetMap contributors, ODbL 1.0"
    folder: str = ""


@dataclass(frozen=True, slots=True)
class StageRun:
    """How one stage of the pipeline (dose, roster, routes, coverage) ended.

    Attributes
    ----------
    name
        Stage name, e.g. ``"roster"``.
    status
        Solver status in words: ``"OPTIMAL"``, ``"FEASIBLE"``, ``"INFEASIBLE"``, ``"UNKNOWN"``.
    objective, bound
        Objective value and best bound, or None where the stage has none.
    runtime
        Wall time in seconds.
    """

    name: str
    status: str
    objective: float | None = None
    bound: float | None = None
    runtime: float = 0.0


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift of the roster with its local start and end.

    Attributes
    ----------
    id
        Shift id used in the schedule, e.g. ``"D"`` or ``"N"``.
    name, name_zh
        English and Chinese names, e.g. ``"Night"`` and ``"夜班"``.
    start_minute, end_minute
        Minutes from local midnight, 0..1440; ``end_minute <= start_minute`` means the shift
        ends on the next day.
    night
        True for a night shift (marked on calendars and counted for fairness).
    """

    id: str
    name: str
    name_zh: str
    start_minute: int
    end_minute: int
    night: bool = False

    @property
    def crosses_midnight(self) -> bool:
        """True when the shift ends on the day after it starts."""
        return self.end_minute <= self.start_minute

    @property
    def duration_minutes(self) -> int:
        """Length of the shift in minutes."""
        return (self.end_minute - self.start_minute) % 1440 or 1440

    def hours_label(self) -> str:
        """Return the local hours as ``"22:00-06:00"``."""
        return f"{_hhmm(self.start_minute * 60)}-{_hhmm(self.end_minute * 60)}"


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a patrol group."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Group:
    """A patrol group with its members.

    Attributes
    ----------
    id
        Stable group id, e.g. ``"g1"``.
    name, name_zh
        English and Chinese names, e.g. ``"Group 1"`` and ``"第一组"``.
    members
        The members, in roll order.
    """

    id: str
    name: str
    name_zh: str = ""
    members: tuple[Member, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "members")

    def label(self) -> str:
        """Return the bilingual name, e.g. ``"第一组 Group 1"``."""
        return f"{self.name_zh} {self.name}".strip()


@dataclass(frozen=True, slots=True)
class Leave:
    """A day of leave: a member, or with ``member_id=None`` the whole group, is away."""

    group_id: str
    member_id: str | None
    date: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FillIn:
    """A member lent to a group for a day (a reserve, or a member of an off-duty neighbour)."""

    group_id: str
    member_id: str
    date: str


@dataclass(frozen=True, slots=True)
class CallIn:
    """An off-duty group called in for the rest of a shift, for a group called away.

    Attributes
    ----------
    group_id
        The group called in; empty when reserves are called in as a unit of their own.
    date, shift_id
        The shift it works part of (the shift's date, as in routes).
    start_s, end_s
        Its time on that shift, seconds from local midnight of ``date``.
    replaces
        The group called away whose work it takes over.
    reason, reason_zh
        Why this group was called, in English and Chinese.
    members
        The reserves called in (member ids), when ``group_id`` is empty; empty for a group
        (plans made before reserves could be called read as before).
    """

    group_id: str
    date: str
    shift_id: str
    start_s: int
    end_s: int
    replaces: str
    reason: str = ""
    reason_zh: str = ""
    members: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "members")

    @property
    def of_reserves(self) -> bool:
        """True when reserves, not a group, are called in."""
        return not self.group_id


RESERVE_GROUP = ""
"""The group id of the routes of reserves called in (they belong to no group)."""


@dataclass(frozen=True, slots=True)
class CarryIn:
    """What the team worked on the days just before the plan (the roster in force it kept).

    The re-plan's call-outs and the independent checker read rest across the plan's first day
    from here, so both see the same facts.

    Attributes
    ----------
    start
        The first of the days carried in (ISO date); the last is the day before the plan.
    schedule
        Per group id, one shift id or None (off) for each day carried in.
    fill_ins
        Members lent to groups on those days (reserves and neighbours).
    """

    start: str
    schedule: dict[str, tuple[str | None, ...]]
    fill_ins: tuple[FillIn, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "fill_ins")
        object.__setattr__(self, "schedule", {k: tuple(v) for k, v in self.schedule.items()})


@dataclass(frozen=True, slots=True)
class GridMember:
    """A grid member (网格员) or volunteer (平安志愿者): id, name, grid and kind."""

    id: str
    name: str
    grid: str
    kind: str = "grid_member"

    def kind_names(self) -> tuple[str, str]:
        """Return the kind in Chinese and in English, e.g. ``("网格员", "grid member")``."""
        return ("志愿者", "volunteer") if self.kind == "volunteer" else ("网格员", "grid member")

    def label(self) -> str:
        """Return the kind and the name, e.g. ``"网格员 grid member 罗强华"``."""
        return f"{' '.join(self.kind_names())} {self.name or self.id}"


@dataclass(frozen=True, slots=True)
class Holiday:
    """A public holiday inside the horizon."""

    date: str
    name: str


@dataclass(frozen=True, slots=True)
class Fairness:
    """How many shifts, nights, weekend and holiday shifts a group works in the horizon."""

    group_id: str
    shifts: int
    nights: int
    weekends: int
    holidays: int


@dataclass(frozen=True, slots=True)
class Roster:
    """Which group works which shift on which day.

    Attributes
    ----------
    shifts
        The shift templates.
    groups
        The patrol groups.
    schedule
        Per group id, one shift id or None (off) for each day of the horizon.
    leave
        Leave taken inside the horizon.
    holidays
        Public holidays inside the horizon.
    fairness
        The fairness summary, one row per group.
    fill_ins
        Members lent to groups short of members.
    grid_members
        The grid members and volunteers whose duty periods have routes.
    call_ins
        Off-duty groups (or reserves) called in by a re-plan for a group called away.
    reserves
        The reserve members (备勤) of the rules file, with their names.
    carry_in
        The days before the plan that its roster carried in from the roster in force, or
        None when it was made without one.
    """

    shifts: tuple[ShiftTemplate, ...]
    groups: tuple[Group, ...]
    schedule: dict[str, tuple[str | None, ...]]
    leave: tuple[Leave, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    fairness: tuple[Fairness, ...] = ()
    fill_ins: tuple[FillIn, ...] = ()
    grid_members: tuple[GridMember, ...] = ()
    call_ins: tuple[CallIn, ...] = ()
    reserves: tuple[Member, ...] = ()
    carry_in: CarryIn | None = None

    def __post_init__(self) -> None:
        _tuples(
            self,
            "shifts",
            "groups",
            "leave",
            "holidays",
            "fairness",
            "fill_ins",
            "grid_members",
            "call_ins",
            "reserves",
        )
        object.__setattr__(self, "schedule", {k: tuple(v) for k, v in self.schedule.items()})

    def shift(self, shift_id: str) -> ShiftTemplate:
        """Return the shift template with id ``shift_id``."""
        for s in self.shifts:
            if s.id == shift_id:
                return s
        msg = f"The roster has no shift {shift_id!r}."
        raise KeyError(msg)

    def group(self, group_id: str) -> Group:
        """Return the group with id ``group_id``."""
        for g in self.groups:
            if g.id == group_id:
                return g
        msg = f"The roster has no group {group_id!r}."
        raise KeyError(msg)

    def member_name(self, member_id: str) -> str:
        """Return a member's name (the id for a reserve or anyone the plan does not name)."""
        for g in self.groups:
            for m in g.members:
                if m.id == member_id:
                    return m.name or m.id
        for p in self.grid_members:
            if p.id == member_id:
                return p.name or p.id
        for r in self.reserves:
            if r.id == member_id:
                return r.name or r.id
        return member_id

    def owner(self, route: Route) -> Group:
        """Return the group of a route; for a grid member's route, a group of that person."""
        if route.unit_kind == "grid" and not route.group_id:
            person = next((p for p in self.grid_members if p.id in route.members), None)
            members = tuple(Member(m, self.member_name(m)) for m in route.members)
            if person is None:
                return Group("", "grid member", "网格员", members)
            kind_zh, kind = person.kind_names()
            name = person.name or person.id
            return Group("", f"{kind} {name}", f"{kind_zh} {name}", members)
        if route.group_id == RESERVE_GROUP:  # reserves called in as a unit of their own
            members = tuple(Member(m, self.member_name(m)) for m in route.members)
            return Group(RESERVE_GROUP, "Reserves", "备勤", members)
        return self.group(route.group_id)


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a route, with its planned times and the leg that leads to it.

    Attributes
    ----------
    site_id
        Id of the place: a key area, post, alley segment or ``"base"``.
    area_id
        Id of the key area whose dose this stop serves, or None.
    name, name_en
        Local (usually Chinese) and English names; ``name_en`` may be empty.
    category
        Key-area category (see geodata.categories), or the post kind for bases.
    kind
        One of :data:`STOP_KINDS`.
    lon, lat
        Position (EPSG:4326); for an alley segment its start.
    end_lon, end_lat
        End of an alley segment, None for other stops.
    windows
        Time windows ``(open_s, close_s)`` in seconds from local midnight; empty when any
        time will do.
    arrival, start, departure
        Planned arrival, start of service and departure, seconds from local midnight.
    dwell
        Planned work there, in seconds from ``start``: the stay of a visit, post, inspection,
        break or base stop, and an alley's ride from one end to the other. Whatever is left
        until ``departure`` (``departure - start - dwell``) is waiting.
    check, check_zh
        What to check there, in English and Chinese.
    leg
        The path ``(lon, lat)`` from the previous stop to this one; empty for the first stop.
    streets
        For an alley stop, the street ids covered end to end in order, from ``lon, lat`` to
        ``end_lon, end_lat``; empty for other stops.
    """

    site_id: str
    area_id: str | None
    name: str
    category: str
    kind: str
    lon: float
    lat: float
    arrival: int
    start: int
    departure: int
    dwell: int
    name_en: str = ""
    end_lon: float | None = None
    end_lat: float | None = None
    windows: tuple[tuple[int, int], ...] = ()
    check: str = ""
    check_zh: str = ""
    leg: tuple[tuple[float, float], ...] = ()
    streets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "windows", "leg", "streets")

    @property
    def display_name(self) -> str:
        """The name to show: the local name, else the English one, else the site id."""
        return self.name or self.name_en or self.site_id


@dataclass(frozen=True, slots=True)
class Route:
    """The route of one group in one shift on one day.

    Attributes
    ----------
    group_id, date, shift_id
        Which group-shift this is.
    mode
        Travel mode: ``"foot"``, ``"bicycle"``, ``"ebike"`` or ``"motorcycle"``.
    base_post_id
        The post (police room) the route starts and ends at.
    start, end
        ISO local datetimes (with offset) of the route's start and end.
    start_s, end_s
        The same in seconds from local midnight of ``date``.
    distance_m
        Travelled distance in metres.
    value
        Patrol value collected by the route (the routing objective's prize).
    stops
        The stops in order, the base first and last.
    unit_id
        The unit that patrols it (``"A-1"``, ``"A-all"``); empty in plans made before units.
    members
        The unit's member ids (leave and fill-ins applied).
    vehicles
        One vehicle id of the pool per member riding one (empty on foot).
    unit_kind
        ``"pair"``, ``"group"`` (the whole group), ``"grid"`` (a grid member's or volunteer's
        duty period: no group, no base, on foot) or ``""`` (a plan made before units).
    handover_s
        Seconds of the unit's handover at the base at the start and at the end.
    """

    group_id: str
    date: str
    shift_id: str
    mode: str
    base_post_id: str
    start: str
    end: str
    start_s: int
    end_s: int
    stops: tuple[Stop, ...]
    distance_m: int = 0
    value: float = 0.0
    unit_id: str = ""
    members: tuple[str, ...] = ()
    vehicles: tuple[str, ...] = ()
    unit_kind: str = ""
    handover_s: int = 0

    def __post_init__(self) -> None:
        _tuples(self, "stops", "members", "vehicles")

    @property
    def id(self) -> str:
        """Stable id of the unit-shift, e.g. ``"A-1-2026-07-06-N"``."""
        return f"{self.unit_id or self.group_id}-{self.date}-{self.shift_id}"

    @property
    def unit_label(self) -> str:
        """The unit's id, or the group's in plans made before units."""
        return self.unit_id or self.group_id

    def stop_labels(self) -> list[str]:
        """Return the label of each stop as printed on maps: ``"B"`` for the base, else 1, 2, ..."""
        labels, n = [], 0
        for stop in self.stops:
            if stop.kind == "base":
                labels.append("B")
            else:
                n += 1
                labels.append(str(n))
        return labels


@dataclass(frozen=True, slots=True)
class DoseRow:
    """Patrol dose one key area needs in one shift and what the routes plan for it."""

    area_id: str
    date: str
    shift_id: str
    needed_visits: int
    needed_minutes: int
    planned_visits: int
    planned_minutes: int


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Coverage of one key area or grid over the horizon.

    Attributes
    ----------
    level
        ``"area"``, ``"grid"`` or ``"inspection"``.
    id, name
        Id and name of the key area, grid or inspected place (``"insp:<place id>"``).
    needed_minutes, planned_minutes, planned_visits
        Dose needed and planned over the horizon.
    camera_share
        Share (0..1) of the place watched by cameras, or None when unknown.
    """

    level: str
    id: str
    name: str
    needed_minutes: int
    planned_minutes: int
    planned_visits: int
    camera_share: float | None = None


@dataclass(frozen=True, slots=True)
class BudgetRecord:
    """The time budget a plan was solved with: seconds of the roster and of each shift.

    Attributes
    ----------
    roster
        Seconds of the roster stage.
    per_shift
        Seconds of each shift's routing solve.
    shifts
        Number of shifts solved.
    """

    roster: float
    per_shift: float
    shifts: int

    @property
    def total(self) -> float:
        """Seconds of solving in all."""
        return self.roster + self.shifts * self.per_shift


@dataclass(frozen=True, slots=True)
class QualityFigure:
    """One figure of a plan's quality summary.

    Attributes
    ----------
    key
        What it measures, e.g. ``"gate_windows_covered"`` or ``"unplanned_share_median"``.
    value
        The figure (a count, a share from 0 to 1, minutes, ...).
    of
        The total a count is out of (e.g. all gate windows), or None.
    """

    key: str
    value: float
    of: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))
        if self.of is not None:
            object.__setattr__(self, "of", float(self.of))


@dataclass(frozen=True, slots=True)
class GateGap:
    """A school-day gate window no unit stands at: the school, the day and the window."""

    area_id: str
    name: str
    date: str
    window: str


@dataclass(frozen=True, slots=True)
class Quality:
    """A plan's quality as a captain reads it (:func:`planner.checks.quality.quality`).

    Attributes
    ----------
    figures
        The figures, in a fixed order.
    uncovered_gates
        The gate windows nobody stands at.
    """

    figures: tuple[QualityFigure, ...] = ()
    uncovered_gates: tuple[GateGap, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "figures", "uncovered_gates")

    def figure(self, key: str) -> QualityFigure | None:
        """Return the figure with ``key``, or None."""
        return next((f for f in self.figures if f.key == key), None)


@dataclass(frozen=True, slots=True)
class ValidationCheck:
    """The outcome of one independent validator over the plan."""

    name: str
    ok: bool
    violations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "violations")


@dataclass(frozen=True, slots=True)
class PlanDocument:
    """The whole plan: inputs' fingerprints, roster, routes, dose, coverage and validation.

    See the module docstring for the schema. Build it from plain values (lists are turned into
    tuples), write it with :meth:`to_json` and read it back with :meth:`from_json`.
    """

    plan_id: str
    district: DistrictInfo
    start: str
    days: int
    seed: int
    created_at: str
    roster: Roster
    routes: tuple[Route, ...] = ()
    fingerprints: dict[str, str] = field(default_factory=dict)
    stages: tuple[StageRun, ...] = ()
    dose: tuple[DoseRow, ...] = ()
    coverage: tuple[CoverageRow, ...] = ()
    validation: tuple[ValidationCheck, ...] = ()
    dose_boost: dict[str, float] = field(default_factory=dict)
    budget: BudgetRecord | None = None
    quality: Quality | None = None
    schema_version: int = SCHEMA_VERSION

    FILE_NAME: ClassVar[str] = "plan.json"

    def __post_init__(self) -> None:
        _tuples(self, "routes", "stages", "dose", "coverage", "validation")

    @property
    def start_date(self) -> date:
        """First date of the horizon."""
        return date.fromisoformat(self.start)

    def dates(self) -> list[date]:
        """Return the dates of the horizon in order."""
        first = self.start_date
        return [first + timedelta(days=d) for d in range(self.days)]

    def local_time(self, day: str | date, seconds: int) -> datetime:
        """Return the aware local datetime ``seconds`` after local midnight of ``day``.

        Parameters
        ----------
        day
            A date of the horizon (ISO text or date).
        seconds
            Seconds from local midnight; values past 86400 fall on the next days.
        """
        if isinstance(day, str):
            day = date.fromisoformat(day)
        midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(self.district.time_zone))
        return midnight + timedelta(seconds=seconds)

    def to_dict(self) -> dict[str, Any]:
        """Return the document as plain JSON values (dicts, lists, str, numbers, None)."""
        out: dict[str, Any] = _encode(self)
        if not self.dose_boost:
            del out["dose_boost"]  # optional: a plan without a boost is written as before
        if not self.roster.call_ins:
            del out["roster"]["call_ins"]  # optional: only re-plans call groups in
        else:
            for ci in out["roster"]["call_ins"]:
                if not ci["members"]:
                    del ci["members"]  # a group's call-in is written as before
        if not self.roster.reserves:
            del out["roster"]["reserves"]
        if self.roster.carry_in is None:
            del out["roster"]["carry_in"]  # optional: plans made without a roster in force
        return out

    def to_json(self, *, indent: int | None = 1) -> str:
        """Return the document as JSON text (UTF-8 characters kept as they are)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "plan.json") -> PlanDocument:
        """Build and check a document from plain JSON values.

        Parameters
        ----------
        data
            The decoded JSON object.
        source
            Name used in error messages.

        Raises
        ------
        PlanInputError
            When the version, a required field, a type or a reference is wrong; the message
            names the field path.
        """
        if not isinstance(data, dict):
            msg = f"{source}: the document must be a JSON object, not {_json_kind(data)}."
            raise PlanInputError(msg)
        version = data.get("schema_version")
        if version is None:
            msg = f"{source}: schema_version is missing."
            raise PlanInputError(msg)
        if version != SCHEMA_VERSION:
            msg = (
                f"{source}: schema_version is {version!r}, but this version of the planner "
                f"reads version {SCHEMA_VERSION}."
            )
            raise PlanInputError(msg)
        doc = _decode(cls, data, source, "")
        check_document(doc, source=source)
        return alley_rides_as_dwell(doc)

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "plan.json") -> PlanDocument:
        """Parse and check a document from JSON text; see :meth:`from_dict`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}."
            raise PlanInputError(msg) from None
        except RecursionError:
            msg = f"{source} is nested more than {MAX_DEPTH} levels deep."
            raise PlanInputError(msg) from None
        try:
            check_value(data, source)
        except DecodeError as exc:
            raise PlanInputError(str(exc)) from None
        return cls.from_dict(data, source=source)


def alley_rides_as_dwell(doc: PlanDocument) -> PlanDocument:
    """Return ``doc`` with each alley stop's ride as its dwell, as plans record it now.

    Plans written before recorded an alley's ride in no field of its own (``dwell`` 0, the
    ride running from ``start`` to ``departure``). Such a stop gets ``dwell = departure -
    start``, and the planned minutes of the dose rows of its run, date and shift are counted
    again with it (the routes' dwells summed, as plans count them), so the plan still agrees
    with itself. A plan whose alleys already have their rides is returned as it is.
    """
    rides: dict[tuple[str, str, str], int] = {}
    routes = list(doc.routes)
    for r, route in enumerate(doc.routes):
        if not any(_old_alley(s) for s in route.stops):
            continue
        for s in route.stops:
            if _old_alley(s):
                key = (s.area_id or "", route.date, route.shift_id)
                rides[key] = rides.get(key, 0) + s.departure - s.start
        stops = tuple(
            dataclasses.replace(s, dwell=s.departure - s.start) if _old_alley(s) else s
            for s in route.stops
        )
        routes[r] = dataclasses.replace(route, stops=stops)
    if not rides:
        return doc
    before = dict.fromkeys(rides, 0)  # the dwells the plan counted at those runs
    for route in doc.routes:
        for s in route.stops:
            key = (s.area_id or "", route.date, route.shift_id)
            if key in before and s.kind != "base":
                before[key] += s.dwell
    dose = tuple(
        dataclasses.replace(
            d,
            planned_minutes=d.planned_minutes
            + (before[key] + rides[key]) // 60
            - before[key] // 60,
        )
        if (key := (d.area_id, d.date, d.shift_id)) in rides
        else d
        for d in doc.dose
    )
    return dataclasses.replace(doc, routes=tuple(routes), dose=dose)


def _old_alley(stop: Stop) -> bool:
    """Whether an alley stop was written before its ride was its dwell (dwell 0, a ride)."""
    return stop.kind == "alley" and stop.dwell == 0 and stop.departure > stop.start


def write_plan(doc: PlanDocument, path: str | Path) -> Path:
    """Write ``doc`` as JSON to ``path`` (a file, or a folder that gets plan.json)."""
    path = Path(path)
    if path.is_dir():
        path = path / PlanDocument.FILE_NAME
    path.write_text(doc.to_json() + "\n", encoding="utf-8")
    return path


def read_plan(path: str | Path) -> PlanDocument:
    """Read and check a plan document from ``path``.

    Raises
    ------
    PlanInputError
        When the file is missing or the document is invalid; the message names the field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path}: no such plan file."
        raise PlanInputError(msg) from None
    except UnicodeDecodeError:
        msg = f"{path}: the plan file is not UTF-8 text."
        raise PlanInputError(msg) from None
    return PlanDocument.from_json(text, source=str(path))


def fingerprint_files(paths: dict[str, str | Path]) -> dict[str, str]:
    """Return the sha256 hex digest of each file, keyed like ``paths``.

    Parameters
    ----------
    paths
        Names (as they should appear in the plan, e.g. ``"district.gpkg"``) to file paths.
    """
    digests = {}
    for name, p in paths.items():
        h = hashlib.sha256()
        with Path(p).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digests[name] = h.hexdigest()
    return digests


# --- encoding and decoding -------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) <= 40 else "a text"
    if isinstance(value, list):
        return "a list"
    return "an object"


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _fail(source: str, path: str, what: str) -> typing.NoReturn:
    msg = f"{source}: {path or 'the document'} {what}."
    raise PlanInputError(msg)


def _decode(tp: Any, value: Any, source: str, path: str) -> Any:
    """Check ``value`` against the type ``tp`` and build it; ``path`` names it in errors."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _decode(inner[0], value, source, path)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            _fail(source, path, f"must be an object, not {_json_kind(value)}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            sub = f"{path}.{f.name}" if path else f.name
            if f.name not in value:
                has_default = (
                    f.default is not dataclasses.MISSING
                    or f.default_factory is not dataclasses.MISSING
                )
                if has_default and f.name != "schema_version":
                    continue
                _fail(source, sub, "is missing")
            kwargs[f.name] = _decode(hints[f.name], value[f.name], source, sub)
        unknown = sorted(set(value) - {f.name for f in dataclasses.fields(tp)})
        if unknown:
            sub = f"{path}.{unknown[0]}" if path else unknown[0]
            _fail(source, sub, "is not a field of the plan schema")
        return typing.cast("Any", tp)(**kwargs)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            _fail(source, path, f"must be a list, not {_json_kind(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, source, f"{path}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            _fail(source, path, f"must be a list of {len(args)} values, not {len(value)}")
        return tuple(
            _decode(a, v, source, f"{path}[{i}]")
            for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if origin is dict:
        _, val_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            _fail(source, path, f"must be an object, not {_json_kind(value)}")
        return {k: _decode(val_tp, v, source, f"{path}[{k!r}]") for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            _fail(source, path, f"must be true or false, not {_json_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(source, path, f"must be a whole number, not {_json_kind(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(source, path, f"must be a number, not {_json_kind(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            _fail(source, path, f"must be a text, not {_json_kind(value)}")
        return value
    msg = f"Unsupported type {tp!r} in the plan schema."
    raise TypeError(msg)


# --- checks across fields --------------------------------------------------------------------


def _check_date(value: str, source: str, path: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(source, path, f"must be a date like 2026-07-06, not {value!r}")


def _check_datetime(value: str, source: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail(
            source, path, f"must be a date and time like 2026-07-06T22:00:00+08:00, not {value!r}"
        )
    if moment.tzinfo is None:
        _fail(
            source, path, f"must carry a UTC offset, like 2026-07-06T22:00:00+08:00, not {value!r}"
        )
    return moment


def check_document(doc: PlanDocument, *, source: str = "plan.json") -> None:
    """Check the references and orders inside ``doc`` that types alone cannot.

    Raises
    ------
    PlanInputError
        For the first problem found; the message names the field path.
    """
    if doc.days < 1:
        _fail(source, "days", f"must be at least 1, not {doc.days}")
    _check_date(doc.start, source, "start")
    try:
        ZoneInfo(doc.district.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail(source, "district.time_zone", f"names no known time zone: {doc.district.time_zone!r}")
    _check_datetime(doc.created_at, source, "created_at")
    dates = {d.isoformat() for d in doc.dates()}
    for name, digest in doc.fingerprints.items():
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            _fail(source, f"fingerprints[{name!r}]", "must be a sha256 hex digest")

    for aid, factor in doc.dose_boost.items():
        if not (math.isfinite(factor) and factor >= 1):
            _fail(source, f"dose_boost[{aid!r}]", f"must be a factor of at least 1, not {factor}")

    roster = doc.roster
    shift_ids = [s.id for s in roster.shifts]
    group_ids = [g.id for g in roster.groups]
    for label, ids, where in (("shift", shift_ids, "shifts"), ("group", group_ids, "groups")):
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                _fail(source, f"roster.{where}[{i}].id", f"repeats the {label} id {ident!r}")
            seen.add(ident)
    for i, s in enumerate(roster.shifts):
        for attr in ("start_minute", "end_minute"):
            minute = getattr(s, attr)
            if not 0 <= minute <= 1440:
                _fail(source, f"roster.shifts[{i}].{attr}", f"must be 0..1440, not {minute}")
    for gid, days in roster.schedule.items():
        where = f"roster.schedule[{gid!r}]"
        if gid not in group_ids:
            _fail(source, where, "names a group that is not in roster.groups")
        if len(days) != doc.days:
            _fail(source, where, f"must have one entry per day ({doc.days}), not {len(days)}")
        for d, sid in enumerate(days):
            if sid is not None and sid not in shift_ids:
                _fail(source, f"{where}[{d}]", f"names the unknown shift {sid!r}")
    for i, lv in enumerate(roster.leave):
        if lv.group_id not in group_ids:
            _fail(source, f"roster.leave[{i}].group_id", f"names the unknown group {lv.group_id!r}")
        _check_date(lv.date, source, f"roster.leave[{i}].date")
    for i, ci in enumerate(roster.call_ins):
        where = f"roster.call_ins[{i}]"
        for attr in ("group_id", "replaces"):
            if attr == "group_id" and ci.of_reserves:
                if not ci.members:
                    _fail(source, f"{where}.members", "must name the reserves called in")
                continue
            if getattr(ci, attr) not in group_ids:
                _fail(source, f"{where}.{attr}", f"names the unknown group {getattr(ci, attr)!r}")
        if ci.members and not ci.of_reserves:
            _fail(source, f"{where}.members", "must be empty when a group is called in")
        if ci.shift_id not in shift_ids:
            _fail(source, f"{where}.shift_id", f"names the unknown shift {ci.shift_id!r}")
        if ci.date not in dates:
            _check_date(ci.date, source, f"{where}.date")
            _fail(source, f"{where}.date", f"{ci.date} is outside the plan's horizon")
        if ci.end_s <= ci.start_s:
            _fail(source, f"{where}.end_s", "must be after start_s")
    if roster.carry_in is not None:
        carry = roster.carry_in
        first = _check_date(carry.start, source, "roster.carry_in.start")
        for gid, row in carry.schedule.items():
            where = f"roster.carry_in.schedule[{gid!r}]"
            if gid not in group_ids:
                _fail(source, where, "names a group that is not in roster.groups")
            if first + timedelta(days=len(row)) != doc.start_date:
                _fail(
                    source, where, f"must have one entry per day from {first} to the plan's start"
                )
            for d, sid in enumerate(row):
                if sid is not None and sid not in shift_ids:
                    _fail(source, f"{where}[{d}]", f"names the unknown shift {sid!r}")
        for i, f in enumerate(carry.fill_ins):
            where = f"roster.carry_in.fill_ins[{i}]"
            if f.group_id not in group_ids:
                _fail(source, f"{where}.group_id", f"names the unknown group {f.group_id!r}")
            day = _check_date(f.date, source, f"{where}.date")
            if not first <= day < doc.start_date:
                _fail(source, f"{where}.date", f"{f.date} is not one of the days carried in")
    for i, h in enumerate(roster.holidays):
        _check_date(h.date, source, f"roster.holidays[{i}].date")
    for i, fr in enumerate(roster.fairness):
        if fr.group_id not in group_ids:
            _fail(
                source, f"roster.fairness[{i}].group_id", f"names the unknown group {fr.group_id!r}"
            )

    for r, route in enumerate(doc.routes):
        where = f"routes[{r}]"
        grid = route.unit_kind == "grid" and not route.group_id  # a grid member: no group
        reserves = route.group_id == RESERVE_GROUP and any(
            c.of_reserves and c.date == route.date and c.shift_id == route.shift_id
            for c in roster.call_ins
        )
        if route.group_id not in group_ids and not grid and not reserves:
            _fail(source, f"{where}.group_id", f"names the unknown group {route.group_id!r}")
        if route.shift_id not in shift_ids:
            _fail(source, f"{where}.shift_id", f"names the unknown shift {route.shift_id!r}")
        if route.date not in dates:
            _check_date(route.date, source, f"{where}.date")
            _fail(source, f"{where}.date", f"{route.date} is outside the plan's horizon")
        start = _check_datetime(route.start, source, f"{where}.start")
        end = _check_datetime(route.end, source, f"{where}.end")
        if end < start or route.end_s < route.start_s:
            _fail(source, f"{where}.end", "is before the route's start")
        if not route.stops:
            _fail(source, f"{where}.stops", "is empty; a route starts and ends at its base")
        last = route.start_s
        for k, stop in enumerate(route.stops):
            sw = f"{where}.stops[{k}]"
            if stop.kind not in STOP_KINDS:
                _fail(
                    source,
                    f"{sw}.kind",
                    f"must be one of {', '.join(STOP_KINDS)}, not {stop.kind!r}",
                )
            if not (-180 <= stop.lon <= 180 and -90 <= stop.lat <= 90):
                _fail(source, f"{sw}.lon", "is not a longitude/latitude pair in degrees")
            if (stop.end_lon is None) != (stop.end_lat is None):
                _fail(source, f"{sw}.end_lon", "and end_lat must both be given or both be null")
            if stop.kind == "alley" and stop.end_lon is None:
                _fail(source, f"{sw}.end_lon", "must give the end of an alley")
            if stop.arrival < last:
                _fail(source, f"{sw}.arrival", "is earlier than the previous stop's departure")
            if not stop.arrival <= stop.start <= stop.departure:
                _fail(source, f"{sw}.start", "must lie between arrival and departure")
            if stop.dwell < 0 or stop.dwell > stop.departure - stop.start:
                _fail(source, f"{sw}.dwell", "must be between 0 and departure minus start")
            for w, (lo, hi) in enumerate(stop.windows):
                if hi < lo:
                    _fail(source, f"{sw}.windows[{w}]", "closes before it opens")
            last = stop.departure
        if last > route.end_s:
            _fail(source, f"{where}.end_s", "is earlier than the last stop's departure")

    for i, dose in enumerate(doc.dose):
        if dose.shift_id not in shift_ids:
            _fail(source, f"dose[{i}].shift_id", f"names the unknown shift {dose.shift_id!r}")
        _check_date(dose.date, source, f"dose[{i}].date")
    for i, cov in enumerate(doc.coverage):
        if cov.level not in COVERAGE_LEVELS:
            levels = ", ".join(COVERAGE_LEVELS)
            _fail(source, f"coverage[{i}].level", f"must be one of {levels}, not {cov.level!r}")
