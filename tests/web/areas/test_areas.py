"""Tests of the key-area, hotspot and incident edits: checked, audited, undone, refused cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planner.exceptions import IncidentError
from planner.hotspots.risk import read_overrides
from web.areas import edits as areas
from web.areas import hotspots as hotspot_edits
from web.areas import incidents as incident_imports
from web.areas.edits import AreaError, check_area
from web.db import Edit, new_session
from web.workspace import WorkspaceError, current_district, ensure, undo

DATA = Path(__file__).resolve().parents[2] / "data" / "areas"

SCHOOL = "osm-n1058331313"
"""A key area of the default district: 人民中学, a school drawn as a point."""

POINT = {"type": "Point", "coordinates": [118.78, 32.044]}
NEW = {"name": "北门", "category": "market", "priority": "4", "geometry": json.dumps(POINT)}


def edit_count(app) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Edit))


def gpkg_bytes(app) -> bytes:
    return (ensure(app) / "district.gpkg").read_bytes()


def area(app, area_id: str) -> dict | None:
    feats = areas.area_collection(current_district(app))["features"]
    return next((f for f in feats if f["id"] == area_id), None)


@pytest.fixture
def app(make_web_app):
    return make_web_app()


def test_add_move_and_undo_in_order(app) -> None:
    """Tests that adding and moving an area are audited with before and after, that the add
    cannot be undone over the later move, that undoing both in order restores the layer, and
    that a new id is never one handed out before."""
    original = areas.area_collection(current_district(app))
    with new_session(app) as session:
        added = areas.add_area(
            app, session, {**NEW, "windows": "22:00-01:00; 7:20-08:00"}, user_id=3
        )
        assert (added.kind, added.action, added.target) == ("area", "add", "web-1")
        assert json.loads(added.before) is None
        after = json.loads(added.after)
        assert after["properties"]["windows"] == "07:20-08:00;22:00-01:00"
        assert area(app, "web-1")["properties"]["name"] == "北门"
        moved = areas.update_area(
            app,
            session,
            "web-1",
            {"lon": "118.7803", "lat": "32.0442", "dose_minutes": "15"},
            user_id=3,
        )
        assert moved is not None and moved.action == "update"
        assert json.loads(moved.before)["geometry"]["coordinates"] == [118.78, 32.044]
        now = area(app, "web-1")
        assert now["geometry"]["coordinates"] == [118.7803, 32.0442]
        assert now["properties"]["dose_minutes"] == 15.0
        with pytest.raises(WorkspaceError, match="web-1 has changed since edit 1"):
            undo(app, session, added.id, user_id=3)
        assert areas.update_area(app, session, "web-1", {"dose_minutes": "15"}, user_id=3) is None
        undo(app, session, moved.id, user_id=3)
        assert area(app, "web-1")["geometry"]["coordinates"] == [118.78, 32.044]
        undo(app, session, added.id, user_id=3)
    assert area(app, "web-1") is None
    assert edit_count(app) == 4
    restored = areas.area_collection(current_district(app))
    assert [f["id"] for f in restored["features"]] == [f["id"] for f in original["features"]]
    with new_session(app) as session:  # the id of an area that existed is not handed out again
        assert areas.add_area(app, session, NEW, user_id=3).target == "web-2"


def test_delete_is_undone_with_every_field(app) -> None:
    """Tests that deleting a shipped area and undoing it brings back all its columns."""
    before = area(app, SCHOOL)
    with new_session(app) as session:
        edit = areas.delete_area(app, session, SCHOOL, user_id=3)
        assert area(app, SCHOOL) is None
        assert json.loads(edit.before)["properties"]["name_en"] == before["properties"]["name_en"]
        undo(app, session, edit.id, user_id=3)
    assert area(app, SCHOOL) == before


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({**NEW, "priority": "7"}, "priority '7' is not a whole number from 1 to 5"),
        ({**NEW, "category": "zoo"}, "category 'zoo' is unknown"),
        ({**NEW, "name": "  "}, "name must have 1 to 100 characters"),
        ({**NEW, "name": "<b>x</b>"}, "The name must not contain < or >."),
        ({k: v for k, v in NEW.items() if k != "name"}, "field name is missing"),
        ({**NEW, "windows": "07:20-0800"}, "time windows '07:20-0800' cannot be used"),
        ({**NEW, "windows": "08:00-08:00"}, "opens and closes at the same time"),
        ({**NEW, "windows": "07:00-08:00;07:30-09:00"}, "overlap"),
        ({**NEW, "dose_minutes": "-5"}, "dose '-5' is not a number of minutes"),
        ({**NEW, "dose_minutes": "ten"}, "dose 'ten'"),
        (
            {**NEW, "geometry": '{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}'},
            "LineString",
        ),
        ({**NEW, "geometry": "{not json"}, "not valid GeoJSON"),
        (
            {
                **NEW,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [118.78, 32.04],
                            [118.79, 32.05],
                            [118.79, 32.04],
                            [118.78, 32.05],
                            [118.78, 32.04],
                        ]
                    ],
                },
            },
            "polygon is not valid (Self-intersection",
        ),
        ({**NEW, "geometry": {"type": "Point", "coordinates": [200, 32]}}, "longitude -180 to 180"),
    ],
)
def test_bad_fields_name_the_field(fields, words) -> None:
    """Tests that each wrong field is refused with one sentence naming it."""
    with pytest.raises(AreaError) as info:
        check_area(fields)
    text = str(info.value)
    assert words in text
    assert text.replace("e.g. ", "").count(". ") == 0 and text.endswith((".", ")"))


def test_refused_edits_change_nothing(app) -> None:
    """Tests that a bad field, an area outside the district and an unknown id change neither the
    layer's file nor the audit log."""
    before = gpkg_bytes(app)
    with new_session(app) as session:
        with pytest.raises(AreaError, match="priority"):
            areas.add_area(app, session, {**NEW, "priority": "0"}, user_id=3)
        with pytest.raises(AreaError, match="outside the district boundary"):
            areas.add_area(
                app, session, {**NEW, "geometry": None, "lon": "116.4", "lat": "39.9"}, user_id=3
            )
        with pytest.raises(AreaError, match="no key area nowhere"):
            areas.update_area(app, session, "nowhere", {"priority": 2}, user_id=3)
        with pytest.raises(AreaError, match="no key area nowhere"):
            areas.delete_area(app, session, "nowhere", user_id=3)
    assert gpkg_bytes(app) == before
    assert edit_count(app) == 0


