"""The roster in force as the baseline of a new solve: kept cells, a frozen past and carry-in.

A captain's roster lives: leave comes in after it is published, and next month follows this
one. Given the roster in force (a ``plan.json`` or the JSON of ``patrol roster --json``):

- each of its cells inside the new period is kept at a cost per changed cell
  (:class:`~planner.roster.model.Keep`), so the solver moves only what it must;
- cells before the freeze date are pinned as they are (the past, or days already handed out);
- its days just before the new period become the problem's history, so rest, nights in a row
  and days in a row hold across the boundary, and the rotation goes on from where it stood.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.exceptions import RulesError
from planner.roster.model import Keep, Pin

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.patrol.roster import PatrolRoster

#: Penalty per changed cell of the roster in force: above a rotation day (2) or a fill-in (5),
#: below a night too many in a row (50), so the solver moves a cell only for a real gain.
CHANGE_WEIGHT = 20

#: Days before the period carried in (rest rules reach back at most a week).
CARRY_DAYS = 14


@dataclass(frozen=True, slots=True)
class Baseline:
    """A roster in force: the shift (or ``None`` for off) of each group on each date.

    Parameters
    ----------
    dates
        Consecutive dates the roster covers.
    schedule
        Group id -> one shift id or ``None`` per date.
    source
        The file it was read from, for messages.
    lending
        ``(member id, group id, date)``: the members lent to groups (fill-ins), so that their
        rest, too, holds across the boundary.
    """

    dates: tuple[dt.date, ...]
    schedule: dict[str, tuple[str | None, ...]]
    source: str = "baseline"
    lending: tuple[tuple[str, str, dt.date], ...] = ()

    def on(self, group: str, day: dt.date) -> str | None:
        """Shift of ``group`` on ``day`` (``None`` when off)."""
        return self.schedule[group][self.dates.index(day)]


def _fail(source: str, what: str) -> RulesError:
    return RulesError(f"The baseline {source} {what}.")


def baseline_from_dict(data: Any, *, source: str = "baseline") -> Baseline:
    """Read a baseline from a plan document or a ``patrol roster --json`` document.

    Raises
    ------
    RulesError
        One sentence naming the file and what is wrong with it.
    """
    if not isinstance(data, dict):
        raise _fail(source, "is not a JSON object")
    if isinstance(data.get("roster"), dict):  # plan.json
        schedule = data["roster"].get("schedule")
        loans = [
            (f.get("member_id"), f.get("group_id"), f.get("date"))
            for f in _records(data["roster"].get("fill_ins", []), source, "roster.fill_ins")
        ]
        start, days = data.get("start"), data.get("days")
        if not isinstance(start, str) or not isinstance(days, int) or days < 1:
            raise _fail(source, "has no valid start and days")
        try:
            first = dt.date.fromisoformat(start)
        except ValueError as exc:
            raise _fail(source, f"has start {start!r}, which is not a date") from exc
        dates = tuple(first + dt.timedelta(days=i) for i in range(days))
    elif "assignment" in data:  # patrol roster --json
        if data.get("status") not in ("optimal", "feasible"):
            raise _fail(source, f"holds no roster (status {data.get('status')!r})")
        schedule = data["assignment"]
        loans = [
            (f.get("member"), f.get("group"), f.get("date"))
            for f in _records(data.get("lending", []), source, "lending")
        ]
        raw = data.get("dates")
        if not isinstance(raw, list) or not raw:
            raise _fail(source, "has no dates")
        try:
            dates = tuple(dt.date.fromisoformat(str(d)) for d in raw)
        except ValueError as exc:
            raise _fail(source, "has a date that is not a date") from exc
        if any(b - a != dt.timedelta(days=1) for a, b in itertools.pairwise(dates)):
            raise _fail(source, "has dates that are not consecutive days")
    else:
        raise _fail(source, "is neither a plan.json nor a `patrol roster --json` roster")
    if not isinstance(schedule, dict) or not schedule:
        raise _fail(source, "has no roster of groups")
    out: dict[str, tuple[str | None, ...]] = {}
    for group, row in schedule.items():
        if not isinstance(row, list) or len(row) != len(dates):
            raise _fail(source, f"gives group {group} a row that is not one shift per date")
        if any(s is not None and not isinstance(s, str) for s in row):
            raise _fail(source, f"gives group {group} a shift that is not an id")
        out[str(group)] = tuple(row)
    lending = []
    for member, group, day in loans:
        if not isinstance(member, str) or group not in out or not isinstance(day, str):
            raise _fail(source, f"lends {member!r} to {group!r}, which is not a member and group")
        try:
            when = dt.date.fromisoformat(day)
        except ValueError as exc:
            raise _fail(source, f"lends {member} on {day!r}, which is not a date") from exc
        lending.append((member, str(group), when))
    return Baseline(dates, out, source, tuple(lending))


def _records(value: Any, source: str, where: str) -> list[dict[str, Any]]:
    """Return the list of objects at ``where`` (fill-ins), or fail in one sentence."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(source, f"has {where} that is not a list of objects")
    return value


