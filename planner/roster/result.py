"""What a roster solve takes and returns, and the CP-SAT settings shared by its stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.result import SolveStatus

if TYPE_CHECKING:
    from planner.checks.roster import RosterCheck, Violation
    from planner.roster.rules import Model


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
    full_model_cells
        Up to this many staff x days, the full model keeps one worker for the whole time
        (it proves optimality there); beyond it, every worker turns to neighbourhood search
        after ``first_phase``.
    lns_linearization, lns_seconds, lns_size
        Linearization and time limit of each neighbourhood re-solve, and the starting share
        of (staff, day) cells it frees (adapted as the search goes).
    greedy_batch
        Staff solved together in each step of the greedy first roster.
    greedy_share
        Share of the time left that the greedy first roster may take in all, on long horizons
        (from ``QUICK_GREEDY_DAYS`` of :mod:`planner.roster.solve`). With under half a second
        per person it takes each person's walked row as it is: on Instance 18 (22 staff x 84
        days) 0.1 gave the first roster at 6 s instead of 24 s and 5119, 5629, 4987 at 60 s
        (seeds 0-2) against 5310, 5717, 5702 with 0.4; Instance 17 gained too, Instance 16
        (20 x 56) lost about 6 %.
    greedy_first_vars
        Beyond this many shift and day-off variables, the greedy first roster is made before
        the full model is built (building it takes about 10 us per variable).
    lns_cutoff
        Ask each re-solve for a strictly better roster only.
    lns_mix
        Relative frequency of the neighbourhoods: whole staff rows, all staff over a window
        of days, some staff over half the horizon, whole rows aimed at a shift where
        people are missing (staff who may take it and staff with time to spare), and a
        weekend swap (staff who may take a shift short on a weekend day, the days of another
        weekend they work and staff who work one day of it).
    window_after, window_after_vars
        Beyond ``full_model_cells`` and ``window_after_vars`` shift and day-off variables,
        where rows can be re-solved window by window, hand the full model's search over to
        the window search after ``first_phase`` (small sub-models of some staff over whole
        weeks instead of copies of the full model). At 60 s this did better on Instance 13
        (43 296 variables), about as well on Instances 8-10 and worse on 11, 12 and 14-18
        (3 000-12 000 variables).
    window_seconds, window_linearization
        Time limit and linearization of each window re-solve after the hand-over (many short
        moves did better than fewer long ones on Instance 13).
    lns
        Whether to improve with large-neighbourhood search when the full model is not proven.
    explain
        When infeasible, look for the smallest set of conflicting rules and a relaxed roster.
    """

    time_limit: float = 10.0
    num_workers: int = 2
    linearization_level: int = 2
    first_phase: float = 0.25
    full_model_cells: int = 600
    lns_linearization: int = 2
    lns_seconds: float = 1.0
    lns_size: float = 0.15
    lns_mix: tuple[float, ...] = (0.1, 0.4, 0.2, 0.3, 0.6)
    lns_cutoff: bool = True
    greedy_batch: int = 1
    greedy_share: float = 0.1
    greedy_first_vars: int = 200_000
    window_after: bool = True
    window_after_vars: int = 20_000
    window_seconds: float = 0.3
    window_linearization: int = 0
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
    ``first_roster`` is the time in seconds to the first roster that keeps every hard rule.
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
    first_roster: float | None = None

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


def cp_solver(
    params: RosterParams, seconds: float, seed: int, workers: int | None = None
) -> cp_model.CpSolver:
    """Return a CP-SAT solver with the settings, time limit, seed and number of workers."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, seconds)
    p.num_workers = workers or params.num_workers
    p.random_seed = seed
    p.linearization_level = params.linearization_level
    return solver


def read_roster(
    m: Model, values: list[int]
) -> tuple[dict[str, list[str | None]], list[tuple[str, str, int]]]:
    """Return the roster (shift or None per staff and day) and the fill-ins of a solution."""
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
