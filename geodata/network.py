"""Street network of a district: graphs per travel mode, snapping, travel-time matrices, paths."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geodata import settings
from geodata.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import ArrayLike, NDArray

    from geodata.bundle import District

__all__ = ["REQUIRED_STREET_COLUMNS", "StreetNetwork", "travel_time_matrix"]

logger = logging.getLogger("geodata")

REQUIRED_STREET_COLUMNS: tuple[str, ...] = ("id", "u", "v", "highway", "length", "oneway")
"""Columns (besides the geometry) that a streets layer needs to become a network."""

_MS = 1000  # shortest paths run on integer milliseconds; results are rounded up to seconds
_ENDPOINT_TOLERANCE_M = 1.0
_PREDECESSOR_CACHE = 1024  # shortest-path trees kept for drawing paths, per mode
_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f", ""})


def _check_mode(mode: str) -> str:
    if mode not in settings.MODES:
        msg = f"Unknown travel mode {mode!r}; expected one of {', '.join(settings.MODES)}."
        raise InputError(msg)
    return mode


def _highway_classes(value: Any) -> list[str]:
    """Split a highway value such as ``"residential"``, ``"a;b"`` or ``"['a', 'b']"``."""
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else value
        parts = str(text).strip("[]").replace(";", ",").split(",")
    return [p.strip().strip("'\"").strip() for p in parts if p.strip().strip("'\"").strip()]


def _show(value: Any) -> str:
    """Repr of a value as a user wrote it (numpy scalars shown as plain numbers)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _as_bool(values: pd.Series, ids: pd.Series, column: str) -> NDArray[np.bool_]:
    if pd.api.types.is_bool_dtype(values):
        flags: NDArray[np.bool_] = values.to_numpy(dtype=bool)
        return flags
    out = np.zeros(len(values), dtype=bool)
    for k, value in enumerate(values.tolist()):
        text = str(value).strip().lower()
        if isinstance(value, (bool, np.bool_)):
            out[k] = bool(value)
        elif text in _TRUE:
            out[k] = True
        elif text not in _FALSE and not (isinstance(value, float) and math.isnan(value)):
            msg = f"Street {ids.iloc[k]!r} has {column} = {_show(value)}; expected true or false."
            raise InputError(msg)
    return out


@dataclass(eq=False)
class _ModeGraph:
    """Directed graph of one mode, with its caches."""

    mode: str
    csr: csr_matrix  # arc weights in integer milliseconds (stored as float64, exact)
    arc_keys: NDArray[np.int64]  # sorted source * n + target of every arc
    arc_piece: NDArray[np.int64]  # street piece realising each arc (the fastest one)
    arc_forward: NDArray[np.bool_]  # whether the arc runs towards the street's v
    street_ms: NDArray[np.int64]  # traversal time of each street row, -1 if not usable
    street_backward: NDArray[np.bool_]  # whether the street may be travelled from v to u
    in_component: NDArray[np.bool_]  # nodes of the largest strongly connected component
    component: NDArray[np.int64]  # their indices
    tree: cKDTree | None  # over the component's metric coordinates
    symmetric: bool  # arcs come in pairs of equal weight (no one-way street binds the mode)
    forward: _RowCache | None = None  # shortest-path rows from sources
    backward: _RowCache | None = None  # rows of the reversed graph (= forward if symmetric)
    reversed_csr: csr_matrix | None = None
    predecessors: dict[int, NDArray[np.int32]] = field(default_factory=dict)


