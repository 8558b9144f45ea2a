"""Tests of key areas' own windows and dose, and of the dose boost, from dose table to plan."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from planner.checks.rules_reading import RawRules
from planner.exceptions import ProblemError
from planner.hotspots.risk import HOURS_OF_WEEK, RiskTable
from planner.patrol.demand import (
    DoseShift,
    area_windows,
    check_dose_boost,
    compute_dose,
    dose_to_sites,
)
from planner.patrol.routes import GATE_VALUE_FACTOR, WINDOW_VALUE_FACTOR, gate_priority
from planner.plan.document import PlanDocument, read_plan
from planner.routing.model import Site

if TYPE_CHECKING:
    from pathlib import Path

WED = date(2026, 6, 10)  # a Wednesday in term time
DAY = DoseShift("D", WED, 8 * 60, 20 * 60)
NIGHT = DoseShift("N", WED, 20 * 60, 8 * 60)
SUMMER = DoseShift("D", date(2026, 7, 15), 8 * 60, 20 * 60)  # school vacation
H = 3600

PLAN_DAY = date(2026, 12, 7)  # a Monday, a school day
MARKET = "osm-w857245092"  # 科巷菜市场 in the default district
BANK = "osm-n1608071472"  # 中国银行, an ATM
BOOSTED = "osm-n1069278225"  # 东方商城, with a dose from risk


def _risk(levels: dict[str, float]) -> RiskTable:
    """Flat hourly risk per area; the mean over all areas and hours is the reference."""
    ids = list(levels)
    hourly = pd.DataFrame(
        np.array([[levels[i]] * HOURS_OF_WEEK for i in ids]),
        index=pd.Index(ids, name="id"),
        columns=range(HOURS_OF_WEEK),
    )
    info = pd.DataFrame({"hotspot": False, "pinned": False}, index=hourly.index)
    return RiskTable("area", hourly, info)


# Mean hourly risk over the four areas is 1.0: "m" and "s" are ordinary-to-quiet places,
# "b" has relative risk 2.0 (two visits of 15 minutes), "z" none.
LEVELS = {"m": 0.5, "b": 2.0, "s": 1.5, "z": 0.0}
CATS = {"m": "market", "b": "atm", "s": "school", "z": "park"}  # an ATM is open all hours


def _areas(windows: dict[str, object] | None = None, minutes: dict[str, float] | None = None):
    """The four test areas, with optional ``windows`` and ``dose_minutes`` columns."""
    df = pd.DataFrame({"id": list(CATS), "name": list(CATS), "category": list(CATS.values())})
    if windows is not None:
        df["windows"] = [windows.get(a) for a in CATS]
    if minutes is not None:
        df["dose_minutes"] = [minutes.get(a, math.nan) for a in CATS]
    return df


def _dose(shifts=(DAY,), **kwargs):
    boost = kwargs.pop("dose_boost", None)
    out = compute_dose(_risk(LEVELS), _areas(**kwargs), list(shifts), dose_boost=boost)
    return out.set_index("area_id")


def test_area_windows_clip_to_the_shift_and_cross_midnight() -> None:
    """Tests an area's own windows in seconds from the shift start, also past midnight."""
    own = ((10 * 60, 10 * 60 + 30), (22 * 60, 25 * 60))  # 10:00-10:30 and 22:00-01:00
    assert area_windows("market", own, DAY) == [(2 * H, 2 * H + 1800)]
    # 22:00-01:00 of Wednesday lies 2 h to 5 h after the 20:00 start of the night shift.
    assert area_windows("market", own, NIGHT) == [(2 * H, 5 * H)]
    # A shift from midnight sees the hour after midnight of the window opened the day before.
    early = DoseShift("E", WED, 0, 6 * 60)
    assert area_windows("market", own, early) == [(0, H)]
    # Without windows of its own an area has its category's default (school gates): of
    # drop-off 07:20-08:00 and pick-up 16:30-17:30 only the pick-up lies in an 08:00 shift.
    assert area_windows("market", (), DAY) == []
    assert area_windows("school", (), DAY) == [(8 * H + 1800, 9 * H + 1800)]
    # A school's own windows replace the gate hours, on school days only; a market's hold always.
    assert area_windows("school", own, DAY) == [(2 * H, 2 * H + 1800)]
    assert area_windows("school", own, SUMMER) == []
    assert area_windows("market", own, SUMMER) == [(2 * H, 2 * H + 1800)]


