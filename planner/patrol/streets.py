"""Back alleys as patrol targets: runs of alley streets that a unit rides or walks end to end.

A *run* is a path through a district's alley streets (``alley`` in the streets layer): the
alley streets that share a name, or connected unnamed ones, are cut into paths between their
two ends farthest apart (by walking time), again and again until every alley street is on a
run. A run is a target in its own right (PRACTICE.md, 背街小巷): a unit covers it by riding or
walking its whole length, and the plan records the streets it covered, in order, so the time
can be recomputed street by street.

The district's named hotspot alley (the manifest's ``[hotspot_alley]``) is marked, so its
need can be set above every other run's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from geodata.network import StreetNetwork

RUN_PREFIX = "alley:"
"""Prefix of a run's id (its point ids add ``:a`` and ``:b`` for its two ends)."""

MIN_RUN_M = 30.0
"""Runs shorter than this are left out (a stub of an alley is patrolled on the way)."""

WALK = "foot"
"""The mode whose street times shape the runs (every alley street is open to walkers)."""


@dataclass(frozen=True, slots=True)
class StreetRun:
    """A run of alley streets, ridden or walked end to end.

    Attributes
    ----------
    id
        ``"alley:<name>"`` (with ``/2``, ``/3`` ... for further runs of one name) or
        ``"alley:<first street id>"`` for an unnamed alley.
    name
        The alley's name (empty when unnamed).
    streets
        Street ids in riding order from ``start`` to ``end``.
    forward
        For each street, whether the run travels it from its ``u`` to its ``v``.
    nodes
        Network node indices along the run, ``len(streets) + 1`` of them.
    length_m
        Length in metres.
    hotspot
        Whether the run is (part of) the district's named hotspot alley.
    """

    id: str
    name: str
    streets: tuple[str, ...]
    forward: tuple[bool, ...]
    nodes: tuple[int, ...]
    length_m: float
    hotspot: bool = False

    def seconds(self, network: StreetNetwork, mode: str, *, reverse: bool = False) -> int | None:
        """Return the seconds ``mode`` needs to cover the run (backwards with ``reverse``).

        None when the mode may not travel one of its streets in that direction.
        """
        total = 0
        for sid, fwd in zip(self.streets, self.forward, strict=True):
            backwards = fwd == reverse  # walking the run backwards flips each street
            if not network.can_traverse(sid, mode, reverse=backwards):
                return None
            total += network.edge_time(sid, mode, reverse=backwards)
        return total


def _hotspot(district: Any) -> tuple[str, str]:
    spot = (getattr(district, "manifest", {}) or {}).get("hotspot_alley") or {}
    return str(spot.get("name", "") or ""), str(spot.get("street_id", "") or "")


def alley_runs(district: Any, network: StreetNetwork) -> list[StreetRun]:
    """Cut the district's alley streets into runs (see the module docstring).

    Parameters
    ----------
    district
        A loaded ``geodata.District`` (its ``streets`` layer with ``alley`` and ``name``).
    network
        Its street network.

    Returns
    -------
    list of StreetRun
        The runs, the hotspot alley's first, then by name and id.
    """
    streets = district.streets
    if "alley" not in streets.columns or not len(streets):
        return []
    alley = streets[streets["alley"].astype("boolean").fillna(False).astype(bool)]
    names = alley["name"].fillna("").astype(str)
    hot_name, hot_street = _hotspot(district)
    runs: list[StreetRun] = []
    for name in sorted(set(names)):
        ids = [str(s) for s in alley["id"][names == name]]
        if name:
            runs += _cut(ids, name, network, hot_name, hot_street)
        else:
            for part in _components(ids, network):
                runs += _cut(part, "", network, hot_name, hot_street)
    return sorted(runs, key=lambda r: (not r.hotspot, r.name == "", r.name, r.id))


def _usable(ids: list[str], network: StreetNetwork) -> list[str]:
    return [s for s in ids if network.can_traverse(s, WALK)]


def _components(ids: list[str], network: StreetNetwork) -> list[list[str]]:
    """Split streets into groups that share ends."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ends = {s: network.edge_nodes(s) for s in _usable(ids, network)}
    for u, v in ends.values():
        parent[find(u)] = find(v)
    groups: dict[int, list[str]] = {}
    for s, (u, _v) in ends.items():
        groups.setdefault(find(u), []).append(s)
    return [sorted(g) for _, g in sorted(groups.items())]


def _cut(
    ids: list[str], name: str, network: StreetNetwork, hot_name: str, hot_street: str
) -> list[StreetRun]:
    """Cut streets into runs: the longest path between two ends, then the rest, and so on."""
    left = set(_usable(ids, network))
    runs: list[StreetRun] = []
    while left:
        path = _longest(sorted(left), network)
        if not path:
            break
        streets, forward, nodes = path
        left -= set(streets)
        length = sum(network.edge_length(s) for s in streets)
        if length < MIN_RUN_M:
            continue
        key = name or streets[0]
        rid = f"{RUN_PREFIX}{key}"
        n = sum(r.name == name for r in runs) if name else 0
        if n:
            rid = f"{rid}/{n + 1}"
        hot = bool(hot_name and name == hot_name) or hot_street in streets
        runs.append(StreetRun(rid, name, tuple(streets), tuple(forward), tuple(nodes), length, hot))
    return runs


def _longest(
    ids: list[str], network: StreetNetwork
) -> tuple[list[str], list[bool], list[int]] | None:
    """Return the path between the two ends of ``ids`` farthest apart (walking), if any."""
    ends = {s: network.edge_nodes(s) for s in ids}
    nodes = sorted({n for uv in ends.values() for n in uv})
    index = {n: k for k, n in enumerate(nodes)}
    best: dict[tuple[int, int], tuple[int, str, bool]] = {}  # the quickest of parallel streets
    for s, (u, v) in ends.items():
        t = network.edge_time(s, WALK) + 1  # +1 s: every street counts, even a very short one
        for a, b, fwd in ((u, v, True), (v, u, False)):
            key = (index[a], index[b])
            if key not in best or t < best[key][0]:
                best[key] = (t, s, fwd)
    pairs = sorted(best)
    graph = csr_matrix(
        ([best[p][0] for p in pairs], ([p[0] for p in pairs], [p[1] for p in pairs])),
        shape=(len(nodes), len(nodes)),
    )
    dist, pred = dijkstra(graph, directed=True, return_predecessors=True)
    dist = np.where(np.isinf(dist), -1.0, dist)
    i, j = np.unravel_index(int(np.argmax(dist)), dist.shape)
    if dist[i, j] <= 0:
        return None
    walk = [int(j)]
    while walk[-1] != i:
        walk.append(int(pred[i, walk[-1]]))
    walk.reverse()
    streets, forward = [], []
    for a, b in itertools.pairwise(walk):
        _t, s, fwd = best[(a, b)]
        streets.append(s)
        forward.append(fwd)
    return streets, forward, [nodes[k] for k in walk]
