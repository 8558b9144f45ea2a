"""Tests of the planner's public API: the names its package root re-exports."""

from __future__ import annotations

import subprocess
import sys

import pytest

import planner


def test_every_public_name_resolves() -> None:
    """Tests that each name in planner.__all__ loads from the module that defines it."""
    for name in planner.__all__:
        value = getattr(planner, name)
        assert getattr(value, "__name__", name) == name


def test_an_unknown_name_is_an_attribute_error() -> None:
    """Tests that a name the API lacks raises AttributeError with the name."""
    with pytest.raises(AttributeError, match="no attribute 'solve_everything'"):
        planner.solve_everything  # noqa: B018


def test_a_core_loads_without_the_patrol_layer() -> None:
    """Tests that importing the routing core through the package root loads no geodata."""
    code = (
        "import sys\n"
        "from planner import solve_routes, RoutingProblem\n"
        "print(any(m.split('.')[0] == 'geodata' for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
