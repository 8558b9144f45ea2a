"""Tests of the working copy of the district data: checked edits, the audit log and undo."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point
from sqlalchemy import func, select

from geodata.bundle import DEFAULT_DISTRICT_DIR, district_id, read_manifest
from geodata.errors import InputError
from web.db import Edit, new_session
from web.workspace import (
    Change,
    WorkspaceError,
    commit_change,
    current_district,
    data_version,
    ensure,
    read_key_areas,
    read_text,
    replace_text,
    snapshot,
    undo,
    write_key_areas,
)


def edit_count(app) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Edit))


def test_working_copy_starts_as_the_shipped_bundle(make_web_app) -> None:
    """Tests that the working copy holds the shipped files (not the OSM source) at version 0."""
    app = make_web_app()
    folder = ensure(app)
    for name in ("district.gpkg", "incidents.csv", "rules.toml", "teams.toml"):
        assert (folder / name).read_bytes() == (DEFAULT_DISTRICT_DIR / name).read_bytes()
    assert not (folder / "source").exists()
    copied, shipped = read_manifest(folder), read_manifest(DEFAULT_DISTRICT_DIR)
    assert copied == {"id": "xinjiekou", **shipped}  # the copy keeps the bundle's id
    with new_session(app) as session:
        assert data_version(session) == 0


def test_bad_rules_are_refused_and_nothing_changes(make_web_app) -> None:
    """Tests that a rules file the checker refuses leaves the file and the log as they were."""
    app = make_web_app()
    before = read_text(app, "rules.toml")
    bad = before.replace("[rest]", "[rest]\nmin_rest_hours = -3", 1)
    with new_session(app) as session, pytest.raises(InputError) as info:
        replace_text(app, session, "rules", bad, user_id=1)
    assert ".district-edit-" not in str(info.value)
    assert read_text(app, "rules.toml") == before
    assert edit_count(app) == 0


def test_a_text_edit_is_recorded_and_undone(make_web_app) -> None:
    """Tests that a checked edit is logged with before and after, and undo puts the text back."""
    app = make_web_app()
    before = read_text(app, "rules.toml")
    after = before + "\n# night patrol doubled in December\n"
    with new_session(app) as session:
        edit = replace_text(app, session, "rules", after, user_id=2, summary="note")
        assert edit is not None and data_version(session) == edit.id
        assert json.loads(edit.before) == before and json.loads(edit.after) == after
        assert read_text(app, "rules.toml") == after
        back = undo(app, session, edit.id, user_id=2)
        assert back is not None and back.undo_of == edit.id
        assert read_text(app, "rules.toml") == before
        with pytest.raises(WorkspaceError, match="already undone"):
            undo(app, session, edit.id, user_id=2)
        assert replace_text(app, session, "rules", before, user_id=2) is None  # unchanged


def test_undo_refuses_a_target_changed_since(make_web_app) -> None:
    """Tests that an edit whose file was edited again cannot be undone over the later edit."""
    app = make_web_app()
    text = read_text(app, "rules.toml")
    with new_session(app) as session:
        first = replace_text(app, session, "rules", text + "\n# one\n", user_id=1)
        replace_text(app, session, "rules", text + "\n# two\n", user_id=1)
        with pytest.raises(WorkspaceError, match="changed since edit"):
            undo(app, session, first.id, user_id=1)


def test_key_area_edit_keeps_other_layers_and_reloads(make_web_app) -> None:
    """Tests that a new key area lands in the layer, other layers stay, and the district reloads."""
    app = make_web_app()
    start = current_district(app)
    n_areas, n_streets = len(start.key_areas), len(start.streets)

    def add(folder) -> None:
        areas = read_key_areas(folder)
        row = {"id": "web-1", "name": "新增网吧", "category": "internet_cafe", "priority": 3}
        row["geometry"] = Point(118.7840, 32.0410)
        areas.loc[len(areas)] = row
        write_key_areas(folder, areas)

    with new_session(app) as session:
        edit = commit_change(app, session, Change("area", "add", "web-1"), add, user_id=3)
    assert edit is not None
    now = current_district(app)
    assert len(now.key_areas) == n_areas + 1 and len(now.streets) == n_streets
    assert "web-1" in set(now.key_areas["id"])


def test_a_bad_key_area_is_refused(make_web_app) -> None:
    """Tests that a key area the bundle validator refuses (unknown category) changes nothing."""
    app = make_web_app()
    gpkg = (ensure(app) / "district.gpkg").read_bytes()

    def add(folder) -> None:
        areas = read_key_areas(folder)
        areas.loc[len(areas)] = {
            "id": "web-2", "name": "x", "category": "casino", "priority": 3,
            "geometry": Point(118.7840, 32.0410),
        }  # fmt: skip
        write_key_areas(folder, areas)

    with new_session(app) as session, pytest.raises(InputError, match="casino"):
        commit_change(app, session, Change("area", "add", "web-2"), add, user_id=3)
    assert (ensure(app) / "district.gpkg").read_bytes() == gpkg
    assert edit_count(app) == 0


def test_snapshot_keeps_the_version(make_web_app, tmp_path) -> None:
    """Tests that a snapshot is a full bundle of the data as it was, with its version."""
    app = make_web_app()
    text = read_text(app, "rules.toml")
    with new_session(app) as session:
        edit = replace_text(app, session, "rules", text + "\n# v1\n", user_id=1)
        version = snapshot(app, session, tmp_path / "snap")
        replace_text(app, session, "rules", text + "\n# v2\n", user_id=1)
    assert version == edit.id
    snap = tmp_path / "snap"
    assert district_id(snap, read_manifest(snap)) == "xinjiekou"  # plans name the district
    assert (tmp_path / "snap" / "rules.toml").read_text(encoding="utf-8").endswith("# v1\n")


def test_a_bad_teams_file_is_refused_without_the_layers(make_web_app) -> None:
    """Tests that a teams file with a member listed twice is refused by the teams check alone."""
    app = make_web_app()
    text = read_text(app, "teams.toml")
    first = text.index("[[members]]")
    end = text.index("\n\n", first)
    bad = text + "\n" + text[first:end] + "\n"
    with new_session(app) as session, pytest.raises(InputError, match="more than once"):
        replace_text(app, session, "teams", bad, user_id=1)
    assert read_text(app, "teams.toml") == text
    assert edit_count(app) == 0
