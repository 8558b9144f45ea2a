"""Tests of plan coverage on a tiny hand-checkable district."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geodata.cameras import view_areas
from planner.exceptions import ProblemError
from planner.plan.coverage import coverage, longest_gap

CRS = "EPSG:32650"
X0, Y0 = 660_000.0, 3_550_000.0


def _district():
    """Streets s1 (100 m), s2 (200 m) along y = 0 and s3 (100 m), s4 (300 m) along y = 100;
    grid G1 holds x < 150, G2 the rest; areas A (x 50) and C (x 50, y 110) in G1, B in G2."""
    streets = gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3", "s4"], "name": ["一", "二", "三", "四"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 100, Y0)]),
            LineString([(X0 + 100, Y0), (X0 + 300, Y0)]),
            LineString([(X0, Y0 + 100), (X0 + 100, Y0 + 100)]),
            LineString([(X0 + 100, Y0 + 100), (X0 + 400, Y0 + 100)]),
        ],
        crs=CRS,
    ).to_crs("EPSG:4326")
    grids = gpd.GeoDataFrame(
        {"id": ["G1", "G2"], "name": ["一格", "二格"]},
        geometry=[
            box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 150),
            box(X0 + 150, Y0 - 50, X0 + 450, Y0 + 150),
        ],
        crs=CRS,
    ).to_crs("EPSG:4326")
    areas = gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "name": ["甲", "乙", "丙"], "category": ["bank"] * 3},
        geometry=[Point(X0 + 50, Y0 + 10), Point(X0 + 250, Y0 + 10), Point(X0 + 50, Y0 + 110)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    cams = gpd.GeoDataFrame(
        {"id": ["c1"], "heading": [float("nan")], "fov": [360.0], "range": [50.0]},
        geometry=[Point(X0 + 250, Y0 + 100)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    return areas, streets, grids, view_areas(cams, streets, work_crs=CRS)


def test_longest_gap():
    """Tests gaps at the start, between and at the end of a shift, with overlaps."""
    assert longest_gap([], 100) == 100
    assert longest_gap([(10, 20), (15, 30), (80, 90)], 100) == 50
    assert longest_gap([(0, 60), (70, 100)], 100) == 10
    assert longest_gap([(-10, 5), (95, 120)], 100) == 90


def test_tiny_plan_numbers():
    """Tests dose, gaps, km patrolled and blind spots against hand-computed figures."""
    areas, streets, grids, views = _district()
    dose = pd.DataFrame({"area_id": ["A", "B"], "visits": [2, 1], "needed_minutes": [20, 10]})
    visits = [("A", 0, 600, "g1"), ("A", 3600, 4200, "g1"), ("C", 1000, 1300, "g2")]
    risk = pd.Series({"s1": 1.0, "s2": 5.0, "s3": 0.0, "s4": 4.0})
    res = coverage(
        visits,
        ["s1", "s2", "s1"],
        shift_seconds=7200,
        dose=dose,
        key_areas=areas,
        streets=streets,
        grids=grids,
        street_risk=risk,
        work_crs=CRS,
        camera_views=views,
        high_risk_share=0.5,
    )
    a = res.areas.set_index("area_id")
    assert a.loc["A", "planned_visits"] == 2 and a.loc["A", "planned_minutes"] == 20
    assert a.loc["A", "longest_gap_min"] == 50 and a.loc["A", "met"]
    assert a.loc["B", "planned_visits"] == 0 and a.loc["B", "longest_gap_min"] == 120
    assert not a.loc["B", "met"]
    assert a.loc["C", "needed_visits"] == 0 and a.loc["C", "planned_minutes"] == 5
    assert list(a["grid_id"]) == ["G1", "G2", "G1"]
    # High-risk streets: s2 (patrolled) and s4 (one third in the camera's 100 m of view).
    s = res.summary
    assert s["street_km_patrolled"] == pytest.approx(0.3)
    assert s["street_km_travelled"] == pytest.approx(0.4)
    assert s["high_risk_km"] == pytest.approx(0.5)
    assert s["high_risk_km_camera_only"] == pytest.approx(0.1, abs=0.002)
    assert s["blind_km"] == pytest.approx(0.2, abs=0.002)
    assert s["blind_share"] == pytest.approx(0.4, abs=0.005)
    assert s["areas_with_dose"] == 2 and s["areas_met"] == 1
    assert list(res.blind_spots["street_id"]) == ["s4"]
    g = res.grids.set_index("grid_id")
    assert g.loc["G1", "planned_visits"] == 3 and g.loc["G1", "planned_minutes"] == 25
    assert g.loc["G1", "street_km"] == pytest.approx(0.2)
    assert g.loc["G1", "street_km_patrolled"] == pytest.approx(0.1)
    assert g.loc["G2", "needed_minutes"] == 10 and g.loc["G2", "planned_minutes"] == 0
    assert g.loc["G2", "blind_share"] == pytest.approx(0.4, abs=0.005)


def test_tables_write_as_csv(tmp_path):
    """Tests that the three tables are written as CSV files that read back."""
    areas, streets, grids, _views = _district()
    res = coverage(
        [("A", 0, 600, "g1")],
        ["s2"],
        shift_seconds=3600,
        dose=pd.DataFrame({"area_id": ["A"], "visits": [1], "needed_minutes": [10]}),
        key_areas=areas,
        streets=streets,
        grids=grids,
        street_risk=pd.Series({"s4": 1.0}),
        work_crs=CRS,
    )
    paths = res.write_csv(tmp_path)
    assert [p.name for p in paths] == [
        "coverage_areas.csv",
        "coverage_grids.csv",
        "coverage_blind_spots.csv",
    ]
    back = pd.read_csv(paths[0])
    assert back.loc[0, "area_id"] == "A" and bool(back.loc[0, "met"])
    # No cameras: the high-risk street s4 is blind over its whole 300 m.
    assert pd.read_csv(paths[2])["blind_m"].iloc[0] == pytest.approx(300, abs=0.5)


def test_unknown_ids_are_refused():
    """Tests that a visit to an unknown area or an unknown street id is refused."""
    areas, streets, grids, _ = _district()
    kw = dict(
        shift_seconds=3600,
        dose=pd.DataFrame({"area_id": [], "visits": [], "needed_minutes": []}),
        key_areas=areas,
        streets=streets,
        grids=grids,
        street_risk=pd.Series(dtype=float),
        work_crs=CRS,
    )
    with pytest.raises(ProblemError, match="unknown key area 'Z'"):
        coverage([("Z", 0, 10, "g")], [], **kw)
    with pytest.raises(ProblemError, match="street id 's9'"):
        coverage([], ["s9"], **kw)
    with pytest.raises(ProblemError, match="ends at 5 before"):
        coverage([("A", 10, 5, "g")], [], **kw)


def test_default_district_plan_tables(tmp_path):
    """Tests risk -> dose -> routes -> coverage on the default district's night shift.

    The theft-prone alley is a street hotspot; the tables per area and per grid are written
    and add up (every planned visit serves a dosed area, grid sums equal area sums).
    """
    import datetime

    import numpy as np

    from geodata import StreetNetwork, load_district
    from planner.hotspots.risk import district_risk
    from planner.patrol.camera_discount import area_camera_share
    from planner.patrol.demand import compute_dose, dose_to_sites, standard_shifts
    from planner.plan.coverage import patrolled_from_routes, visits_from_routes
    from planner.routing.model import RoutingProblem, Vehicle
    from planner.routing.solve import RouteParams, solve_routes

    d = load_district()
    day = datetime.date(2026, 7, 15)
    risk = district_risk(d, on=day)
    alley = d.manifest["hotspot_alley"]["street_id"]
    assert alley in risk.streets.hotspots()
    views = view_areas(d.cameras, d.streets, work_crs=d.work_crs)
    share = area_camera_share(d.key_areas, d.streets, views, work_crs=d.work_crs)
    night = standard_shifts(day)[1]
    dose = compute_dose(risk.areas, d.key_areas, [night], camera_share=share)
    assert len(dose) > 10

    mode = "ebike"
    net = StreetNetwork.from_district(d)
    pts = d.key_areas.set_index("id").loc[dose["area_id"]].geometry.representative_point()
    base = d.posts.set_index("id").geometry.loc["PR02"]
    nodes = [int(net.snap(np.array([[base.x, base.y]]), mode)[0])]
    nodes += [int(n) for n in net.snap(np.column_stack([pts.x, pts.y]), mode)]
    matrix = net.matrix(nodes, nodes, mode)
    sites = dose_to_sites(dose, {a: i + 1 for i, a in enumerate(dose["area_id"])})
    vehicles = [Vehicle(g, 0, 0, (0, night.seconds), mode=mode) for g in ("A", "B")]
    problem = RoutingProblem({mode: matrix}, tuple(sites), tuple(vehicles))
    params = RouteParams(
        time_limit=3, engine="ortools", first_solution="PARALLEL_CHEAPEST_INSERTION"
    )
    result = solve_routes(problem, params, seed=1)
    assert result.is_feasible() and result.objective > 0

    visits = visits_from_routes(result.routes)
    patrolled = patrolled_from_routes(
        result.routes,
        {v.id: (0, 0) for v in vehicles},
        lambda a, b: net.path_streets(nodes[a], nodes[b], mode)[0],
    )
    hours = np.flatnonzero(night.slot_weights())
    res = coverage(
        visits,
        patrolled,
        shift_seconds=night.seconds,
        dose=dose,
        key_areas=d.key_areas,
        streets=d.streets,
        grids=d.grids,
        street_risk=risk.streets.window(hours),
        work_crs=d.work_crs,
        camera_views=views,
    )
    paths = res.write_csv(tmp_path, prefix="xinjiekou_night")
    areas = pd.read_csv(paths[0])
    grids = pd.read_csv(paths[1])
    assert len(grids) == len(d.grids)
    assert set(areas["area_id"]) == set(dose["area_id"])
    assert areas["planned_visits"].sum() == len(visits) > 0
    assert grids["planned_visits"].sum() == len(visits)
    assert grids["needed_minutes"].sum() == dose["needed_minutes"].sum()
    s = res.summary
    assert 0 < s["street_km_patrolled"] <= s["street_km_travelled"]
    assert 0 <= s["blind_share"] <= 1
    assert s["areas_met"] > 0


def test_combine_shifts_and_plan_rows():
    """Tests that two shifts add up, the longest gap is the worst shift's, and plan rows match."""
    from planner.plan.coverage import combine, plan_rows

    areas, streets, grids, views = _district()
    dose = pd.DataFrame({"area_id": ["A"], "visits": [1], "needed_minutes": [10]})
    kw = dict(
        dose=dose,
        key_areas=areas,
        streets=streets,
        grids=grids,
        street_risk=pd.Series({"s2": 1.0, "s4": 2.0}),
        work_crs=CRS,
        camera_views=views,
        high_risk_share=0.5,
    )
    day = coverage([("A", 0, 600, "g1")], ["s2"], shift_seconds=3600, **kw)
    night = coverage([], [], shift_seconds=7200, **kw)
    both = combine([day, night])
    a = both.areas.set_index("area_id")
    assert a.loc["A", "planned_visits"] == 1 and a.loc["A", "needed_visits"] == 2
    assert a.loc["A", "longest_gap_min"] == 120 and not a.loc["A", "met"]
    assert both.summary["shifts"] == 2
    # s4 is blind in both shifts (200 m each); s2 only at night.
    assert both.summary["blind_km"] == pytest.approx(0.2 + 0.4, abs=0.003)
    assert set(both.blind_spots["street_id"]) == {"s2", "s4"}
    doses, cover = plan_rows(dose, day, date="2026-07-15", shift_id="D")
    assert doses[0].planned_visits == 1 and doses[0].needed_minutes == 10
    assert {(c.level, c.id) for c in cover} == {("area", "A"), ("grid", "G1"), ("grid", "G2")}
