"""Roster solver: CP-SAT over staff x days x shifts, with large-neighbourhood search for big cases."""

from __future__ import annotations

import enum
import logging
import math
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.roster_rules import build_model
from planner.validate_roster import RosterCheck, Violation, check_roster

if TYPE_CHECKING:
    from planner.roster_model import RosterProblem
    from planner.roster_rules import Model

log = logging.getLogger("planner")


class SolveStatus(enum.Enum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RosterParams:
    """Solver settings.

    Parameters
    ----------
    time_limit
        Wall-clock seconds for the whole solve.
    num_workers
        CP-SAT workers (2 on the project's machines).
    linearization_level
        CP-SAT linearization; 2 was the largest single lever on the benchmark.
    first_phase
        Share of the time for the full model before large-neighbourhood search starts.
    lns
        Whether to improve with large-neighbourhood search when the full model is not proven.
    explain
        When infeasible, look for the smallest set of conflicting rules and a relaxed roster.
    """

    time_limit: float = 10.0
    num_workers: int = 2
    linearization_level: int = 2
    first_phase: float = 0.25
    lns: bool = True
    explain: bool = True

    def __post_init__(self) -> None:
        if self.time_limit <= 0 or self.num_workers < 1:
            msg = "time_limit must be > 0 and num_workers >= 1."
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class RosterResult:
    """What a roster solve returns.

    ``assignment`` maps each staff id to its shift id (or ``None`` for off) on each day;
    ``lending`` lists ``(member, group, day)`` fill-ins. ``objective`` is recomputed from the
    roster by the validator; ``check`` holds the validator's findings (penalties in words).
    ``conflict`` explains an infeasible request (sentences, smallest set found) and
    ``relaxed`` is then the best roster that breaks only the rules named there.
    """

    status: SolveStatus
    objective: int | None
    bound: float | None
    runtime: float
    assignment: dict[str, list[str | None]] = field(default_factory=dict)
    lending: tuple[tuple[str, str, int], ...] = ()
    check: RosterCheck | None = None
    conflict: tuple[str, ...] = ()
    relaxed: RosterResult | None = None
    iterations: int = 0

    def is_feasible(self) -> bool:
        """Whether a roster that keeps every hard rule was found."""
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (0 when proven optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))

    @property
    def penalties(self) -> tuple[Violation, ...]:
        """Each soft penalty, by rule and person, with a sentence."""
        return self.check.soft if self.check else ()

    def summary(self) -> str:
        """One line: status, objective, bound, gap and runtime."""
        gap = "n/a" if self.gap is None else f"{100 * self.gap:.2f}%"
        bound = "n/a" if self.bound is None else f"{self.bound:g}"
        return (
            f"status {self.status.value}, objective {self.objective}, bound {bound}, "
            f"gap {gap}, {self.runtime:.1f} s"
        )


def _solver(params: RosterParams, seconds: float, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, seconds)
    p.num_workers = params.num_workers
    p.random_seed = seed
    p.linearization_level = params.linearization_level
    return solver


def _read(
    m: Model, values: list[int]
) -> tuple[dict[str, list[str | None]], list[tuple[str, str, int]]]:
    pr = m.problem
    out: dict[str, list[str | None]] = {}
    for p, st in enumerate(pr.staff):
        row: list[str | None] = []
        for d in range(pr.days):
            sid = None
            for s, sh in enumerate(pr.shifts):
                lit = m.x.get((p, d, s))
                if lit is not None and values[lit.index]:
                    sid = sh.id
            row.append(sid)
        out[st.id] = row
    lending = [key for key, lit in m.lend.items() if values[lit.index]]
    return out, sorted(lending, key=lambda k: (k[2], k[1], k[0]))


