"""Tests of stable re-solves against the roster in force, frozen days and carry-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from planner.checks.roster import check_roster
from planner.exceptions import RulesError
from planner.patrol.baseline import (
    Baseline,
    apply_baseline,
    baseline_from_dict,
    changed_cells,
    read_baseline,
)
from planner.patrol.inputs import resolve_files
from planner.patrol.roster import build_patrol_problem, roster_document
from planner.roster.solve import RosterParams, solve_roster

START = dt.date(2026, 12, 7)
PARAMS = RosterParams(time_limit=20.0)


@pytest.fixture(scope="module")
def baseline_doc():
    """The default district's 28-day roster from 7 Dec 2026, as `patrol roster --json` gives."""
    _, rules, teams = resolve_files(None)
    roster = build_patrol_problem(rules, START, 28, teams=teams)
    result = solve_roster(roster.problem, PARAMS, seed=0)
    assert result.is_feasible()
    return json.loads(json.dumps(roster_document(roster, result)))


def _with_group_leave(tmp_path, group: str, first: dt.date, last: dt.date):
    _, rules, teams = resolve_files(None)
    text = rules.read_text(encoding="utf-8")
    for n in range(1, 5):
        text += (
            f'\n[[leave]]\nmember = "{group}{n}"\nfrom = "{first}"\nto = "{last}"\n'
            'reason = "called to a city operation"\n'
        )
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path, teams


def test_whole_group_leave_changes_few_cells_and_none_before_the_freeze(tmp_path, baseline_doc):
    """Tests that leave of a whole group on days 11-12 moves at most 8 cells, none before day 11."""
    base = baseline_from_dict(baseline_doc, source="roster.json")
    day11, day12 = START + dt.timedelta(days=11), START + dt.timedelta(days=12)
    # The group on the day shift of day 11 in the roster in force goes on leave.
    group = next(g for g, row in base.schedule.items() if row[11] == "D")
    rules, teams = _with_group_leave(tmp_path, group, day11, day12)
    fresh = build_patrol_problem(rules, START, 28, teams=teams)
    roster = apply_baseline(fresh, base, freeze_until=day11)
    result = solve_roster(roster.problem, PARAMS, seed=0)
    assert result.is_feasible()
    assert check_roster(roster.problem, result.assignment, result.lending).ok
    changed = changed_cells(roster, result.assignment)
    assert changed, "the leave must move the group's shifts"
    assert all(dt.date.fromisoformat(c["date"]) >= day11 for c in changed)
    assert len(changed) <= 8
    doc = roster_document(roster, result)
    assert doc["changed"] == changed
    assert doc["baseline"] == {"file": "roster.json", "freeze_until": day11.isoformat()}
    # Without the baseline the same leave re-draws far more of the roster.
    plain = solve_roster(fresh.problem, PARAMS, seed=0)
    redrawn = sum(
        a != b
        for g in base.schedule
        for a, b in zip(base.schedule[g], plain.assignment[g], strict=True)
    )
    assert redrawn > len(changed)


TAIL = {  # 30 Nov - 6 Dec 2026: one day and one night group each day; A ends on two nights.
    "A": ["D", "N", None, None, None, "N", "N"],
    "B": [None, "D", "N", None, "N", None, "D"],
    "C": ["N", None, "D", "N", None, "D", None],
    "D": [None, None, None, "D", "D", None, None],
}


def test_two_nights_before_the_period_are_carried_in(tmp_path):
    """Tests that after two nights in a row the next period starts with neither night nor day."""
    doc = {
        "status": "feasible",
        "dates": [(START - dt.timedelta(days=7 - i)).isoformat() for i in range(7)],
        "assignment": TAIL,
    }
    path = tmp_path / "last_week.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    base = read_baseline(path)
    _, rules, teams = resolve_files(None)
    roster = apply_baseline(build_patrol_problem(rules, START, 7, teams=teams), base)
    assert roster.problem.history_of("A")[-2:] == ("N", "N")
    result = solve_roster(roster.problem, PARAMS, seed=0)
    assert result.is_feasible()
    assert check_roster(roster.problem, result.assignment, result.lending).ok
    assert result.assignment["A"][0] is None
    # The checker sees the boundary: a third night on day 0 costs the nights-in-a-row weight,
    # and a day shift on day 0 breaks the rest after a night.
    for shift, rule in (("N", "max_nights_in_row"), ("D", "rest_after_night")):
        other = next(g for g in "BCD" if result.assignment[g][0] == shift)
        moved = dict(result.assignment)
        moved["A"] = [shift, *result.assignment["A"][1:]]
        moved[other] = [None, *result.assignment[other][1:]]
        check = check_roster(roster.problem, moved)
        assert rule in {v.rule for v in (*check.hard, *check.soft) if v.staff == "A"}
    assert not changed_cells(roster, result.assignment)


