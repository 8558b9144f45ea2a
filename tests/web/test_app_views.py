"""Tests of the web app's pages: every route for every role, offline maps, print view."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)

import pytest

from planner.plan.document import CoverageRow, read_plan, write_plan
from web import create_app
from web.accounts.users import create_user
from web.db import Plan, new_session
from web.i18n import translate
from web.plans.in_force import publish
from web.plans.store import import_plan

ROLES = ("admin", "captain", "planner", "member", "viewer")
PASSWORD = "correct horse"
FAST_HASH = "pbkdf2:sha256:1000"  # the default scrypt is deliberately slow


@pytest.fixture(scope="module")
def app(data_dir: Path, tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app on a fresh SQLite database with the tiny district, one user per role and the
    hand-made plan of tests/data/plan/plan.json as plan 1, published."""
    tmp = tmp_path_factory.mktemp("app")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": "sqlite:///" + str(tmp / "app.sqlite3"),
            "DISTRICT": str(tiny_bundle),
        }
    )
    with new_session(app) as session:
        first_group = read_plan(data_dir / "plan" / "plan.json").routes[0].group_id
        for role in ROLES:
            groups = [first_group] if role == "member" else []
            create_user(session, role, role, PASSWORD, method=FAST_HASH, groups=groups)
        row = import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
        publish(session, row, None)  # members and viewers see published plans only
    return app


def login(client, name: str, password: str = PASSWORD):
    """Log in through the form, with the session's CSRF token."""
    with client.session_transaction() as sess:
        sess["csrf_token"] = "tok"
    return client.post("/login", data={"name": name, "password": password, "csrf_token": "tok"})


@pytest.fixture(scope="module")
def route_id(data_dir: Path) -> str:
    return read_plan(data_dir / "plan" / "plan.json").routes[0].id


ALL = set(ROLES)
PAGES = {
    "/map": None,
    "/map/frame": None,
    "/plans/": ALL,
    "/plans/1": ALL,
    "/plans/1/routes/{route}": {"admin", "captain", "planner", "member"},
    "/plans/1/routes/{route}/map": {"admin", "captain", "planner", "member"},
    "/plans/1/print": {"admin", "captain", "planner", "member"},
    "/plans/1/coverage": {"admin", "captain", "planner"},
    "/plans/1/coverage/map": {"admin", "captain", "planner"},
    "/plans/compare": {"admin", "captain", "planner"},
    "/plans/1/download/plan.json": {"admin", "captain", "planner"},
    "/plans/1/download/roster.csv": {"admin", "captain", "planner"},
    "/plans/1/download/gpx.zip": {"admin", "captain", "planner"},
    "/users/": {"admin"},
    "/jobs/new": {"admin", "captain"},
}
"""Every page of the app and the roles that may open it (None: anyone, signed in or not)."""


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_page_for_every_role(app, route_id: str, role: str | None) -> None:
    """Tests that each role opens exactly its pages, gets 403 elsewhere, and that a visitor who
    is not signed in is sent to the login page."""
    client = app.test_client()
    if role is not None:
        assert login(client, role).status_code == 302
    for template, allowed in PAGES.items():
        url = template.format(route=route_id)
        response = client.get(url)
        response.close()
        if allowed is None or role in allowed:
            assert response.status_code == 200, (role, url)
        elif role is None:
            assert response.status_code == 302, url
            assert "/login?next=" in response.headers["Location"]
        else:
            assert response.status_code == 403, (role, url)


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.urls.append(value)


def network_urls(page: str) -> list[str]:
    parser = _Urls()
    parser.feed(page)
    return [u for u in parser.urls if re.match(r"^(https?:)?//", u, re.I)]


def test_district_map_is_offline_and_served_by_the_app(app) -> None:
    """Tests that the map page and its frame load nothing from outside the app, and that the
    Leaflet files they name are served by the app itself."""
    client = app.test_client()
    page = client.get("/map").get_data(as_text=True)
    assert network_urls(page) == []
    assert "小街区" in page
    frame = client.get("/map/frame").get_data(as_text=True)
    assert network_urls(frame) == []
    assert "L.map(" in frame
    local = [u for u in _all_urls(frame) if u.startswith("/static/vendor/")]
    assert any(u.endswith("leaflet.js") for u in local)
    for url in local:
        with client.get(url) as response:
            assert response.status_code == 200, url


