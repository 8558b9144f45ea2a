"""Tests that two people editing the same thing cannot silently undo each other's save."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import CSRF, WEB_PASSWORD, signed_in
from web.areas.edits import area_collection
from web.workspace import current_district, ensure

SCHOOL = "osm-n1058331313"


@pytest.fixture
def app(make_web_app):
    return make_web_app()


def version_in(page: str) -> str:
    found = re.search(r'name="version" value="([0-9a-f]+)"', page)
    assert found, page[:500]
    return found.group(1)


def bearer(app, role: str) -> dict[str, str]:
    response = app.test_client().post(
        "/api/v1/token", json={"name": role, "password": WEB_PASSWORD}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def teams_text(app) -> str:
    return (ensure(app) / "teams.toml").read_text(encoding="utf-8")


def with_phone(text: str, phone: str) -> str:
    """Return teams.toml with a comment line carrying ``phone`` appended (a harmless change)."""
    return text + f"# duty phone {phone}\n"


def test_raw_editor_refuses_a_save_overtaken_by_another(app) -> None:
    """Tests that of two captains who opened teams.toml, the later save is refused with a
    sentence naming the earlier one's edit, and the earlier one's change is kept."""
    first, second = signed_in(app, "captain"), signed_in(app, "admin")
    page_a = first.get("/teams/raw/teams").get_data(as_text=True)
    page_b = second.get("/teams/raw/teams?lang=en").get_data(as_text=True)
    original = teams_text(app)
    a = first.post(
        "/teams/raw/teams",
        data={
            "text": with_phone(original, "111"),
            "version": version_in(page_a),
            "csrf_token": CSRF,
        },
    )
    assert a.status_code == 302
    b = second.post(
        "/teams/raw/teams?lang=en",
        data={
            "text": with_phone(original, "222"),
            "version": version_in(page_b),
            "csrf_token": CSRF,
        },
    )
    assert b.status_code == 400
    body = b.get_data(as_text=True)
    assert "teams.toml has changed since you opened it (edit 1 by captain: teams: raw edit)" in body
    assert "111" in teams_text(app) and "222" not in teams_text(app)
    again = second.post(
        "/teams/raw/teams",
        data={
            "text": with_phone(teams_text(app), "222"),
            "version": version_in(body),
            "csrf_token": CSRF,
        },
    )
    assert again.status_code == 400  # the refused page kept the old version: reload first
    fresh = version_in(second.get("/teams/raw/teams").get_data(as_text=True))
    ok = second.post(
        "/teams/raw/teams",
        data={"text": with_phone(teams_text(app), "222"), "version": fresh, "csrf_token": CSRF},
    )
    assert ok.status_code == 302
    assert "111" in teams_text(app) and "222" in teams_text(app)


@pytest.mark.parametrize("kind", ["teams", "rules"])
def test_api_put_with_a_stale_etag_is_refused_with_412(app, kind: str) -> None:
    """Tests GET's ETag, PUT with it (200 and a new ETag), and PUT with the old one (412)."""
    headers = bearer(app, "captain")
    client = app.test_client()
    got = client.get(f"/api/v1/{kind}", headers=headers)
    etag = got.headers["ETag"]
    text = got.get_json()["text"]
    put = client.put(
        f"/api/v1/{kind}", json={"text": text + "# one\n"}, headers={**headers, "If-Match": etag}
    )
    assert put.status_code == 200, put.get_data(as_text=True)
    assert put.headers["ETag"] != etag
    stale = client.put(
        f"/api/v1/{kind}", json={"text": text + "# two\n"}, headers={**headers, "If-Match": etag}
    )
    assert stale.status_code == 412
    body = stale.get_json()
    assert body["field"] == "If-Match"
    assert body["error"].startswith(
        f"{kind}.toml has changed since you opened it (edit 1 by captain"
    )
    assert "# two" not in client.get(f"/api/v1/{kind}", headers=headers).get_json()["text"]


def test_area_form_refuses_a_save_overtaken_by_another(app) -> None:
    """Tests that of two planners who opened an area's form, the later save is refused naming
    the earlier edit, and the area keeps the earlier name."""
    first, second = signed_in(app, "planner"), signed_in(app, "admin")
    page_a = first.get(f"/areas/{SCHOOL}").get_data(as_text=True)
    page_b = second.get(f"/areas/{SCHOOL}?lang=en").get_data(as_text=True)
    a = first.post(
        f"/areas/{SCHOOL}", data={"name": "甲校", "version": version_in(page_a), "csrf_token": CSRF}
    )
    assert a.status_code == 302
    b = second.post(
        f"/areas/{SCHOOL}?lang=en",
        data={"name": "乙校", "version": version_in(page_b), "csrf_token": CSRF},
    )
    assert b.status_code == 400
    assert f"Key area {SCHOOL} has changed since you opened it (edit 1 by planner" in b.get_data(
        as_text=True
    )
    areas = {f["id"]: f for f in area_collection(current_district(app))["features"]}
    assert areas[SCHOOL]["properties"]["name"] == "甲校"


def test_api_patch_of_an_area_with_a_stale_etag_is_refused_with_412(app) -> None:
    """Tests the area's ETag on GET and PATCH, and 412 for a PATCH with an old one."""
    headers = bearer(app, "planner")
    client = app.test_client()
    etag = client.get(f"/api/v1/areas/{SCHOOL}", headers=headers).headers["ETag"]
    one = client.patch(
        f"/api/v1/areas/{SCHOOL}", json={"name": "甲校"}, headers={**headers, "If-Match": etag}
    )
    assert one.status_code == 200 and one.headers["ETag"] != etag
    two = client.patch(
        f"/api/v1/areas/{SCHOOL}", json={"name": "乙校"}, headers={**headers, "If-Match": etag}
    )
    assert two.status_code == 412 and two.get_json()["field"] == "If-Match"
    now = client.get(f"/api/v1/areas/{SCHOOL}", headers=headers)
    assert (
        now.get_json()["properties"]["name"] == "甲校"
        and now.headers["ETag"] == one.headers["ETag"]
    )
