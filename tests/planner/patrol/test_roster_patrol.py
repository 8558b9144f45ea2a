"""Tests of the default district's patrol roster and the `patrol roster` command."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from planner.checks.roster import check_roster
from planner.patrol.inputs import resolve_files
from planner.patrol.roster import build_patrol_problem
from planner.roster.solve import RosterParams, SolveStatus, solve_roster


def test_default_district_28_days():
    """Tests the default 4-group 28-day roster: proven, fair nights, rest after nights."""
    _, rules, teams = resolve_files(None)
    roster = build_patrol_problem(rules, dt.date(2026, 12, 7), 28, teams=teams)
    result = solve_roster(roster.problem, RosterParams(time_limit=20.0), seed=0)
    assert result.status is SolveStatus.OPTIMAL
    assert check_roster(roster.problem, result.assignment, result.lending).ok
    nights = [row.count("N") for row in result.assignment.values()]
    assert len(nights) == 4 and max(nights) - min(nights) <= 1
    for row in result.assignment.values():
        for d in range(27):
            assert not (row[d] == "N" and row[d + 1] == "D")
    # Surge nights (Christmas Eve, New Year's Eve) get two groups.
    for d in (17, 24):
        assert sum(row[d] == "N" for row in result.assignment.values()) == 2


def test_leave_is_filled_in_when_a_group_must_work(tmp_path):
    """Tests that a pinned shift of a group short of members brings in a fill-in member."""
    _, rules, teams = resolve_files(None)
    text = rules.read_text(encoding="utf-8")
    text += '\n[[pins]]\ngroup = "B"\ndate = "2026-12-15"\nshift = "D"\n'
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    roster = build_patrol_problem(path, dt.date(2026, 12, 7), 14, teams=teams)
    result = solve_roster(roster.problem, RosterParams(time_limit=10.0), seed=0)
    assert result.is_feasible()
    assert any(group == "B" and day == 8 for _, group, day in result.lending)
    assert any(v.rule == "lend" for v in result.penalties)


def test_roster_command_json_and_text(tmp_path):
    """Tests `patrol roster` prints a readable roster and writes the JSON roster."""
    from web.cli import cli

    runner = CliRunner()
    out = tmp_path / "roster.json"
    res = runner.invoke(cli, ["roster", "--start", "2026-12-07", "--days", "7", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Group A" in res.output and "status optimal" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc["assignment"]) == {"A", "B", "C", "D"}
    assert all(len(row) == 7 for row in doc["assignment"].values())
    bad = runner.invoke(cli, ["roster", "--start", "7 Dec", "--days", "7"])
    assert bad.exit_code == 2 and "Error: --start must be a date" in bad.output


def test_roster_command_explains_an_impossible_request(data_dir):
    """Tests that an impossible rules file names the conflicting rules and exits with 1."""
    from web.cli import cli

    rules = data_dir / "roster" / "rules_impossible.toml"
    res = CliRunner().invoke(
        cli,
        [
            "roster",
            "--start",
            "2026-12-07",
            "--days",
            "3",
            "--rules",
            str(rules),
            "--time-limit",
            "3",
        ],
    )
    assert res.exit_code == 1, res.output
    assert "status infeasible" in res.output
    assert "These rules cannot all hold together:" in res.output
    assert "maximum nights in a row (1)" in res.output
    assert "rest after a night shift before the next shift (24 h)" in res.output
