"""Tests of the optional key-area columns (windows, dose_minutes, target, opening_hours)."""

from __future__ import annotations

import math
import shutil
import warnings
from typing import TYPE_CHECKING

import pytest

from geodata.bundle import (
    GPKG,
    check_district,
    load_district,
    summarize_district,
    write_district,
)
from geodata.errors import BundleError, InputError
from geodata.windows import (
    AreaValueError,
    format_windows,
    parse_dose_minutes,
    parse_windows,
)
from tests.geodata.test_bundle import tiny_district

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def old_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny bundle of test_bundle.py, without the optional columns."""
    return write_district(tiny_district(), tmp_path_factory.mktemp("old") / "tiny")


def test_parse_windows_reads_items_sorted_and_across_midnight() -> None:
    """Tests that windows are read into sorted minutes, a window past midnight ending after 1440."""
    assert parse_windows("16:30-17:10; 07:20-08:00") == ((440, 480), (990, 1030))
    assert parse_windows("22:00-01:00") == ((1320, 1500),)
    assert parse_windows("23:00-24:00") == ((1380, 1440),)
    assert parse_windows("02:00-03:00;22:00-02:00") == ((120, 180), (1320, 1560))
    for blank in ("", "  ", None, math.nan):
        assert parse_windows(blank) == ()


def test_format_windows_round_trips() -> None:
    """Tests that writing parsed windows gives text that parses back to the same windows."""
    for text in ("07:20-08:00;16:30-17:10", "22:00-01:00", "00:00-24:00", "05:05-05:06"):
        assert format_windows(parse_windows(text)) == text
        assert parse_windows(format_windows(parse_windows(text))) == parse_windows(text)
    assert format_windows(()) == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("25:00-26:00", "25:00 is not a time of day from 00:00 to 23:59"),
        ("07:00-24:30", "24:30 is not a time of day from 00:00 to 24:00"),
        ("07:61-08:00", "07:61 is not a time of day"),
        ("7-8", "'7' is not a time of day written HH:MM"),
        ("07:00", "'07:00' is not a window written HH:MM-HH:MM"),
        ("07:00-08:00;;09:00-10:00", "empty item"),
        ("08:00-08:00", "opens and closes at the same time"),
        ("07:00-09:00;08:00-10:00", "07:00-09:00 and 08:00-10:00 overlap"),
        ("22:00-02:00;01:00-03:00", "overlap"),
        (5, "must be a text"),
    ],
)
def test_bad_windows_are_refused_with_a_reason(text: object, reason: str) -> None:
    """Tests that each kind of bad window text is refused, saying what is wrong."""
    with pytest.raises(AreaValueError) as info:
        parse_windows(text)
    assert reason in info.value.reason
    assert isinstance(info.value, BundleError) and isinstance(info.value, InputError)
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_parse_dose_minutes() -> None:
    """Tests that dose minutes are blank or a number of minutes from 0 to a whole day."""
    assert parse_dose_minutes(None) is None
    assert parse_dose_minutes(math.nan) is None
    assert parse_dose_minutes(0) == 0.0
    assert parse_dose_minutes("12.5") == 12.5
    for bad in (-1, 1441, math.inf, "ten", True):
        with pytest.raises(AreaValueError, match="from 0 to 1440"):
            parse_dose_minutes(bad)


def test_old_bundle_without_the_columns_loads_unchanged(old_bundle: Path) -> None:
    """Tests that a bundle without the new columns loads and gets no columns added."""
    district = load_district(old_bundle)
    assert "windows" not in district.key_areas.columns
    assert "dose_minutes" not in district.key_areas.columns
    assert list(district.key_areas["id"]) == ["osm-n1", "osm-w2"]


def test_columns_round_trip(tmp_path: Path) -> None:
    """Tests that windows and dose minutes are written and read back, blanks staying blank."""
    district = tiny_district()
    district.key_areas["windows"] = ["22:00-01:00", None]
    district.key_areas["dose_minutes"] = [math.nan, 25.5]
    folder = write_district(district, tmp_path / "tiny")
    back = load_district(folder).key_areas.set_index("id")
    assert back.loc["osm-n1", "windows"] == "22:00-01:00"
    assert back.loc["osm-w2", "windows"] == ""  # blank cells come back as empty text
    assert back["dose_minutes"].dtype == float
    assert math.isnan(back.loc["osm-n1", "dose_minutes"])
    assert back.loc["osm-w2", "dose_minutes"] == 25.5


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        (
            "windows",
            ["07:20-08:00", "16:30-31:00"],
            "row 2 (id 'osm-w2'), has windows '16:30-31:00', but 31:00 is not a time of day",
        ),
        (
            "windows",
            ["07:20-08:00;07:50-08:30", ""],
            "row 1 (id 'osm-n1'), has windows '07:20-08:00;07:50-08:30', but the windows",
        ),
        (
            "dose_minutes",
            [10.0, -5.0],
            "row 2 (id 'osm-w2'), has dose_minutes -5.0, but it is not a number of minutes",
        ),
        (
            "dose_minutes",
            [2000.0, math.nan],
            "row 1 (id 'osm-n1'), has dose_minutes 2000.0, but it is not a number",
        ),
        (
            "target",
            ["yes", "maybe"],
            "row 2 (id 'osm-w2'), has target 'maybe', but it must be yes, no or left blank",
        ),
    ],
)
def test_bad_values_in_a_bundle_name_layer_row_id_and_value(
    old_bundle: Path, tmp_path: Path, column: str, values: list[object], expected: str
) -> None:
    """Tests that a bad windows or dose_minutes cell fails validation naming where and what."""
    folder = shutil.copytree(old_bundle, tmp_path / "tiny")
    district = load_district(folder)
    district.key_areas[column] = values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        district.key_areas.to_file(folder / GPKG, layer="key_areas", engine="pyogrio")
    with pytest.raises(BundleError) as info:
        load_district(folder)
    message = str(info.value)
    assert message.startswith("Layer 'key_areas' in ")
    assert expected in message
    assert message.endswith(".") and message.count(". ") == 0


def test_write_refuses_bad_windows_and_keeps_the_saved_bundle(
    old_bundle: Path, tmp_path: Path
) -> None:
    """Tests that writing a district with a bad window is refused, naming the target folder."""
    folder = shutil.copytree(old_bundle, tmp_path / "tiny")
    before = (folder / GPKG).read_bytes()
    district = tiny_district()
    district.key_areas["windows"] = ["", "08:00-09:60"]
    with pytest.raises(BundleError) as info:
        write_district(district, folder)
    assert f"in {folder}, row 2 (id 'osm-w2'), has windows '08:00-09:60'" in str(info.value)
    assert (folder / GPKG).read_bytes() == before
    district.path = None
    with pytest.raises(BundleError, match="district 'Tiny', row 2"):
        check_district(district)


def test_target_and_opening_hours_round_trip(tmp_path: Path) -> None:
    """Tests that target flags come back as yes/no/"" and unusable hours are only listed."""
    district = tiny_district()
    district.key_areas["target"] = [" No", None]
    district.key_areas["opening_hours"] = ["Mo-Fr 07:00-18:00", "8点到22点"]
    folder = write_district(district, tmp_path / "tiny")
    back = load_district(folder)
    areas = back.key_areas.set_index("id")
    assert areas.loc["osm-n1", "target"] == "no" and areas.loc["osm-w2", "target"] == ""
    assert areas.loc["osm-w2", "opening_hours"] == "8点到22点"
    assert back.problems == [
        "Key area osm-w2 (苏果超市) has opening_hours '8点到22点', but it is not in the OSM "
        "opening_hours syntax; it keeps the supermarket / mall default '09:00-22:00'."
    ]
    summary = summarize_district(back)
    assert summary["targets"] == 1 and summary["problems"] == back.problems
