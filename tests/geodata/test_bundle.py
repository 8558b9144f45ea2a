"""Tests of district bundles: writing, loading, validation errors and the default district."""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geodata.bundle import (
    ALL_LAYERS,
    DEFAULT_DISTRICT_DIR,
    GPKG,
    INCIDENTS,
    LAYERS,
    MANIFEST,
    District,
    dump_toml,
    load_district,
    summarize_district,
    validate_district,
    write_district,
)
from geodata.errors import BundleError, InputError

# A 400 m x 300 m district near Nanjing: 0.0036° of latitude is about 400 m.
LON0, LAT0 = 118.78, 32.04
DLON, DLAT = 0.00424, 0.0027


def _xy(fx: float, fy: float) -> tuple[float, float]:
    """Return lon/lat at a fraction of the tiny district's extent."""
    return LON0 + fx * DLON, LAT0 + fy * DLAT


def tiny_district() -> District:
    """Return a hand-made valid district: 4 streets around a square, one of each feature."""
    crs = "EPSG:4326"
    corners = [_xy(0.1, 0.1), _xy(0.9, 0.1), _xy(0.9, 0.9), _xy(0.1, 0.9)]
    streets = gpd.GeoDataFrame(
        {
            "id": ["e1", "e2", "e3", "e4"],
            "u": pd.array([1, 2, 3, 4], dtype="int64"),
            "v": pd.array([2, 3, 4, 1], dtype="int64"),
            "highway": ["primary", "residential", "footway", "service"],
            "name": ["中山路", "石板巷", "", "铁管巷"],
            "length": [301.0, 192.0, 301.0, 192.0],
            "alley": [False, True, True, True],
            "oneway": [False, False, False, True],
        },
        geometry=[LineString([corners[i], corners[(i + 1) % 4]]) for i in range(4)],
        crs=crs,
    )
    return District(
        path=None,
        manifest={
            "name": "Tiny",
            "name_zh": "小区",
            "time_zone": "Asia/Shanghai",
            "crs": crs,
            "work_crs": "EPSG:32650",
            "attribution": "© OpenStreetMap contributors, ODbL 1.0",
            "sample_layers": ["cameras"],
        },
        boundary=gpd.GeoDataFrame(
            {"name": ["Tiny"]}, geometry=[box(*_xy(0, 0), *_xy(1, 1))], crs=crs
        ),
        streets=streets,
        key_areas=gpd.GeoDataFrame(
            {
                "id": ["osm-n1", "osm-w2"],
                "name": ["育才小学", "苏果超市"],
                "category": ["school", "supermarket"],
                "priority": pd.array([5, 4], dtype="int64"),
            },
            geometry=[Point(_xy(0.3, 0.3)), box(*_xy(0.5, 0.5), *_xy(0.7, 0.7))],
            crs=crs,
        ),
        posts=gpd.GeoDataFrame(
            {"id": ["P1"], "name": ["警务室"], "kind": ["police_room"]},
            geometry=[Point(_xy(0.5, 0.1))],
            crs=crs,
        ),
        cameras=gpd.GeoDataFrame(
            {
                "id": ["C1", "C2"],
                "name": ["dome", "gate"],
                "heading": [math.nan, 90.0],
                "fov": [360.0, 90.0],
                "range": [50.0, 40.0],
            },
            geometry=[Point(_xy(0.1, 0.1)), Point(_xy(0.3, 0.1))],
            crs=crs,
        ),
        grids=gpd.GeoDataFrame(
            {"id": ["G01", "G02"], "name": ["west", "east"]},
            geometry=[box(*_xy(0, 0), *_xy(0.5, 1)), box(*_xy(0.5, 0), *_xy(1, 1))],
            crs=crs,
        ),
        incidents=pd.DataFrame(
            {
                "id": ["I1", "I2"],
                "time": pd.to_datetime(
                    ["2026-07-01T22:15:00+08:00", "2026-07-02T09:00:00+08:00"]
                ).tz_convert("Asia/Shanghai"),
                "category": ["theft", "traffic"],
                "lon": [_xy(0.5, 0.5)[0], _xy(0.2, 0.2)[0]],
                "lat": [_xy(0.5, 0.5)[1], _xy(0.2, 0.2)[1]],
            }
        ),
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid tiny bundle, written once for the module; tests get copies."""
    return write_district(tiny_district(), tmp_path_factory.mktemp("pristine") / "tiny")


@pytest.fixture
def bundle(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the valid tiny bundle that a test may damage."""
    return Path(shutil.copytree(pristine, tmp_path / "tiny"))


def _put_layer(folder: Path, name: str, gdf: gpd.GeoDataFrame) -> None:
    """Overwrite one layer of a bundle, bypassing validation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(folder / GPKG, layer=name, driver="GPKG", engine="pyogrio")


def _error(folder: Path) -> str:
    """Return the BundleError message of validating ``folder``."""
    with pytest.raises(BundleError) as info:
        validate_district(folder)
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, InputError)
    return message


def test_round_trip_keeps_layers_ids_and_times(bundle: Path) -> None:
    """Tests that a written bundle loads back with its ids, CRS, types and local times."""
    d = load_district(bundle)
    assert d.path == bundle
    assert list(d.streets["id"]) == ["e1", "e2", "e3", "e4"]
    assert d.streets["u"].dtype == "int64"
    assert d.streets["alley"].tolist() == [False, True, True, True]
    assert d.key_areas.geom_type.tolist() == ["Point", "Polygon"]
    for name in LAYERS:
        assert d.layer(name).crs.to_epsg() == 4326
    assert d.work_crs.to_epsg() == 32650
    assert math.isnan(d.cameras["heading"].iloc[0])
    assert str(d.incidents["time"].dt.tz) == "Asia/Shanghai"
    assert d.incidents["time"].iloc[0].hour == 22
    assert "+08:00" in (bundle / INCIDENTS).read_text().splitlines()[1]


def test_summary_counts_the_tiny_district(bundle: Path) -> None:
    """Tests that the summary counts nodes, edges, km and alleys of the hand-made district."""
    s = summarize_district(load_district(bundle))
    assert s["street_nodes"] == 4
    assert s["street_edges"] == 4
    assert s["street_km"] == pytest.approx(0.99)  # 986 m, in km to 2 places
    assert s["alley_segments"] == 3
    assert s["key_areas_by_category"] == {"school": 1, "supermarket": 1}
    assert (s["posts"], s["cameras"], s["grids"], s["incidents"]) == (1, 2, 2, 2)
    assert 0.1 < s["area_km2"] < 0.13


def test_missing_folder_and_manifest(tmp_path: Path, bundle: Path) -> None:
    """Tests that a missing folder or manifest is named in the error."""
    assert "does not exist" in _error(tmp_path / "nowhere")
    (bundle / MANIFEST).unlink()
    assert MANIFEST in _error(bundle)


def test_manifest_without_work_crs_or_wrong_crs(bundle: Path) -> None:
    """Tests that a manifest lacking a key, or with a wrong CRS, is refused."""
    text = (bundle / MANIFEST).read_text(encoding="utf-8")
    (bundle / MANIFEST).write_text(text.replace('work_crs = "EPSG:32650"', ""), encoding="utf-8")
    assert "work_crs" in _error(bundle)
    (bundle / MANIFEST).write_text(text.replace("EPSG:32650", "EPSG:4326"), encoding="utf-8")
    assert "not a metric CRS" in _error(bundle)
    (bundle / MANIFEST).write_text(text.replace("Asia/Shanghai", "Asia/Nanjing"), encoding="utf-8")
    assert "time_zone = 'Asia/Nanjing'" in _error(bundle)
    (bundle / MANIFEST).write_text(text + "\nbroken = [", encoding="utf-8")
    assert "not valid TOML" in _error(bundle)


def test_missing_layer(bundle: Path) -> None:
    """Tests that a GeoPackage without one of the layers names the missing layer."""
    gpkg = bundle / GPKG
    layers = {name: gpd.read_file(gpkg, layer=name) for name in LAYERS if name != "cameras"}
    gpkg.unlink()
    for name, gdf in layers.items():
        _put_layer(bundle, name, gdf)
    message = _error(bundle)
    assert "no layer 'cameras'" in message


def test_missing_geopackage(bundle: Path) -> None:
    """Tests that a bundle without district.gpkg says so."""
    (bundle / GPKG).unlink()
    assert GPKG in _error(bundle)


@pytest.mark.parametrize("crs", [None, "EPSG:3857"])
def test_layer_without_or_with_wrong_crs(bundle: Path, crs: str | None) -> None:
    """Tests that a layer with no CRS or another CRS than EPSG:4326 is refused."""
    posts = tiny_district().posts
    posts = posts.to_crs(crs) if crs else posts.set_crs(None, allow_override=True)
    _put_layer(bundle, "posts", posts)
    message = _error(bundle)
    assert "'posts'" in message
    assert ("has no CRS" in message) if crs is None else ("EPSG:3857" in message)


def test_invalid_geometry(bundle: Path) -> None:
    """Tests that a self-intersecting grid polygon is refused with its id."""
    grids = tiny_district().grids
    a, b = _xy(0, 0), _xy(1, 1)
    bowtie = Polygon([a, (b[0], a[1]), (a[0], b[1]), b, a])
    grids.loc[1, "geometry"] = bowtie
    _put_layer(bundle, "grids", grids)
    message = _error(bundle)
    assert "'grids'" in message and "'G02'" in message and "invalid geometry" in message


def test_empty_geometry(bundle: Path) -> None:
    """Tests that a key area with an empty geometry is refused with its id."""
    areas = tiny_district().key_areas
    areas.loc[0, "geometry"] = Point()
    _put_layer(bundle, "key_areas", areas)
    message = _error(bundle)
    assert "'osm-n1'" in message and "empty geometry" in message


def test_wrong_geometry_type(bundle: Path) -> None:
    """Tests that a post drawn as a polygon is refused."""
    posts = tiny_district().posts
    posts.loc[0, "geometry"] = box(*_xy(0.4, 0.1), *_xy(0.5, 0.2))
    _put_layer(bundle, "posts", posts)
    message = _error(bundle)
    assert "'P1'" in message and "is a Polygon" in message and "Point" in message


def test_duplicate_ids(bundle: Path) -> None:
    """Tests that two streets with the same id are refused, naming the id."""
    streets = tiny_district().streets
    streets.loc[2, "id"] = "e1"
    _put_layer(bundle, "streets", streets)
    message = _error(bundle)
    assert "'streets'" in message and "'e1' more than once" in message


def test_unknown_category_and_bad_priority(bundle: Path) -> None:
    """Tests that a key area of an unknown category, or priority 9, is refused."""
    areas = tiny_district().key_areas
    areas.loc[1, "category"] = "zoo"
    _put_layer(bundle, "key_areas", areas)
    assert "unknown category 'zoo'" in _error(bundle)
    areas = tiny_district().key_areas
    areas.loc[0, "priority"] = 9
    _put_layer(bundle, "key_areas", areas)
    assert "priority 9" in _error(bundle)
    areas["priority"] = ["high", "4"]
    _put_layer(bundle, "key_areas", areas)
    assert "priority 'high'" in _error(bundle)


def test_missing_column(bundle: Path) -> None:
    """Tests that a streets layer without the alley column names the column."""
    _put_layer(bundle, "streets", tiny_district().streets.drop(columns="alley"))
    message = _error(bundle)
    assert "'streets'" in message and "'alley'" in message


@pytest.mark.parametrize("layer", ["posts", "cameras", "key_areas"])
def test_point_outside_boundary(bundle: Path, layer: str) -> None:
    """Tests that a post, camera or key area 1 km outside the boundary is refused."""
    gdf = getattr(tiny_district(), layer)
    gdf.loc[0, "geometry"] = Point(LON0 + 0.02, LAT0)
    _put_layer(bundle, layer, gdf)
    message = _error(bundle)
    assert f"'{layer}'" in message and "outside the district boundary" in message


def test_point_just_outside_boundary_is_tolerated(bundle: Path) -> None:
    """Tests that a post 20 m outside the boundary is accepted (tolerance 50 m)."""
    posts = tiny_district().posts
    posts.loc[0, "geometry"] = Point(LON0 + 0.5 * DLON, LAT0 - 0.00018)
    _put_layer(bundle, "posts", posts)
    validate_district(bundle)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("time", "yesterday", "not an ISO 8601"),
        ("time", "2026-07-01T22:15:00", "without a UTC offset"),
        ("category", "arson", "unknown category 'arson'"),
        ("lon", "east", "not numbers"),
        ("lat", "95", "outside the valid range"),
        ("id", "I1", "repeats the incident id"),
        ("lon", "118.9", "outside the district boundary"),
    ],
)
def test_bad_incident_rows(bundle: Path, field: str, value: str, expected: str) -> None:
    """Tests that a bad incidents.csv row is refused with its line number."""
    df = pd.read_csv(bundle / INCIDENTS, dtype=str)
    df.loc[1, field] = value
    df.to_csv(bundle / INCIDENTS, index=False)
    message = _error(bundle)
    assert expected in message and "line 3" in message


def test_incidents_without_a_column(bundle: Path) -> None:
    """Tests that incidents.csv without a category column is refused."""
    df = pd.read_csv(bundle / INCIDENTS, dtype=str).drop(columns="category")
    df.to_csv(bundle / INCIDENTS, index=False)
    assert "'category'" in _error(bundle)


GM = (
    '[[grid_members]]\nid = "GM01"\nname = "张敏"\ngrid = "G01"\nkind = "volunteer"\n'
    'hours = ["mon-fri 07:00-09:00"]\nphone = "139-0000-0001"\n\n'
)
"""One good grid member of the tiny district, for the bad variants below."""


def test_grid_members_are_checked_and_counted(bundle: Path) -> None:
    """Tests that good grid members pass, are counted by kind, and the file check sees grids."""
    from geodata.bundle import check_teams_file

    base = '[[members]]\nid = "A1"\nname = "李强"\n\n'
    second = GM.replace("GM01", "GM02").replace('"volunteer"', '"grid_member"')
    (bundle / "teams.toml").write_text(base + GM + second, encoding="utf-8")
    s = summarize_district(load_district(bundle))
    assert s["grid_members"] == 2
    assert s["grid_members_by_kind"] == {"volunteer": 1, "grid_member": 1}
    check_teams_file(bundle)
    (bundle / "teams.toml").write_text(base + GM.replace('"G01"', '"G09"'), encoding="utf-8")
    with pytest.raises(BundleError, match="names grid 'G09'"):
        check_teams_file(bundle)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ('[[groups]]\nid = "A"\nmembers = ["A1", "Z9"]\n', "member 'Z9'"),
        ('[[groups]]\nid = "A"\ndefault_mode = "horse"\n', "default_mode 'horse'"),
        ('[[vehicles]]\nid = "V1"\nmode = "bicycle"\n' * 2, "vehicles id 'V1' more than once"),
        ('[[vehicles]]\nid = "V1"\nmode = "tram"\n', "mode 'tram'"),
        ('[[members]]\nname = "王伟"\n', "members entry 2, has no id"),
        ('[[groups]]\nid = "A"\nbase_post = "P9"\n', "base_post 'P9', which is not a post"),
        # Grid members: ids, names, grids, kinds, hours and phones.
        (GM.replace('"G01"', '"G07"'), "grid member 'GM01' names grid 'G07', which is not a"),
        (GM.replace('kind = "volunteer"', 'kind = "guard"'), "has kind 'guard'; use one of"),
        (GM.replace('"mon-fri 07:00-09:00"', '"weekdays 7-9"'), "The duty hours 'weekdays 7-9'"),
        (GM.replace('hours = ["mon-fri 07:00-09:00"]', "hours = []"), "lists no hours"),
        (GM.replace('name = "张敏"', 'name = ""'), "grid member 'GM01' has no name"),
        (GM.replace('id = "GM01"', 'id = "A1"'), "has the id of a patrol team member"),
        (GM + GM, "the grid_members id 'GM01' more than once"),
        (GM.replace('phone = "139-0000-0001"', "phone = 13900000001"), "write it as a text"),
        ('[grid_members]\nid = "GM01"\n', "'grid_members' entry that is not a list of tables"),
    ],
)
def test_bad_teams_file(bundle: Path, change: str, expected: str) -> None:
    """Tests that teams.toml with unknown members, modes, posts or bad grid members is refused."""
    base = '[[members]]\nid = "A1"\nname = "李强"\n\n'
    (bundle / "teams.toml").write_text(base + change, encoding="utf-8")
    message = _error(bundle)
    assert "teams.toml" in message and expected in message


def test_failed_write_leaves_the_saved_bundle_intact(bundle: Path) -> None:
    """Tests that writing an invalid district over a bundle fails and changes nothing."""
    (bundle / "rules.toml").write_text("min_rest_hours = 11\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    bad = tiny_district()
    bad.posts.loc[0, "geometry"] = Point(LON0 + 0.05, LAT0)
    with pytest.raises(BundleError, match="outside"):
        write_district(bad, bundle)
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    assert not [p for p in bundle.parent.iterdir() if p.name.startswith(".")]


def test_rewrite_keeps_files_the_bundle_does_not_own(bundle: Path) -> None:
    """Tests that replacing a bundle keeps rules.toml and a source folder beside it."""
    (bundle / "rules.toml").write_text("min_rest_hours = 11\n", encoding="utf-8")
    (bundle / "source").mkdir()
    (bundle / "source" / "README.md").write_text("source", encoding="utf-8")
    changed = tiny_district()
    changed.manifest["name"] = "Tiny 2"
    write_district(changed, bundle)
    assert load_district(bundle).name == "Tiny 2"
    assert (bundle / "rules.toml").read_text(encoding="utf-8") == "min_rest_hours = 11\n"
    assert (bundle / "source" / "README.md").is_file()


def test_write_refuses_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    """Tests that write_district will not overwrite a non-empty folder without a manifest."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(BundleError, match="not empty and holds no district bundle"):
        write_district(tiny_district(), folder)
    assert (folder / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_dump_toml_round_trips() -> None:
    """Tests that the TOML writer's output parses back to the same data."""
    import tomllib

    data = {
        "name": 'Xin "jie" kou',
        "n": 3,
        "x": 1.5,
        "flag": True,
        "tags": ["a", "b"],
        "source": {"file": "a.osm", "date": "2021-06-12"},
        "groups": [{"id": "A", "members": ["A1", "A2"]}, {"id": "B", "members": []}],
    }
    assert tomllib.loads(dump_toml(data, "header")) == data


def test_default_district_validates_and_meets_the_done_when_counts() -> None:
    """Tests that the committed default district validates and is big enough to plan on."""
    validate_district(None)
    d = load_district()
    assert d.path == DEFAULT_DISTRICT_DIR
    s = summarize_district(d)
    assert s["street_nodes"] >= 400
    assert s["key_areas"] >= 100
    assert s["key_area_categories"] >= 8
    assert s["alley_segments"] >= 40
    assert s["posts"] >= 1
    assert s["cameras"] > 0 and s["grids"] > 0 and s["incidents"] > 0
    assert "OpenStreetMap" in d.manifest["attribution"]
    assert set(d.manifest["sample_layers"]) >= {"teams", "cameras", "grids", "incidents"}
    assert (DEFAULT_DISTRICT_DIR / d.manifest["source"]["file"]).is_file()


def test_default_district_grids_partition_the_boundary() -> None:
    """Tests that the default grids cover the boundary without overlaps, 0.2-0.7 km² each."""
    d = load_district()
    grids = d.grids.to_crs(d.work_crs)
    boundary = d.boundary.to_crs(d.work_crs).geometry.iloc[0]
    union = grids.geometry.union_all()
    assert union.symmetric_difference(boundary).area < 1e-6 * boundary.area + 10
    assert grids.area.sum() == pytest.approx(boundary.area, rel=1e-6)
    assert grids.area.between(0.2e6, 0.7e6).all()
    # Grid borders run along streets: nearly all their length within 15 m of a street.
    borders = grids.geometry.boundary.union_all().difference(boundary.boundary.buffer(1))
    near = d.streets.to_crs(d.work_crs).geometry.union_all().buffer(15)
    assert borders.intersection(near).length > 0.9 * borders.length


def test_default_district_team_and_hotspot() -> None:
    """Tests the sample team sizes and that the named hotspot alley leads the theft counts."""
    d = load_district()
    groups = d.teams["groups"]
    assert [g["id"] for g in groups] == ["A", "B", "C", "D"]
    assert all(len(g["members"]) == 4 for g in groups)
    modes = pd.Series([v["mode"] for v in d.teams["vehicles"]]).value_counts().to_dict()
    assert modes == {"ebike": 15, "bicycle": 8, "motorcycle": 2}
    hot = d.manifest["hotspot_alley"]
    streets = d.streets.set_index("id")
    assert streets.loc[hot["street_id"], "name"] == hot["name"]
    assert bool(streets.loc[hot["street_id"], "alley"])
    theft = d.incidents[d.incidents["category"] == "theft"]
    pts = gpd.GeoSeries(gpd.points_from_xy(theft["lon"], theft["lat"]), crs=4326)
    pts = pts.to_crs(d.work_crs)
    alleys = d.streets[d.streets["alley"]].to_crs(d.work_crs)
    near = {
        row.id: int(pts.distance(row.geometry).lt(25).sum())
        for row in alleys.itertuples()
        if row.length >= 60
    }
    best = max(near, key=near.__getitem__)
    assert best == hot["street_id"]
    assert near[best] >= 2 * sorted(near.values())[-2]


def test_default_district_curated_places() -> None:
    """Tests the rebuilt default district: 15 real schools, one place per station, targets."""
    d = load_district()
    s = summarize_district(d)
    by = s["key_areas_by_category"]
    assert by["school"] + by["kindergarten"] == s["gate_places"] == 15
    assert by["college"] == 4 and by["station"] == 5
    ka = d.key_areas.set_index("id")
    assert ka.loc["osm-n1234712891", "name"] == "新街口"
    assert ka.loc["osm-n1234712891"].geometry.geom_type == "MultiPoint"
    assert ka["merged_ids"].str.contains("osm-n1234712870").sum() == 1  # 新街口#1
    for category in ("restaurant", "retail", "bus_stop", "pharmacy"):
        assert s["targets_by_category"].get(category, 0) == 0
    assert s["targets"] == s["key_areas"] - sum(
        by[c] for c in ("restaurant", "retail", "bus_stop", "pharmacy")
    )
    assert s["inspection_places"] > 0 and s["rentals"] > 0
    assert s["opening_hours_tagged"] > 0 and s["problems"] == []
    # Two grid members per grid, each in a grid of the district.
    members = d.teams["grid_members"]
    assert len(members) == 2 * len(d.grids)
    assert {m["grid"] for m in members} == set(d.grids["id"])
    assert {"grid_members", "rentals"} <= set(d.manifest["sample_layers"])
    assert d.manifest["country"] == "CN"


def test_old_bundle_without_rentals_loads(bundle: Path) -> None:
    """Tests that a bundle written before the rentals layer loads with an empty one."""
    gpkg = bundle / GPKG
    layers = {name: gpd.read_file(gpkg, layer=name) for name in LAYERS}
    gpkg.unlink()
    for name, gdf in layers.items():
        _put_layer(bundle, name, gdf)
    d = load_district(bundle)
    assert len(d.rentals) == 0 and list(d.rentals.columns)[:3] == ["id", "name", "address"]
    assert summarize_district(d)["rentals"] == 0


def test_replace_layer_checks_before_it_swaps(bundle: Path) -> None:
    """Tests that one layer is replaced atomically, and a bad one leaves the file as it was."""
    from geodata.bundle import replace_layer

    rentals = gpd.GeoDataFrame(
        {"id": ["R1"], "name": ["石板巷3号"], "address": ["石板巷3号"], "phone": [""],
         "source": ["import"]},
        geometry=[Point(_xy(0.4, 0.6))],
        crs="EPSG:4326",
    )  # fmt: skip
    replace_layer(bundle, "rentals", rentals)
    assert load_district(bundle).rentals["id"].tolist() == ["R1"]
    before = (bundle / GPKG).read_bytes()
    outside = rentals.assign(geometry=[Point(118.9, 32.1)])
    with pytest.raises(BundleError, match=r"'rentals'.*outside the district boundary"):
        replace_layer(bundle, "rentals", outside)
    assert (bundle / GPKG).read_bytes() == before
    assert sorted(p.name for p in bundle.iterdir() if p.name.startswith(".")) == []


def test_layer_names_are_checked() -> None:
    """Tests that asking a district for an unknown layer raises a BundleError."""
    with pytest.raises(BundleError, match="no layer called 'roads'"):
        tiny_district().layer("roads")


def test_list_layers_of_written_bundle(bundle: Path) -> None:
    """Tests that the GeoPackage holds exactly the bundle's layers, the optional ones too."""
    names = {str(row[0]) for row in pyogrio.list_layers(bundle / GPKG)}
    assert names == set(ALL_LAYERS) == set(LAYERS) | {"rentals"}
