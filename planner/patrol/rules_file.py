"""Read a patrol roster rules file (rules.toml); bad input gets one sentence naming key and line."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata.decoding import MAX_DEPTH, DecodeError, check_value
from geodata.settings import MODES
from planner.dates import days_problem, start_problem
from planner.exceptions import RulesError
from planner.patrol.teams import Teams, read_teams
from planner.roster import rulebook

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ALLOWED: dict[str, set[str]] = {
    "": {
        "version",
        "name",
        "horizon",
        "shifts",
        "demand",
        "rest",
        "fairness",
        "rotation",
        "crew",
        "leave",
        "pins",
        "surge",
        "groups",
        "teams",
        "units",
        "shift_time",
        "inspections",
        "call_out",
    },
    "call_out": {"max_hours_in_7_days", "turn_out_minutes"},
    "horizon": {"start", "days"},
    "inspections": {"minutes"},
    "shifts": {"id", "name", "start", "end", "night", "meals", "rest"},
    "units": {"size", "together"},
    "units.together": {"shift", "from", "to", "mode", "reason"},
    "shift_time": {
        "handover_minutes",
        "meal_minutes",
        "rest_minutes",
        "reserve_share",
        "max_checkpoints",
        "gate_minutes",
    },
    "demand": {"default", "under_weight", "over_weight", *WEEKDAYS},
    "rest": {
        "min_rest_hours",
        "rest_after_night_hours",
        "max_nights_in_row",
        "max_nights_in_row_weight",
        "max_days_in_row",
        "min_days_off_in_row",
    },
    "fairness": {"nights", "weekends"},
    "rotation": {"pattern", "weight", "offsets"},
    "crew": {"min_members", "reserves", "lend_weight", "neighbours"},
    "leave": {"member", "from", "to", "reason"},
    "pins": {"group", "date", "shift"},
    "surge": {"public_holidays", "holiday_extra", "dates"},
    "surge.dates": {"date", "name", "extra", "categories", "factor", "event"},
    "surge.dates.event": {"name", "lon", "lat", "radius_m", "from", "to"},
    "groups": {"id", "name", "name_en", "mode", "base_post", "members"},
    "groups.members": {"id", "name", "name_en", "role"},
    "reserves": {"id", "name", "name_en"},
}


def _allowed(section: str) -> set[str]:
    """Keys allowed in ``section``: the reader's own and those of the registered rules."""
    out = set(_ALLOWED.get(section, ()))
    for rule in rulebook.rules():
        if rule.section == section:
            out |= rule.keys
        elif section == "":
            out.add(rule.section.partition(".")[0])
    return out


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift template: id, name, start minute after midnight, length in minutes.

    ``meals`` are the windows (minutes from the shift's local midnight, a window after
    midnight past 1440) in which each meal break starts; ``rest`` the window of a night's
    rest at the base, which the units on shift take in turns.
    """

    id: str
    name: str
    start: int
    minutes: int
    night: bool | None = None
    meals: tuple[tuple[int, int], ...] = ()
    rest: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Together:
    """A window of a shift in which each group on it patrols as one unit (the whole group).

    ``start`` and ``end`` are minutes from the shift's local midnight (past 1440 after it);
    ``mode`` is the travel mode then (None: the group's own).
    """

    shift: str
    start: int
    end: int
    mode: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ShiftTime:
    """How a shift's time is spent (PRACTICE.md's defaults).

    Attributes
    ----------
    handover_minutes
        At the base at the start and at the end of a shift: sign in, hand over.
    meal_minutes
        Length of each meal break (at the base).
    rest_minutes
        Length of each unit's rest at the base in a night's rest window.
    reserve_share
        Share of a unit's time on the street left unplanned, a reserve for calls.
    max_checkpoints
        Checkpoint stops of a unit in a 12-hour shift at most (fewer in a shorter time).
    gate_minutes
        How long a unit stands at a school gate in a drop-off or pick-up window.
    unit_size
        Members per unit (2: pairs).
    """

    handover_minutes: int = 15
    meal_minutes: int = 30
    rest_minutes: int = 60
    reserve_share: float = 0.25
    max_checkpoints: int = 25
    gate_minutes: int = 15
    unit_size: int = 2


@dataclass(frozen=True, slots=True)
class Member:
    """A patrol member (or reserve) with a stable id."""

    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    """A patrol group and its members, with its travel mode and base post where given."""

    id: str
    name: str
    name_en: str
    members: tuple[Member, ...]
    mode: str | None = None
    base_post: str | None = None


@dataclass(frozen=True, slots=True)
class Leave:
    """A member away from ``first`` to ``last`` (inclusive)."""

    member: str
    first: dt.date
    last: dt.date
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PinSpec:
    """A group pinned to a shift (``None`` = off) on a date."""

    group: str
    date: dt.date
    shift: str | None


@dataclass(frozen=True, slots=True)
class SurgeEvent:
    """The place of a surge date's event: a point, a radius and the event's hours.

    ``start`` and ``end`` are minutes from local midnight of the date (``end`` past 1440 when
    the event runs past midnight); None for the whole day.
    """

    name: str
    lon: float
    lat: float
    radius_m: float = 500.0
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class SurgeDate:
    """A sensitive date (敏感时期), holiday or event: extra groups, more need where crowds are.

    ``categories`` are the key-area categories whose need is multiplied by ``factor`` on the
    date (squares, stations, markets, ...); ``event`` is the event's own place: a temporary
    checkpoint during its hours, and every key area within its radius needs ``factor`` times
    more too.
    """

    date: dt.date
    name: str
    extra: tuple[tuple[str, int], ...]
    categories: tuple[str, ...] = ()
    factor: float = 1.0
    event: SurgeEvent | None = None


@dataclass(frozen=True, slots=True)
class RulesFile:
    """Everything a rules file says; see the default district's rules.toml for the meaning.

    ``extra`` holds ``(rule name, parameter)`` of each rule of its own module
    (:mod:`planner.roster.rulebook`) that the file switches on.
    """

    path: str
    name: str
    horizon_start: dt.date | None
    horizon_days: int | None
    shifts: tuple[ShiftTemplate, ...]
    demand: tuple[tuple[str, int], ...]
    weekday_demand: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    under_weight: int | None
    over_weight: int | None
    min_rest_minutes: int | None
    rest_after_night_minutes: int | None
    max_nights_in_row: int | None
    max_nights_weight: int | None
    max_days_in_row: int | None
    min_days_off_in_row: int | None
    fair_nights: int
    fair_weekends: int
    pattern: tuple[str | None, ...]
    pattern_weight: int | None
    pattern_offsets: tuple[tuple[str, int], ...]
    min_members: int | None
    reserves: tuple[Member, ...]
    lend_weight: int
    neighbours: tuple[tuple[str, tuple[str, ...]], ...]
    leave: tuple[Leave, ...]
    pins: tuple[PinSpec, ...]
    public_holidays: bool
    holiday_extra: tuple[tuple[str, int], ...]
    surge_dates: tuple[SurgeDate, ...]
    groups: tuple[Group, ...]
    shift_time: ShiftTime = ShiftTime()
    inspection_minutes: int = 30
    together: tuple[Together, ...] = ()
    call_out_max_minutes: int | None = None
    turn_out_minutes: int = 30
    extra: tuple[tuple[str, Any], ...] = ()

    def shift(self, shift_id: str) -> ShiftTemplate:
        """Return the shift template with id ``shift_id``.

        Raises
        ------
        KeyError
            When the rules have no such shift.
        """
        for s in self.shifts:
            if s.id == shift_id:
                return s
        msg = f"The rules have no shift {shift_id!r}."
        raise KeyError(msg)


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, key: str, value: Any = None) -> int | None:
        """Line of the first ``key =`` (or table header) in the file, 1-based."""
        leaf = key.split(".")[-1]
        pat = re.compile(rf"^\s*(\[+\s*{re.escape(key)}\s*\]+|\"?{re.escape(leaf)}\"?\s*=)")
        hits = [i for i, line in enumerate(self.lines, 1) if pat.search(line)]
        if value is not None and isinstance(value, str):
            exact = [i for i in hits if value in self.lines[i - 1]]
            if exact:
                return exact[0]
        if not hits:
            inline = re.compile(rf"\b{re.escape(leaf)}\s*=")
            hits = [i for i, line in enumerate(self.lines, 1) if inline.search(line)]
        return hits[0] if hits else None

    def fail(self, key: str, what: str, value: Any = None) -> RulesError:
        line = self.line_of(key, value)
        where = f"{self.path.name} line {line}" if line else self.path.name
        return RulesError(f"{where}: {key} {what}.")

    def keys(self, table: dict[str, Any], section: str, name: str) -> None:
        allowed = _allowed(section)
        for key in table:
            if key not in allowed:
                full = f"{name}.{key}" if name else key
                raise self.fail(
                    full, f"is not a known setting (known: {', '.join(sorted(allowed))})"
                )

    def int_(self, table: dict[str, Any], key: str, name: str, *, default: Any = None) -> Any:
        if key not in table:
            return default
        value = table[key]
        full = f"{name}.{key}" if name else key
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(full, f"must be a whole number, not {value!r}")
        if value < 0:
            raise self.fail(full, f"must not be negative ({value})")
        return value

    def hours(self, table: dict[str, Any], key: str, name: str) -> int | None:
        if key not in table:
            return None
        value = table[key]
        full = f"{name}.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(full, f"must be a number of hours, not {value!r}")
        if value < 0:
            raise self.fail(full, f"must not be negative ({value})")
        return round(value * 60)

    def date(self, value: Any, key: str) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, f"must be a date like 2026-12-07, not {value!r}", value)

    def str_(self, table: dict[str, Any], key: str, name: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value:
            raise self.fail(f"{name}.{key}", "must be a non-empty text", value)
        return value

    def counts(self, value: Any, key: str, shifts: set[str]) -> tuple[tuple[str, int], ...]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table of shift = number, not {value!r}")
        out = []
        for sid, n in value.items():
            if sid not in shifts:
                raise self.fail(key, f"names unknown shift {sid!r}", sid)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise self.fail(key, f"needs a whole number >= 0 for shift {sid!r}, not {n!r}")
            out.append((sid, n))
        return tuple(out)


def _clock(reader: _Reader, value: Any, key: str) -> int:
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if m and int(m.group(1)) <= 24 and int(m.group(2)) < 60:
            return (int(m.group(1)) * 60 + int(m.group(2))) % 1440
    raise reader.fail(key, f"must be a time like 08:00, not {value!r}", value)


def _groups(reader: _Reader, raw: Any, source: str, teams: Teams | None) -> tuple[Group, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail("groups", f"in {source} must be a non-empty list of [[groups]]")
    out = []
    seen: set[str] = set()
    for g in raw:
        reader.keys(g, "groups", "groups")
        gid = reader.str_(g, "id", "groups")
        if gid in seen:
            raise reader.fail("groups.id", f"{gid!r} appears twice", gid)
        seen.add(gid)
        members = []
        for mem in g.get("members", []):
            if isinstance(mem, str):
                members.append(Member(mem))
                continue
            reader.keys(mem, "groups.members", "groups.members")
            members.append(Member(reader.str_(mem, "id", "groups.members"), mem.get("name", "")))
        mode = g.get("mode")
        if mode is not None and mode not in MODES:
            raise reader.fail(
                "groups.mode", f"{mode!r} of group {gid!r} is not one of {', '.join(MODES)}", mode
            )
        team = teams.group(gid) if teams is not None else None
        out.append(
            Group(
                gid,
                g.get("name", gid),
                g.get("name_en", f"Group {gid}"),
                tuple(members),
                mode=mode or (team.mode if team else None),
                base_post=g.get("base_post") or (team.base_post if team else None),
            )
        )
    return tuple(out)


def _team_groups(teams: Teams) -> tuple[Group, ...]:
    """Return the groups of a team file as rules groups (members with their names)."""
    names = {m.id: m.name for m in teams.members.values()}
    return tuple(
        Group(
            g.id,
            g.name,
            g.name_en,
            tuple(Member(m, names.get(m, "")) for m in g.members),
            mode=g.mode,
            base_post=g.base_post,
        )
        for g in teams.groups
    )


def _check_decoded(doc: dict[str, Any], path: Path) -> None:
    """Refuse a parsed file nested too deeply or holding a lone surrogate or a NUL."""
    try:
        check_value(doc, path.name)
    except DecodeError as exc:
        raise RulesError(str(exc)) from None


def read_teams_file(path: str | Path) -> Teams:
    """Read a teams.toml file into :class:`planner.patrol.teams.Teams` (for a file being edited).

    Raises
    ------
    RulesError
        When the file is not valid TOML or lists no groups.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"Cannot read the teams file {path}: {exc.strerror}."
        raise RulesError(msg) from exc
    except UnicodeDecodeError:
        msg = f"The teams file {path} is not UTF-8 text."
        raise RulesError(msg) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path.name}: not valid TOML ({exc})."
        raise RulesError(msg) from exc
    except RecursionError:
        msg = f"{path.name} is nested more than {MAX_DEPTH} levels deep."
        raise RulesError(msg) from None
    _check_decoded(doc, path)
    teams = read_teams(doc)
    if not teams.groups:
        raise _Reader(path, text).fail("groups", "must list groups, each with an id")
    return teams


