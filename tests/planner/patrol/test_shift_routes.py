"""Tests of the shift routes' gate-window repair on a hand-made three-point district."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.patrol.inputs import DistrictPoints
from planner.patrol.routes import repair_gate_windows
from planner.plan.document import Route, Stop

OFF = 8 * 3600  # the shift starts at 08:00


@pytest.fixture
def pts() -> DistrictPoints:
    """A post, a school and a shop, 60 s apart on foot."""
    mat = np.full((3, 3), 60, dtype=np.int64)
    np.fill_diagonal(mat, 0)
    lonlat = np.array([[118.78, 32.04], [118.781, 32.04], [118.782, 32.04]])
    return DistrictPoints(
        ("post:P", "s1", "a"), lonlat, ("岗亭", "小学", "商店"), ("", "", ""),
        ("post", "school", "retail"), {"foot": mat},
    )  # fmt: skip


def _stop(kind: str, site: str, area: str | None, t: int, dwell: int = 0) -> Stop:
    return Stop(site, area, site, "x", kind, 118.78, 32.04, t, t, t + dwell, dwell)


@pytest.fixture
def route() -> Route:
    """Base at 08:00, the shop 08:01-08:11, back at 08:12; the shift ends at 20:00."""
    stops = (
        _stop("base", "post:P", None, OFF),
        _stop("visit", "a", "a", OFF + 60, 600),
        _stop("base", "post:P", None, OFF + 720),
    )
    return Route("G", "2026-12-07", "D", "foot", "P", "", "", OFF, OFF + 12 * 3600, stops)


def _dose(window: tuple[int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"area_id": "s1", "category": "school", "windows": (window,), "dwell_s": 600}]
    )


def test_missed_gate_window_is_inserted_where_it_delays_least(pts, route) -> None:
    """Tests that the school goes first (both places delay 11 min; the earlier one wins)."""
    (new,) = repair_gate_windows([route], _dose((0, 3600)), pts, offset_s=OFF)
    assert [s.site_id for s in new.stops] == ["post:P", "s1", "a", "post:P"]
    school, shop, back = new.stops[1:]
    assert (school.arrival, school.start, school.departure) == (OFF + 60, OFF + 60, OFF + 660)
    assert (shop.arrival, shop.start, shop.departure) == (OFF + 720, OFF + 720, OFF + 1320)
    assert back.arrival == OFF + 1380
    assert school.windows == ((OFF, OFF + 3600),)


def test_closed_window_and_made_visits_are_respected(pts, route) -> None:
    """Tests that an unreachable window adds nothing and frozen stops are never moved."""
    (same,) = repair_gate_windows([route], _dose((0, 30)), pts, offset_s=OFF)
    assert same == route
    (later,) = repair_gate_windows([route], _dose((0, 3600)), pts, offset_s=OFF, frozen={"G": 2})
    assert [s.site_id for s in later.stops] == ["post:P", "a", "s1", "post:P"]
    assert later.stops[:2] == route.stops[:2]
    assert later.stops[2].start == OFF + 720
    (skipped,) = repair_gate_windows([route], _dose((0, 3600)), pts, offset_s=OFF, skip=("G",))
    assert skipped == route


def test_an_alley_pushed_later_is_still_ridden_end_to_end() -> None:
    """Tests that a gate post inserted before an alley moves the whole ride, not its start only.

    The alley's stop records its 120 s ride as its dwell (from its start to its departure),
    and the school's 10 min before it must not eat it.
    """
    mat = np.full((4, 4), 60, dtype=np.int64)
    np.fill_diagonal(mat, 0)
    lonlat = np.array([[118.78, 32.04], [118.781, 32.04], [118.782, 32.04], [118.783, 32.04]])
    pts = DistrictPoints(
        ("post:P", "s1", "alley:x:a", "alley:x:b"), lonlat, ("岗亭", "小学", "巷", "巷"),
        ("", "", "", ""), ("post", "school", "alley", "alley"), {"foot": mat},
    )  # fmt: skip
    alley = Stop(
        "alley:x~foot", "alley:x", "巷", "alley", "alley", 118.782, 32.04,
        OFF + 60, OFF + 60, OFF + 180, 120, end_lon=118.783, end_lat=32.04, streets=("e1",),
    )  # fmt: skip
    stops = (_stop("base", "post:P", None, OFF), alley, _stop("base", "post:P", None, OFF + 240))
    route = Route("G", "2026-12-07", "D", "foot", "P", "", "", OFF, OFF + 12 * 3600, stops)
    (new,) = repair_gate_windows([route], _dose((0, 3600)), pts, offset_s=OFF)
    assert [s.site_id for s in new.stops] == ["post:P", "s1", "alley:x~foot", "post:P"]
    school, ridden, back = new.stops[1:]
    assert (school.start, school.departure) == (OFF + 60, OFF + 660)
    assert (ridden.arrival, ridden.start, ridden.departure) == (OFF + 720, OFF + 720, OFF + 840)
    assert ridden.dwell == 120
    assert back.arrival == OFF + 900
