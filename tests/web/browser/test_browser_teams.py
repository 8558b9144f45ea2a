"""Browser test: a captain puts a group on leave in the calendar and re-plans the same dates."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from web.db import Edit, new_session
from web.i18n import translate
from web.workspace import undo

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Page

JOB_TIMEOUT_S = 120.0


def wait_for_job(page: Page) -> str:
    """Wait on the job page (which reloads itself) until the job ends; return its status."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + JOB_TIMEOUT_S
    status = ""
    while time.monotonic() < deadline:
        try:
            status = page.locator("#job-status").get_attribute("data-status") or ""
        except Error:  # the page reloaded between two reads
            continue
        if status in ("done", "failed", "cancelled"):
            break
        page.wait_for_timeout(300)
    return status


def test_captain_changes_leave_and_replans(
    page: Page, live_server: LiveServer, sign_in: Any, shot: Any, page_log: PageLog
) -> None:
    """Tests that a captain reaches the leave calendar from the navigation, puts group A on
    leave on the demo plan's day with the form, sees the days marked, re-plans that day with
    one click and finds the leave in the new plan's roster; the rules page shows the rules."""
    with new_session(live_server.app) as session:
        first_edit = session.scalar(select(Edit.id).order_by(Edit.id.desc()).limit(1)) or 0
    try:
        sign_in(page, "captain")
        with page.expect_navigation():
            page.click("header.top nav a[href='/teams/']")
        assert page.locator("h1").inner_text() == translate("tr_teams_title", "zh")
        shot(page, "teams-groups")
        with page.expect_navigation():
            page.click("nav.tabs a[href='/teams/leave']")
        page.select_option("select[name=who]", "group:A")
        page.fill("input[name=from]", "2026-12-07")
        page.fill("input[name=to]", "2026-12-07")
        page.fill("input[name=reason]", "演练")
        with page.expect_navigation():
            page.click("form.row-form button[type=submit]")
        assert page.locator("p.error").count() == 0
        assert page.locator("p.flash").first.inner_text().startswith("已保存")
        for member in ("A1", "A2", "A3", "A4"):
            row = page.locator("table.leave-cal tbody tr", has_text=f"A · {member} ")
            assert row.locator("td.away").count() == 1 + (member == "A4") * 2, member
        shot(page, "teams-leave-calendar")

        replan = page.locator("form.replan")
        assert "2026-12-07" in replan.inner_text()
        with page.expect_navigation():
            replan.locator("button[type=submit]").click()
        assert "/jobs/" in page.url
        assert wait_for_job(page) == "done"
        with page.expect_navigation():
            page.click("a.button[href^='/plans/']")
        row_a = page.locator("table.calendar tbody tr").first
        assert translate("leave", "zh") in row_a.inner_text()
        shot(page, "teams-replanned")

        with page.expect_navigation():
            page.click("header.top nav a[href='/teams/']")
        with page.expect_navigation():
            page.click("nav.tabs a[href='/teams/rules']")
        assert page.locator("table.grid input[name=start]").count() == 2  # day and night
        shot(page, "teams-rules")
        assert page_log.js_errors() == []
        assert page_log.blocked == []
    finally:  # the live app is shared by the session's browser tests: put the rules back
        with new_session(live_server.app) as session:
            edits = session.scalars(
                select(Edit).where(Edit.id > first_edit).order_by(Edit.id.desc())
            ).all()
            for edit in edits:
                undo(live_server.app, session, edit.id, user_id=None)
