"""Browser test: a planner draws a key area on the map editor and the next plan covers it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from planner.plan.document import read_plan
from web.db import Edit, Plan, new_session
from web.i18n import translate
from web.plans.store import get_district
from web.workspace import undo

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import FrameLocator, Page

AREA_NAME = "浏览器测试重点部位"

HALF_SIZE = (0.0005, 0.0004)
"""Half the drawn rectangle's width and height in degrees (about 95 m x 90 m)."""


def street_point(server: LiveServer) -> tuple[float, float]:
    """Return (lon, lat) of the street vertex nearest the district's middle."""
    district = get_district(server.app)
    middle = district.boundary.to_crs(3857).union_all().centroid
    streets = district.streets.to_crs(3857)
    nearest = streets.distance(middle).idxmin()
    line = district.streets.geometry.loc[nearest]
    lon, lat = line.coords[len(line.coords) // 2]
    return float(lon), float(lat)


def screen_point(page: Page, frame: FrameLocator, lon: float, lat: float) -> tuple[float, float]:
    """Return where (lon, lat) of the frame's Leaflet map is on the page, in CSS pixels."""
    box = frame.locator(".folium-map").bounding_box()
    assert box is not None
    x, y = frame.locator(".folium-map").evaluate(
        "(el, p) => { const pt = window[el.id].latLngToContainerPoint([p[1], p[0]]);"
        " return [pt.x, pt.y]; }",
        [lon, lat],
    )
    return box["x"] + x, box["y"] + y


def test_planner_draws_a_key_area_that_the_next_plan_covers(
    new_context: Any,
    live_server: LiveServer,
    sign_in: Any,
    shot: Any,
    page_log: PageLog,
    plan_with_form: Any,
) -> None:
    """Tests that a planner draws a rectangle with Leaflet.draw on the key-area editor, names
    it in the form that appears and saves it; that it is listed; and that in the next plan a
    captain makes, the coverage view counts the area's needed presence and a route stops at
    it (its stop table names the area)."""
    server = live_server
    with new_session(server.app) as session:
        first_edit = session.scalar(select(Edit.id).order_by(Edit.id.desc()).limit(1)) or 0
    lon, lat = street_point(server)
    page = new_context().new_page()
    try:
        sign_in(page, "planner")
        with page.expect_navigation():
            page.click("header.top nav a[href='/areas/']")
        with page.expect_navigation():
            page.click("a[href='/areas/map']")
        frame = page.frame_locator("#editor-map")
        frame.locator(".leaflet-draw-draw-rectangle").wait_for()
        assert page.locator("#new-area").is_hidden()
        frame.locator(".leaflet-draw-draw-rectangle").click()
        x0, y0 = screen_point(page, frame, lon - HALF_SIZE[0], lat + HALF_SIZE[1])
        x1, y1 = screen_point(page, frame, lon + HALF_SIZE[0], lat - HALF_SIZE[1])
        assert x1 - x0 > 10 and y1 - y0 > 10, "the rectangle is too small to draw"
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
        page.mouse.move(x1, y1, steps=4)
        page.mouse.up()
        form = page.locator("#new-area")
        form.wait_for()
        drawn = page.locator("#new-geometry").input_value()
        assert '"Polygon"' in drawn
        form.locator("input[name=name]").fill(AREA_NAME)
        form.locator("select[name=category]").select_option("bank")
        form.locator("select[name=priority]").select_option("5")
        form.locator("input[name=windows]").fill("09:00-11:00")
        form.locator("input[name=dose_minutes]").fill("20")
        shot(page, "areas-drawn", full_page=False)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert page.locator("p.error").count() == 0, page.locator("p.error").all_inner_texts()
        flash = page.locator("p.flash").first.inner_text()
        assert flash == translate("area_added", "zh", name=AREA_NAME)
        with new_session(server.app) as session:
            added = session.scalars(
                select(Edit).where(Edit.id > first_edit, Edit.action == "add")
            ).one()
            area_id = added.target
        frame = page.frame_locator("#editor-map")
        frame.locator(".leaflet-draw-draw-rectangle").wait_for()
        shot(page, "areas-saved", full_page=False)

        page.goto(f"{server.url}/areas/?q={area_id}")
        by_id = (
            f'table.grid tbody tr:has(td[title="{translate("place_id_hover", "zh", id=area_id)}"])'
        )
        row = page.locator(by_id)
        assert row.count() == 1
        assert AREA_NAME in row.inner_text() and "09:00-11:00" in row.inner_text()

        captain = new_context().new_page()
        sign_in(captain, "captain")
        run = plan_with_form(captain, "新增部位后的方案")
        assert run.status == "done", run.seen

        page.goto(f"{server.url}/plans/{run.plan_id}/coverage")
        row = page.locator(by_id)  # the place's name, its id as hover text
        assert row.count() == 1
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == AREA_NAME
        assert float(cells[1]) > 0  # needed minutes
        shot(page, "areas-next-plan-coverage")
        with new_session(server.app) as session:
            plan = session.get(Plan, run.plan_id)
            assert plan is not None
            doc = read_plan(plan.plan_file(server.app.instance_path))
        row = next(c for c in doc.coverage if c.level == "area" and c.id == area_id)
        assert row.needed_minutes > 0 and row.planned_visits >= 1
        visiting = [r for r in doc.routes if any(s.site_id == area_id for s in r.stops)]
        assert visiting, "no route of the next plan stops at the new key area"
        page.goto(f"{server.url}/plans/{run.plan_id}/routes/{visiting[0].id}")
        stops = page.locator("table.stops tbody tr", has_text=AREA_NAME)
        assert stops.count() >= 1
        stops.first.scroll_into_view_if_needed()
        shot(page, "areas-next-plan-route", full_page=False)
        assert page_log.js_errors() == []
        assert page_log.blocked == []
    finally:  # the live app is shared by the session's browser tests: take the area out again
        with new_session(server.app) as session:
            edits = session.scalars(
                select(Edit).where(Edit.id > first_edit).order_by(Edit.id.desc())
            ).all()
            for edit in edits:
                undo(server.app, session, edit.id, user_id=None)
        server.app.extensions.pop("patrol_map_html", None)
