"""Facts of a roster problem: staff, shift types, days, cover and rules, as ids and numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.core_errors import ProblemError

DAY_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class ShiftType:
    """A kind of shift worked on one day.

    Parameters
    ----------
    id
        Stable shift id, e.g. ``"D"`` or ``"N"``.
    minutes
        Length of the shift in minutes (> 0).
    start
        Start in minutes after midnight of the day it belongs to; ``None`` when unknown (then
        rest rules ignore the shift and only ``forbidden_next`` applies).
    forbidden_next
        Shift ids that may not be worked on the next day after this one.
    night
        Whether the shift counts as a night shift (fairness, nights in a row). Defaults to
        whether the shift crosses midnight.
    name
        A readable name, e.g. ``"night"``.
    """

    id: str
    minutes: int
    start: int | None = None
    forbidden_next: frozenset[str] = frozenset()
    night: bool | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            msg = f"Shift {self.id!r} must last more than 0 minutes, not {self.minutes}."
            raise ProblemError(msg)
        if self.start is not None and not 0 <= self.start < DAY_MINUTES:
            msg = f"Shift {self.id!r} must start between 00:00 and 23:59, not minute {self.start}."
            raise ProblemError(msg)

    @property
    def is_night(self) -> bool:
        """Whether this is a night shift (explicit flag, else it crosses midnight)."""
        if self.night is not None:
            return self.night
        return self.start is not None and self.start + self.minutes > DAY_MINUTES

    @property
    def label(self) -> str:
        """The name if given, else the id."""
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Staff:
    """One person or patrol group that is rostered, with its personal limits.

    ``None`` means no limit. ``max_shifts`` maps a shift id to the most shifts of that type.
    """

    id: str
    name: str = ""
    max_shifts: tuple[tuple[str, int], ...] = ()
    max_minutes: int | None = None
    min_minutes: int | None = None
    max_consecutive: int | None = None
    min_consecutive: int | None = None
    min_consecutive_off: int | None = None
    max_weekends: int | None = None
    days_off: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        for key, value in (
            ("max_minutes", self.max_minutes),
            ("min_minutes", self.min_minutes),
            ("max_consecutive", self.max_consecutive),
            ("min_consecutive", self.min_consecutive),
            ("min_consecutive_off", self.min_consecutive_off),
            ("max_weekends", self.max_weekends),
        ):
            if value is not None and value < 0:
                msg = f"Staff {self.id!r} has a negative {key} ({value})."
                raise ProblemError(msg)
        for sid, n in self.max_shifts:
            if n < 0:
                msg = f"Staff {self.id!r} has a negative maximum for shift {sid!r} ({n})."
                raise ProblemError(msg)

    @property
    def label(self) -> str:
        """The name if given, else the id."""
        return self.name or self.id

    def max_of(self, shift_id: str) -> int | None:
        """Return the most shifts of ``shift_id`` allowed, or ``None`` for no limit."""
        for sid, n in self.max_shifts:
            if sid == shift_id:
                return n
        return None


@dataclass(frozen=True, slots=True)
class ShiftRequest:
    """A wish to work (``on=True``) or not to work a shift on a day, with a penalty weight."""

    staff: str
    day: int
    shift: str
    weight: int
    on: bool = True


@dataclass(frozen=True, slots=True)
class Cover:
    """How many staff a shift needs on a day; ``None`` weights make that side hard."""

    day: int
    shift: str
    requirement: int
    under_weight: int | None = None
    over_weight: int | None = None


@dataclass(frozen=True, slots=True)
class Pin:
    """An assignment kept as given: ``shift=None`` pins a day off."""

    staff: str
    day: int
    shift: str | None


@dataclass(frozen=True, slots=True)
class Keep:
    """A cell of the roster in force: working anything else that day costs ``weight``.

    ``shift=None`` keeps a day off.
    """

    staff: str
    day: int
    shift: str | None
    weight: int

    def __post_init__(self) -> None:
        if self.weight < 0:
            msg = f"The weight of keeping {self.staff!r} on day {self.day} is negative."
            raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A cyclic rotation, e.g. ``("D", "D", "N", "N", None, None)``; ``weight=None`` is hard.

    Each staff member follows the cycle from an offset the solver chooses, unless ``offsets``
    fixes it (staff id -> offset).
    """

    cycle: tuple[str | None, ...]
    weight: int | None = None
    offsets: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Crew:
    """Members of patrol groups, leave, and who may fill in for a group short of members.

    Parameters
    ----------
    members
        ``(group id, (member ids...))`` for each rostered group.
    min_members
        A group on shift needs at least this many members present.
    leave
        ``(member id, day)`` pairs: the member is away that day.
    reserves
        Member ids of a reserve pool that can join any group short of members.
    neighbours
        ``(group id, (neighbour group ids...))``: members of a neighbour group that is off
        that day may be lent.
    lend_weight
        Penalty for each member lent for one shift.
    lent_before
        ``(member id, shifts)``: the shift each member worked as a fill-in on the days just
        before day 0, oldest first, like ``RosterProblem.history`` (``None``: not lent). Its
        rest holds across the boundary for its next loan and its own group's shifts.
    """

    members: tuple[tuple[str, tuple[str, ...]], ...]
    min_members: int
    leave: frozenset[tuple[str, int]] = frozenset()
    reserves: tuple[str, ...] = ()
    neighbours: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lend_weight: int = 1
    lent_before: tuple[tuple[str, tuple[str | None, ...]], ...] = ()

    def lent_before_of(self, member: str) -> tuple[str | None, ...]:
        """Shifts ``member`` worked as a fill-in just before day 0 (empty if none)."""
        return dict(self.lent_before).get(member, ())

    def members_of(self, group: str) -> tuple[str, ...]:
        """Member ids of ``group`` (empty if unknown)."""
        return dict(self.members).get(group, ())

    def neighbours_of(self, group: str) -> tuple[str, ...]:
        """Neighbour group ids of ``group``."""
        return dict(self.neighbours).get(group, ())

    def present(self, group: str, day: int) -> int:
        """How many own members of ``group`` are not on leave on ``day``."""
        return sum((m, day) not in self.leave for m in self.members_of(group))