def _all_urls(page: str) -> list[str]:
    parser = _Urls()
    parser.feed(page)
    return parser.urls


def test_route_map_is_offline(app, route_id: str) -> None:
    """Tests that a route's map draws its stops and loads nothing from the network."""
    client = app.test_client()
    login(client, "member")
    frame = client.get(f"/plans/1/routes/{route_id}/map").get_data(as_text=True)
    assert network_urls(frame) == []
    assert "pm-stop" in frame


def test_language_switch(app) -> None:
    """Tests that Chinese is the default, ?lang=en switches to English and the session keeps it."""
    client = app.test_client()
    assert "辖区地图" in client.get("/map").get_data(as_text=True)
    assert "District map" in client.get("/map?lang=en").get_data(as_text=True)
    assert "District map" in client.get("/map").get_data(as_text=True)
    assert "辖区地图" in client.get("/map?lang=zh").get_data(as_text=True)


def test_plan_page_shows_roster_calendar(app, data_dir: Path) -> None:
    """Tests that the roster calendar has a row per group, a column per day, marks nights and
    lists the fairness summary."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    client = app.test_client()
    login(client, "viewer")
    page = client.get("/plans/1?lang=en").get_data(as_text=True)
    holidays = {h.date for h in doc.roster.holidays}
    for day in doc.dates():
        css = "holiday" if day.isoformat() in holidays else ""
        assert f'<th class="{css}"><time datetime="{day.isoformat()}">' in page
    for group in doc.roster.groups:
        assert group.name in page
    nights = sum(
        1
        for sched in doc.roster.schedule.values()
        for s in sched
        if s is not None and doc.roster.shift(s).night
    )
    assert page.count('class="night-mark"') == nights
    assert "Fairness summary" in page
    # A viewer sees the calendar but neither route links nor downloads.
    assert "/routes/" not in page
    assert "/download/" not in page


def test_print_view_has_a4_print_stylesheet(app, route_id: str) -> None:
    """Tests that the print view links a print-only stylesheet that sets A4 pages, and lists
    every route's stops with a sign-in column."""
    client = app.test_client()
    login(client, "captain")
    page = client.get("/plans/1/print").get_data(as_text=True)
    match = re.search(r'<link rel="stylesheet" href="([^"]+)" media="print">', page)
    assert match, "no print stylesheet"
    with client.get(match.group(1)) as response:
        css = response.get_data(as_text=True)
    assert "size: A4" in css
    assert page.count('class="sheet"') == 1  # the roster
    assert page.count('class="sheet route-sheet"') == 2  # a page for each of the two routes
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="route-sketch"') == 2
    assert page.count('<th class="sign">') == 2


def test_downloads_are_the_plan_files(app, data_dir: Path) -> None:
    """Tests that plan.json is the stored plan and roster.csv is written from it."""
    client = app.test_client()
    login(client, "planner")
    with client.get("/plans/1/download/plan.json") as response:
        body = response.get_data()
    assert json.loads(body)["plan_id"] == read_plan(data_dir / "plan" / "plan.json").plan_id
    with client.get("/plans/1/download/roster.csv") as csv:
        assert csv.status_code == 200
        assert csv.headers["Content-Disposition"].startswith("attachment")
        assert csv.get_data(as_text=True).count("\n") >= 2
    assert client.get("/plans/1/download/nothing.txt").status_code == 404


def test_unknown_plan_and_route_are_404(app) -> None:
    """Tests that a missing plan or route answers 404, not an error."""
    client = app.test_client()
    login(client, "admin")
    assert client.get("/plans/99").status_code == 404
    assert client.get("/plans/1/routes/nope").status_code == 404