def test_windows_on_a_market_give_one_visit_per_window() -> None:
    """Tests that a quiet market with two windows gets two window visits, start bound inside."""
    plain = _dose()
    assert "m" not in plain.index  # relative risk 0.5: no visit from risk
    dose = _dose(windows={"m": "16:30-17:10; 09:00-09:20"})
    row = dose.loc["m"]
    assert row["windows"] == ((1 * H, 1 * H + 1200), (8 * H + 1800, 9 * H + 600))
    # Windows bind the visits' starts but do not make them mandatory (a unit takes them
    # before other visits, being worth more; a window no unit can reach is left out).
    assert row["visits"] == 2 and not row["mandatory"]
    assert "windows set by planner" in row["reason"]
    # The gap is just over the longest window, so the two visits cannot share one window.
    assert row["min_gap_s"] == 2401
    (site,) = [
        s for s in dose_to_sites(dose.reset_index(), {"m": 1, "b": 2, "s": 3}) if s.id == "m"
    ]
    assert site.windows == row["windows"] and site.visits == 2
    # Blank cells keep the defaults: the school still has its gate post, the whole 15-minute
    # stay inside the pick-up window.
    assert dose.loc["s", "windows"] == ((8 * H + 1800, 9 * H + 900),)
    assert dose.loc["s", "dwell_s"] == 900


def test_dose_minutes_override_sets_the_needed_dose() -> None:
    """Tests that dose_minutes replaces the dose from risk, split into stays of usual length."""
    plain = _dose()
    assert plain.loc["b", "needed_minutes"] == 30  # two 15-minute stays from risk
    dose = _dose(minutes={"b": 50.0, "m": 25.0})
    assert dose.loc["b", "needed_minutes"] == 50
    assert dose.loc["b", "visits"] * dose.loc["b", "dwell_s"] == 50 * 60
    assert "dose set to 50 min" in dose.loc["b", "reason"]
    # The quiet market had no dose at all; now 25 minutes in whole-minute stays of about 10
    # minutes, rounded up as little as can be: two of 13 rather than three of 9.
    m = dose.loc["m"]
    assert m["visits"] == 2 and m["dwell_s"] == 13 * 60 and m["needed_minutes"] == 26
    # More than max_visits stays of the usual length: four longer stays instead.
    big = _dose(minutes={"b": 240.0}).loc["b"]
    assert big["visits"] == 4 and big["dwell_s"] == 3600 and not big["capped"]
    # A school with a dose keeps one visit per gate window, the minutes shared between them.
    school = _dose(minutes={"s": 40.0}).loc["s"]
    assert school["visits"] == 1 and school["dwell_s"] == 2400 and not school["mandatory"]
    # Zero: no presence needed, not even at the gates.
    assert "s" not in _dose(minutes={"s": 0.0}).index


def test_dose_minutes_longer_than_a_shift_or_bad_values_are_refused() -> None:
    """Tests that a dose longer than the shift and unreadable columns name the area."""
    short = DoseShift("P", WED, 9 * 60, 13 * 60)  # 4 hours
    with pytest.raises(ProblemError, match="Key area 'b' needs dose_minutes 300, more than"):
        _dose(shifts=(short,), minutes={"b": 300.0})
    with pytest.raises(ProblemError, match=r"Key area 'm' has windows '9-10', but '9'"):
        _dose(windows={"m": "9-10"})


