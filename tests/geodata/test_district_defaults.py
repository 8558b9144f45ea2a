"""Tests of what an imported district gets to be planned: team, bases, grids, members, rules."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

import pytest

from geodata.bundle import load_district, write_district
from geodata.district_defaults import (
    DEFAULT_RULES,
    DISTRICT_SPECIFIC_RULES,
    RULES,
    add_defaults,
    default_rules_text,
)
from geodata.duty_hours import parse_duty_hours
from geodata.errors import BundleError
from geodata.osm_import import import_osm

if TYPE_CHECKING:
    from pathlib import Path


def test_default_rules_drop_only_the_dated_entries() -> None:
    """Tests that the copy equals the default rules without leave, pins and surge dates."""
    text = default_rules_text("Longgang")
    got = tomllib.loads(text)
    want = tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    assert want["leave"] and want["pins"] and want["surge"]["dates"]  # the source has them
    for key in ("leave", "pins"):
        assert key not in got
        del want[key]
    assert "dates" not in got["surge"]
    del want["surge"]["dates"]
    assert got["name"] == "Longgang patrol team"
    want["name"] = got["name"]
    assert got == want
    assert text.startswith("# Patrol roster rules for Longgang: the default rules")
    assert "# Fair shares" in text  # the comments are kept
    assert "Assignments kept as given" not in text  # the comment that led into [[pins]]
    assert DISTRICT_SPECIFIC_RULES == ("leave", "pins", "surge.dates")


def test_default_rules_carry_new_settings_over(tmp_path: Path) -> None:
    """Tests that settings added to the default rules later come along; dated ones do not."""
    source = tmp_path / "rules.toml"
    source.write_text(
        '# Rules.\nversion = 1\nname = "X"\n\n# Units.\n[units]\nsplit = "pairs"\n\n'
        '[[leave]]\nmember = "A1"\nfrom = "2026-12-01"\nto = "2026-12-02"\n\n'
        "# Budget.\n[budget]\nreserve = 0.25\n\n[surge]\npublic_holidays = true\n\n"
        '[[surge.dates]]\ndate = "2026-12-13"\n\n[[surge.events]]\nname = "fair"\n',
        encoding="utf-8",
    )
    got = tomllib.loads(default_rules_text("Y", source=source))
    assert got == {
        "version": 1,
        "name": "Y patrol team",
        "units": {"split": "pairs"},
        "budget": {"reserve": 0.25},
        "surge": {"public_holidays": True, "events": [{"name": "fair"}]},
    }
    with pytest.raises(BundleError, match="cannot be read"):
        default_rules_text("Y", source=tmp_path / "missing.toml")
    # Leave written as an inline array is removed too, the rest kept.
    source.write_text(
        '# Rules.\nversion = 1\nname = "X"\nleave = [{ member = "A1", from = "2026-12-01" }]\n'
        "\n# Rest.\n[rest]\nmin_rest_hours = 12\n",
        encoding="utf-8",
    )
    text = default_rules_text("Y", source=source)
    assert tomllib.loads(text) == {
        "version": 1,
        "name": "Y patrol team",
        "rest": {"min_rest_hours": 12},
    }
    assert "# Rest." in text


def test_defaults_for_a_district_without_police_posts(data_dir: Path, tmp_path: Path) -> None:
    """Tests one marked sample post as every group's base, grids, grid members and the rules."""
    built = import_osm(data_dir / "bundles" / "station_town.osm", name="Station town")
    assert len(built.posts) == 0 and len(built.grids) == 0
    district, files = add_defaults(built)
    posts = district.posts
    assert posts["id"].tolist() == ["PR01"] and posts["source"].tolist() == ["sample"]
    assert "sample police room" in posts["name"].iloc[0]
    groups = district.teams["groups"]
    assert [len(g["members"]) for g in groups] == [4, 4, 4, 4]
    assert {g["base_post"] for g in groups} == {"PR01"}
    modes = [v["mode"] for v in district.teams["vehicles"]]
    assert (modes.count("bicycle"), modes.count("ebike"), modes.count("motorcycle")) == (8, 15, 2)
    licensed = [m for m in district.teams["members"] if "motorcycle" in m["licences"]]
    assert 2 <= len(licensed) < 16
    # The 0.32 km² town is one grid; each grid has a grid member and a volunteer.
    assert district.grids["id"].tolist() == ["G01"]
    members = district.teams["grid_members"]
    assert [(m["grid"], m["kind"]) for m in members] == [
        ("G01", "grid_member"),
        ("G01", "volunteer"),
    ]
    for m in members:
        assert all(parse_duty_hours(h)[0] for h in m["hours"])
    m = district.manifest
    assert m["sample_layers"] == ["teams", "grid_members", "grids"]
    assert m["sample_posts"] == ["PR01"] and m["default_files"] == [RULES]
    out = write_district(district, tmp_path / "town", extra_files=files)
    assert tomllib.loads((out / RULES).read_text(encoding="utf-8"))["name"] == (
        "Station town patrol team"
    )
    again = load_district(out)
    assert again.teams["grid_members"] == members


def test_defaults_use_the_imported_police_posts(data_dir: Path) -> None:
    """Tests that groups are based at the file's police post and no sample post is made."""
    district, _files = add_defaults(import_osm(data_dir / "bundles" / "tiny_town.osm"))
    assert district.posts["id"].tolist() == ["osm-n42"]
    assert {g["base_post"] for g in district.teams["groups"]} == {"osm-n42"}
    assert district.manifest["sample_posts"] == []
