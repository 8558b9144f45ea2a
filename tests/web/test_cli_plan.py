"""Tests of `patrol plan`, `validate` and `replan` on the command line, and of every output."""

from __future__ import annotations

import csv
import json
import re
from typing import TYPE_CHECKING

import gpxpy
import icalendar
import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from planner.plan.document import read_plan
from web.cli import cli

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def doc(small_plan: Path):
    """The session's one-day plan."""
    return read_plan(small_plan / "plan.json")


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_every_output_is_written(small_plan: Path, doc) -> None:
    """Tests that the plan folder holds every output named in the command's help."""
    names = {p.relative_to(small_plan).as_posix() for p in small_plan.rglob("*") if p.is_file()}
    wanted = ["plan.json", "roster.csv", "roster.xlsx", "routes.geojson", "coverage.csv"]
    wanted += ["map.html", "route_sheets.pdf", "inputs/rules.toml", "inputs/teams.toml"]
    for name in wanted:
        assert name in names
    assert {f"calendar/roster-{g.id}.ics" for g in doc.roster.groups} <= names
    assert {f"gpx/route-{r.id}.gpx" for r in doc.routes} <= names


def test_plan_json_round_trip(small_plan: Path, doc) -> None:
    """Tests that plan.json reads back to a document that writes the same JSON."""
    text = (small_plan / "plan.json").read_text(encoding="utf-8")
    assert doc.to_json() + "\n" == text
    assert type(doc).from_json(doc.to_json()) == doc


