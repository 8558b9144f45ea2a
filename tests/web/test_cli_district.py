"""Tests of `patrol district info` and `patrol import-osm`: output, and clean errors."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from geodata.bundle import DEFAULT_DISTRICT_DIR, GPKG, MANIFEST, load_district
from geodata.categories import CATEGORIES
from planner.plan.document import read_plan
from web.cli import cli

if TYPE_CHECKING:
    from pathlib import Path


def run(*args: str) -> Result:
    """Run `patrol ARGS` and return the result (exceptions are caught as a user would see)."""
    return CliRunner().invoke(cli, list(args))


def assert_clean_error(result: Result, *words: str) -> None:
    """Check exit code 2, one `Error:` line naming ``words`` and no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_info_json_on_the_default_district() -> None:
    """Tests that `district info --json` reports the done-when figures of the default district."""
    result = run("district", "info", "--json")
    assert result.exit_code == 0, result.output
    s = json.loads(result.output)
    assert s["street_nodes"] >= 400
    assert s["key_areas"] >= 100 and s["key_area_categories"] >= 8
    assert s["alley_segments"] >= 40
    assert s["posts"] >= 1 and s["cameras"] > 0 and s["grids"] > 0 and s["incidents"] > 0
    assert s["crs"] == "EPSG:4326" and s["work_crs"] == "EPSG:32650"
    assert "OpenStreetMap" in s["attribution"]
    assert s["area_km2"] > 4
    assert sum(s["key_areas_by_category"].values()) == s["key_areas"]


def test_info_table_names_the_figures() -> None:
    """Tests that `district info` prints a readable table with labels in both languages."""
    result = run("district", "info", str(DEFAULT_DISTRICT_DIR))
    assert result.exit_code == 0, result.output
    for word in ("Street nodes", "Alley segments", "Key areas", "School / 学校", "Attribution",
                 "Patrol targets", "Weekly inspections", "Grid members"):  # fmt: skip
        assert word in result.output
    assert "新街口" in result.output


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the default bundle's manifest and layers, to break."""
    folder = tmp_path / "broken"
    folder.mkdir()
    for name in (MANIFEST, GPKG, "incidents.csv"):
        shutil.copy(DEFAULT_DISTRICT_DIR / name, folder / name)
    return folder


def test_info_on_missing_and_broken_bundles(tmp_path: Path, broken: Path) -> None:
    """Tests that bad bundles give one error line and exit 2, never a traceback."""
    assert_clean_error(run("district", "info", str(tmp_path / "nope")), "does not exist")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_error(run("district", "info", str(empty)), MANIFEST)
    csv = broken / "incidents.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",theft,", ",arson,").replace(",dispute,", ",arson,")
    lines[5] = lines[5].replace(",traffic,", ",arson,").replace(",other,", ",arson,")
    lines[5] = lines[5].replace(",burglary,", ",arson,").replace(",robbery,", ",arson,")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_clean_error(run("district", "info", str(broken)), "line 6", "arson")
    (broken / GPKG).write_bytes(b"not a geopackage")
    assert_clean_error(run("district", "info", str(broken)), GPKG)