def test_geojson_import_preview_import_and_undo(app) -> None:
    """Tests that the preview lists what an import adds and updates, that the import is one
    audited edit, and that its undo puts every area back."""
    data = (DATA / "good.geojson").read_bytes()
    school = area(app, SCHOOL)
    with new_session(app) as session:
        preview = areas.preview_areas(app, session, data, "good.geojson")
        assert [f["id"] for f in preview.added] == ["web-1"]
        assert [f["id"] for f in preview.updated] == [SCHOOL]
        assert preview.rejected == () and preview.ok
        edit = areas.import_areas(app, session, data, user_id=3, filename="good.geojson")
        assert (edit.kind, edit.action, edit.target) == ("area", "import", "good.geojson")
        assert set(json.loads(edit.after)) == {"web-1", SCHOOL}
        assert area(app, SCHOOL)["properties"]["windows"] == "07:00-08:00"
        assert area(app, SCHOOL)["geometry"] == school["geometry"]
        assert area(app, "web-1")["properties"]["dose_minutes"] == 25.0
        again = areas.preview_areas(app, session, data, "good.geojson")
        assert again.unchanged == (SCHOOL,) and len(again.added) == 1
        undo(app, session, edit.id, user_id=3)
    assert area(app, "web-1") is None
    assert area(app, SCHOOL) == school


def test_export_imports_back_unchanged(app) -> None:
    """Tests that the exported GeoJSON, imported again, changes nothing."""
    exported = areas.export_areas(app)
    assert len(json.loads(exported)["features"]) == len(current_district(app).key_areas)
    with new_session(app) as session:
        preview = areas.preview_areas(app, session, exported, "key_areas.geojson")
        assert (preview.added, preview.updated, preview.rejected) == ((), (), ())
        assert areas.import_areas(app, session, exported, user_id=3, filename="x.geojson") is None


def test_bad_geojson_is_refused_whole(app) -> None:
    """Tests that rejected features are listed by number and reason, and that the file is then
    not imported at all; unreadable files are refused with one sentence."""
    before = gpkg_bytes(app)
    data = (DATA / "bad.geojson").read_bytes()
    with new_session(app) as session:
        preview = areas.preview_areas(app, session, data, "bad.geojson")
        assert [n for n, _ in preview.rejected] == [2, 3]
        assert "priority '7'" in preview.rejected[0][1]
        assert "LineString" in preview.rejected[1][1]
        with pytest.raises(
            AreaError, match=r"2 rejected features and was not imported; Feature 2:"
        ):
            areas.import_areas(app, session, data, user_id=3, filename="bad.geojson")
        with pytest.raises(AreaError, match=r"x.geojson is not valid JSON \(line 1"):
            areas.import_areas(app, session, b"{oops", user_id=3, filename="x.geojson")
        with pytest.raises(AreaError, match="not a GeoJSON FeatureCollection"):
            areas.preview_areas(app, session, b"[1, 2]", "x.geojson")
        with pytest.raises(AreaError, match="holds no features"):
            areas.preview_areas(
                app, session, b'{"type": "FeatureCollection", "features": []}', "x.geojson"
            )
        dup = json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": SCHOOL,
                        "properties": {"priority": 2},
                        "geometry": None,
                    },
                    {
                        "type": "Feature",
                        "id": SCHOOL,
                        "properties": {"priority": 3},
                        "geometry": None,
                    },
                ],
            }
        ).encode()
        assert areas.preview_areas(app, session, dup, "d.geojson").rejected[0][0] == 2
    assert gpkg_bytes(app) == before
    assert edit_count(app) == 0


