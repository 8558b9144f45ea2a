"""Errors of the plain-number solver cores (roster and routing): facts that do not fit together."""

from __future__ import annotations


class ProblemError(ValueError):
    """A problem (roster, routing, dose) whose facts are inconsistent or out of range.

    The message is one sentence naming the fact (a shift, a site, a vehicle). The cores raise
    it for problems a caller built wrongly; the patrol layer raises its subclass
    :class:`planner.exceptions.PlanInputError` for input a user gave.
    """
