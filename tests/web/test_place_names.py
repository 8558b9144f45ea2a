"""Tests of the place names shown instead of ids."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from web.place_names import NEAR_STREET_M, place_name, place_names

if TYPE_CHECKING:
    from geodata import District


def test_named_places_keep_their_name_in_each_language(tiny_district: District) -> None:
    """Tests that a named key area shows its local name in Chinese, its English one in English,
    and streets, cameras and grids their names."""
    zh = place_names(tiny_district, "zh")
    en = place_names(tiny_district, "en")
    assert zh["osm-n1"] == "示范小学"
    assert en["osm-n1"] == "Model Primary School"
    assert zh["e1"] == "中山路" and zh["C1"] == "中山路东向" and zh["G01"] == "第一网格"
    assert place_name(tiny_district, "nowhere", "zh") == "nowhere"


def test_an_unnamed_place_reads_as_its_category_near_a_street(tiny_district: District) -> None:
    """Tests that a key area without a name reads as its category and the nearest named
    street, and as its category alone when no named street is within reach."""
    areas = tiny_district.key_areas.copy()
    areas.loc[areas["id"] == "osm-n1", ["name", "name_en"]] = ""
    district = replace(tiny_district, key_areas=areas)
    zh = place_names(district, "zh")["osm-n1"]
    en = place_names(district, "en")["osm-n1"]
    assert zh.startswith("学校（") and zh.endswith("附近）") and "osm" not in zh
    assert en.startswith("School near ")
    far = areas.copy()
    far.loc[far["id"] == "osm-n1", "geometry"] = far.loc[far["id"] == "osm-n1"].geometry.translate(
        xoff=NEAR_STREET_M / 50_000
    )
    alone = place_names(replace(tiny_district, key_areas=far), "zh")["osm-n1"]
    assert alone == "学校"
