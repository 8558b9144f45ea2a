"""Tests of the risk model: known hotspots, time patterns, season and overrides."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from planner.exceptions import ProblemError
from planner.hotspots.risk import (
    HOURS_OF_WEEK,
    Override,
    category_pattern,
    compute_risk,
    season_factor,
)

TZ = "Asia/Shanghai"
CRS = "EPSG:32650"
# Three parallel east-west streets about 330 m apart; s2 is a back alley.
LON0, LAT0 = 118.780, 32.040


def _layers():
    streets = gpd.GeoDataFrame(
        {
            "id": ["s1", "s2", "s3"],
            "name": ["北街", "东铁管巷", "南街"],
            "length": [190.0, 190.0, 190.0],
            "alley": [False, True, False],
        },
        geometry=[
            LineString([(LON0, LAT0 + dy), (LON0 + 0.002, LAT0 + dy)])
            for dy in (0.003, 0.0, -0.003)
        ],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {
            "id": ["school", "cafe", "market"],
            "name": ["小学", "网吧", "菜场"],
            "category": ["school", "internet_cafe", "market"],
            "priority": [5, 4, 4],
        },
        geometry=[
            Point(LON0 + 0.001, LAT0 + 0.0032),
            Point(LON0 + 0.001, LAT0 + 0.0002),
            Point(LON0 + 0.001, LAT0 - 0.0032),
        ],
        crs="EPSG:4326",
    )
    grids = gpd.GeoDataFrame(
        {"id": ["G1", "G2"], "name": ["北", "南"]},
        geometry=[
            box(LON0 - 0.002, LAT0 - 0.0015, LON0 + 0.004, LAT0 + 0.005),
            box(LON0 - 0.002, LAT0 - 0.005, LON0 + 0.004, LAT0 - 0.0015),
        ],
        crs="EPSG:4326",
    )
    return areas, streets, grids


def _incidents():
    """30 night thefts on the alley s2, 3 day incidents by s3; a fixed seed."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(30):
        t = pd.Timestamp("2026-06-01 22:00", tz=TZ) + pd.Timedelta(days=i)
        rows.append((f"a{i}", t, "theft", LON0 + rng.uniform(0, 0.002), LAT0 + rng.normal(0, 5e-5)))
    for i in range(3):
        t = pd.Timestamp("2026-06-03 10:00", tz=TZ) + pd.Timedelta(days=7 * i)
        rows.append((f"b{i}", t, "dispute", LON0 + 0.001, LAT0 - 0.003))
    return pd.DataFrame(rows, columns=["id", "time", "category", "lon", "lat"])


def test_patterns_follow_categories():
    """Tests that schools peak at drop-off and pick-up and alleys at night."""
    school = category_pattern("school")
    monday_8, monday_17, monday_14 = 8, 17, 14
    assert school[monday_8] == pytest.approx(2.5) and school[monday_17] == pytest.approx(2.5)
    assert school[monday_14] == pytest.approx(1.0)
    saturday_8 = 5 * 24 + 8
    assert school[saturday_8] == pytest.approx(1.0)
    alley = category_pattern("alley")
    assert alley[23] == pytest.approx(1.6) and alley[24 + 3] == pytest.approx(1.6)
    assert alley[12] == pytest.approx(1.0)
    assert season_factor(7)[22] == pytest.approx(1.3) and season_factor(1)[22] == 1.0
    assert season_factor(7)[12] == 1.0


def test_known_hotspot_is_found():
    """Tests that the alley with the thefts is the top street, top area and top grid."""
    areas, streets, grids = _layers()
    r = compute_risk(_incidents(), areas, streets, grids, work_crs=CRS)
    assert r.streets.hotspots() == ["s2"]
    assert r.streets.info.loc["s2", "rank"] == 1
    assert r.areas.info.loc["cafe", "rank"] == 1
    assert r.grids.hotspots() == ["G1"]
    # The alley's risk peaks at night (22:00 or the hour either side).
    assert r.streets.info.loc["s2", "peak_how"] % 24 in (21, 22, 23)
    assert r.streets.hourly.shape == (3, HOURS_OF_WEEK)
    # The school has no incident nearby but keeps a base risk, highest at pick-up.
    school = r.areas.hourly.loc["school"]
    assert school.min() > 0
    assert school[17] > school[14]


