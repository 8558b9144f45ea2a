"""Tests of the patrol dose: visits, stays, caps, gate windows and camera discount."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from planner.exceptions import ProblemError
from planner.hotspots.risk import HOURS_OF_WEEK, RiskTable
from planner.patrol.demand import (
    DoseParams,
    DoseShift,
    area_windows,
    compute_dose,
    dose_to_sites,
    school_day,
)

WED = date(2026, 6, 10)  # a Wednesday in term time
DAY = DoseShift("D", WED, 8 * 60, 20 * 60)
NIGHT = DoseShift("N", WED, 20 * 60, 8 * 60)


def _risk(levels: dict[str, float], *, hot=(), pinned=()):
    """Flat hourly risk per area; the mean over all areas and hours is the reference."""
    ids = list(levels)
    hourly = pd.DataFrame(
        np.array([[levels[i]] * HOURS_OF_WEEK for i in ids]),
        index=pd.Index(ids, name="id"),
        columns=range(HOURS_OF_WEEK),
    )
    info = pd.DataFrame(
        {
            "hotspot": [i in hot or i in pinned for i in ids],
            "pinned": [i in pinned for i in ids],
        },
        index=hourly.index,
    )
    return RiskTable("area", hourly, info)


def _areas(cats: dict[str, str]):
    return pd.DataFrame({"id": list(cats), "name": list(cats), "category": list(cats.values())})


def test_visits_follow_relative_risk_and_cap():
    """Tests visits = floor(relative risk), 15-minute stays for high risk, and the cap."""
    # Nine riskless fillers make the mean hourly risk over 12 areas exactly 1.0, so the
    # relative risks are 0.8, 2.5 and 8.7.
    levels = {"mid": 0.8, "high": 2.5, "huge": 8.7} | {f"f{i}": 0.0 for i in range(9)}
    risk = _risk(levels)
    areas = _areas({k: "bank" if k == "high" else "convenience" for k in levels})
    dose = compute_dose(risk, areas, [DAY]).set_index("area_id")
    assert set(dose.index) == {"high", "huge"}
    assert dose.loc["high", "visits"] == 2
    assert dose.loc["high", "dwell_s"] == 900 and dose.loc["high", "needed_minutes"] == 30
    # 8.7 relative risk asks for 8 visits; the cap allows 4 (and 4 × 15 min <= 20 % of 12 h).
    assert dose.loc["huge", "visits"] == 4 and dose.loc["huge", "capped"]
    assert dose.loc["huge", "min_gap_s"] == int(0.5 * 12 * 3600 / 4)
    # A tighter time cap: 5 % of 12 h = 36 min fits 2 stays of 15 min.
    tight = compute_dose(risk, areas, [DAY], params=DoseParams(max_share=0.05))
    assert tight.set_index("area_id").loc["huge", "visits"] == 2


def test_hotspot_and_pin_get_visits():
    """Tests that a hotspot gets one visit and a pinned area two, mandatory, whatever the risk."""
    risk = _risk({"a": 0.1, "b": 0.1, "c": 3.8}, hot=("a",), pinned=("b",))
    dose = compute_dose(risk, _areas({"a": "park", "b": "park", "c": "park"}), [DAY])
    d = dose.set_index("area_id")
    assert d.loc["a", "visits"] == 1 and not d.loc["a", "mandatory"]
    assert d.loc["b", "visits"] == 2 and d.loc["b", "mandatory"]
    assert "pinned" in d.loc["b", "reason"]


def test_school_gate_windows_are_mandatory():
    """Tests school gate windows in the day shift and the next morning in the night shift.

    The windows are the category table's default gate windows (07:20-08:00 and 16:30-17:30):
    an 08:00 day shift holds the pick-up, the night before it the next morning's drop-off.
    """
    assert area_windows("school", (), DAY) == [(30600, 34200)]
    assert area_windows("school", (), NIGHT) == [(40800, 43200)]
    assert area_windows("market", (), DAY) == []
    summer = DoseShift("D", date(2026, 7, 15), 8 * 60, 20 * 60)
    assert not school_day(date(2026, 7, 15)) and area_windows("school", (), summer) == []
    assert not school_day(date(2026, 10, 1))  # National Day
    assert school_day(date(2026, 10, 10))  # a Saturday made a working day (调休)
    assert not school_day(date(2026, 10, 17))  # an ordinary Saturday
    # A 07:00 day shift holds both windows: one gate post of 15 minutes in each, the whole
    # post inside the window (its start at most 15 minutes before the window closes).
    early = DoseShift("D", WED, 7 * 60, 19 * 60)
    risk = _risk({"s": 0.05, "x": 1.95})
    d = compute_dose(risk, _areas({"s": "school", "x": "convenience"}), [early])
    d = d.set_index("area_id")
    assert d.loc["s", "visits"] == 2 and not d.loc["s", "mandatory"]
    assert d.loc["s", "windows"] == ((1200, 2700), (34200, 36900))
    assert d.loc["s", "dwell_s"] == 900
    # Just over the longest window, so drop-off and pick-up each get their own visit.
    assert d.loc["s", "min_gap_s"] == 2701
    # A risky school still gets exactly one visit per gate window.
    levels = {"s": 9.0, "x": 1.0} | {f"f{i}": 0.0 for i in range(8)}  # mean 1.0: s is 9×
    cats = {k: "school" if k == "s" else "convenience" for k in levels}
    risky = compute_dose(_risk(levels), _areas(cats), [early])
    row = risky.set_index("area_id").loc["s"]
    assert row["visits"] == 2 and "folded into gate visits" in row["reason"]


def test_camera_discount_lowers_dose():
    """Tests that a fully watched area needs 40 % less: relative risk 3.0 becomes 1.8."""
    risk = _risk({"a": 3.0, "b": 1.0, "c": 0.0})
    areas = _areas({"a": "bank", "b": "bank", "c": "bank"})
    # Mean hourly risk is 4/3; relative risk of a = 3.0 / (4/3) = 2.25.
    plain = compute_dose(risk, areas, [DAY]).set_index("area_id")
    seen = compute_dose(risk, areas, [DAY], camera_share={"a": 1.0}).set_index("area_id")
    assert plain.loc["a", "relative_risk"] == pytest.approx(2.25)
    assert seen.loc["a", "relative_risk"] == pytest.approx(2.25 * 0.6)
    assert plain.loc["a", "visits"] == 2 and seen.loc["a", "visits"] == 1
    assert seen.loc["a", "value"] < plain.loc["a", "value"]
    with pytest.raises(ProblemError, match=r"outside 0\.\.1"):
        compute_dose(risk, areas, [DAY], camera_share={"a": 1.5})


def test_dose_to_sites():
    """Tests that dose rows become routing sites with visits, gap, stay and windows."""
    # Mean risk 1.0 over four areas: x has relative risk 3.95, so 3 visits of 15 minutes.
    risk = _risk({"s": 0.05, "x": 3.95, "f1": 0.0, "f2": 0.0})
    dose = compute_dose(
        risk, _areas({"s": "school", "x": "convenience", "f1": "park", "f2": "park"}), [DAY]
    )
    sites = {s.id: s for s in dose_to_sites(dose, {"s": 3, "x": 7})}
    assert not sites["s"].mandatory and sites["s"].windows == ((30600, 33300),)
    assert sites["x"].node == 7 and sites["x"].visits == 3 and sites["x"].service == 900
    with pytest.raises(ProblemError, match="no node"):
        dose_to_sites(dose, {"s": 3})


def test_opening_hours_bound_the_visits():
    """Tests that a closed place needs nothing and a place open part of a shift gets start windows.

    A bank (default hours Mo-Fr 09:00-17:00) on a Wednesday: in the 08:00-20:00 shift its
    visits start from 09:00 and end by 17:00; at night it is closed, so it has no dose row. A
    cell of ``opening_hours`` replaces the category's default.
    """
    from planner.patrol.demand import open_windows

    assert open_windows(None, "bank", DAY) == [(3600, 32400)]
    assert open_windows(None, "bank", NIGHT) == []
    assert open_windows(None, "convenience", NIGHT) is None  # 24/7: any time
    assert open_windows("Mo-Su 18:00-03:00", "restaurant", NIGHT) == [(0, 7 * 3600)]
    risk = _risk({"b": 3.0, "c": 2.0, "z": 0.0})  # relative risks 1.8 and 1.2
    areas = _areas({"b": "bank", "c": "convenience", "z": "park"})
    dose = compute_dose(risk, areas, [DAY, NIGHT], country="CN")
    bank = dose[dose["area_id"] == "b"].set_index("shift_id")
    assert list(bank.index) == ["D"]
    assert bank.loc["D", "windows"] == ()
    assert bank.loc["D", "open_s"] == ((3600, 32400 - 600),)  # 10-minute stays end by 17:00
    assert "opening hours" in bank.loc["D", "reason"]
    assert set(dose[dose["area_id"] == "c"]["shift_id"]) == {"D", "N"}
    areas["opening_hours"] = ["Mo-Su 00:00-24:00", None, None]
    late = compute_dose(risk, areas, [NIGHT], country="CN")
    assert "b" in set(late["area_id"])
    assert (dose_to_sites(dose[dose["shift_id"] == "D"], {"b": 1, "c": 2})[0].windows) == (
        (3600, 31800),
    )


def test_places_that_are_no_targets_need_a_reason():
    """Tests that shops and cafés need no patrol from risk alone, a hotspot one visit.

    A shop (``retail``, no target by default) with twice the average risk gets no row; as a
    hotspot one visit (not the two its risk would ask); with ``target`` "yes" its risk visits.
    """
    levels = {"shop": 2.5, "cafe": 2.5, "x": 0.0, "y": 0.0, "z": 0.0}  # relative risks 2.5
    risk = _risk(levels, hot=("cafe",))
    areas = _areas({"shop": "retail", "cafe": "restaurant", "x": "park", "y": "park", "z": "park"})
    # 10:00-22:00 shops; a 10:00-22:00 shift keeps the hours out of the way.
    shift = DoseShift("D", WED, 10 * 60, 22 * 60)
    dose = compute_dose(risk, areas, [shift]).set_index("area_id")
    assert "shop" not in dose.index
    assert dose.loc["cafe", "visits"] == 1 and "hotspot" in dose.loc["cafe", "reason"]
    areas["target"] = ["yes", "", "", "", ""]
    made = compute_dose(risk, areas, [shift]).set_index("area_id")
    assert made.loc["shop", "visits"] == 2
    areas["target"] = ["maybe", "", "", "", ""]
    with pytest.raises(ProblemError, match="'shop' has target 'maybe'"):
        compute_dose(risk, areas, [shift])


def test_every_grid_gets_a_visit_every_day():
    """Tests that a grid whose targets' risk asks for nothing gets one visit at its riskiest.

    Grid g2's parks are below the average risk, so no visit would go there; its riskier park
    gets one visit, in the shift where its risk is highest, and g1 keeps what its risk asks.
    """
    levels = {"a": 3.0, "p": 0.3, "q": 0.5, "z": 0.2}
    risk = _risk(levels)
    areas = _areas({k: "park" for k in levels})
    grids = ["g1", "g2", "g2", None]
    plain = compute_dose(risk, areas, [DAY, NIGHT])
    assert set(plain["area_id"]) == {"a"}
    dose = compute_dose(risk, areas, [DAY, NIGHT], grids=grids)
    assert sorted(set(dose["area_id"])) == ["a", "q"]
    row = dose[dose["area_id"] == "q"].iloc[0]
    assert row["visits"] == 1 and "daily visit" in row["reason"]
    assert len(dose[dose["area_id"] == "q"]) == 1


def test_busy_corners_are_capped():
    """Tests that the places within 400 m of one another need at most a quarter of the visits.

    Three risky places side by side (100 m apart) would need 4 + 4 + 4 of the shift's 16
    visits; the corner keeps 4 (a quarter), the most valuable first, and the far places are
    untouched. Gate windows count towards a corner but are never cut.
    """
    from planner.patrol.demand import cap_corners

    levels = {"a": 9.0, "b": 8.5, "c": 8.0, "far": 9.0} | {f"f{i}": 0.0 for i in range(30)}
    risk = _risk(levels)
    cats = {k: "park" for k in levels}
    dose = compute_dose(risk, _areas(cats), [DAY])
    xy = {"a": (0.0, 0.0), "b": (100.0, 0.0), "c": (200.0, 0.0), "far": (5000.0, 0.0)}
    before = dose.set_index("area_id")["visits"].to_dict()
    capped = cap_corners(dose, xy).set_index("area_id")
    total = sum(before.values())
    assert capped.loc["far", "visits"] == before["far"]
    near = sum(int(capped["visits"].get(k, 0)) for k in ("a", "b", "c"))
    assert near <= total / 4 < before["a"] + before["b"] + before["c"]
    assert capped.loc["a", "visits"] == before["a"]  # the most valuable keeps its visits
    assert "b" not in capped.index and "c" not in capped.index
    half = cap_corners(dose, xy, share=0.4).set_index("area_id")  # room for 6.4: a 4, b 2
    assert half.loc["b", "visits"] == 2 and "corner cap" in half.loc["b", "reason"]


def test_the_corner_cap_leaves_every_grid_its_daily_visit():
    """Tests that a grid whose only places lie in a capped corner keeps one visit a day.

    b and c are the only places of grid g2 and sit next to a; the cap would drop both, so the
    more valuable of them keeps one visit, said in its reason.
    """
    from planner.patrol.demand import cap_corners

    levels = {"a": 9.0, "b": 8.5, "c": 8.0, "far": 9.0} | {f"f{i}": 0.0 for i in range(30)}
    dose = compute_dose(_risk(levels), _areas({k: "park" for k in levels}), [DAY])
    xy = {"a": (0.0, 0.0), "b": (100.0, 0.0), "c": (200.0, 0.0), "far": (5000.0, 0.0)}
    grids = {"a": "g1", "b": "g2", "c": "g2", "far": "g3"}
    capped = cap_corners(dose, xy, grids=grids).set_index("area_id")
    assert capped.loc["b", "visits"] == 1 and "daily visit" in capped.loc["b", "reason"]
    assert "c" not in capped.index
    plain = cap_corners(dose, xy).set_index("area_id")
    assert capped.loc["a", "visits"] == plain.loc["a", "visits"]
