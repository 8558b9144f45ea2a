"""Tests of the roster rules of their own module: a rule registered here, outside the package.

The rule below (``[night_cap] most``: at most that many night shifts each) and its check are
registered by this module alone; the rules file reader, the solver and the validator take them
up with nothing of theirs edited.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from planner.checks import rule_checks
from planner.checks.roster import check_roster
from planner.checks.rule_checks import RuleCheck, RuleFinding
from planner.exceptions import RulesError
from planner.patrol.roster import build_patrol_problem
from planner.patrol.rules_file import load_rules
from planner.roster import rule_registry, rulebook
from planner.roster.model import Cover, PatrolRules, RosterProblem, ShiftType, Staff
from planner.roster.rule_registry import RosterRule
from planner.roster.solve import RosterParams, solve_roster
from planner.texts import catalogue, text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from planner.roster.rules import Model

FAST = RosterParams(time_limit=5.0, num_workers=2)
D = ShiftType("D", 720, start=8 * 60)
N = ShiftType("N", 720, start=20 * 60)


class NightCap(RosterRule[int]):
    name = "night_cap"
    section = "night_cap"
    keys = frozenset({"most"})
    text = "rule_night_cap"

    def read(self, table: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> int | None:
        value = table.get("most")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail("most", f"must be a whole number >= 0, not {value!r}")
        return value

    def add(self, m: Model, param: int) -> None:
        pr = m.problem
        night = [s for s, st in enumerate(pr.shifts) if st.is_night]
        for p in range(len(pr.staff)):
            lits = [m.x[p, d, s] for d in range(pr.days) for s in night if (p, d, s) in m.x]
            m.cp.add(sum(lits) <= param)

    def couples_staff(self, problem: RosterProblem, param: int) -> bool:
        return False


class NightCapCheck(RuleCheck[int]):
    name = "night_cap"
    hard = True
    text = "rule_night_cap"

    def check(
        self,
        problem: RosterProblem,
        assignment: Mapping[str, Sequence[str | None]],
        param: int,
    ) -> list[RuleFinding]:
        out = []
        for st in problem.staff:
            days = [
                d
                for d, s in enumerate(assignment[st.id])
                if s is not None and problem.shift(s).is_night
            ]
            if len(days) > param:
                words = text(self.text, "en", who=st.label, n=len(days), most=param)
                out.append(RuleFinding(st.id, tuple(days), 0, words))
        return out


@pytest.fixture
def night_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the rule, its check and its words for one test."""
    monkeypatch.setitem(rule_registry.REGISTRY, "night_cap", NightCap())
    monkeypatch.setitem(rule_checks.REGISTRY, "night_cap", NightCapCheck())
    monkeypatch.setitem(
        catalogue("en"), "rule_night_cap", "{who} works {n} nights; at most {most}."
    )
    monkeypatch.setitem(catalogue("zh"), "rule_night_cap", "{who}上了{n}个夜班，最多{most}个。")


def _problem(cap: int | None) -> RosterProblem:
    extra = () if cap is None else (("night_cap", cap),)
    return RosterProblem(
        days=4,
        staff=(Staff("A"), Staff("B")),
        shifts=(D, N),
        # Everyone works every day: four nights to share out between two.
        cover=tuple(Cover(d, s, 1) for d in range(4) for s in ("D", "N")),
        rules=PatrolRules(extra=extra),
    )


def _nights(assignment: Mapping[str, Sequence[str | None]]) -> dict[str, int]:
    return {p: sum(s == "N" for s in row) for p, row in assignment.items()}


def test_a_rule_registered_outside_the_package_is_enforced_and_checked(night_cap) -> None:
    """Tests that the solver keeps the registered rule and the validator reports it broken."""
    capped = solve_roster(_problem(2), FAST, seed=1)
    assert capped.is_feasible()
    assert max(_nights(capped.assignment).values()) <= 2
    assert check_roster(_problem(2), capped.assignment).ok
    # A roster that gives A three nights breaks the rule: the validator says so in its words.
    broken = {"A": ["N", "N", "N", "D"], "B": ["D", "D", "D", "N"]}
    found = check_roster(_problem(2), broken).hard
    assert [(v.rule, v.staff, v.days) for v in found] == [("night_cap", "A", (0, 1, 2))]
    assert found[0].message == "A works 3 nights; at most 2."
    # Without the rule the same roster is fine, and a cap of 1 makes the problem impossible.
    assert check_roster(_problem(None), broken).ok
    assert not solve_roster(_problem(1), FAST, seed=1).is_feasible()


def test_the_rules_file_reads_a_registered_rule_and_its_bad_values(
    night_cap, data_dir: Path, tmp_path: Path
) -> None:
    """Tests that rules.toml takes the rule's table, gives its value and names a bad one."""
    good = (data_dir / "roster" / "rules_ok.toml").read_text(encoding="utf-8")
    path = tmp_path / "rules.toml"
    path.write_text(good + "\n[night_cap]\nmost = 3\n", encoding="utf-8")
    rules = load_rules(path)
    assert dict(rules.extra)["night_cap"] == 3
    roster = build_patrol_problem(rules, dt.date(2026, 12, 7), 7)
    assert roster.problem.rules.param("night_cap") == 3
    path.write_text(good + "\n[night_cap]\nmost = -1\n", encoding="utf-8")
    line = len(good.splitlines()) + 3
    with pytest.raises(RulesError, match=rf"line {line}: night_cap.most must be a whole number"):
        load_rules(path)
    path.write_text(good + "\n[night_cap]\nleast = 1\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"night_cap.least is not a known setting \(known: most\)"):
        load_rules(path)


def test_an_unregistered_rule_table_is_refused(data_dir: Path, tmp_path: Path) -> None:
    """Tests that without the registration the same table is an unknown setting."""
    good = (data_dir / "roster" / "rules_ok.toml").read_text(encoding="utf-8")
    path = tmp_path / "rules.toml"
    path.write_text(good + "\n[night_cap]\nmost = 3\n", encoding="utf-8")
    with pytest.raises(RulesError, match="night_cap is not a known setting"):
        load_rules(path)


def test_fair_holidays_lives_in_the_rulebook(data_dir: Path, tmp_path: Path) -> None:
    """Tests the moved rule: its key, its bad value's sentence, its parameter and its check."""
    assert "fair_holidays" in {r.name for r in rulebook.rules()}
    good = data_dir / "roster" / "rules_ok.toml"
    rules = load_rules(good)
    assert dict(rules.extra)["fair_holidays"] == 2
    text_ = good.read_text(encoding="utf-8")
    path = tmp_path / "rules.toml"
    path.write_text(text_.replace("holidays = 2", "holidays = 1.5"), encoding="utf-8")
    with pytest.raises(RulesError, match=r"line 31: fairness.holidays must be a whole number"):
        load_rules(path)
    path.write_text(text_.replace("holidays = 2", "holidays = 0"), encoding="utf-8")
    assert "fair_holidays" not in dict(load_rules(path).extra)


def test_each_package_rule_has_a_check_and_words() -> None:
    """Tests that every rule of the package has its validator check and zh and en words."""
    from planner.checks import rulebook as checkbook

    checks = {c.name: c for c in checkbook.checks()}
    for rule in rulebook.rules():
        assert rule.name in checks
        assert checks[rule.name].text == rule.text
        for lang in ("zh", "en"):
            assert catalogue(lang)[rule.text]