def test_hotspot_pin_weight_and_undo(app) -> None:
    """Tests that pinning a place writes hotspots.toml as the planner reads it, that clearing it
    removes the entry, and that undo restores each state; bad input is refused."""
    folder = ensure(app)
    street = str(current_district(app).streets["id"].iloc[0])
    with new_session(app) as session:
        pinned = hotspot_edits.set_hotspot(
            app, session, street, pin=True, weight="1.5", note="巷子", user_id=3
        )
        assert pinned.kind == "hotspot" and json.loads(pinned.before) is None
        override = read_overrides(folder)[street]
        assert (override.pin, override.weight, override.note) == (True, 1.5, "巷子")
        grid = hotspot_edits.set_hotspot(
            app, session, "G01", pin=False, weight="0.5", note="", user_id=3
        )
        assert set(read_overrides(folder)) == {street, "G01"}
        undo(app, session, pinned.id, user_id=3)
        assert set(read_overrides(folder)) == {"G01"}
        undo(app, session, grid.id, user_id=3)
        assert not (folder / "hotspots.toml").exists()
        text_before = None
        with pytest.raises(AreaError, match="no key area, street or grid with the ID 'nope'"):
            hotspot_edits.set_hotspot(app, session, "nope", pin=True, weight=1, note="", user_id=3)
        with pytest.raises(AreaError, match="weight '-1' is not a number from 0 to 100"):
            hotspot_edits.set_hotspot(
                app, session, "G01", pin=True, weight="-1", note="", user_id=3
            )
        assert text_before is None and not (folder / "hotspots.toml").exists()
    assert edit_count(app) == 4


def test_incident_preview_import_and_undo(app) -> None:
    """Tests that the incident preview counts new records and lists the bad line, that the import
    adds them to incidents.csv as one edit, that undo restores the file byte for byte, and that
    the undo can be undone."""
    file = ensure(app) / "incidents.csv"
    before = file.read_bytes()
    n_before = len(current_district(app).incidents)
    data = (DATA / "incidents.csv").read_bytes()
    preview = incident_imports.preview_incidents(app, data, "incidents.csv")
    assert (preview.added, preview.replaced, preview.n_bad) == (5, 0, 1)
    assert preview.rejected[0][0] == 4 and "spaceship" in preview.rejected[0][1]
    assert file.read_bytes() == before
    with new_session(app) as session:
        edit = incident_imports.import_incidents(app, session, data, "incidents.csv", user_id=3)
        assert (edit.kind, edit.action) == ("incidents", "import")
        assert len(current_district(app).incidents) == n_before + 5
        assert "W001" in set(current_district(app).incidents["id"])
        back = undo(app, session, edit.id, user_id=3)
        assert file.read_bytes() == before
        assert "text" not in json.loads(edit.after)  # the audit log keeps one copy per edit
        undo(app, session, back.id, user_id=3)  # the undo itself can be undone
        assert "W001" in set(current_district(app).incidents["id"])


def test_incident_undo_refused_after_a_later_import(app) -> None:
    """Tests that an import cannot be undone once the file was changed by a later import."""
    data = (DATA / "incidents.csv").read_bytes()
    other = b"id,time,category,lon,lat\nZ1,2026-10-09 10:00,theft,118.7801,32.0441\n"
    with new_session(app) as session:
        first = incident_imports.import_incidents(app, session, data, "a.csv", user_id=3)
        incident_imports.import_incidents(app, session, other, "b.csv", user_id=3)
        with pytest.raises(WorkspaceError, match=r"incidents\.csv has changed since edit 1"):
            undo(app, session, first.id, user_id=3)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("incidents_bad.csv", "has no column for time, category"),
        ("incidents_mostly_bad.csv", "2 bad records of 3"),
    ],
)
def test_bad_incident_files_change_nothing(app, name, words) -> None:
    """Tests that an unusable incident file is refused with a sentence naming it, and that the
    stored incidents and the audit log stay as they were."""
    file = ensure(app) / "incidents.csv"
    before = file.read_bytes()
    data = (DATA / name).read_bytes()
    with pytest.raises(IncidentError) as info:
        incident_imports.preview_incidents(app, data, name)
    assert words in str(info.value) and name in str(info.value)
    assert "patrol-incidents-" not in str(info.value)
    with new_session(app) as session, pytest.raises(IncidentError):
        incident_imports.import_incidents(app, session, data, name, user_id=3)
    with pytest.raises(AreaError, match="must be a"):
        incident_imports.preview_incidents(app, data, "incidents.xlsx")
    assert file.read_bytes() == before
    assert edit_count(app) == 0
