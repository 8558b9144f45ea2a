"""Neighbourhood search over roster rows with small sub-models, for problems too large to model.

Design: a move frees some staff over a window of whole weeks and re-solves only them, with
CP-SAT, on a sub-problem of their own: the window plus a margin of whole weeks on each side
whose cells are pinned to the current roster, so that run lengths, days off in a row and
successions across the window's edges hold. What the sub-problem does not see is taken off
each person's limits (minutes, shifts of each kind and weekends worked outside it) and off the
cover (people of the other staff already on each shift of the window). Because the window is
made of whole weeks, no weekend is split between inside and outside. A move is kept when the
sub-problem's objective, recomputed by the independent checker, goes down; that is then the
whole roster's change. The full model is never built, so memory stays that of the largest
sub-model (the full model of 150 staff x 364 days x 33 shift types took several GB and tens of
seconds to build, and cloning it for each move took longer than the move).

It applies where :func:`planner.roster.construct.walk_fits` holds, cover is soft and no rule
couples staff beyond cover (no crew, pattern or fair shares).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import threading
import time
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.checks.roster import check_roster
from planner.roster import rulebook
from planner.roster.model import Cover, Pin, RosterProblem, ShiftRequest, Staff
from planner.roster.result import cp_solver, read_roster
from planner.roster.rules import build_model

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from planner.roster.result import RosterParams

log = logging.getLogger("planner")

Rows = dict[int, list[str | None]]

#: Staff-days freed by the first moves; grown when moves prove fast, shrunk when they time out.
START_CELLS = 120
MIN_CELLS = 28
MAX_CELLS = 2000

#: Share of the moves aimed at a shift where people are missing.
TARGETED = 0.5

#: Share of an aimed move's other staff taken from those with time to spare for the shift.
SPARE_SHARE = 0.5


def window_fits(pr: RosterProblem) -> bool:
    """Whether rows can be re-solved window by window (soft cover, no rule across staff)."""
    r = pr.rules
    return not (
        r.crew is not None
        or r.pattern is not None
        or r.fair_nights_weight
        or r.fair_weekends_weight
        or any(
            rule.couples_staff(pr, r.param(rule.name))
            for rule in rulebook.rules()
            if r.param(rule.name) is not None
        )
        or any(c.under_weight is None or c.over_weight is None for c in pr.cover)
    )


def free_to_work(
    pr: RosterProblem, works: Callable[[int, int], bool], day: int, staff: Iterable[int]
) -> list[int]:
    """Return those of ``staff`` off on weekend day ``day`` who may work it without a new weekend.

    ``works(p, d)`` says whether staff ``p`` works on day ``d``. The ones kept work the
    weekend's other day or have worked fewer weekends than their most: where weekends are what
    runs out, they can take the shift with a swap of weekdays. On a weekday the list is empty
    and anyone able may take it first (on the Large2 look-alike, staff off the day first on
    weekdays too gave 11482 and 10344 at 60 s, seeds 0 and 1, against 9720 and 10476).
    """
    weekends = pr.weekends()
    weekend = next((w for w in weekends if day in w), None)
    if weekend is None:
        return []
    out = []
    for p in staff:
        st = pr.staff[p]
        if works(p, day) or day in st.days_off:
            continue
        if (
            st.max_weekends is not None
            and not any(works(p, d) for d in weekend)
            and sum(any(works(p, d) for d in w) for w in weekends) >= st.max_weekends
        ):
            continue
        out.append(p)
    return out


def sample_first(rng: random.Random, first: list[int], rest: list[int], n: int) -> list[int]:
    """Return ``n`` staff drawn at random, from ``first`` while it lasts, then from ``rest``."""
    pick = rng.sample(first, min(len(first), n))
    chosen = set(pick)
    others = [p for p in rest if p not in chosen]
    return pick + rng.sample(others, min(len(others), n - len(pick)))


def _margin(pr: RosterProblem, staff: list[int]) -> int:
    """Days pinned on each side of a window: whole weeks longer than any run rule reaches."""
    reach = 2
    for p in staff:
        st = pr.staff[p]
        reach = max(
            reach,
            (st.max_consecutive or 6) + 1,
            st.min_consecutive or 0,
            st.min_consecutive_off or 0,
        )
    return 7 * math.ceil(reach / 7)


def window_problem(
    pr: RosterProblem, rows: Rows, staff: list[int], first: int, last: int
) -> tuple[RosterProblem, int]:
    """Return the sub-problem freeing ``staff`` on days ``first`` .. ``last - 1``, and its day 0.

    ``first`` and ``last`` are Mondays (or the horizon's ends), so that the sub-problem holds
    whole weekends.
    """
    margin = _margin(pr, staff)
    lo, hi = max(0, first - margin), min(pr.days, last + margin)
    outside = [d for d in range(pr.days) if not lo <= d < hi]
    weekends = [w for w in pr.weekends() if not any(lo <= d < hi for d in w)]
    minutes = {s.id: s.minutes for s in pr.shifts}
    ids = {pr.staff[p].id for p in staff}
    subs: list[Staff] = []
    pins: list[Pin] = []
    for p in staff:
        st, row = pr.staff[p], rows[p]
        used: dict[str, int] = {}
        out_min = 0
        for d in outside:
            sid = row[d]
            if sid is not None:
                used[sid] = used.get(sid, 0) + 1
                out_min += minutes[sid]
        out_we = sum(any(row[d] is not None for d in w) for w in weekends)
        subs.append(
            dataclasses.replace(
                st,
                max_shifts=tuple((sid, n - used.get(sid, 0)) for sid, n in st.max_shifts),
                max_minutes=None if st.max_minutes is None else st.max_minutes - out_min,
                min_minutes=None if st.min_minutes is None else max(0, st.min_minutes - out_min),
                max_weekends=None if st.max_weekends is None else st.max_weekends - out_we,
                days_off=frozenset(d - lo for d in st.days_off if lo <= d < hi),
            )
        )
        pins += [Pin(st.id, d - lo, row[d]) for d in range(lo, hi) if not first <= d < last]
    others = [p for p in range(len(pr.staff)) if pr.staff[p].id not in ids]
    cover = []
    for c in pr.cover:
        if first <= c.day < last:
            have = sum(rows[p][c.day] == c.shift for p in others)
            need = max(0, c.requirement - have)
            cover.append(Cover(c.day - lo, c.shift, need, c.under_weight, c.over_weight))
    requests = [
        ShiftRequest(q.staff, q.day - lo, q.shift, q.weight, q.on)
        for q in pr.requests
        if q.staff in ids and lo <= q.day < hi
    ]
    sub = RosterProblem(
        days=hi - lo,
        staff=tuple(subs),
        shifts=pr.shifts,
        cover=tuple(cover),
        requests=tuple(requests),
        pins=tuple(pins),
        start_weekday=(pr.start_weekday + lo) % 7,
        rules=pr.rules,
        # The days carried in before the period reach a window that starts on day 0; later
        # windows see the days before them as pinned margin.
        history=tuple(h for h in pr.history if h[0] in ids) if lo == 0 else (),
        name=f"{pr.name} window",
    )
    return sub, lo


class WindowSearch:
    """Improve a roster by re-solving some staff over windows of weeks (see the module)."""

    def __init__(
        self,
        pr: RosterProblem,
        rows: Rows,
        params: RosterParams,
        seed: int,
        *,
        move_seconds: float | None = None,
        linearization: int | None = None,
    ) -> None:
        self.pr = pr
        #: Time limit and linearization of each move's sub-solve (default: the LNS settings).
        self.move_seconds = params.lns_seconds if move_seconds is None else move_seconds
        self.linearization = params.lns_linearization if linearization is None else linearization
        self.rows = {p: list(r) for p, r in rows.items()}
        self.params = params
        self.seed = seed
        self.lock = threading.Lock()
        self.staff_version = [0] * len(pr.staff)
        self.day_version = [0] * pr.days
        self.cells = float(START_CELLS)
        self.iterations = 0
        self.improvements = 0
        assignment = {pr.staff[p].id: r for p, r in self.rows.items()}
        t = time.monotonic()
        self.objective = check_roster(pr, assignment).objective
        #: Seconds the checker takes on the whole roster (the caller checks the result again).
        self.check_seconds = time.monotonic() - t
        first_monday = (-pr.start_weekday) % 7
        self.starts = sorted({0, *range(first_monday, pr.days, 7)})

    def _short(self) -> list[tuple[int, str]]:
        """Return the (day, shift) pairs where people are missing."""
        count: dict[tuple[int, str], int] = {}
        for row in self.rows.values():
            for d, sid in enumerate(row):
                if sid is not None:
                    count[d, sid] = count.get((d, sid), 0) + 1
        return [
            (c.day, c.shift)
            for c in self.pr.cover
            if count.get((c.day, c.shift), 0) < c.requirement
        ]

    def _spare(self, sid: str) -> list[int]:
        """Return the staff with time left under their most minutes for one more ``sid``."""
        minutes = {s.id: s.minutes for s in self.pr.shifts}
        out = []
        for p, st in enumerate(self.pr.staff):
            if st.max_minutes is None:
                out.append(p)
                continue
            worked = sum(minutes[x] for x in self.rows[p] if x is not None)
            if st.max_minutes - worked >= minutes[sid]:
                out.append(p)
        return out

    def _choose(self, rng: random.Random) -> tuple[list[int], int, int]:
        """Pick staff and a window of whole weeks with about ``cells`` staff-days in all.

        Half the moves aim at a shift where people are missing: its week (or two), with staff
        who may work that shift and do not work it that day (on a weekend day first those free
        to work it, :func:`free_to_work`), and staff with time to spare.
        """
        n = len(self.pr.staff)
        weeks = len(self.starts)
        short = self._short() if rng.random() < TARGETED else []
        if short:
            day, sid = short[rng.randrange(len(short))]
            width = 1 if weeks < 2 else rng.choice((1, 2))
            i = max(j for j, start in enumerate(self.starts) if start <= day)
            i = max(0, min(i - rng.randrange(width), weeks - width))
            k = min(n, max(2, round(self.cells / (7 * width))))
            able = [
                p
                for p, st in enumerate(self.pr.staff)
                if st.max_of(sid) != 0 and self.rows[p][day] != sid
            ]
            free = free_to_work(self.pr, lambda p, d: self.rows[p][d] is not None, day, able)
            pick = sample_first(rng, free, able, max(1, k // 2))
            if SPARE_SHARE:
                spare = [p for p in self._spare(sid) if p not in set(pick)]
                want = round(SPARE_SHARE * (k - len(pick)))
                pick += rng.sample(spare, min(len(spare), want))
            rest = [p for p in range(n) if p not in set(pick)]
            pick += rng.sample(rest, min(len(rest), k - len(pick)))
            first = self.starts[i]
            last = self.starts[i + width] if i + width < weeks else self.pr.days
            return sorted(pick), first, last
        if rng.random() < 0.5:
            width = 1 if weeks < 2 else rng.choice((1, 2))
            k = min(n, max(2, round(self.cells / (7 * width))))
        else:
            k = min(n, rng.choice((2, 3)))
            width = min(weeks, max(1, round(self.cells / (7 * k))))
        i = rng.randrange(0, weeks - width + 1)
        first = self.starts[i]
        last = self.starts[i + width] if i + width < weeks else self.pr.days
        return sorted(rng.sample(range(n), k)), first, last

    def _move(self, rng: random.Random, deadline: float, worker: int) -> None:
        with self.lock:
            staff, first, last = self._choose(rng)
            sub, lo = window_problem(self.pr, self.rows, staff, first, last)
            seen = [self.staff_version[p] for p in staff], self.day_version[first:last]
            old_rows = {self.pr.staff[p].id: self.rows[p][lo : lo + sub.days] for p in staff}
        before = check_roster(sub, old_rows)
        if before.hard:
            log.debug("window search: current rows break the sub-problem (%s)", before.hard[0])
            return
        m = build_model(sub)
        sidx = {s.id: i for i, s in enumerate(sub.shifts)}
        for q, st in enumerate(sub.staff):
            for d, sid in enumerate(old_rows[st.id]):
                m.cp.add_hint(m.off[q, d], sid is None)
                for s in range(len(sub.shifts)):
                    lit = m.x.get((q, d, s))
                    if lit is not None:
                        m.cp.add_hint(lit, sid is not None and sidx[sid] == s)
        proto = m.cp.proto
        cutoff = before.objective - 1 - round(proto.objective.offset)
        proto.objective.domain.extend([-(2**60), cutoff])
        seconds = min(self.move_seconds, deadline - time.monotonic())
        if seconds <= 0.05:
            return
        solver = cp_solver(self.params, seconds, self.seed + 7919 * worker + self.iterations, 1)
        solver.parameters.linearization_level = self.linearization
        status = solver.solve(m.cp)
        proved = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
        grow = 1.1 if proved and solver.wall_time < 0.5 * seconds else 0.93
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            with self.lock:
                self.cells = min(MAX_CELLS, max(MIN_CELLS, self.cells * grow))
            return
        new_rows = read_roster(m, list(solver.response_proto.solution))[0]
        after = check_roster(sub, new_rows)
        with self.lock:
            self.cells = min(MAX_CELLS, max(MIN_CELLS, self.cells * grow))
            if after.hard or after.objective >= before.objective:
                return
            if seen != ([self.staff_version[p] for p in staff], self.day_version[first:last]):
                return  # another worker changed these rows or days meanwhile
            for p in staff:
                new = new_rows[self.pr.staff[p].id]
                for d in range(first, last):
                    self.rows[p][d] = new[d - lo]
                self.staff_version[p] += 1
            for d in range(first, last):
                self.day_version[d] += 1
            self.objective += after.objective - before.objective
            self.improvements += 1
            log.debug(
                "window search w%d: %d staff, days %d-%d: %d -> %d",
                worker,
                len(staff),
                first,
                last - 1,
                self.objective - after.objective + before.objective,
                self.objective,
            )

    def run(self, deadline: float) -> Rows:
        """Search with ``params.num_workers`` threads until ``deadline``; return the rows."""

        def work(worker: int) -> None:
            rng = random.Random(self.seed * 1000 + worker)
            while time.monotonic() < deadline - 0.2 and self.objective > 0:
                with self.lock:
                    self.iterations += 1
                self._move(rng, deadline, worker)

        threads = [
            threading.Thread(target=work, args=(w,)) for w in range(max(1, self.params.num_workers))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {p: list(r) for p, r in self.rows.items()}