@dataclass(eq=False)
class _RowCache:
    """Shortest-path rows in ms (int32, -1 unreachable) of the sources searched so far.

    ``rows`` is allocated empty, so memory is only taken by the rows that get filled.
    """

    rows: NDArray[np.int32]
    have: NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class _Layout:
    """Nodes and street pieces: each street is split into ``m`` equal pieces (m >= 1).

    Node indices ``0 .. n_osm - 1`` are the street ends (sorted OSM ids); interior nodes of
    split streets follow, with negative ids. Geometries run from ``u`` to ``v``.
    """

    node_ids: NDArray[np.int64]
    node_lonlat: NDArray[np.float64]
    node_xy: NDArray[np.float64]
    street_u: NDArray[np.int64]
    street_v: NDArray[np.int64]
    street_pieces: NDArray[np.int64]  # m per street
    piece_street: NDArray[np.int64]  # street row of each piece
    piece_index: NDArray[np.int64]  # j = 0 .. m - 1 along the street from u
    piece_a: NDArray[np.int64]  # node at the u side of the piece
    piece_b: NDArray[np.int64]  # node at the v side of the piece
    coords: NDArray[np.float64]  # lon/lat vertices of all street geometries (u -> v)
    coord_bounds: NDArray[np.int64]  # street k's vertices are coords[bounds[k]:bounds[k + 1]]
    coord_fraction: NDArray[np.float64]  # metric distance of each vertex from u, normalised

    @classmethod
    def build(
        cls,
        geoms: NDArray[Any],
        lengths: NDArray[np.float64],
        u: NDArray[np.int64],
        v: NDArray[np.int64],
        node_ids: NDArray[np.int64],
        lonlat: NDArray[np.float64],
        xy: NDArray[np.float64],
        to_metric: Transformer,
        max_edge_m: float | None,
    ) -> _Layout:
        coords, which = shapely.get_coordinates(geoms, return_index=True)
        n_streets = len(geoms)
        bounds = np.searchsorted(which, np.arange(n_streets + 1)).astype(np.int64)
        mx, my = to_metric.transform(coords[:, 0], coords[:, 1])
        step = np.zeros(len(coords))
        step[1:] = np.hypot(np.diff(mx), np.diff(my))
        step[bounds[:-1]] = 0.0  # no step into the first vertex of a street
        along = np.cumsum(step)
        along -= np.repeat(along[bounds[:-1]], np.diff(bounds))
        metric_len = along[bounds[1:] - 1]
        fraction = np.divide(
            along,
            np.repeat(metric_len, np.diff(bounds)),
            out=np.zeros_like(along),
            where=np.repeat(metric_len, np.diff(bounds)) > 0,
        )
        if max_edge_m is None:
            pieces = np.ones(n_streets, dtype=np.int64)
        else:
            # Tolerate rounding: a 100.0 m street with max_edge_m = 50 gets 2 pieces, not 3.
            pieces = np.ceil(lengths / max_edge_m * (1 - 1e-9)).astype(np.int64)
            pieces = np.maximum(1, pieces)

        n_osm = len(node_ids)
        n_interior = int((pieces - 1).sum())
        first_interior = n_osm + np.concatenate([[0], np.cumsum(pieces - 1)[:-1]])
        piece_street = np.repeat(np.arange(n_streets, dtype=np.int64), pieces)
        piece_start = np.concatenate([[0], np.cumsum(pieces)[:-1]])
        piece_index = np.arange(len(piece_street)) - np.repeat(piece_start, pieces)
        m = pieces[piece_street]
        interior_a = first_interior[piece_street] + piece_index - 1
        piece_a = np.where(piece_index == 0, u[piece_street], interior_a).astype(np.int64)
        piece_b = np.where(piece_index == m - 1, v[piece_street], interior_a + 1).astype(np.int64)

        node_lonlat, node_xy = lonlat, xy
        if n_interior:
            inner = piece_index > 0  # the u-side node of these pieces is interior
            rows = piece_street[inner]
            frac = piece_index[inner] / m[inner]
            metric = shapely.linestrings(np.column_stack([mx, my]), indices=which)
            points = shapely.line_interpolate_point(metric[rows], frac, normalized=True)
            ixy = shapely.get_coordinates(points)
            to_lonlat = Transformer.from_crs(
                to_metric.target_crs, to_metric.source_crs, always_xy=True
            )
            lon, lat = to_lonlat.transform(ixy[:, 0], ixy[:, 1])
            node_lonlat = np.vstack([lonlat, np.column_stack([lon, lat])])
            node_xy = np.vstack([xy, ixy])
        node_ids = np.concatenate([node_ids, -np.arange(1, n_interior + 1, dtype=np.int64)])
        return cls(
            node_ids=node_ids,
            node_lonlat=node_lonlat,
            node_xy=node_xy,
            street_u=u,
            street_v=v,
            street_pieces=pieces,
            piece_street=piece_street,
            piece_index=piece_index.astype(np.int64),
            piece_a=piece_a,
            piece_b=piece_b,
            coords=coords,
            coord_bounds=bounds,
            coord_fraction=fraction,
        )

    def piece_coords(self, piece: int) -> NDArray[np.float64]:
        """Lon/lat vertices of a piece from its u-side node to its v-side node."""
        k = int(self.piece_street[piece])
        m = int(self.street_pieces[k])
        j = int(self.piece_index[piece])
        lo, hi = self.coord_bounds[k], self.coord_bounds[k + 1]
        frac = self.coord_fraction[lo:hi]
        inner = self.coords[lo:hi][(frac > j / m + 1e-12) & (frac < (j + 1) / m - 1e-12)]
        a, b = self.node_lonlat[self.piece_a[piece]], self.node_lonlat[self.piece_b[piece]]
        return np.vstack([a, inner, b])


