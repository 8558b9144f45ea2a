"""Tests of the quality summary: the figures a captain reads, recomputed from the plan."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from planner.checks.quality import need_figures
from planner.plan.document import read_plan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def doc(small_plan: Path):
    """The session's one-day plan."""
    return read_plan(small_plan / "plan.json")


def test_the_plan_reports_every_figure(doc) -> None:
    """Tests that the stored summary holds the gate, slack, spread, hours and need figures."""
    keys = {f.key for f in doc.quality.figures}
    assert {
        "gate_windows_covered", "unplanned_share_median", "checkpoints_max", "meal_breaks_min",
        "alley_km_share_day_mean", "visits_near_one_point_max_share",
        "grids_visited_day_min_share", "closed_visits", "inspections_done", "visits_short",
        "one_more_unit_max",
    } <= keys  # fmt: skip
    closed = next(f for f in doc.quality.figures if f.key == "closed_visits")
    assert closed.value == 0 and closed.of > 0


def test_need_left_counts_the_dose_rows_routes_leave_short(doc) -> None:
    """Tests that visits_short grows by what a row loses and one more unit is capped."""
    short, more = need_figures(doc, 25)
    rows = [d for d in doc.dose if not d.area_id.startswith("alley:") and d.planned_visits]
    row = rows[0]
    cut = dataclasses.replace(
        doc,
        dose=tuple(dataclasses.replace(d, planned_visits=0) if d is row else d for d in doc.dose),
    )
    short2, more2 = need_figures(cut, 25)
    gained = min(row.needed_visits, row.planned_visits)
    assert short2.value == short.value + gained and short2.of == short.of
    assert more2.value >= more.value
    assert need_figures(cut, 1)[1].value == 1
