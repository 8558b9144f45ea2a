"""Tests of patrol units: pairs, the whole group, breaks, the reserve, vehicles and their checks."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING

import pytest

from planner.checks.rules_reading import RawRules
from planner.checks.units import check_vehicles, unplanned_share
from planner.exceptions import PlanInputError
from planner.patrol.inputs import PatrolGroup, load_inputs
from planner.patrol.pipeline import make_plan
from planner.patrol.request import PlanRequest, TimeBudget
from planner.patrol.teams import PoolVehicle, TeamMember, Teams
from planner.patrol.units import assign_vehicles, present_members, shift_units, split
from planner.plan.document import read_plan

if TYPE_CHECKING:
    from pathlib import Path

MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def inputs():
    """The default district's inputs (its rules: pairs, a together window at night)."""
    return load_inputs(None)


def test_groups_split_into_pairs_and_an_odd_member_joins_the_last():
    """Tests pairs (二人一组) and a trio when a member is left over."""
    assert split(["a", "b", "c", "d"], 2) == [("a", "b"), ("c", "d")]
    assert split(["a", "b", "c"], 2) == [("a", "b", "c")]
    assert split(["a", "b", "c", "d", "e"], 2) == [("a", "b"), ("c", "d", "e")]
    assert split([], 2) == []


def test_a_night_has_pairs_resting_in_turns_and_the_whole_group_together(inputs):
    """Tests the night's units: two pairs, rests one after the other, one whole-group unit."""
    group = inputs.group("A")
    night = inputs.rules.shift("N")
    units = shift_units(night, [(group, list(group.members))], inputs.rules)
    pairs = [u for u in units if u.kind == "pair"]
    (whole,) = [u for u in units if u.kind == "group"]
    assert [u.id for u in pairs] == ["A-1", "A-2"] and whole.id == "A-all"
    assert whole.members == group.members and whole.mode == "foot"
    rests = sorted(b.earliest for u in pairs for b in u.breaks if b.kind == "rest")
    assert rests[1] - rests[0] == 3600  # one after the other: the street is never empty
    for u in pairs:
        kinds = sorted(b.kind for b in u.breaks)
        assert kinds == ["meal", "meal", "rest", "together"]
        wait = next(b for b in u.breaks if b.kind == "together")
        assert (wait.earliest, wait.duration) == (whole.start_s, whole.end_s - whole.start_s)
        assert u.handover_s == 900 and u.street_s == 12 * 3600 - 1800 - 3600 - 5400 - 3600


def test_members_on_leave_are_no_crew(inputs):
    """Tests that a member on leave that day is in no unit and a fill-in is."""
    group = inputs.group("B")
    away = present_members(group, date(2026, 12, 15), inputs.rules, ["R1"])
    assert "B2" not in away and "B3" not in away  # on leave 14-16 and 15-16 Dec
    assert away == ["B1", "B4", "R1"]


def _teams(pool: dict[str, int], licensed: tuple[str, ...] = ()) -> Teams:
    vehicles = tuple(
        PoolVehicle(f"{mode}{k}", mode) for mode, n in pool.items() for k in range(1, n + 1)
    )
    members = {
        m: TeamMember(
            m, group="G", licences=frozenset({"motorcycle"}) if m in licensed else frozenset()
        )
        for m in ("G1", "G2", "G3", "G4")
    }
    return Teams((), members, vehicles)


def _units(mode: str, rules):
    group = PatrolGroup("G", "组", "Group G", ("G1", "G2", "G3", "G4"), mode, "P1")
    return shift_units(rules.shift("D"), [(group, list(group.members))], rules)


def test_each_rider_takes_a_vehicle_and_the_pool_is_never_exceeded(inputs):
    """Tests vehicles per member, and one sentence when the pool is too small."""
    units = _units("ebike", inputs.rules)
    ((_, done),) = assign_vehicles([(MONDAY, units)], _teams({"ebike": 4}))
    assert [u.vehicles for u in done] == [("ebike1", "ebike2"), ("ebike3", "ebike4")]
    with pytest.raises(PlanInputError, match=r"Unit G-2 of group G needs 2 ebikes from .* only 1"):
        assign_vehicles([(MONDAY, units)], _teams({"ebike": 3}))