def load_rules(
    path: str | Path, *, teams: Teams | str | Path | None = None, text: str | None = None
) -> RulesFile:
    """Read and check a rules file.

    Parameters
    ----------
    path
        The rules.toml file.
    teams
        The district's team (:class:`planner.patrol.teams.Teams`, or the path of a teams.toml
        to read): its groups are used when the rules file has no ``[[groups]]``, and give the
        rules' own groups their travel mode and base post where the rules do not.
    text
        The file's text when the caller has read it already (``path`` then names it).

    Returns
    -------
    RulesFile
        The checked rules.

    Raises
    ------
    RulesError
        One sentence naming the file, line and key that is wrong.
    """
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"Cannot read the rules file {path}: {exc.strerror}."
            raise RulesError(msg) from exc
        except UnicodeDecodeError:
            msg = f"The rules file {path} is not UTF-8 text."
            raise RulesError(msg) from None
    r = _Reader(path, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path.name} is not valid TOML: {exc}."
        raise RulesError(msg) from exc
    except RecursionError:
        msg = f"{path.name} is nested more than {MAX_DEPTH} levels deep."
        raise RulesError(msg) from None
    _check_decoded(doc, path)
    r.keys(doc, "", "")
    for section in ("horizon", "demand", "rest", "fairness", "rotation", "crew", "surge"):
        table = doc.get(section, {})
        if not isinstance(table, dict):
            raise r.fail(section, "must be a table")
        r.keys(table, section, section)

    hz = doc.get("horizon", {})
    h_start = r.date(hz["start"], "horizon.start") if "start" in hz else None
    h_days = r.int_(hz, "days", "horizon")
    if h_days == 0:
        raise r.fail("horizon.days", "must be at least 1")
    if h_days is not None and (why := days_problem(h_days)):
        raise r.fail("horizon.days", why, h_days)
    if h_start is not None and (why := start_problem(h_start, h_days or 1)):
        raise r.fail("horizon.start", why, hz.get("start"))

    # shifts
    raw_shifts = doc.get("shifts")
    if not isinstance(raw_shifts, list) or not raw_shifts:
        raise r.fail("shifts", "must list at least one [[shifts]] template")
    shifts: list[ShiftTemplate] = []
    for s in raw_shifts:
        r.keys(s, "shifts", "shifts")
        sid = r.str_(s, "id", "shifts")
        if sid.lower() == "off":
            raise r.fail("shifts.id", "may not be 'off' (it means a day off)", sid)
        if any(t.id == sid for t in shifts):
            raise r.fail("shifts.id", f"{sid!r} appears twice", sid)
        start = _clock(r, s.get("start"), f"shifts.start (shift {sid})")
        end = _clock(r, s.get("end"), f"shifts.end (shift {sid})")
        minutes = (end - start) % 1440
        if minutes == 0:
            raise r.fail(
                "shifts",
                f"template {sid!r} lasts zero hours ({s.get('start')}–{s.get('end')})",
                sid,
            )
        night = s.get("night")
        meals = tuple(
            _window(r, w, f"shifts.meals (shift {sid})", start, minutes)
            for w in _list(r, s.get("meals", []), f"shifts.meals (shift {sid})")
        )
        rest = None
        if "rest" in s:
            rest = _window(r, s["rest"], f"shifts.rest (shift {sid})", start, minutes)
        shifts.append(
            ShiftTemplate(sid, s.get("name", sid), start, minutes, night, tuple(meals), rest)
        )
    for i, a in enumerate(shifts):
        for b in shifts[i + 1 :]:
            if _overlap(a, b):
                raise r.fail(
                    "shifts",
                    f"templates {a.id!r} and {b.id!r} overlap in time; a group works one "
                    "shift a day, so templates must not overlap",
                    b.id,
                )
    sids = {s.id for s in shifts}

    # groups
    if isinstance(teams, str | Path):
        teams = read_teams_file(teams) if Path(teams).is_file() else None
    if "groups" in doc:
        groups = _groups(r, doc["groups"], path.name, teams)
    elif teams is not None and teams.groups:
        groups = _team_groups(teams)
    else:
        raise r.fail("groups", "are missing: define [[groups]] or ship a teams.toml beside it")
    gids = {g.id for g in groups}
    members = {m.id for g in groups for m in g.members}

    def group_ref(value: Any, key: str) -> str:
        if value not in gids:
            raise r.fail(
                key, f"names unknown group {value!r} (known: {', '.join(sorted(gids))})", value
            )
        return str(value)

    def in_horizon(day: dt.date, key: str) -> dt.date:
        if h_start is not None and h_days is not None:
            last = h_start + dt.timedelta(days=h_days - 1)
            if not h_start <= day <= last:
                raise r.fail(
                    key, f"date {day} is outside the horizon {h_start} to {last}", str(day)
                )
        return day

    # demand
    dm = doc.get("demand", {})
    demand = r.counts(dm.get("default", {s.id: 1 for s in shifts}), "demand.default", sids)
    weekday_demand = tuple((w, r.counts(dm[w], f"demand.{w}", sids)) for w in WEEKDAYS if w in dm)
    under = r.int_(dm, "under_weight", "demand")
    over = r.int_(dm, "over_weight", "demand")

    rest = doc.get("rest", {})
    fair = doc.get("fairness", {})
    for key in fair:
        r.int_(fair, key, "fairness")

    # rotation
    rot = doc.get("rotation", {})
    pattern: list[str | None] = []
    for item in rot.get("pattern", []):
        if not isinstance(item, str) or (item not in sids and item.lower() != "off"):
            raise r.fail(
                "rotation.pattern", f"names unknown shift {item!r} (use a shift id or 'off')", item
            )
        pattern.append(None if item.lower() == "off" else item)
    offsets = rot.get("offsets", {})
    if not isinstance(offsets, dict):
        raise r.fail("rotation.offsets", "must be a table of group = offset")
    pattern_offsets = tuple(
        (group_ref(g, "rotation.offsets"), r.int_(offsets, g, "rotation.offsets")) for g in offsets
    )

    # crew
    crew = doc.get("crew", {})
    reserves: list[Member] = []
    for res in crew.get("reserves", []):
        if isinstance(res, str):
            reserves.append(Member(res))
        elif isinstance(res, dict):
            r.keys(res, "reserves", "crew.reserves")
            reserves.append(Member(r.str_(res, "id", "crew.reserves"), res.get("name", "")))
        else:
            raise r.fail("crew.reserves", f"must list member ids, not {res!r}")
    nb = crew.get("neighbours", {})
    if not isinstance(nb, dict):
        raise r.fail("crew.neighbours", "must be a table of group = [groups]")
    neighbours = tuple(
        (
            group_ref(g, "crew.neighbours"),
            tuple(group_ref(h, "crew.neighbours") for h in hs),
        )
        for g, hs in nb.items()
    )
    min_members = r.int_(crew, "min_members", "crew")

    # leave
    leave = []
    raw_leave = doc.get("leave", [])
    known_people = members | {m.id for m in reserves}
    for item in raw_leave:
        r.keys(item, "leave", "leave")
        mem = item.get("member")
        if mem not in known_people:
            raise r.fail("leave.member", f"names unknown member {mem!r}", mem)
        first = in_horizon(r.date(item.get("from"), "leave.from"), "leave.from")
        last = in_horizon(r.date(item.get("to", item.get("from")), "leave.to"), "leave.to")
        if last < first:
            raise r.fail("leave.to", f"{last} is before leave.from {first}", str(last))
        leave.append(Leave(mem, first, last, item.get("reason", "")))

    pins = []
    for item in doc.get("pins", []):
        r.keys(item, "pins", "pins")
        g = group_ref(item.get("group"), "pins.group")
        day = in_horizon(r.date(item.get("date"), "pins.date"), "pins.date")
        sid = item.get("shift")
        if not isinstance(sid, str) or (sid not in sids and sid.lower() != "off"):
            raise r.fail(
                "pins.shift", f"names unknown shift {sid!r} (use a shift id or 'off')", sid
            )
        pins.append(PinSpec(g, day, None if sid.lower() == "off" else sid))

    surge = doc.get("surge", {})
    surge_dates = []
    for item in surge.get("dates", []):
        r.keys(item, "surge.dates", "surge.dates")
        day = in_horizon(r.date(item.get("date"), "surge.dates.date"), "surge.dates.date")
        extra = r.counts(item.get("extra", {}), "surge.dates.extra", sids)
        surge_dates.append(_surge_date(r, item, day, extra))
    public = surge.get("public_holidays", False)
    if not isinstance(public, bool):
        raise r.fail("surge.public_holidays", f"must be true or false, not {public!r}")

    shift_time = _shift_time(r, doc.get("shift_time", {}), doc.get("units", {}))
    inspections = doc.get("inspections", {})
    if not isinstance(inspections, dict):
        raise r.fail("inspections", "must be a table")
    r.keys(inspections, "inspections", "inspections")
    inspection_minutes = r.int_(inspections, "minutes", "inspections", default=30)
    if not 10 <= inspection_minutes <= 240:
        raise r.fail(
            "inspections.minutes", f"must be from 10 to 240 minutes, not {inspection_minutes}"
        )
    call_out = doc.get("call_out", {})
    if not isinstance(call_out, dict):
        raise r.fail("call_out", "must be a table")
    r.keys(call_out, "call_out", "call_out")
    call_out_max = r.hours(call_out, "max_hours_in_7_days", "call_out")
    turn_out = r.int_(call_out, "turn_out_minutes", "call_out", default=30)
    if not 0 <= turn_out <= 240:
        raise r.fail("call_out.turn_out_minutes", f"must be from 0 to 240 minutes, not {turn_out}")
    together = []
    for item in doc.get("units", {}).get("together", []):
        r.keys(item, "units.together", "units.together")
        sid = item.get("shift")
        if sid not in sids:
            raise r.fail("units.together.shift", f"names unknown shift {sid!r}", sid)
        tmpl = next(t for t in shifts if t.id == sid)
        lo, hi = _window(
            r,
            f"{item.get('from')}-{item.get('to')}",
            f"units.together (shift {sid})",
            tmpl.start,
            tmpl.minutes,
        )
        mode = item.get("mode")
        if mode is not None and mode not in MODES:
            raise r.fail("units.together.mode", f"{mode!r} is not one of {', '.join(MODES)}", mode)
        together.append(Together(str(sid), lo, hi, mode, str(item.get("reason", ""))))

    return RulesFile(
        path=str(path),
        name=str(doc.get("name", path.stem)),
        horizon_start=h_start,
        horizon_days=h_days,
        shifts=tuple(shifts),
        demand=demand,
        weekday_demand=weekday_demand,
        under_weight=under,
        over_weight=over,
        min_rest_minutes=r.hours(rest, "min_rest_hours", "rest"),
        rest_after_night_minutes=r.hours(rest, "rest_after_night_hours", "rest"),
        max_nights_in_row=r.int_(rest, "max_nights_in_row", "rest"),
        max_nights_weight=r.int_(rest, "max_nights_in_row_weight", "rest"),
        max_days_in_row=r.int_(rest, "max_days_in_row", "rest"),
        min_days_off_in_row=r.int_(rest, "min_days_off_in_row", "rest"),
        fair_nights=r.int_(fair, "nights", "fairness", default=0),
        fair_weekends=r.int_(fair, "weekends", "fairness", default=0),
        pattern=tuple(pattern),
        pattern_weight=r.int_(rot, "weight", "rotation"),
        pattern_offsets=pattern_offsets,
        min_members=min_members,
        reserves=tuple(reserves),
        lend_weight=r.int_(crew, "lend_weight", "crew", default=1),
        neighbours=neighbours,
        leave=tuple(leave),
        pins=tuple(pins),
        public_holidays=public,
        holiday_extra=r.counts(surge.get("holiday_extra", {}), "surge.holiday_extra", sids),
        surge_dates=tuple(surge_dates),
        groups=groups,
        shift_time=shift_time,
        inspection_minutes=inspection_minutes,
        together=tuple(together),
        call_out_max_minutes=call_out_max,
        turn_out_minutes=turn_out,
        extra=_rule_params(r, doc),
    )


