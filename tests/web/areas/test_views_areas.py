"""Tests of the key-area editor pages: roles, CSRF, forms, the map editor, imports and plans."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from sqlalchemy import func, select

from tests.web.conftest import CSRF, WEB_ROLES
from web.areas.edits import area_collection
from web.db import Edit, Plan, new_session
from web.jobs import queue as jobs_module
from web.jobs.queue import run_job
from web.workspace import current_district, ensure

DATA = Path(__file__).resolve().parents[2] / "data" / "areas"
SCHOOL = "osm-n1058331313"
POINT = json.dumps({"type": "Point", "coordinates": [118.78, 32.044]})
NEW = {"name": "北门", "category": "market", "priority": "4", "geometry": POINT}

GET_ROUTES = (
    "/areas/",
    "/areas/map",
    "/areas/new",
    f"/areas/{SCHOOL}",
    "/areas/import",
    "/areas/export.geojson",
    "/areas/hotspots",
    "/areas/incidents",
)
POST_ROUTES = (
    ("/areas/new", NEW),
    (f"/areas/{SCHOOL}", {"priority": "2"}),
    (f"/areas/{SCHOOL}/delete", {}),
    ("/areas/shapes", {"changes": "[]", "deleted": json.dumps([SCHOOL])}),
    ("/areas/import", {"action": "preview"}),
    ("/areas/hotspots", {"place_id": "G01", "pin": "1", "weight": "2", "note": ""}),
    ("/areas/incidents", {"action": "preview"}),
)
EDITORS = ("admin", "planner")


@pytest.fixture
def app(make_web_app):
    return make_web_app()


@pytest.fixture
def as_role(app, client_as):
    """Return a signed-in client of a role whose session holds the CSRF token."""

    def make(role: str | None):
        client = client_as(app, role)
        with client.session_transaction() as sess:  # logging in starts a new session
            sess["csrf_token"] = CSRF
        return client

    return make


def edit_count(app) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Edit))


def gpkg(app) -> bytes:
    return (ensure(app) / "district.gpkg").read_bytes()


def areas_by_id(app) -> dict:
    return {f["id"]: f for f in area_collection(current_district(app))["features"]}


def status(client, url: str) -> int:
    with client.get(url) as response:  # files are streamed: close them
        return response.status_code


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data={**data, "csrf_token": CSRF}, **kwargs)


def test_every_route_for_every_role(app, as_role) -> None:
    """Tests that planners and admins may open every page of the editor, other roles get 403
    for every page and every form (and change nothing), and visitors are sent to log in."""
    before = gpkg(app)
    for role in (*WEB_ROLES, None):
        client = as_role(role)
        for url in GET_ROUTES:
            response = client.get(url)
            if role in EDITORS:
                assert response.status_code == 200, (role, url)
            elif role is None:
                assert response.status_code == 302, url
                assert "/login" in response.headers["Location"], url
            else:
                assert response.status_code == 403, (role, url)
            response.close()
        if role in EDITORS:
            continue
        for url, data in POST_ROUTES:
            response = post(client, url, data)
            assert response.status_code == (302 if role is None else 403), (role, url)
    assert gpkg(app) == before
    assert edit_count(app) == 0


def test_post_without_the_csrf_token_is_refused(app, as_role) -> None:
    """Tests that a POST without or with a wrong token is refused and saves nothing."""
    client = as_role("planner")
    before = gpkg(app)
    assert client.post("/areas/new", data=NEW).status_code == 400
    assert client.post("/areas/new", data={**NEW, "csrf_token": "forged"}).status_code == 400
    response = client.post(f"/areas/{SCHOOL}/delete")
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert gpkg(app) == before and edit_count(app) == 0


def test_form_add_edit_and_delete(app, as_role) -> None:
    """Tests that the plain forms add, change and delete an area, each one audited edit."""
    client = as_role("planner")
    response = post(client, "/areas/new", {**NEW, "geometry": "", "lon": "118.78", "lat": "32.044"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/areas/web-1")
    page = client.get("/areas/web-1?lang=en").get_data(as_text=True)
    assert "已新增重点部位“北门”。" in page and 'value="北门"' in page  # named, not "web-1"
    assert "<h1>Key area: 北门</h1>" in page
    response = post(
        client,
        "/areas/web-1",
        {
            "name": "北门市场",
            "category": "market",
            "priority": "5",
            "lon": "118.7801",
            "lat": "32.0441",
            "windows": "06:00-08:00",
            "dose_minutes": "12",
        },
    )
    assert response.status_code == 302
    props = areas_by_id(app)["web-1"]["properties"]
    assert (props["name"], props["priority"], props["windows"], props["dose_minutes"]) == (
        "北门市场",
        5,
        "06:00-08:00",
        12.0,
    )
    assert areas_by_id(app)["web-1"]["geometry"]["coordinates"] == [118.7801, 32.0441]
    assert post(client, "/areas/web-1/delete", {}).status_code == 302
    assert "web-1" not in areas_by_id(app)
    assert edit_count(app) == 3
    listing = client.get("/areas/?category=school&min_priority=5&lang=en").get_data(as_text=True)
    assert SCHOOL in listing and "osm-n772575588" not in listing  # a hospital


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({**NEW, "priority": "9"}, "The priority &#39;9&#39; is not a whole number from 1 to 5."),
        (
            {**NEW, "windows": "25:00-26:00"},
            "The time windows &#39;25:00-26:00&#39; cannot be used (25:00 is not a time of day",
        ),
        ({**NEW, "dose_minutes": "lots"}, "The dose &#39;lots&#39;"),
        (
            {**NEW, "geometry": '{"type": "Point", "coordinates": [116.4, 39.9]}'},
            "outside the district",
        ),
        ({**NEW, "category": "castle"}, "The category &#39;castle&#39; is unknown"),
    ],
)
def test_refused_form_says_one_sentence_and_saves_nothing(app, as_role, data, words) -> None:
    """Tests that a wrong field answers 400 with the sentence naming it, and nothing is saved."""
    client = as_role("planner")
    before = gpkg(app)
    response = post(client, "/areas/new?lang=en", data)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    response = post(client, f"/areas/{SCHOOL}?lang=en", data)
    assert response.status_code == 400
    assert gpkg(app) == before and edit_count(app) == 0


def test_map_editor_loads_draw_offline_and_saves_drawn_changes(app, as_role) -> None:
    """Tests that the editor's map loads Leaflet.draw from the app (no CDN), that an area drawn
    on the map is added, and that areas moved and deleted on the map are saved together; a bad
    shape refuses the whole batch."""
    client = as_role("admin")
    frame = client.get("/areas/map/frame").get_data(as_text=True)
    assert "/static/vendor/leaflet-draw/leaflet.draw.js" in frame
    assert "cdnjs" not in frame and "L.Control.Draw" in frame and SCHOOL in frame
    assert status(client, "/static/vendor/leaflet-draw/leaflet.draw.js") == 200
    assert status(client, "/static/vendor/leaflet-draw/images/spritesheet.svg") == 200
    assert status(client, "/static/vendor/leaflet-draw/LICENSE") == 200
    assert status(client, "/static/vendor/nope/x.js") == 404
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[118.78, 32.044], [118.7806, 32.044], [118.7806, 32.0445], [118.78, 32.044]]
        ],
    }
    drawn = {**NEW, "name": "<b>北门</b>", "geometry": json.dumps(polygon), "back": "map"}
    response = post(client, "/areas/new?lang=en", drawn)
    assert response.status_code == 400
    assert "The name must not contain &lt; or &gt;." in response.get_data(as_text=True)
    response = post(client, "/areas/new", {**drawn, "name": "北门"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/areas/map")
    assert areas_by_id(app)["web-1"]["geometry"]["type"] == "Polygon"
    before = gpkg(app)
    bad = [{"id": "web-1", "geometry": {"type": "Point", "coordinates": [116.4, 39.9]}}]
    response = post(
        client,
        "/areas/shapes?lang=en",
        {"changes": json.dumps(bad), "deleted": json.dumps([SCHOOL])},
    )
    assert response.status_code == 400
    assert "outside the district boundary" in response.get_data(as_text=True)
    assert gpkg(app) == before and edit_count(app) == 1
    moved = [{"id": "web-1", "geometry": {"type": "Point", "coordinates": [118.7802, 32.0443]}}]
    response = post(
        client, "/areas/shapes", {"changes": json.dumps(moved), "deleted": json.dumps([SCHOOL])}
    )
    assert response.status_code == 302
    now = areas_by_id(app)
    assert now["web-1"]["geometry"] == {"type": "Point", "coordinates": [118.7802, 32.0443]}
    assert SCHOOL not in now
    assert edit_count(app) == 3


def test_import_page_previews_then_imports(app, as_role) -> None:
    """Tests the GeoJSON import page: a preview with counts and rejected features by number,
    no import button for a bad file, and the import of a good one."""
    client = as_role("planner")
    bad = (DATA / "bad.geojson").read_bytes()
    response = post(
        client,
        "/areas/import?lang=en",
        {"action": "preview", "file": (io.BytesIO(bad), "bad.geojson")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 rejected" in page and "1 to add" in page
    assert 'value="import"' not in page
    response = post(
        client,
        "/areas/import?lang=en",
        {"action": "import", "file": (io.BytesIO(bad), "bad.geojson")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "has 2 rejected features and was not imported; Feature 2:" in response.get_data(
        as_text=True
    )
    response = post(
        client,
        "/areas/import?lang=en",
        {"action": "preview", "file": (io.BytesIO(b"{nope"), "x.geojson")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "is not valid JSON (line 1" in response.get_data(
        as_text=True
    )
    assert edit_count(app) == 0
    good = (DATA / "good.geojson").read_bytes()
    response = post(
        client,
        "/areas/import?lang=en",
        {"action": "preview", "file": (io.BytesIO(good), "good.geojson")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "1 to add" in page and "1 to update" in page and 'value="import"' in page
    token = re.search(r'name="kept" value="([^"]+)"', page).group(1)
    kept = ensure(app).parent / "uploads" / token
    assert kept.read_bytes() == good
    response = post(
        client, "/areas/import", {"action": "import", "kept": "../secret_key", "filename": "x"}
    )
    assert response.status_code == 400 and edit_count(app) == 0
    response = post(
        client, "/areas/import", {"action": "import", "kept": token, "filename": "good.geojson"}
    )
    assert not kept.exists()
    assert response.status_code == 302
    assert areas_by_id(app)["web-1"]["properties"]["name"] == "南门小学"
    exported = client.get("/areas/export.geojson")
    assert exported.mimetype == "application/geo+json"
    assert "web-1" in {f["id"] for f in json.loads(exported.data)["features"]}


def test_hotspot_page(app, as_role) -> None:
    """Tests that the hotspot form pins a place and lists it, and refuses an unknown place."""
    client = as_role("planner")
    response = post(client, "/areas/hotspots?lang=en", {"place_id": "nowhere", "weight": "2"})
    assert response.status_code == 400
    assert (
        "There is no key area, street or grid with the ID &#39;nowhere&#39;."
        in response.get_data(as_text=True)
    )
    response = post(
        client, "/areas/hotspots", {"place_id": "G01", "pin": "1", "weight": "2", "note": "小巷"}
    )
    assert response.status_code == 302
    page = client.get("/areas/hotspots?lang=en").get_data(as_text=True)
    assert "G01" in page and "小巷" in page and "grid" in page
    assert edit_count(app) == 1


def test_incident_page_previews_rejected_lines_then_imports(app, as_role) -> None:
    """Tests that the incident page lists rejected records by line, refuses an unusable file
    with its sentence, and imports a good one."""
    client = as_role("planner")
    file = ensure(app) / "incidents.csv"
    before = file.read_bytes()
    bad = (DATA / "incidents_bad.csv").read_bytes()
    response = post(
        client,
        "/areas/incidents?lang=en",
        {"action": "import", "file": (io.BytesIO(bad), "incidents_bad.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "incidents_bad.csv has no column for time, category" in response.get_data(as_text=True)
    assert file.read_bytes() == before and edit_count(app) == 0
    data = (DATA / "incidents.csv").read_bytes()
    response = post(
        client,
        "/areas/incidents?lang=en",
        {"action": "preview", "file": (io.BytesIO(data), "week.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "5 to add" in page and "1 rejected" in page and "spaceship" in page
    assert '<td class="num">4</td>' in page
    assert file.read_bytes() == before
    response = post(
        client,
        "/areas/incidents",
        {"action": "import", "file": (io.BytesIO(data), "week.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "W006" in file.read_text(encoding="utf-8")
    assert edit_count(app) == 1


def test_a_new_area_is_in_the_next_plans_snapshot(app, as_role, monkeypatch) -> None:
    """Tests that an area drawn by a planner is in the data the next plan is made from, and that
    the plan records the data version of that edit."""
    client = as_role("planner")
    assert post(client, "/areas/new", {**NEW, "back": "map"}).status_code == 302
    seen = []

    def fake_make_plan(district, *, start, days, seed, time_limit, progress):
        layer = gpd.read_file(Path(district) / "district.gpkg", layer="key_areas")
        seen.append(set(layer["id"]))
        seen.append(Path(district))
        raise jobs_module.JobCancelled

    monkeypatch.setattr(jobs_module, "make_plan_for_job", fake_make_plan)
    captain = as_role("captain")
    form = {"title": "next", "start": "2026-12-07", "days": "1", "seed": "1", "time_limit": "1"}
    assert post(captain, "/jobs/new", form).status_code == 302
    with new_session(app) as session:
        plan = session.scalars(select(Plan)).one()
        job_id = plan.job.id
    run_job(app, job_id)
    assert "web-1" in seen[0]
    with new_session(app) as session:
        plan = session.get(Plan, plan.id)
        assert plan.data_version == 1
    snapshot = ensure(app).parent / "plans" / str(plan.id) / "data"
    assert seen[1] == snapshot  # the plan is made from its own copy of the data
    assert not snapshot.exists()  # which a cancelled plan does not keep


def test_hotspot_and_area_tables_show_place_names(app, as_role) -> None:
    """Tests that the hotspot table names an unnamed hospital by its category and nearest
    street, the area list shows names, and the ids stay only in links and hover text."""
    client = as_role("planner")
    response = post(client, "/areas/hotspots", {"place_id": "osm-n4403656724", "pin": "1"})
    assert response.status_code == 302
    page = client.get("/areas/hotspots?lang=zh").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "医院（莫愁路附近）" in table
    shown = re.sub(r"<[^>]*>", " ", table)
    assert "osm-n4403656724" not in shown and "osm-n4403656724" in table
    listing = client.get("/areas/?lang=en").get_data(as_text=True)
    rows = re.sub(r"<[^>]*>", " ", listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert "Hospital / clinic near 莫愁路" in rows
    assert not re.search(r"\bosm-[nwr]\d+", rows)
