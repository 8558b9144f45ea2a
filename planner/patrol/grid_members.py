"""Grid members and volunteers (网格员、平安志愿者): gate posts near their grid, a walk of it.

They are not the full-time team and are not rostered like it (PRACTICE.md, 群防群治):
teams.toml lists them with their grid and their duty hours (``[[grid_members]]``, e.g.
``"mon-fri 07:00-08:30"``). On each of their duty periods in a plan's horizon this module:

1. gives them a school gate post near their grid whose window lies inside the period
   (drop-off, pick-up: they stand the whole window, a gate of their own grid first, then one
   within :data:`NEAR_M` of it), one post per period, each gate window to one person, the
   gates with the fewest candidates first;
2. fills the rest of the period with a walk of their grid on foot: the places of their grid the
   shift needs most, nearest first, ten minutes each, back in time for the period's end.

Each period is a route of its own kind (``unit_kind`` ``"grid"``), with the person as its one
member and no vehicle. The gate windows they take are left out of the full-time units'
routing problems, so the units go where nobody else stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from geodata.settings import SPEEDS_MPS
from planner import texts
from planner.exceptions import PlanInputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

    import pandas as pd

    from planner.patrol.inputs import DistrictPoints, PlanInputs
    from planner.plan.document import Route

NEAR_M = 600.0
"""A gate this close to a grid (metres) counts as near it."""

WALK_STAY_S = 600
"""Stay at each place of a grid walk."""

WALK_MODE = "foot"
"""Grid members walk."""


@dataclass(frozen=True, slots=True)
class GridPerson:
    """A grid member or volunteer: id, name, grid, kind and duty hours.

    ``hours`` are ``(weekdays, start, end)`` items (:func:`geodata.duty_hours.parse_duty_hours`).
    """

    id: str
    name: str
    grid: str
    kind: str
    hours: tuple[tuple[tuple[int, ...], int, int], ...]


@dataclass(frozen=True, slots=True)
class Duty:
    """One duty period of a grid person on a date, seconds from local midnight."""

    person: GridPerson
    date: date
    start_s: int
    end_s: int


def read_grid_people(teams: Mapping[str, Any]) -> list[GridPerson]:
    """Read ``[[grid_members]]`` of teams.toml (checked by the bundle loader).

    Raises
    ------
    PlanInputError
        For duty hours that cannot be read (one sentence naming the person).
    """
    items = teams.get("grid_members", []) or []
    if not items:
        return []
    from geodata.duty_hours import parse_duty_hours

    out = []
    for item in items:
        pid = str(item.get("id", ""))
        try:
            hours = tuple(parse_duty_hours(h) for h in item.get("hours", []))
        except ValueError as exc:
            msg = f"Grid member {pid} in teams.toml: {exc}"
            raise PlanInputError(msg) from exc
        out.append(
            GridPerson(
                pid,
                str(item.get("name", "")),
                str(item.get("grid", "")),
                str(item.get("kind", "grid_member")),
                hours,
            )
        )
    return out


def duties(people: Sequence[GridPerson], days: Sequence[date]) -> list[Duty]:
    """Return every duty period of every person on the given days, in time order."""
    out = []
    for day in days:
        for p in people:
            for weekdays, start, end in p.hours:
                if day.weekday() in weekdays:
                    out.append(Duty(p, day, start * 60, end * 60))
    return sorted(out, key=lambda d: (d.date, d.start_s, d.person.id))


def gate_candidates(inputs: PlanInputs) -> dict[str, list[str]]:
    """Return gate area id -> the grids it is in or near (its own grid first)."""
    import geopandas as gpd

    district = inputs.district
    grids = district.grids
    if grids is None or not len(grids):
        return {}
    from geodata.categories import CATEGORIES

    areas = district.key_areas
    gates = areas[
        [bool(c in CATEGORIES and CATEGORIES[c].has_gate) for c in areas["category"].astype(str)]
    ]
    if not len(gates):
        return {}
    crs = district.work_crs
    g = grids.to_crs(crs)
    pts = gpd.GeoSeries(gates.geometry.representative_point(), crs=gates.crs).to_crs(crs)
    out = {}
    for aid, p in zip(gates["id"].astype(str), pts, strict=True):
        dist = g.distance(p)
        order = np.argsort(dist.to_numpy(), kind="stable")
        near = [str(g["id"].iloc[k]) for k in order if float(dist.iloc[k]) <= NEAR_M]
        out[aid] = near
    return out


def plan_grid_people(
    inputs: PlanInputs,
    days: Sequence[date],
    gate_windows: Mapping[tuple[str, str], list[tuple[int, int]]],
    need: Mapping[str, pd.DataFrame],
    local_time: Any,
) -> tuple[list[Route], set[tuple[str, str, tuple[int, int]]]]:
    """Plan the grid people's duty periods: their gate posts and grid walks.

    Parameters
    ----------
    inputs
        The district's inputs (teams.toml's ``[[grid_members]]``, grids, key areas, points).
    days
        The plan's days.
    gate_windows
        ``(area id, date)`` -> the area's gate windows that day, seconds from local midnight.
    need
        Date (ISO) -> the day's dose rows of key areas (the walk goes where need is).
    local_time
        ``(date, seconds) -> aware datetime`` (``PlanDocument.local_time``).

    Returns
    -------
    tuple
        The routes (one per duty period with anything to do) and the gate windows taken, as
        ``(area id, date, window)``.
    """
    people = read_grid_people(inputs.district.teams)
    if not people:
        return [], set()
    for p in people:
        for _days, lo, _hi in p.hours:
            if _shift_of(inputs, lo * 60) is None:
                msg = (
                    f"Grid member {p.id} ({p.name}) is on duty from {lo // 60:02d}:{lo % 60:02d}, "
                    "outside every shift of the rules; give duty hours inside a shift."
                )
                raise PlanInputError(msg)
    near = gate_candidates(inputs)
    pts = inputs.points
    taken: set[tuple[str, str, tuple[int, int]]] = set()
    posts: dict[tuple[str, str, int], list[tuple[str, tuple[int, int]]]] = {}
    todo = []
    for (aid, day), windows in gate_windows.items():
        for win in windows:
            todo.append((aid, day, win))
    all_duties = duties(people, days)
    load: dict[str, int] = {}

    def free(d: Duty, win: tuple[int, int]) -> bool:
        # one gate post per duty period, the whole window inside it
        busy = posts.get((d.person.id, d.date.isoformat(), d.start_s), [])
        return d.start_s <= win[0] and win[1] <= d.end_s and not busy

    def options(aid: str, day: str, win: tuple[int, int]) -> list[Duty]:
        grids = near.get(aid, [])
        return [
            d
            for d in all_duties
            if d.date.isoformat() == day and d.person.grid in grids and free(d, win)
        ]

    todo.sort(key=lambda t: (len(options(*t)), t[1], t[2], t[0]))
    for aid, day, win in todo:
        cands = options(aid, day, win)
        if not cands:
            continue
        grids = near.get(aid, [])
        best = min(
            cands,
            key=lambda d: (grids.index(d.person.grid), load.get(d.person.id, 0), d.person.id),
        )
        posts.setdefault((best.person.id, day, best.start_s), []).append((aid, win))
        load[best.person.id] = load.get(best.person.id, 0) + 1
        taken.add((aid, day, win))
    routes = []
    for d in all_duties:
        stands = sorted(
            posts.get((d.person.id, d.date.isoformat(), d.start_s), []), key=lambda x: x[1]
        )
        sid = _shift_of(inputs, d.start_s)
        if sid is None:
            continue
        route = _walk(inputs, pts, d, stands, need.get(d.date.isoformat()), local_time, sid)
        if route is not None:
            routes.append(route)
    return routes, taken


def _shift_of(inputs: PlanInputs, start_s: int) -> str | None:
    """Return the id of the shift template in which a duty period starting then falls."""
    minute = start_s // 60
    for s in inputs.rules.shifts:
        if (
            s.start <= minute < s.start + s.minutes
            or s.start <= minute + 1440 < s.start + s.minutes
        ):
            return s.id
    return None


def _grid_areas(inputs: PlanInputs, grid: str) -> list[str]:
    return sorted(a for a, g in inputs.area_grids.items() if g == grid)


def _walk(
    inputs: PlanInputs,
    pts: DistrictPoints,
    duty: Duty,
    stands: list[tuple[str, tuple[int, int]]],
    need: pd.DataFrame | None,
    local_time: Any,
    shift_id: str,
) -> Route | None:
    """Return a duty period's route: its gate posts, and the grid's places between them."""
    from planner.patrol.routes import check_text
    from planner.plan.document import Route, Stop

    mat = pts.matrices[WALK_MODE]
    want: dict[str, float] = {}
    # A place with windows this shift (a market's hours, a set window) is walked inside them.
    windows: dict[str, tuple[tuple[int, int], ...]] = {}
    offset = next(s.start for s in inputs.rules.shifts if s.id == shift_id) * 60
    if need is not None and len(need):
        for row in need.itertuples(index=False):
            if str(row.shift_id) != shift_id or int(row.visits) <= 0:
                continue
            aid = str(row.area_id)
            want[aid] = max(want.get(aid, 0.0), float(row.value))
            timed = row.windows or row.open_s  # its own windows, else its opening hours
            if timed:
                windows[aid] = tuple((a + offset, b + offset) for a, b in timed)
    places = [a for a in _grid_areas(inputs, duty.person.grid) if a in want]
    places.sort(key=lambda a: (-want[a], a))
    if not stands and not places:
        return None
    plan: list[tuple[str, int, int, str]] = []  # area, start, end, kind
    t = duty.start_s
    here: int | None = None
    fixed = list(stands)

    def go(x: int) -> int:
        return 0 if here is None else int(mat[here, x])

    while True:
        nxt = fixed[0] if fixed else None
        # a walk stop fits before the next post (or the end) when there is time for it
        limit = nxt[1][0] if nxt is not None else duty.end_s
        chosen = None
        for a in places:
            x = pts.at(a)
            arrive = t + go(x)
            if a in windows:
                at = [max(arrive, lo) for lo, hi in windows[a] if max(arrive, lo) <= hi]
                if not at:
                    continue
                arrive = min(at)
            back = arrive + WALK_STAY_S
            if nxt is not None:
                back += int(mat[x, pts.at(nxt[0])])
            if back <= limit and all(a != p[0] for p in plan):
                chosen = (a, x, arrive)
                break
        if chosen is not None:
            a, x, arrive = chosen
            plan.append((a, arrive, arrive + WALK_STAY_S, "visit"))
            here, t = x, arrive + WALK_STAY_S
            continue
        if nxt is None:
            break
        a, (lo, hi) = fixed.pop(0)
        x = pts.at(a)
        plan.append((a, max(lo, t + go(x)), hi, "fixed_post"))
        here, t = x, hi
    if not plan:
        return None
    stops = []
    clock = duty.start_s
    prev: int | None = None
    walked_s = 0  # between the walk's places; the way from home is not counted
    for a, start, end, kind in plan:
        x = pts.at(a)
        leg = 0 if prev is None else int(mat[prev, x])
        arrival = clock + leg
        walked_s += leg
        if prev is None:
            arrival = start  # the person comes to the first place from home
        cat = pts.categories[x]
        check, check_zh = check_text(cat)
        if kind == "fixed_post":
            check_zh, check = texts.both("check_gate_post")
        stops.append(
            Stop(
                site_id=a,
                area_id=a,
                name=pts.names[x],
                category=cat,
                kind=kind,
                lon=float(pts.lonlat[x, 0]),
                lat=float(pts.lonlat[x, 1]),
                arrival=arrival,
                start=start,
                departure=end,
                dwell=end - start,
                name_en=pts.names_en[x],
                windows=((start, start),) if kind == "fixed_post" else (),
                check=check,
                check_zh=check_zh,
            )
        )
        clock, prev = end, x
    day = duty.date.isoformat()
    first, last = stops[0].arrival, stops[-1].departure
    return Route(
        group_id="",
        date=day,
        shift_id=shift_id,
        mode=WALK_MODE,
        base_post_id="",
        start=local_time(day, first).isoformat(),
        end=local_time(day, last).isoformat(),
        start_s=first,
        end_s=last,
        stops=tuple(stops),
        # On foot every street is walked at one pace, so the way is its time at that pace.
        distance_m=round(walked_s * SPEEDS_MPS[WALK_MODE]),
        unit_id=f"{duty.person.id}-{duty.start_s // 3600:02d}{duty.start_s % 3600 // 60:02d}",
        members=(duty.person.id,),
        unit_kind="grid",
    )