def _rule_params(reader: _Reader, doc: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Read the parameter of each rule of its own module that the file switches on."""
    out = []
    for rule in rulebook.rules():
        table: Any = doc
        for part in rule.section.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            raise reader.fail(rule.section, "must be a table")
        reader.keys(table, rule.section, rule.section)

        def fail(key: str, what: str, section: str = rule.section) -> Exception:
            return reader.fail(f"{section}.{key}", what)

        param = rule.read(table, fail)
        if param is not None:
            out.append((rule.name, param))
    return tuple(out)


SURGE_FACTOR = 1.5
"""Default need multiplier of a surge date's places."""

MAX_SURGE_FACTOR = 5.0
"""Largest need multiplier a surge date may set."""


def _surge_date(
    reader: _Reader, item: dict[str, Any], day: dt.date, extra: tuple[tuple[str, int], ...]
) -> SurgeDate:
    """Read a ``[[surge.dates]]`` entry's places: categories, factor and event."""
    from geodata.categories import CATEGORIES

    cats = item.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        raise reader.fail("surge.dates.categories", f"must be a list of categories, not {cats!r}")
    for c in cats:
        if c not in CATEGORIES:
            raise reader.fail("surge.dates.categories", f"names unknown category {c!r} on {day}", c)
    has_places = bool(cats) or "event" in item
    factor = item.get("factor", SURGE_FACTOR if has_places else 1.0)
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | float)
        or not 1 <= factor <= MAX_SURGE_FACTOR
    ):
        raise reader.fail(
            "surge.dates.factor", f"must be a number from 1 to {MAX_SURGE_FACTOR:g}, not {factor!r}"
        )
    event = None
    if "event" in item:
        raw = item["event"]
        if not isinstance(raw, dict):
            raise reader.fail("surge.dates.event", "must be a table with lon, lat and radius_m")
        reader.keys(raw, "surge.dates.event", "surge.dates.event")
        coords = []
        for key, lo, hi in (("lon", -180, 180), ("lat", -90, 90)):
            v = raw.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
                raise reader.fail(
                    f"surge.dates.event.{key}", f"must be a number from {lo} to {hi}, not {v!r}"
                )
            coords.append(float(v))
        radius = raw.get("radius_m", 500)
        if (
            isinstance(radius, bool)
            or not isinstance(radius, int | float)
            or not 0 < radius <= 5000
        ):
            raise reader.fail(
                "surge.dates.event.radius_m", f"must be 1 to 5000 metres, not {radius!r}"
            )
        start = end = None
        if "from" in raw or "to" in raw:
            start = _clock(reader, raw.get("from"), "surge.dates.event.from")
            end = _clock(reader, raw.get("to"), "surge.dates.event.to")
            end = end if end > start else end + 1440
        event = SurgeEvent(
            str(raw.get("name", "")), coords[0], coords[1], float(radius), start, end
        )
    return SurgeDate(day, str(item.get("name", "")), extra, tuple(cats), float(factor), event)


