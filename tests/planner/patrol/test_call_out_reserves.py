"""Tests of call-outs that reach the reserves and that see the days before the plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from planner.checks.plan import validate_plan
from planner.checks.plan_roster import roster_violations
from planner.patrol.inputs import load_inputs
from planner.patrol.replan import replan
from planner.plan.document import CarryIn, FillIn, PlanDocument, read_plan

if TYPE_CHECKING:
    from pathlib import Path

RESERVES = (
    'reserves = [{ id = "R1", name = "王磊" }, { id = "R2", name = "李娜" }, '
    '{ id = "R3", name = "赵强" }]'
)


def _plan(tmp: Path, rules_text: str, start: str, days: int, *extra: str) -> Path:
    from click.testing import CliRunner

    from web.cli import cli

    rules = tmp / "rules.toml"
    rules.write_text(rules_text, encoding="utf-8")
    out = tmp / "plan"
    args = ["plan", "--start", start, "--days", str(days), "--out", str(out)]
    args += ["--rules", str(rules), "--seed", "3", "--time-limit", "8", *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def rules_text() -> str:
    """The default rules with three reserves and 36 h of rest after a night."""
    from geodata.bundle import DEFAULT_DISTRICT_DIR

    text = (DEFAULT_DISTRICT_DIR / "rules.toml").read_text(encoding="utf-8")
    text = text.replace('reserves = [{ id = "R1", name = "备勤 reserve 1" }]', RESERVES)
    text = text.replace("rest_after_night_hours = 24 ", "rest_after_night_hours = 36 ")
    assert RESERVES in text and "rest_after_night_hours = 36" in text
    return text


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory, rules_text: str) -> Path:
    """A three-day plan: on the third day both off-duty groups are off a night too recently."""
    return _plan(tmp_path_factory.mktemp("reserves"), rules_text, "2026-12-07", 3)


@pytest.fixture(scope="module")
def after(before, inputs):
    """The plan with the third day's day group called away at 14:00."""
    (away,) = [g for g, row in before.roster.schedule.items() if row[2] == "D"]
    doc, changes = replan(before, inputs, away, datetime(2026, 12, 9, 14, 0), time_limit=2.0)
    return away, doc, changes


def test_reserves_are_called_when_every_group_is_blocked_by_rest(before, after, inputs) -> None:
    """Tests that reserves come as a unit of their own, named, and the plan passes the checks."""
    away, doc, changes = after
    assert before.roster.reserves and before.roster.reserves[0].name == "王磊"
    (call,) = doc.roster.call_ins
    assert call.of_reserves and call.replaces == away and call.date == "2026-12-09"
    assert set(call.members) == {"R1", "R2", "R3"}
    assert call.reason.startswith("Reserves 王磊, 李娜, 赵强 are called in")
    assert "the rules ask for 36 h of rest" in call.reason
    assert (
        "备勤人员（王磊、李娜、赵强）" in call.reason_zh and "规则要求休息36小时" in call.reason_zh
    )
    routes = [r for r in doc.routes if r.group_id == "" and r.unit_kind != "grid"]
    assert routes and {m for r in routes for m in r.members} == set(call.members)
    assert all(r.start_s == call.start_s and len(r.vehicles) == len(r.members) for r in routes)
    assert doc.roster.owner(routes[0]).name_zh == "备勤"
    assert any(c.startswith("Reserves unit reserve") for c in changes)
    checks = validate_plan(doc, inputs)
    assert all(c.ok for c in checks), [c.violations for c in checks if not c.ok]
    again = PlanDocument.from_json(doc.to_json())
    assert again.roster.call_ins == doc.roster.call_ins
    assert again.roster.reserves == doc.roster.reserves


def test_checker_rejects_a_reserve_called_without_rest(before, after, inputs) -> None:
    """Tests that a reserve lent to the night before its call-in breaks the rest rule."""
    _, doc, _ = after
    (night,) = [g for g, row in before.roster.schedule.items() if row[1] == "N"]
    tampered = replace(
        doc, roster=replace(doc.roster, fill_ins=(FillIn(night, "R1", "2026-12-08"),))
    )
    bad = roster_violations(tampered, inputs.rules_text, inputs.district.teams)
    assert (
        "Reserve R1 called in on 2026-12-09 shift D 7.5 h after its last shift ends; the rules "
        "ask for 36 h of rest." in bad
    )
    (call,) = doc.roster.call_ins
    stranger = replace(call, members=(*call.members, "A1"))
    odd = replace(doc, roster=replace(doc.roster, call_ins=(stranger,)))
    bad = roster_violations(odd, inputs.rules_text, inputs.district.teams)
    assert "Reserve A1 called in on 2026-12-09 shift D is not a reserve of the rules file." in bad
    clean = roster_violations(doc, inputs.rules_text, inputs.district.teams)
    assert not [b for b in clean if "called in" in b]


