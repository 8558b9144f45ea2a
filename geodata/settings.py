"""Defaults of the street network: CRS, patrol speeds, street classes and one-way rules per mode.

Every value here is a plain module-level default (as in OSMnx's ``settings``); functions take
keyword-only overrides instead of reading anything else. The four travel modes are those of a
Chinese community patrol team: on foot, bicycle, e-bike (电动自行车) and motorcycle.

Attributes
----------
STORAGE_CRS
    CRS of every stored and displayed geometry: WGS 84 longitude/latitude, ``"EPSG:4326"``.
MODES
    The travel modes, in the order used by tables and the user interface.
SPEEDS_MPS
    Patrol speed of each mode in metres per second. These are *patrol* paces, slower than
    commuting, because a patrol looks around, stops at shop fronts and crosses at signals:

    - ``foot``: 4.5 km/h (1.25 m/s). Free walking speed of adults is ~5 km/h (about 1.4 m/s in
      pedestrian studies); a patrol walking and observing goes a little slower.
    - ``bicycle``: 12 km/h (3.33 m/s). Urban cycling averages ~12-16 km/h including stops;
      patrol riding sits at the low end.
    - ``ebike``: 18 km/h (5.0 m/s). The Chinese national standard GB 17761-2018 for electric
      bicycles caps the motor-assisted speed at 25 km/h; in dense downtown traffic with signals
      and mixed non-motor lanes the average is well below the cap.
    - ``motorcycle``: 25 km/h (6.94 m/s). Average urban motor traffic speed in central Chinese
      cities at busy hours is ~20-30 km/h including signal stops.
WALK_SPEED_MPS
    Speed of a mode on a street where its rider has to dismount and push (see
    ``DISMOUNTED_HIGHWAYS``): walking pace, the same as ``SPEEDS_MPS["foot"]``.
MODE_HIGHWAYS
    OSM ``highway=*`` classes each mode may use; a street of any other class is not part of the
    mode's graph. The choices:

    - ``motorway``, ``motorway_link``: no patrol mode (no pedestrians or non-motor vehicles by
      law, and patrols have nothing to guard there).
    - ``trunk``, ``trunk_link``: motorcycle only. In Chinese cities these are mostly urban
      expressways (城市快速路: elevated rings, tunnels) closed to pedestrians, bicycles and
      e-bikes; at-grade trunks usually have a parallel ``primary``/``service`` carriageway.
    - ``primary`` … ``residential``, ``unclassified``, ``road``, ``living_street``, ``service``,
      ``track``: every mode.
    - ``footway``, ``pedestrian``: foot; bicycle and e-bike by dismounting and pushing (Chinese
      pedestrian streets forbid riding, but a patrol may walk its bike through); not motorcycle.
    - ``path``: foot and bicycle ride it; e-bike pushes; not motorcycle.
    - ``cycleway``: foot (the pavement runs beside it), bicycle and e-bike (e-bikes are non-motor
      vehicles in Chinese law and use the non-motor lanes); not motorcycle.
    - ``steps``: foot only (bikes are not carried up stairs on patrol).
    - ``corridor``, ``bridleway``: foot only.
DISMOUNTED_HIGHWAYS
    For each mode, the classes it may use only at ``WALK_SPEED_MPS`` (rider pushing the bike).
ONEWAY_MODES
    Modes bound by one-way streets (``oneway`` True: only from ``u`` to ``v``). E-bikes and
    motorcycles ride with the traffic. Pedestrians are never bound, and patrol bicycles are not
    either: a bicycle may be walked against the flow on the pavement at little cost, and Chinese
    one-way streets usually restrict motor carriageways only. So the foot and bicycle graphs are
    symmetric and so are their travel-time matrices.
MAX_EDGE_M
    Streets longer than this (metres) are split into equal pieces joined by interior nodes, so
    that a point snaps to a node at most ~25 m along the street from the point's nearest
    street position, not to an intersection up to a block away (simplified OSM streets run
    from junction to junction, ~107 m on average in the default district). With 50 m the
    default district has 1,557 nodes instead of 460 street ends, and random points in it lie
    43 m from their node on average instead of 75 m (see bench/results/matrix.md), while a
    2,000-point matrix stays well under a second. None keeps only street ends as nodes.
MATRIX_CACHE_MAX_NODES
    A network keeps every shortest-path row it has computed (one int32 row of milliseconds per
    source node and mode) when it has at most this many nodes (3,000 nodes: at most 36 MB per
    mode); larger networks run a fresh Dijkstra for every call instead.
"""

from __future__ import annotations

from typing import Final

STORAGE_CRS: Final[str] = "EPSG:4326"

MODES: Final[tuple[str, ...]] = ("foot", "bicycle", "ebike", "motorcycle")

SPEEDS_MPS: Final[dict[str, float]] = {
    "foot": 4.5 / 3.6,
    "bicycle": 12.0 / 3.6,
    "ebike": 18.0 / 3.6,
    "motorcycle": 25.0 / 3.6,
}

WALK_SPEED_MPS: Final[float] = SPEEDS_MPS["foot"]

_ROADS: Final[frozenset[str]] = frozenset(
    {
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "road",
        "living_street",
        "service",
        "track",
    }
)

MODE_HIGHWAYS: Final[dict[str, frozenset[str]]] = {
    "foot": _ROADS
    | {"footway", "pedestrian", "path", "cycleway", "steps", "corridor", "bridleway"},
    "bicycle": _ROADS | {"footway", "pedestrian", "path", "cycleway"},
    "ebike": _ROADS | {"footway", "pedestrian", "path", "cycleway"},
    "motorcycle": _ROADS | {"trunk", "trunk_link"},
}

DISMOUNTED_HIGHWAYS: Final[dict[str, frozenset[str]]] = {
    "foot": frozenset(),
    "bicycle": frozenset({"footway", "pedestrian"}),
    "ebike": frozenset({"footway", "pedestrian", "path"}),
    "motorcycle": frozenset(),
}

ONEWAY_MODES: Final[frozenset[str]] = frozenset({"ebike", "motorcycle"})

MAX_EDGE_M: Final[float | None] = 50.0

MATRIX_CACHE_MAX_NODES: Final[int] = 3_000
