"""Tests of the captains' live view of today's tours (web.live.views, web.live.tours).

The plan is tests/data/plan/plan.json, published: group g1 works the day shift of 30
September 2026 (08:00-20:00, UTC+8) with five checkpoints: the base (B, on time until 08:15),
长江路小学 (1, window 07:40-08:30) and three more; g2 works the night of 1 October. The base is
signed in at 08:05; the clock is moved through the day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from typing import TYPE_CHECKING

import pytest

from web.db import CheckIn, new_session
from web.plans.in_force import publish
from web.plans.store import import_plan

if TYPE_CHECKING:
    from pathlib import Path

    from flask import Flask

CST = timezone(timedelta(hours=8))


@pytest.fixture
def app(make_web_app, tiny_bundle: Path, data_dir: Path) -> Flask:
    """The tiny district's app with the fixture plan in force and the base signed in."""
    app = make_web_app(district=tiny_bundle, member_groups=("g1",))
    with new_session(app) as session:
        row = import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
        publish(session, row, None)
        session.add(
            CheckIn(plan_id=row.id, stop="g1-2026-09-30-D/0", site="base", group_id="g1",
                    day="2026-09-30", shift="D", user_id=4, lon=118.78, lat=32.04,
                    distance_m=5.0, late_minutes=0.0,
                    at=datetime(2026, 9, 30, 8, 5, tzinfo=CST).astimezone(UTC))
        )  # fmt: skip
        session.commit()
    return app


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr("web.checkin.records.utcnow", lambda: moment.astimezone(UTC))


def test_a_running_tour_shows_done_overdue_and_due_checkpoints(
    app: Flask, client_as, monkeypatch
) -> None:
    """Tests that at 08:35 the board holds g1's running unit with the base done, the school
    overdue (its window closed at 08:30) and the rest due, the next one named, in the JSON the
    page fetches and on the page itself, which stands the unit out and loads its script."""
    _at(monkeypatch, datetime(2026, 9, 30, 8, 35, tzinfo=CST))
    captain = client_as(app, "captain")
    data = captain.get("/live/data.json?lang=zh").get_json()
    assert data["day"] == "2026年9月30日 星期三" and data["updated"] == "更新于 08:35"
    assert [u["group"] for u in data["units"]] == ["第一组"]
    unit = data["units"][0]
    assert unit["running"] and unit["state"] == "进行中" and unit["alert"]
    assert unit["counts"] == {"done": 1, "late": 0, "overdue": 1, "missed": 0, "due": 3}
    assert [p["status"] for p in unit["points"]] == ["done", "overdue", "due", "due", "due"]
    assert unit["points"][0] == {
        "title": "基点：新街口警务室",
        "status": "done",
        "state": "已签到",
        "when": "08:05 签到",
    }
    assert unit["points"][1]["title"] == "第 1 站：长江路小学"
    assert unit["points"][1]["when"] == "最迟 08:30"
    assert unit["next"].startswith("下一站：第 2 站：")
    assert data["totals"] == unit["counts"]

    page = unescape(captain.get("/live?lang=zh").get_data(as_text=True))
    assert 'class="live-unit alert running" id="unit-g1-2026-09-30-D"' in page
    assert "逾期未签</span> 第 1 站：长江路小学" in page
    assert "/static/live_tours.js" in page and 'data-url="/live/data.json"' in page


def test_after_the_shift_unsigned_checkpoints_are_missed(
    app: Flask, client_as, monkeypatch
) -> None:
    """Tests that at 21:00 the day shift is over and its four unsigned checkpoints are missed,
    and that next morning the board holds only g2's night, not started yet."""
    _at(monkeypatch, datetime(2026, 9, 30, 21, 0, tzinfo=CST))
    captain = client_as(app, "captain")
    unit = captain.get("/live/data.json?lang=en").get_json()["units"][0]
    assert unit["state"] == "ended" and unit["counts"]["missed"] == 4 and unit["alert"]
    assert unit["next"] == ""
    _at(monkeypatch, datetime(2026, 10, 1, 9, 0, tzinfo=CST))
    data = captain.get("/live/data.json?lang=en").get_json()
    assert [(u["group"], u["state"], u["alert"]) for u in data["units"]] == [
        ("Group 2", "not started", False)
    ]
    _at(monkeypatch, datetime(2026, 10, 3, 9, 0, tzinfo=CST))
    page = captain.get("/live?lang=en").get_data(as_text=True)
    assert "The plans in force hold no unit on patrol today." in page


def test_the_live_view_is_for_captains_planners_and_admins(app: Flask, client_as) -> None:
    """Tests who may open the board and its data: not members, viewers or visitors."""
    for role in ("admin", "captain", "planner"):
        assert client_as(app, role).get("/live/data.json").status_code == 200
    for role in ("member", "viewer"):
        assert client_as(app, role).get("/live").status_code == 403
        assert client_as(app, role).get("/live/data.json").status_code == 403
    assert "/login" in client_as(app, None).get("/live").headers["Location"]


def test_grid_members_walks_are_folded_apart(
    make_web_app, tiny_bundle: Path, data_dir: Path, tmp_path: Path, client_as, monkeypatch
) -> None:
    """Tests that a grid member's walk is flagged in the JSON and drawn in its own folded
    section, after the patrol units, with its count in the section's title."""
    import json

    plan = json.loads((data_dir / "plan" / "plan.json").read_text(encoding="utf-8"))
    for route in plan["routes"]:
        if route["group_id"] == "g2":
            route["date"], route["unit_kind"] = "2026-09-30", "grid"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    app = make_web_app(district=tiny_bundle, member_groups=("g1",))
    with new_session(app) as session:
        publish(session, import_plan(app, session, path, title="With a grid walk"), None)
    _at(monkeypatch, datetime(2026, 9, 30, 8, 35, tzinfo=CST))
    captain = client_as(app, "captain")
    data = captain.get("/live/data.json?lang=zh").get_json()
    assert sorted(u["grid"] for u in data["units"]) == [False, True]
    assert data["grid_label"] == "网格员与志愿者巡查（1）"
    page = unescape(captain.get("/live?lang=zh").get_data(as_text=True))
    own, _, folded = page.partition('<details id="live-grid"')
    assert 'id="unit-g1-2026-09-30-D"' in own and "网格员与志愿者巡查（1）" in folded
    assert folded.count('class="live-unit') == 1 and " hidden" not in folded.split(">")[0]
