"""Tests of the curated places of an import: stations, buildings and duplicates merged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
from shapely.geometry import MultiPoint, Point, box

from geodata.bundle import District, load_district, write_district
from geodata.categories import is_target
from geodata.osm_import import import_osm
from geodata.place_merge import (
    MERGED_COLUMN,
    dedupe,
    entrance_station_name,
    merge_points_into_polygons,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def town(data_dir: Path) -> District:
    """The hand-made town with a metro station, a bank building, bus stops and schools."""
    return import_osm(data_dir / "bundles" / "station_town.osm", name="Station town")


def _area(district: District, area_id: str) -> gpd.GeoSeries:
    return district.key_areas.set_index("id").loc[area_id]


@pytest.mark.parametrize(
    ("name", "station"),
    [
        ("新街口#3", "新街口"),  # the exits of the default district
        ("新街口＃12", "新街口"),
        ("新街口站3号口", "新街口"),
        ("大行宫站A口", "大行宫"),
        ("上海路地铁站 B2出口", "上海路"),
        ("新街口", "新街口"),  # an entrance named like its station
        ("3号口", ""),
        ("A", ""),
        ("", ""),
    ],
)
def test_entrance_station_name(name: str, station: str) -> None:
    """Tests the station name read from an entrance's name."""
    assert entrance_station_name(name) == station


def test_station_entrances_are_one_place(town: District) -> None:
    """Tests that a station and its entrances (one unnamed) become one MultiPoint place."""
    station = town.key_areas[town.key_areas["category"] == "station"].set_index("id")
    assert sorted(station.index) == ["osm-n20", "osm-n25"]
    xjk = station.loc["osm-n20"]
    assert xjk["name"] == "新街口" and xjk["name_en"] == "Xinjiekou"
    assert xjk["osm_tag"] == "railway=station"
    assert isinstance(xjk.geometry, MultiPoint) and len(xjk.geometry.geoms) == 4
    # Its id is the entrance that is its representative point, where a checkpoint stands.
    assert xjk.geometry.representative_point().equals(Point(118.7826, 32.0424))
    assert xjk[MERGED_COLUMN] == "osm-n21;osm-n22;osm-n23;osm-w201"
    # Entrances of a station the file lacks form a place of their own, named after it.
    shanghai = station.loc["osm-n25"]
    assert shanghai["name"] == "上海路" and shanghai[MERGED_COLUMN] == "osm-n24"


def test_building_and_node_are_one_place(town: District) -> None:
    """Tests that a node inside its building merges into it, and an ATM there stays apart."""
    bank = _area(town, "osm-w301")
    assert bank["category"] == "bank" and bank.geometry.geom_type == "Polygon"
    assert bank[MERGED_COLUMN] == "osm-n34"
    assert bank["opening_hours"] == "Mo-Su 09:00-17:00"  # taken from the node
    assert _area(town, "osm-n35")["category"] == "atm"
    assert "osm-n34" not in set(town.key_areas["id"])


def test_bus_stops_on_both_sides_are_one(town: District) -> None:
    """Tests that the two stops of one name across the street are one place."""
    stops = town.key_areas[town.key_areas["category"] == "bus_stop"]
    assert stops["id"].tolist() == ["osm-n40"]
    assert stops[MERGED_COLUMN].tolist() == ["osm-n41"]


def test_targets_hours_and_schools(town: District) -> None:
    """Tests the cafe and the boutique are not targets, tagged hours, and school kinds."""
    ka = town.key_areas.set_index("id")
    assert not is_target(ka.loc["osm-n50", "category"], ka.loc["osm-n50", "target"])  # Starbucks
    assert not is_target(ka.loc["osm-n52", "category"], ka.loc["osm-n52", "target"])  # Prada
    assert is_target(ka.loc["osm-n51", "category"], ka.loc["osm-n51", "target"])  # a bar
    assert ka.loc["osm-n51", "opening_hours"] == "Mo-Su 20:00-02:00"
    assert ka.loc["osm-n53", "category"] == "kindergarten"  # 阳光幼儿园, tagged amenity=school
    assert ka.loc["osm-n54", "category"] == "college"  # 区委党校
    assert ka.loc["osm-n55", "category"] == "school"
    assert town.problems == [
        "Key area osm-n52 (Prada) has opening_hours '全天营业', but it is not in the OSM "
        "opening_hours syntax; it keeps the shop default '10:00-22:00'."
    ]


def test_multipoint_places_round_trip(town: District, tmp_path: Path) -> None:
    """Tests that MultiPoint places and the new columns survive writing and loading."""
    again = load_district(write_district(town, tmp_path / "town"))
    xjk = again.key_areas.set_index("id").loc["osm-n20"]
    assert xjk.geometry.geom_type == "MultiPoint" and len(xjk.geometry.geoms) == 4
    assert xjk[MERGED_COLUMN] == "osm-n21;osm-n22;osm-n23;osm-w201"
    assert set(again.key_areas["target"]) == {""}
    assert len(again.problems) == 1


def test_points_merge_only_with_agreeing_names() -> None:
    """Tests that a point inside a polygon of its category merges only when names agree."""
    areas = gpd.GeoDataFrame(
        {
            "id": ["w1", "n1", "n2", "n3"],
            "name": ["万达广场", "沃尔玛", "", "万达广场"],
            "name_en": ["", "", "", "Wanda Plaza"],
            "category": ["supermarket", "supermarket", "supermarket", "supermarket"],
        },
        geometry=[
            box(118.780, 32.040, 118.782, 32.042),
            Point(118.781, 32.041),
            Point(118.7812, 32.0412),
            Point(118.7808, 32.0408),
        ],
        crs="EPSG:4326",
    )
    out = merge_points_into_polygons(areas, "EPSG:32650").set_index("id")
    assert sorted(out.index) == ["n1", "w1"]  # Walmart inside Wanda Plaza stays apart
    assert out.loc["w1", MERGED_COLUMN] == "n2;n3"
    assert out.loc["w1", "name_en"] == "Wanda Plaza"


def test_dedupe_records_what_it_merged() -> None:
    """Tests that same-name and unnamed duplicates are dropped into the kept place's list."""
    gdf = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "name": ["KFC", "KFC", "", "KFC"],
            "category": ["restaurant"] * 4,
            MERGED_COLUMN: ["", "x", "", ""],
        },
        # b is 50 m from a, c 30 m from a (unnamed), d 1 km away.
        geometry=[
            Point(118.78, 32.04),
            Point(118.7805, 32.04),
            Point(118.78, 32.0403),
            Point(118.79, 32.04),
        ],
        crs="EPSG:4326",
    )
    out = dedupe(gdf, "EPSG:32650", "category")
    assert out["id"].tolist() == ["a", "d"]
    assert out[MERGED_COLUMN].tolist() == ["b;c;x", ""]
