"""Tests of camera view areas and the camera-aware dose discount."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geodata.cameras import CameraError, sector, street_camera_share, view_areas
from planner.patrol.camera_discount import area_camera_share, camera_discount

CRS = "EPSG:32650"
X0, Y0 = 660_000.0, 3_550_000.0  # metres in UTM zone 50N (Nanjing)


def _cams(rows):
    df = pd.DataFrame(rows, columns=["id", "heading", "fov", "range", "x", "y"])
    return gpd.GeoDataFrame(
        df[["id", "heading", "fov", "range"]],
        geometry=gpd.points_from_xy(df["x"], df["y"]),
        crs=CRS,
    ).to_crs("EPSG:4326")


def _streets():
    # An east-west street through the origin and a north-south street 200 m east.
    return gpd.GeoDataFrame(
        {"id": ["ew", "ns"]},
        geometry=[
            LineString([(X0 - 100, Y0), (X0 + 100, Y0)]),
            LineString([(X0 + 200, Y0 - 100), (X0 + 200, Y0 + 100)]),
        ],
        crs=CRS,
    ).to_crs("EPSG:4326")


def test_sector_points_the_right_way():
    """Tests that heading 90 (east) gives a sector east of the camera with the right area."""
    s = sector(0.0, 0.0, 90.0, 90.0, 10.0)
    assert s.centroid.x > 0 and abs(s.centroid.y) < 1e-6
    assert s.area == pytest.approx(math.pi * 100 / 4, rel=0.01)
    disc = sector(0.0, 0.0, float("nan"), 90.0, 10.0)
    assert disc.area == pytest.approx(math.pi * 100, rel=0.01)
    with pytest.raises(CameraError):
        sector(0.0, 0.0, 0.0, 90.0, 0.0)


def test_view_clipped_to_street_corridor():
    """Tests that a disc camera on a street sees only the 24 m wide corridor along it."""
    cams = _cams([("c1", float("nan"), 360.0, 50.0, X0, Y0)])
    raw = view_areas(cams, work_crs=CRS)
    clipped = view_areas(cams, _streets(), work_crs=CRS)
    assert raw.crs.to_string() == "EPSG:4326"
    assert raw["area_m2"].iloc[0] == pytest.approx(math.pi * 2500, rel=0.01)
    # 100 m of street (±50 m) × 24 m corridor, less the round ends of the disc.
    assert 2000 < clipped["area_m2"].iloc[0] < 2400
    share = street_camera_share(_streets(), clipped, work_crs=CRS)
    assert share["ew"] == pytest.approx(0.5, abs=0.01)
    assert share["ns"] == 0.0


def test_camera_facing_away_sees_no_street():
    """Tests that a sector pointing north from 100 m south of the street sees nothing of it."""
    cams = _cams([("c2", 180.0, 60.0, 50.0, X0, Y0 - 100)])
    clipped = view_areas(cams, _streets(), work_crs=CRS)
    assert clipped["area_m2"].iloc[0] == pytest.approx(0.0)


def test_area_discount_from_frontage_share():
    """Tests that an area half of whose frontage is in view gets a 20 % discount."""
    cams = _cams([("c1", float("nan"), 360.0, 50.0, X0, Y0)])
    views = view_areas(cams, _streets(), work_crs=CRS)
    areas = gpd.GeoDataFrame(
        {"id": ["shop", "far"]},
        # "shop" sits 10 m north of the street at x = X0 + 50; "far" is 50 m off the
        # north-south street, beyond the 30 m frontage reach, and outside the view.
        geometry=[Point(X0 + 50, Y0 + 10), Point(X0 + 200, Y0 + 50)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    share = area_camera_share(areas, _streets(), views, work_crs=CRS)
    # Frontage of "shop": the street for x in X0 + 50 ± 28.3 m (30 m reach, 10 m off);
    # the camera's 50 m disc at X0 sees it up to x = X0 + 50: half of it.
    assert share["shop"] == pytest.approx(0.5, abs=0.02)
    assert share["far"] == 0.0
    disc = camera_discount(share)
    assert disc["shop"] == pytest.approx(0.8, abs=0.01)
    assert disc["far"] == 1.0
