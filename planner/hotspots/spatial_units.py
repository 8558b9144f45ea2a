"""Spatial units a forecast is scored on: grid cells and street segments.

A unit set maps incident coordinates (metres, in the points' CRS) to unit indices, knows each
unit's measure (a cell's area, a segment's length) and smooths per-unit counts with a Gaussian
kernel, so that every map of :mod:`planner.hotspots.forecast_evaluation` is written once for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import shapely
from scipy import sparse
from scipy.ndimage import gaussian_filter

from planner.exceptions import IncidentError
from planner.hotspots.incident_points import REGION_BUFFER_CELLS, Grid, study_region

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

SNAP_M = 50.0
"""An incident belongs to the nearest street segment within this many metres, else to none."""

KERNEL_CUTOFF = 3.0
"""Segment smoothing ignores segments farther apart than this many bandwidths."""


class Units(Protocol):
    """What the evaluation needs of a set of spatial units."""

    kind: str
    measure: NDArray[np.float64]

    def assign(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the unit index of each point, or -1 for a point in no unit."""
        ...

    def smooth(self, values: NDArray[np.float64], bandwidth_m: float) -> NDArray[np.float64]:
        """Return ``values`` (per unit) spread by a Gaussian kernel of ``bandwidth_m``."""
        ...


@dataclass(frozen=True, slots=True)
class CellUnits:
    """The cells of a grid's study region (:func:`planner.hotspots.incident_points.study_region`).

    Attributes
    ----------
    grid
        The grid.
    region
        Flat boolean mask of the grid cells that are units.
    """

    grid: Grid
    region: NDArray[np.bool_]
    kind: str = "cell"

    @classmethod
    def footprint(cls, grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64]) -> CellUnits:
        """Return the cells within :data:`REGION_BUFFER_CELLS` cells of a cell with a point."""
        counts = grid.counts(grid.index(x, y))
        return cls(grid, np.asarray(study_region(counts), dtype=bool).ravel())

    @property
    def measure(self) -> NDArray[np.float64]:
        """Area of each unit in m²."""
        return np.full(int(self.region.sum()), self.grid.cell**2)

    def assign(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the unit index of each point, or -1 outside the region."""
        flat = self.grid.index(x, y)
        lookup = np.full(self.grid.nx * self.grid.ny, -1, dtype=np.int64)
        lookup[self.region] = np.arange(int(self.region.sum()))
        return np.where(flat >= 0, lookup[np.maximum(flat, 0)], -1)

    def smooth(self, values: NDArray[np.float64], bandwidth_m: float) -> NDArray[np.float64]:
        """Return the values smoothed on the grid (cells outside the region count as 0)."""
        full = np.zeros(self.grid.nx * self.grid.ny)
        full[self.region] = values
        out = gaussian_filter(
            full.reshape(self.grid.ny, self.grid.nx), bandwidth_m / self.grid.cell
        )
        return np.asarray(out.ravel()[self.region], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SegmentUnits:
    """Street segments: lines in a metric CRS, incidents snapped within :data:`SNAP_M`."""

    lines: NDArray[np.object_]
    ids: tuple[str, ...]
    kind: str = "segment"
    _kernels: dict[float, sparse.csr_matrix] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_streets(cls, streets: gpd.GeoDataFrame, crs: str) -> SegmentUnits:
        """Return the segments of a streets layer (with ``id``) projected to ``crs``.

        Raises
        ------
        IncidentError
            When the layer holds no line.
        """
        layer = streets[~streets.geometry.is_empty & streets.geometry.notna()].to_crs(crs)
        if not len(layer):
            msg = "The district has no street segment to evaluate the forecast on."
            raise IncidentError(msg)
        ids = tuple(str(i) for i in layer["id"]) if "id" in layer else tuple(map(str, layer.index))
        return cls(np.asarray(layer.geometry.to_numpy()), ids)

    @property
    def measure(self) -> NDArray[np.float64]:
        """Length of each segment in metres (at least 1 m)."""
        return np.maximum(np.asarray(shapely.length(self.lines), dtype=np.float64), 1.0)

    def assign(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the nearest segment within :data:`SNAP_M` of each point, or -1."""
        out = np.full(len(x), -1, dtype=np.int64)
        if not len(x):
            return out
        tree = shapely.STRtree(self.lines)
        pts = shapely.points(x, y)
        pi, si = tree.query_nearest(pts, max_distance=SNAP_M, all_matches=False)
        out[pi] = si
        return out

    def smooth(self, values: NDArray[np.float64], bandwidth_m: float) -> NDArray[np.float64]:
        """Return the values spread between segments by a Gaussian kernel of their distance."""
        k = self._kernels.get(bandwidth_m)
        if k is None:
            tree = shapely.STRtree(self.lines)
            i, j = tree.query(self.lines, predicate="dwithin", distance=KERNEL_CUTOFF * bandwidth_m)
            d = shapely.distance(self.lines[i], self.lines[j])
            k = sparse.csr_matrix(
                (np.exp(-0.5 * (d / bandwidth_m) ** 2), (i, j)), shape=(len(self.lines),) * 2
            )
            self._kernels[bandwidth_m] = k
        return np.asarray(k @ values, dtype=np.float64)


__all__ = ["REGION_BUFFER_CELLS", "SNAP_M", "CellUnits", "SegmentUnits", "Units"]
