"""Tests of the seeded sample data: teams, grid members, cameras, grids, rentals, incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geodata.bundle import District, load_district
from geodata.duty_hours import parse_duty_hours
from geodata.sample_data import (
    DEFAULT_SEED,
    add_sample_data,
    regular_grids,
    sample_grid_members,
    sample_incidents,
    sample_teams,
    street_junctions,
)


@pytest.fixture(scope="module")
def default() -> District:
    """The committed default district."""
    return load_district()


def test_teams_shape_and_seed() -> None:
    """Tests 4 groups of 4 with unique names and ids, 25 vehicles, and seed determinism."""
    teams = sample_teams(3)
    assert teams == sample_teams(3)
    assert teams["sample"] is True
    members = teams["members"]
    assert [m["id"] for m in members] == [f"{g}{i}" for g in "ABCD" for i in range(1, 5)]
    assert len({m["name"] for m in members}) == 16
    assert members[0]["phone"] == "138-0000-0001"
    assert [g["name"] for g in teams["groups"]] == ["一组", "二组", "三组", "四组"]
    assert len(teams["vehicles"]) == 25
    assert len({v["id"] for v in teams["vehicles"]}) == 25


def test_same_seed_rebuilds_the_committed_sample_data(default: District) -> None:
    """Tests that the default seed regenerates exactly the committed sample layers."""
    again = add_sample_data(default, seed=DEFAULT_SEED)
    assert again.manifest["hotspot_alley"] == default.manifest["hotspot_alley"]
    pd.testing.assert_series_equal(again.incidents["id"], default.incidents["id"])
    assert (again.incidents["time"] == default.incidents["time"]).all()
    assert np.allclose(again.incidents["lon"], default.incidents["lon"], atol=2e-7)
    assert (again.incidents["category"] == default.incidents["category"]).all()
    assert again.cameras["id"].tolist() == default.cameras["id"].tolist()
    assert again.cameras.geom_equals_exact(default.cameras.geometry, 1e-7).all()
    assert again.grids.geom_equals_exact(default.grids.geometry, 1e-6).all()
    assert again.teams == default.teams
    assert again.rentals["id"].tolist() == default.rentals["id"].tolist()
    assert again.rentals.geom_equals_exact(default.rentals.geometry, 1e-7).all()
    rooms = set(default.posts.loc[default.posts["kind"] == "police_room", "id"])
    assert {g["base_post"] for g in default.teams["groups"]} <= rooms


def test_another_seed_gives_other_incidents(default: District) -> None:
    """Tests that a different seed gives a different incident history."""
    junctions = street_junctions(default.streets.to_crs(default.work_crs))
    hot = default.manifest["hotspot_alley"]["street_id"]
    end = pd.Timestamp(default.manifest["incidents_period"]["end"]).date()
    other = sample_incidents(default, hot, end, DEFAULT_SEED + 1, junctions)
    assert len(other) != len(default.incidents) or not np.allclose(
        other["lon"], default.incidents["lon"]
    )


def test_incident_patterns(default: District) -> None:
    """Tests 12 months of all categories, summer nights and theft hours as documented."""
    inc = default.incidents
    assert set(inc["category"]) == {"theft", "burglary", "robbery", "dispute", "traffic", "other"}
    months = (inc["time"].dt.year * 12 + inc["time"].dt.month).nunique()
    assert months == 12
    assert (inc["time"].dt.tz is not None) and str(inc["time"].dt.tz) == "Asia/Shanghai"
    hour = inc["time"].dt.hour
    night = hour.isin([20, 21, 22, 23, 0, 1, 2])
    month = inc["time"].dt.month
    summer = month.isin([6, 7, 8])
    winter = month.isin([12, 1, 2])
    assert night[summer].sum() > 1.3 * night[winter].sum()
    theft_hours = hour[inc["category"] == "theft"].value_counts()
    assert theft_hours.loc[[18, 19]].sum() > 3 * theft_hours.loc[[3, 4]].sum()
    assert (inc["source"] == "sample").all()


def test_cameras_and_posts_are_labelled(default: District) -> None:
    """Tests that cameras are sample rows and that sample police rooms are listed."""
    assert (default.cameras["source"] == "sample").all()
    sample_posts = default.posts.loc[default.posts["source"] == "sample", "id"]
    assert sorted(sample_posts) == default.manifest["sample_posts"]
    assert (default.posts["kind"] == "police_room").sum() >= 1
    domes = default.cameras["heading"].isna()
    assert domes.any() and (~domes).any()
    assert default.cameras.loc[~domes, "heading"].between(0, 360).all()


def test_grid_members_two_per_grid_around_school_hours(default: District) -> None:
    """Tests a grid member and a volunteer per grid, part-time, with names of their own."""
    members = sample_grid_members(default.grids, 5, exclude={"王伟"})
    assert members == sample_grid_members(default.grids, 5, exclude={"王伟"})
    assert len(members) == 2 * len(default.grids)
    assert [m["id"] for m in members[:3]] == ["GM01", "GM02", "GM03"]
    assert {m["kind"] for m in members[::2]} == {"grid_member"}
    assert {m["kind"] for m in members[1::2]} == {"volunteer"}
    names = [m["name"] for m in members]
    assert len(set(names)) == len(names) and "王伟" not in names
    team = {m["name"] for m in default.teams["members"]}
    assert not team & {m["name"] for m in default.teams["grid_members"]}
    for m in members:
        spans = [parse_duty_hours(h) for h in m["hours"]]
        # Mornings before 09:00 and afternoons from 16:00: drop-off and pick-up.
        assert any(start < 8 * 60 and end >= 8 * 60 for _d, start, end in spans)
        assert any(start <= 16 * 60 + 30 and end >= 17 * 60 + 30 for _d, start, end in spans)
        assert all(end - start <= 150 for _d, start, end in spans)
        assert m["source"] == "sample" and m["phone"].startswith("139-0000-")


def test_rentals_lie_beside_named_streets(default: District) -> None:
    """Tests that sample rentals are inside the district, beside a named street, addressed."""
    rentals = default.rentals
    assert 5 <= len(rentals) <= 40
    assert rentals["id"].is_unique and rentals["address"].is_unique
    assert (rentals["source"] == "sample").all()
    assert rentals["name"].str.contains("出租屋").all()
    work = rentals.to_crs(default.work_crs)
    streets = default.streets.to_crs(default.work_crs)
    named = streets[streets["name"] != ""].geometry.union_all()
    assert (work.distance(named) <= 15).all()
    street_of = [a.rstrip("0123456789号") for a in rentals["address"]]
    assert set(street_of) <= set(default.streets["name"])


def test_regular_grids_cover_the_boundary(default: District) -> None:
    """Tests that the regular grid covers the boundary without overlaps, cells 0.25-0.6 km²."""
    grids = regular_grids(default).to_crs(default.work_crs)
    boundary = default.boundary.to_crs(default.work_crs).geometry.iloc[0]
    assert grids.area.sum() == pytest.approx(boundary.area, rel=1e-6)
    assert grids.geometry.union_all().symmetric_difference(boundary).area < 10
    assert grids.area.between(0.25e6, 0.6e6).all()
    assert grids["id"].tolist() == [f"G{i + 1:02d}" for i in range(len(grids))]


def test_regular_grids_around_places_leave_no_grid_empty(default: District) -> None:
    """Tests that with places given, every cell holds one and the cells still cover the boundary."""
    work = default.key_areas.to_crs(default.work_crs)
    places = list(work.geometry.representative_point().iloc[::25])
    grids = regular_grids(default, places=places).to_crs(default.work_crs)
    plain = regular_grids(default)
    assert len(grids) < len(plain)
    assert all(any(g.covers(p) for p in places) for g in grids.geometry)
    boundary = default.boundary.to_crs(default.work_crs).geometry.iloc[0]
    assert grids.area.sum() == pytest.approx(boundary.area, rel=1e-6)
