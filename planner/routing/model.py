"""Facts of a routing problem: sites, vehicles and per-mode travel-time matrices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from planner.core_errors import ProblemError

if TYPE_CHECKING:
    from collections.abc import Mapping

Window = tuple[int, int]


def _check_windows(windows: tuple[Window, ...], where: str) -> None:
    for lo, hi in windows:
        if hi < lo:
            msg = f"{where} has a time window ending at {hi} before it opens at {lo}."
            raise ProblemError(msg)
        if lo < 0:
            msg = f"{where} has a time window opening at a negative time {lo}."
            raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Site:
    """A place to visit: a point, or a street segment covered by traversing it.

    Parameters
    ----------
    id
        Stable identifier, unique in the problem.
    node
        Matrix index of the site (the entry end for a segment).
    value
        Value collected per visit (non-negative integer).
    service
        Dwell time in seconds once service starts. For a segment the traversal time of the
        vehicle's mode (matrix entry ``node -> exit_node``) is added on top.
    windows
        Allowed intervals for the start of service, in seconds; empty means any time.
    mandatory
        Every one of the ``visits`` must be made.
    visits
        How many times the site is visited in the shift (a hotspot visited k times).
    min_gap
        Minimum seconds between the starts of two visits of this site.
    exit_node
        For a street segment, matrix index of the far end; travel continues from there.
    reversible
        A segment may be traversed from ``exit_node`` to ``node`` too.
    vehicles
        Ids of the vehicles allowed to visit the site; empty means any.
    checkpoint
        Whether a visit counts as a checkpoint stop towards a vehicle's ``max_stops`` (a street
        segment ridden end to end usually does not).
    """

    id: str
    node: int
    value: int = 0
    service: int = 0
    windows: tuple[Window, ...] = ()
    mandatory: bool = False
    visits: int = 1
    min_gap: int = 0
    exit_node: int | None = None
    reversible: bool = True
    vehicles: tuple[str, ...] = ()
    checkpoint: bool = True

    def __post_init__(self) -> None:
        where = f"Site {self.id!r}"
        if self.value < 0:
            msg = f"{where} has a negative value {self.value}."
            raise ProblemError(msg)
        if self.service < 0:
            msg = f"{where} has a negative service time {self.service}."
            raise ProblemError(msg)
        if self.visits < 1:
            msg = f"{where} must be visited at least once, not {self.visits} times."
            raise ProblemError(msg)
        if self.min_gap < 0:
            msg = f"{where} has a negative minimum gap {self.min_gap}."
            raise ProblemError(msg)
        _check_windows(self.windows, where)

    @property
    def is_segment(self) -> bool:
        """Whether the site is a street segment rather than a point."""
        return self.exit_node is not None

    @classmethod
    def fixed_post(
        cls, id: str, node: int, start: int, end: int, *, value: int = 0, **kwargs: object
    ) -> Site:
        """Build a mandatory post held from ``start`` to ``end`` (service is the window length).

        Parameters
        ----------
        id, node, value
            As for :class:`Site`.
        start, end
            The post is taken at ``start`` exactly and held until ``end``.
        **kwargs
            Other :class:`Site` fields, such as ``vehicles``.

        Returns
        -------
        Site
            The post.
        """
        if end < start:
            msg = f"Site {id!r} has a time window ending at {end} before it opens at {start}."
            raise ProblemError(msg)
        return cls(
            id=id,
            node=node,
            value=value,
            service=end - start,
            windows=((start, start),),
            mandatory=True,
            **kwargs,  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class Break:
    """A break of a vehicle: ``duration`` seconds starting in ``[earliest, latest]`` at ``node``.

    ``node`` None means at the vehicle's end node (the base). ``kind`` says what the break is
    for (``"meal"``, ``"rest"``, ...); the solver treats every kind alike.
    """

    earliest: int
    latest: int
    duration: int
    node: int | None = None
    kind: str = "meal"


MealBreak = Break
"""The name of :class:`Break` when a vehicle had at most one break, a meal."""


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One group-shift: where it starts and ends, when, how it moves.

    Parameters
    ----------
    id
        Stable identifier, unique in the problem.
    start, end
        Matrix indices of the start and end (usually the same base).
    window
        Earliest departure and latest return, in seconds.
    mode
        Key of the travel-time matrix this vehicle uses (foot, bicycle, ebike, motorcycle).
    max_duration
        Optional cap on the time from departure to return.
    meal
        Optional meal break (kept first among :attr:`all_breaks`).
    breaks
        Further breaks (a second meal, a rest, a time spent with another unit).
    max_work
        Optional cap on the seconds spent travelling and serving sites (waiting and breaks
        excluded): the rest of the window is left free, e.g. as a reserve for calls.
    max_stops
        Optional cap on the number of checkpoint visits (:attr:`Site.checkpoint`).
    pace
        Optional share of its time a vehicle works (trips and service): its stops are then
        timed as if it worked at that pace, so its free time is spread over its window instead
        of gathered at one end (a reserve for calls all through a shift). Timing only; the
        sequence and the rules are unchanged.
    """

    id: str
    start: int
    end: int
    window: Window
    mode: str = "foot"
    max_duration: int | None = None
    meal: Break | None = None
    breaks: tuple[Break, ...] = ()
    max_work: int | None = None
    max_stops: int | None = None
    pace: float | None = None

    @property
    def all_breaks(self) -> tuple[Break, ...]:
        """The meal (if any), then the other breaks."""
        return ((self.meal,) if self.meal is not None else ()) + tuple(self.breaks)

    def __post_init__(self) -> None:
        where = f"Vehicle {self.id!r}"
        _check_windows((self.window,), where)
        if self.max_duration is not None and self.max_duration < 0:
            msg = f"{where} has a negative maximum duration {self.max_duration}."
            raise ProblemError(msg)
        object.__setattr__(self, "breaks", tuple(self.breaks))
        for m in self.all_breaks:
            if m.duration < 0:
                msg = f"{where} has a {m.kind} break of negative duration {m.duration}."
                raise ProblemError(msg)
            _check_windows(((m.earliest, m.latest),), f"{where}'s {m.kind} break")
        for name in ("max_work", "max_stops"):
            value = getattr(self, name)
            if value is not None and value < 0:
                msg = f"{where} has a negative {name} {value}."
                raise ProblemError(msg)


