"""Tests of the whole-plan validator on a real plan and on deliberately broken copies."""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import pytest

from geodata.bundle import load_district
from geodata.network import StreetNetwork
from planner.checks.plan import _insertable, check_dose, check_routes, summary, validate_plan
from planner.checks.rules_reading import RawRules
from planner.patrol.inputs import load_inputs
from planner.plan.document import read_plan

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def doc(small_plan: Path):
    """The session's one-day plan."""
    return read_plan(small_plan / "plan.json")


@pytest.fixture(scope="module")
def district():
    """The default district."""
    return load_district()


@pytest.fixture(scope="module")
def network(district):
    """The default district's street network."""
    return StreetNetwork.from_district(district)


def _posts(district) -> set[str]:
    return {str(p) for p in district.posts["id"]}


def _with_stop(doc, r: int, k: int, **changes):
    """Return ``doc`` with stop ``k`` of route ``r`` changed."""
    route = doc.routes[r]
    stops = list(route.stops)
    stops[k] = dataclasses.replace(stops[k], **changes)
    routes = list(doc.routes)
    routes[r] = dataclasses.replace(route, stops=tuple(stops))
    return dataclasses.replace(doc, routes=tuple(routes))


def _gate_stop(doc):
    """Return (route index, stop index) of a school gate visit with a window."""
    for r, route in enumerate(doc.routes):
        for k, s in enumerate(route.stops):
            if s.kind == "visit" and s.category in ("school", "kindergarten") and s.windows:
                return r, k
    raise AssertionError("the plan has no school gate visit")


def test_the_plan_passes_every_check(doc, small_plan: Path) -> None:
    """Tests that the plan as made breaks no rule and the summary says so."""
    checks = validate_plan(doc, load_inputs(None, small_plan / "inputs" / "rules.toml"))
    assert [c.name for c in checks] == [
        "inputs", "roster", "routes", "dose", "units", "vehicles", "shift_time", "hours",
        "inspections",
    ]  # fmt: skip
    assert all(c.ok for c in checks), [c.violations for c in checks]
    assert summary(checks)["ok"] is True


def test_tampered_stop_time_is_found(doc, network, district) -> None:
    """Tests that an arrival moved by a minute no longer matches the recomputed travel time."""
    stop = doc.routes[0].stops[3]
    bad = _with_stop(
        doc, 0, 3, arrival=stop.arrival + 60, start=max(stop.start, stop.arrival + 60),
        departure=max(stop.start, stop.arrival + 60) + stop.dwell,
    )  # fmt: skip
    check = check_routes(bad, network, _posts(district))
    assert not check.ok
    assert any("is not the recomputed" in v for v in check.violations), check.violations


def test_late_arrival_outside_window_is_found(doc, network, district) -> None:
    """Tests that a school visit starting after its gate window closes is reported in words."""
    r, k = _gate_stop(doc)
    stop = doc.routes[r].stops[k]
    late = stop.windows[-1][1] + 300
    bad = _with_stop(doc, r, k, arrival=late, start=late, departure=late + stop.dwell)
    check = check_routes(bad, network, _posts(district))
    assert any("outside its window" in v for v in check.violations), check.violations
    assert any("is not the recomputed" in v for v in check.violations)


def _without(network, route, k: int):
    """Return ``route`` without stop ``k``: the next stop reached straight from the one before.

    It still starts when it did (the time the visit took is waiting now, free for calls).
    """
    from planner.checks.plan import _travel

    prev, nxt = route.stops[k - 1], route.stops[k + 1]
    left = (prev.lon, prev.lat) if prev.end_lon is None else (prev.end_lon, prev.end_lat)
    trip = int(_travel(network, [left, (nxt.lon, nxt.lat)], route.mode)[0, 1])
    arrival = min(prev.departure + trip, nxt.start)
    moved = dataclasses.replace(nxt, arrival=arrival, leg=())
    return dataclasses.replace(route, stops=(*route.stops[:k], moved, *route.stops[k + 2 :]))


def _gate_its_route_could_take_back(doc, network, rules):
    """Return (route index, stop, route without it) of a gate visit its route could redo."""
    for r, route in enumerate(doc.routes):
        for k, stop in enumerate(route.stops):
            gate = stop.kind == "visit" and stop.category in ("school", "kindergarten")
            if not (gate and stop.windows):
                continue
            without = _without(network, route, k)
            where = (stop.lon, stop.lat)
            if _insertable(network, without, where, stop.windows[0], rules.gate, rules):
                return r, stop, without
    pytest.fail("no gate visit whose route could take it back")


def test_missed_school_window_is_found(doc, network, district, small_plan: Path) -> None:
    """Tests that dropping a school gate visit its route could still make breaks the dose check.

    The stop is one whose route keeps room for it once it is gone (within the reserve for
    calls): the time the visit took is free again (the next stop is reached straight from
    the one before), so a route planned to the limit of its reserve can take it back.
    """
    rules = RawRules((small_plan / "inputs" / "rules.toml").read_text(encoding="utf-8"), {})
    r, stop, without = _gate_its_route_could_take_back(doc, network, rules)
    name = stop.name
    routes = list(doc.routes)
    routes[r] = without
    bad = dataclasses.replace(doc, routes=tuple(routes))
    check = check_dose(bad, district, network, rules)
    assert not check.ok
    assert any(name in v and "could reach it" in v for v in check.violations), check.violations


