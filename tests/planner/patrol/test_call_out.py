"""Tests of call-outs: a group called away with nobody else on duty brings in an off-duty group."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from planner.checks.plan_roster import roster_violations
from planner.exceptions import IncidentError, RulesError
from planner.patrol.call_out import judge_group
from planner.patrol.replan import replan
from planner.patrol.rules_file import load_rules
from planner.plan.document import PlanDocument

if TYPE_CHECKING:
    from pathlib import Path

DAY = "2026-12-08"  # the plan's second day: one group on the day shift, two off duty
CALLED = datetime(2026, 12, 8, 14, 0)
T = 14 * 3600
TURN_OUT = 30 * 60  # [call_out] turn_out_minutes of the default rules


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-day plan of the default district with its own rules (one group per shift)."""
    from click.testing import CliRunner

    from web.cli import cli

    out = tmp_path_factory.mktemp("call_out") / "plan"
    args = ["plan", "--start", "2026-12-07", "--days", "2", "--out", str(out)]
    args += ["--seed", "3", "--time-limit", "8"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out


def _on(doc: PlanDocument, day: int, shift: str | None) -> list[str]:
    return [g for g, row in doc.roster.schedule.items() if row[day] == shift]


@pytest.fixture(scope="module")
def away(before: PlanDocument) -> str:
    """The one group on the day shift of the second day."""
    (group,) = _on(before, 1, "D")
    return group


@pytest.fixture(scope="module")
def after(before, inputs, away):
    """The plan re-planned with ``away`` called away at 14:00 of the second day."""
    return replan(before, inputs, away, CALLED, time_limit=2.0)


def test_nobody_else_on_duty_brings_in_an_off_duty_group(before, after, away) -> None:
    """Tests that an off-duty group is called in, has routes from its turn-out, and is named."""
    doc, changes = after
    (call,) = doc.roster.call_ins
    assert call.replaces == away and call.date == DAY and call.shift_id == "D"
    assert call.group_id in _on(before, 1, None)
    assert call.start_s == T + TURN_OUT and call.end_s == 19 * 3600
    routes = [r for r in doc.routes if r.group_id == call.group_id and r.date == DAY]
    assert routes and all(r.start_s == call.start_s and r.shift_id == "D" for r in routes)
    assert sum(s.kind == "visit" for r in routes for s in r.stops) > 0
    assert any(f"Group {call.group_id} is called in for group {away}" in c for c in changes)
    assert "no other group is on duty" in call.reason
    assert f"调用{call.group_id}组" in call.reason_zh
    assert not any("the rest is left out" in c for c in changes)
    # The record survives plan.json.
    again = PlanDocument.from_json(doc.to_json())
    assert again.roster.call_ins == doc.roster.call_ins


def test_group_just_off_a_night_is_not_called(before, after) -> None:
    """Tests that the group whose night ended that morning is passed over, with the reason."""
    doc, _ = after
    (night,) = _on(before, 0, "N")
    (call,) = doc.roster.call_ins
    assert call.group_id != night
    if before.roster.schedule[night][1] is None:  # off duty that day: named as not called
        assert f"Group {night} is not called: its last night ended 7.5 h before" in call.reason
        assert f"{night}组未调用" in call.reason_zh


def test_replanned_plan_passes_the_validator(after) -> None:
    """Tests that the plan with the called-in group keeps every checked rule."""
    doc, _ = after
    assert all(c.ok for c in doc.validation), [c.violations for c in doc.validation if not c.ok]


def test_validator_checks_the_called_groups_rest(before, after, inputs) -> None:
    """Tests that a called group made to have worked the night before breaks the rest rule."""
    doc, _ = after
    (call,) = doc.roster.call_ins
    (night,) = _on(before, 0, "N")
    schedule = dict(doc.roster.schedule)
    # Swap the first day of the called group and the night group: now the called one was on
    # the night that ended at 07:00, 7.5 h before its call-in.
    schedule[call.group_id], schedule[night] = (
        (schedule[night][0], schedule[call.group_id][1]),
        (schedule[call.group_id][0], schedule[night][1]),
    )
    tampered = replace(doc, roster=replace(doc.roster, schedule=schedule))
    bad = roster_violations(tampered, inputs.rules_text, inputs.district.teams)
    assert (
        f"Group {call.group_id} called in on {DAY} shift D 7.5 h after its last shift ends; "
        "the rules ask for 24 h of rest." in bad
    )
    clean = roster_violations(doc, inputs.rules_text, inputs.district.teams)
    assert not [b for b in clean if "called in" in b]


def test_max_hours_keep_a_group_from_being_called(before, inputs, away) -> None:
    """Tests that [call_out] max_hours_in_7_days refuses a group that would work too long."""
    free = _on(before, 1, None)
    tight = replace(inputs, rules=replace(inputs.rules, call_out_max_minutes=4 * 60))
    for g in free:
        choice = judge_group(before, tight, g, DAY, "D", T + TURN_OUT, 19 * 3600)
        assert not choice.ok
    rested = [g for g in free if before.roster.schedule[g][0] is None]
    for g in rested:  # off both days: 4.5 h of call-out alone pass 4 h
        choice = judge_group(before, tight, g, DAY, "D", T + TURN_OUT, 19 * 3600)
        assert "it would work 4.5 h in the 7 days; the limit is 4 h" in choice.reason
        assert "7天内将工作4.5小时" in choice.reason_zh


def test_call_in_none_leaves_the_rest_out(before, inputs, away) -> None:
    """Tests that call_in='none' calls nobody and says the rest is left out."""
    doc, changes = replan(before, inputs, away, CALLED, time_limit=1.0, call_in="none")
    assert doc.roster.call_ins == ()
    assert any("No other group is on duty" in c and "left out" in c for c in changes)


def test_bad_call_in_is_refused(before, inputs, away) -> None:
    """Tests that an unknown group, or the group called away itself, is refused in a sentence."""
    with pytest.raises(IncidentError, match="The group to call in must be 'auto', 'none' or"):
        replan(before, inputs, away, CALLED, call_in="Z")
    with pytest.raises(IncidentError, match=f"not {away!r}"):
        replan(before, inputs, away, CALLED, call_in=away)


def test_call_out_rules_are_checked(data_dir, tmp_path) -> None:
    """Tests that [call_out] is read, and an unknown key or a bad turn-out is refused."""
    text = (data_dir / "roster" / "rules_ok.toml").read_text(encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text(text + "\n[call_out]\nmax_hours_in_7_days = 56\nturn_out_minutes = 20\n")
    rules = load_rules(good)
    assert (rules.call_out_max_minutes, rules.turn_out_minutes) == (56 * 60, 20)
    for extra, message in (
        ("turn_out_minutes = 300", r"call_out.turn_out_minutes must be from 0 to 240"),
        ("max_hours = 5", r"call_out.max_hours is not a known setting"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text + f"\n[call_out]\n{extra}\n")
        with pytest.raises(RulesError, match=message):
            load_rules(bad)
