"""Browser test: a member signs in at a checkpoint from a phone and the ledger shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

import web.checkin.records
import web.checkin.views
from planner.plan.document import read_plan
from web.checkin.records import checkin_url, checkpoint_tokens, is_checkpoint
from web.db import CheckIn, User, new_session
from web.i18n import translate

if TYPE_CHECKING:
    import pytest
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Playwright

PHONE = "Pixel 5"
"""Playwright's device descriptor of the phone (a Chromium one)."""


def test_member_checks_in_from_a_phone_and_the_ledger_shows_it(
    playwright: Playwright,
    new_context: Any,
    live_server: LiveServer,
    sign_in: Any,
    shot: Any,
    page_log: PageLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tests that a member who opens a checkpoint's code on a phone-sized page (device
    emulation, geolocation allowed, the phone standing at the checkpoint) signs in with one tap,
    sees the sign-in confirmed on time, and that the captain's ledger counts the visit for the
    place, the group and the day, with the member's name; the page fits the phone's width."""
    server = live_server
    doc = read_plan(server.plan_file)
    route = next(r for r in doc.routes if r.group_id == "A")
    # A checkpoint without time windows, or planned inside one that is still open a minute
    # after the planned arrival, so that a check-in then is on time.
    index, stop = next(
        (k, s)
        for k, s in enumerate(route.stops)
        if is_checkpoint(s)
        and s.kind != "base"
        and (not s.windows or any(lo <= s.start and s.arrival + 60 <= hi for lo, hi in s.windows))
    )
    tz = ZoneInfo(doc.district.time_zone)
    midnight = datetime.fromisoformat(route.date).replace(tzinfo=tz)
    moment = (midnight + timedelta(seconds=stop.arrival + 60)).astimezone(UTC)
    # The server's clock stands one minute after the stop's planned arrival.
    monkeypatch.setattr(web.checkin.records, "now", lambda: moment)
    monkeypatch.setattr(web.checkin.views, "checkin_now", lambda: moment)
    token = checkpoint_tokens(server.app, server.demo_plan, doc)[f"{route.id}/{index}"]
    url = checkin_url(server.url, token)
    phone = new_context(
        **playwright.devices[PHONE],
        locale="zh-CN",
        geolocation={"longitude": stop.lon, "latitude": stop.lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = phone.new_page()
    try:
        sign_in(page, "member", next=url.removeprefix(server.url))
        assert page.url == url
        assert page.locator(".checkin p.stop").inner_text().endswith(stop.display_name)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page is wider than the phone: {width}"
        button = page.locator("#ci-button")
        assert button.is_visible()
        shot(page, "checkin-phone")
        with page.expect_navigation():
            button.tap()
        result = page.locator("#ci-result")
        assert "ok" in (result.get_attribute("class") or ""), result.inner_text()
        assert translate("ci_ok", "zh") in result.inner_text()
        assert translate("ci_on_time", "zh") in result.inner_text()
        shot(page, "checkin-phone-done")
        with new_session(server.app) as session:
            record = session.scalars(select(CheckIn)).one()
            member = session.scalars(select(User).where(User.name == "member")).one()
            assert record.user_id == member.id
            assert record.stop == f"{route.id}/{index}"
            assert record.distance_m < 1

        desk = new_context().new_page()
        sign_in(desk, "captain")
        with desk.expect_navigation():
            desk.click("header.top nav a[href='/ledger']")
        with desk.expect_navigation():
            desk.click(f"a[href='/plans/{server.demo_plan}/ledger']")
        groups = desk.locator("table.ledger-groups tbody tr", has_text="一组")
        cells = groups.locator("td").all_inner_texts()
        assert cells[2] == "1", cells  # done
        days = desk.locator("table.ledger-days tbody tr", has_text=route.date)
        assert days.locator("td").all_inner_texts()[2] == "1"
        place = desk.locator("table.ledger-areas tbody tr", has_text=stop.display_name)
        assert "1" in [row.locator("td").nth(2).inner_text() for row in place.all()]
        frame = desk.frame_locator("iframe.map")
        frame.locator("path.pm-ledger-done").first.wait_for()
        assert frame.locator("path.pm-ledger-done").count() == 1
        shot(desk, "checkin-ledger")
        assert page_log.js_errors() == []
        assert page_log.blocked == []
    finally:  # the live app is shared by the session's browser tests
        with new_session(server.app) as session:
            session.execute(delete(CheckIn))
            session.commit()