@pytest.mark.parametrize(
    ("doc", "freeze", "match"),
    [
        # another team's roster
        (
            {"status": "optimal", "dates": ["2026-12-07"], "assignment": {"X": ["D"]}},
            None,
            "is for groups X, not this team's A, B, C, D",
        ),
        # another period: a roster of October
        (
            {
                "status": "optimal",
                "dates": ["2026-10-01"],
                "assignment": {g: [None] for g in "ABCD"},
            },
            None,
            "neither overlaps 2026-12-07 to 2026-12-13 nor ends the day before it",
        ),
        # a freeze date after the period
        (
            {
                "status": "optimal",
                "dates": ["2026-12-07"],
                "assignment": {g: [None] for g in "ABCD"},
            },
            dt.date(2027, 1, 5),
            "--freeze-until 2027-01-05 is outside the roster's period",
        ),
        # a roster that failed
        ({"status": "infeasible", "dates": [], "assignment": {}}, None, "holds no roster"),
    ],
)
def test_a_baseline_that_does_not_fit_is_refused(doc, freeze, match):
    """Tests that a baseline for another team or period, or a bad freeze date, is one sentence."""
    _, rules, teams = resolve_files(None)
    roster = build_patrol_problem(rules, START, 7, teams=teams)
    with pytest.raises(RulesError, match=match):
        apply_baseline(roster, baseline_from_dict(doc, source="old.json"), freeze_until=freeze)


def test_plan_json_is_a_baseline():
    """Tests that a plan document's roster reads as a baseline with its dates."""
    base = baseline_from_dict(
        {"start": "2026-12-07", "days": 2, "roster": {"schedule": {"A": ["D", None]}}}
    )
    assert base == Baseline((START, START + dt.timedelta(days=1)), {"A": ("D", None)}, "baseline")


def test_roster_command_with_baseline_lists_changes(tmp_path, baseline_doc):
    """Tests `patrol roster --baseline --freeze-until --json` and its one-sentence errors."""
    from web.cli import cli

    week = {**baseline_doc, "dates": baseline_doc["dates"][:7]}
    week["assignment"] = {g: row[:7] for g, row in baseline_doc["assignment"].items()}
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(week), encoding="utf-8")
    runner = CliRunner()
    args = ["roster", "--start", "2026-12-07", "--days", "7", "--baseline", str(path)]
    res = runner.invoke(cli, [*args, "--freeze-until", "2026-12-10", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["changed"] == []
    assert doc["assignment"] == week["assignment"]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert "Changed from roster.json: 0 cell(s)." in text.output
    bad = runner.invoke(cli, [*args, "--freeze-until", "2027-02-01"])
    assert bad.exit_code == 2
    assert "Error: --freeze-until 2027-02-01 is outside the roster's period" in bad.output
    assert "Traceback" not in bad.output
    missing = runner.invoke(cli, [*args[:-1], str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "cannot be read" in missing.output


def test_baseline_carries_the_members_lent() -> None:
    """Tests that a plan.json's fill-ins become the lent members' shifts before the period."""
    import datetime as dt

    from planner.patrol.baseline import baseline_from_dict, carried_loans

    data = {
        "start": "2026-12-05",
        "days": 2,
        "roster": {
            "schedule": {"A": ["D", "N"], "B": [None, None]},
            "fill_ins": [{"group_id": "A", "member_id": "R1", "date": "2026-12-06"}],
        },
    }
    base = baseline_from_dict(data)
    assert base.lending == (("R1", "A", dt.date(2026, 12, 6)),)
    assert carried_loans(base, dt.date(2026, 12, 7)) == {"R1": (None, "N")}
    data["roster"]["fill_ins"] = [{"group_id": "Z", "member_id": "R1", "date": "2026-12-06"}]
    with pytest.raises(RulesError, match="lends 'R1' to 'Z'"):
        baseline_from_dict(data)
