"""Tests of the plan pipeline: stages, routes per group-shift, seeds and the shift problems."""

from __future__ import annotations

import itertools
from datetime import date
from typing import TYPE_CHECKING

import pytest

from planner.exceptions import ProblemError, RulesError
from planner.patrol.inputs import resolve_groups
from planner.patrol.pipeline import shift_seed
from planner.patrol.request import PlanRequest, TimeBudget
from planner.patrol.routes import GATE_VALUE_FACTOR, area_of, gate_priority, split_visits
from planner.patrol.rules_file import load_rules
from planner.patrol.teams import read_teams
from planner.plan.document import read_plan
from planner.routing.model import Site

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def doc(small_plan: Path):
    """The session's one-day plan."""
    return read_plan(small_plan / "plan.json")


def test_stages_in_order_with_status_and_runtime(doc) -> None:
    """Tests that every stage is recorded in order with a status and a runtime."""
    names = [s.name for s in doc.stages]
    assert names == ["risk", "dose", "roster", "routes", "coverage", "validate"]
    assert all(s.runtime >= 0 for s in doc.stages)
    assert {s.status for s in doc.stages} <= {"OPTIMAL", "FEASIBLE"}
    routes = next(s for s in doc.stages if s.name == "routes")
    assert 0 < routes.objective <= routes.bound


def test_every_group_on_duty_patrols_in_pairs(doc) -> None:
    """Tests that each group on duty works as two pairs, each its own route; groups off none."""
    on = {(g, sid) for g, row in doc.roster.schedule.items() for sid in row if sid}
    unit_routes = [r for r in doc.routes if r.unit_kind != "grid"]
    got = {(r.group_id, r.shift_id) for r in unit_routes}
    assert got == on
    assert sorted(sid for _, sid in on) == ["D", "D", "N"]  # the test rules: D = 2, N = 1
    for g, sid in on:
        units = sorted(r.unit_id for r in doc.routes if (r.group_id, r.shift_id) == (g, sid))
        assert units == [f"{g}-1", f"{g}-2"]
        members = [m for r in unit_routes if r.group_id == g for m in r.members]
        assert sorted(members) == sorted(doc.roster.group(g).members[i].id for i in range(4))
    for r in unit_routes:
        assert len(r.members) == 2 and len(r.vehicles) == 2
        assert r.stops[0].kind == r.stops[-1].kind == "base"
        assert sum(s.kind in ("visit", "alley") for s in r.stops) > 5  # nights: mostly alleys
        shift = doc.roster.shift(r.shift_id)
        assert r.start_s == shift.start_minute * 60
        assert r.end_s == r.start_s + shift.duration_minutes * 60


def test_every_unit_takes_its_breaks_at_its_base(doc) -> None:
    """Tests two 30-minute meals in their windows, the handovers, and the night rest in turns."""
    for r in (r for r in doc.routes if r.unit_kind != "grid"):
        meals = [s for s in r.stops if s.kind == "break" and s.site_id == "meal"]
        assert len(meals) == 2
        for meal in meals:
            assert (meal.lon, meal.lat) == (r.stops[0].lon, r.stops[0].lat)
            assert meal.dwell == 1800
            ((lo, hi),) = meal.windows
            assert lo <= meal.start <= hi
        assert r.stops[0].dwell >= 900 and r.stops[-1].dwell >= 900  # sign in, hand over
    night = [r for r in doc.routes if r.shift_id == "N"]
    rests = sorted(s.start for r in night for s in r.stops if s.site_id == "rest")
    assert len(rests) == 2 and rests[1] - rests[0] >= 3600  # one pair after the other


def test_plan_records_seed_fingerprints_and_passing_checks(doc) -> None:
    """Tests that the plan records its seed, input fingerprints and the validators' verdicts."""
    assert doc.seed == 3 and doc.plan_id.endswith("-s3")
    assert {"district.gpkg", "rules.toml", "teams.toml"} <= set(doc.fingerprints)
    assert [c.name for c in doc.validation][:4] == ["inputs", "roster", "routes", "dose"]
    assert all(c.ok for c in doc.validation), doc.validation


def test_dose_rows_match_routes(doc) -> None:
    """Tests that planned visits in the dose rows count the routes' visits of each area."""
    visits: dict[tuple[str, str], int] = {}
    for r in doc.routes:
        for s in r.stops:
            if s.kind in ("visit", "alley", "fixed_post", "inspection"):
                visits[(s.area_id, r.shift_id)] = visits.get((s.area_id, r.shift_id), 0) + 1
    assert sum(d.planned_visits for d in doc.dose) == sum(visits.values())
    for d in doc.dose:
        assert d.planned_visits == visits.get((d.area_id, d.shift_id), 0)


def test_bad_requests_are_refused_before_any_work() -> None:
    """Tests that a bad horizon, seed or time budget is refused in one sentence."""
    with pytest.raises(ProblemError, match="1 to 62 days, not 0"):
        PlanRequest(date(2026, 12, 7), 0)
    with pytest.raises(ProblemError, match="seed must be from 0"):
        PlanRequest(date(2026, 12, 7), 1, seed=-1)
    with pytest.raises(ProblemError, match="ends after the last date"):
        PlanRequest(date(9999, 12, 30), 7)
    with pytest.raises(ProblemError, match="positive number of seconds"):
        TimeBudget.within(0, 14)
    with pytest.raises(ProblemError, match="roster seconds must be a positive number"):
        TimeBudget(roster=float("nan"))


