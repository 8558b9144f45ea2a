"""Browser test at 390x844: a member lands on /me, signs in at the next checkpoint, opens the
month, and the district map draws at phone width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete

import web.checkin.records
import web.checkin.views
import web.me.views
from planner.plan.document import read_plan
from web.checkin.records import is_checkpoint
from web.db import CheckIn, new_session
from web.i18n import translate

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


def _fits(page: Page) -> None:
    width = page.evaluate(WIDTH)
    assert width[0] <= width[1] == 390, f"the page is wider than the phone: {width} {page.url}"


def test_member_day_on_a_phone(
    new_context: Any,
    live_server: LiveServer,
    sign_in: Any,
    shot: Any,
    page_log: PageLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tests that a member logging in on a 390x844 phone lands on /me, sees the next
    checkpoint, signs in at it with one tap, sees the sign-in listed and the next checkpoint
    move on, opens the month, and that /me, the check-in page and the district map (which
    draws its streets) fit the width with no script error."""
    server = live_server
    doc = read_plan(server.plan_file)
    route = next(r for r in doc.routes if r.group_id == "A")
    stop = next(s for s in route.stops if is_checkpoint(s) and s.kind == "base")
    tz = ZoneInfo(doc.district.time_zone)
    midnight = datetime.fromisoformat(route.date).replace(tzinfo=tz)
    moment = (midnight + timedelta(seconds=stop.arrival)).astimezone(UTC)
    for module in (web.checkin.records, web.checkin.views, web.me.views):  # the server's clock
        name = "now" if module is web.checkin.records else "checkin_now"
        monkeypatch.setattr(module, name, lambda: moment)
    phone = new_context(
        **PHONE,
        locale="zh-CN",
        geolocation={"longitude": stop.lon, "latitude": stop.lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = phone.new_page()
    try:
        sign_in(page, "member")
        assert page.url == server.url + "/me"
        point = page.locator("#me-checkpoint")
        assert stop.display_name in point.inner_text()
        assert page.locator("#me-today-1").is_visible()
        _fits(page)
        shot(page, "me-phone")
        with page.expect_navigation():
            point.locator("a.me-sign-in").tap()
        _fits(page)
        with page.expect_navigation():
            page.locator("#ci-button").tap()
        assert translate("ci_ok", "zh") in page.locator("#ci-result").inner_text()

        page.goto(server.url + "/me")
        assert stop.display_name in page.locator("#me-check-ins").inner_text()
        assert "第 1 站" in page.locator("#me-checkpoint").inner_text()  # after the base
        month = page.locator("#me-month li")
        assert month.count() == 31  # December 2026
        worked = page.locator("#me-month li.work")
        assert worked.count() >= 1 and route.date[-2:].lstrip("0") in worked.first.inner_text()
        with page.expect_download() as download:
            page.locator("#me-ics").tap()
        assert download.value.suggested_filename == "my-shifts-2026-12.ics"
        _fits(page)
        shot(page, "me-phone-after")

        page.goto(server.url + "/map")
        frame = page.frame_locator("iframe.map")
        frame.locator(".leaflet-overlay-pane path").first.wait_for()
        assert frame.locator(".leaflet-overlay-pane path").count() > 10
        _fits(page)
        shot(page, "map-phone", full_page=False)
        assert page_log.js_errors() == []
        assert page_log.blocked == []
    finally:  # the live app is shared by the session's browser tests
        with new_session(server.app) as session:
            session.execute(delete(CheckIn))
            session.commit()
