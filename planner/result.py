"""What every solver reports about how its solve ended."""

from __future__ import annotations

import enum


class SolveStatus(enum.Enum):
    """Outcome of a solve, shared by the roster and routing cores."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"