def test_broken_roster_rule_is_found(doc, small_plan: Path) -> None:
    """Tests that a day shift left with one group breaks the roster's cover rule."""
    day_group = next(g for g, row in doc.roster.schedule.items() if row[0] == "D")
    schedule = dict(doc.roster.schedule)
    schedule[day_group] = (None,)
    bad = dataclasses.replace(doc, roster=dataclasses.replace(doc.roster, schedule=schedule))
    inputs = load_inputs(None, small_plan / "inputs" / "rules.toml")
    checks = {c.name: c for c in validate_plan(bad, inputs)}
    assert not checks["roster"].ok, checks["roster"]
    assert any(
        "Shift D on 2026-12-07 has 1 groups; the rules ask for 2" in v
        for v in checks["roster"].violations
    )
    assert any("off duty" in v for v in checks["routes"].violations)


def test_changed_input_file_is_found(doc, tmp_path: Path, small_plan: Path) -> None:
    """Tests that a rules file edited after planning is named in the inputs check."""
    rules = tmp_path / "rules.toml"
    rules.write_text(
        (small_plan / "inputs" / "rules.toml").read_text(encoding="utf-8") + "\n# edited\n",
        encoding="utf-8",
    )
    checks = {c.name: c for c in validate_plan(doc, load_inputs(None, rules))}
    assert checks["inputs"].violations == (
        "Input file rules.toml has changed since the plan was made.",
    )


def test_a_gate_that_would_crush_a_later_alley_is_not_insertable(doc, network) -> None:
    """Tests that a route which could take a gate post only by riding an alley in 0 s cannot.

    The route rides an alley for an hour (its ``dwell``, from its start to its departure) and
    is back at its base 5 min before its end; a 10 min post before the alley would leave no
    time to ride it, and after it the window is over.
    """
    from planner.checks.plan import _travel

    route = next(r for r in doc.routes if any(s.kind == "alley" for s in r.stops))
    base = route.stops[0]
    alley = next(s for s in route.stops if s.kind == "alley")
    assert alley.end_lon is not None and alley.end_lat is not None
    here, a, b = (base.lon, base.lat), (alley.lon, alley.lat), (alley.end_lon, alley.end_lat)
    mat = _travel(network, [here, a, b], route.mode)
    t0 = route.start_s
    go, ride, back = int(mat[0, 1]), 3600, int(mat[2, 0])
    stops = (
        dataclasses.replace(base, arrival=t0, start=t0, departure=t0, dwell=0),
        dataclasses.replace(
            alley, arrival=t0 + go, start=t0 + go, departure=t0 + go + ride, dwell=ride,
            windows=(),
        ),
        dataclasses.replace(
            base, arrival=t0 + go + ride + back, start=t0 + go + ride + back,
            departure=t0 + go + ride + back + 300, dwell=300,
        ),
    )  # fmt: skip
    end = t0 + go + ride + back + 300
    tight = dataclasses.replace(route, stops=stops, end_s=end, unit_id="")
    window = (t0, t0 + 1800)
    assert not _insertable(network, tight, here, window, 600)
    roomy = dataclasses.replace(tight, end_s=end + 600)
    assert _insertable(network, roomy, here, window, 600)


def _ride(network, route, stop) -> int:
    """Return the seconds the route's mode takes over an alley stop's streets, in its order."""
    here = int(network.snap([(stop.lon, stop.lat)], route.mode)[0])
    total = 0
    for sid in stop.streets:
        u, v = network.edge_nodes(sid)
        reverse = here == v and u != v
        total += network.edge_time(sid, route.mode, reverse=reverse)
        here = u if reverse else v
    return total


def test_unplanned_time_leaves_out_legs_stays_and_alley_rides(doc, network) -> None:
    """Tests the reserve for calls as the checker reports it on a plan the pipeline made.

    A unit's unplanned share is one minus its legs, its stays (visits, posts, inspections) and
    its alley rides over its street time (its time without handovers and breaks); an alley
    stop's dwell is its ride, the time its streets take by the unit's mode.
    """
    from planner.checks.units import unplanned_share

    units = [r for r in doc.routes if r.unit_id and r.unit_kind != "grid"]
    ridden = 0
    for r in units:
        stops = r.stops
        handovers = 0 if r.unit_kind == "group" else 2 * r.handover_s
        breaks = sum(s.departure - s.start for s in stops if s.kind == "break")
        street = r.end_s - r.start_s - handovers - breaks
        legs = sum(b.arrival - a.departure for a, b in itertools.pairwise(stops))
        stays = sum(s.dwell for s in stops if s.kind in ("visit", "fixed_post", "inspection"))
        rides = [_ride(network, r, s) for s in stops if s.kind == "alley"]
        assert [s.dwell for s in stops if s.kind == "alley"] == rides
        ridden += sum(rides)
        share = 1 - (legs + stays + sum(rides)) / street
        assert unplanned_share(r, r.handover_s) == pytest.approx(share)
    assert ridden > 0  # the plan rides alleys


def test_a_plan_saved_with_alley_dwell_zero_reads_as_one_with_rides(doc, small_plan) -> None:
    """Tests that a plan.json written when alleys had dwell 0 reads like the plan made now.

    Its alley stops get their ride (departure minus start) as their dwell and its alley dose
    rows the minutes of those rides, so the checks judge it as they judge the plan made now.
    """
    import json

    from planner.plan.document import PlanDocument

    data = json.loads((small_plan / "plan.json").read_text(encoding="utf-8"))
    alleys = set()
    for r in data["routes"]:
        for s in r["stops"]:
            if s["kind"] == "alley":
                s["dwell"] = 0
                alleys.add((s["area_id"], r["date"], r["shift_id"]))
    for d in data["dose"]:
        if (d["area_id"], d["date"], d["shift_id"]) in alleys:
            d["planned_minutes"] = 0  # only alley stops serve an alley's dose row
    assert alleys
    old = PlanDocument.from_dict(data)
    assert old.routes == doc.routes
    assert old.dose == doc.dose