def test_a_motorcycle_needs_a_licensed_rider(inputs):
    """Tests that a unit on motorcycles with an unlicensed member is refused, naming him."""
    units = _units("motorcycle", inputs.rules)
    with pytest.raises(PlanInputError, match="member G3 holds no motorcycle licence"):
        assign_vehicles([(MONDAY, units)], _teams({"motorcycle": 4}, ("G1", "G2")))
    assign_vehicles([(MONDAY, units)], _teams({"motorcycle": 4}, ("G1", "G2", "G3", "G4")))


@pytest.fixture(scope="module")
def plan(small_plan: Path):
    """The session's one-day plan."""
    return read_plan(small_plan / "plan.json")


def test_the_vehicle_check_finds_a_pool_exceeded_and_an_unlicensed_rider(plan, inputs):
    """Tests that the checker fails a plan riding more of a kind than the pool holds."""
    rules = RawRules(inputs.rules_text, inputs.district.teams)
    assert check_vehicles(plan, rules) == []
    # Every unit on motorcycles: the pool has two and most members hold no licence.
    routes = tuple(
        dataclasses.replace(r, mode="motorcycle", vehicles=("MC01", "MC02")[: len(r.members)])
        for r in plan.routes
        if r.unit_kind == "pair"
    )
    bad = check_vehicles(dataclasses.replace(plan, routes=routes), rules)
    text = " ".join(bad)
    assert "motorcycles are in use at once, but the pool has 2" in text
    assert "without a motorcycle licence" in text
    assert "Vehicle MC01 is ridden by" in text


def test_every_unit_leaves_a_quarter_of_its_street_time_for_calls(plan):
    """Tests the reserve: no unit-shift of the plan is planned beyond 75 % of its street time."""
    shares = [unplanned_share(r, r.handover_s) for r in plan.routes if r.unit_kind == "pair"]
    assert shares and min(shares) >= 0.25 - 0.005


def test_a_member_on_leave_is_not_on_the_sheet(tmp_path: Path, data_dir: Path):
    """Tests that a member on leave is no crew in plan.json and not named on the route sheet."""
    from pypdf import PdfReader

    from web.plans.printing import write_route_sheets

    text = (data_dir / "pipeline" / "rules_two_day_groups.toml").read_text(encoding="utf-8")
    text += (
        '\n[[leave]]\nmember = "A2"\nfrom = "2026-12-07"\nto = "2026-12-07"\nreason = "ill"\n'
        '\n[[pins]]\ngroup = "A"\ndate = "2026-12-07"\nshift = "D"\n'
    )
    rules = tmp_path / "rules.toml"
    rules.write_text(text, encoding="utf-8")
    inputs = load_inputs(None, rules)
    doc = make_plan(inputs, PlanRequest(MONDAY, 1, 1, TimeBudget(2.0, 0.5)))
    crew = [m for r in doc.routes if r.group_id == "A" for m in r.members]
    assert "A2" not in crew and sorted(crew) == ["A1", "A3", "A4"]
    (unit,) = [r for r in doc.routes if r.group_id == "A"]  # three members: one unit of three
    assert unit.unit_id == "A" and len(unit.vehicles) == 3
    sheet = tmp_path / "sheets.pdf"
    write_route_sheets(doc, sheet, streets=inputs.district.streets)
    pages = [p.extract_text() for p in PdfReader(sheet).pages]
    page = next(p for p in pages if "郭婷" in p)  # A1
    names = {m.id: m.name for m in doc.roster.group("A").members}
    assert names["A2"] not in page and names["A3"] in page and names["A4"] in page


def test_a_unit_size_no_group_can_staff_is_refused(tmp_path: Path, data_dir: Path):
    """Tests one sentence naming the group when [units] size is larger than a group."""
    from planner.exceptions import RulesError

    text = (data_dir / "pipeline" / "rules_two_day_groups.toml").read_text(encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(text + "\n[units]\nsize = 5\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"size is 5, but group A has only 4 members"):
        load_inputs(None, rules)
