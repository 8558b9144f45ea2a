"""Errors the planner raises for input it refuses, each with one plain sentence for the user."""

from __future__ import annotations

from geodata.errors import InputError
from planner.core_errors import ProblemError

__all__ = ["IncidentError", "InputError", "PlanInputError", "ProblemError", "RulesError"]


class PlanInputError(InputError, ProblemError):
    """Input of a plan that cannot be used: a request, a dose, a plan file, a district's facts."""


class RulesError(InputError):
    """A rules file (rules.toml) that cannot be used; the message names the key or line."""


class IncidentError(InputError):
    """An incident file that cannot be used; the message names the line and field."""
