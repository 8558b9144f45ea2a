"""Tests that the same inputs and seed give the same plan, however busy the machine is.

PRACTICE.md: every variation of the routes comes from a recorded seed, so a plan can be
re-checked after the fact. The routing search stops after a number of solutions, not at a wall
time, so a second run next to a process that keeps a core busy gives the same roster and routes.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest

from planner.patrol.inputs import load_inputs
from planner.patrol.pipeline import make_plan
from planner.patrol.request import PlanRequest, TimeBudget

if TYPE_CHECKING:
    from pathlib import Path

BUSY = "import time\nend = time.time() + 120\nwhile time.time() < end:\n    pass\n"
"""A child process that keeps one core busy for at most two minutes."""


@pytest.fixture(scope="module")
def inputs(data_dir: Path):
    """The default district with the two-day-groups test rules."""
    return load_inputs(None, data_dir / "pipeline" / "rules_two_day_groups.toml")


def _plan(inputs):
    request = PlanRequest(
        date(2026, 12, 7),
        1,
        seed=11,
        budget=TimeBudget(roster=2.0, per_shift=1.0),
        created_at=datetime(2026, 12, 1, 9, 0).astimezone(),
    )
    return make_plan(inputs, request)


def test_same_seed_same_plan_on_a_busy_machine(inputs) -> None:
    """Tests that a second plan, made beside a busy process, has the same roster and routes."""
    first = _plan(inputs)
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    try:
        second = _plan(inputs)
    finally:
        for p in busy:
            p.kill()
            p.wait()
    assert asdict(second.roster) == asdict(first.roster)
    assert [asdict(r) for r in second.routes] == [asdict(r) for r in first.routes]
    assert len(first.routes) > 3