@dataclass(frozen=True, slots=True, eq=False)
class RoutingProblem:
    """Sites, vehicles and integer-second travel-time matrices keyed by mode.

    Raises
    ------
    ProblemError
        When a matrix is not square or has negative times, when modes or node indices do not
        exist, when ids repeat, or when a site names an unknown vehicle.
    """

    matrices: Mapping[str, np.ndarray]
    sites: tuple[Site, ...]
    vehicles: tuple[Vehicle, ...]
    names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.matrices:
            msg = "The routing problem has no travel-time matrix."
            raise ProblemError(msg)
        n = None
        fixed: dict[str, np.ndarray] = {}
        for mode, mat in self.matrices.items():
            arr = np.asarray(mat)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                msg = f"The travel-time matrix for mode {mode!r} is not square: shape {arr.shape}."
                raise ProblemError(msg)
            if not np.issubdtype(arr.dtype, np.integer):
                msg = f"The travel-time matrix for mode {mode!r} must hold integer seconds."
                raise ProblemError(msg)
            if (arr < 0).any():
                i, j = np.argwhere(arr < 0)[0]
                msg = f"The travel-time matrix for mode {mode!r} has a negative time at [{i}, {j}]."
                raise ProblemError(msg)
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                msg = f"The travel-time matrix for mode {mode!r} has {arr.shape[0]} nodes, not {n}."
                raise ProblemError(msg)
            fixed[mode] = arr.astype(np.int64, copy=False)
        object.__setattr__(self, "matrices", fixed)
        object.__setattr__(self, "sites", tuple(self.sites))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        assert n is not None

        def check_node(node: int, where: str) -> None:
            if not 0 <= node < n:
                msg = f"{where} refers to node {node}, outside the matrix of {n} nodes."
                raise ProblemError(msg)

        vids: set[str] = set()
        for v in self.vehicles:
            if v.id in vids:
                msg = f"Vehicle id {v.id!r} is used twice."
                raise ProblemError(msg)
            vids.add(v.id)
            if v.mode not in fixed:
                msg = f"Vehicle {v.id!r} uses mode {v.mode!r}, which has no travel-time matrix."
                raise ProblemError(msg)
            check_node(v.start, f"Vehicle {v.id!r}")
            check_node(v.end, f"Vehicle {v.id!r}")
            for b in v.all_breaks:
                if b.node is not None:
                    check_node(b.node, f"Vehicle {v.id!r}'s {b.kind} break")
        sids: set[str] = set()
        for s in self.sites:
            if s.id in sids:
                msg = f"Site id {s.id!r} is used twice."
                raise ProblemError(msg)
            sids.add(s.id)
            check_node(s.node, f"Site {s.id!r}")
            if s.exit_node is not None:
                check_node(s.exit_node, f"Site {s.id!r}")
            for vid in s.vehicles:
                if vid not in vids:
                    msg = f"Site {s.id!r} names an unknown vehicle id {vid!r}."
                    raise ProblemError(msg)
        if self.names and len(self.names) != n:
            msg = f"The problem has {len(self.names)} node names for {n} matrix nodes."
            raise ProblemError(msg)

    @property
    def num_nodes(self) -> int:
        """Number of matrix nodes."""
        return int(next(iter(self.matrices.values())).shape[0])

    def site(self, site_id: str) -> Site:
        """Return the site with id ``site_id``.

        Raises
        ------
        ProblemError
            When no site has that id.
        """
        for s in self.sites:
            if s.id == site_id:
                return s
        msg = f"Unknown site id {site_id!r}."
        raise ProblemError(msg)

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """Return the vehicle with id ``vehicle_id``.

        Raises
        ------
        ProblemError
            When no vehicle has that id.
        """
        for v in self.vehicles:
            if v.id == vehicle_id:
                return v
        msg = f"Unknown vehicle id {vehicle_id!r}."
        raise ProblemError(msg)

    @property
    def total_value(self) -> int:
        """Upper bound on the collectable value: every visit of every site."""
        return sum(s.value * s.visits for s in self.sites)


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a route, with its times in seconds.

    ``site_id`` is a site id, or :data:`MEAL` for a break (``visit`` is then the break's index
    in :attr:`Vehicle.all_breaks`). ``visit`` numbers repeat visits of the same site from 0.
    ``node`` is where service starts and ``exit_node`` where the stop is left (they differ for
    a segment traversed from ``node`` to ``exit_node``).
    """

    site_id: str
    visit: int
    node: int
    exit_node: int
    arrival: int
    start: int
    departure: int


MEAL = "__meal__"
"""Site id of a break's stop (the meal and every other kind of break)."""


@dataclass(frozen=True, slots=True)
class Route:
    """The stops of one vehicle in order, with its departure and return times."""

    vehicle_id: str
    stops: tuple[Stop, ...]
    departure: int
    return_time: int

    @property
    def site_ids(self) -> list[str]:
        """Ids of the visited sites in order (meal breaks excluded)."""
        return [s.site_id for s in self.stops if s.site_id != MEAL]
