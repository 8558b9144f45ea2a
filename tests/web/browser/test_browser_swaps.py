"""Browser test at 390x844: a captain publishes a plan, a member asks to give a shift to
another group, the captain approves it, and the live view of today's tours draws and refreshes.

The plan is a second copy of the live server's demo plan (Monday 7 December 2026: groups A
and B on the day shift 07:00-19:00, D at night, C off), imported as a draft with the rules it
was made from in its data folder. The server's clock stands at 06:00 that day, before the
day shift. Afterwards the demo plan is put back in force (the live app is shared).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete

import web.checkin.records
import web.live.views
import web.me.views
import web.swaps.views
from planner.plan.document import read_plan
from web.db import Edit, Plan, ShiftSwap, new_session
from web.plans.store import PLAN_DATA_DIR, import_plan, plan_dir

if TYPE_CHECKING:
    import pytest
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Page

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
"""A 390x844 phone (the size of the report)."""

WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"

DATA = Path(__file__).resolve().parents[2] / "data"
TEAMS = Path(__file__).resolve().parents[3] / "geodata" / "districts" / "xinjiekou" / "teams.toml"


def _fits(page: Page) -> None:
    width = page.evaluate(WIDTH)
    assert width[0] <= width[1] == 390, f"the page is wider than the phone: {width} {page.url}"


def test_captain_publishes_and_approves_a_swap_on_a_phone(
    new_context: Any,
    live_server: LiveServer,
    sign_in: Any,
    shot: Any,
    page_log: PageLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tests, on a 390x844 phone, that a captain publishes a draft plan from its page; that
    the member (group A) asks from /me to give A's day shift to group C, sees the swapped
    roster checked in words and sends the request; that the captain sees it waiting, approves
    it and the plan's roster gives the shift to C; that both see it approved; that the live
    view draws today's units and redraws them from its JSON; with every page fitting the width
    and no script error."""
    server = live_server
    doc = read_plan(server.plan_file)
    tz = ZoneInfo(doc.district.time_zone)
    moment = datetime(2026, 12, 7, 6, 0, tzinfo=tz).astimezone(UTC)
    for module, name in (
        (web.checkin.records, "now"),
        (web.me.views, "checkin_now"),
        (web.swaps.views, "checkin_now"),
        (web.live.views, "checkin_now"),
    ):
        monkeypatch.setattr(module, name, lambda: moment)
    with new_session(server.app) as session:
        row = import_plan(server.app, session, server.plan_file, title="Swap test plan")
        plan_id = row.id
    data = plan_dir(server.app, plan_id) / PLAN_DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "pipeline" / "rules_two_day_groups.toml", data / "rules.toml")
    shutil.copy(TEAMS, data / "teams.toml")
    captain_phone = new_context(**PHONE, locale="zh-CN")
    member_phone = new_context(**PHONE, locale="zh-CN")
    captain = captain_phone.new_page()
    member = member_phone.new_page()
    try:
        sign_in(captain, "captain")
        captain.goto(f"{server.url}/plans/{plan_id}")
        _fits(captain)
        with captain.expect_navigation():
            captain.locator("form[action$='/publish'] button").tap()
        assert "已发布" in captain.locator("p.flash").first.inner_text()
        _fits(captain)
        shot(captain, "swap-published-phone")

        sign_in(member, "member")
        assert member.url == server.url + "/me"
        assert member.locator("#me-swaps").is_visible()
        _fits(member)
        with member.expect_navigation():
            member.locator("#me-swap-ask").tap()
        member.select_option("select[name=mine]", f"{plan_id}|A|2026-12-07")
        member.select_option("select[name=other]", "C")
        member.fill("textarea[name=note]", "家中有事，请三组代班")
        with member.expect_navigation():
            member.locator("#swap-check-button").tap()
        check = member.locator("#swap-check").inner_text()
        assert "换班后的排班不违反任何排班规则。" in check
        assert "一组 2026年12月7日 星期一：白班 → 休" in check
        assert "由 一组 改为 三组" in check
        _fits(member)
        shot(member, "swap-check-phone")
        with member.expect_navigation():
            member.locator("#swap-send").tap()
        assert "待审批" in member.locator("#swap-state").inner_text()
        swap_url = member.url
        _fits(member)

        captain.goto(f"{server.url}/swaps")
        assert "待审批" in captain.locator("#swap-list li").first.inner_text()
        _fits(captain)
        with captain.expect_navigation():
            captain.locator("#swap-list li a").first.tap()
        asked: list[str] = []

        def confirm(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept()

        captain.once("dialog", confirm)
        with captain.expect_navigation():
            captain.locator("#swap-approve").tap()
        assert asked == ["批准后现行方案的排班将被修改，确定吗？"]
        assert "已批准" in captain.locator("#swap-state").inner_text()
        assert "现行方案的排班已修改" in captain.locator("p.flash").first.inner_text()
        _fits(captain)
        shot(captain, "swap-approved-phone")
        with new_session(server.app) as session:
            stored = session.get(Plan, plan_id)
            assert stored is not None and stored.state == "published"
            swapped = read_plan(stored.plan_file(server.app.instance_path))
        assert swapped.roster.schedule["A"] == (None,) and swapped.roster.schedule["C"] == ("D",)

        member.goto(swap_url)
        assert "已批准" in member.locator("#swap-state").inner_text()
        member.goto(server.url + "/me")
        assert "已批准" in member.locator("#me-swaps").inner_text()
        _fits(member)
        shot(member, "swap-me-phone")

        captain.goto(server.url + "/live")
        units = captain.locator("#live-units article")
        assert units.count() >= 3
        assert "三组" in captain.locator("#live-units").inner_text()
        captain.evaluate("document.getElementById('live').liveRefresh()")
        captain.locator("#live[data-drawn='1']").wait_for(state="attached")
        assert captain.locator("#live-units article").count() == units.count()
        _fits(captain)
        shot(captain, "live-phone")
        assert page_log.js_errors() == []
        assert page_log.blocked == []
    finally:
        captain_phone.close()
        member_phone.close()
        with new_session(server.app) as session:  # the demo plan back in force
            session.execute(delete(ShiftSwap))
            session.execute(delete(Edit).where(Edit.kind == "roster"))
            for plan in session.query(Plan):
                if plan.id == plan_id:
                    plan.state = "superseded"
                elif plan.id == server.demo_plan:
                    plan.state = "published"
            session.commit()