def test_dose_boost_multiplies_the_needed_dose_and_the_value() -> None:
    """Tests that a boost of 1.5 asks for half again the minutes, valued per minute 1.5×."""
    plain = _dose(shifts=(DAY, NIGHT))
    boosted = _dose(shifts=(DAY, NIGHT), dose_boost={"b": 1.5, "s": 2.0})
    for shift in ("D", "N"):
        a = plain[plain["shift_id"] == shift].loc["b"]
        b = boosted[boosted["shift_id"] == shift].loc["b"]
        assert b["needed_minutes"] == 1.5 * a["needed_minutes"]  # 30 -> 45
        assert b["value"] * a["dwell_s"] == pytest.approx(1.5 * a["value"] * b["dwell_s"], rel=0.02)
        assert "shortfall boost ×1.5" in b["reason"]
    # A gate school keeps one visit per window, each stay twice as long.
    s0, s1 = plain[plain["shift_id"] == "D"].loc["s"], boosted[boosted["shift_id"] == "D"].loc["s"]
    assert s1["visits"] == s0["visits"] == 1 and s1["dwell_s"] == 2 * s0["dwell_s"]
    # Areas not named are untouched; an area without dose gets none from a boost.
    only_b = _dose(dose_boost={"b": 1.5})
    pd.testing.assert_series_equal(only_b.loc["s"], _dose().loc["s"])
    assert "z" not in _dose(dose_boost={"z": 3.0}).index


def test_dose_boost_unknown_area_or_bad_factor_is_refused() -> None:
    """Tests that a boost naming an unknown area, or a factor outside 1..3, is refused."""
    with pytest.raises(ProblemError, match="names key area 'nowhere', which the district"):
        _dose(dose_boost={"nowhere": 1.5})
    for bad in (0.5, 3.5, math.nan, "lots"):
        with pytest.raises(ProblemError, match=r"'b' is .*; it must be a number from 1 to 3"):
            check_dose_boost({"b": bad}, ["b"])
    assert check_dose_boost(None, ["b"]) == {}
    assert check_dose_boost({"b": 3}, ["b"]) == {"b": 3.0}


def test_windowed_areas_rank_below_gates_and_above_plain_visits() -> None:
    """Tests site values: plain < planner's windows (2× best plain) < gates (3× all others)."""
    sites = [
        Site("plain", 1, value=300, service=600),
        Site("mkt", 2, value=40, service=600, windows=((0, 600),), mandatory=True),
        Site("gate", 3, value=50, service=600, windows=((0, 900),), mandatory=True),
        Site("pin", 4, value=10, service=600, mandatory=True),
    ]
    cats = {"plain": "bank", "mkt": "market", "gate": "school", "pin": "park"}
    got = {s.id: s for s in gate_priority(sites, cats)}
    assert got["mkt"].value == WINDOW_VALUE_FACTOR * 300 and not got["mkt"].mandatory
    assert got["gate"].value == GATE_VALUE_FACTOR * got["mkt"].value
    assert not got["gate"].mandatory
    assert got["pin"].mandatory and got["plain"].value == 300  # no windows: unchanged


def test_plan_document_records_the_boost_and_reads_old_plans(data_dir: Path) -> None:
    """Tests that dose_boost round trips, old plans read without it and bad factors fail."""
    old = read_plan(data_dir / "plan" / "plan.json")
    assert old.dose_boost == {}
    assert "dose_boost" not in old.to_dict()
    doc = replace(old, dose_boost={"osm-n1": 1.5})
    back = PlanDocument.from_json(doc.to_json())
    assert back.dose_boost == {"osm-n1": 1.5} and back == doc
    data = json.loads(doc.to_json())
    data["dose_boost"] = {"osm-n1": 0.5}
    with pytest.raises(ProblemError, match=r"dose_boost\['osm-n1'\] must be a factor"):
        PlanDocument.from_dict(data)


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    """A one-day plan of the default district with a market's windows, a bank's dose and a boost.

    The market 科巷菜市场 gets the windows 10:00-10:30 and 22:00-01:00 (one in each shift), the
    bank 中国银行 45 minutes per shift, and the store 东方商城 a boost of 1.5; two groups on the day
    shift and one at night (tests/data/pipeline/rules_two_day_groups.toml), seed 3, 2 s for
    solver stage.
    """
    from geodata.bundle import load_district, write_district
    from planner.patrol.inputs import load_inputs
    from planner.patrol.pipeline import make_plan, plan_demand
    from planner.patrol.request import PlanRequest, TimeBudget

    district = load_district()
    ka = district.key_areas
    ka["windows"] = np.where(ka["id"] == MARKET, "10:00-10:30;22:00-01:00", "")
    ka["dose_minutes"] = np.where(ka["id"] == BANK, 45.0, np.nan)
    folder = write_district(district, tmp_path_factory.mktemp("overrides") / "xinjiekou")
    rules = data_dir / "pipeline" / "rules_two_day_groups.toml"
    inputs = load_inputs(folder, rules)
    request = PlanRequest(PLAN_DAY, 1, 3, TimeBudget(2.0, 2.0 / 3), dose_boost={BOOSTED: 1.5})
    doc = make_plan(inputs, request)
    return doc, inputs, plan_demand(inputs, request), folder, rules


