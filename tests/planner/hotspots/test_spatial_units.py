"""Tests of the spatial units: grid cells of a study region and street segments."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from planner.exceptions import IncidentError
from planner.hotspots.incident_points import Grid
from planner.hotspots.spatial_units import CellUnits, SegmentUnits


def test_cells_outside_the_region_are_no_unit():
    """Tests that points in cells outside the region or the grid get -1."""
    region = np.array([True, False, True, True])
    units = CellUnits(Grid(0.0, 0.0, 2, 2, 100.0), region)
    x = np.array([50.0, 150.0, 50.0, 150.0, 500.0])
    y = np.array([50.0, 50.0, 150.0, 150.0, 50.0])
    assert units.assign(x, y).tolist() == [0, -1, 1, 2, -1]
    assert units.measure.tolist() == [10_000.0] * 3


def test_segments_snap_within_fifty_metres():
    """Tests that a point joins the nearest segment within 50 m and no segment beyond."""
    streets = gpd.GeoDataFrame(
        {"id": ["a", "b"]},
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, 200), (100, 200)])],
        crs="EPSG:32650",
    )
    units = SegmentUnits.from_streets(streets, "EPSG:32650")
    got = units.assign(np.array([50.0, 50.0, 50.0]), np.array([10.0, 170.0, 100.0]))
    assert got.tolist() == [0, 1, -1]
    assert units.measure.tolist() == [100.0, 100.0]
    assert units.ids == ("a", "b")


def test_segment_smoothing_reaches_near_segments_only():
    """Tests that the segment kernel spreads counts to segments within three bandwidths."""
    streets = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[
            LineString([(0, 0), (100, 0)]),
            LineString([(0, 50), (100, 50)]),
            LineString([(0, 1000), (100, 1000)]),
        ],
        crs="EPSG:32650",
    )
    units = SegmentUnits.from_streets(streets, "EPSG:32650")
    s = units.smooth(np.array([1.0, 0.0, 0.0]), 50.0)
    assert s[0] == pytest.approx(1.0)
    assert s[1] == pytest.approx(np.exp(-0.5))
    assert s[2] == 0.0


def test_district_without_streets_is_refused():
    """Tests that an empty streets layer is named in one sentence."""
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    with pytest.raises(IncidentError, match="no street segment"):
        SegmentUnits.from_streets(empty, "EPSG:32650")
