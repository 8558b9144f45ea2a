"""Tests of the data exports, each read back with its own library."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import openpyxl
import pytest

from planner.plan.document import PlanDocument, read_plan
from planner.plan.exports import (
    HOLIDAY_FILL,
    LEAVE_FILL,
    NIGHT_FILL,
    WEEKEND_FILL,
    spreadsheet_text,
    write_coverage_csv,
    write_exports,
    write_gpx,
    write_icalendars,
    write_roster_csv,
    write_roster_xlsx,
    write_routes_geojson,
)

if TYPE_CHECKING:
    from pathlib import Path

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def doc(data_dir: Path) -> PlanDocument:
    return read_plan(data_dir / "plan" / "plan.json")


def test_roster_csv(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that the roster CSV has a row per group and the shift id per day."""
    (path,) = write_roster_csv(doc, tmp_path / "roster.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["group_id", "group 组", "2026-09-30", "2026-10-01"]
    assert rows[1] == ["g1", "第一组 Group 1", "D", ""]
    assert rows[2] == ["g2", "第二组 Group 2", "", "N"]


def test_roster_xlsx(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests the calendar sheet's cells and fills, and the fairness sheet's counts."""
    (path,) = write_roster_xlsx(doc, tmp_path / "roster.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["排班 Roster", "公平 Fairness", "班次 Shifts"]
    ws = wb["排班 Roster"]
    assert ws["A2"].value == "组 Group"
    assert ws["C2"].value.startswith("09-30 周三 Wed")
    # 2026-10-01 is National Day: its header is shaded as a holiday.
    assert ws["D2"].fill.start_color.rgb.endswith(HOLIDAY_FILL)
    assert ws["D2"].value == "10-01 周四 Thu\n国庆节 National Day"
    assert ws["A3"].value == "第一组 Group 1" and ws["B3"].value == "张伟、李娜"
    assert ws["C3"].value.startswith("白班 Day")
    # Group 1 is off on the holiday with Li Na on leave.
    assert "李娜" in ws["D3"].value
    assert ws["D3"].fill.start_color.rgb.endswith(LEAVE_FILL)
    # Group 2's night shift is filled dark blue with white text.
    assert ws["D4"].value.startswith("夜班 Night\n20:00-08:00")
    assert ws["D4"].fill.start_color.rgb.endswith(NIGHT_FILL)
    assert ws["D4"].font.color.rgb.endswith("FFFFFF")
    assert not ws["C3"].fill.start_color.rgb.endswith(NIGHT_FILL)
    fs = wb["公平 Fairness"]
    rows = [[c.value for c in row] for row in fs.iter_rows(min_row=2)]
    assert rows == [["第一组 Group 1", 1, 0, 0, 0], ["第二组 Group 2", 1, 1, 0, 1]]


def test_roster_xlsx_shades_weekends(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that Saturday and Sunday columns are shaded grey and weekdays are not."""
    weekend = dataclasses.replace(
        doc,
        start="2026-10-10",
        routes=(),
        roster=dataclasses.replace(doc.roster, holidays=(), leave=()),
    )
    (path,) = write_roster_xlsx(weekend, tmp_path / "weekend.xlsx")
    ws = openpyxl.load_workbook(path)["排班 Roster"]
    assert ws["C2"].value.startswith("10-10 周六 Sat")
    assert ws["C2"].fill.start_color.rgb.endswith(WEEKEND_FILL)
    assert ws["D2"].fill.start_color.rgb.endswith(WEEKEND_FILL)
    # Group 2 is off on Saturday: its cell is shaded; group 1's day shift is not.
    assert ws["C4"].fill.start_color.rgb.endswith(WEEKEND_FILL)
    assert not ws["C3"].fill.start_color.rgb.endswith(WEEKEND_FILL)


def test_icalendar_night_shift_ends_next_morning(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests one calendar per group, local TZID times, and the night shift ending next day."""
    paths = write_icalendars(doc, tmp_path / "cal")
    assert [p.name for p in paths] == ["roster-g1.ics", "roster-g2.ics"]
    cal = icalendar.Calendar.from_ical(paths[1].read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    start, end = events[0].decoded("dtstart"), events[0].decoded("dtend")
    assert start == datetime(2026, 10, 1, 20, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 10, 2, 8, 0, tzinfo=SHANGHAI)
    assert events[0]["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert "王强" in str(events[0]["description"])
    day = list(icalendar.Calendar.from_ical(paths[0].read_bytes()).walk("VEVENT"))
    assert day[0].decoded("dtend") == datetime(2026, 9, 30, 20, 0, tzinfo=SHANGHAI)


def test_routes_geojson(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that legs are LineStrings and stops Points with their planned times."""
    (path,) = write_routes_geojson(doc, tmp_path / "routes.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    stops = [f for f in data["features"] if f["properties"]["feature"] == "stop"]
    legs = [f for f in data["features"] if f["properties"]["feature"] == "leg"]
    alleys = [f for f in data["features"] if f["properties"]["feature"] == "alley"]
    assert len(stops) == sum(len(r.stops) for r in doc.routes) == 10
    # Every stop but the first of each route is reached by a leg.
    assert len(legs) == 8 and all(f["geometry"]["type"] == "LineString" for f in legs)
    assert len(alleys) == 2
    bank = next(f for f in stops if f["properties"]["name"] == "招商银行")
    assert bank["geometry"]["coordinates"] == [118.7777048, 32.0433821]
    assert bank["properties"]["label"] == "2"
    assert bank["properties"]["arrival"].startswith("2026-10-02T00:")
    assert bank["properties"]["windows"] == [
        ["2026-10-02T00:00:00+08:00", "2026-10-02T01:00:00+08:00"]
    ]


def test_gpx_waypoints_are_the_stops(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests one GPX per route with a waypoint per stop and a track along the legs."""
    paths = write_gpx(doc, tmp_path / "gpx")
    assert [p.name for p in paths] == ["route-g1-2026-09-30-D.gpx", "route-g2-2026-10-01-N.gpx"]
    for path, route in zip(paths, doc.routes, strict=True):
        gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
        assert len(gpx.waypoints) == len(route.stops)
        names = [w.name for w in gpx.waypoints]
        assert names[0].startswith("B ") and names[1].startswith("1 ")
        points = gpx.tracks[0].segments[0].points
        legs = sum(len(s.leg) for s in route.stops)
        assert 0.5 * legs < len(points) <= legs + 2 * len(route.stops)
        first = gpx.waypoints[1]
        expected = doc.local_time(route.date, route.stops[1].arrival).astimezone(UTC)
        assert first.time == expected
    night = gpxpy.parse(paths[1].read_text(encoding="utf-8"))
    assert "00:00-01:00" in night.waypoints[2].description


def test_coverage_csv(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that coverage rows come back with their delivered share, areas before grids."""
    (path,) = write_coverage_csv(doc, tmp_path / "coverage.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["level"] for r in rows] == ["area", "area", "grid"]
    grid = rows[2]
    assert grid["name"] == "网格一 Grid 1" and grid["share"] == "0.825"
    assert rows[0]["camera_share"] == ""


def test_write_exports_lists_every_file(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that write_exports returns each file it wrote, and that they exist."""
    paths = write_exports(doc, tmp_path / "out")
    assert len(paths) == 8
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)


FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize(
    "name",
    [
        FORMULA,  # a formula
        "+1+cmd|' /C calc'!A0",  # DDE through a plus sign
        "-2+3",  # a minus sign
        "@SUM(1)",  # an at sign
    ],
)
def test_spreadsheet_cells_are_never_formulas(doc: PlanDocument, tmp_path: Path, name: str) -> None:
    """Tests that a group name that a spreadsheet would run is written as text in the roster
    CSV (a leading apostrophe, OWASP) and in the workbook (a quote-prefixed text cell)."""
    first = dataclasses.replace(doc.roster.groups[0], name=name, name_zh="")
    roster = dataclasses.replace(doc.roster, groups=(first, *doc.roster.groups[1:]))
    evil = dataclasses.replace(doc, roster=roster)
    (path,) = write_roster_csv(evil, tmp_path / "roster.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][1] == "'" + name
    (path,) = write_roster_xlsx(evil, tmp_path / "roster.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    cell = wb["排班 Roster"]["A3"]
    assert cell.value == name and cell.data_type == "s" and cell.quotePrefix


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("\t=1", "'\t=1"),  # a leading tab
        ("\r=1", "'\r=1"),  # a leading carriage return
        ("a=1", "a=1"),  # a formula character later on
        (-3, -3),  # a number stays a number
        ("", ""),  # an empty cell
    ],
)
def test_spreadsheet_text(value: object, written: object) -> None:
    """Tests which CSV cells get the leading apostrophe."""
    assert spreadsheet_text(value) == written


def test_plain_names_are_written_as_they_are(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that names without a formula's first character get no apostrophe."""
    (path,) = write_roster_csv(doc, tmp_path / "roster.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert not any(cell.startswith("'") for row in csv.reader(fh) for cell in row)