def test_plan_visits_the_market_inside_its_own_windows(overridden) -> None:
    """Tests that each shift's route visits the market inside the window set for it."""
    doc, _, _, _, _ = overridden
    day = PLAN_DAY.isoformat()
    windows = {"D": (10 * H, 10 * H + 1800), "N": (22 * H, 25 * H)}
    for shift, (lo, hi) in windows.items():
        visits = [
            s
            for r in doc.routes
            if r.shift_id == shift and r.date == day
            for s in r.stops
            if s.area_id == MARKET
        ]
        assert len(visits) == 1, (shift, visits)
        assert lo <= visits[0].start <= hi
        assert visits[0].windows == ((lo, hi),)
    assert all(c.ok for c in doc.validation), doc.validation


def test_plan_uses_the_set_dose_and_records_the_boost(overridden) -> None:
    """Tests the ATM's 45 minutes in each shift, the boosted store and the boost in plan.json."""
    from planner.patrol.pipeline import plan_demand
    from planner.patrol.request import PlanRequest

    doc, inputs, demand, _, _ = overridden
    bank = [d for d in doc.dose if d.area_id == BANK]
    assert {d.shift_id for d in bank} == {"D", "N"}  # an ATM is open all hours
    assert all(d.needed_minutes == 45 for d in bank)
    plain = plan_demand(inputs, PlanRequest(PLAN_DAY, 1, 3)).dose
    before = plain[plain["area_id"] == BOOSTED].set_index("shift_id")
    after = demand.dose[demand.dose["area_id"] == BOOSTED].set_index("shift_id")
    assert len(after) and sorted(after.index) == sorted(before.index)
    for shift, row in after.iterrows():
        want = 1.5 * before.loc[shift, "needed_minutes"]
        assert want <= row["needed_minutes"] < want + row["visits"]  # whole-minute stays
        assert "shortfall boost ×1.5" in row["reason"]

    # Other areas' dose is unchanged, but for places in the boosted store's corner, which may
    # give way to it (planner.patrol.demand.cap_corners).
    def rest(frame):
        keep = (frame["area_id"] != BOOSTED) & ~frame["reason"].str.contains("corner cap")
        return frame[keep].set_index(["area_id", "shift_id"])

    a, b = rest(demand.dose), rest(plain)
    common = a.index.intersection(b.index)
    assert len(common) >= 0.9 * len(b)
    pd.testing.assert_frame_equal(a.loc[common], b.loc[common])
    assert doc.dose_boost == {BOOSTED: 1.5}
    assert PlanDocument.from_json(doc.to_json()).dose_boost == {BOOSTED: 1.5}


def _without(route, area_id: str, network):
    """Return ``route`` without its visits of ``area_id``, as if it had never gone there.

    The stop after each dropped one is reached straight from the stop before it (travel
    recomputed), so the time the visit took becomes time to spare, not travel.
    """
    from geodata.network import travel_time_matrix

    out = []
    dropped = False
    for stop in route.stops:
        if stop.area_id == area_id:
            dropped = True
            continue
        if dropped and out:
            prev = out[-1]
            here = [prev.end_lon or prev.lon, prev.end_lat or prev.lat]
            pts = np.array([here, [stop.lon, stop.lat]])
            leg = int(travel_time_matrix(network, pts, route.mode)[0, 1])
            stop = replace(stop, arrival=min(stop.arrival, prev.departure + leg))
        dropped = False
        out.append(stop)
    return replace(route, stops=tuple(out))


