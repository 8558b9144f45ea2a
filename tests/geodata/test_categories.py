"""Tests of the category table: schools against colleges, targets, hours and inspections."""

from __future__ import annotations

import pytest

from geodata.categories import (
    CATEGORIES,
    CATEGORY_TABLE,
    GATE_CATEGORIES,
    INSPECTION_CATEGORIES,
    TARGET_CATEGORIES,
    classify,
    default_hours,
    education_category,
    is_target,
)
from geodata.hours import check_hours
from geodata.windows import AreaValueError


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        # Tagged amenity=school, told by the name.
        ({"amenity": "school", "name": "南京市第九中学"}, "school"),
        ({"amenity": "school", "name": "石鼓路小学"}, "school"),
        ({"amenity": "school", "name": "五老村幼儿园"}, "kindergarten"),
        ({"amenity": "school", "name": "秦淮区委党校"}, "college"),
        ({"amenity": "school", "name": "秦淮区教师进修学校"}, "college"),
        ({"amenity": "school", "name": "南京幼儿高等师范学校"}, "college"),
        ({"amenity": "school", "name": "深圳信息职业技术学院"}, "college"),
        # A school attached to a university is a school, its kindergarten a kindergarten.
        ({"amenity": "school", "name": "南京师范大学附属中学"}, "school"),
        ({"amenity": "school", "name": "华南师范大学附属龙岗大运学校"}, "school"),
        ({"amenity": "university", "name": "南京大学附属幼儿园"}, "kindergarten"),
        # The tag decides where the name says nothing.
        ({"amenity": "school", "name": "南京外国语学校国际部"}, "school"),
        ({"amenity": "school"}, "school"),
        ({"amenity": "university", "name": "金陵协和神学院"}, "college"),
        ({"amenity": "college"}, "college"),
        ({"amenity": "kindergarten", "name": "阳光艺术培训"}, "kindergarten"),
        ({"amenity": "childcare"}, "kindergarten"),
        # isced:level wins over everything else.
        ({"amenity": "school", "isced:level": "5", "name": "石鼓路小学"}, "college"),
        ({"amenity": "school", "isced:level": "0"}, "kindergarten"),
        ({"amenity": "university", "isced:level": "1;2"}, "school"),
        ({"amenity": "school", "isced:level": "2-3", "name": "某大学"}, "school"),
        # English names.
        ({"amenity": "school", "name": "Changjiang Road Primary School"}, "school"),
        ({"amenity": "school", "name:en": "Nanjing Normal University"}, "college"),
    ],
)
def test_education_category(tags: dict[str, str], expected: str) -> None:
    """Tests that schools and kindergartens are told from colleges by level, name and tag."""
    assert education_category(tags) == expected
    assert classify(tags) == expected


def test_education_category_is_none_for_other_places() -> None:
    """Tests that a place that is no school is left to the table."""
    assert education_category({"amenity": "bank", "name": "中国银行大学城支行"}) is None
    assert classify({"amenity": "language_school"}) is None


def test_gates_only_at_schools_and_kindergartens() -> None:
    """Tests that colleges have no gate windows while schools and kindergartens do."""
    assert GATE_CATEGORIES == ("school", "kindergarten")
    assert not CATEGORIES["college"].has_gate
    assert CATEGORIES["college"].label_zh == "高校及培训机构"


def test_target_flags() -> None:
    """Tests that shops, pharmacies, restaurants and bus stops are on the map, not the beat."""
    off = {c.key for c in CATEGORY_TABLE if not c.target}
    assert off == {"retail", "pharmacy", "restaurant", "bus_stop"}
    assert set(TARGET_CATEGORIES) == set(CATEGORIES) - off
    assert not is_target("restaurant") and is_target("restaurant", "yes")
    assert is_target("station") and not is_target("station", " NO ")
    assert is_target("school", "") and is_target("school", float("nan"))
    with pytest.raises(AreaValueError, match="yes, no or left blank"):
        is_target("school", "maybe")


def test_default_hours_parse_and_follow_practice() -> None:
    """Tests that every default is valid OSM syntax and the documented choices hold."""
    for cat in CATEGORY_TABLE:
        assert check_hours(cat.hours) is None, cat.key
    assert default_hours("atm") == "24/7"
    assert default_hours("convenience") == "24/7"
    assert default_hours("hotel") == default_hours("internet_cafe") == "24/7"
    assert default_hours("park") == default_hours("square") == "24/7"
    assert default_hours("bank") == "Mo-Fr 09:00-17:00"
    assert default_hours("market") == "06:00-19:00"
    assert default_hours("entertainment") == "18:00-03:00"
    assert default_hours("station") == "05:30-23:30"
    assert default_hours("school").startswith("Mo-Fr 07:00-18:00")


def test_inspection_categories_have_checklists() -> None:
    """Tests the weekly-inspection flag and that each such category has a checklist in zh and en."""
    assert set(INSPECTION_CATEGORIES) == {
        "hotel",
        "internet_cafe",
        "entertainment",
        "cinema",
        "restaurant",
    }
    for key in INSPECTION_CATEGORIES:
        cat = CATEGORIES[key]
        assert cat.checklist("zh") and cat.checklist("en"), key
        assert "；" in cat.checklist_zh and "; " in cat.checklist_en
    assert CATEGORIES["school"].checklist("zh") == ""