@dataclass(frozen=True, slots=True)
class PatrolRules:
    """Rules beyond the benchmark that patrol rosters need; ``None`` switches a rule off.

    Weights of ``None`` make a rule hard. ``extra`` holds ``(rule name, parameter)`` of the
    rules of their own module (:mod:`planner.roster.rule_registry`), those that are on.
    """

    min_rest_minutes: int | None = None
    rest_after_night_minutes: int | None = None
    max_nights_in_row: int | None = None
    max_nights_weight: int | None = None
    fair_nights_weight: int = 0
    fair_weekends_weight: int = 0
    pattern: Pattern | None = None
    crew: Crew | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str) -> Any:
        """Return the parameter of the rule module ``name`` in :attr:`extra`, or None."""
        return dict(self.extra).get(name)


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """A whole roster problem.

    Parameters
    ----------
    days
        Number of days in the horizon (day 0 .. days-1).
    staff, shifts
        Who is rostered and the kinds of shift.
    cover, requests, pins
        Demand per day and shift, wishes, fixed assignments.
    start_weekday
        Weekday of day 0 (0 = Monday); Saturday and Sunday are the weekend.
    holidays
        Day indices that are public holidays (for fair shares).
    rules
        Patrol rules (rest, nights, fairness, rotation, crew).
    name
        Instance name.
    day_labels
        Optional readable date of each day, e.g. ``"12 Dec"``, for explanations.
    keep
        Cells of the roster in force; each one changed costs its weight (stable re-solves).
    history
        ``(staff id, shifts)``: what each staff member worked on the days just before day 0,
        oldest first (the last entry is the day before day 0; ``None`` is a day off). Rest,
        forbidden successions, nights in a row and days in a row hold across the boundary.
    """

    days: int
    staff: tuple[Staff, ...]
    shifts: tuple[ShiftType, ...]
    cover: tuple[Cover, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    pins: tuple[Pin, ...] = ()
    start_weekday: int = 0
    holidays: frozenset[int] = frozenset()
    rules: PatrolRules = field(default_factory=PatrolRules)
    name: str = ""
    day_labels: tuple[str, ...] = ()
    keep: tuple[Keep, ...] = ()
    history: tuple[tuple[str, tuple[str | None, ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.days <= 0:
            msg = f"A roster needs at least one day, not {self.days}."
            raise ProblemError(msg)
        sids = [s.id for s in self.shifts]
        if len(set(sids)) != len(sids) or not sids:
            msg = "Shift ids must be unique and there must be at least one shift."
            raise ProblemError(msg)
        pids = [p.id for p in self.staff]
        if len(set(pids)) != len(pids):
            msg = "Staff ids must be unique."
            raise ProblemError(msg)
        known_s, known_p = set(sids), set(pids)
        for s in self.shifts:
            bad = s.forbidden_next - known_s
            if bad:
                msg = f"Shift {s.id!r} forbids unknown next shift {sorted(bad)[0]!r}."
                raise ProblemError(msg)
        for p in self.staff:
            for sid, _ in p.max_shifts:
                if sid not in known_s:
                    msg = f"Staff {p.id!r} limits unknown shift {sid!r}."
                    raise ProblemError(msg)
            for d in p.days_off:
                self._check_day(d, f"day off of {p.id!r}")
        for c in self.cover:
            self._check_day(c.day, "cover")
            if c.shift not in known_s or c.requirement < 0:
                msg = f"Cover on day {c.day} names unknown shift {c.shift!r} or a negative need."
                raise ProblemError(msg)
        for r in self.requests:
            self._check_day(r.day, f"request of {r.staff!r}")
            if r.staff not in known_p or r.shift not in known_s:
                msg = (
                    f"Request on day {r.day} names unknown staff {r.staff!r} or shift {r.shift!r}."
                )
                raise ProblemError(msg)
        for pin in self.pins:
            self._check_day(pin.day, f"pin of {pin.staff!r}")
            if pin.staff not in known_p or (pin.shift is not None and pin.shift not in known_s):
                msg = (
                    f"Pin on day {pin.day} names unknown staff {pin.staff!r} "
                    f"or shift {pin.shift!r}."
                )
                raise ProblemError(msg)
        for k in self.keep:
            self._check_day(k.day, f"kept cell of {k.staff!r}")
            if k.staff not in known_p or (k.shift is not None and k.shift not in known_s):
                msg = (
                    f"Kept cell on day {k.day} names unknown staff {k.staff!r} "
                    f"or shift {k.shift!r}."
                )
                raise ProblemError(msg)
        for sid, tail in self.history:
            if sid not in known_p:
                msg = f"The days before the roster name unknown staff {sid!r}."
                raise ProblemError(msg)
            bad_s = {x for x in tail if x is not None} - known_s
            if bad_s:
                msg = f"The days before the roster give {sid!r} unknown shift {sorted(bad_s)[0]!r}."
                raise ProblemError(msg)
        pat = self.rules.pattern
        if pat is not None:
            if not pat.cycle:
                msg = "A rotation pattern needs at least one entry."
                raise ProblemError(msg)
            for entry in pat.cycle:
                if entry is not None and entry not in known_s:
                    msg = f"The rotation pattern names unknown shift {entry!r}."
                    raise ProblemError(msg)
        crew = self.rules.crew
        if crew is not None:
            for g, _ in crew.members:
                if g not in known_p:
                    msg = f"Crew lists members for unknown group {g!r}."
                    raise ProblemError(msg)

    def _check_day(self, day: int, what: str) -> None:
        if not 0 <= day < self.days:
            msg = f"The {what} is on day {day}, outside the horizon 0..{self.days - 1}."
            raise ProblemError(msg)

    # --- helpers -------------------------------------------------------------------------
    def shift(self, shift_id: str) -> ShiftType:
        """Return the shift type with id ``shift_id``."""
        for s in self.shifts:
            if s.id == shift_id:
                return s
        msg = f"Unknown shift {shift_id!r}."
        raise ProblemError(msg)

    def is_weekend(self, day: int) -> bool:
        """Whether ``day`` is a Saturday or Sunday."""
        return (self.start_weekday + day) % 7 >= 5

    def weekends(self) -> list[list[int]]:
        """Days of each weekend (Saturday/Sunday pairs, partial at the edges)."""
        out: dict[int, list[int]] = {}
        for d in range(self.days):
            if self.is_weekend(d):
                out.setdefault((self.start_weekday + d) // 7, []).append(d)
        return [out[k] for k in sorted(out)]

    def history_of(self, staff_id: str) -> tuple[str | None, ...]:
        """Shifts of ``staff_id`` on the days before day 0, oldest first (empty if none)."""
        return dict(self.history).get(staff_id, ())

    def day_label(self, day: int) -> str:
        """Return a readable label of ``day``."""
        if self.day_labels and 0 <= day < len(self.day_labels):
            return self.day_labels[day]
        return f"day {day}"


def rest_conflicts(problem: RosterProblem) -> list[tuple[str, int, str, str]]:
    """Pairs of shifts too close together under the rest rules.

    Returns
    -------
    list of tuple
        ``(first shift, day gap k >= 1, later shift, rule)`` where working ``later`` ``k`` days
        after ``first`` breaks the rule ``"min_rest"``, ``"rest_after_night"`` (a non-night
        shift too soon after a night; nights in a row are limited separately) or
        ``"overlap"``.
    """
    rules = problem.rules
    out: list[tuple[str, int, str, str]] = []
    for a in problem.shifts:
        if a.start is None:
            continue
        end = a.start + a.minutes
        for b in problem.shifts:
            if b.start is None:
                continue
            need: list[tuple[int, str]] = []
            if rules.min_rest_minutes is not None:
                need.append((rules.min_rest_minutes, "min_rest"))
            if rules.rest_after_night_minutes is not None and a.is_night and not b.is_night:
                need.append((rules.rest_after_night_minutes, "rest_after_night"))
            need.append((0, "overlap"))
            for k in range(1, 8):
                gap = k * DAY_MINUTES + b.start - end
                broken = [rule for minutes, rule in need if gap < minutes]
                if broken:
                    rule = "overlap" if "overlap" in broken else broken[-1]
                    out.append((a.id, k, b.id, rule))
    return out
