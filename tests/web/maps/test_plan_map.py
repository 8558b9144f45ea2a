"""Tests of the plan's offline map (web.maps.plan)."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TYPE_CHECKING

from planner.plan.document import read_plan
from web.maps.plan import write_plan_map

if TYPE_CHECKING:
    from pathlib import Path

    from geodata.bundle import District


def test_layers_name_group_unit_shift_and_day(
    tiny_district: District, data_dir: Path, tmp_path: Path
) -> None:
    """Tests that each unit-shift's layer is named by its group, unit, shift and day, the
    routes of the first day shown, and both legends on the left share the height."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    first, second = doc.routes
    doc = dataclasses.replace(
        doc,
        routes=(
            dataclasses.replace(first, unit_id=f"{first.group_id}-1"),
            dataclasses.replace(second, unit_id=f"{second.group_id}-all"),
        ),
    )
    html = write_plan_map(doc, tiny_district, tmp_path / "map.html").read_text(encoding="utf-8")
    g1, g2 = (doc.roster.group(r.group_id) for r in doc.routes)
    day, night = (doc.roster.shift(r.shift_id) for r in doc.routes)
    layers = set(re.findall(r'"((?:[^"\\]|\\.)*)" : feature_group_', html))
    names = {json.loads(f'"{n}"') for n in layers}
    assert f"{g1.name_zh} 单元1 {day.name_zh} 09-30" in names
    assert f"{g2.name_zh} {night.name_zh} 10-01" in names  # the whole group: no unit number
    assert ".leaflet-top .pm-legend { max-height: 30vh; }" in html