def test_validator_fails_a_plan_that_misses_a_set_window(overridden) -> None:
    """Tests that the validator, reading the bundle's windows, reports a dropped market visit."""
    from planner.checks.plan import check_dose

    doc, inputs, _, _, _ = overridden
    routes = []
    for r in doc.routes:
        if r.shift_id == "D":
            r = _without(r, MARKET, inputs.network)
        routes.append(r)
    broken = replace(doc, routes=tuple(routes))
    check = check_dose(broken, inputs.district, inputs.network, RawRules(inputs.rules_text, {}))
    assert not check.ok
    text = " ".join(check.violations)
    assert f"({MARKET}) has no visit in its window 10:00-10:30" in text
    assert "could reach it" in text


def test_validator_needs_no_window_visit_where_the_dose_is_zero(overridden) -> None:
    """Tests that an area set to dose_minutes 0 needs no visit, not even in its windows."""
    from planner.checks.plan import check_dose

    doc, inputs, _, _, _ = overridden
    routes = tuple(
        replace(r, stops=tuple(s for s in r.stops if s.area_id != MARKET)) for r in doc.routes
    )
    dose = tuple(d for d in doc.dose if d.area_id != MARKET)
    broken = replace(doc, routes=routes, dose=dose)
    rules = RawRules(inputs.rules_text, {})
    assert not check_dose(broken, inputs.district, inputs.network, rules).ok
    areas = inputs.district.key_areas.copy()
    areas["dose_minutes"] = np.where(areas["id"] == MARKET, 0.0, areas["dose_minutes"])
    quiet = replace(inputs.district, key_areas=areas)
    assert check_dose(broken, quiet, inputs.network, rules).ok


def test_unknown_boost_id_is_refused_by_make_plan(overridden) -> None:
    """Tests that make_plan refuses a boost for a key area the district does not have."""
    from planner.patrol.pipeline import make_plan
    from planner.patrol.request import PlanRequest

    _, inputs, _, _, _ = overridden
    with pytest.raises(ProblemError, match="names key area 'osm-n0', which the district"):
        make_plan(inputs, PlanRequest(PLAN_DAY, 1, dose_boost={"osm-n0": 2.0}))


def test_replan_keeps_the_boost_and_holds_the_set_window(overridden) -> None:
    """Tests that re-planning keeps the boost and the needed dose, and still checks the window.

    The market's group is called away at 09:00, before the market's 10:00-10:30 window: the
    other day group takes the window if it can fit it in between two of its stops, and the
    validator (reading the window from the bundle) passes the plan only then or when it cannot.
    """
    from datetime import datetime

    from planner.patrol.pipeline import plan_demand
    from planner.patrol.replan import replan
    from planner.patrol.request import PlanRequest

    doc, inputs, _, _, _ = overridden
    day = [r for r in doc.routes if r.shift_id == "D" and r.unit_kind != "grid"]
    (gone,) = [r.group_id for r in day if any(s.area_id == MARKET for s in r.stops)]
    new, _ = replan(doc, inputs, gone, datetime(2026, 12, 7, 9, 0), time_limit=2.0)
    assert new.dose_boost == doc.dose_boost == {BOOSTED: 1.5}
    needed = {(d.area_id, d.shift_id): d.needed_minutes for d in doc.dose}
    assert {(d.area_id, d.shift_id): d.needed_minutes for d in new.dose} == needed
    assert all(c.ok for c in new.validation), new.validation
    # The re-plan's own dose (its re-solved sites) carries the plan's boost and the window.
    request = PlanRequest(new.start_date, new.days, new.seed, dose_boost=new.dose_boost)
    rows = plan_demand(inputs, request).dose.set_index("area_id")
    assert all("shortfall boost ×1.5" in r for r in rows.loc[[BOOSTED], "reason"])
    market = rows.loc[[MARKET]].set_index("shift_id")
    assert market.loc["D", "windows"] == ((3 * H, 3 * H + 1800),)  # 10:00 is 3 h after 07:00
