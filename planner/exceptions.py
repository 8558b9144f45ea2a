"""Errors the planner raises for input it refuses."""

from __future__ import annotations

from geodata.errors import InputError


class ProblemError(InputError):
    """A problem (roster, routing, dose) whose facts are inconsistent or out of range."""


class RulesError(InputError):
    """A rules file (rules.toml) that cannot be used; the message names the key or line."""


class IncidentError(InputError):
    """An incident file that cannot be used; the message names the line and field."""
