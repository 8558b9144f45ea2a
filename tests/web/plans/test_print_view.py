"""Tests of the print view: a page per patrol unit-shift, the walks several to a page."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import TYPE_CHECKING

from web.db import new_session
from web.plans.in_force import publish
from web.plans.store import import_plan

if TYPE_CHECKING:
    from pathlib import Path


def _with_walks(data_dir: Path, tmp_path: Path) -> Path:
    """The fixture plan with its second route turned into two grid members' walks."""
    plan = json.loads((data_dir / "plan" / "plan.json").read_text(encoding="utf-8"))
    unit, walk = plan["routes"]
    unit["unit_id"], unit["members"] = (
        "g1-1",
        [m["id"] for m in plan["roster"]["groups"][0]["members"]],
    )
    plan["roster"]["grid_members"] = [
        {"id": "GM01", "name": "张敏", "grid": "G01", "kind": "grid_member"},
        {"id": "V01", "name": "李华", "grid": "G01", "kind": "volunteer"},
    ]
    walks = []
    for person in ("GM01", "V01"):
        w = dict(walk, group_id="", unit_id=person, members=[person], unit_kind="grid")
        w["stops"] = [s for s in walk["stops"] if s["kind"] != "base"][:1]
        walks.append(w)
    plan["routes"] = [unit, *walks]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return path


def test_walks_share_a_page_after_the_units(
    make_web_app, tiny_bundle: Path, data_dir: Path, tmp_path: Path, client_as
) -> None:
    """Tests that the unit's page is titled with its group and unit and names its crew, and
    that the two one-stop walks share one page, named by their people, without a sketch."""
    app = make_web_app(district=tiny_bundle)
    with new_session(app) as session:
        row = import_plan(app, session, _with_walks(data_dir, tmp_path), title="With walks")
        publish(session, row, None)
        plan_id = row.id
    page = unescape(
        client_as(app, "captain").get(f"/plans/{plan_id}/print?lang=zh").get_data(as_text=True)
    )
    assert page.count('class="sheet route-sheet"') == 1
    assert page.count('class="sheet route-sheet walks"') == 1
    units, _, walks = page.partition('class="sheet route-sheet walks"')
    title = re.search(r"<h2>([^<]*巡逻路线)</h2>", units)
    assert title is not None and "巡逻单元 1" in title.group(1)
    assert "网格员与志愿者巡查（2）" in walks
    assert walks.count('class="walk"') == 2
    assert "网格员 张敏" in walks and "志愿者 李华" in walks
    assert 'class="route-sketch"' not in walks  # one stop each: nothing to draw
    assert walks.count('<th class="sign">') == 2
