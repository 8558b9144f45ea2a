"""Browser test at 390x844: every page a member or a captain uses fits a phone's width.

Each page is opened on a 390 x 844 phone; its ``scrollWidth`` must not pass the viewport,
its maps must draw, and no script error may be raised. Screenshots are kept (``shot``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from planner.plan.document import read_plan
from web.checkin.records import route_tokens

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Page

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
"""A 390x844 phone (the size of the report)."""

PHONE_WIDTH = 390

WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"

MEMBER_PAGES = ("me", "map", "plans", "plan", "route", "print", "account")
"""The pages a member opens (by the names of :func:`_paths`)."""

CAPTAIN_PAGES = (
    *MEMBER_PAGES,
    "coverage",
    "compare",
    "job_new",
    "teams",
    "leave",
    "rules",
    "raw",
    "ledgers",
    "ledger",
    "audit",
)
"""The pages a captain opens."""

MAP_FRAMES = {"map", "route", "coverage", "ledger"}
"""Pages whose map frame must draw its lines at phone width."""


def _paths(server: LiveServer) -> dict[str, str]:
    plan = server.demo_plan
    doc = read_plan(server.plan_file)
    route = next(r for r in doc.routes if r.group_id == "A")
    return {
        "me": "/me",
        "map": "/map",
        "plans": "/plans/",
        "plan": f"/plans/{plan}",
        "route": f"/plans/{plan}/routes/{route.id}",
        "print": f"/plans/{plan}/print",
        "account": "/account",
        "coverage": f"/plans/{plan}/coverage",
        "compare": "/plans/compare",
        "job_new": "/jobs/new",
        "teams": "/teams/",
        "leave": "/teams/leave",
        "rules": "/teams/rules",
        "raw": "/teams/raw/rules",
        "ledgers": "/ledger",
        "ledger": f"/plans/{plan}/ledger",
        "audit": "/audit/",
    }


def _fits(page: Page) -> None:
    width = page.evaluate(WIDTH)
    assert width[0] <= width[1] == PHONE_WIDTH, (
        f"the page is wider than the phone: {width} {page.url}"
    )


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        ("member", MEMBER_PAGES),  # a member of group A
        ("captain", CAPTAIN_PAGES),  # a captain: plans, teams, rules, ledger, history
    ],
)
def test_pages_fit_a_phone(
    new_context: Any,
    live_server: LiveServer,
    sign_in: Any,
    shot: Any,
    page_log: PageLog,
    role: str,
    pages: tuple[str, ...],
) -> None:
    """Tests that each page the role uses is no wider than a 390 px phone, that its map frame
    draws lines, that the route map's stop labels do not sit on top of each other, and that no
    page raises a script error."""
    paths = _paths(live_server)
    page = new_context(**PHONE, locale="zh-CN").new_page()
    sign_in(page, role)
    wide: list[str] = []
    for name in pages:
        response = page.goto(live_server.url + paths[name])
        assert response is not None and response.status == 200, (name, page.url)
        if name in MAP_FRAMES:
            frame = page.frame_locator("iframe.map").first
            frame.locator(".leaflet-overlay-pane path").first.wait_for()
            frame.locator(".leaflet-tile-pane, .leaflet-marker-pane").first.wait_for(
                state="attached"
            )
        width = page.evaluate(WIDTH)
        if not width[0] <= width[1] == PHONE_WIDTH:
            wide.append(f"{name} ({width[0]} px)")
        shot(page, f"phone-{role}-{name}")
        if name == "route":
            _labels_apart(page)
        assert page_log.js_errors() == [], (name, page_log.js_errors())
    assert wide == [], f"pages wider than the {PHONE_WIDTH} px phone: {', '.join(wide)}"
    assert page_log.blocked == []


def _labels_apart(page: Page) -> None:
    """Assert that the route map's numbered stops and arrival times do not overlap."""
    frame = page.frame_locator("iframe.map").first
    frame.locator(".leaflet-marker-pane .pm-stop").first.wait_for()
    page.wait_for_timeout(500)  # the labels make room once the map has settled
    boxes = frame.locator("body").evaluate(
        """() => [...document.querySelectorAll('.pm-icon:not(.pm-crowded) .pm-stop,'
                  + '.pm-icon:not(.pm-crowded):not(.pm-time-hidden) .pm-stop-time')]
            .map(e => { const r = e.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; })"""
    )
    assert len(boxes) >= 4, "the route map shows hardly any stop labels"
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1
    ]
    assert not overlaps, f"{len(overlaps)} pairs of {len(boxes)} stop labels overlap"


def test_checkin_page_fits_a_phone(
    new_context: Any, live_server: LiveServer, sign_in: Any, shot: Any, page_log: PageLog
) -> None:
    """Tests that a checkpoint's sign-in page (from its QR code) fits a 390 px phone."""
    doc = read_plan(live_server.plan_file)
    route = next(r for r in doc.routes if r.group_id == "A")
    tokens = route_tokens(live_server.app, live_server.demo_plan, doc, route)
    page = new_context(**PHONE, locale="zh-CN").new_page()
    sign_in(page, "member")
    page.goto(f"{live_server.url}/c/{next(iter(tokens.values()))}")
    _fits(page)
    shot(page, "phone-member-checkin")
    assert page_log.js_errors() == []


A4_CONTENT_PX = (718, 1032)
"""An A4 page inside print.css's margins (190 x 273 mm) in CSS pixels."""

MOST_CHECKPOINTS = 36
"""Sheets of routes up to this many stops must fit one page (the practice: about 25 a
unit-shift; the test plan's group routes have 36 and more)."""


def test_the_print_view_is_one_page_per_unit_shift(
    new_context: Any, live_server: LiveServer, sign_in: Any, screenshot_dir: Any
) -> None:
    """Tests that in print each unit-shift's sheet holds its route sketch and codes and,
    for a route of up to 36 stops, fits one A4 page; the browser's PDF of the plan is kept
    with the screenshots."""
    width, height = A4_CONTENT_PX
    page = new_context(locale="zh-CN", viewport={"width": width, "height": height}).new_page()
    sign_in(page, "captain")
    page.goto(f"{live_server.url}/plans/{live_server.demo_plan}/print")
    page.emulate_media(media="print")
    sheets = page.locator("section.route-sheet:not(.walks)")
    assert sheets.count() >= 1
    assert sheets.locator("figure.sketch svg.route-sketch").count() == sheets.count()
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('section.route-sheet:not(.walks)')].map(s =>
            [s.querySelectorAll('table.stops tbody tr').length,
             Math.ceil(s.getBoundingClientRect().height)])"""
    )
    short = [(n, h) for n, h in sizes if n <= MOST_CHECKPOINTS]
    assert any(n > 25 for n, _h in short), sizes  # a full sheet is among them
    assert all(h <= height for _n, h in short), [s for s in short if s[1] > height]
    # The grid members' and volunteers' walks share pages, none split across two.
    walks = page.evaluate(
        """() => [...document.querySelectorAll('section.walks div.walk')].map(w =>
            Math.ceil(w.getBoundingClientRect().height))"""
    )
    assert walks, "the demo plan's walks are missing"
    assert all(h <= height for h in walks), walks
    pdf = page.pdf(format="A4", print_background=True)
    (screenshot_dir / "print-view.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages < 1 + sheets.count() + len(walks) / 2, (pages, sheets.count(), len(walks))
