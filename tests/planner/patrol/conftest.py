"""Fixtures shared by the call-out tests: the plan a module makes and its inputs.

A module that uses them defines ``plan_dir``, the folder of the plan it makes (module scope).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from planner.patrol.inputs import load_inputs
from planner.plan.document import PlanDocument, read_plan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def before(plan_dir: Path) -> PlanDocument:
    """The plan as made."""
    return read_plan(plan_dir / "plan.json")


@pytest.fixture(scope="module")
def inputs(plan_dir: Path):
    """The district's inputs with the plan's rules file."""
    return load_inputs(None, plan_dir / "inputs" / "rules.toml")
