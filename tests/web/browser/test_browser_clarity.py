"""Browser tests: a refused form keeps what was typed, and removing asks first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select

from web.db import Edit, new_session
from web.workspace import read_text

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Dialog, Page

ADD_VEHICLE = "form:has(input[name=op][value=add_vehicle])"
REMOVE_VEHICLE = "form:has(input[name=op][value=remove_vehicle])"


def test_a_refused_form_keeps_what_was_typed_and_removing_asks(
    page: Page, live_server: LiveServer, sign_in: Any, shot: Any, page_log: PageLog
) -> None:
    """Tests that a captain adding a vehicle whose id exists gets a Chinese refusal with the
    form still holding the typed id, kind and name, and that removing a vehicle asks first:
    saying no keeps it, saying yes removes it."""
    with new_session(live_server.app) as session:
        last_edit = session.scalar(select(func.max(Edit.id))) or 0
    try:
        _refuse_then_remove(page, live_server, sign_in, shot, page_log)
    finally:  # the live app is shared: its edit history goes back to what it was
        with new_session(live_server.app) as session:
            session.execute(delete(Edit).where(Edit.id > last_edit))
            session.commit()


def _refuse_then_remove(
    page: Page, live_server: LiveServer, sign_in: Any, shot: Any, page_log: PageLog
) -> None:
    sign_in(page, "captain")
    page.goto(live_server.url + "/teams/?lang=zh")
    form = page.locator(ADD_VEHICLE)
    form.locator("input[name=id]").fill("EB01")
    form.locator("select[name=mode]").select_option("bicycle")
    form.locator("input[name=name]").fill("新车甲")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("p.error").inner_text() == "车辆 EB01 已存在。"
    form = page.locator(ADD_VEHICLE)
    assert form.locator("input[name=id]").input_value() == "EB01"
    assert form.locator("select[name=mode]").input_value() == "bicycle"
    assert form.locator("input[name=name]").input_value() == "新车甲"
    shot(page, "teams-refused-kept")

    # A vehicle of its own to remove (the live app is shared by the session's tests).
    form.locator("input[name=id]").fill("EB77")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    with live_server.app.app_context():
        added = read_text(live_server.app, "teams.toml")
    assert '"EB77"' in added
    questions: list[str] = []

    def say(answer: bool) -> Any:
        def handle(dialog: Dialog) -> None:
            questions.append(dialog.message)
            if answer:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    remove = page.locator(f"{REMOVE_VEHICLE}:has(input[name=vehicle][value=EB77])")
    page.once("dialog", say(False))
    remove.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert questions == ["确定删除车辆“新车甲 EB77”？"]
    with live_server.app.app_context():
        assert read_text(live_server.app, "teams.toml") == added
    page.once("dialog", say(True))
    with page.expect_navigation():
        remove.locator("button[type=submit]").click()
    with live_server.app.app_context():
        assert '"EB77"' not in read_text(live_server.app, "teams.toml")
    assert len(questions) == 2
    assert page_log.js_errors() == []
