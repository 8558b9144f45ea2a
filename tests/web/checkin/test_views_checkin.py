"""Tests of the check-in pages: the phone page, QR codes on the print view and PDF, the ledger.

The plan is tests/data/plan/plan.json (see tests/web/checkin/test_checkin.py); the clock of the
check-in service is set inside group g1's day shift (08:10 on 2026-09-30, UTC+8).
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest
import segno
from sqlalchemy import func, select

from planner.plan.document import read_plan
from tests.web.conftest import CSRF, WEB_PASSWORD, WEB_ROLES
from web.checkin.records import checkpoint_tokens, read_token
from web.checkin.views import QR_MASK
from web.db import CheckIn, Job, Plan, new_session
from web.plans.in_force import publish
from web.plans.store import import_plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask

CST = timezone(timedelta(hours=8))
DURING_DAY = datetime(2026, 9, 30, 8, 10, tzinfo=CST)
AFTER_ALL = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
PUBLIC = "https://patrol.example.org"
METRE_LAT = 1 / 110_574


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the check-in service's clock; it starts inside g1's day shift."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr("web.checkin.records.utcnow", lambda: moment.astimezone(UTC))

    set_to(DURING_DAY)
    return set_to


@pytest.fixture
def app(make_web_app, tiny_bundle: Path, data_dir: Path, clock) -> Flask:
    """The app on the tiny district with PUBLIC_URL set, the member in group g1, and the fixture
    plan stored twice (plans 1, published, and 2, a draft)."""
    app = make_web_app(district=tiny_bundle, member_groups=("g1",), PUBLIC_URL=PUBLIC)
    with new_session(app) as session:
        for title in ("Fixture plan", "Same plan again"):
            import_plan(app, session, data_dir / "plan" / "plan.json", title=title)
        publish(session, session.get(Plan, 1), None)  # members see published plans only
    return app


@pytest.fixture
def doc(data_dir: Path):
    return read_plan(data_dir / "plan" / "plan.json")


@pytest.fixture
def client_as(client_as):
    """``client_as`` of conftest whose client keeps the CSRF token :data:`CSRF` after logging
    in (logging in starts a new session)."""

    def make(app: Flask, role: str | None):
        client = client_as(app, role)
        with client.session_transaction() as sess:
            sess["csrf_token"] = CSRF
        return client

    return make


def _path(app: Flask, doc, route: int, index: int, plan_id: int = 1) -> str:
    return "/c/" + checkpoint_tokens(app, plan_id, doc)[f"{doc.routes[route].id}/{index}"]


def _count(app: Flask) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count(CheckIn.id))))


def _at(doc, route: int, index: int, dy_m: float = 0.0, **extra: str) -> dict[str, str]:
    stop = doc.routes[route].stops[index]
    form = {"csrf_token": CSRF, "lon": str(stop.lon), "lat": str(stop.lat + dy_m * METRE_LAT)}
    form["accuracy"] = "12"
    form.update(extra)
    return form


def test_every_page_for_every_role(app: Flask, doc, client_as) -> None:
    """Tests that the check-in page opens for the roles that patrol, the ledger pages for
    captains, planners and admins, others get 403 and visitors are sent to log in."""
    pages = {
        _path(app, doc, 0, 1): {"admin", "captain", "member"},
        "/ledger": {"admin", "captain", "planner"},
        "/plans/1/ledger": {"admin", "captain", "planner"},
        "/plans/1/ledger/map": {"admin", "captain", "planner"},
    }
    for role in (*WEB_ROLES, None):
        client = client_as(app, role)
        for url, allowed in pages.items():
            with client.get(url) as response:
                if role is None:
                    assert response.status_code == 302, url
                    assert "/login?next=" in response.headers["Location"]
                elif role in allowed:
                    assert response.status_code == 200, (role, url)
                else:
                    assert response.status_code == 403, (role, url)
    assert client_as(app, "admin").get("/plans/99/ledger").status_code == 404


def test_member_signs_in_from_the_phone_page(app: Flask, doc, client_as) -> None:
    """Tests that the phone page shows the checkpoint and its planned time in Chinese with a
    CSRF-protected form, and that posting the position signs in and shows the result."""
    client = client_as(app, "member")
    url = _path(app, doc, 0, 1)
    page = client.get(url).get_data(as_text=True)
    assert "签到上岗" in page
    assert "长江路小学" in page
    assert "08:04" in page and "07:40–08:30" in page
    assert 'name="csrf_token" value="tok"' in page
    assert "navigator.geolocation" in page
    assert 'name="lon"' in page and 'name="lat"' in page
    response = client.post(url, data=_at(doc, 0, 1, dy_m=30))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "签到成功" in body
    assert "距签到点 30 米" in body
    assert "准时" in body
    assert _count(app) == 1
    # Opening the page again says so, and offers no second sign-in.
    again = client.get(url + "?lang=en").get_data(as_text=True)
    assert "You signed in here at 30 Sep 2026, 08:10." in again  # the one date-time format
    assert 'id="ci-form"' not in again


def test_post_without_csrf_is_refused(app: Flask, doc, client_as) -> None:
    """Tests that a check-in without the session's CSRF token is refused and nothing stored."""
    client = client_as(app, "member")
    url = _path(app, doc, 0, 1)
    form = _at(doc, 0, 1)
    del form["csrf_token"]
    assert client.post(url, data=form).status_code == 400
    assert client.post(url, data={**form, "csrf_token": "wrong"}).status_code == 400
    assert _count(app) == 0


