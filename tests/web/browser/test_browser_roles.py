"""Browser tests: each role logs in through the form and sees its own navigation and pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from planner.plan.document import read_plan
from web.i18n import translate

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Page

ROLES = ("admin", "captain", "planner", "member", "viewer")


def expected_nav(server: LiveServer, role: str) -> list[str]:
    """Return the paths of the navigation links the registry gives ``role``, in order."""
    from flask import url_for

    from web.accounts.auth import PERMISSIONS
    from web.views_common import NAV

    with server.app.test_request_context():
        return [
            url_for(item.endpoint)
            for item in NAV
            if item.endpoint in server.app.view_functions
            and (item.permission is None or role in PERMISSIONS[item.permission])
        ]


def nav_paths(page: Page, server: LiveServer) -> list[str]:
    hrefs = page.locator("header.top nav a").evaluate_all("els => els.map(a => a.href)")
    return [h.removeprefix(server.url) for h in hrefs]


def route_links(page: Page) -> set[str]:
    hrefs = page.locator("a[href*='/routes/']").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))"
    )
    return {h.rsplit("/", 1)[1] for h in hrefs}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_pages(
    role: str, page: Page, live_server: LiveServer, sign_in: Any, shot: Any, page_log: PageLog
) -> None:
    """Tests that logging in through the form as each role shows that role's navigation, that a
    viewer sees no routes, that a member sees only the routes of the own group (and is refused
    another group's route), and that only the roles allowed see coverage, downloads, new plans
    and the users page."""
    server = live_server
    doc = read_plan(server.plan_file)
    sign_in(page, role)
    landing = "/me" if role == "member" else "/map"  # members land on their day
    assert page.url.startswith(server.url + landing)
    nav = nav_paths(page, server)
    assert nav == expected_nav(server, role)
    assert "/map" in nav and "/plans/" in nav
    assert ("/users/" in nav) == (role == "admin")
    shot(page, f"role-{role}-map", full_page=False)

    page.click("header.top nav a[href='/plans/']")
    assert page.locator("h1").inner_text() == "勤务方案列表"
    assert (page.locator("a[href='/jobs/new']").count() == 1) == (role in ("admin", "captain"))
    with page.expect_navigation():
        page.click(f"a[href='/plans/{server.demo_plan}']")
    shot(page, f"role-{role}-plan")
    assert page.locator("table.calendar tbody tr").count() == len(doc.roster.groups)
    links = route_links(page)
    all_routes = {r.id for r in doc.routes}
    own = {r.id for r in doc.routes if r.group_id == "A"}
    assert own and own != all_routes, "the plan needs routes of group A and of other groups"
    other = sorted(all_routes - own)[0]
    coverage = page.locator(f"a[href='/plans/{server.demo_plan}/coverage']").count()
    downloads = page.locator("ul.downloads a").count()
    if role == "viewer":
        assert links == set()
        assert page.locator("text=巡逻路线").count() == 0
        response = page.goto(f"{server.url}/plans/{server.demo_plan}/routes/{other}")
        assert response is not None and response.status == 403
        assert page.locator("p.error").inner_text() == translate("forbidden", "zh")
        shot(page, "role-viewer-route-refused")
    elif role == "member":
        assert links == own
        response = page.goto(f"{server.url}/plans/{server.demo_plan}/routes/{other}")
        assert response is not None and response.status == 403
        page.goto(f"{server.url}/plans/{server.demo_plan}/routes/{sorted(own)[0]}")
        assert page.locator("table.stops tbody tr").count() >= 2
        shot(page, "role-member-own-route", full_page=False)
    else:
        assert links == all_routes
    assert (coverage == 1) == (role in ("admin", "captain", "planner"))
    assert (downloads > 0) == (role in ("admin", "captain", "planner"))

    users = page.goto(f"{server.url}/users/")
    assert users is not None and users.status == (200 if role == "admin" else 403)
    if role == "admin":
        names = page.locator("table.grid tbody td:first-child").all_inner_texts()
        assert set(ROLES) <= set(names)
        shot(page, "role-admin-users")
    assert page_log.page_errors == []
