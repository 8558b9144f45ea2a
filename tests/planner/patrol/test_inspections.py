"""Tests of the weekly inspections: which places, which shifts, and their stops in a plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from geodata.hours import open_intervals
from geodata.rentals import INSPECTION_HOURS
from planner.patrol.inputs import load_inputs
from planner.patrol.inspections import (
    INSPECTION_MINUTES,
    plan_inspections,
    schedule_inspections,
    venues,
)
from planner.plan.document import read_plan

if TYPE_CHECKING:
    from pathlib import Path

MONDAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def inputs():
    """The default district's inputs."""
    return load_inputs(None)


def _week_slots(units: int = 2) -> list[tuple[date, str, int]]:
    return [(MONDAY + timedelta(days=k), s, units) for k in range(7) for s in ("D", "N")]


def test_venues_are_the_inspected_categories_and_the_rentals(inputs) -> None:
    """Tests that hotels, internet cafes, venues, restaurants and every rental are inspected."""
    got = venues(inputs)
    cats = {v.category for v in got}
    assert {"hotel", "restaurant", "entertainment", "rental"} <= cats
    assert not cats & {"school", "bank", "retail", "bus_stop"}
    rentals = [v for v in got if v.category == "rental"]
    assert len(rentals) == len(inputs.district.rentals)
    assert all(v.point.startswith("rental:") and v.hours == INSPECTION_HOURS for v in rentals)
    assert all(v.checklist_zh and v.checklist_en for v in got)


def test_a_week_inspects_every_place_once_inside_its_hours(inputs) -> None:
    """Tests that a week's schedule gives each place one shift in which it is open long enough."""
    tasks = schedule_inspections(inputs, _week_slots(), INSPECTION_MINUTES)
    ids = [t.venue.id for t in tasks]
    assert len(ids) == len(set(ids)) == len(venues(inputs))
    for t in tasks:
        shift = inputs.rules.shift(t.shift_id)
        assert t.windows, t
        for lo, hi in t.windows:
            start = t.date
            minute = shift.start + lo // 60
            end_minute = shift.start + hi // 60 + INSPECTION_MINUTES
            category = "hotel" if t.venue.category == "rental" else t.venue.category
            spans = [
                (a + 1440 * k, b + 1440 * k)
                for k in (0, 1)
                for a, b in open_intervals(
                    t.venue.hours, category, start + timedelta(days=k), country="CN"
                )
            ]
            assert any(a <= minute and end_minute <= b for a, b in spans), t


def test_the_week_is_spread_over_its_shifts(inputs) -> None:
    """Tests that no shift takes more than twice its even share of the week's inspections."""
    tasks = schedule_inspections(inputs, _week_slots(), INSPECTION_MINUTES)
    per: dict[tuple[date, str], int] = {}
    for t in tasks:
        per[(t.date, t.shift_id)] = per.get((t.date, t.shift_id), 0) + 1
    assert max(per.values()) <= 2 * len(tasks) / len(_week_slots()) + 1


def test_a_short_horizon_takes_its_share_of_the_week(inputs) -> None:
    """Tests that two days of a week get about two sevenths of its inspections, not all."""
    worked = {(MONDAY + timedelta(days=k), s): 2 for k in range(2) for s in ("D", "N")}
    tasks = plan_inspections(inputs, MONDAY, 2, worked)
    total = len(venues(inputs))
    assert 0 < len(tasks) <= total * 3 / 7
    assert {t.date for t in tasks} <= {MONDAY, MONDAY + timedelta(days=1)}
    again = plan_inspections(inputs, MONDAY, 2, worked)
    assert [(t.venue.id, t.date, t.shift_id) for t in again] == [
        (t.venue.id, t.date, t.shift_id) for t in tasks
    ]


def test_the_plan_makes_its_inspections_as_long_stops_with_a_checklist(small_plan: Path) -> None:
    """Tests that the one-day plan holds inspection stops of 30 min with their checklist."""
    doc = read_plan(small_plan / "plan.json")
    stops = [s for r in doc.routes for s in r.stops if s.kind == "inspection"]
    assert stops
    for s in stops:
        assert s.area_id and s.area_id.startswith("insp:")
        assert s.dwell >= INSPECTION_MINUTES * 60
        assert s.check and s.check_zh
    asked = [c for c in doc.coverage if c.level == "inspection"]
    assert len(asked) >= len(stops)
    assert sum(c.planned_visits for c in asked) == len(stops)