def test_refusals_show_their_reason(app: Flask, doc, client_as, clock) -> None:
    """Tests that a forged, far-away, wrong-group, other-plan, repeated or expired check-in is
    refused on the page with its own sentence (Chinese or English) and nothing is stored."""
    member = client_as(app, "member")
    url = _path(app, doc, 0, 1)

    def refused(client, target: str, data: dict[str, str] | None, status: int, text: str):
        before = _count(app)
        if "?lang=" not in target:
            target += "?lang=zh"  # the language chosen last is kept in the session
        response = client.post(target, data=data) if data else client.get(target)
        body = unescape(response.get_data(as_text=True))
        assert response.status_code == status, body
        assert text in body
        assert _count(app) == before

    token = url.rsplit("/", 1)[1]
    forged = url[:-1] + ("A" if token[-1] != "A" else "B")
    refused(member, forged, None, 400, "签到码无效")
    refused(member, forged + "?lang=en", _at(doc, 0, 1), 400, "not one this app signed")
    refused(member, url, _at(doc, 0, 1, dy_m=400), 400, "您距签到点 400 米，超出允许的 162 米")
    refused(member, url + "?lang=en", _at(doc, 0, 1, lat="north"), 400, "The position is not")
    refused(member, url, _at(doc, 0, 1, plan="2"), 400, "签到码属于其他方案")
    night = _path(app, doc, 1, 2)
    clock(datetime(2026, 10, 2, 0, 5, tzinfo=CST))
    refused(member, night, _at(doc, 1, 2), 403, "此签到点属于 第二组 的路线")
    refused(member, night + "?lang=en", None, 403, "a route of Group 2, which is not your group")
    clock(DURING_DAY)
    assert member.post(url, data=_at(doc, 0, 1)).status_code == 200
    refused(member, url, _at(doc, 0, 1), 409, "您已在此签到点签到过")
    clock(datetime(2026, 9, 30, 22, 1, tzinfo=CST))
    refused(member, _path(app, doc, 0, 2), _at(doc, 0, 2), 400, "签到码已过期")


def _codes(page: str) -> list[tuple[str, str]]:
    """Return (data-url, inline SVG) of every check-in code of a print view."""
    found = re.findall(r'<figure class="ci-code" data-url="([^"]+)">(<svg.*?</svg>)', page)
    return [(unescape(url), svg) for url, svg in found]


def test_print_view_has_a_qr_code_per_stop(app: Flask, doc, client_as) -> None:
    """Tests that the print view carries one QR code per stop of each route the user may see,
    each holding the absolute check-in URL of that stop's token."""
    captain = client_as(app, "captain").get("/plans/1/print").get_data(as_text=True)
    codes = _codes(captain)
    assert len(codes) == sum(len(r.stops) for r in doc.routes) == 10
    tokens = checkpoint_tokens(app, 1, doc)
    assert [u for u, _ in codes] == [f"{PUBLIC}/c/{t}" for t in tokens.values()]
    for url, svg in codes:
        expected = segno.make(url, error="m", micro=False, mask=QR_MASK)
        assert svg.split("</title>")[1] == expected.svg_inline(scale=2, border=2).split(">", 1)[1]
        data = read_token(app, url.rsplit("/", 1)[1])
        assert data.plan_id == 1
    member = client_as(app, "member").get("/plans/1/print").get_data(as_text=True)
    assert len(_codes(member)) == len(doc.routes[0].stops)


def test_print_view_uses_the_request_host_without_public_url(
    make_web_app, data_dir: Path, doc
) -> None:
    """Tests that without PUBLIC_URL the codes hold the URL of the host the page was asked on."""
    app = make_web_app(member_groups=("g1",))
    with new_session(app) as session:
        import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
    host = "http://patrol.local:8080"
    client = app.test_client()
    with client.session_transaction(base_url=host) as sess:
        sess["csrf_token"] = CSRF
    login = {"name": "captain", "password": WEB_PASSWORD, "csrf_token": CSRF}
    assert client.post("/login", data=login, base_url=host).status_code == 302
    page = client.get("/plans/1/print", base_url=host).get_data(as_text=True)
    urls = [u for u, _ in _codes(page)]
    assert len(urls) == 10
    assert all(u.startswith("http://patrol.local:8080/c/") for u in urls)


