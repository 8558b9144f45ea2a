"""Camera view areas: sectors or discs clipped to the street corridors a camera can see.

Attributes
----------
CORRIDOR_M
    Half-width in metres of the street corridor a camera watches: a street's centre line
    buffered by this much (a two-lane downtown street with pavements is about 20-25 m wide
    building line to building line). A camera sees along the streets, not through the blocks
    between them, so its view area is its sector intersected with the corridors.
DEFAULT_RANGE_M
    Range of a camera whose ``range`` is missing: 40 m, a typical useful identification range
    of a street dome camera.
ARC_STEP_DEG
    Angular step of the polygon approximating a sector's arc.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import Polygon

from geodata.errors import InputError
from geodata.settings import STORAGE_CRS

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

logger = logging.getLogger("geodata")

CORRIDOR_M = 12.0
DEFAULT_RANGE_M = 40.0
ARC_STEP_DEG = 5.0


class CameraError(InputError):
    """A camera layer that cannot be turned into view areas."""


def sector(x: float, y: float, heading: float, fov: float, range_m: float) -> Polygon:
    """Return a camera's raw view area in a metric CRS: a circular sector or a disc.

    Parameters
    ----------
    x, y
        Camera position in metres.
    heading
        View direction in degrees, 0 = north, clockwise; NaN = all-round.
    fov
        Field of view in degrees; 360 (or more) or NaN = all-round disc.
    range_m
        Viewing range in metres.

    Returns
    -------
    shapely.Polygon
        The sector (apex at the camera) or the disc.
    """
    if not range_m > 0:
        msg = f"Camera range must be positive, got {range_m}."
        raise CameraError(msg)
    if math.isnan(heading) or math.isnan(fov) or fov >= 360:
        return shapely.Point(x, y).buffer(range_m, quad_segs=16)
    if not fov > 0:
        msg = f"Camera field of view must be positive, got {fov}."
        raise CameraError(msg)
    n = max(2, math.ceil(fov / ARC_STEP_DEG) + 1)
    angles = np.radians(np.linspace(heading - fov / 2, heading + fov / 2, n))
    ring = [(x, y)] + [(x + range_m * math.sin(a), y + range_m * math.cos(a)) for a in angles]
    return Polygon(ring)


def _work_crs(gdf: gpd.GeoDataFrame, work_crs: CRS | str | None) -> CRS:
    if work_crs is not None:
        return CRS.from_user_input(work_crs)
    crs = gdf.estimate_utm_crs()
    if crs is None:
        msg = "Cannot choose a metric CRS for the cameras; give work_crs."
        raise CameraError(msg)
    return CRS.from_user_input(crs)


def street_corridors(
    streets: gpd.GeoDataFrame, work_crs: CRS | str, *, corridor_m: float = CORRIDOR_M
) -> BaseGeometry:
    """Return the union of the streets buffered by ``corridor_m``, in ``work_crs``."""
    lines = streets.to_crs(work_crs).geometry.to_numpy()
    return shapely.union_all(shapely.buffer(lines, corridor_m, cap_style="flat"))


def view_areas(
    cameras: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame | None = None,
    *,
    work_crs: CRS | str | None = None,
    corridor_m: float = CORRIDOR_M,
) -> gpd.GeoDataFrame:
    """Return each camera's view area, clipped to the street corridors when streets are given.

    Parameters
    ----------
    cameras
        Camera layer (EPSG:4326 or any CRS): ``id``, ``heading`` (deg, 0 = north, clockwise,
        NaN = all-round), ``fov`` (deg), ``range`` (m), Point geometry.
    streets
        Street layer; when given, each view is intersected with the street corridors
        (:data:`CORRIDOR_M`), since a camera watches the street, not the buildings.
    work_crs
        Metric CRS for the geometry; default the UTM zone of the cameras.
    corridor_m
        Corridor half-width in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``area_m2`` and the view area geometry (EPSG:4326), one row per camera in the
        layer's order (an empty geometry when a camera sees no street).

    Raises
    ------
    CameraError
        For a layer without CRS, a camera that is not a point, or a bad range or field of view.
    """
    if cameras.crs is None:
        msg = "The cameras layer has no CRS."
        raise CameraError(msg)
    ids = cameras["id"].astype(str) if "id" in cameras.columns else pd.Series(
        [str(i) for i in range(len(cameras))], index=cameras.index
    )  # fmt: skip
    if not len(cameras):
        return gpd.GeoDataFrame(
            {"id": pd.Series(dtype=str), "area_m2": pd.Series(dtype=float)},
            geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
            crs=STORAGE_CRS,
        )
    crs = _work_crs(cameras, work_crs)
    pts = cameras.to_crs(crs)
    n = len(cameras)
    heading = pd.to_numeric(cameras.get("heading", pd.Series(np.nan, index=cameras.index)))
    fov = pd.to_numeric(cameras.get("fov", pd.Series(360.0, index=cameras.index)))
    rng = pd.to_numeric(cameras.get("range", pd.Series(DEFAULT_RANGE_M, index=cameras.index)))
    geoms: list[BaseGeometry] = []
    for i in range(n):
        g = pts.geometry.iloc[i]
        if g is None or g.is_empty or g.geom_type != "Point":
            msg = f"Camera {ids.iloc[i]!r} is not a point."
            raise CameraError(msg)
        r = float(rng.iloc[i]) if not math.isnan(rng.iloc[i]) else DEFAULT_RANGE_M
        try:
            geoms.append(sector(g.x, g.y, float(heading.iloc[i]), float(fov.iloc[i]), r))
        except CameraError as exc:
            msg = f"Camera {ids.iloc[i]!r}: {exc}"
            raise CameraError(msg) from None
    views = np.asarray(geoms, dtype=object)
    if streets is not None and len(streets):
        corridor = street_corridors(streets, crs, corridor_m=corridor_m)
        shapely.prepare(corridor)
        views = shapely.intersection(views, corridor)
    out = gpd.GeoDataFrame(
        {"id": ids.to_numpy(), "area_m2": shapely.area(views)},
        geometry=gpd.GeoSeries(views, crs=crs),
        crs=crs,
    )
    return out.to_crs(STORAGE_CRS)


def street_camera_share(
    streets: gpd.GeoDataFrame,
    views: gpd.GeoDataFrame,
    *,
    work_crs: CRS | str,
) -> pd.Series:
    """Return, per street id, the share of its length inside any camera view (0..1).

    Parameters
    ----------
    streets
        Street layer with ``id``.
    views
        View areas (:func:`view_areas`).
    work_crs
        Metric CRS.
    """
    lines = streets.to_crs(work_crs).geometry.to_numpy()
    length = shapely.length(lines)
    if not len(views):
        return pd.Series(0.0, index=streets["id"].astype(str), name="camera_share")
    seen = shapely.union_all(views.to_crs(work_crs).geometry.to_numpy())
    shapely.prepare(seen)
    inside = shapely.length(shapely.intersection(lines, seen))
    share = np.where(length > 0, np.clip(inside / np.maximum(length, 1e-9), 0, 1), 0.0)
    return pd.Series(share, index=streets["id"].astype(str), name="camera_share")