def _list(reader: _Reader, value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise reader.fail(key, f'must be a list of windows like "11:00-12:30", not {value!r}')
    return value


def _window(reader: _Reader, value: Any, key: str, start: int, minutes: int) -> tuple[int, int]:
    """Read ``"HH:MM-HH:MM"`` inside a shift: minutes from the shift's local midnight.

    A time before the shift's start is on the next day (a night shift's 01:00 is 1500).
    """
    text = value if isinstance(value, str) else ""
    parts = text.split("-")
    if len(parts) != 2:
        raise reader.fail(key, f'must be a window like "11:00-12:30", not {value!r}', value)
    lo, hi = (_clock(reader, p, key) for p in parts)
    lo = lo if lo >= start else lo + 1440
    hi = hi if hi > start else hi + 1440
    if hi <= lo:
        hi += 1440
    if not (start <= lo < hi <= start + minutes):
        raise reader.fail(key, f"window {text!r} does not lie inside the shift", value)
    return lo, hi


def _shift_time(reader: _Reader, table: Any, units: Any) -> ShiftTime:
    """Read ``[shift_time]`` and ``[units]`` (their defaults: PRACTICE.md's)."""
    if not isinstance(table, dict):
        raise reader.fail("shift_time", "must be a table")
    if not isinstance(units, dict):
        raise reader.fail("units", "must be a table")
    reader.keys(table, "shift_time", "shift_time")
    reader.keys(units, "units", "units")
    d = ShiftTime()
    share = table.get("reserve_share", d.reserve_share)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
        raise reader.fail(
            "shift_time.reserve_share", f"must be a share from 0 to 0.99, not {share!r}"
        )
    size = reader.int_(units, "size", "units", default=d.unit_size)
    if size < 1:
        raise reader.fail("units.size", "must be at least 1")
    out = ShiftTime(
        handover_minutes=reader.int_(
            table, "handover_minutes", "shift_time", default=d.handover_minutes
        ),
        meal_minutes=reader.int_(table, "meal_minutes", "shift_time", default=d.meal_minutes),
        rest_minutes=reader.int_(table, "rest_minutes", "shift_time", default=d.rest_minutes),
        reserve_share=float(share),
        max_checkpoints=reader.int_(
            table, "max_checkpoints", "shift_time", default=d.max_checkpoints
        ),
        gate_minutes=reader.int_(table, "gate_minutes", "shift_time", default=d.gate_minutes),
        unit_size=size,
    )
    if out.gate_minutes < 10:
        raise reader.fail(
            "shift_time.gate_minutes", "must be at least 10 (a gate post, not a drive-by)"
        )
    return out


def _overlap(a: ShiftTemplate, b: ShiftTemplate) -> bool:
    """Whether two daily templates overlap on the 24-hour clock."""

    def pieces(t: ShiftTemplate) -> list[tuple[int, int]]:
        end = t.start + t.minutes
        if end <= 1440:
            return [(t.start, end)]
        return [(t.start, 1440), (0, end - 1440)]

    return any(x0 < y1 and y0 < x1 for x0, x1 in pieces(a) for y0, y1 in pieces(b))