def test_exports_parse_back(small_plan: Path, doc) -> None:
    """Tests that each export opens with its own library and agrees with the plan."""
    wb = openpyxl.load_workbook(small_plan / "roster.xlsx")
    assert wb.sheetnames
    with (small_plan / "roster.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["group_id"]: r[doc.start] or None for r in rows} == {
        g: row[0] for g, row in doc.roster.schedule.items()
    }
    for g in doc.roster.groups:
        cal = icalendar.Calendar.from_ical(
            (small_plan / f"calendar/roster-{g.id}.ics").read_bytes()
        )
        events = [e for e in cal.walk("VEVENT")]
        assert len(events) == sum(s is not None for s in doc.roster.schedule[g.id])
    geo = json.loads((small_plan / "routes.geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection" and geo["features"]
    for r in doc.routes:
        gpx = gpxpy.parse((small_plan / f"gpx/route-{r.id}.gpx").read_text(encoding="utf-8"))
        assert len(gpx.waypoints) + sum(len(t.points) for t in gpx.routes) >= len(r.stops) - 1
    with (small_plan / "coverage.csv").open(encoding="utf-8-sig") as fh:
        levels = {row["level"] for row in csv.DictReader(fh)}
    assert levels == {"area", "grid", "inspection"}
    # A page per unit-shift, then the shifts' walks several to a page.
    pages = len(PdfReader(small_plan / "route_sheets.pdf").pages)
    units = sum(r.unit_kind != "grid" for r in doc.routes)
    walks = len(doc.routes) - units
    shifts = len({(r.date, r.shift_id) for r in doc.routes if r.unit_kind == "grid"})
    assert units + shifts <= pages <= units + max(shifts, walks // 2)


def test_map_loads_nothing_from_the_network(small_plan: Path, doc) -> None:
    """Tests that the map page names every route and loads no script or style from outside."""
    html = (small_plan / "map.html").read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']https?://""", html)
    for r in doc.routes:
        assert r.date[5:] in html
    assert "12-07" in html and "Leaflet" in html


def test_validate_passes_and_prints_json(small_plan: Path) -> None:
    """Tests that `patrol validate` exits 0 on the plan with a JSON summary on stdout."""
    result = _run("validate", str(small_plan / "plan.json"))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert set(summary["checks"]) == {
        "inputs", "roster", "routes", "dose", "units", "vehicles", "shift_time", "hours",
        "inspections",
    }  # fmt: skip


def test_validate_fails_on_a_tampered_plan(small_plan: Path, tmp_path: Path) -> None:
    """Tests that a stop time changed by hand makes `patrol validate` exit 1 with words."""
    data = json.loads((small_plan / "plan.json").read_text(encoding="utf-8"))
    stops = data["routes"][0]["stops"]
    # A stop followed by two minutes of slack, so the shifted times still read as a plan.
    k = next(
        k
        for k in range(2, len(stops) - 1)
        if stops[k + 1]["arrival"] - stops[k]["departure"] >= 120
    )
    stop = stops[k]
    for key in ("arrival", "start", "departure"):
        stop[key] += 120
    (tmp_path / "plan.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "inputs").mkdir()
    for name in ("rules.toml", "teams.toml"):
        (tmp_path / "inputs" / name).write_bytes((small_plan / "inputs" / name).read_bytes())
    result = _run("validate", str(tmp_path / "plan.json"))
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False
    assert f"routes: At stop {k}" in result.stderr and "recomputed" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["plan", "--start", "2026-13-01", "--days", "1", "--out", "{tmp}/o"],
            "--start must be a date",
        ),
        (
            [
                "plan",
                "--start",
                "2026-12-07",
                "--days",
                "1",
                "--out",
                "{tmp}/o",
                "--rules",
                "{tmp}/none.toml",
            ],
            "does not exist",
        ),
        (["validate", "{tmp}/missing.json"], "no such plan file"),
        (
            ["replan", "{plan}", "--group", "Z", "--from", "2026-12-07 14:00", "--out", "{tmp}/r"],
            "no group 'Z'",
        ),
        (
            ["replan", "{plan}", "--group", "A", "--from", "7 Dec 14:00", "--out", "{tmp}/r"],
            "--from must look like",
        ),
        (  # a baseline of another period
            [
                "plan",
                "--start",
                "2027-03-01",
                "--days",
                "1",
                "--out",
                "{tmp}/o",
                "--baseline",
                "{plan}",
            ],
            "neither overlaps 2027-03-01",
        ),
        (  # a freeze date outside the horizon
            [
                "plan",
                "--start",
                "2026-12-07",
                "--days",
                "1",
                "--out",
                "{tmp}/o",
                "--baseline",
                "{plan}",
                "--freeze-until",
                "2026-12-20",
            ],
            "--freeze-until 2026-12-20 is outside the roster's period",
        ),
        (  # a freeze date without a baseline
            [
                "plan",
                "--start",
                "2026-12-07",
                "--days",
                "1",
                "--out",
                "{tmp}/o",
                "--freeze-until",
                "2026-12-07",
            ],
            "--freeze-until needs --baseline",
        ),
        (  # a group to call in that the plan does not have
            [
                "replan",
                "{plan}",
                "--group",
                "A",
                "--from",
                "2026-12-07 14:00",
                "--call-in",
                "Z",
                "--out",
                "{tmp}/r",
            ],
            "The group to call in must be 'auto', 'none' or one of",
        ),
    ],
)
def test_bad_input_one_line_no_traceback(args, words, tmp_path: Path, small_plan: Path) -> None:
    """Tests that bad command-line input gives one line on stderr, exit 2 and no traceback."""
    args = [a.format(tmp=tmp_path, plan=small_plan / "plan.json") for a in args]
    result = _run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and words in lines[0]
    assert "Traceback" not in result.output


def test_days_out_of_range_is_refused(tmp_path: Path) -> None:
    """Tests that --days 0 is refused by the option's range check without planning anything."""
    result = _run("plan", "--start", "2026-12-07", "--days", "0", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "--days" in result.stderr
    assert not (tmp_path / "o").exists()


def test_replan_calls_in_an_off_duty_group(small_plan: Path, doc, tmp_path: Path) -> None:
    """Tests that `patrol replan` of the lone night group calls in an off-duty group, says who
    and why in English and Chinese, and writes a plan that passes `patrol validate`."""
    (night,) = [g for g, row in doc.roster.schedule.items() if row[0] == "N"]
    out = tmp_path / "r"
    args = ["replan", str(small_plan / "plan.json"), "--group", night]
    args += ["--from", "2026-12-07 22:00", "--out", str(out), "--time-limit", "2"]
    result = _run(*args)
    assert result.exit_code == 0, result.output
    (call,) = read_plan(out / "plan.json").roster.call_ins
    assert call.replaces == night and call.shift_id == "N" and call.start_s == 22 * 3600 + 1800
    assert f"Group {call.group_id} is called in for group {night}" in result.output
    assert f"调用{call.group_id}组" in result.output
    assert _run("validate", str(out / "plan.json")).exit_code == 0


def test_a_baseline_of_another_team_is_refused(small_plan: Path, tmp_path: Path) -> None:
    """Tests that `patrol plan --baseline` of other groups is refused in one sentence, before
    any folder is made."""
    other = json.loads((small_plan / "plan.json").read_text(encoding="utf-8"))
    other["roster"]["schedule"] = {"X": ["D"], "Y": ["N"]}
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    out = tmp_path / "o"
    args = ["plan", "--start", "2026-12-07", "--days", "1", "--out", str(out)]
    result = _run(*args, "--baseline", str(path))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "The baseline other.json is for groups X, Y, not this team's A, B, C, D." in line
    assert not out.exists()
