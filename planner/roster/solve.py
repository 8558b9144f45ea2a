"""Roster solver: CP-SAT over staff x days x shifts, with large-neighbourhood search."""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from ortools.sat.python import cp_model

from planner.checks.roster import check_roster
from planner.result import SolveStatus
from planner.roster.bound import flow_bound
from planner.roster.construct import walk_fits, walk_row
from planner.roster.explain import explain_infeasible
from planner.roster.result import RosterParams, RosterResult, cp_solver, read_roster
from planner.roster.rules import build_model
from planner.roster.window_search import (
    WindowSearch,
    free_to_work,
    sample_first,
    window_fits,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from planner.roster.model import RosterProblem
    from planner.roster.rules import Model

log = logging.getLogger("planner")


class _Best:
    """The best roster found so far, shared between search threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: list[int] | None = None
        self.objective: int | None = None
        self.found = threading.Event()
        self.first_at: float | None = None

    def offer(self, values: list[int], objective: int) -> bool:
        """Keep ``values`` if they beat the best so far."""
        with self.lock:
            if self.objective is None or objective < self.objective:
                self.values, self.objective = values, objective
                if self.first_at is None:
                    self.first_at = time.monotonic()
                self.found.set()
                return True
        return False

    def get(self) -> tuple[list[int], int]:
        """Return the best values and objective."""
        with self.lock:
            assert self.values is not None and self.objective is not None
            return self.values, self.objective


class _Publish(cp_model.CpSolverSolutionCallback):
    """Hand every improving solution of the full model to the shared best."""

    def __init__(self, best: _Best) -> None:
        super().__init__()
        self.best = best

    def on_solution_callback(self) -> None:
        """Offer the new solution."""
        self.best.offer(list(self.response_proto.solution), round(self.objective_value))


#: After this many re-solves in a row with no better roster, each re-solve gets half as much
#: time again, up to LNS_LONGEST times ``lns_seconds`` (on Instance 15 every neighbourhood
#: stalled near 4 870 after 45 s of 1 s re-solves; with a weekend swap that did not yet take
#: one-day weekends and the time growing, 4 568-4 755 at 60 s in four seeds, against
#: 4 440-4 848 with that swap alone).
LNS_STALL = 10
LNS_LONGEST = 4.0

#: Staff working one day of the other weekend whose whole rows a weekend swap frees too.
ONE_DAY_ROWS = 3


class _Lns:
    """Large-neighbourhood search: free some staff or days, fix the rest, re-solve."""

    def __init__(self, m: Model, params: RosterParams, best: _Best, seed: int) -> None:
        self.m = m
        self.params = params
        self.best = best
        self.rng = random.Random(seed)
        self.seed = seed
        self.cell_vars: dict[tuple[int, int], list[int]] = {}
        for (p, d), lit in m.off.items():
            self.cell_vars.setdefault((p, d), []).append(lit.index)
        #: (day, shift index) -> (staff, variable index) of each shift variable.
        self.shift_vars: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for (p, d, s), lit in m.x.items():
            self.cell_vars[p, d].append(lit.index)
            self.shift_vars.setdefault((d, s), []).append((p, lit.index))
        kinds = len(params.lns_mix)
        self.sizes = [params.lns_size] * kinds
        self.scores = [1.0] * kinds
        self.iterations = 0
        self.stop = threading.Event()
        #: Each re-solve's time limit: grows while no re-solve improves (see :meth:`learn`).
        self.seconds = params.lns_seconds
        self.stalled = 0

    def choose(self) -> int:
        """Pick a neighbourhood kind, favouring kinds that improved lately."""
        weights = [m * (0.2 + sc) for m, sc in zip(self.params.lns_mix, self.scores, strict=True)]
        r = self.rng.random() * sum(weights)
        for kind, w in enumerate(weights):
            if r < w:
                return kind
            r -= w
        return len(weights) - 1

    def learn(self, kind: int, improved: bool, proven: bool) -> None:
        """Update the kind's score and adapt its size: grow when proven, shrink when not.

        After :data:`LNS_STALL` re-solves in a row without a better roster, each re-solve's
        time limit grows by half (up to :data:`LNS_LONGEST` times ``lns_seconds``).
        """
        self.scores[kind] = 0.8 * self.scores[kind] + 0.2 * float(improved)
        self.stalled = 0 if improved else self.stalled + 1
        if self.stalled >= LNS_STALL:
            self.seconds = min(LNS_LONGEST * self.params.lns_seconds, 1.5 * self.seconds)
            self.stalled = 0
        size = self.sizes[kind]
        self.sizes[kind] = min(0.9, size * 1.05) if proven else max(0.03, size * 0.95)

    def _works(self, values: list[int]) -> Callable[[int, int], bool]:
        """Return whether staff ``p`` works on day ``d`` in the roster ``values``."""
        off = self.m.off

        def works(p: int, d: int) -> bool:
            return not values[off[p, d].index]

        return works

    def _short(self, values: list[int]) -> list[tuple[int, int, set[int]]]:
        """Return (day, shift index, staff working it) of each shift where people are missing."""
        pr = self.m.problem
        sidx = {sh.id: i for i, sh in enumerate(pr.shifts)}
        short = []
        for c in pr.cover:
            if c.under_weight is None or c.shift not in sidx:
                continue
            on = [p for p, i in self.shift_vars.get((c.day, sidx[c.shift]), []) if values[i]]
            if len(on) < c.requirement:
                short.append((c.day, sidx[c.shift], set(on)))
        return short

    def _aimed(self, values: list[int], k: int) -> list[int] | None:
        """Staff for rows aimed at a shift where people are missing (``None``: none missing).

        Half are staff who may work that shift and do not work it that day (on a weekend day
        first those free to work it, :func:`free_to_work`), half have time left under their
        most minutes (the ones who can take over the work they drop).
        """
        pr = self.m.problem
        short = self._short(values)
        if not short:
            return None
        day, s, working = short[self.rng.randrange(len(short))]
        able = [p for p, _ in self.shift_vars.get((day, s), []) if p not in working]
        minutes = [0] * len(pr.staff)
        for (_d, si), cells in self.shift_vars.items():
            for p, i in cells:
                if values[i]:
                    minutes[p] += pr.shifts[si].minutes
        spare = [
            p
            for p, st in enumerate(pr.staff)
            if p not in working
            and (st.max_minutes is None or st.max_minutes - minutes[p] >= pr.shifts[s].minutes)
        ]
        works = self._works(values)
        free = free_to_work(pr, works, day, able)
        pick = set(sample_first(self.rng, free, able, max(1, k // 2)))
        spare = [p for p in spare if p not in pick]
        pick.update(self.rng.sample(spare, min(len(spare), k - len(pick))))
        rest = [p for p in range(len(pr.staff)) if p not in pick]
        pick.update(self.rng.sample(rest, min(len(rest), k - len(pick))))
        return sorted(pick)

    def _weekend_swap(self, values: list[int]) -> set[tuple[int, int]]:
        """Cells for a weekend swap, or none when no shift on a weekend day is short.

        Where weekends run out (each staff member's most weekends, worked on one day or
        two), a shift short on a weekend day is filled only if someone gives up another
        weekend. Frees the whole rows of two staff who may work the short shift (one of them,
        if any, with no weekend left), all staff on one other weekend each of them works,
        and the whole rows of up to :data:`ONE_DAY_ROWS` who work one day of it: one of those
        may work the whole weekend instead and take the place of the one who leaves. On
        Instance 8 (30 staff, weekend days asked 133 against 134 that may be worked), with
        the growing time limit of :data:`LNS_STALL`: 1 457, 1 361 and 1 340 at 60 s (seeds
        0-2; the last two with only the night holes no roster avoids) against 1 433, 1 445
        and 1 335 without either.
        """
        pr = self.m.problem
        weekends = pr.weekends()
        in_weekend = {d: w for w in weekends for d in w}
        short = [cell for cell in self._short(values) if cell[0] in in_weekend]
        if not short:
            return set()
        day, s, working = short[self.rng.randrange(len(short))]
        works = self._works(values)
        able = [p for p, _ in self.shift_vars.get((day, s), []) if p not in working]
        if not able:
            return set()
        easy = set(free_to_work(pr, works, day, able))
        blocked = [p for p in able if p not in easy and not works(p, day)]
        pick = self.rng.sample(blocked, 1) if blocked else []
        rest = [p for p in able if p not in pick]
        pick += self.rng.sample(rest, min(len(rest), 2 - len(pick)))
        free = {(p, d) for p in pick for d in range(pr.days)}
        n = len(pr.staff)
        for p in pick:
            theirs = [
                w for w in weekends if w is not in_weekend[day] and any(works(p, d) for d in w)
            ]
            if theirs:
                w = theirs[self.rng.randrange(len(theirs))]
                free.update((q, d) for q in range(n) for d in w)
                if len(w) > 1:
                    halves = [q for q in range(n) if sum(works(q, d) for d in w) == 1]
                    for q in self.rng.sample(halves, min(len(halves), ONE_DAY_ROWS)):
                        free.update((q, d) for d in range(pr.days))
        return free

    def neighbourhood(self, kind: int, values: list[int]) -> set[tuple[int, int]]:
        """Cells (staff, day) to free: rows, day windows, blocks, aimed rows or a weekend swap.

        The weekend swap is :meth:`_weekend_swap`, or a day window when no weekend shift is
        short.
        """
        pr = self.m.problem
        n, days = len(pr.staff), pr.days
        target = max(2 * days, int(self.sizes[kind] * n * days))
        free: set[tuple[int, int]] = set()
        if kind == 4:
            swap = self._weekend_swap(values)
            if swap:
                return swap
            kind = 1
        if kind == 3:
            k = min(n, max(2, math.ceil(target / days)))
            aimed = self._aimed(values, k)
            if aimed is not None:
                free.update((p, d) for p in aimed for d in range(days))
                return free
            kind = 0
        if kind == 0:
            k = min(n, max(2, math.ceil(target / days)))
            for p in self.rng.sample(range(n), k):
                free.update((p, d) for d in range(days))
        elif kind == 1:
            width = min(days, max(3, math.ceil(target / n)))
            start = self.rng.randrange(0, days - width + 1)
            free.update((p, d) for p in range(n) for d in range(start, start + width))
        else:
            width = min(days, max(3, math.ceil(days / 2)))
            k = min(n, max(2, math.ceil(target / width)))
            start = self.rng.randrange(0, days - width + 1)
            for p in self.rng.sample(range(n), k):
                free.update((p, d) for d in range(start, start + width))
        return free

    def run(self, deadline: float, worker: int) -> None:
        """Improve the shared best until ``deadline`` or until stopped."""
        base = self.m.cp
        while not self.stop.is_set() and time.monotonic() < deadline - 0.1:
            values, objective = self.best.get()
            if objective <= 0:
                return
            self.iterations += 1
            kind = self.choose()
            free = self.neighbourhood(kind, values)
            t_prep = time.monotonic()
            model = base.clone()
            proto = model.proto
            for cell, idxs in self.cell_vars.items():
                if cell in free:
                    continue
                for i in idxs:
                    dom = proto.variables[i].domain
                    dom[0] = values[i]
                    dom[1] = values[i]
            proto.clear_solution_hint()
            hint = proto.solution_hint
            hint.vars.extend(range(len(values)))
            hint.values.extend(values)
            if self.params.lns_cutoff:
                # Ask only for a strictly better roster: no improvement is proven fast.
                cutoff = objective - 1 - round(proto.objective.offset)
                proto.objective.domain.extend([-(2**60), cutoff])
            remaining = deadline - time.monotonic()
            seed = self.seed + 7919 * worker + self.iterations
            seconds = min(self.seconds, remaining)
            solver = cp_solver(self.params, seconds, seed, workers=1)
            solver.parameters.linearization_level = self.params.lns_linearization
            status = solver.solve(model)
            log.debug(
                "LNS w%d it%d k%d free=%d size=%.2f %s %.2fs of %.2fs obj=%s",
                worker,
                self.iterations,
                kind,
                len(free),
                self.sizes[kind],
                solver.status_name(status),
                solver.wall_time,
                time.monotonic() - t_prep,
                solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else "-",
            )
            improved = False
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                new = round(solver.objective_value)
                if new < objective and self.best.offer(list(solver.response_proto.solution), new):
                    improved = True
                    log.debug("LNS %d k%d: %d -> %d", self.iterations, kind, objective, new)
            self.learn(kind, improved, status in (cp_model.OPTIMAL, cp_model.INFEASIBLE))


#: From this many days on, the greedy shares its time out and may take first rosters (on
#: 40 staff x 84 days its first roster came at 19 s instead of 48 s, 5310 against 22168).
QUICK_GREEDY_DAYS = 56

#: With less than this many seconds per person, the greedy takes each person's first roster.
GREEDY_SEARCH_SECONDS = 0.5

#: Most seconds of search for one person's row on short horizons.
GREEDY_PERSON_SECONDS = 2.0


def _greedy_fits(pr: RosterProblem) -> bool:
    """Whether no hard rule couples staff (soft cover, no crew or pattern)."""
    r = pr.rules
    return not (
        r.crew is not None
        or r.pattern is not None
        or any(c.under_weight is None or c.over_weight is None for c in pr.cover)
    )


def _greedy(
    m: Model, params: RosterParams, seed: int, deadline: float, stop: threading.Event
) -> list[int] | None:
    """Return the greedy first roster as values of every variable of the full model."""
    # On long horizons one person's search does not prove in 2 s: take quick first rosters.
    quick = m.problem.days >= QUICK_GREEDY_DAYS
    rows = _greedy_rows(m.problem, params, seed, deadline, stop, quick=quick)
    return None if rows is None else _complete(m, params, seed, deadline, rows)


def _greedy_rows(
    pr: RosterProblem,
    params: RosterParams,
    seed: int,
    deadline: float,
    stop: threading.Event,
    *,
    quick: bool = False,
    walk_first: bool = False,
) -> dict[int, list[str | None]] | None:
    """Build a first roster staff by staff against the cover still missing.

    Works when no hard rule couples staff (soft cover, no crew, fairness or pattern). Each
    staff member's own rules are a small model; the cover enters it as a linear objective
    (a shift where people are still missing earns its under-weight, more where few of the
    staff still to roster may fill it, :class:`CoverGains`; one already full costs its
    over-weight), cheap to build on long horizons. Each step searches up to
    :data:`GREEDY_PERSON_SECONDS`; with ``quick`` (large problems, before the full model is
    built) each gets an equal share of ``greedy_share`` of the time left, and with under
    :data:`GREEDY_SEARCH_SECONDS` a share takes its person's first roster. With ``quick``,
    where :func:`walk_fits` holds, each person's row is first walked (:func:`walk_row`); with
    ``walk_first`` a walked row that keeps the person's rules is taken as it is, otherwise it
    is CP-SAT's hint. Returns the shift (or ``None``) of each staff index on each day, or
    ``None`` when no first roster was found.
    """
    if not _greedy_fits(pr):
        return None
    rng = random.Random(seed)
    order = list(range(len(pr.staff)))
    rng.shuffle(order)
    gains = CoverGains(pr)
    rows: dict[int, list[str | None]] = {}
    batch = max(1, params.greedy_batch)
    until = time.monotonic() + params.greedy_share * (deadline - time.monotonic())
    walk = quick and batch == 1 and walk_fits(pr)
    for first in range(0, len(order), batch):
        group = order[first : first + batch]
        ids = {pr.staff[p].id for p in group}
        sub = dataclasses.replace(
            pr,
            staff=tuple(pr.staff[p] for p in group),
            cover=(),
            requests=tuple(q for q in pr.requests if q.staff in ids),
            pins=tuple(q for q in pr.pins if q.staff in ids),
            keep=tuple(q for q in pr.keep if q.staff in ids),
            history=tuple(h for h in pr.history if h[0] in ids),
        )
        gain = gains.of(group)
        gains.take(group)
        walked, attempt = _walk(pr, sub, group, gain, rng) if walk else (None, None)
        steps_left = math.ceil((len(order) - first) / batch)
        share = max(0.1, (until - time.monotonic()) / steps_left)
        search = not (quick and walk_first) and (not quick or share >= GREEDY_SEARCH_SECONDS)
        if walked is not None and not search:
            rows[group[0]] = walked
            gains.worked(walked)
            continue
        sm = build_model(sub)
        exprs: list[Any] = [e for _, e in sm.terms]
        weights = [w for w, _ in sm.terms]
        for (_p, d, s), lit in sm.x.items():
            g = gain.get((d, pr.shifts[s].id))
            if g:
                exprs.append(lit)
                weights.append(-g)
        sm.cp.minimize(cp_model.LinearExpr.weighted_sum(exprs, weights))
        if attempt is not None:
            _hint_row(sm, attempt)
        now = time.monotonic()
        left = deadline - now
        if left <= 0 or stop.is_set():
            return None
        limit = (share if quick else GREEDY_PERSON_SECONDS) if search else 1.5
        solver = cp_solver(params, min(GREEDY_PERSON_SECONDS, limit, left), seed, workers=1)
        if attempt is not None and not search:
            # The walk came close: with presolve and the walk's row as a hint, one person's
            # first roster came in about 0.05 s on 56 days (without presolve: 1-3 s or none).
            solver = cp_solver(params, min(10.0, left), seed, workers=1)
            solver.parameters.linearization_level = 2
            solver.parameters.stop_after_first_solution = True
        elif search:
            # Time enough per person: search with presolve (short horizons prove it fast).
            solver.parameters.linearization_level = 1
        else:
            # Little time per person: without presolve and linearization one person's
            # first roster comes in tens of milliseconds on 364 days, about as good as a
            # second's search with presolve.
            solver.parameters.linearization_level = 0
            solver.parameters.cp_model_presolve = False
            solver.parameters.stop_after_first_solution = True
        status = solver.solve(sm.cp)
        if status == cp_model.UNKNOWN and walked is None and deadline - time.monotonic() > 0.1:
            # No roster for this person in time: take the first, the other way round.
            solver = cp_solver(params, min(10.0, deadline - time.monotonic()), seed, workers=1)
            solver.parameters.stop_after_first_solution = True
            if attempt is not None:
                solver.parameters.linearization_level = 2
            elif search:
                solver.parameters.linearization_level = 0
                solver.parameters.cp_model_presolve = False
            status = solver.solve(sm.cp)
        log.debug("greedy staff %s: %.2fs", group, time.monotonic() - now)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if walked is None:
                return None
            got = {pr.staff[group[0]].id: walked}
        else:
            got = read_roster(sm, list(solver.response_proto.solution))[0]
        for p in group:
            rows[p] = got[pr.staff[p].id]
            gains.worked(rows[p])
    return rows


#: Where in each person's window of total minutes the walk aims, try after try.
WALK_TARGETS = (0.5, 0.7, 0.3, 0.85, 1.0, 1.2, 1.5)


#: How much more a missing person weighs where few of the staff still to roster may fill it:
#: a missing person earns its under-weight times 1 + SCARCITY x min(1, missing / able).
SCARCITY = 1.0


class CoverGains:
    """What one more person on each covered (day, shift) is worth to the greedy, person by person.

    Where people are missing, the under-weight, raised by :data:`SCARCITY` where many are
    missing against the staff still to roster who may fill them (this person included): a
    person who can take a shift that few others can fill takes it before one that many can.
    Where the shift is full, minus the over-weight.
    """

    def __init__(self, pr: RosterProblem) -> None:
        self.keys = [(c.day, c.shift) for c in pr.cover]
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.requirement = np.array([c.requirement for c in pr.cover], dtype=np.int64)
        self.under = np.array([c.under_weight or 0 for c in pr.cover], dtype=np.float64)
        self.over = np.array([c.over_weight or 0 for c in pr.cover], dtype=np.int64)
        self.count = np.zeros(len(self.keys), dtype=np.int64)
        #: The cover entries each staff index may work (their shift kinds, not on days off).
        self.able: list[np.ndarray] = []
        for st in pr.staff:
            kinds = {sh.id for sh in pr.shifts if st.max_of(sh.id) != 0}
            self.able.append(
                np.array(
                    [
                        i
                        for i, (d, sid) in enumerate(self.keys)
                        if sid in kinds and d not in st.days_off
                    ],
                    dtype=np.int64,
                )
            )
        self.supply = np.zeros(len(self.keys), dtype=np.int64)
        for idx in self.able:
            np.add.at(self.supply, idx, 1)

    def of(self, group: list[int]) -> dict[tuple[int, str], int]:
        """Return the gains of the cover entries the staff of ``group`` may work."""
        idx = np.unique(np.concatenate([self.able[p] for p in group]))
        missing = self.requirement[idx] - self.count[idx]
        scarce = SCARCITY * np.minimum(1.0, missing / np.maximum(1, self.supply[idx]))
        value = np.where(
            missing > 0, np.rint(self.under[idx] * (1.0 + scarce)), -self.over[idx]
        ).astype(np.int64)
        keys = self.keys
        return {keys[i]: int(v) for i, v in zip(idx.tolist(), value.tolist(), strict=True)}

    def take(self, group: list[int]) -> None:
        """Count the staff of ``group`` out of those still to roster."""
        for p in group:
            np.subtract.at(self.supply, self.able[p], 1)

    def worked(self, row: list[str | None]) -> None:
        """Count one person's roster ``row`` into the cover."""
        for d, sid in enumerate(row):
            i = self.index.get((d, sid)) if sid is not None else None
            if i is not None:
                self.count[i] += 1


def _walk(
    pr: RosterProblem,
    sub: RosterProblem,
    group: list[int],
    cover_gain: dict[tuple[int, str], int],
    rng: random.Random,
) -> tuple[list[str | None] | None, list[str | None]]:
    """Return one person's row from :func:`walk_row` that keeps their rules (or ``None``).

    ``cover_gain`` holds the person's gains from :meth:`CoverGains.of`. The second item is
    the walk's row that broke the fewest rules, a hint for CP-SAT.
    """
    (p,) = group
    gain = dict(cover_gain)
    for q in sub.requests:
        gain[q.day, q.shift] = gain.get((q.day, q.shift), 0) + (q.weight if q.on else -q.weight)
    closest: tuple[int, list[str | None]] | None = None
    for share in WALK_TARGETS:
        row = walk_row(pr, p, gain, rng, target_share=share)
        broken = len(
            check_roster(dataclasses.replace(sub, requests=()), {pr.staff[p].id: row}).hard
        )
        if not broken:
            return row, row
        if closest is None or broken < closest[0]:
            closest = (broken, row)
    assert closest is not None
    return None, closest[1]


def _hint_row(sm: Model, row: list[str | None]) -> None:
    """Hint the one-person model ``sm`` with ``row``."""
    sidx = {s.id: i for i, s in enumerate(sm.problem.shifts)}
    for d, sid in enumerate(row):
        sm.cp.add_hint(sm.off[0, d], sid is None)
        for s in range(len(sm.problem.shifts)):
            lit = sm.x.get((0, d, s))
            if lit is not None:
                sm.cp.add_hint(lit, sid is not None and sidx[sid] == s)


def _complete(
    m: Model, params: RosterParams, seed: int, deadline: float, rows: dict[int, list[str | None]]
) -> list[int] | None:
    """Values of every variable of the full model for the roster ``rows`` (or ``None``)."""
    pr = m.problem
    model = m.cp.clone()
    proto = model.proto
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    for (p, d), lit in m.off.items():
        want = rows[p][d] is None
        proto.variables[lit.index].domain[0] = int(want)
        proto.variables[lit.index].domain[1] = int(want)
    for (p, d, s), lit in m.x.items():
        sid = rows[p][d]
        want = sid is not None and sidx[sid] == s
        proto.variables[lit.index].domain[0] = int(want)
        proto.variables[lit.index].domain[1] = int(want)
    solver = cp_solver(params, max(0.1, deadline - time.monotonic()), seed, workers=1)
    solver.parameters.stop_after_first_solution = True
    t = time.monotonic()
    status = solver.solve(model)
    log.debug("greedy completion: %s in %.2fs", solver.status_name(status), time.monotonic() - t)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


def _objective_of(m: Model, values: list[int]) -> int:
    obj = m.cp.proto.objective
    total = sum(
        c * (values[v] if v >= 0 else 1 - values[-v - 1])
        for v, c in zip(obj.vars, obj.coeffs, strict=True)
    )
    scale = obj.scaling_factor or 1.0
    return round((total + obj.offset) * scale)


def _search(
    m: Model,
    params: RosterParams,
    seed: int,
    deadline: float,
    rows: dict[int, list[str | None]] | None = None,
    *,
    hand_over: bool = False,
) -> tuple[Any, float | None, _Best, int]:
    """Full model in one thread (proof and bound), first roster and neighbourhood search in others.

    The full model keeps its thread for the whole time on small problems; on large ones it
    hands its thread to the neighbourhood search after ``first_phase`` of the time. With
    ``hand_over``, the search stops there instead (once a roster exists), for the caller to
    go on with the window search.
    """
    best = _Best()
    full = cp_solver(params, deadline - time.monotonic(), seed, workers=1 if params.lns else None)
    outcome: dict[str, Any] = {}
    lns = _Lns(m, params, best, seed)
    greedy_done = threading.Event()

    def run_full() -> None:
        outcome["status"] = full.solve(m.cp, _Publish(best))
        if outcome["status"] in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            lns.stop.set()

    def wait_for_first() -> bool:
        while not best.found.wait(0.05):
            if lns.stop.is_set() or time.monotonic() >= deadline:
                return False
        return True

    def run_helper(worker: int) -> None:
        if worker == 1:
            if rows is not None:
                start = _complete(m, params, seed, deadline, rows)
            else:
                start = _greedy(m, params, seed, deadline, lns.stop)
            if start is not None:
                best.offer(start, _objective_of(m, start))
            greedy_done.set()
        if wait_for_first():
            lns.run(deadline, worker)

    threads = [threading.Thread(target=run_full)]
    threads[0].start()
    if params.lns:
        for w in range(1, params.num_workers):
            t = threading.Thread(target=run_helper, args=(w,))
            t.start()
            threads.append(t)
        if params.num_workers == 1:
            greedy_done.set()
        switch = time.monotonic() + params.first_phase * params.time_limit
        if len(m.problem.staff) * m.problem.days <= params.full_model_cells:
            switch = deadline
        # Hand the full model's thread over only once some roster exists to improve.
        while threads[0].is_alive() and time.monotonic() < deadline:
            if time.monotonic() >= switch and best.objective is not None:
                break
            if time.monotonic() >= switch and greedy_done.is_set():
                switch = deadline  # no first roster from the greedy: keep the full model
            threads[0].join(0.05)
        if threads[0].is_alive():
            full.stop_search()
            threads[0].join()
        if hand_over and best.objective is not None:
            lns.stop.set()
        if not lns.stop.is_set() and wait_for_first():
            lns.run(deadline, 0)
        lns.stop.set()
    for t in threads:
        t.join()
    status = outcome.get("status", cp_model.UNKNOWN)
    bound = full.best_objective_bound if best.objective is not None else None
    return status, bound, best, lns.iterations


def solve_roster(
    problem: RosterProblem, params: RosterParams | None = None, *, seed: int = 0
) -> RosterResult:
    """Solve a roster problem with CP-SAT.

    Parameters
    ----------
    problem
        The roster problem (ids and numbers only).
    params
        Solver settings; defaults to :class:`RosterParams`.
    seed
        Random seed for CP-SAT and the neighbourhood choice.

    Returns
    -------
    RosterResult
        Status, objective (recomputed from the roster), bound, runtime, roster and the
        validator's findings; for an infeasible request, the conflicting rules in words and
        the best roster that breaks only those rules.
    """
    params = params or RosterParams()
    t0 = time.monotonic()
    deadline = t0 + params.time_limit
    rows = None
    first_at = t0
    size = _model_size(problem)
    # A bound that needs no model (flow_bound): the only one where the full model is never
    # built, and on some problems (Instance 12) far above the full model's at the time limit.
    # It takes seconds on the largest problems, so it comes after their first roster.
    if params.lns and _rows_only(problem, params, size):
        # Too large to model whole: a first roster by the walk, then windows re-solved.
        first = dataclasses.replace(params, greedy_share=0.9)
        rows = _greedy_rows(
            problem, first, seed, deadline, threading.Event(), quick=True, walk_first=True
        )
        first_at = time.monotonic()
        if rows is None:
            return RosterResult(SolveStatus.UNKNOWN, None, None, time.monotonic() - t0)
        lower = flow_bound(problem)
        search = WindowSearch(problem, rows, params, seed)
        # Leave time for the checker to score the result, as it scored the first roster.
        rows = search.run(deadline - 1.5 * search.check_seconds - 0.2)
        log.info(
            "window search: %d moves, %d kept, objective %d",
            search.iterations,
            search.improvements,
            search.objective,
        )
        return _from_rows(problem, rows, t0, first_at, iterations=search.iterations, bound=lower)
    if params.lns and size > params.greedy_first_vars and _greedy_fits(problem):
        # A large model takes long to build: make the first roster from small models first.
        first = dataclasses.replace(params, greedy_share=0.9)
        rows = _greedy_rows(problem, first, seed, deadline, threading.Event(), quick=True)
        first_at = time.monotonic()
        lower = flow_bound(problem)
        if rows is not None and deadline - time.monotonic() < BUILD_SECONDS_PER_VAR * size + 2.0:
            log.info("no time left to build the full model: the greedy roster is the result")
            return _from_rows(problem, rows, t0, first_at, bound=lower)
    else:
        lower = flow_bound(problem)
    m = build_model(problem)
    hand_over = _hands_over(problem, params)
    status, bound, best, iterations = _search(m, params, seed, deadline, rows, hand_over=hand_over)
    if best.objective is not None:
        bound = lower if bound is None else max(bound, float(lower))
    proven = status == cp_model.OPTIMAL or (
        best.objective is not None and bound is not None and best.objective <= bound
    )
    if hand_over and best.objective is not None and not proven:
        values, _ = best.get()
        assignment, lending = read_roster(m, values)
        if not lending:
            began = first_at if rows is not None else (best.first_at or time.monotonic())
            start = {p: assignment[st.id] for p, st in enumerate(problem.staff)}
            search = WindowSearch(
                problem,
                start,
                params,
                seed,
                move_seconds=params.window_seconds,
                linearization=params.window_linearization,
            )
            done = search.run(deadline - 1.5 * search.check_seconds - 0.2)
            log.info(
                "window search after the full model: %d moves, %d kept, objective %d",
                search.iterations,
                search.improvements,
                search.objective,
            )
            return _from_rows(
                problem, done, t0, began, iterations=iterations + search.iterations, bound=bound
            )
    if best.objective is None:
        if rows is not None:
            return _from_rows(problem, rows, t0, first_at, bound=lower)
        if status == cp_model.INFEASIBLE:
            return _infeasible(problem, params, seed, t0)
        return RosterResult(SolveStatus.UNKNOWN, None, None, time.monotonic() - t0)
    if rows is not None:
        best.first_at = first_at
    values, objective = best.get()
    optimal = status == cp_model.OPTIMAL or (bound is not None and objective <= bound + 1e-6)
    assignment, lending = read_roster(m, values)
    check = check_roster(problem, assignment, lending)
    if check.objective != objective:
        log.warning("solver objective %s differs from the roster's %s", objective, check.objective)
    if bound is not None:
        bound = min(bound, float(check.objective))
    return RosterResult(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=check.objective,
        bound=bound,
        runtime=time.monotonic() - t0,
        assignment=assignment,
        lending=tuple(lending),
        check=check,
        iterations=iterations,
        first_roster=None if best.first_at is None else best.first_at - t0,
    )


#: Seconds to build the full model, per variable (measured on 150 staff x 364 days x 33
#: shift types: about 10 microseconds each; twice that for a loaded machine).
BUILD_SECONDS_PER_VAR = 2e-5


def _model_size(pr: RosterProblem) -> int:
    """Return the number of shift and day-off variables of the full model."""
    n = 0
    for st in pr.staff:
        kinds = sum(st.max_of(sh.id) != 0 for sh in pr.shifts)
        n += pr.days + kinds * (pr.days - len(st.days_off))
    return n


#: From this many days and staff-days on, problems that allow it are searched by windows only
#: (on Instance 18, 22 staff x 84 days, the full model's search did better: 6147 against 6623
#: at 60 s; on 40 staff x 84 days the window search did: 12575 at 20 s against 16335 at 60 s).
WINDOW_ONLY_DAYS = 84
WINDOW_ONLY_CELLS = 2500


def _hands_over(pr: RosterProblem, params: RosterParams) -> bool:
    """Whether the full model hands over to the window search after ``first_phase``.

    So on problems past ``full_model_cells`` staff x days and ``window_after_vars`` variables
    that the window search can take: there the full model's share of the time gives the bound
    and a first roster, and small sub-models improve it faster than re-solving copies of the
    full model.
    """
    return (
        params.lns
        and params.window_after
        and params.num_workers > 1
        and len(pr.staff) * pr.days > params.full_model_cells
        and _model_size(pr) > params.window_after_vars
        and window_fits(pr)
    )


def _rows_only(pr: RosterProblem, params: RosterParams, size: int) -> bool:
    """Whether to search by windows without the full model: long horizons or large models."""
    long = pr.days >= WINDOW_ONLY_DAYS and len(pr.staff) * pr.days >= WINDOW_ONLY_CELLS
    large = long or size > params.greedy_first_vars
    return large and _greedy_fits(pr) and walk_fits(pr) and window_fits(pr)


def _from_rows(
    problem: RosterProblem,
    rows: dict[int, list[str | None]],
    t0: float,
    first_at: float,
    *,
    iterations: int = 0,
    bound: float | None = None,
) -> RosterResult:
    """Return the roster ``rows`` as the result, checked and scored by the validator.

    ``bound`` is a lower bound on the objective found before (the flow relaxation, the full
    model), if any.
    """
    assignment = {st.id: rows[p] for p, st in enumerate(problem.staff)}
    check = check_roster(problem, assignment)
    if not check.ok:
        log.warning("greedy roster breaks %d hard rules", len(check.hard))
        return RosterResult(SolveStatus.UNKNOWN, None, None, time.monotonic() - t0)
    if bound is not None:
        bound = min(bound, float(check.objective))
    optimal = bound is not None and check.objective <= bound + 1e-6
    return RosterResult(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=check.objective,
        bound=bound,
        runtime=time.monotonic() - t0,
        assignment=assignment,
        check=check,
        iterations=iterations,
        first_roster=first_at - t0,
    )


def _infeasible(problem: RosterProblem, params: RosterParams, seed: int, t0: float) -> RosterResult:
    conflict: tuple[str, ...] = ()
    relaxed: RosterResult | None = None
    if params.explain:
        conflict, relaxed = explain_infeasible(problem, params, seed=seed)
    return RosterResult(
        SolveStatus.INFEASIBLE,
        None,
        None,
        time.monotonic() - t0,
        conflict=conflict,
        relaxed=relaxed,
    )