def test_import_osm_writes_a_valid_bundle(data_dir: Path, tmp_path: Path) -> None:
    """Tests that `import-osm` builds a bundle that loads, with defaults it says are samples."""
    out = tmp_path / "town"
    result = run("import-osm", str(data_dir / "bundles" / "tiny_town.osm"), "--out", str(out),
                 "--name", "Tiny town")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "9 street nodes" in result.output and "12 segments" in result.output
    assert "... reading tiny_town.osm" in result.output
    assert "Sample data, not real: teams.toml (4 groups, 16 members, vehicles)" in result.output
    assert "Default rules: rules.toml (review before planning)." in result.output
    d = load_district(out)
    assert d.name == "Tiny town"
    assert len(d.teams["groups"]) == 4 and len(d.grids) >= 1
    assert d.manifest["sample_layers"] == ["teams", "grid_members", "grids"]
    rules = (out / "rules.toml").read_text(encoding="utf-8")
    assert 'name = "Tiny town patrol team"' in rules and "[[leave]]" not in rules
    # Running it again replaces the bundle and keeps the rules a captain may have edited.
    (out / "rules.toml").write_text(rules.replace("min_members = 3", "min_members = 2"))
    again = run("import-osm", str(data_dir / "bundles" / "tiny_town.osm"), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert "Kept the bundle's own rules.toml." in again.output
    assert load_district(out).name == "tiny_town"
    assert "min_members = 2" in (out / "rules.toml").read_text(encoding="utf-8")


def test_import_osm_reads_pbf_and_refuses_a_fake(data_dir: Path, tmp_path: Path) -> None:
    """Tests a PBF import through the command and one error line for a .pbf that is none."""
    import osmium

    pbf = tmp_path / "town.osm.pbf"
    reader = osmium.io.Reader(str(data_dir / "bundles" / "station_town.osm"))
    writer = osmium.SimpleWriter(str(pbf), header=reader.header())
    osmium.apply(reader, writer)
    writer.close()
    reader.close()
    out = tmp_path / "town"
    result = run("import-osm", str(pbf), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "base post PR01 (the file has no police post)" in result.output
    assert "Note: Key area osm-n52 (Prada) has opening_hours '全天营业'" in result.output
    fake = tmp_path / "fake.osm.pbf"
    fake.write_text("<osm/>", encoding="utf-8")
    bad = run("import-osm", str(fake), "--out", str(tmp_path / "other"))
    assert_clean_error(bad, "fake.osm.pbf", "is not an OSM PBF file")
    assert not (tmp_path / "other").exists()


def test_info_lists_targets_and_hours_problems(data_dir: Path, tmp_path: Path) -> None:
    """Tests that `district info` counts targets and names the opening hours it cannot use."""
    out = tmp_path / "town"
    assert run("import-osm", str(data_dir / "bundles" / "station_town.osm"), "--out",
               str(out)).exit_code == 0  # fmt: skip
    result = run("district", "info", str(out))
    assert result.exit_code == 0, result.output
    assert "Restaurant / cafe / 餐饮" in result.output and "(not targets)" in result.output
    assert "Patrol targets" in result.output and "School gates" in result.output
    assert "Grid members" in result.output
    assert "Problems (1; the bundle is used, these values are not):" in result.output
    assert "osm-n52 (Prada)" in result.output
    s = json.loads(run("district", "info", str(out), "--json").output)
    assert s["gate_places"] == 2 and s["inspection_places"] == 3  # cafe, bar, hotel
    assert len(s["problems"]) == 1


def test_import_rentals_command(data_dir: Path, tmp_path: Path) -> None:
    """Tests `district import-rentals`: dry run, import, bad rows by line and a refused file."""
    town = tmp_path / "town"
    assert run("import-osm", str(data_dir / "bundles" / "tiny_town.osm"), "--out",
               str(town)).exit_code == 0  # fmt: skip
    good = tmp_path / "rentals.csv"
    good.write_text(
        "地址,经度,纬度,房东电话\n"
        + "".join(f"石板巷{i}号,118.002{i},32.0021,139-0000-000{i}\n" for i in range(5))
        + "铁管巷1号,east,32.0021,\n",
        encoding="utf-8",
    )
    dry = run("district", "import-rentals", str(good), "--district", str(town), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would import 5 of 6 rentals; 1 refused (dry run: nothing stored)." in dry.output
    assert "rentals.csv: line 7: lon 'east' is not a number" in dry.output
    assert len(load_district(town).rentals) == 0
    done = run("district", "import-rentals", str(good), "--district", str(town))
    assert done.exit_code == 0 and "imported 5 of 6 rentals; 1 refused." in done.output
    assert len(load_district(town).rentals) == 5
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\nx,118.002,32.002\n", encoding="utf-8")
    refused = run("district", "import-rentals", str(bad), "--district", str(town))
    assert_clean_error(refused, "bad.csv", "has no column for address")
    assert len(load_district(town).rentals) == 5


def test_import_osm_refuses_a_folder_that_is_not_a_bundle(data_dir: Path, tmp_path: Path) -> None:
    """Tests that `import-osm` never overwrites a non-empty folder that holds no bundle."""
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("import-osm", str(data_dir / "bundles" / "tiny_town.osm"), "--out", str(out))
    assert_clean_error(result, "not empty", "docs")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_import_osm_bad_files(tmp_path: Path) -> None:
    """Tests that a missing or non-OSM file gives one error line and exit 2."""
    out = str(tmp_path / "out")
    assert_clean_error(run("import-osm", str(tmp_path / "none.osm"), "--out", out), "none.osm")
    bad = tmp_path / "bad.osm"
    bad.write_text("<html/>", encoding="utf-8")
    assert_clean_error(run("import-osm", str(bad), "--out", out), "not OpenStreetMap")
    assert not (tmp_path / "out").exists()


def test_import_osm_shenzhen(shared_dir: Path, tmp_path: Path) -> None:
    """Tests the done-when command: importing the Longgang export builds a valid bundle."""
    out = tmp_path / "longgang"
    osm = shared_dir / "data" / "osm" / "shenzhen_longgang.osm"
    result = run("import-osm", str(osm), "--out", str(out))
    assert result.exit_code == 0, result.output
    info = json.loads(run("district", "info", str(out), "--json").output)
    assert info["street_nodes"] > 100 and info["posts"] >= 1
    # The file's <bounds> box: 0.0456° x 0.0287° at 22.7°N, about 14.9 km².
    assert info["area_km2"] == pytest.approx(14.9, abs=0.2)
    # Everything a plan needs: a team based at the imported police post, rules, grids
    # of at least 0.25 km², each holding a patrol target, with two grid members each.
    assert (info["groups"], info["members"]) == (4, 16)
    assert info["vehicles"] == {"bicycle": 8, "ebike": 15, "motorcycle": 2}
    assert 10 <= info["grids"] <= 60 and info["grid_members"] == 2 * info["grids"]
    d = load_district(out)
    assert {g["base_post"] for g in d.teams["groups"]} <= set(d.posts["id"])
    grids = d.grids.to_crs(d.work_crs)
    assert (grids.area >= 0.25e6).all()
    assert grids.area.sum() == pytest.approx(info["area_km2"] * 1e6, rel=1e-3)
    targets = d.key_areas[[CATEGORIES[c].target for c in d.key_areas["category"]]]
    inside = targets.to_crs(d.work_crs).geometry.representative_point()
    assert all(inside.within(g).any() or inside.touches(g).any() for g in grids.geometry)
    assert (out / "rules.toml").is_file()
    assert "grids" in info["sample_layers"]


def test_an_imported_district_plans_right_away(shared_dir: Path, tmp_path: Path) -> None:
    """Tests that the Longgang import plans two days and passes the checks with no other file.

    The spread and opening-hours figures hold there too: no corner takes more than 35 % of the
    checkpoint visits, every grid has one every day, and none is at a closed place.
    """
    out, plan = tmp_path / "longgang", tmp_path / "plan"
    osm = shared_dir / "data" / "osm" / "shenzhen_longgang.osm"
    assert run("import-osm", str(osm), "--out", str(out)).exit_code == 0
    args = ["plan", "--district", str(out), "--start", "2026-12-07", "--days", "2"]
    result = run(*args, "--out", str(plan), "--time-limit", "12")
    assert result.exit_code == 0, result.output
    result = run("validate", str(plan / "plan.json"))
    assert result.exit_code == 0, result.output
    doc = read_plan(plan / "plan.json")
    figures = {f.key: f for f in doc.quality.figures}
    assert figures["visits_near_one_point_max_share"].value <= 0.35
    assert figures["grids_visited_day_min_share"].value == 1
    assert figures["closed_visits"].value == 0


@pytest.mark.parametrize("damage", ["duplicate id", "post outside", "wrong crs"])
def test_info_on_damaged_layers(broken: Path, damage: str) -> None:
    """Tests that damaged layers give one error line naming the layer, never a traceback."""
    import warnings

    import geopandas as gpd
    from shapely.geometry import Point

    gpkg = broken / GPKG
    layer = "streets" if damage == "duplicate id" else "posts"
    gdf = gpd.read_file(gpkg, layer=layer)
    if damage == "duplicate id":
        gdf.loc[1, "id"] = gdf.loc[0, "id"]
        words = ["'streets'", "more than once"]
    elif damage == "post outside":
        gdf.loc[0, "geometry"] = Point(118.9, 32.1)
        words = ["'posts'", "outside the district boundary"]
    else:
        gdf = gdf.to_crs("EPSG:32650")
        words = ["'posts'", "EPSG:32650"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio")
    assert_clean_error(run("district", "info", str(broken)), *words)
