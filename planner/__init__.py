"""Planning domain and optimisation core: rosters, routes, risk, dose, coverage, validation.

The package root is the public API::

    from planner import PlanRequest, load_inputs, make_plan, validate_plan

    inputs = load_inputs("path/to/district")          # a district's inputs, read once
    doc = make_plan(inputs, PlanRequest(start, 7))    # roster, routes, coverage, checks
    assert all(check.ok for check in validate_plan(doc, inputs))

The solver cores take problems made only of ids and numbers: :func:`solve_roster` a
:class:`RosterProblem`, :func:`solve_routes` a :class:`RoutingProblem`. Names are loaded on
first use, so importing one core does not load the patrol layer (and its geodata) with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.checks.plan import validate_plan as validate_plan
    from planner.core_errors import ProblemError as ProblemError
    from planner.exceptions import PlanInputError as PlanInputError
    from planner.exceptions import RulesError as RulesError
    from planner.patrol.inputs import PlanInputs as PlanInputs
    from planner.patrol.inputs import load_inputs as load_inputs
    from planner.patrol.pipeline import make_plan as make_plan
    from planner.patrol.replan import replan as replan
    from planner.patrol.request import PlanRequest as PlanRequest
    from planner.patrol.request import TimeBudget as TimeBudget
    from planner.plan.document import PlanDocument as PlanDocument
    from planner.plan.document import read_plan as read_plan
    from planner.plan.document import write_plan as write_plan
    from planner.result import SolveStatus as SolveStatus
    from planner.roster.model import RosterProblem as RosterProblem
    from planner.roster.solve import RosterParams as RosterParams
    from planner.roster.solve import RosterResult as RosterResult
    from planner.roster.solve import solve_roster as solve_roster
    from planner.routing.model import RoutingProblem as RoutingProblem
    from planner.routing.params import RouteParams as RouteParams
    from planner.routing.params import RouteResult as RouteResult
    from planner.routing.solve import solve_routes as solve_routes

_EXPORTS: dict[str, str] = {
    "validate_plan": "planner.checks.plan",
    "ProblemError": "planner.core_errors",
    "PlanInputError": "planner.exceptions",
    "RulesError": "planner.exceptions",
    "PlanInputs": "planner.patrol.inputs",
    "load_inputs": "planner.patrol.inputs",
    "make_plan": "planner.patrol.pipeline",
    "replan": "planner.patrol.replan",
    "PlanRequest": "planner.patrol.request",
    "TimeBudget": "planner.patrol.request",
    "PlanDocument": "planner.plan.document",
    "read_plan": "planner.plan.document",
    "write_plan": "planner.plan.document",
    "SolveStatus": "planner.result",
    "RosterProblem": "planner.roster.model",
    "RosterParams": "planner.roster.solve",
    "RosterResult": "planner.roster.solve",
    "solve_roster": "planner.roster.solve",
    "RoutingProblem": "planner.routing.model",
    "RouteParams": "planner.routing.params",
    "RouteResult": "planner.routing.params",
    "solve_routes": "planner.routing.solve",
}
"""Public name -> the module that defines it."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'planner' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