def test_old_plan_files_without_reserves_read_as_before(before) -> None:
    """Tests that a plan.json without the new fields reads, and bad ones are named."""
    data = before.to_dict()
    del data["roster"]["reserves"]
    assert PlanDocument.from_dict(data).roster.reserves == ()
    data["roster"]["call_ins"] = [
        {"group_id": "", "date": "2026-12-09", "shift_id": "D", "start_s": 1, "end_s": 2,
         "replaces": "A"}
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"roster.call_ins\[0\].members must name the reserves"):
        PlanDocument.from_dict(data)
    data["roster"]["call_ins"] = []
    data["roster"]["carry_in"] = {"start": "2026-12-05", "schedule": {"A": [None]}}
    with pytest.raises(ValueError, match=r"carry_in.schedule\['A'\] must have one entry per day"):
        PlanDocument.from_dict(data)


@pytest.fixture(scope="module")
def carried(tmp_path_factory: pytest.TempPathFactory, rules_text: str, plan_dir: Path):
    """A two-day plan after ``plan_dir``'s, made with it as the baseline (24 h after a night)."""
    text = rules_text.replace("rest_after_night_hours = 36 ", "rest_after_night_hours = 24 ")
    folder = _plan(
        tmp_path_factory.mktemp("carried"), text, "2026-12-10", 2,
        "--baseline", str(plan_dir / "plan.json"),
    )  # fmt: skip
    return read_plan(folder / "plan.json"), load_inputs(None, folder / "inputs" / "rules.toml")


def test_plan_records_the_days_carried_in(carried, before) -> None:
    """Tests that the plan keeps the baseline's days before its start, as the baseline had them."""
    doc, _ = carried
    carry = doc.roster.carry_in
    assert isinstance(carry, CarryIn) and carry.start == "2026-12-07"
    assert carry.schedule == before.roster.schedule


def test_group_off_a_night_before_the_plan_is_not_called_on_day_one(before, inputs) -> None:
    """Tests that the group whose baseline night ended at 07:00 of day 1 is not called then."""
    (away,) = [g for g, row in before.roster.schedule.items() if row[0] == "D"]
    free = sorted(g for g, row in before.roster.schedule.items() if row[0] is None)
    night = free[0]  # without the days before, the first of the rested groups would go
    carry = CarryIn("2026-12-06", {g: ("N" if g == night else None,) for g in free})
    doc = replace(before, roster=replace(before.roster, carry_in=carry))
    new, _ = replan(doc, inputs, away, datetime(2026, 12, 7, 6, 30), time_limit=2.0)
    (call,) = new.roster.call_ins
    assert call.group_id == free[1] and call.start_s == 7 * 3600
    assert f"Group {night} is not called: its last night ended 0 h before" in call.reason
    # The whole shift taken over passes every check, its alleys ridden end to end whatever
    # gate posts the repair after the search inserts before them.
    assert all(c.ok for c in new.validation), [c.violations for c in new.validation if not c.ok]
    # The checker reads the same days: a plan that calls that group at 07:00 is rejected.
    tampered = replace(new, roster=replace(new.roster, call_ins=(replace(call, group_id=night),)))
    bad = roster_violations(tampered, inputs.rules_text, inputs.district.teams)
    assert (
        f"Group {night} called in on 2026-12-07 shift D 0.0 h after its last shift ends; the "
        "rules ask for 36 h of rest." in bad
    )
    unknown = replace(doc.roster, carry_in=None)
    again, _ = replan(replace(before, roster=unknown), inputs, away, datetime(2026, 12, 7, 6, 30),
                      time_limit=1.0)  # fmt: skip
    assert again.roster.call_ins[0].group_id == night


def test_checker_reads_rest_from_the_days_carried_in(before, inputs) -> None:
    """Tests that a day-1 shift too soon after a night carried in breaks the rest rule."""
    (day_group,) = [g for g, row in before.roster.schedule.items() if row[0] == "D"]
    carry = CarryIn("2026-12-06", {day_group: ("N",)})
    doc = replace(before, roster=replace(before.roster, carry_in=carry))
    bad = roster_violations(doc, inputs.rules_text, inputs.district.teams)
    assert (
        f"Group {day_group} works D on 2026-12-07 0.0 h after its N shift of 2026-12-06 ends; "
        "the rules ask for 36 h of rest." in bad
    )
    assert not roster_violations(before, inputs.rules_text, inputs.district.teams)
