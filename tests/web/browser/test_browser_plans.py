"""Browser tests: a captain makes a plan and watches it, opens a route map, prints, downloads."""

from __future__ import annotations

import io
import unicodedata
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader

from planner.plan.document import read_plan
from web.i18n import translate

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Page

ROUTE_COLOUR = "#1565c0"
"""The route's line colour on the route map (web.maps.routes.ROUTE_COLOUR)."""

A4_POINTS = (595.28, 841.89)


def test_captain_makes_a_plan_and_watches_it(
    page: Page,
    live_server: LiveServer,
    sign_in: Any,
    shot: Any,
    page_log: PageLog,
    plan_with_form: Any,
) -> None:
    """Tests that a captain queues a one-day plan with the job form, that the job page shows
    its progress and refreshes itself (no reload by the test) until the plan is ready, and that
    the ready plan opens with its roster and routes."""
    sign_in(page, "captain")
    page.click("header.top nav a[href='/plans/']")
    with page.expect_navigation():
        page.click("a[href='/jobs/new']")
    run = plan_with_form(page, "浏览器测试方案", seed=1, shot=shot)
    seen, loads = run.seen, run.loads
    shot(page, "job-finished")
    statuses = [s for s, _line in seen]
    assert statuses[-1] == "done", seen
    assert statuses[0] in ("queued", "running"), seen
    # The status went from queued/running to done with no reload by the test: the page
    # refreshed itself at least once (more when the job outlasts one refresh period).
    assert loads >= 1, "the job page did not refresh itself"
    stage_lines = [line for _s, line in seen if line]
    assert stage_lines, "no progress shown"
    assert all(line.startswith("阶段：") for line in stage_lines), stage_lines
    assert page.locator("#job-status").inner_text() == translate("status_done", "zh")

    with page.expect_navigation():
        page.click("a.button[href^='/plans/']")
    assert page.locator("h1").inner_text() == "方案：浏览器测试方案"
    assert page.locator("table.calendar tbody tr").count() >= 1
    assert page.locator("a[href*='/routes/']").count() >= 1
    assert page.locator("ul.checks li.bad").count() == 0
    shot(page, "job-plan")
    page.click("header.top nav a[href='/plans/']")
    row = page.locator("tr", has_text="浏览器测试方案")
    assert row.locator(".badge").inner_text() == translate("status_ready", "zh")
    assert "captain" in row.inner_text()
    assert page_log.js_errors() == []
    assert page_log.blocked == []


def test_route_map_print_view_and_pdf(
    page: Page, live_server: LiveServer, sign_in: Any, shot: Any, page_log: PageLog
) -> None:
    """Tests that a route view draws its Leaflet map (map pane, the route's line, a marker per
    stop) without JavaScript errors, that the print view hides the navigation in print media and
    prints on A4 pages, one or more per sheet, and that the route sheets PDF downloads."""
    server = live_server
    doc = read_plan(server.plan_file)
    route = doc.routes[0]
    sign_in(page, "captain", next=f"/plans/{server.demo_plan}")
    with page.expect_navigation():
        page.click(f"a[href='/plans/{server.demo_plan}/routes/{route.id}']")
    frame = page.frame_locator("iframe.route-map")
    frame.locator(".leaflet-map-pane").wait_for(state="attached")
    line = frame.locator(f"path[stroke='{ROUTE_COLOUR}']")
    line.first.wait_for()
    assert line.count() >= 1
    assert frame.locator(".pm-stop").count() == len(route.stops)
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert page.locator("table.stops tbody tr").count() == len(route.stops)
    box = page.locator("iframe.route-map").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    shot(page, "route-view", full_page=False)
    # A stop's popup opens on a click (dispatched: markers of nearby stops overlap).
    frame.locator(".leaflet-marker-icon", has=frame.locator(".pm-stop")).nth(1).dispatch_event(
        "click"
    )
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    assert route.stops[1].display_name in popup.inner_text()
    shot(page, "route-view-popup", full_page=False)

    page.goto(f"{server.url}/plans/{server.demo_plan}/print")
    sheets = page.locator("section.sheet").count()
    # The roster, a sheet per unit-shift, then one section of the grid members' walks.
    units = [r for r in doc.routes if r.unit_kind != "grid"]
    walks = len(doc.routes) - len(units)
    assert sheets == 1 + len(units) + (1 if walks else 0)
    assert page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("p.no-print").is_visible()
    assert page.locator("th.sign").count() == len(doc.routes)
    codes = page.locator("figure.ci-code").evaluate_all("els => els.map(el => el.dataset.url)")
    assert len(codes) >= len(doc.routes)
    assert all(code.startswith(f"{server.url}/c/") for code in codes)
    shot(page, "print-view")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) >= sheets
    for p in pdf.pages:
        width, height = float(p.mediabox.width), float(p.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
    # Chromium's PDF maps some ideographs to Kangxi radicals (e.g. U+2F47 for 日); NFKC undoes it.
    text = unicodedata.normalize("NFKC", pdf.pages[0].extract_text())
    assert "排班日历" in text
    page.emulate_media(media="screen")

    page.goto(f"{server.url}/plans/{server.demo_plan}")
    with page.expect_download(timeout=90_000) as info:
        # The first download writes the PDF; the click waits for it.
        page.click(f"a[href='/plans/{server.demo_plan}/download/route_sheets.pdf']", timeout=90_000)
    download = info.value
    assert download.suggested_filename == f"plan-{server.demo_plan}-route_sheets.pdf"
    body = download.path().read_bytes()
    assert body.startswith(b"%PDF")
    pages = len(PdfReader(io.BytesIO(body)).pages)
    assert len(units) + (1 if walks else 0) <= pages <= len(units) + max(1, walks // 2)
    assert page_log.js_errors() == []
    assert page_log.blocked == []


def test_route_map_numbers_stops_as_the_stop_table(
    page: Page, live_server: LiveServer, sign_in: Any
) -> None:
    """Tests that the route map labels its markers as the stop table and the printed sheet do
    (the base "B", then 1, 2, ...), so that a patrol can match the two."""
    server = live_server
    route = read_plan(server.plan_file).routes[0]
    sign_in(page, "planner", next=f"/plans/{server.demo_plan}/routes/{route.id}")
    labels = page.locator("table.stops tbody tr td:first-child").all_inner_texts()
    assert labels == route.stop_labels()
    frame = page.frame_locator("iframe.route-map")
    frame.locator(".pm-stop").first.wait_for()
    markers = frame.locator(".pm-stop").all_inner_texts()
    assert markers == labels


def test_district_map_with_the_network_cut_off(
    page: Page, live_server: LiveServer, shot: Any, page_log: PageLog, sign_in: Any
) -> None:
    """Tests that the district map draws streets, key areas, the layer control and legend with
    every host but 127.0.0.1 blocked, and that it tries to reach no other host at all."""
    sign_in(page, "planner")  # key areas and posts need a login
    page.goto(f"{live_server.url}/map")
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-map-pane").wait_for(state="attached")
    frame.locator(".leaflet-overlay-pane path").first.wait_for()
    assert frame.locator(".leaflet-overlay-pane path").count() > 100
    assert frame.locator(".leaflet-marker-icon").count() > 10
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert frame.locator(".leaflet-control-zoom").count() == 1
    shot(page, "district-map-offline", full_page=False)
    assert page_log.blocked == []
    assert page_log.js_errors() == []
