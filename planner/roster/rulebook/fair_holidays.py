"""Fair shares of public-holiday shifts: ``[fairness] holidays`` is the weight of the spread.

The spread is the most public-holiday shifts anyone works less the fewest; each shift of spread
costs the weight. A weight of 0 (the default) or a horizon without a public holiday switches the
rule off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.roster.rule_registry import RosterRule, register

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from planner.roster.model import RosterProblem
    from planner.roster.rules import Model


class FairHolidays(RosterRule[int]):
    """Minimise the spread of public-holiday shifts worked (its parameter: the weight)."""

    name = "fair_holidays"
    section = "fairness"
    keys = frozenset({"holidays"})
    text = "rule_fair_holidays"

    def read(self, table: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> int | None:
        """Return ``holidays``, a whole number >= 0, or None when it is missing or 0."""
        value = table.get("holidays", 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("holidays", f"must be a whole number, not {value!r}")
        if value < 0:
            raise fail("holidays", f"must not be negative ({value})")
        return value or None

    def add(self, m: Model, param: int) -> None:
        """Penalise ``param`` per shift of spread in public-holiday shifts."""
        pr = m.problem
        hdays = sorted(pr.holidays)
        if not hdays or param <= 0 or len(pr.staff) < 2:
            return
        counts = [sum(m.work(p, d) for d in hdays) for p in range(len(pr.staff))]
        hi = m.cp.new_int_var(0, pr.days, f"{self.name}_max")
        lo = m.cp.new_int_var(0, pr.days, f"{self.name}_min")
        m.cp.add_max_equality(hi, counts)
        m.cp.add_min_equality(lo, counts)
        m.penalise(param, hi - lo)

    def couples_staff(self, problem: RosterProblem, param: int) -> bool:
        """Return whether the horizon has a holiday: a spread compares everyone's rows."""
        return bool(problem.holidays)


register(FairHolidays())