def test_pdf_has_a_qr_code_per_stop(app: Flask, doc, client_as) -> None:
    """Tests that each page of the route sheets PDF links the check-in URL of every stop of its
    route, once (the QR codes are drawn where the links are), and that a new public address
    gets a new PDF."""
    from pypdf import PdfReader

    with client_as(app, "planner").get("/plans/1/download/route_sheets.pdf") as response:
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.get_data()))
    tokens = checkpoint_tokens(app, 1, doc)
    assert len(reader.pages) == len(doc.routes)
    for page, route in zip(reader.pages, doc.routes, strict=True):
        links = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
        wanted = [f"{PUBLIC}/c/{tokens[f'{route.id}/{k}']}" for k in range(len(route.stops))]
        assert links == wanted
        text = page.extract_text()
        assert "扫码签到" in text
    # The kept PDF is made again for another public address.
    app.config["PUBLIC_URL"] = "https://elsewhere.example.org"
    with client_as(app, "planner").get("/plans/1/download/route_sheets.pdf") as response:
        reader = PdfReader(io.BytesIO(response.get_data()))
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0].get("/Annots", [])]
    assert links and all(u.startswith("https://elsewhere.example.org/c/") for u in links)


def test_ledger_page_after_the_shifts(app: Flask, doc, client_as, clock) -> None:
    """Tests that the ledger lists the member's check-in, the missed checkpoints once the
    shifts are over, the counts per group and day, the shortfall and a map of them."""
    member = client_as(app, "member")
    late = datetime(2026, 9, 30, 8, 45, tzinfo=CST)  # 15 min after stop 1's window closed
    clock(late)
    assert member.post(_path(app, doc, 0, 1), data=_at(doc, 0, 1)).status_code == 200
    clock(AFTER_ALL)
    planner = client_as(app, "planner")
    page = unescape(planner.get("/plans/1/ledger?lang=en").get_data(as_text=True))
    assert "Fixture plan: check-in ledger" in page
    missed = page.split('class="grid ledger-missed"')[1].split("</table>")[0]
    assert missed.count("<tr><td>") == 9
    assert "Changjiang Road Primary School" not in missed
    late_rows = page.split('class="grid ledger-late"')[1].split("</table>")[0]
    assert "Changjiang Road Primary School" in late_rows
    assert '<td class="num">15</td>' in late_rows
    assert "<td>member</td>" in late_rows
    groups = page.split('class="grid ledger-groups"')[1].split("</table>")[0]
    row = groups.split("Group 1")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["5", "1", "1", "4", "0", "20%"]
    boost = page.split('class="grid ledger-boost"')[1].split("</table>")[0]
    assert "osm-n-walmart" in boost and "×2.00" in boost
    assert "osm-n4745751722" not in boost
    frame = planner.get("/plans/1/ledger/map").get_data(as_text=True)
    assert frame.count("pm-ledger-missed") == 9
    assert frame.count("pm-ledger-late") == 1


def test_ledger_links(app: Flask, client_as) -> None:
    """Tests that the navigation bar and the plan page link the ledger for planners, not for
    members."""
    planner = client_as(app, "planner")
    nav = planner.get("/plans/").get_data(as_text=True)
    assert 'href="/ledger"' in nav
    assert 'href="/plans/1/ledger"' in planner.get("/plans/1").get_data(as_text=True)
    assert 'href="/plans/1/ledger"' in planner.get("/ledger").get_data(as_text=True)
    member = client_as(app, "member")
    assert 'href="/ledger"' not in member.get("/plans/").get_data(as_text=True)
    assert "/ledger" not in member.get("/plans/1").get_data(as_text=True)


def test_next_plan_makes_up_the_shortfall(
    make_web_app, data_dir: Path, client_as, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that the planning form takes "make up the shortfall of plan N", refuses a plan
    that is not ready, and that the job plans with the missed key areas' dose boosted (only
    key areas of the district: the fixture's other places are not in the default district)."""
    from web.jobs import queue as jobs_module

    app = make_web_app(member_groups=("g1",))
    with new_session(app) as session:
        import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
    clock(AFTER_ALL)
    captain = client_as(app, "captain")
    assert 'name="shortfall"' in captain.get("/jobs/new").get_data(as_text=True)
    form = {"csrf_token": CSRF, "start": "2026-10-05", "days": "1", "seed": "0"}
    form["time_limit"] = "2"
    bad = captain.post("/jobs/new?lang=en", data={**form, "shortfall": "99"})
    assert bad.status_code == 400
    assert "Plan '99' is not a ready plan" in unescape(bad.get_data(as_text=True))
    response = captain.post("/jobs/new", data={**form, "shortfall": "1"})
    assert response.status_code == 302
    with new_session(app) as session:
        job = session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert json.loads(job.params)["shortfall_of"] == 1
        job_id = job.id
    seen: dict[str, object] = {}

    def fake_make_plan(district, *, start, days, seed, time_limit, progress, dose_boost=None):
        seen["boost"] = dose_boost
        raise jobs_module.JobCancelled

    monkeypatch.setattr(jobs_module, "make_plan_for_job", fake_make_plan)
    assert jobs_module.run_job(app, job_id) == "cancelled"
    assert seen["boost"] == {"osm-n4745751722": 2.0}