class _Lns:
    """Large-neighbourhood search: free some staff or days, fix the rest, re-solve."""

    def __init__(self, m: Model, params: RosterParams, seed: int) -> None:
        self.m = m
        self.params = params
        self.rng = random.Random(seed)
        self.seed = seed
        self.cell_vars: dict[tuple[int, int], list[int]] = {}
        for (p, d), lit in m.off.items():
            self.cell_vars.setdefault((p, d), []).append(lit.index)
        for (p, d, _s), lit in m.x.items():
            self.cell_vars[p, d].append(lit.index)
        self.size = 0.25
        self.iterations = 0

    def neighbourhood(self) -> set[tuple[int, int]]:
        pr = self.m.problem
        n, days = len(pr.staff), pr.days
        cells = n * days
        target = max(2 * days, int(self.size * cells))
        kind = self.rng.random()
        free: set[tuple[int, int]] = set()
        if kind < 0.4:
            k = max(2, min(n, math.ceil(target / days)))
            for p in self.rng.sample(range(n), k):
                free.update((p, d) for d in range(days))
        elif kind < 0.7:
            width = max(3, min(days, math.ceil(target / n)))
            start = self.rng.randrange(0, days - width + 1)
            free.update((p, d) for p in range(n) for d in range(start, start + width))
        else:
            k = max(2, min(n, math.ceil(2 * target / days)))
            width = max(3, min(days, math.ceil(days / 2)))
            start = self.rng.randrange(0, days - width + 1)
            for p in self.rng.sample(range(n), k):
                free.update((p, d) for d in range(start, start + width))
        return free

    def run(self, values: list[int], objective: int, deadline: float) -> tuple[list[int], int]:
        base = self.m.cp
        sub_limit = 2.0
        while time.monotonic() < deadline - 0.2 and objective > 0:
            self.iterations += 1
            free = self.neighbourhood()
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
            remaining = deadline - time.monotonic()
            solver = _solver(self.params, min(sub_limit, remaining), self.seed + self.iterations)
            status = solver.solve(model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                new = round(solver.objective_value)
                if new <= objective:
                    if new < objective:
                        log.debug("LNS %d: %d -> %d", self.iterations, objective, new)
                    values = list(solver.response_proto.solution)
                    objective = new
                if status == cp_model.OPTIMAL:
                    self.size = min(0.9, self.size * 1.1)
                else:
                    self.size = max(0.05, self.size * 0.9)
            else:
                self.size = max(0.05, self.size * 0.9)
        return values, objective


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
    m = build_model(problem)
    first = params.time_limit * (params.first_phase if params.lns else 1.0)
    solver = _solver(params, first, seed)
    status = solver.solve(m.cp)
    bound: float | None = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound
    if status == cp_model.INFEASIBLE:
        return _infeasible(problem, params, seed, t0)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No solution yet: keep searching the full model for the rest of the time.
        solver = _solver(params, deadline - time.monotonic(), seed + 1)
        status = solver.solve(m.cp)
        if status == cp_model.INFEASIBLE:
            return _infeasible(problem, params, seed, t0)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return RosterResult(SolveStatus.UNKNOWN, None, None, time.monotonic() - t0)
        bound = solver.best_objective_bound
    values = list(solver.response_proto.solution)
    objective = round(solver.objective_value)
    iterations = 0
    optimal = status == cp_model.OPTIMAL
    if not optimal and params.lns and time.monotonic() < deadline - 0.5:
        lns = _Lns(m, params, seed)
        values, objective = lns.run(values, objective, deadline)
        iterations = lns.iterations
        if bound is not None and objective <= bound + 1e-6:
            optimal = True
    assignment, lending = _read(m, values)
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
    )


def _infeasible(problem: RosterProblem, params: RosterParams, seed: int, t0: float) -> RosterResult:
    conflict: tuple[str, ...] = ()
    relaxed: RosterResult | None = None
    if params.explain:
        from planner.roster_explain import explain_infeasible

        conflict, relaxed = explain_infeasible(problem, params, seed=seed)
    return RosterResult(
        SolveStatus.INFEASIBLE,
        None,
        None,
        time.monotonic() - t0,
        conflict=conflict,
        relaxed=relaxed,
    )