def test_recency_and_season():
    """Tests that old incidents count less and summer raises night risk."""
    areas, streets, grids = _layers()
    inc = _incidents()
    now = compute_risk(inc, areas, streets, grids, work_crs=CRS)
    later = compute_risk(inc, areas, streets, grids, work_crs=CRS, as_of=pd.Timestamp("2026-12-01"))
    assert later.streets.info.loc["s2", "weekly"] < 0.5 * now.streets.info.loc["s2", "weekly"]
    summer = compute_risk(inc, areas, streets, grids, work_crs=CRS, month=7)
    assert summer.streets.hourly.loc["s2", 22] == pytest.approx(
        1.3 * now.streets.hourly.loc["s2", 22]
    )
    assert summer.streets.hourly.loc["s2", 12] == pytest.approx(now.streets.hourly.loc["s2", 12])


def test_overrides_pin_and_weight():
    """Tests that a pinned place becomes a hotspot and a weight scales risk."""
    areas, streets, grids = _layers()
    ov = {"s1": Override(pin=True, note="planner"), "cafe": Override(weight=0.5)}
    base = compute_risk(_incidents(), areas, streets, grids, work_crs=CRS)
    r = compute_risk(_incidents(), areas, streets, grids, work_crs=CRS, overrides=ov)
    assert set(r.streets.hotspots()) == {"s1", "s2"}
    assert r.streets.info.loc["s1", "weekly"] >= r.streets.info.loc["s2", "weekly"] - 1e-9
    assert r.areas.info.loc["cafe", "weekly"] == pytest.approx(
        0.5 * base.areas.info.loc["cafe", "weekly"]
    )
    with pytest.raises(ProblemError, match="unknown place id 'nowhere'"):
        compute_risk(
            _incidents(), areas, streets, grids, work_crs=CRS, overrides={"nowhere": Override()}
        )
    with pytest.raises(ProblemError):
        Override(weight=-1)


def test_default_district_hotspots_include_the_alley():
    """Tests that the default district's street hotspots include its theft-prone alley."""
    from geodata.bundle import load_district
    from planner.hotspots.risk import district_risk

    d = load_district()
    r = district_risk(d)
    alley = d.manifest["hotspot_alley"]["street_id"]
    assert alley in r.streets.hotspots()
    table = r.hotspot_table()
    assert alley in set(table["id"])


def test_overrides_file_in_bundle(tmp_path):
    """Tests that hotspots.toml in a bundle folder pins places, and bad entries are named."""
    from types import SimpleNamespace

    from pyproj import CRS as ProjCRS

    from planner.hotspots.risk import district_risk, read_overrides

    (tmp_path / "hotspots.toml").write_text(
        '[[override]]\nid = "s3"\npin = true\nnote = "居民反映"\n\n'
        '[[override]]\nid = "cafe"\nweight = 0\n',
        encoding="utf-8",
    )
    ov = read_overrides(tmp_path)
    assert ov["s3"].pin and ov["s3"].note == "居民反映" and ov["cafe"].weight == 0
    areas, streets, grids = _layers()
    d = SimpleNamespace(
        path=tmp_path,
        incidents=_incidents(),
        key_areas=areas,
        streets=streets,
        grids=grids,
        work_crs=ProjCRS.from_user_input(CRS),
    )
    r = district_risk(d)
    assert set(r.streets.hotspots()) == {"s2", "s3"}
    assert "cafe" not in r.areas.hotspots() and r.areas.info.loc["cafe", "weekly"] == 0
    # Overrides given in the call win over the file.
    r2 = district_risk(d, overrides={"s3": Override()})
    assert r2.streets.hotspots() == ["s2"]
    bad = tmp_path / "bad.toml"
    for text, match in (
        ("[[override]]\npin = true\n", "entry 1 has no id"),
        ('[[override]]\nid = "a"\nweight = "lots"\n', "weight 'lots'"),
        ('[[override]]\nid = "a"\n\n[[override]]\nid = "a"\n', "entry 2 repeats the id 'a'"),
        ('[[override]]\nid = "a"\nwieght = 2\n', "unknown key 'wieght'"),
        ("[[override]\n", "not valid TOML"),
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ProblemError, match=match):
            read_overrides(bad)
