"""Independent roster check: every hard rule and every penalty recomputed from the roster alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner.checks import rulebook
from planner.roster.model import rest_conflicts

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from planner.roster.model import RosterProblem, Staff

Assignment = dict[str, list[str | None]]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which rule, whom, which days, the penalty and a sentence saying it."""

    rule: str
    staff: str
    days: tuple[int, ...]
    penalty: int
    message: str


@dataclass(frozen=True, slots=True)
class RosterCheck:
    """What the validator found: hard violations (must be none) and soft penalties."""

    hard: tuple[Violation, ...] = ()
    soft: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether no hard rule is broken."""
        return not self.hard

    @property
    def objective(self) -> int:
        """Sum of all soft penalties."""
        return sum(v.penalty for v in self.soft)

    def penalties_by_rule(self) -> dict[str, int]:
        """Total penalty per soft rule."""
        out: dict[str, int] = {}
        for v in self.soft:
            out[v.rule] = out.get(v.rule, 0) + v.penalty
        return out


def span(problem: RosterProblem, first: int, last: int) -> str:
    """Readable day range, e.g. ``"12–14 Dec"`` or ``"day 3"``."""
    a, b = problem.day_label(first), problem.day_label(last)
    if first == last:
        return a
    pa, pb = a.split(" ", 1), b.split(" ", 1)
    if len(pa) == 2 and len(pb) == 2 and pa[1] == pb[1] and pa[0].isdigit():
        return f"{pa[0]}–{b}"
    if a.startswith("day ") and b.startswith("day "):
        return f"days {first}–{last}"
    return f"{a}–{b}"


@dataclass
class _Checker:
    pr: RosterProblem
    a: Mapping[str, Sequence[str | None]]
    lending: Sequence[tuple[str, str, int]]
    hard: list[Violation] = field(default_factory=list)
    soft: list[Violation] = field(default_factory=list)

    def h(self, rule: str, staff: str, days: Sequence[int], msg: str) -> None:
        self.hard.append(Violation(rule, staff, tuple(days), 0, msg))

    def s(self, rule: str, staff: str, days: Sequence[int], pen: int, msg: str) -> None:
        if pen:
            self.soft.append(Violation(rule, staff, tuple(days), pen, msg))

    def runs(self, flags: Sequence[bool]) -> list[tuple[int, int]]:
        """(first, last) day of each run of True."""
        out, start = [], None
        for d, f in enumerate([*flags, False]):
            if f and start is None:
                start = d
            elif not f and start is not None:
                out.append((start, d - 1))
                start = None
        return out


def check_roster(
    problem: RosterProblem,
    assignment: Mapping[str, Sequence[str | None]],
    lending: Sequence[tuple[str, str, int]] = (),
) -> RosterCheck:
    """Recompute every hard rule and soft penalty of a roster, without any solver.

    Parameters
    ----------
    problem
        The roster problem.
    assignment
        Staff id -> shift id or ``None`` (off) for each day.
    lending
        ``(member, group, day)``: a reserve or neighbour-group member filling in for a group.

    Returns
    -------
    RosterCheck
        Hard violations and soft penalties, each with a sentence in words.
    """
    pr = problem
    c = _Checker(pr, assignment, lending)
    sids = {s.id: s for s in pr.shifts}
    for st in pr.staff:
        row = list(assignment.get(st.id, []))
        if len(row) != pr.days:
            c.h("shape", st.id, [], f"{st.label} has {len(row)} days in the roster, not {pr.days}.")
            return RosterCheck(tuple(c.hard), ())
        for d, sid in enumerate(row):
            if sid is not None and sid not in sids:
                c.h("shape", st.id, [d], f"{st.label} has unknown shift {sid!r} on day {d}.")
                return RosterCheck(tuple(c.hard), ())
    unknown = set(assignment) - {s.id for s in pr.staff}
    if unknown:
        c.h(
            "shape",
            sorted(unknown)[0],
            [],
            f"The roster names unknown staff {sorted(unknown)[0]!r}.",
        )
    _check_hard(c)
    _check_soft(c)
    return RosterCheck(tuple(c.hard), tuple(c.soft))


def _check_hard(c: _Checker) -> None:
    pr = c.pr
    conflicts = rest_conflicts(pr)
    for st in pr.staff:
        row = c.a[st.id]
        who = st.label
        work = [sid is not None for sid in row]
        for d in sorted(st.days_off):
            if row[d] is not None:
                c.h("days_off", st.id, [d], f"{who} works on {pr.day_label(d)}, a fixed day off.")
        for d in range(pr.days - 1):
            before, after = row[d], row[d + 1]
            if before is not None and after in pr.shift(before).forbidden_next:
                c.h(
                    "forbidden_succession",
                    st.id,
                    [d, d + 1],
                    f"{who} works {after} on {pr.day_label(d + 1)} right after "
                    f"{before}, which it may not follow.",
                )
        for aid, k, bid, rule in conflicts:
            for d in range(pr.days - k):
                if row[d] == aid and row[d + k] == bid:
                    what = "rest after a night" if rule == "rest_after_night" else "rest"
                    c.h(
                        "min_rest" if rule == "overlap" else rule,
                        st.id,
                        [d, d + k],
                        f"{who} works {bid} on {pr.day_label(d + k)} without enough {what} "
                        f"after {aid} on {pr.day_label(d)}.",
                    )
        _check_carry_in(c, st.id, conflicts)
        for shift in pr.shifts:
            n = st.max_of(shift.id)
            got = sum(sid == shift.id for sid in row)
            if n is not None and got > n:
                c.h(
                    "max_shifts_of_type",
                    st.id,
                    [],
                    f"{who} works {got} {shift.label} shifts; limit {n}.",
                )
        minutes = sum(pr.shift(sid).minutes for sid in row if sid is not None)
        if st.max_minutes is not None and minutes > st.max_minutes:
            c.h("max_minutes", st.id, [], f"{who} works {minutes} min; limit {st.max_minutes}.")
        if st.min_minutes and minutes < st.min_minutes:
            c.h("min_minutes", st.id, [], f"{who} works {minutes} min; at least {st.min_minutes}.")
        run_before = _trailing(pr.history_of(st.id), lambda sid: sid is not None)
        for first, last in c.runs(work):
            n = last - first + 1 + (run_before if first == 0 else 0)
            if st.max_consecutive is not None and n > st.max_consecutive:
                c.h(
                    "max_consecutive",
                    st.id,
                    range(first, last + 1),
                    f"{who} works {n} days in a row, {span(pr, first, last)}; "
                    f"limit {st.max_consecutive}.",
                )
        _check_min_runs(c, st, who, work)
        if st.max_weekends is not None:
            worked = sum(any(work[d] for d in days) for days in pr.weekends())
            if worked > st.max_weekends:
                c.h(
                    "max_weekends",
                    st.id,
                    [],
                    f"{who} works {worked} weekends; limit {st.max_weekends}.",
                )
        if pr.rules.max_nights_in_row is not None and pr.rules.max_nights_weight is None:
            for first, last, n in _night_runs(c, st.id, row):
                if n > pr.rules.max_nights_in_row:
                    c.h(
                        "max_nights_in_row",
                        st.id,
                        range(first, last + 1),
                        f"{who} works {n} nights in a row, {span(pr, first, last)}; "
                        f"limit {pr.rules.max_nights_in_row}.",
                    )
        pat = pr.rules.pattern
        if pat is not None and pat.weight is None:
            n, days = _pattern_deviation(c, st.id, row)
            if n:
                c.h(
                    "pattern",
                    st.id,
                    days,
                    f"{who} leaves the rotation on {n} day(s): {_days_text(pr, days)}.",
                )
    for pin in pr.pins:
        have = c.a[pin.staff][pin.day]
        if have != pin.shift:
            want = "off" if pin.shift is None else pin.shift
            c.h(
                "pinned",
                pin.staff,
                [pin.day],
                f"{pin.staff} is pinned to {want} on {pr.day_label(pin.day)} "
                f"but has {have or 'off'}.",
            )
    for cov in pr.cover:
        n = sum(c.a[st.id][cov.day] == cov.shift for st in pr.staff)
        if cov.under_weight is None and n < cov.requirement:
            c.h(
                "cover",
                "",
                [cov.day],
                f"{cov.shift} on {pr.day_label(cov.day)} has {n} of {cov.requirement} needed.",
            )
        if cov.over_weight is None and n > cov.requirement:
            c.h(
                "cover",
                "",
                [cov.day],
                f"{cov.shift} on {pr.day_label(cov.day)} has {n}, more than {cov.requirement}.",
            )
    _check_crew(c)


def _check_crew(c: _Checker) -> None:
    pr = c.pr
    crew = pr.rules.crew
    if crew is None:
        if c.lending:
            c.h("min_crew", "", [], "The roster lends members but the problem has no crew rules.")
        return
    owner = {mem: g for g, mems in crew.members for mem in mems}
    seen: set[tuple[str, int]] = set()
    lent: dict[tuple[str, int], int] = {}
    for mem, g, d in c.lending:
        where = f"{mem} lent to {g} on {pr.day_label(d) if 0 <= d < pr.days else d}"
        if g not in dict(crew.members) or not 0 <= d < pr.days:
            c.h("min_crew", g, [], f"{where}: unknown group or day.")
            continue
        if (mem, d) in seen:
            c.h("min_crew", g, [d], f"{where}: the member is lent twice that day.")
        seen.add((mem, d))
        if (mem, d) in crew.leave:
            c.h("min_crew", g, [d], f"{where}: the member is on leave.")
        h = owner.get(mem)
        if h is None and mem not in crew.reserves:
            c.h("min_crew", g, [d], f"{where}: not a reserve or neighbour member.")
        if h is not None and (h not in crew.neighbours_of(g) or c.a[h][d] is not None):
            c.h("min_crew", g, [d], f"{where}: its own group is not an off-duty neighbour.")
        if c.a[g][d] is None:
            c.h("min_crew", g, [d], f"{where}: the group is off that day.")
        lent[g, d] = lent.get((g, d), 0) + 1
    _check_member_rest(c, owner)
    for g, _ in crew.members:
        label = next(s.label for s in pr.staff if s.id == g)
        for d in range(pr.days):
            if c.a[g][d] is None:
                continue
            have = crew.present(g, d) + lent.get((g, d), 0)
            if have < crew.min_members:
                c.h(
                    "min_crew",
                    g,
                    [d],
                    f"{label} is on {c.a[g][d]} on {pr.day_label(d)} with {have} members; "
                    f"needs {crew.min_members}.",
                )


def _check_member_rest(c: _Checker, owner: dict[str, str]) -> None:
    """Rest rules for each member who is lent, across own-group shifts and loans."""
    pr = c.pr
    crew = pr.rules.crew
    assert crew is not None
    conflicts = {(a, k, b) for a, k, b, _ in rest_conflicts(pr)}
    lent_members = {mem for mem, _, _ in c.lending} | {mem for mem, _ in crew.lent_before}
    for mem in sorted(lent_members):
        shifts: list[tuple[int, str, str]] = []
        home = owner.get(mem)
        # The days just before the period: its group's shifts and its loans then.
        for tail, g0 in (
            (pr.history_of(home) if home is not None else (), home or ""),
            (crew.lent_before_of(mem), "a group"),
        ):
            for j, sid in enumerate(tail):
                if sid is not None:
                    shifts.append((j - len(tail), sid, g0))
        if home is not None:
            for d, sid in enumerate(c.a[home]):
                if sid is not None and (mem, d) not in crew.leave:
                    shifts.append((d, sid, home))
        for who, g, d in c.lending:
            if who == mem and 0 <= d < pr.days and c.a[g][d] is not None:
                shifts.append((d, str(c.a[g][d]), g))
        shifts.sort()
        for i, (d1, s1, g1) in enumerate(shifts):
            for d2, s2, g2 in shifts[i + 1 :]:
                if d2 > d1 and d2 >= 0 and (s1, d2 - d1, s2) in conflicts:
                    if d1 < 0 and g1 == g2 == home:
                        continue  # its group's own carry-in, checked with the group
                    c.h(
                        "min_rest",
                        g2,
                        [d1, d2] if d1 >= 0 else [d2],
                        f"{mem} works {s1} with {g1} on {pr.day_label(d1)} and {s2} with {g2} "
                        f"on {pr.day_label(d2)} without enough rest.",
                    )


def _trailing(tail: Sequence[str | None], pred: Callable[[str | None], bool]) -> int:
    n = 0
    for sid in reversed(tail):
        if not pred(sid):
            break
        n += 1
    return n


def _check_carry_in(
    c: _Checker, staff: str, conflicts: Sequence[tuple[str, int, str, str]]
) -> None:
    """Successions and rest from the days just before day 0 into the period."""
    pr = c.pr
    tail = pr.history_of(staff)
    if not tail:
        return
    row = c.a[staff]
    who = next(s.label for s in pr.staff if s.id == staff)
    last = tail[-1]
    if last is not None and row[0] is not None and row[0] in pr.shift(last).forbidden_next:
        c.h(
            "forbidden_succession",
            staff,
            [0],
            f"{who} works {row[0]} on {pr.day_label(0)} right after {last} the day before, "
            "which it may not follow.",
        )
    for aid, k, bid, rule in conflicts:
        for j in range(1, min(k, len(tail)) + 1):
            d = k - j
            if tail[-j] == aid and d < pr.days and row[d] == bid:
                what = "rest after a night" if rule == "rest_after_night" else "rest"
                when = "the day" if j == 1 else f"{j} days"
                c.h(
                    "min_rest" if rule == "overlap" else rule,
                    staff,
                    [d],
                    f"{who} works {bid} on {pr.day_label(d)} without enough {what} after "
                    f"{aid} {when} before the period.",
                )


def _check_min_runs(c: _Checker, st: Staff, who: str, work: Sequence[bool]) -> None:
    """Fewest days in a row and fewest days off in a row, with the days before day 0.

    Runs are read over the tail carried in and the period together. A run is held to its
    minimum when its first day is known (it does not start with the tail, or with day 0 when
    nothing is carried in), it does not touch the last day, and it ends on the day before
    the period or later (runs wholly before that were judged in their own period).
    """
    pr = c.pr
    tail = pr.history_of(st.id)
    before = len(tail)
    flags = [sid is not None for sid in tail] + list(work)
    for on, k, rule in (
        (True, st.min_consecutive, "min_consecutive"),
        (False, st.min_consecutive_off, "min_consecutive_off"),
    ):
        if not k or k <= 1:
            continue
        for a, b in c.runs([f == on for f in flags]):
            n = b - a + 1
            if a == 0 or b == len(flags) - 1 or b < before - 1 or n >= k:
                continue
            first, last = a - before, b - before
            if last < 0:
                where = "ending the day before the period"
            else:
                where = span(pr, max(0, first), last)
                if first < 0:
                    where += f" ({-first} of them before the period)"
            what = "works only {n} days in a row" if on else "has only {n} days off in a row"
            c.h(
                rule,
                st.id,
                range(max(0, first), max(0, last) + 1),
                f"{who} {what.format(n=n)}, {where}; at least {k}.",
            )


def _night_runs(c: _Checker, staff: str, row: Sequence[str | None]) -> list[tuple[int, int, int]]:
    """Return runs of nights ``(first, last, counted)``, counting nights before day 0.

    ``counted`` is the run's length with those nights, less those already beyond the
    limit before the period (they were counted then).
    """
    pr = c.pr
    night = [sid is not None and pr.shift(sid).is_night for sid in row]
    out = []
    k = pr.rules.max_nights_in_row or 0
    for a, b in c.runs(night):
        n = b - a + 1
        if a == 0:
            before = _trailing(
                pr.history_of(staff), lambda sid: sid is not None and pr.shift(sid).is_night
            )
            n += before - max(0, before - k)
        out.append((a, b, n))
    return out


def _pattern_deviation(c: _Checker, staff: str, row: Sequence[str | None]) -> tuple[int, list[int]]:
    """Fewest days off the rotation over the allowed offsets, and those days."""
    pat = c.pr.rules.pattern
    assert pat is not None
    length = len(pat.cycle)
    fixed = dict(pat.offsets)
    offsets = [fixed[staff] % length] if staff in fixed else range(length)
    best: list[int] | None = None
    for o in offsets:
        days = [d for d in range(c.pr.days) if row[d] != pat.cycle[(d + o) % length]]
        if best is None or len(days) < len(best):
            best = days
    assert best is not None
    return len(best), best


def _days_text(pr: RosterProblem, days: Sequence[int]) -> str:
    shown = ", ".join(pr.day_label(d) for d in days[:6])
    return shown + (", ..." if len(days) > 6 else "")


def _check_soft(c: _Checker) -> None:
    pr = c.pr
    labels = {s.id: s.label for s in pr.staff}
    for r in pr.requests:
        got = c.a[r.staff][r.day]
        day = pr.day_label(r.day)
        if r.on and got != r.shift:
            c.s(
                "shift_on_request",
                r.staff,
                [r.day],
                r.weight,
                f"{labels[r.staff]} asked to work {r.shift} on {day} but has {got or 'off'}.",
            )
        if not r.on and got == r.shift:
            c.s(
                "shift_off_request",
                r.staff,
                [r.day],
                r.weight,
                f"{labels[r.staff]} asked not to work {r.shift} on {day} but does.",
            )
    for cov in pr.cover:
        n = sum(c.a[st.id][cov.day] == cov.shift for st in pr.staff)
        day = pr.day_label(cov.day)
        if cov.under_weight is not None and n < cov.requirement:
            c.s(
                "cover_under",
                "",
                [cov.day],
                cov.under_weight * (cov.requirement - n),
                f"{cov.shift} on {day} has {n} of {cov.requirement} needed.",
            )
        if cov.over_weight is not None and n > cov.requirement:
            c.s(
                "cover_over",
                "",
                [cov.day],
                cov.over_weight * (n - cov.requirement),
                f"{cov.shift} on {day} has {n}, {n - cov.requirement} more than the "
                f"{cov.requirement} needed.",
            )
    rules = pr.rules
    for st in pr.staff:
        row = c.a[st.id]
        if rules.max_nights_in_row is not None and rules.max_nights_weight is not None:
            k = rules.max_nights_in_row
            for first, last, n in _night_runs(c, st.id, row):
                if n > k:
                    c.s(
                        "max_nights_in_row",
                        st.id,
                        range(first, last + 1),
                        rules.max_nights_weight * (n - k),
                        f"{st.label} works {n} nights in a row, {span(pr, first, last)}; "
                        f"limit {k}.",
                    )
        pat = rules.pattern
        if pat is not None and pat.weight is not None:
            n, days = _pattern_deviation(c, st.id, row)
            c.s(
                "pattern",
                st.id,
                days,
                pat.weight * n,
                f"{st.label} leaves the rotation on {n} day(s): {_days_text(pr, days)}.",
            )
    for kept in pr.keep:
        got = c.a[kept.staff][kept.day]
        if got != kept.shift:
            c.s(
                "changed",
                kept.staff,
                [kept.day],
                kept.weight,
                f"{labels[kept.staff]} changes from {kept.shift or 'off'} to {got or 'off'} on "
                f"{pr.day_label(kept.day)}.",
            )
    _fair_soft(c)
    _rule_modules(c)
    crew = rules.crew
    if crew is not None:
        for mem, g, d in c.lending:
            c.s(
                "lend",
                g,
                [d],
                crew.lend_weight,
                f"{mem} fills in for {labels.get(g, g)} on {pr.day_label(d)}.",
            )


def _rule_modules(c: _Checker) -> None:
    """Each registered rule check, for the rules the problem switches on."""
    for check in rulebook.checks():
        param = c.pr.rules.param(check.name)
        if param is None:
            continue
        for f in check.check(c.pr, c.a, param):
            if check.hard:
                c.h(check.name, f.staff, f.days, f.message)
            else:
                c.s(check.name, f.staff, f.days, f.penalty, f.message)


def _fair_soft(c: _Checker) -> None:
    pr = c.pr
    rules = pr.rules
    if len(pr.staff) < 2:
        return
    wdays = [d for d in range(pr.days) if pr.is_weekend(d)]
    kinds = [
        (
            "fair_nights",
            rules.fair_nights_weight,
            "nights",
            lambda row: sum(s is not None and pr.shift(s).is_night for s in row),
            True,
        ),
        (
            "fair_weekends",
            rules.fair_weekends_weight,
            "weekend shifts",
            lambda row: sum(row[d] is not None for d in wdays),
            True,
        ),
    ]
    for rule, weight, words, count, active in kinds:
        if weight <= 0 or not active:
            continue
        counts = {st.id: count(c.a[st.id]) for st in pr.staff}
        hi = max(counts.values())
        lo = min(counts.values())
        if hi > lo:
            most = next(s.label for s in pr.staff if counts[s.id] == hi)
            least = next(s.label for s in pr.staff if counts[s.id] == lo)
            c.s(
                rule,
                "",
                [],
                weight * (hi - lo),
                f"{most} works {hi} {words} but {least} only {lo} (spread {hi - lo}).",
            )
