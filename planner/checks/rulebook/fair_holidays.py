"""Check of fair shares of public-holiday shifts: the spread costs the weight per shift."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.checks.rule_checks import RuleCheck, RuleFinding, register
from planner.texts import text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.roster.model import RosterProblem


class FairHolidaysCheck(RuleCheck[int]):
    """The spread of public-holiday shifts worked, recomputed from the roster."""

    name = "fair_holidays"
    hard = False
    text = "rule_fair_holidays"

    def check(
        self,
        problem: RosterProblem,
        assignment: Mapping[str, Sequence[str | None]],
        param: int,
    ) -> list[RuleFinding]:
        """Return the spread's penalty when someone works more holiday shifts than another."""
        if param <= 0 or not problem.holidays or len(problem.staff) < 2:
            return []
        counts = {
            st.id: sum(assignment[st.id][d] is not None for d in problem.holidays)
            for st in problem.staff
        }
        hi, lo = max(counts.values()), min(counts.values())
        if hi <= lo:
            return []
        most = next(s.label for s in problem.staff if counts[s.id] == hi)
        least = next(s.label for s in problem.staff if counts[s.id] == lo)
        words = text(self.text, "en", most=most, hi=hi, least=least, lo=lo, spread=hi - lo)
        return [RuleFinding("", (), param * (hi - lo), words)]


register(FairHolidaysCheck())