def test_a_time_limit_is_split_as_the_default_budget() -> None:
    """Tests that --time-limit T gives the whole plan T seconds, split as the default is."""
    default = TimeBudget()
    assert default.total(14) == pytest.approx(26.0)
    week = TimeBudget.within(26.0, 14)
    assert (week.roster, week.per_shift) == pytest.approx((5.0, 1.5))
    half = TimeBudget.within(13.0, 14)
    assert half.total(14) == pytest.approx(13.0)
    assert half.per_shift == pytest.approx(0.75)
    assert "roster 5.0 s, routes 14 × 1.50 s" in default.describe(14)


def test_shift_seed_is_stable_and_varies_by_day() -> None:
    """Tests that each shift's seed is reproducible and differs between days and shifts."""
    a = shift_seed(7, "2026-12-07", "D")
    assert a == shift_seed(7, "2026-12-07", "D")
    assert len({a, shift_seed(7, "2026-12-08", "D"), shift_seed(7, "2026-12-07", "N")}) == 3
    assert a != shift_seed(8, "2026-12-07", "D")


def test_groups_get_their_mode_and_base_from_teams_and_bad_ones_are_refused(
    tmp_path: Path,
) -> None:
    """Tests that modes and base posts come from teams.toml and bad ones are refused."""
    rules = tmp_path / "rules.toml"
    rules.write_text('version = 1\n[[shifts]]\nid = "D"\nstart = "08:00"\nend = "20:00"\n')
    teams = read_teams(
        {"groups": [{"id": "A", "default_mode": "bicycle", "base_post": "P2"}, {"id": "B"}]}
    )
    got = resolve_groups(load_rules(rules, teams=teams), ["P2", "P1"], "x")
    # B: no mode, so the default e-bike; no base, so the posts in id order, the second
    assert [(g.id, g.mode, g.base_post) for g in got] == [
        ("A", "bicycle", "P2"),
        ("B", "ebike", "P2"),
    ]
    teams = read_teams({"groups": [{"id": "A", "base_post": "P9"}]})
    with pytest.raises(RulesError, match="base post 'P9'"):
        resolve_groups(load_rules(rules, teams=teams), ["P1"], "x")
    rules.write_text(rules.read_text() + '[[groups]]\nid = "A"\nmode = "horse"\n')
    with pytest.raises(RulesError, match="'horse' of group 'A'"):
        load_rules(rules, teams=teams)


def test_split_visits_spreads_repeats_and_splits_gate_windows() -> None:
    """Tests that repeated visits become single visits in spread windows, one per gate window."""
    hot = Site("h", 1, value=5, service=600, visits=3, min_gap=7200)
    gate = Site("s", 2, value=9, service=600, visits=2, windows=((0, 3600), (28800, 36000)))
    once = Site("o", 3, value=1)
    out = split_visits([hot, gate, once], 43200)
    by_id = {s.id: s for s in out}
    # 43200 / 3 = 14400 s per visit, window width min(14400 - 7200, 7200) = 7200
    assert by_id["h#1"].windows == ((0, 7200),)
    assert by_id["h#2"].windows == ((14400, 21600),)
    assert by_id["h#3"].windows == ((28800, 36000),)
    assert by_id["s#1"].windows == ((0, 3600),) and by_id["s#2"].windows == ((28800, 36000),)
    assert by_id["o"] is once
    assert all(s.visits == 1 and s.min_gap == 0 for s in out)
    assert area_of("h#2") == "h" and area_of("o") == "o"


def test_gate_visits_outweigh_every_other_visit() -> None:
    """Tests that school gate visits become optional but worth more than any other visit."""
    sites = [
        Site("school", 1, value=50, windows=((0, 3600),), mandatory=True),
        Site("bank", 2, value=400),
        Site("pinned", 3, value=10, mandatory=True),
    ]
    cats = {"school": "school", "bank": "bank", "pinned": "market"}
    out = {s.id: s for s in gate_priority(sites, cats)}
    assert out["school"].value == GATE_VALUE_FACTOR * 400 and not out["school"].mandatory
    assert out["bank"].value == 400
    assert out["pinned"].mandatory  # only gate visits are relaxed


def test_a_walk_of_several_places_gives_its_distance(doc) -> None:
    """Tests that a grid member's walk between places says how far it goes: about the time
    walked between them at walking pace (it said 0.0 km on every walk)."""
    walks = [r for r in doc.routes if r.unit_kind == "grid"]
    assert walks
    for r in walks:
        between = sum(b.arrival - a.departure for a, b in itertools.pairwise(r.stops))
        assert abs(r.distance_m - between * 1.25) <= 2 * len(r.stops), r.id
    moved = [r for r in walks if len({(s.lon, s.lat) for s in r.stops}) > 1]
    assert moved and all(r.distance_m > 0 for r in moved)