def read_baseline(path: str | Path) -> Baseline:
    """Read the roster in force from ``path`` (plan.json or ``patrol roster --json``).

    Raises
    ------
    RulesError
        One sentence when the file cannot be read or is not a roster.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"The baseline {path} cannot be read ({exc.strerror or exc})."
        raise RulesError(msg) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path.name, "is not JSON") from exc
    return baseline_from_dict(data, source=path.name)


def _check_fits(roster: PatrolRoster, base: Baseline, freeze_until: dt.date | None) -> None:
    pr = roster.problem
    groups = [s.id for s in pr.staff]
    if set(base.schedule) != set(groups):
        msg = (
            f"The baseline {base.source} is for groups {', '.join(sorted(base.schedule))}, "
            f"not this team's {', '.join(groups)}."
        )
        raise RulesError(msg)
    known = {s.id for s in pr.shifts}
    for g, row in base.schedule.items():
        bad = sorted({s for s in row if s is not None} - known)
        if bad:
            msg = (
                f"The baseline {base.source} gives group {g} shift {bad[0]!r}, "
                "which the rules file does not define."
            )
            raise RulesError(msg)
    first, last = roster.dates[0], roster.dates[-1]
    overlaps = base.dates[0] <= last and base.dates[-1] >= first
    adjoins = base.dates[-1] == first - dt.timedelta(days=1)
    if not overlaps and not adjoins:
        msg = (
            f"The baseline {base.source} covers {base.dates[0]} to {base.dates[-1]}, which "
            f"neither overlaps {first} to {last} nor ends the day before it."
        )
        raise RulesError(msg)
    if freeze_until is not None:
        if not first <= freeze_until <= last:
            msg = f"--freeze-until {freeze_until} is outside the roster's period {first} to {last}."
            raise RulesError(msg)
        missing = [d for d in roster.dates if d < freeze_until and d not in base.dates]
        if missing:
            msg = (
                f"The baseline {base.source} has no roster for {missing[0]}, so the days "
                f"before {freeze_until} cannot be kept as they are."
            )
            raise RulesError(msg)


def _rotation_offsets(
    roster: PatrolRoster, history: Mapping[str, Sequence[str | None]]
) -> tuple[tuple[str, int], ...]:
    """Offsets that continue the rotation from the days before the period."""
    pat = roster.problem.rules.pattern
    if pat is None:
        return ()
    length = len(pat.cycle)
    fixed = dict(pat.offsets)
    out = dict(fixed)
    for g, tail in history.items():
        if g in fixed or len(tail) < length:
            continue
        # Day -j of the history is day d = -j of the period: cycle[(d + o) % length].
        n = len(tail)
        out[g] = min(
            range(length),
            key=lambda o: sum(tail[i] != pat.cycle[(i - n + o) % length] for i in range(n)),
        )
    return tuple(sorted(out.items()))


def apply_baseline(
    roster: PatrolRoster,
    base: Baseline,
    *,
    freeze_until: dt.date | None = None,
    weight: int = CHANGE_WEIGHT,
) -> PatrolRoster:
    """Make the roster problem keep ``base``: kept cells, frozen days and the days before.

    Parameters
    ----------
    roster
        The patrol roster problem of the new period.
    base
        The roster in force.
    freeze_until
        Cells before this date are kept exactly as in ``base``; ``None`` freezes nothing.
    weight
        Penalty per cell of ``base`` inside the period that the new roster changes.

    Returns
    -------
    PatrolRoster
        The same roster with the baseline in its problem and ``baseline`` set.

    Raises
    ------
    RulesError
        When ``base`` is for other groups, another period, or the freeze date is outside the
        period (one sentence).
    """
    _check_fits(roster, base, freeze_until)
    pr = roster.problem
    index = {d: i for i, d in enumerate(base.dates)}
    keep: list[Keep] = []
    pins = list(pr.pins)
    pinned = {(p.staff, p.day) for p in pins}
    for day, date in enumerate(roster.dates):
        at = index.get(date)
        if at is None:
            continue
        for g, row in base.schedule.items():
            if freeze_until is not None and date < freeze_until:
                if (g, day) not in pinned:
                    pins.append(Pin(g, day, row[at]))
            else:
                keep.append(Keep(g, day, row[at], weight))
    history: dict[str, tuple[str | None, ...]] = {}
    before = [
        index[d]
        for d in (roster.dates[0] - dt.timedelta(days=j) for j in range(CARRY_DAYS, 0, -1))
        if d in index
    ]
    if before:
        history = {g: tuple(row[i] for i in before) for g, row in base.schedule.items()}
    rules = pr.rules
    if rules.pattern is not None and history:
        offsets = _rotation_offsets(roster, history)
        rules = dataclasses.replace(
            rules, pattern=dataclasses.replace(rules.pattern, offsets=offsets)
        )
    lent = carried_loans(base, roster.dates[0])
    if rules.crew is not None and lent:
        rules = dataclasses.replace(
            rules, crew=dataclasses.replace(rules.crew, lent_before=tuple(sorted(lent.items())))
        )
    problem = dataclasses.replace(
        pr,
        pins=tuple(pins),
        keep=tuple(keep),
        history=tuple(sorted(history.items())),
        rules=rules,
    )
    notes = list(roster.notes)
    if history:
        notes.append(
            f"The {len(before)} day(s) before {roster.dates[0]} come from the baseline "
            f"{base.source}: rest and rotation go on from there."
        )
    return dataclasses.replace(
        roster, problem=problem, baseline=base, freeze_until=freeze_until, notes=tuple(notes)
    )


def carry_in_days(base: Baseline, first: dt.date) -> list[dt.date]:
    """Return the baseline's dates among the :data:`CARRY_DAYS` before ``first``, in order."""
    known = set(base.dates)
    return [
        d for d in (first - dt.timedelta(days=j) for j in range(CARRY_DAYS, 0, -1)) if d in known
    ]


