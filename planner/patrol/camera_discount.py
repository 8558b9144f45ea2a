"""Camera-aware dose: a key area whose street frontage a camera watches needs less patrol.

The rule, in plain words: an area's *frontage* is the street length within
:data:`FRONTAGE_M` metres of it (the pavement and street a patrol would walk past). The share
``c`` of that frontage inside any camera view (0..1) discounts the area's patrol dose by
``MAX_DISCOUNT × c``: an area fully in view needs 40 % less patrol time than one no camera sees;
one half in view 20 % less. A camera never removes the need for patrol altogether — it records,
but it does not intervene or reassure like a visible patrol, and school gates at drop-off and
pick-up keep their minimum of one visit whatever the cameras see.
An area with no street within reach (a point far from any street) counts as in view when the
point itself lies inside a view area.

Attributes
----------
FRONTAGE_M
    Reach in metres from an area (point or polygon) to the streets that make up its frontage.
MAX_DISCOUNT
    The largest share of dose a camera can take away (for an area fully in view).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from planner.exceptions import PlanInputError

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

logger = logging.getLogger("planner")

FRONTAGE_M = 30.0
MAX_DISCOUNT = 0.4


def area_camera_share(
    key_areas: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    views: gpd.GeoDataFrame,
    *,
    work_crs: CRS | str,
    frontage_m: float = FRONTAGE_M,
) -> pd.Series:
    """Return, per key-area id, the share of its street frontage inside a camera view.

    Parameters
    ----------
    key_areas
        Key areas with ``id`` (Point or Polygon).
    streets
        Street layer.
    views
        Camera view areas (``geodata.cameras.view_areas``).
    work_crs
        Metric CRS.
    frontage_m
        Reach from an area to its frontage streets.

    Returns
    -------
    pandas.Series
        ``camera_share`` in 0..1 indexed by area id.
    """
    if not frontage_m > 0:
        msg = f"Frontage reach must be positive, got {frontage_m}."
        raise PlanInputError(msg)
    ids = key_areas["id"].astype(str).to_numpy()
    if not len(key_areas):
        return pd.Series(dtype=float, name="camera_share")
    areas = key_areas.to_crs(work_crs).geometry.to_numpy()
    if not len(views):
        return pd.Series(0.0, index=ids, name="camera_share")
    seen = shapely.union_all(views.to_crs(work_crs).geometry.to_numpy())
    shapely.prepare(seen)
    lines = streets.to_crs(work_crs).geometry.to_numpy() if len(streets) else np.array([])
    reach = shapely.buffer(areas, frontage_m)
    share = np.zeros(len(areas))
    if len(lines):
        tree = shapely.STRtree(lines)
        for i, zone in enumerate(reach):
            near = tree.query(zone, predicate="intersects")
            if len(near):
                front = shapely.intersection(lines[near], zone)
                total = shapely.length(front).sum()
                if total > 0:
                    inside = shapely.length(shapely.intersection(front, seen)).sum()
                    share[i] = min(1.0, inside / total)
                    continue
            share[i] = 1.0 if shapely.intersects(seen, areas[i]) else 0.0
    else:
        share = shapely.intersects(seen, areas).astype(float)
    return pd.Series(share, index=ids, name="camera_share")


def camera_discount(share: float | pd.Series, *, max_discount: float = MAX_DISCOUNT) -> pd.Series:
    """Return the dose multiplier ``1 - max_discount × share`` (1 = no camera, full dose).

    Parameters
    ----------
    share
        Camera share of the frontage, 0..1 (a number or a Series).
    max_discount
        Discount at full view, 0..1.
    """
    if not 0 <= max_discount <= 1:
        msg = f"Camera discount must be between 0 and 1, got {max_discount}."
        raise PlanInputError(msg)
    s = pd.Series(share, dtype=float) if not isinstance(share, pd.Series) else share
    if ((s < 0) | (s > 1)).any():
        msg = "Camera share must be between 0 and 1."
        raise PlanInputError(msg)
    return 1.0 - max_discount * s
