"""Tests of how pages name a route's unit (web.views_common.unit_name)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from planner.plan.document import read_plan
from web.views_common import unit_name

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("group_id", "unit_id", "unit_kind", "zh"),
    [
        ("g1", "g1-1", "pair", "巡逻单元 1"),
        ("g1", "g1-all", "group", ""),  # the whole group
        ("g1", "", "", ""),  # a plan made before units
        ("", "reserve-2", "pair", "巡逻单元 2"),  # reserves called in, second unit
        ("", "reserve", "group", ""),  # all the reserves called in as one unit
        ("", "GM01", "grid", ""),  # a grid member's walk: named by the person
    ],
)
def test_unit_names(
    make_web_app, data_dir: Path, group_id: str, unit_id: str, unit_kind: str, zh: str
) -> None:
    """Tests the unit's name on Chinese pages for groups' units, reserves and walks."""
    route = read_plan(data_dir / "plan" / "plan.json").routes[0]
    route = dataclasses.replace(route, group_id=group_id, unit_id=unit_id, unit_kind=unit_kind)
    with make_web_app().test_request_context("/?lang=zh"):
        assert unit_name(route) == zh