def carried_loans(base: Baseline, first: dt.date) -> dict[str, tuple[str | None, ...]]:
    """Return, per member lent in the days carried in, the shift it worked each of those days.

    The shift is that of the group it was lent to (``None``: not lent that day, or the group
    was off), oldest first and ending the day before ``first``, like the groups' history.
    """
    days = carry_in_days(base, first)
    at = {d: i for i, d in enumerate(days)}
    out: dict[str, list[str | None]] = {}
    for member, group, day in base.lending:
        if day not in at:
            continue
        row = out.setdefault(member, [None] * len(days))
        row[at[day]] = base.on(group, day)
    return {m: tuple(row) for m, row in out.items() if any(row)}


def changed_cells(
    roster: PatrolRoster, assignment: Mapping[str, Sequence[str | None]]
) -> list[dict[str, Any]]:
    """Cells of the new roster that differ from its baseline, by date and group.

    Returns
    -------
    list of dict
        ``{"date", "group", "before", "after"}`` (shift ids, ``None`` for off); empty when the
        roster has no baseline.
    """
    base = roster.baseline
    if base is None:
        return []
    out = []
    index = {d: i for i, d in enumerate(base.dates)}
    for day, date in enumerate(roster.dates):
        at = index.get(date)
        if at is None:
            continue
        for g in sorted(base.schedule):
            before, after = base.schedule[g][at], assignment[g][day]
            if before != after:
                out.append({"date": date.isoformat(), "group": g, "before": before, "after": after})
    return out
