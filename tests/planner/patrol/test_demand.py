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
    areas = _areas({k: "bank" if k == "high" else "retail" for k in levels})
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
    d = compute_dose(risk, _areas({"s": "school", "x": "retail"}), [early]).set_index("area_id")
    assert d.loc["s", "visits"] == 2 and not d.loc["s", "mandatory"]
    assert d.loc["s", "windows"] == ((1200, 2700), (34200, 36900))
    assert d.loc["s", "dwell_s"] == 900
    # Just over the longest window, so drop-off and pick-up each get their own visit.
    assert d.loc["s", "min_gap_s"] == 2701
    # A risky school still gets exactly one visit per gate window.
    levels = {"s": 9.0, "x": 1.0} | {f"f{i}": 0.0 for i in range(8)}  # mean 1.0: s is 9×
    cats = {k: "school" if k == "s" else "retail" for k in levels}
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
        risk, _areas({"s": "school", "x": "retail", "f1": "park", "f2": "park"}), [DAY]
    )
    sites = {s.id: s for s in dose_to_sites(dose, {"s": 3, "x": 7})}
    assert not sites["s"].mandatory and sites["s"].windows == ((30600, 33300),)
    assert sites["x"].node == 7 and sites["x"].visits == 3 and sites["x"].service == 900
    with pytest.raises(ProblemError, match="no node"):
        dose_to_sites(dose, {"s": 3})
