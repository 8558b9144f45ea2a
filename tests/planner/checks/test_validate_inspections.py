"""Tests of the independent inspection check: wrong place, too short, twice in a week."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from geodata.bundle import load_district
from planner.checks.inspections import inspected_places, inspection_faults, uninspected
from planner.plan.document import read_plan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def doc(small_plan: Path):
    """The session's one-day plan."""
    return read_plan(small_plan / "plan.json")


@pytest.fixture(scope="module")
def district():
    """The default district."""
    return load_district(None)


def _first_inspection(doc):
    for i, r in enumerate(doc.routes):
        for j, s in enumerate(r.stops):
            if s.kind == "inspection":
                return i, j
    pytest.fail("the plan has no inspection")


def _with_stop(doc, i: int, j: int, **changes):
    route = doc.routes[i]
    stops = list(route.stops)
    stops[j] = dataclasses.replace(stops[j], **changes)
    routes = list(doc.routes)
    routes[i] = dataclasses.replace(route, stops=tuple(stops))
    return dataclasses.replace(doc, routes=tuple(routes))


def test_the_plan_has_no_fault(doc, district) -> None:
    """Tests that the plan as made passes the inspection check."""
    assert inspection_faults(doc, district) == []


def test_a_short_inspection_is_found(doc, district) -> None:
    """Tests that an inspection cut to 10 minutes is reported."""
    i, j = _first_inspection(doc)
    bad = _with_stop(doc, i, j, dwell=600)
    faults = inspection_faults(bad, district)
    assert len(faults) == 1 and "less than 30 min" in faults[0]


def test_an_inspection_of_a_school_is_found(doc, district) -> None:
    """Tests that an inspection at a place the district does not inspect is reported."""
    school = str(district.key_areas.loc[district.key_areas["category"] == "school", "id"].iloc[0])
    i, j = _first_inspection(doc)
    bad = _with_stop(doc, i, j, area_id=f"insp:{school}")
    assert any("does not inspect" in f for f in inspection_faults(bad, district))


def test_a_place_inspected_twice_in_a_week_is_found(doc, district) -> None:
    """Tests that two inspections of one place in the same week are reported."""
    i, j = _first_inspection(doc)
    first = doc.routes[i].stops[j]
    k, m = next(
        (a, b)
        for a, r in enumerate(doc.routes)
        for b, s in enumerate(r.stops)
        if s.kind == "inspection" and s.area_id != first.area_id
    )
    bad = _with_stop(doc, k, m, area_id=first.area_id)
    assert any("once a week" in f for f in inspection_faults(bad, district))


def test_a_one_day_plan_owes_no_week(doc, district) -> None:
    """Tests that only weeks the plan covers Monday to Sunday count places not inspected."""
    assert uninspected(doc, district) == []
    assert len(inspected_places(district)) > 100
