"""Search settings and results of the routing core."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from ortools.constraint_solver import routing_enums_pb2

from planner.core_errors import ProblemError
from planner.result import SolveStatus

if TYPE_CHECKING:
    from pathlib import Path

    from planner.routing.model import Route


@dataclass(frozen=True, slots=True)
class RouteParams:
    """Search settings of :func:`solve_routes`.

    Parameters
    ----------
    time_limit
        Wall-clock seconds for the whole solve, model building included.
    engine
        ``"ortools"`` (routing solver only), ``"portfolio"`` (PyVRP and the routing solver in
        two processes, best routes polished by the routing solver) or ``"auto"`` (portfolio
        when PyVRP can express the problem, else the routing solver).
    first_solution
        Name of an OR-Tools first-solution strategy, e.g. ``"PATH_CHEAPEST_ARC"``, or
        ``"auto"``: cheapest insertion (mandatory visits first) when the problem has mandatory
        visits or meal breaks, else the path-cheapest-arc heuristic.
    metaheuristic
        Local-search metaheuristic: ``"gls"`` (guided), ``"sa"``, ``"tabu"`` or ``"greedy"``.
    ruin_recreate
        Wrap the search in iterated local search that ruins part of the routes (SISR) and
        recreates them by cheapest insertion, accepting by simulated annealing.
    ruin_size
        Average number of visits removed by a ruin.
    prize_scale
        Cost units per unit of value for the routing solver; None scales so that one unit of
        value outweighs any travel time (value first, travel time second).
    pyvrp_prize_scale
        The same for PyVRP: travel time is its cost, ``value * pyvrp_prize_scale`` its prize.
    polish_share
        Share of the time limit kept for polishing the portfolio's best routes in the routing
        model (at least the time needed to read them in, which grows with the problem).
    noise
        Relative seeded noise on arc costs, and half as much on the value of optional sites
        (route variety); 0 keeps the costs exact.
    gap_model
        How minimum gaps between repeat visits are kept: ``"exact"`` (side constraints on
        the visit times), ``"windows"`` (each visit gets its own slot of the shift, the slots
        a gap apart: stricter, much faster on large problems) or ``"auto"`` (windows when the
        problem has more than 60 sites).
    solution_limit
        Stop the routing solver's search after this many solutions: the same problem, seed
        and limit then give the same routes whatever else the machine is doing, and
        ``time_limit`` is only a safety bound. None: search until the time limit.
    """

    time_limit: float = 10.0
    engine: str = "auto"
    first_solution: str = "auto"
    metaheuristic: str = "tabu"
    ruin_recreate: bool = True
    ruin_size: int = 8
    prize_scale: int | None = None
    pyvrp_prize_scale: int | None = None
    polish_share: float = 0.0
    noise: float = 0.0
    gap_model: str = "auto"
    solution_limit: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            msg = f"The time limit must be positive, not {self.time_limit}."
            raise ProblemError(msg)
        if self.engine not in ("ortools", "portfolio", "auto"):
            msg = f"Unknown routing engine {self.engine!r}; use ortools, portfolio or auto."
            raise ProblemError(msg)
        if self.solution_limit is not None and self.solution_limit < 1:
            msg = f"The solution limit must be at least 1, not {self.solution_limit}."
            raise ProblemError(msg)
        if self.gap_model not in ("auto", "exact", "windows"):
            msg = f"Unknown gap model {self.gap_model!r}; use auto, exact or windows."
            raise ProblemError(msg)
        if self.metaheuristic not in ("greedy", "gls", "sa", "tabu"):
            msg = f"Unknown metaheuristic {self.metaheuristic!r}; use greedy, gls, sa or tabu."
            raise ProblemError(msg)
        strategies = routing_enums_pb2.FirstSolutionStrategy
        if self.first_solution != "auto" and not hasattr(strategies, self.first_solution):
            msg = f"Unknown first-solution strategy {self.first_solution!r}."
            raise ProblemError(msg)

    @classmethod
    def from_toml(cls, path: str | Path) -> RouteParams:
        """Read parameters from a TOML file whose keys are the field names.

        Raises
        ------
        ProblemError
            When the file has a key that is not a parameter.
        """
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                msg = f"{path}: unknown routing parameter {key!r}."
                raise ProblemError(msg)
        return cls(**data)


@dataclass(frozen=True, slots=True)
class RouteResult:
    """Routes found by :func:`solve_routes`.

    ``objective`` is the collected value, ``bound`` the value of all visits (an upper bound),
    ``missing`` the mandatory visits left out (non-empty only when status is INFEASIBLE).
    """

    status: SolveStatus
    objective: int
    bound: int
    runtime: float
    routes: tuple[Route, ...] = ()
    dropped: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    engine: str = "ortools"
    message: str = ""

    def is_feasible(self) -> bool:
        """Whether the routes keep every hard rule."""
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    def summary(self) -> str:
        """One line: status, value, routes, runtime."""
        stops = sum(len(r.stops) for r in self.routes)
        text = (
            f"{self.status.value}: value {self.objective} of {self.bound}, "
            f"{len(self.routes)} routes, {stops} stops, {self.runtime:.1f} s ({self.engine})"
        )
        return f"{text}; {self.message}" if self.message else text
