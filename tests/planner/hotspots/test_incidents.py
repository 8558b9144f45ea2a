"""Tests of incident import: column mapping, time zones, bad rows, atomic storage."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from geodata.bundle import District, load_district, write_district
from planner.exceptions import IncidentError
from planner.hotspots.incidents import (
    import_incidents,
    parse_mapping,
    read_incidents,
    store_incidents,
)

TZ = "Asia/Shanghai"


def _gdf(rows, geoms):
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326")


@pytest.fixture()
def bundle(tmp_path):
    """A tiny district (about 2 km square) with two stored incidents."""
    d = District(
        path=None,
        manifest={
            "name": "Tiny",
            "time_zone": TZ,
            "crs": "EPSG:4326",
            "work_crs": "EPSG:32650",
            "attribution": "hand-made test data",
        },
        boundary=_gdf({"name": ["Tiny"]}, [box(118.77, 32.03, 118.79, 32.05)]),
        streets=_gdf(
            {
                "id": ["s1"],
                "u": [1],
                "v": [2],
                "highway": ["residential"],
                "name": ["东铁管巷"],
                "length": [190.0],
                "alley": [True],
                "oneway": [False],
            },
            [LineString([(118.780, 32.040), (118.782, 32.040)])],
        ),
        key_areas=_gdf({"id": [], "name": [], "category": [], "priority": []}, []),
        posts=_gdf({"id": [], "name": [], "kind": []}, []),
        cameras=_gdf({"id": [], "name": [], "heading": [], "fov": [], "range": []}, []),
        grids=_gdf({"id": ["G01"], "name": ["one"]}, [box(118.77, 32.03, 118.79, 32.05)]),
        incidents=pd.DataFrame(
            {
                "id": ["OLD1", "OLD2"],
                "time": pd.to_datetime(["2026-06-01 10:00", "2026-06-02 22:00"]).tz_localize(TZ),
                "category": ["theft", "robbery"],
                "lon": [118.781, 118.782],
                "lat": [32.041, 32.042],
            }
        ),
    )
    return write_district(d, tmp_path / "tiny")


def test_mapping_and_time_zone(data_dir):
    """Tests that Chinese columns map to fields and naive times take the given zone."""
    mapping = parse_mapping(["发案时间=time", "警情类别=category"])
    rep = read_incidents(data_dir / "incidents" / "good_zh.csv", time_zone=TZ, mapping=mapping)
    assert rep.n_ok == 3 and rep.n_bad == 0
    assert list(rep.incidents["id"]) == ["A1", "A2", "A3"]
    assert list(rep.incidents["category"]) == ["theft", "dispute", "burglary"]
    assert rep.incidents["time"].iloc[0].isoformat() == "2026-07-01T21:30:00+08:00"
    utc = read_incidents(data_dir / "incidents" / "good_zh.csv", time_zone="UTC")
    assert utc.incidents["time"].iloc[0].isoformat() == "2026-07-01T21:30:00+00:00"
    # A time with its own offset keeps its instant whatever the zone.
    assert utc.incidents["time"].iloc[1] == rep.incidents["time"].iloc[1]


def test_bad_rows_reported_with_lines(data_dir):
    """Tests that bad rows are listed with line numbers and reasons and the rest is kept."""
    rep = read_incidents(data_dir / "incidents" / "some_bad.csv", time_zone=TZ)
    assert rep.n_rows == 16 and rep.n_ok == 13 and rep.n_bad == 3
    lines = [(e.line, e.reason) for e in rep.errors]
    assert [ln for ln, _ in lines] == [3, 5, 7]
    assert "yesterday" in lines[0][1]
    assert "alien abduction" in lines[1][1]
    assert "lon '200.0' is outside" in lines[2][1]


def test_unusable_files_rejected_whole(data_dir):
    """Tests that a file with too many bad rows or no coordinates is refused in one sentence."""
    with pytest.raises(IncidentError, match=r"3 bad records of 4.*line 3: "):
        read_incidents(data_dir / "incidents" / "mostly_bad.csv", time_zone=TZ)
    with pytest.raises(IncidentError, match="no column for lon, lat"):
        read_incidents(data_dir / "incidents" / "no_coordinates.csv", time_zone=TZ)
    with pytest.raises(IncidentError, match="unknown field 'when'"):
        parse_mapping(["发案时间=when"])
    with pytest.raises(IncidentError, match="Time zone 'Mars/Base'"):
        read_incidents(data_dir / "incidents" / "good_zh.csv", time_zone="Mars/Base")


def test_geojson_points(data_dir):
    """Tests that GeoJSON point features import with coordinates from their geometry."""
    rep = read_incidents(data_dir / "incidents" / "points.geojson", time_zone=TZ)
    assert list(rep.incidents["id"]) == ["G1", "G2"]
    assert rep.incidents["lon"].tolist() == [118.781, 118.782]


def test_import_adds_to_bundle(bundle, data_dir):
    """Tests that an import adds good rows, refuses points outside, and keeps old records."""
    rep = import_incidents(data_dir / "incidents" / "outside.csv", bundle)
    assert rep.n_ok == 5
    assert [(e.line, "outside the district" in e.reason) for e in rep.errors] == [(3, True)]
    d = load_district(bundle)
    assert set(d.incidents["id"]) == {"OLD1", "OLD2", "E1", "E3", "E4", "E5", "E6"}


def test_rejected_or_dry_run_import_leaves_bundle_untouched(bundle, data_dir):
    """Tests that a rejected file and a dry run leave incidents.csv byte for byte the same."""
    before = (bundle / "incidents.csv").read_bytes()
    with pytest.raises(IncidentError):
        import_incidents(data_dir / "incidents" / "mostly_bad.csv", bundle)
    rep = import_incidents(data_dir / "incidents" / "some_bad.csv", bundle, dry_run=True)
    assert rep.n_ok == 13
    assert (bundle / "incidents.csv").read_bytes() == before
    assert not [p for p in bundle.iterdir() if p.name.endswith(".tmp")]


def test_store_is_atomic_on_failure(bundle, monkeypatch):
    """Tests that a write failing midway leaves the stored file as it was and no temp file."""
    before = (bundle / "incidents.csv").read_bytes()
    d = load_district(bundle)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("planner.hotspots.incidents.os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        store_incidents(bundle, d.incidents)
    assert (bundle / "incidents.csv").read_bytes() == before
    assert not [p for p in bundle.iterdir() if p.name.endswith(".tmp")]


def test_line_numbers_count_blank_and_quoted_lines(data_dir):
    """Tests that line numbers are physical lines: a quoted line break and a blank line count."""
    rep = read_incidents(data_dir / "incidents" / "line_numbers.csv", time_zone=TZ)
    assert [(e.line, e.reason.split(" ")[0]) for e in rep.errors] == [(5, "lat"), (8, "the")]
    assert "more fields than the header" in rep.errors[1].reason
    assert rep.incidents["description"].iloc[0] == "two\nlines"