class StreetNetwork:
    """Street network of a district that serves every travel mode.

    Nodes are the street ends (``u``/``v`` of the streets layer, OSM node ids, indices
    ``0 .. k - 1`` in ascending id order) and, when streets are split (``max_edge_m``), interior
    points of long streets (negative ids, indices from ``k`` on). Each mode gets its own
    directed graph over them (see `geodata.settings` for speeds, street classes and
    one-way rules), built on first use. Travel times are computed on integer milliseconds and
    rounded up to whole seconds once, at the end, so every matrix is an exact shortest-path
    metric rounded up: it obeys the triangle inequality, and it is symmetric for modes that
    are not bound by one-way streets.

    Build it with `StreetNetwork.from_streets` or `StreetNetwork.from_district`. Only the
    largest strongly connected part of each mode's graph is used for snapping, so every pair
    of snapped points is connected both ways; node indices off that part are refused.

    Examples
    --------
    >>> from geodata.bundle import load_district
    >>> net = StreetNetwork.from_district(load_district())
    >>> stops = net.snap(key_areas_lonlat, "ebike")  # node indices, int64
    >>> seconds = net.matrix(stops, stops, "ebike")  # int64 seconds, node to node
    >>> seconds = travel_time_matrix(net, key_areas_lonlat, "ebike")  # with access legs
    >>> leg = net.path(stops[0], stops[1], "ebike")  # LineString in EPSG:4326 to draw
    >>> u, v = net.edge_nodes("e123-456")  # ends of an alley, then
    >>> net.edge_time("e123-456", "foot")  # seconds to walk it from u to v
    """

    def __init__(self, streets: gpd.GeoDataFrame, layout: _Layout, work_crs: CRS) -> None:
        self._streets = streets
        self._layout = layout
        self._node_ids = layout.node_ids
        self._node_lonlat = layout.node_lonlat
        self._node_xy = layout.node_xy
        self._u = layout.street_u
        self._v = layout.street_v
        self._work_crs = work_crs
        self._to_metric = Transformer.from_crs(settings.STORAGE_CRS, work_crs, always_xy=True)
        self._street_ids: NDArray[np.str_] = streets["id"].astype(str).to_numpy(dtype=str)
        self._street_row = {sid: k for k, sid in enumerate(self._street_ids)}
        self._node_index = {int(n): k for k, n in enumerate(self._node_ids)}
        self._lengths = streets["length"].to_numpy(dtype=float)
        self._oneway = streets["oneway"].to_numpy(dtype=bool)
        self._classes = [_highway_classes(h) for h in streets["highway"].tolist()]
        self._graphs: dict[str, _ModeGraph] = {}
        self._lock = threading.RLock()  # graphs and caches are shared by a web app's threads

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_streets(
        cls,
        streets: gpd.GeoDataFrame,
        *,
        work_crs: str | CRS | None = None,
        max_edge_m: float | None = settings.MAX_EDGE_M,
    ) -> StreetNetwork:
        """Build the network from a streets layer.

        Parameters
        ----------
        streets
            Streets with columns id, u, v, highway, length (metres) and oneway, and LineString
            geometries that run from node ``u`` to node ``v`` (the district bundle's ``streets``
            layer). Geometries in another CRS than EPSG:4326 are converted.
        work_crs
            Metric CRS for snapping distances; by default the UTM zone of the streets.
        max_edge_m
            Split streets longer than this into equal pieces joined by interior nodes, so that
            points snap to a node at most about half this far along the street from where
            they are (see `settings.MAX_EDGE_M`); None keeps only the street ends as nodes.

        Returns
        -------
        StreetNetwork
            The network; per-mode graphs are built on first use.

        Raises
        ------
        InputError
            If the streets are empty, lack a column, have no CRS, duplicate ids or invalid
            values or geometries, or ``max_edge_m`` is not a positive number.
        """
        import geopandas as gpd

        if not isinstance(streets, gpd.GeoDataFrame):
            msg = f"Streets must be a GeoDataFrame, not {type(streets).__name__}."
            raise InputError(msg)
        missing = [c for c in REQUIRED_STREET_COLUMNS if c not in streets.columns]
        if missing:
            msg = f"The streets layer lacks the column(s) {', '.join(missing)}."
            raise InputError(msg)
        if len(streets) == 0:
            msg = "The streets layer is empty; a street network needs at least one street."
            raise InputError(msg)
        if streets.crs is None:
            msg = "The streets layer has no CRS; expected EPSG:4326 longitude/latitude."
            raise InputError(msg)
        streets = streets.reset_index(drop=True)
        if not CRS.from_user_input(streets.crs).equals(CRS.from_user_input(settings.STORAGE_CRS)):
            streets = streets.to_crs(settings.STORAGE_CRS)
        ids = streets["id"].astype(str)
        duplicated = ids[ids.duplicated()]
        if len(duplicated):
            msg = f"The streets layer has the duplicate id {duplicated.iloc[0]!r}."
            raise InputError(msg)
        geoms = streets.geometry.to_numpy()
        bad = ~(shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING)
        bad |= shapely.is_empty(geoms) | (shapely.get_num_points(geoms) < 2)
        if bad.any():
            msg = f"Street {ids[bad].iloc[0]!r} has no LineString geometry of 2 or more points."
            raise InputError(msg)
        lengths = pd.to_numeric(streets["length"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(lengths) | (lengths < 0)
        if bad.any():
            msg = (
                f"Street {ids[bad].iloc[0]!r} has length {_show(streets['length'][bad].iloc[0])}, "
                "not a finite, non-negative number of metres."
            )
            raise InputError(msg)
        for column in ("u", "v"):
            nodes = pd.to_numeric(streets[column], errors="coerce")
            integral = nodes.notna() & (nodes == np.floor(nodes))
            if not integral.all():
                msg = (
                    f"Street {ids[~integral].iloc[0]!r} has {column} = "
                    f"{_show(streets[column][~integral].iloc[0])}; expected an integer node id."
                )
                raise InputError(msg)
        streets = streets.assign(
            id=ids,
            length=lengths,
            oneway=_as_bool(streets["oneway"], ids, "oneway"),
            u=streets["u"].astype(np.int64),
            v=streets["v"].astype(np.int64),
        )

        u_ids = streets["u"].to_numpy(dtype=np.int64)
        v_ids = streets["v"].to_numpy(dtype=np.int64)
        node_ids = np.unique(np.concatenate([u_ids, v_ids]))
        u = np.searchsorted(node_ids, u_ids).astype(np.int64)
        v = np.searchsorted(node_ids, v_ids).astype(np.int64)

        if work_crs is None:
            work_crs = streets.estimate_utm_crs()
        crs = CRS.from_user_input(work_crs)
        if not crs.is_projected:
            msg = f"The work CRS {crs.to_string()} is not a projected (metric) CRS."
            raise InputError(msg)
        if max_edge_m is not None and not (math.isfinite(max_edge_m) and max_edge_m > 0):
            msg = f"max_edge_m must be a positive number of metres or None, not {max_edge_m!r}."
            raise InputError(msg)
        to_metric = Transformer.from_crs(settings.STORAGE_CRS, crs, always_xy=True)

        start = shapely.get_coordinates(shapely.get_point(geoms, 0))
        end = shapely.get_coordinates(shapely.get_point(geoms, -1))
        sx, sy = to_metric.transform(start[:, 0], start[:, 1])
        ex, ey = to_metric.transform(end[:, 0], end[:, 1])
        s_xy, e_xy = np.column_stack([sx, sy]), np.column_stack([ex, ey])

        # Geometries should run from u to v; find any stored the other way round. A node sits
        # where most of its streets put it; a street is reversed when its ends match its
        # nodes better the other way, or when its u and v land on one point (a dead end whose
        # only street is reversed takes its other end's position).
        n_nodes = len(node_ids)
        xy, _ = _vote_positions(np.concatenate([u, v]), np.vstack([s_xy, e_xy]), n_nodes)
        along = np.hypot(*(s_xy - xy[u]).T) + np.hypot(*(e_xy - xy[v]).T)
        against = np.hypot(*(s_xy - xy[v]).T) + np.hypot(*(e_xy - xy[u]).T)
        collapsed = (u != v) & (np.hypot(*(xy[u] - xy[v]).T) < _ENDPOINT_TOLERANCE_M)
        collapsed &= np.hypot(*(s_xy - e_xy).T) >= _ENDPOINT_TOLERANCE_M
        reversed_ = (against + _ENDPOINT_TOLERANCE_M < along) | collapsed
        first = np.where(reversed_[:, None], e_xy, s_xy)
        last = np.where(reversed_[:, None], s_xy, e_xy)
        xy, source = _vote_positions(np.concatenate([u, v]), np.vstack([first, last]), n_nodes)
        ends_lonlat = np.vstack(
            [np.where(reversed_[:, None], end, start), np.where(reversed_[:, None], start, end)]
        )
        lonlat = ends_lonlat[source]
        off = np.hypot(*(first - xy[u]).T) + np.hypot(*(last - xy[v]).T)
        off = off > 2 * _ENDPOINT_TOLERANCE_M
        if off.any():
            logger.warning(
                "%d street(s) do not end at their u/v nodes (first: %s); paths may have gaps",
                int(off.sum()),
                ids[off].iloc[0],
            )
        if reversed_.any():
            logger.info("%d street geometries run from v to u; turned round", int(reversed_.sum()))
            geoms = geoms.copy()
            geoms[reversed_] = shapely.reverse(geoms[reversed_])
        layout = _Layout.build(geoms, lengths, u, v, node_ids, lonlat, xy, to_metric, max_edge_m)
        return cls(streets, layout, crs)

    @classmethod
    def from_district(
        cls, district: District, *, max_edge_m: float | None = settings.MAX_EDGE_M
    ) -> StreetNetwork:
        """Build the network of a district bundle's streets, in the district's work CRS."""
        return cls.from_streets(district.streets, work_crs=district.work_crs, max_edge_m=max_edge_m)

    # ------------------------------------------------------------------ nodes and streets

    @property
    def node_ids(self) -> NDArray[np.int64]:
        """Id of every node by node index: OSM ids of street ends (ascending), then negative ids.

        The negative ids ``-1, -2, ...`` name the interior nodes of split streets.
        """
        return self._node_ids

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self._node_ids)

    @property
    def street_ids(self) -> NDArray[np.str_]:
        """Id of every street, in the order of the streets layer."""
        return self._street_ids

    @property
    def work_crs(self) -> CRS:
        """Metric CRS used for snapping distances."""
        return self._work_crs

    def node_index(self, node_id: int) -> int:
        """Return the node index of a node id (see `node_ids`).

        Raises
        ------
        InputError
            If the network has no such node.
        """
        try:
            return self._node_index[int(node_id)]
        except (KeyError, TypeError, ValueError):
            msg = f"Node {node_id!r} is not a node of the street network."
            raise InputError(msg) from None

    def node_lonlat(self, idx: int | ArrayLike) -> NDArray[np.float64]:
        """Return the (lon, lat) of a node index, or an (n, 2) array for an array of indices.

        Raises
        ------
        InputError
            If an index is not an integer in range.
        """
        nodes = self._check_nodes(idx, "node index")
        return self._node_lonlat[nodes].copy()

    def edge_nodes(self, street_id: str) -> tuple[int, int]:
        """Return the node indices ``(u, v)`` at the two ends of a street (its geometry order)."""
        row = self._street(street_id)
        return int(self._u[row]), int(self._v[row])

    def edge_length(self, street_id: str) -> float:
        """Return the length of a street in metres."""
        return float(self._lengths[self._street(street_id)])

    def can_traverse(self, street_id: str, mode: str, *, reverse: bool = False) -> bool:
        """Return whether a mode may travel a street from u to v (or v to u with ``reverse``).

        A street is traversable when its class is open to the mode, one-way rules allow the
        direction, and both of its ends lie on the mode's connected part (see `reachable`).
        """
        row = self._street(street_id)
        g = self._graph(mode)
        if g.street_ms[row] < 0 or (reverse and not g.street_backward[row]):
            return False
        return bool(g.in_component[self._u[row]] and g.in_component[self._v[row]])

    def edge_time(self, street_id: str, mode: str, *, reverse: bool = False) -> int:
        """Return the whole seconds a mode needs to travel a street end to end.

        This is the time to cover a back alley: ride or walk it from ``u`` to ``v`` (or from
        ``v`` to ``u`` with ``reverse``), rounded up.

        Raises
        ------
        InputError
            If the mode may not travel the street in that direction (see `can_traverse`).
        """
        if not self.can_traverse(street_id, mode, reverse=reverse):
            way = "from v to u" if reverse else "from u to v"
            msg = f"Street {street_id!r} cannot be travelled {way} by {mode}."
            raise InputError(msg)
        ms = int(self._graph(mode).street_ms[self._street(street_id)])
        return (ms + _MS - 1) // _MS

    def edge_times(self, mode: str) -> pd.Series:
        """Return the seconds each street takes a mode (u to v), -1 where the mode cannot go.

        Returns
        -------
        pandas.Series
            Integer seconds indexed by street id.
        """
        g = self._graph(mode)
        ms = g.street_ms
        secs = np.where(ms >= 0, (ms + _MS - 1) // _MS, -1)
        usable = g.in_component[self._u] & g.in_component[self._v]
        secs = np.where(usable, secs, -1)
        return pd.Series(secs.astype(np.int64), index=pd.Index(self._street_ids, name="id"))

    def reachable(self, mode: str) -> NDArray[np.int64]:
        """Return the node indices of the mode's largest strongly connected part.

        Every pair of these nodes is connected both ways; `snap` only returns such nodes.
        """
        return self._graph(mode).component.copy()

    # ------------------------------------------------------------------ snapping

    @overload
    def snap(
        self, lonlat: ArrayLike, mode: str, *, return_distance: Literal[False] = ...
    ) -> NDArray[np.int64]: ...

    @overload
    def snap(
        self, lonlat: ArrayLike, mode: str, *, return_distance: Literal[True]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]: ...

    def snap(
        self, lonlat: ArrayLike, mode: str, *, return_distance: bool = False
    ) -> NDArray[np.int64] | tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Snap points to the nearest node the mode can reach from every other snapped node.

        Parameters
        ----------
        lonlat
            An (n, 2) array of longitude, latitude in EPSG:4326.
        mode
            Travel mode, one of `geodata.settings.MODES`.
        return_distance
            Also return the straight-line distance from each point to its node, in metres.

        Returns
        -------
        numpy.ndarray or tuple of numpy.ndarray
            Node indices (int64), and with ``return_distance`` the distances (float64).

        Raises
        ------
        InputError
            If the points are not an (n, 2) array of finite longitudes and latitudes, the mode
            is unknown, or no street is open to the mode.
        """
        points = _check_lonlat(lonlat)
        g = self._graph(mode)
        if g.tree is None:
            msg = f"No street of the network is open to {mode}, so points cannot be snapped."
            raise InputError(msg)
        if len(points) == 0:
            empty = np.empty(0, dtype=np.int64)
            return (empty, np.empty(0)) if return_distance else empty
        x, y = self._to_metric.transform(points[:, 0], points[:, 1])
        dist, k = g.tree.query(np.column_stack([x, y]), k=1)
        nodes: NDArray[np.int64] = g.component[np.asarray(k, dtype=np.int64)]
        if return_distance:
            return nodes, np.asarray(dist, dtype=float)
        return nodes

    def snap_distance(self, lonlat: ArrayLike, mode: str) -> NDArray[np.float64]:
        """Return the straight-line metres from each point to the node `snap` picks for it."""
        return self.snap(lonlat, mode, return_distance=True)[1]

    # ------------------------------------------------------------------ travel times

    def matrix(self, sources: ArrayLike, targets: ArrayLike, mode: str) -> NDArray[np.int64]:
        """Return the travel times in whole seconds from each source node to each target node.

        One multi-source Dijkstra runs over the distinct sources not computed before; rows are
        kept for later calls on networks of up to `settings.MATRIX_CACHE_MAX_NODES` nodes.

        Parameters
        ----------
        sources, targets
            Node indices on the mode's connected part (as returned by `snap`).
        mode
            Travel mode.

        Returns
        -------
        numpy.ndarray
            An int64 array of shape (len(sources), len(targets)); shortest travel times in
            milliseconds rounded up to seconds.

        Raises
        ------
        InputError
            If the mode is unknown or a node index is out of range or off the mode's
            connected part.
        """
        block, rows, cols = self._block_ms(sources, targets, mode)
        seconds = (block.astype(np.int64) + (_MS - 1)) // _MS  # round up the distinct pairs
        return seconds.take(rows, axis=0).take(cols, axis=1)

    def matrix_ms(self, sources: ArrayLike, targets: ArrayLike, mode: str) -> NDArray[np.int64]:
        """Return the exact shortest travel times in integer milliseconds (see `matrix`)."""
        block, rows, cols = self._block_ms(sources, targets, mode)
        return block.astype(np.int64).take(rows, axis=0).take(cols, axis=1)

    def _block_ms(
        self, sources: ArrayLike, targets: ArrayLike, mode: str
    ) -> tuple[NDArray[np.integer[Any]], NDArray[np.intp], NDArray[np.intp]]:
        """Milliseconds between the distinct sources and targets, and where each pair is."""
        g = self._graph(mode)
        src = self._check_nodes(sources, "source node index", g=g).reshape(-1)
        tgt = self._check_nodes(targets, "target node index", g=g).reshape(-1)
        u_src, rows = np.unique(src, return_inverse=True)
        u_tgt, cols = np.unique(tgt, return_inverse=True)
        if len(src) == 0 or len(tgt) == 0:
            return np.zeros((len(u_src), len(u_tgt)), dtype=np.int64), rows, cols
        return self._rows(g, u_src, u_tgt), rows.reshape(-1), cols.reshape(-1)

    def _rows(
        self, g: _ModeGraph, sources: NDArray[np.int64], targets: NDArray[np.int64]
    ) -> NDArray[np.integer[Any]]:
        """Milliseconds from distinct sources to distinct targets.

        Searches run from the sources, or backwards from the targets on the reversed graph
        when that needs fewer searches (few targets, or their rows already cached). Rows are
        cached on networks of up to `settings.MATRIX_CACHE_MAX_NODES` nodes.
        """
        n = self.n_nodes
        if n > settings.MATRIX_CACHE_MAX_NODES:
            if len(targets) < len(sources):
                back = _to_ms(dijkstra(self._reversed(g), directed=True, indices=targets))
                return back[:, sources].T
            return _to_ms(dijkstra(g.csr, directed=True, indices=sources))[:, targets]
        with self._lock:
            if g.forward is None:
                g.forward = _RowCache(np.empty((n, n), np.int32), np.zeros(n, bool))
            if g.backward is None:
                g.backward = (
                    g.forward
                    if g.symmetric
                    else _RowCache(np.empty((n, n), np.int32), np.zeros(n, bool))
                )
            need_forward = int((~g.forward.have[sources]).sum())
            need_backward = int((~g.backward.have[targets]).sum())
            if need_backward < need_forward:
                _fill(g.backward, targets, self._reversed(g))
                return g.backward.rows[np.ix_(targets, sources)].T
            _fill(g.forward, sources, g.csr)
            return g.forward.rows[np.ix_(sources, targets)]

    def _reversed(self, g: _ModeGraph) -> csr_matrix:
        if g.symmetric:
            return g.csr
        if g.reversed_csr is None:
            g.reversed_csr = g.csr.transpose().tocsr()
            g.reversed_csr.sort_indices()
        return g.reversed_csr

    # ------------------------------------------------------------------ paths

    def path_streets(self, a: int, b: int, mode: str) -> tuple[list[str], list[bool]]:
        """Return the streets of the shortest path from node a to node b and their direction.

        A path that starts or ends at an interior node of a split street lists that street
        although it travels only part of it.

        Returns
        -------
        tuple of list
            Street ids in travel order, and for each whether it is travelled from u to v.
        """
        pieces, forward = self._path_pieces(a, b, mode)
        streets = self._layout.piece_street[pieces]
        keep = np.ones(len(pieces), dtype=bool)
        keep[1:] = (streets[1:] != streets[:-1]) | (forward[1:] != forward[:-1])
        ids = [str(s) for s in self._street_ids[streets[keep]]]
        return ids, [bool(f) for f in forward[keep]]

    def path(self, a: int, b: int, mode: str) -> shapely.LineString:
        """Return the geometry of the shortest path from node a to node b (EPSG:4326).

        The line follows the street geometries of the path's edges, each oriented in the
        direction of travel; it starts at node a and ends at node b. For ``a == b`` it is a
        zero-length line at the node.
        """
        pieces, forward = self._path_pieces(a, b, mode)
        if len(pieces) == 0:
            point = self._node_lonlat[int(a)]
            return shapely.LineString([point, point])
        parts = []
        for k, (piece, fwd) in enumerate(zip(pieces.tolist(), forward.tolist(), strict=True)):
            coords = self._layout.piece_coords(piece)
            if not fwd:
                coords = coords[::-1]
            parts.append(coords if k == 0 else coords[1:])
        return shapely.LineString(np.concatenate(parts))

    def path_length(self, a: int, b: int, mode: str) -> float:
        """Return the length in metres of the shortest path from node a to node b."""
        pieces, _ = self._path_pieces(a, b, mode)
        streets = self._layout.piece_street[pieces]
        return float((self._lengths[streets] / self._layout.street_pieces[streets]).sum())

    def _path_pieces(
        self, a: int, b: int, mode: str
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        g = self._graph(mode)
        a = int(self._check_nodes(a, "path start node index", g=g))
        b = int(self._check_nodes(b, "path end node index", g=g))
        with self._lock:
            pred = g.predecessors.get(a)
            if pred is None:
                _dist, pred = dijkstra(g.csr, directed=True, indices=a, return_predecessors=True)
                if len(g.predecessors) >= _PREDECESSOR_CACHE:
                    g.predecessors.pop(next(iter(g.predecessors)))
                g.predecessors[a] = pred
        nodes = [b]
        while nodes[-1] != a:
            nodes.append(int(pred[nodes[-1]]))
        order = np.asarray(nodes[::-1], dtype=np.int64)
        keys = order[:-1] * self.n_nodes + order[1:]
        pos = np.searchsorted(g.arc_keys, keys)
        return g.arc_piece[pos], g.arc_forward[pos]

    # ------------------------------------------------------------------ internals

    def _street(self, street_id: str) -> int:
        try:
            return self._street_row[str(street_id)]
        except KeyError:
            msg = f"Street {street_id!r} is not in the street network."
            raise InputError(msg) from None

    def _check_nodes(
        self, idx: int | ArrayLike, what: str, *, g: _ModeGraph | None = None
    ) -> NDArray[np.int64]:
        arr = np.asarray(idx)
        if arr.dtype == bool or not (
            np.issubdtype(arr.dtype, np.integer) or (arr.size == 0 and arr.dtype == float)
        ):
            msg = f"The {what} must be integers, not {arr.dtype} values."
            raise InputError(msg)
        arr = arr.astype(np.int64)
        bad = (arr < 0) | (arr >= self.n_nodes)
        if bad.any():
            msg = f"The {what} {int(arr[bad].flat[0])} is out of range 0..{self.n_nodes - 1}."
            raise InputError(msg)
        if g is not None and arr.size:
            off = ~g.in_component[arr]
            if off.any():
                msg = (
                    f"The {what} {int(arr[off].flat[0])} is not on the connected part of the "
                    f"{g.mode} network; snap points with StreetNetwork.snap(..., {g.mode!r})."
                )
                raise InputError(msg)
        return arr

    def _graph(self, mode: str) -> _ModeGraph:
        g = self._graphs.get(mode)
        if g is None:
            _check_mode(mode)
            with self._lock:
                g = self._graphs.get(mode)
                if g is None:
                    g = self._build_graph(mode)
                    self._graphs[mode] = g
        return g

    def _build_graph(self, mode: str) -> _ModeGraph:
        allowed = settings.MODE_HIGHWAYS[mode]
        dismounted = settings.DISMOUNTED_HIGHWAYS[mode]
        speed = settings.SPEEDS_MPS[mode]
        usable = np.zeros(len(self._classes), dtype=bool)
        speeds = np.full(len(self._classes), speed)
        for k, classes in enumerate(self._classes):
            open_ = [c for c in classes if c in allowed]
            usable[k] = bool(open_)
            # A street tagged with several classes is ridden if any of them allows riding.
            if open_ and all(c in dismounted for c in open_):
                speeds[k] = settings.WALK_SPEED_MPS
        lay = self._layout
        piece_len = self._lengths / lay.street_pieces
        piece_ms = np.maximum(1, np.rint(piece_len / speeds * _MS)).astype(np.int64)
        street_ms = np.where(usable, piece_ms * lay.street_pieces, -1).astype(np.int64)
        backward = ~(self._oneway & (mode in settings.ONEWAY_MODES))

        ok = usable[lay.piece_street] & (lay.piece_a != lay.piece_b)
        fwd_pieces = np.flatnonzero(ok)
        back_pieces = fwd_pieces[backward[lay.piece_street[fwd_pieces]]]
        src = np.concatenate([lay.piece_a[fwd_pieces], lay.piece_b[back_pieces]])
        dst = np.concatenate([lay.piece_b[fwd_pieces], lay.piece_a[back_pieces]])
        piece = np.concatenate([fwd_pieces, back_pieces])
        fwd = np.concatenate([np.ones(len(fwd_pieces), bool), np.zeros(len(back_pieces), bool)])
        weight = piece_ms[lay.piece_street[piece]]
        n = self.n_nodes
        keys = src * n + dst
        order = np.lexsort((weight, keys))
        keys, piece, fwd, weight = keys[order], piece[order], fwd[order], weight[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        keys, piece, fwd, weight = keys[first], piece[first], fwd[first], weight[first]
        csr = csr_matrix((weight.astype(np.float64), (keys // n, keys % n)), shape=(n, n))
        csr.sort_indices()

        in_component = np.zeros(n, dtype=bool)
        if len(keys):
            _, labels = connected_components(csr, directed=True, connection="strong")
            touched = np.zeros(n, dtype=bool)
            touched[keys // n] = True
            touched[keys % n] = True
            sizes = np.bincount(labels[touched], minlength=labels.max() + 1)
            largest = int(np.argmax(sizes))
            if sizes[largest] >= 2:
                in_component = labels == largest
        component = np.flatnonzero(in_component).astype(np.int64)
        tree = cKDTree(self._node_xy[component]) if len(component) else None
        if len(component) < n:
            logger.info(
                "%s network: %d of %d nodes on the largest strongly connected part",
                mode,
                len(component),
                n,
            )
        return _ModeGraph(
            mode=mode,
            csr=csr,
            arc_keys=keys,
            arc_piece=piece,
            arc_forward=fwd,
            street_ms=street_ms,
            street_backward=backward,
            in_component=in_component,
            component=component,
            tree=tree,
            symmetric=not bool((self._oneway & usable).any() and mode in settings.ONEWAY_MODES),
        )


def _vote_positions(
    nodes: NDArray[np.int64], xy: NDArray[np.float64], n_nodes: int
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Place each node where most of its observations agree (to 1 m).

    Returns the metric position of every node and, for each, the index of the observation
    that gave it.
    """
    cell = np.floor(xy / _ENDPOINT_TOLERANCE_M).astype(np.int64)
    keys = np.column_stack([nodes, cell])
    _, first, group, counts = np.unique(
        keys, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    votes = counts[group.reshape(-1)]
    # Per node, the observation with most votes (ties: the earliest observation).
    order = np.lexsort((np.arange(len(nodes)), -votes, nodes))
    best = order[np.searchsorted(nodes[order], np.arange(n_nodes))]
    best = first[group.reshape(-1)[best]]
    return xy[best], best


def _fill(cache: _RowCache, sources: NDArray[np.int64], csr: csr_matrix) -> None:
    """Run one multi-source Dijkstra for the sources whose rows are not cached yet."""
    missing = sources[~cache.have[sources]]
    if len(missing):
        cache.rows[missing] = _to_ms(dijkstra(csr, directed=True, indices=missing))
        cache.have[missing] = True


def _to_ms(dist: NDArray[np.float64]) -> NDArray[np.int64]:
    dist = np.atleast_2d(dist)
    out = np.full(dist.shape, -1, dtype=np.int64)
    finite = np.isfinite(dist)
    out[finite] = np.rint(dist[finite]).astype(np.int64)
    return out


def _check_lonlat(lonlat: ArrayLike) -> NDArray[np.float64]:
    try:
        points = np.asarray(lonlat, dtype=float)
    except (TypeError, ValueError):
        msg = "Points must be numbers: an (n, 2) array of longitude, latitude."
        raise InputError(msg) from None
    if points.ndim != 2 or points.shape[1] != 2:
        msg = f"Points must be an (n, 2) array of longitude, latitude, not shape {points.shape}."
        raise InputError(msg)
    finite = np.isfinite(points).all(axis=1)
    if not finite.all():
        msg = f"Point {int(np.flatnonzero(~finite)[0])} has a coordinate that is not finite."
        raise InputError(msg)
    out = (np.abs(points[:, 0]) > 180) | (np.abs(points[:, 1]) > 90)
    if out.any():
        k = int(np.flatnonzero(out)[0])
        msg = (
            f"Point {k} ({points[k, 0]}, {points[k, 1]}) is not a longitude, latitude pair "
            "in EPSG:4326."
        )
        raise InputError(msg)
    return points


def travel_time_matrix(
    network: StreetNetwork,
    lonlat: ArrayLike,
    mode: str,
    *,
    targets: ArrayLike | None = None,
) -> NDArray[np.int64]:
    """Return whole-second travel times between points, snapped to the street network.

    Each point is snapped to its nearest node on the mode's connected part; a trip is the
    access leg from the point to its node (straight line at the mode's speed), the shortest
    path between the nodes, and the access leg from the target's node to the target. The sum
    is taken in milliseconds and rounded up once, so the matrix obeys the triangle inequality
    and is symmetric for modes not bound by one-way streets. Points at the same place
    (including each point and itself) are 0 s apart.

    Parameters
    ----------
    network
        The street network.
    lonlat
        An (n, 2) array of longitude, latitude (EPSG:4326): the sources, and the targets too
        unless ``targets`` is given.
    mode
        Travel mode, one of `geodata.settings.MODES`.
    targets
        Optional (m, 2) array of target points; the result is then (n, m).

    Returns
    -------
    numpy.ndarray
        int64 seconds of shape (n, n), or (n, m) with ``targets``.

    Raises
    ------
    InputError
        If the points or the mode are not valid (see `StreetNetwork.snap`).
    """
    speed = settings.SPEEDS_MPS[_check_mode(mode)]
    nodes, dist = network.snap(lonlat, mode, return_distance=True)
    access = np.rint(dist / speed * _MS).astype(np.int64)
    if targets is None:
        t_nodes, t_access = nodes, access
    else:
        t_nodes, t_dist = network.snap(targets, mode, return_distance=True)
        t_access = np.rint(t_dist / speed * _MS).astype(np.int64)
    seconds = network.matrix_ms(nodes, t_nodes, mode)  # a fresh int64 array, updated in place
    seconds += access[:, None]
    seconds += t_access[None, :]
    seconds += _MS - 1
    seconds //= _MS
    # Points at the same place are 0 s apart (their rows and columns are equal, so the
    # triangle inequality still holds); this includes the diagonal.
    sources = _check_lonlat(lonlat)
    both = sources if targets is None else np.vstack([sources, _check_lonlat(targets)])
    _, place = np.unique(both, axis=0, return_inverse=True)
    place = place.reshape(-1)
    t_place = place if targets is None else place[len(sources) :]
    seconds[place[: len(sources), None] == t_place[None, :]] = 0
    return seconds
