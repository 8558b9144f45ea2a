"""Tests of the member's day at /me (web.me.views, web.me.day).

The plan is tests/data/plan/plan.json (group g1 第一组 works the day shift of 30 September
2026, 08:00-20:00 UTC+8, and is off on 1 October); the clock is set at 08:10 that day,
inside g1's shift, where the base (stop 0) is already due and 长江路小学 (stop 1, window
07:40-08:30) is next.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest
from icalendar import Calendar

from planner.plan.document import read_plan
from tests.web.conftest import CSRF
from web.db import Plan, new_session
from web.plans.in_force import publish
from web.plans.store import import_plan

if TYPE_CHECKING:
    from flask import Flask

CST = timezone(timedelta(hours=8))
DURING_DAY = datetime(2026, 9, 30, 8, 10, tzinfo=CST)


@pytest.fixture
def app(make_web_app, tiny_bundle: Path, data_dir: Path, monkeypatch) -> Flask:
    """The tiny district's app, the member in group g1, the fixture plan published as plan 1."""
    monkeypatch.setattr("web.checkin.records.utcnow", lambda: DURING_DAY.astimezone(UTC))
    app = make_web_app(district=tiny_bundle, member_groups=("g1",))
    with new_session(app) as session:
        row = import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
        publish(session, row, None)
    return app


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def _between(page: str, start: str, end: str = "</section>") -> str:
    i = page.index(start)
    return page[i : page.index(end, i)]


def test_members_land_on_their_day_and_others_may_not_open_it(app: Flask, client_as) -> None:
    """Tests that a member's landing page after login is /me, captains still land on the map,
    viewers get 403 and visitors are sent to log in."""
    member = client_as(app, "member")
    assert member.get("/").headers["Location"] == "/me"
    assert client_as(app, "captain").get("/").headers["Location"] == "/map"
    assert client_as(app, "viewer").get("/me").status_code == 403
    assert "/login" in client_as(app, None).get("/me").headers["Location"]
    assert 'href="/me"' in member.get("/me").get_data(as_text=True)  # in the navigation


def test_my_day_shows_shift_crew_next_checkpoint_and_signs_in(
    app: Flask, data_dir: Path, client_as
) -> None:
    """Tests that /me shows today's shift with group and crew by name, no later shift, the
    next checkpoint with its window and a working sign-in link; after signing in the page
    lists the sign-in and moves on to the following checkpoint."""
    member = client_as(app, "member")
    page = _text(member.get("/me?lang=zh"))
    today = _between(page, "<h2>今日班次</h2>")
    assert "2026年9月30日 星期三" in today and "白班 08:00-20:00" in today and "进行中" in today
    assert "班组：第一组" in today and "同班队员：张伟、李娜" in today and "电动车" in today
    words = re.sub(r"<[^>]+>", " ", today)  # what a person reads, not the links
    assert "g1" not in words and "m1" not in words
    assert "现行方案中没有您之后的班次。" in _between(page, "<h2>下一班次</h2>")
    point = _between(page, "<h2>下一个签到点</h2>")
    assert (
        "基点：新街口警务室" in point and "时间窗：任意时间 · 计划到达 08:00 · 最迟 08:15" in point
    )
    assert "还没有签到记录。" in page

    doc = read_plan(data_dir / "plan" / "plan.json")
    for index in (0, 1):  # sign in at the base, then at the school, from the page's link
        link = point.split('class="button me-sign-in" href="')[1].split('"')[0]
        assert link.startswith("/c/") and link.endswith("?plan=1")
        stop = doc.routes[0].stops[index]
        form = {"csrf_token": CSRF, "lon": str(stop.lon), "lat": str(stop.lat), "accuracy": "9"}
        assert "签到成功" in _text(member.post(link, data=form))
        page = _text(member.get("/me?lang=zh"))
        point = _between(page, "<h2>下一个签到点</h2>")
        if index == 0:
            assert "第 1 站：长江路小学" in point
            assert "时间窗：07:40–08:30 · 计划到达 08:04 · 最迟 08:30" in point
    page = _text(member.get("/me?lang=en"))
    assert "Stop 2: Walmart" in _between(page, "<h2>Next checkpoint</h2>")
    signed = _between(page, "<h2>My last sign-ins</h2>")
    assert signed.count("30 Sep 2026, 08:10") == 2 and "Changjiang Road Primary School" in signed
    assert "Xinjiekou police room" in signed and signed.count("on time") == 2


def test_month_schedule_and_its_calendar_file(app: Flask, client_as) -> None:
    """Tests the month list (worked, off, no plan in force) and its iCalendar download, and
    that a bad month is refused in one sentence with this month shown."""
    member = client_as(app, "member")
    page = _text(member.get("/me?month=2026-09&lang=zh"))
    month = _between(page, '<ol class="me-month"', "</ol>")
    assert month.count("<li") == 30
    assert "9月30日 周三</time>\n<span>白班 08:00-20:00</span>" in month
    assert "9月29日 周二</time>\n<span>无现行方案</span>" in month
    october = _between(_text(member.get("/me?month=2026-10")), '<ol class="me-month"', "</ol>")
    assert "10月1日 周四</time>\n<span>休</span>" in october
    assert "10月2日 周五</time>\n<span>无现行方案</span>" in october

    bad = _text(member.get("/me?month=2026-13"))
    assert "月份“2026-13”无效，应为 YYYY-MM 形式（如 2026-12）；已显示本月。" in bad
    assert "2026年9月 排班" in bad

    response = member.get("/me/calendar.ics?month=2026-09")
    assert response.mimetype == "text/calendar"
    assert "my-shifts-2026-09.ics" in response.headers["Content-Disposition"]
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == datetime(2026, 9, 30, 8, 0, tzinfo=CST)
    assert event.decoded("dtend") == datetime(2026, 9, 30, 20, 0, tzinfo=CST)
    assert str(event["summary"]) == "白班 · 第一组"
    assert "张伟、李娜" in str(event["description"])
    october_ics = member.get("/me/calendar.ics?month=2026-10").data
    assert Calendar.from_ical(october_ics).walk("VEVENT") == []


def test_my_day_reads_published_plans_only_and_says_when_unlinked(
    app: Flask, data_dir: Path, client_as, make_web_app, tiny_bundle: Path
) -> None:
    """Tests that a draft re-plan changes nothing on /me until it is published, and that a
    member linked to no group is told so."""
    with new_session(app) as session:
        draft = import_plan(app, session, data_dir / "plan" / "plan.json", title="Re-plan")
        draft_id = draft.id
    member = client_as(app, "member")
    assert "?plan=1" in _text(member.get("/me"))
    with new_session(app) as session:
        publish(session, session.get(Plan, draft_id), None)
    page = _text(member.get("/me"))
    assert f"?plan={draft_id}" in page and "?plan=1" not in page

    lonely = make_web_app(district=tiny_bundle, member_groups=())
    page = _text(client_as(lonely, "member").get("/me?lang=en"))
    assert "Your account is not linked to a patrol group" in page
    assert "No shift today." in page
