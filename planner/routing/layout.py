"""A routing problem expanded into the routing solver's nodes: depots, visit copies, breaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.routing.model import RoutingProblem


@dataclass(slots=True)
class Layout:
    """The problem expanded into routing nodes: depots, then one node per visit option.

    A site visited k times has k copies; a reversible segment has two orientations per copy
    (a disjunction picks at most one); every break is one node of its vehicle.
    """

    problem: RoutingProblem
    entry: list[int] = field(default_factory=list)
    exit: list[int] = field(default_factory=list)
    dwell: list[int] = field(default_factory=list)
    segment: list[bool] = field(default_factory=list)
    site: list[int] = field(default_factory=list)  # site index, or -1 - vehicle for a break
    copy: list[int] = field(default_factory=list)
    depot_of: dict[int, int] = field(default_factory=dict)  # matrix node -> routing node
    groups: list[list[int]] = field(default_factory=list)  # one disjunction per site copy
    group_site: list[int] = field(default_factory=list)
    break_nodes: dict[int, list[int]] = field(default_factory=dict)  # vehicle -> its breaks
    stagger: bool = False  # repeat-visit gaps as staggered windows instead of constraints

    @classmethod
    def build(cls, problem: RoutingProblem, *, stagger: bool = False) -> Layout:
        """Expand ``problem`` into routing nodes.

        With ``stagger``, the k visits of a site with a minimum gap get disjoint windows
        (the shift cut into k slots, each shortened by the gap), so the gaps hold without
        side constraints; this is stricter but keeps large problems fast to search.
        """
        lo = min((v.window[0] for v in problem.vehicles), default=0)
        hi = max((v.window[1] for v in problem.vehicles), default=0)
        fits = all(
            (hi - lo) // s.visits > s.min_gap for s in problem.sites if s.visits > 1 and s.min_gap
        )
        lay = cls(problem, stagger=stagger and fits)
        for v in problem.vehicles:
            for node in (v.start, v.end):
                if node not in lay.depot_of:
                    lay.depot_of[node] = lay._add(node, node, 0, False, -1, 0)
        for si, s in enumerate(problem.sites):
            for c in range(s.visits):
                opts = [lay._add(s.node, s.exit_node or s.node, s.service, s.is_segment, si, c)]
                if s.is_segment and s.reversible and s.exit_node != s.node:
                    assert s.exit_node is not None
                    opts.append(lay._add(s.exit_node, s.node, s.service, True, si, c))
                lay.groups.append(opts)
                lay.group_site.append(si)
        for vi, v in enumerate(problem.vehicles):
            for k, b in enumerate(v.all_breaks):
                node = v.end if b.node is None else b.node
                lay.break_nodes.setdefault(vi, []).append(
                    lay._add(node, node, b.duration, False, -1 - vi, k)
                )
        return lay

    def is_break(self, node: int) -> bool:
        """Whether a routing node is a vehicle's break."""
        return self.site[node] < 0 and node not in self._depots()

    def _depots(self) -> set[int]:
        return set(self.depot_of.values())

    def _add(self, entry: int, exit: int, dwell: int, seg: bool, site: int, copy: int) -> int:
        self.entry.append(entry)
        self.exit.append(exit)
        self.dwell.append(dwell)
        self.segment.append(seg)
        self.site.append(site)
        self.copy.append(copy)
        return len(self.entry) - 1

    @property
    def size(self) -> int:
        """Number of routing nodes."""
        return len(self.entry)

    def travel(self, mode: str) -> np.ndarray:
        """Travel cost between routing nodes: traversal of the source, then the street trip."""
        mat = self.problem.matrices[mode]
        entry = np.asarray(self.entry)
        exit_ = np.asarray(self.exit)
        trav = np.where(self.segment, mat[entry, exit_], 0)
        out: np.ndarray = mat[np.ix_(exit_, entry)] + trav[:, None]
        np.fill_diagonal(out, 0)
        return out

    def transit(self, mode: str) -> np.ndarray:
        """Time from the start of service at one node to arrival at the next."""
        out: np.ndarray = self.travel(mode) + np.asarray(self.dwell)[:, None]
        np.fill_diagonal(out, 0)
        return out

    def windows(self, node: int) -> list[tuple[int, int]]:
        """Start-of-service windows of a routing node, empty for any time."""
        si = self.site[node]
        if si >= 0:
            site = self.problem.sites[si]
            if not (self.stagger and site.visits > 1 and site.min_gap > 0):
                return list(site.windows)
            lo = min(v.window[0] for v in self.problem.vehicles)
            hi = max(v.window[1] for v in self.problem.vehicles)
            if site.windows:
                lo = max(lo, min(w[0] for w in site.windows))
                hi = min(hi, max(w[1] for w in site.windows))
            slot = (hi - lo) // site.visits
            a = lo + self.copy[node] * slot
            b = a + slot - site.min_gap
            if not site.windows:
                return [(a, b)]
            cut = [(max(a, x), min(b, y)) for x, y in site.windows if max(a, x) <= min(b, y)]
            return cut or [(a, a)]
        if si == -1 and node in self.depot_of.values():
            return []
        brk = self.problem.vehicles[-1 - si].all_breaks[self.copy[node]]
        return [(brk.earliest, brk.latest)]

    def banned_nodes(self, vehicle: int) -> list[int]:
        """Routing nodes a vehicle may not serve: others' breaks, sites kept for others."""
        vid = self.problem.vehicles[vehicle].id
        out = [n for vi, ns in self.break_nodes.items() if vi != vehicle for n in ns]
        for g, si in zip(self.groups, self.group_site, strict=True):
            allowed = self.problem.sites[si].vehicles
            if allowed and vid not in allowed:
                out.extend(g)
        return sorted(out)

    def work(self, mode: str) -> np.ndarray:
        """Work from the start of service at one node to arrival at the next.

        That is the service and the trip, but not the time spent on a break.
        """
        out: np.ndarray = self.transit(mode)
        rest = [n for ns in self.break_nodes.values() for n in ns]
        if rest:
            out[rest, :] -= np.asarray(self.dwell)[rest][:, None]
            np.fill_diagonal(out, 0)
        return out

    def checkpoints(self) -> list[int]:
        """Per routing node, 1 when a visit there counts towards a vehicle's ``max_stops``."""
        return [int(si >= 0 and self.problem.sites[si].checkpoint) for si in self.site]

    def value(self, node: int) -> int:
        """Value collected at a routing node."""
        si = self.site[node]
        return self.problem.sites[si].value if si >= 0 else 0

    def horizon(self) -> int:
        """Latest time anything can happen."""
        return max(v.window[1] for v in self.problem.vehicles)
