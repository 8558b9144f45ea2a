"""Texts shared by several pages: column heads and the codes that plans carry."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "col_id": ("编号", "ID"),
    # Outcomes of a solver stage (planner.result.SolveStatus), as plan documents store them.
    "solve_optimal": ("最优", "optimal"),
    "solve_feasible": ("可行", "feasible"),
    "solve_infeasible": ("无可行解", "infeasible"),
    "solve_unknown": ("未知", "unknown"),
}