def test_coverage_marks_blind_spots(app, data_dir: Path, tmp_path: Path) -> None:
    """Tests that a key area and a grid that need patrol but get no visit are listed as blind
    spots and ringed on the coverage map, which loads nothing from the network."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    blind_area = CoverageRow("area", "osm-n1", "Blind school", 30, 0, 0)
    blind_grid = CoverageRow("grid", "G02", "Grid two", 60, 0, 0)
    covered = CoverageRow("area", "osm-n3", "Covered bank", 10, 20, 2)
    changed = replace(doc, coverage=(*doc.coverage, blind_area, blind_grid, covered))
    path = write_plan(changed, tmp_path / "plan.json")
    with new_session(app) as session:
        plan_id = import_plan(app, session, path, title="With blind spots").id
    client = app.test_client()
    login(client, "planner")
    page = client.get(f"/plans/{plan_id}/coverage?lang=en").get_data(as_text=True)
    blind_list = page.split('<ul class="blind">')[1].split("</ul>")[0]
    assert "Blind school" in blind_list
    assert "Grid two" in blind_list
    assert "Covered bank" not in blind_list
    frame = client.get(f"/plans/{plan_id}/coverage/map").get_data(as_text=True)
    assert network_urls(frame) == []
    assert frame.count("pm-blind") == 1  # one blind key area in the tiny district
    assert "#d7301f" in frame  # the blind grid's fill
    assert "#91cf60" in frame  # the covered bank's dot


def test_members_see_only_their_groups_routes(app, data_dir: Path) -> None:
    """Tests that a member sees the routes of the group linked to them and is refused the
    others, while a captain sees every route."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    own, other = doc.routes[0], doc.routes[1]
    assert own.group_id != other.group_id
    member = app.test_client()
    login(member, "member")
    assert member.get(f"/plans/1/routes/{own.id}").status_code == 200
    assert member.get(f"/plans/1/routes/{other.id}").status_code == 403
    assert member.get(f"/plans/1/routes/{other.id}/map").status_code == 403
    page = member.get("/plans/1").get_data(as_text=True)
    assert f"/routes/{own.id}" in page
    assert f"/routes/{other.id}" not in page
    printed = member.get("/plans/1/print").get_data(as_text=True)
    assert printed.count('<th class="sign">') == 1
    captain = app.test_client()
    login(captain, "captain")
    page = captain.get("/plans/1").get_data(as_text=True)
    assert f"/routes/{own.id}" in page
    assert f"/routes/{other.id}" in page


