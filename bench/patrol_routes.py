"""Patrol routes of a district's shift: key areas, school gates, alleys, meal, back to base.

Builds a :class:`~planner.routing.model.RoutingProblem` from a loaded district and its street
network and solves it with :func:`planner.routing.solve.solve_routes`:

- every key area is an optional site worth its priority (or an external value, e.g. the dose
  of ``planner.patrol.demand``), with a short stop;
- on school days, each school and kindergarten gets a mandatory gate visit inside the gate
  windows that fall in the shift (07:20-08:10 and 16:30-17:30 by default; the night shift ends
  at 08:00, so its morning gate visits must start by 08:00 minus the stop);
- named alleys (streets flagged ``alley``) are street segments walked or ridden end to end,
  in either direction; the district's hotspot alley is covered several times, hours apart;
- each group starts and ends at its base post, moves at its own mode's speed, takes a meal
  break at its base, and is back by the end of the shift.

Times in the problem are seconds from the shift start.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.exceptions import ProblemError
from planner.routing.model import MealBreak, RoutingProblem, Site, Vehicle
from planner.routing.solve import RouteParams, RouteResult, solve_routes

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from geodata.network import StreetNetwork

log = logging.getLogger("planner")

HOUR = 3600
DAY_S = 24 * HOUR
SCHOOL_CATEGORIES = ("school", "kindergarten")
SCHOOL_WINDOWS: tuple[tuple[int, int], ...] = (
    (7 * HOUR + 20 * 60, 8 * HOUR + 10 * 60),
    (16 * HOUR + 30 * 60, 17 * HOUR + 30 * 60),
)
"""School-gate windows in seconds from local midnight (drop-off and pick-up)."""


@dataclass(frozen=True, slots=True)
class ShiftSpec:
    """A shift: start (seconds from local midnight), length, and the meal break in it.

    ``meal`` is (earliest start, latest start, duration) in seconds from the shift start.
    """

    name: str
    start: int
    length: int
    meal: tuple[int, int, int] | None = None


DAY = ShiftSpec("day", 8 * HOUR, 12 * HOUR, meal=(int(3.5 * HOUR), 5 * HOUR, 45 * 60))
NIGHT = ShiftSpec("night", 20 * HOUR, 12 * HOUR, meal=(4 * HOUR, 6 * HOUR, 30 * 60))


@dataclass(frozen=True, slots=True)
class Group:
    """A patrol group on duty: its id, travel mode and base post id."""

    id: str
    mode: str
    base_post_id: str


@dataclass(frozen=True, slots=True)
class PatrolOptions:
    """How the district becomes a routing problem.

    Parameters
    ----------
    stop_s
        Dwell at an ordinary key area.
    gate_s
        Dwell at a school gate.
    school_day
        Whether the gate windows apply (school days only).
    value_per_priority
        Value of a key area per priority point when no external value is given.
    alley_value
        Value of walking or riding a named alley.
    hotspot_visits, hotspot_gap_s
        Coverings of the district's hotspot alley per shift and the least time between them.
    meal
        Whether groups take the shift's meal break.
    """

    stop_s: int = 300
    gate_s: int = 300
    school_day: bool = True
    value_per_priority: int = 10
    alley_value: int = 20
    hotspot_visits: int = 3
    hotspot_gap_s: int = 2 * HOUR
    meal: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class PatrolProblem:
    """A shift's routing problem and what its matrix nodes are.

    ``node_ids[k]`` names matrix node ``k``: a key-area id, ``"post:<id>"``, or
    ``"alley:<name>:a"`` / ``":b"`` for an alley's two ends; ``lonlat[k]`` is where it is.
    """

    shift: ShiftSpec
    problem: RoutingProblem
    node_ids: tuple[str, ...]
    lonlat: np.ndarray
    gate_sites: tuple[str, ...] = field(default=())


def groups_from_teams(district: Any) -> list[Group]:
    """Read the groups of the district's teams file, each based at a post in turn.

    Raises
    ------
    ProblemError
        When the district has no groups or no posts.
    """
    teams = getattr(district, "teams", None) or {}
    posts = [str(p) for p in district.posts["id"]]
    groups = teams.get("groups", [])
    if not groups or not posts:
        msg = "The district needs at least one patrol group in teams.toml and one post."
        raise ProblemError(msg)
    return [
        Group(str(g["id"]), str(g.get("default_mode", "foot")), posts[k % len(posts)])
        for k, g in enumerate(groups)
    ]


def _gate_windows(shift: ShiftSpec, dwell: int) -> tuple[tuple[int, int], ...]:
    """Gate windows as start-of-service windows in shift seconds, clipped to the shift."""
    out = []
    for lo, hi in SCHOOL_WINDOWS:
        for day in (0, DAY_S):
            a = lo + day - shift.start
            b = min(hi + day - shift.start, shift.length) - dwell
            a = max(a, 0)
            # Keep the part inside the shift if it is at least half the gate window; the
            # rest (e.g. 08:00-08:10 for the day shift) is left to the other shift.
            if b - a >= 0 and (b + dwell - a) * 2 >= hi - lo:
                out.append((a, b))
    return tuple(sorted(out))


def _alleys(district: Any, network: StreetNetwork) -> list[tuple[str, np.ndarray]]:
    """Each named alley with the lon/lat of its two farthest-apart street nodes."""
    streets = district.streets
    named = streets[streets["alley"].astype(bool) & (streets["name"].fillna("") != "")]
    out = []
    for name, rows in named.groupby("name", sort=True):
        nodes: set[int] = set()
        for sid in rows["id"]:
            nodes.update(network.edge_nodes(str(sid)))
        idx = np.asarray(sorted(nodes))
        ll = network.node_lonlat(idx)
        lat0 = np.radians(ll[:, 1].mean())
        xy = np.column_stack([ll[:, 0] * np.cos(lat0), ll[:, 1]])
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        i, j = np.unravel_index(int(np.argmax(d)), d.shape)
        if i != j:
            out.append((str(name), ll[[i, j]]))
    return out


def patrol_problem(
    district: Any,
    network: StreetNetwork,
    shift: ShiftSpec,
    *,
    groups: Sequence[Group] | None = None,
    values: Mapping[str, int] | None = None,
    options: PatrolOptions | None = None,
) -> PatrolProblem:
    """Build the routing problem of one shift of a district.

    Parameters
    ----------
    district
        A loaded ``geodata.District``.
    network
        Its street network (``geodata.network.StreetNetwork``).
    shift
        The shift, e.g. :data:`DAY` or :data:`NIGHT`.
    groups
        Groups on duty; by default every group of the district's teams file.
    values
        Optional key-area id -> value (e.g. from the dose model), replacing priority values.
    options
        Stop lengths, values, school day, hotspot coverings, meal.

    Returns
    -------
    PatrolProblem
        The problem and the meaning of each matrix node.

    Raises
    ------
    ProblemError
        For an unknown base post, a negative value or a value for an unknown key area.
    """
    from geodata.network import travel_time_matrix

    opt = options or PatrolOptions()
    groups = list(groups) if groups is not None else groups_from_teams(district)
    areas = district.key_areas
    area_ids = [str(a) for a in areas["id"]]
    if values is not None:
        unknown = sorted(set(values) - set(area_ids))
        if unknown:
            msg = f"A value is given for unknown key area id {unknown[0]!r}."
            raise ProblemError(msg)
    reps = areas.geometry.representative_point()
    posts = {str(p): g for p, g in zip(district.posts["id"], district.posts.geometry, strict=True)}
    ids: list[str] = list(area_ids)
    lonlat = [np.column_stack([reps.x.to_numpy(), reps.y.to_numpy()])]
    post_node: dict[str, int] = {}
    for g in groups:
        if g.base_post_id not in posts:
            msg = f"Group {g.id!r} has base post {g.base_post_id!r}, which the district lacks."
            raise ProblemError(msg)
        if g.base_post_id not in post_node:
            post_node[g.base_post_id] = len(ids)
            ids.append(f"post:{g.base_post_id}")
            pt = posts[g.base_post_id]
            lonlat.append(np.array([[pt.x, pt.y]]))
    alleys = _alleys(district, network)
    alley_nodes = []
    for name, ends in alleys:
        alley_nodes.append((name, len(ids), len(ids) + 1))
        ids += [f"alley:{name}:a", f"alley:{name}:b"]
        lonlat.append(ends)
    ll = np.vstack(lonlat)
    modes = sorted({g.mode for g in groups})
    matrices = {m: travel_time_matrix(network, ll, m) for m in modes}

    gate_windows = _gate_windows(shift, opt.gate_s) if opt.school_day else ()
    sites: list[Site] = []
    gates: list[str] = []
    for k, (aid, cat, prio) in enumerate(
        zip(area_ids, areas["category"], areas["priority"], strict=True)
    ):
        value = (
            int(values.get(aid, 0)) if values is not None else int(prio) * opt.value_per_priority
        )
        if value < 0:
            msg = f"Key area {aid!r} has a negative value {value}."
            raise ProblemError(msg)
        if str(cat) in SCHOOL_CATEGORIES and gate_windows:
            sites.append(
                Site(aid, k, value=value, service=opt.gate_s, windows=gate_windows, mandatory=True)
            )
            gates.append(aid)
        else:
            sites.append(Site(aid, k, value=value, service=opt.stop_s))
    hotspot = (district.manifest.get("hotspot_alley") or {}).get("name")
    for name, a, b in alley_nodes:
        hot = name == hotspot
        sites.append(
            Site(
                f"alley:{name}",
                a,
                value=opt.alley_value * (2 if hot else 1),
                exit_node=b,
                visits=opt.hotspot_visits if hot else 1,
                min_gap=opt.hotspot_gap_s if hot else 0,
            )
        )
    vehicles = []
    for g in groups:
        base = post_node[g.base_post_id]
        meal = None
        if opt.meal and shift.meal is not None:
            meal = MealBreak(shift.meal[0], shift.meal[1], shift.meal[2])
        vehicles.append(Vehicle(g.id, base, base, (0, shift.length), mode=g.mode, meal=meal))
    problem = RoutingProblem(matrices, tuple(sites), tuple(vehicles), names=tuple(ids))
    return PatrolProblem(shift, problem, tuple(ids), ll, tuple(gates))


def solve_patrol_shift(
    district: Any,
    network: StreetNetwork,
    shift: ShiftSpec,
    *,
    time_limit: float = 20.0,
    seed: int = 0,
    groups: Sequence[Group] | None = None,
    values: Mapping[str, int] | None = None,
    options: PatrolOptions | None = None,
) -> tuple[PatrolProblem, RouteResult]:
    """Build and solve one shift of a district (see :func:`patrol_problem`).

    Returns
    -------
    tuple of PatrolProblem and RouteResult
        The problem and its routes (times in seconds from the shift start).
    """
    started = time.perf_counter()
    pp = patrol_problem(district, network, shift, groups=groups, values=values, options=options)
    left = max(time_limit - (time.perf_counter() - started), 1.0)
    result = solve_routes(pp.problem, RouteParams(time_limit=left), seed=seed)
    log.info("%s shift: %s", shift.name, result.summary())
    return pp, result
