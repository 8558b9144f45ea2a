"""Tests of the rentals layer: reading CSV and GeoJSON, bad records by line, storing."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from geodata.bundle import GPKG, load_district, write_district
from geodata.errors import InputError
from geodata.rentals import (
    CHECKLIST_EN,
    CHECKLIST_ZH,
    RentalsError,
    import_rentals,
    read_rentals,
    rental_id,
)
from tests.geodata.test_bundle import tiny_district

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny bundle of test_bundle.py, written once."""
    return write_district(tiny_district(), tmp_path_factory.mktemp("rentals") / "tiny")


@pytest.fixture
def bundle(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the tiny bundle."""
    return shutil.copytree(pristine, tmp_path / "tiny")


def test_read_csv_with_chinese_headers(data_dir: Path) -> None:
    """Tests Chinese column names, a blank line, a missing name and a made-up stable id."""
    report = read_rentals(data_dir / "rentals" / "good.csv")
    r = report.rentals.set_index("id")
    assert list(r.index) == ["R001", "R002", "R003"]
    assert r.loc["R002", "name"] == "铁管巷8号"  # the address stands in for a missing name
    assert r.loc["R001", "phone"] == "139-1111-0001" and r.loc["R002", "phone"] == ""
    assert r.loc["R003"].geometry.x == pytest.approx(118.782)
    assert report.errors == () and report.summary().endswith("3 of 3 rentals usable, 0 refused.")
    assert rental_id("石板巷3号", 118.7815, 32.0412) == rental_id("石板巷3号", 118.7815, 32.0412)


def test_bad_rows_are_listed_by_line(data_dir: Path) -> None:
    """Tests that bad rows are named by their CSV line and the good ones kept."""
    report = read_rentals(data_dir / "rentals" / "bad_rows.csv")
    assert report.n_ok == 13 and report.n_bad == 3
    assert [str(e) for e in report.errors] == [
        "line 7: the address is empty",
        "line 8: lon 'east' is not a number",
        "line 13: id 'R1' repeats an earlier record",
    ]


def test_geojson_points_and_feature_numbers(data_dir: Path) -> None:
    """Tests GeoJSON points with feature ids, and a feature without a point by its number."""
    with pytest.raises(RentalsError, match=r"1 bad records of 3, more than 20%; feature 3"):
        read_rentals(data_dir / "rentals" / "good.geojson")
    report = read_rentals(data_dir / "rentals" / "good.geojson", max_bad_share=0.5)
    assert report.rentals["id"].iloc[0] == "G1"
    assert report.rentals["id"].iloc[1].startswith("rent-")
    assert [str(e) for e in report.errors] == [
        "feature 3: it has no point (no point geometry, no lon and lat)"
    ]


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (None, "none.csv", "does not exist"),
        ("", "empty.csv", "is empty"),
        ("name,lon,lat\na,1,2\n", "cols.csv", "has no column for address"),
        ("address,lon,lat\n", "rows.csv", "holds no records"),
        ("{not json", "bad.geojson", "is not valid JSON"),
        ('{"type": "Feature"}', "one.geojson", "is not a GeoJSON FeatureCollection"),
    ],
)
def test_files_that_cannot_be_used(
    tmp_path: Path, content: str | None, name: str, words: str
) -> None:
    """Tests one sentence for a file that cannot be used at all."""
    file = tmp_path / name
    if content is not None:
        file.write_text(content, encoding="utf-8")
    with pytest.raises(RentalsError) as info:
        read_rentals(file)
    assert words in str(info.value) and name in str(info.value)
    assert isinstance(info.value, InputError) and "\n" not in str(info.value)


def test_import_adds_replaces_and_refuses(data_dir: Path, bundle: Path) -> None:
    """Tests storing, adding by id, a dry run, and a refused file that changes nothing."""
    good = data_dir / "rentals" / "good.csv"
    dry = import_rentals(good, bundle, dry_run=True)
    assert dry.n_ok == 3 and len(load_district(bundle).rentals) == 0
    import_rentals(good, bundle)
    assert load_district(bundle).rentals["id"].tolist() == ["R001", "R002", "R003"]
    import_rentals(data_dir / "rentals" / "bad_rows.csv", bundle)
    ids = load_district(bundle).rentals["id"].tolist()
    assert len(ids) == 3 + 13  # R1..R15 without the three bad rows; no id in common
    import_rentals(good, bundle, replace=True)
    assert len(load_district(bundle).rentals) == 3
    before = (bundle / GPKG).read_bytes()
    with pytest.raises(RentalsError, match="3 bad records of 4"):
        import_rentals(data_dir / "rentals" / "mostly_bad.csv", bundle)
    assert (bundle / GPKG).read_bytes() == before


def test_rentals_outside_the_district_are_refused(tmp_path: Path, bundle: Path) -> None:
    """Tests that a record outside the district is a bad record naming its point."""
    file = tmp_path / "far.csv"
    file.write_text(
        "address,lon,lat\n"
        + "".join(f"石板巷{i}号,118.7815,32.0412\n" for i in range(5))
        + "远方1号,118.9,32.1\n",
        encoding="utf-8",
    )
    report = import_rentals(file, bundle)
    assert report.n_ok == 5
    assert str(report.errors[0]) == "line 7: lon/lat 118.9/32.1 lies outside the district"


def test_checklist_in_both_languages() -> None:
    """Tests the rental inspection checklist texts."""
    assert "群租" in CHECKLIST_ZH and "overcrowded" in CHECKLIST_EN