def test_compare_two_plans(app, data_dir: Path, tmp_path: Path) -> None:
    """Tests that comparing a plan with a changed copy lists the changed roster cell and the
    coverage before and after, and that a bad choice of plans is refused with a message."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    group = doc.roster.groups[0]
    schedule = dict(doc.roster.schedule)
    old = schedule[group.id]
    schedule[group.id] = (None, *old[1:]) if old[0] else (doc.roster.shifts[0].id, *old[1:])
    grid = next(c for c in doc.coverage if c.level == "grid")
    coverage = tuple(
        replace(c, planned_minutes=c.planned_minutes + 25) if c is grid else c for c in doc.coverage
    )
    changed = replace(doc, roster=replace(doc.roster, schedule=schedule), coverage=coverage)
    with new_session(app) as session:
        path = write_plan(changed, tmp_path / "plan.json")
        b = import_plan(app, session, path, title="Changed copy").id
    client = app.test_client()
    login(client, "planner")
    page = client.get(f"/plans/compare?a=1&b={b}&lang=en").get_data(as_text=True)
    roster = page.split('class="grid roster-changes"')[1].split("</table>")[0]
    assert roster.count("<tr><td>") == 1
    assert doc.start in roster
    cov = page.split('class="grid coverage-changes"')[1].split("</table>")[0]
    assert f"<td>{grid.id}</td>" in cov
    assert "+25" in cov
    for query in ("a=1&b=999", "a=x&b=1"):
        response = client.get(f"/plans/compare?{query}&lang=en")
        assert response.status_code == 400, query
        assert "Choose two different plans that are ready." in response.get_data(as_text=True)
    same = client.get("/plans/compare?a=1&b=1&lang=zh")  # a Chinese page
    assert same.status_code == 400
    assert "“之前”和“之后”选了同一个方案（#1 " in same.get_data(as_text=True)
    newest = client.get("/plans/compare").get_data(as_text=True)  # no choice: the two newest
    assert 'class="grid roster-changes"' in newest
    choices = {}
    for name in ("a", "b"):
        select_html = newest.split(f'<select name="{name}">')[1].split("</select>")[0]
        ids = [int(i) for i in re.findall(r'<option value="(\d+)"', select_html)]
        chosen = re.findall(r'<option value="(\d+)" selected>', select_html)
        choices[name] = (sorted(ids), [int(c) for c in chosen])
    ids = choices["a"][0]
    assert choices["a"][1] == [ids[-2]] and choices["b"][1] == [ids[-1]]


def test_the_solver_table_is_behind_a_toggle_for_captains(app) -> None:
    """Tests that a captain sees the solver stages in one Chinese sentence with the table
    behind a closed "details" toggle, and that a member sees no solver table."""
    captain = app.test_client()
    login(captain, "captain")
    page = captain.get("/plans/1?lang=zh").get_data(as_text=True)
    details = page.split('<details class="solver" id="solver-details">')[1].split("</details>")[0]
    assert "个求解阶段" in details.split("</summary>")[0]
    assert "<table" in details.split("</summary>")[1]
    member = app.test_client()
    login(member, "member")
    page = member.get("/plans/1?lang=zh").get_data(as_text=True)
    assert "solver-details" not in page
    assert translate("objective", "zh") not in page


def test_coverage_says_why_places_are_uncovered(app, data_dir: Path, tmp_path: Path) -> None:
    """Tests that the coverage page says in one Chinese sentence how many blind spots are
    down to hours, reach and capacity, the counts adding up to the blind spots listed, and
    gives each listed place its reason."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    needed = [c for c in doc.coverage if c.needed_minutes > 0 and c.level in ("area", "grid")]
    gone = {c.id for c in needed[:3]}  # three places left without a visit
    coverage = tuple(
        replace(c, planned_minutes=0, planned_visits=0) if c.id in gone else c for c in doc.coverage
    )
    with new_session(app) as session:
        path = write_plan(replace(doc, coverage=coverage), tmp_path / "plan.json")
        plan = import_plan(app, session, path, title="Blind copy").id
    client = app.test_client()
    login(client, "captain")
    page = client.get(f"/plans/{plan}/coverage?lang=zh").get_data(as_text=True)
    blind = page.split('<ul class="blind">')[1].split("</ul>")[0].count("<li>")
    assert blind >= 1
    said = re.search(r'<p class="why-uncovered" id="why-uncovered">([^<]*)</p>', page)
    assert said is not None
    numbers = [int(n) for n in re.findall(r"(\d+) 处", said.group(1))]
    assert numbers[0] == blind and sum(numbers[1:]) == blind, said.group(1)
    reasons = ("班次内不开放", "离街道太远", "班次已排满")
    items = page.split('<ul class="blind">')[1].split("</ul>")[0].split("<li>")[1:]
    assert all(any(r in item for r in reasons) for item in items)


def test_coverage_and_plan_list_show_names_not_ids(app, data_dir: Path, tmp_path: Path) -> None:
    """Tests that an uncovered place the plan file does not name is listed by the district's
    name for it (its id only as hover text), and the plan list shows the plan's district by
    name (here from the plan file, the app's own district being another)."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    unnamed = CoverageRow("area", "osm-n1", "", 30, 0, 0)
    changed = replace(doc, coverage=(*doc.coverage, unnamed))
    path = write_plan(changed, tmp_path / "plan.json")
    with new_session(app) as session:
        plan_id = import_plan(app, session, path, title="Unnamed blind spot").id
    client = app.test_client()
    login(client, "planner")
    page = client.get(f"/plans/{plan_id}/coverage?lang=zh").get_data(as_text=True)
    blind_list = page.split('<ul class="blind">')[1].split("</ul>")[0]
    assert ">示范小学</span> ·" in blind_list and ">osm-n1" not in blind_list
    listing = client.get("/plans/?lang=zh").get_data(as_text=True)
    body = listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    with new_session(app) as session:
        ident = session.get(Plan, plan_id).district
    assert ident == changed.district.id
    assert f">{changed.district.name_zh}<" in body and f">{ident}<" not in body
