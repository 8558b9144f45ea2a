from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geodata import settings
from geodata.errors import InputError
from geodata.network import StreetNetwork, travel_time_matrix

UTM = "EPSG:32650"
TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def lonlat(x: float, y: float) -> list[float]:
    """Longitude, latitude of a point given in the fixture's UTM metres."""
    lon, lat = TO_LONLAT.transform(x, y)
    return [lon, lat]


def idx(node_id: int) -> int:
    """Node index of a fixture node id (ids 10..70 sort to indices 0..6)."""
    return node_id // 10 - 1


@pytest.fixture(scope="module")
def tiny_streets(data_dir) -> gpd.GeoDataFrame:
    frame = pd.read_csv(data_dir / "network" / "streets.csv", keep_default_na=False)
    geometry = gpd.GeoSeries.from_wkt(frame.pop("wkt"), crs=UTM)
    return gpd.GeoDataFrame(frame, geometry=geometry).to_crs("EPSG:4326")


@pytest.fixture(scope="module", params=[None, 50.0], ids=["ends-only", "split-50m"])
def tiny(tiny_streets, request) -> StreetNetwork:
    # Node-to-node results must not depend on whether long streets are split.
    return StreetNetwork.from_streets(tiny_streets, work_crs=UTM, max_edge_m=request.param)


@pytest.fixture(scope="module")
def tiny_split(tiny_streets) -> StreetNetwork:
    return StreetNetwork.from_streets(tiny_streets, work_crs=UTM, max_edge_m=50.0)


def street_nodes(nodes) -> list[int]:
    """The street-end node indices (0..6) among node indices, dropping interior nodes."""
    return [int(n) for n in nodes if n < 7]


# --------------------------------------------------------------------------- tiny network


def test_nodes_come_from_street_ends(tiny):
    """Tests that nodes are the sorted u/v ids placed at the ends of the street geometries."""
    assert tiny.node_ids[:7].tolist() == [10, 20, 30, 40, 50, 60, 70]
    assert (tiny.node_ids[7:] < 0).all()
    np.testing.assert_allclose(tiny.node_lonlat(idx(30)), lonlat(668200, 3546000), atol=1e-9)
    np.testing.assert_allclose(
        tiny.node_lonlat([idx(10), idx(70)]),
        [lonlat(668000, 3546000), lonlat(668300, 3546000)],
        atol=1e-9,
    )
    assert tiny.node_index(40) == 3
    assert tiny.edge_nodes("e6") == (idx(40), idx(10))


@pytest.mark.parametrize(
    ("mode", "pairs"),
    [
        # Foot: 80 s per 100 m, takes the steps, ignores the one-way street.
        ("foot", {(10, 30): 160, (30, 10): 160, (10, 50): 160, (10, 70): 247, (70, 10): 247}),
        # Bicycle: 30 s per 100 m, pushes on the footway (80 s), no steps, ignores one-way.
        ("bicycle", {(10, 50): 110, (50, 10): 110, (20, 50): 90, (10, 70): 93, (70, 20): 63}),
        # E-bike: 20 s per 100 m, pushes on the footway, bound by the one-way 20 -> 30.
        ("ebike", {(10, 30): 40, (30, 10): 140, (20, 30): 20, (30, 20): 160, (40, 60): 40}),
        # Motorcycle: 14.4 s per 100 m summed in ms and rounded up once (43.2 s -> 44 s).
        ("motorcycle", {(30, 40): 44, (40, 30): 44, (30, 50): 29, (60, 60): 0}),
    ],
)
def test_matrix_seconds_by_hand(tiny, mode, pairs):
    """Tests that node-to-node seconds match the hand-computed shortest times per mode."""
    sources = [idx(a) for a, _ in pairs]
    targets = [idx(b) for _, b in pairs]
    full = tiny.matrix(sources, targets, mode)
    assert full.dtype == np.int64
    assert np.diagonal(full).tolist() == list(pairs.values())


def test_parallel_street_uses_the_faster_one(tiny):
    """Tests that of two parallel streets the shorter one carries the path (e1, not e9)."""
    assert tiny.path_streets(idx(10), idx(20), "foot") == (["e1"], [True])
    assert tiny.matrix([idx(20)], [idx(10)], "foot").tolist() == [[80]]


def test_largest_strong_component_per_mode(tiny):
    """Tests that only the largest strongly connected part is reachable for each mode."""
    # Foot and bicycle ignore one-way streets: everything is connected.
    assert tiny.reachable("foot").tolist() == list(range(tiny.n_nodes))
    assert street_nodes(tiny.reachable("bicycle")) == list(range(7))  # not inside the steps
    # 70 is a one-way dead end for motor modes.
    ebike = street_nodes(tiny.reachable("ebike"))
    assert ebike == [idx(n) for n in (10, 20, 30, 40, 50, 60)]
    # Without footway and steps, 10-20 is cut off from 30-60 (20 -> 30 is one-way).
    motorcycle = street_nodes(tiny.reachable("motorcycle"))
    assert motorcycle == [idx(n) for n in (30, 40, 50, 60)]
    with pytest.raises(InputError, match="not on the connected part of the ebike network"):
        tiny.matrix([idx(10)], [idx(70)], "ebike")


def test_snap_picks_reachable_nodes_with_distance(tiny):
    """Tests that snapping picks the nearest node of the mode's reachable part and its metres."""
    points = [lonlat(668000, 3546011), lonlat(668290, 3546004)]
    nodes, dist = tiny.snap(points, "foot", return_distance=True)
    assert nodes.tolist() == [idx(10), idx(70)]
    np.testing.assert_allclose(dist, [11.0, np.hypot(10, 4)], atol=0.01)
    # For the motorcycle, node 10 is not reachable: the nearest reachable node is 40.
    assert tiny.snap(points[:1], "motorcycle").tolist() == [idx(40)]
    np.testing.assert_allclose(tiny.snap_distance(points[:1], "motorcycle"), [89.0], atol=0.01)
    # For the e-bike, 70 is not reachable: 30 is the nearest reachable node.
    assert tiny.snap(points[1:], "ebike").tolist() == [idx(30)]
    assert tiny.snap(np.empty((0, 2)), "foot").tolist() == []


def test_travel_time_matrix_adds_access_at_both_ends(tiny):
    """Tests that point matrices add the access legs once, round up once, and zero the diagonal."""
    points = [lonlat(668000, 3546011), lonlat(668200, 3546000), lonlat(668200, 3546000)]
    # Foot: 11 m at 1.25 m/s = 8.8 s of access, plus 160 s from 10 to 30.
    assert travel_time_matrix(tiny, points, "foot").tolist() == [
        [0, 169, 169],
        [169, 0, 0],
        [169, 0, 0],
    ]
    # E-bike: 11 m at 5 m/s = 2.2 s; 10 -> 30 is 40 s, 30 -> 10 is 140 s (one-way 20 -> 30).
    assert travel_time_matrix(tiny, points[:2], "ebike").tolist() == [[0, 43], [143, 0]]
    rect = travel_time_matrix(tiny, points[:1], "ebike", targets=points[1:2])
    assert rect.tolist() == [[43]]


def test_points_at_the_same_place_are_zero_apart(tiny):
    """Tests that two copies of an off-street point are 0 s apart, not twice the access leg."""
    off_street = lonlat(668000, 3546011)  # 11 m from node 10
    node_30 = lonlat(668200, 3546000)
    seconds = travel_time_matrix(tiny, [off_street, node_30, off_street], "foot")
    assert seconds.tolist() == [[0, 169, 0], [169, 0, 169], [0, 169, 0]]
    rect = travel_time_matrix(tiny, [off_street, node_30], "foot", targets=[off_street])
    assert rect.tolist() == [[0], [169]]


def corners(line) -> np.ndarray:
    """Vertices of a line (or list of points) without those on a straight run."""
    line = shapely.LineString(line)
    return np.asarray(shapely.simplify(line, 1e-7, preserve_topology=False).coords)


def test_path_follows_street_geometries_in_travel_direction(tiny):
    """Tests that path geometry chains street geometries, each turned the way it is travelled."""
    # Bicycle 10 -> 50: footway e6 (stored 40 -> 10) then e5 (stored 50 -> 40), both reversed.
    assert tiny.path_streets(idx(10), idx(50), "bicycle") == (["e6", "e5"], [False, False])
    line = tiny.path(idx(10), idx(50), "bicycle")
    expected = [lonlat(668000, 3546000), lonlat(668000, 3546100), lonlat(668100, 3546100)]
    np.testing.assert_allclose(corners(line), corners(expected), atol=1e-9)
    assert tiny.path_length(idx(10), idx(50), "bicycle") == pytest.approx(200.0)
    # Foot 10 -> 70 keeps the bend of the dead-end lane.
    line = tiny.path(idx(10), idx(70), "foot")
    xs = [668000, 668100, 668200, 668250, 668300]
    ys = [3546000, 3546000, 3546000, 3545980, 3546000]
    expected = [lonlat(x, y) for x, y in zip(xs, ys, strict=True)]
    np.testing.assert_allclose(corners(line), corners(expected), atol=1e-9)
    assert tiny.path_length(idx(10), idx(70), "foot") == pytest.approx(307.7)
    # A path from a node to itself is a zero-length line at the node.
    assert shapely.length(tiny.path(idx(30), idx(30), "foot")) == 0.0


def test_geometry_stored_from_v_to_u_is_turned_round(tiny_streets):
    """Tests that a street whose geometry runs from v to u is drawn in the right order."""
    streets = tiny_streets[tiny_streets["id"] != "e1"].copy()  # paths from 10 to 20 take e9
    bent = [(668000, 3546000), (668020, 3545950), (668080, 3545960), (668100, 3546000)]
    stored = shapely.LineString([lonlat(x, y) for x, y in reversed(bent)])  # from v to u
    streets.loc[streets["id"] == "e9", "geometry"] = stored
    # e8 leads to the dead end 70: its reversed geometry is the only word on where 70 is.
    dead_end = streets["id"] == "e8"
    streets.loc[dead_end, "geometry"] = shapely.reverse(streets.loc[dead_end, "geometry"])
    net = StreetNetwork.from_streets(streets, work_crs=UTM, max_edge_m=None)
    line = net.path(idx(10), idx(20), "foot")
    np.testing.assert_allclose(line.coords, [lonlat(x, y) for x, y in bent], atol=1e-9)
    assert net.path_streets(idx(10), idx(20), "foot") == (["e9"], [True])
    np.testing.assert_allclose(net.node_lonlat(idx(10)), lonlat(668000, 3546000), atol=1e-9)
    np.testing.assert_allclose(net.node_lonlat(idx(70)), lonlat(668300, 3546000), atol=1e-9)
    line = net.path(idx(30), idx(70), "foot")
    expected = [lonlat(668200, 3546000), lonlat(668250, 3545980), lonlat(668300, 3546000)]
    np.testing.assert_allclose(line.coords, expected, atol=1e-9)


def test_edge_times_for_alleys(tiny):
    """Tests that a street's end-to-end time follows its class and the one-way rule."""
    assert tiny.edge_time("e6", "foot") == 80
    assert tiny.edge_time("e6", "bicycle", reverse=True) == 80  # pushed on the footway
    assert tiny.edge_time("e2", "ebike") == 20
    assert tiny.edge_time("e8", "foot") == 87  # 107.7 m at 1.25 m/s = 86.16 s
    assert not tiny.can_traverse("e2", "ebike", reverse=True)
    assert tiny.can_traverse("e2", "bicycle", reverse=True)
    assert not tiny.can_traverse("e7", "bicycle")  # steps
    assert not tiny.can_traverse("e8", "ebike")  # 70 is off the e-bike's connected part
    with pytest.raises(InputError, match="Street 'e2' cannot be travelled from v to u by ebike"):
        tiny.edge_time("e2", "ebike", reverse=True)
    times = tiny.edge_times("motorcycle")
    assert times["e3"] == 15
    assert times["e6"] == -1
    assert times["e1"] == -1  # 10-20 is off the motorcycle's connected part


def test_matrix_rows_are_cached(tiny_streets):
    """Tests that a second matrix call reuses the rows of the first without a new Dijkstra."""
    net = StreetNetwork.from_streets(tiny_streets, work_crs=UTM, max_edge_m=None)
    first = net.matrix([0, 1, 1], [0, 1, 2, 3], "foot")
    graph = net._graphs["foot"]
    assert graph.forward is not None
    assert graph.forward.have.tolist() == [True, True, False, False, False, False, False]
    assert np.array_equal(net.matrix([1, 0], [0, 1, 2, 3], "foot"), first[[1, 0]])
    assert graph.forward.have.tolist() == [True, True, False, False, False, False, False]


def test_few_targets_search_backwards(tiny_streets):
    """Tests that many-to-few matrices search back from the targets and give the same times."""
    net = StreetNetwork.from_streets(tiny_streets, work_crs=UTM, max_edge_m=None)
    sources = [idx(n) for n in (20, 30, 40, 50, 60)]
    # E-bike to 10 (one-way 20 -> 30 binds): from 30 the long way round, 140 s.
    assert net.matrix(sources, [idx(10)], "ebike").tolist() == [[20], [140], [80], [100], [120]]
    graph = net._graphs["ebike"]
    assert graph.backward is not None and graph.backward is not graph.forward
    assert graph.backward.have.tolist() == [True, False, False, False, False, False, False]
    assert graph.forward is not None and not graph.forward.have.any()
    # The same figures from a forward search of every source.
    full = StreetNetwork.from_streets(tiny_streets, work_crs=UTM, max_edge_m=None)
    both = [*sources, idx(10)]
    assert np.array_equal(
        full.matrix(both, both, "ebike")[:5, 5:], [[20], [140], [80], [100], [120]]
    )
    # Foot is symmetric: one cache serves both directions.
    net.matrix(sources, [idx(10)], "foot")
    assert net._graphs["foot"].backward is net._graphs["foot"].forward


def test_long_streets_are_split_into_interior_nodes(tiny_split):
    """Tests that streets longer than max_edge_m get equally spaced interior nodes."""
    # Seven 100 m streets get 1 interior node each; e8 (107.7 m) and e9 (141.42 m) get 2.
    assert tiny_split.n_nodes == 7 + 7 + 2 + 2
    assert sorted(tiny_split.node_ids[7:].tolist()) == list(range(-11, 0))
    middle = lonlat(668050, 3546000)  # the middle of e1
    node, dist = tiny_split.snap([middle], "foot", return_distance=True)
    assert node[0] >= 7
    assert dist[0] == pytest.approx(0.0, abs=0.01)
    np.testing.assert_allclose(tiny_split.node_lonlat(node[0]), middle, atol=1e-9)
    assert tiny_split.path_streets(idx(10), int(node[0]), "foot") == (["e1"], [True])
    assert tiny_split.path_length(idx(10), int(node[0]), "foot") == pytest.approx(50.0)
    assert tiny_split.edge_nodes("e1") == (idx(10), idx(20))


def test_split_streets_snap_points_along_the_street(tiny_split):
    """Tests that points in mid-street snap to interior nodes and keep one-way rules."""
    mid_e2 = lonlat(668150, 3546005)  # 5 m off the middle of the one-way e2 (20 -> 30)
    mid_e3 = lonlat(668200, 3546050)  # the middle of e3
    # Foot: 50 m of e2 + 50 m of e3 = 80 s, plus 5 m of access at 1.25 m/s.
    assert travel_time_matrix(tiny_split, [mid_e2, mid_e3], "foot").tolist() == [[0, 84], [84, 0]]
    # E-bike (5 m of access = 1 s): forward 10 s + 10 s; back the long way round, by 60, 50,
    # 40, the footway pushed (80 s) and 20: 10 + 20 + 20 + 80 + 20 + 10 s.
    seconds = travel_time_matrix(tiny_split, [mid_e2, mid_e3], "ebike")
    assert seconds.tolist() == [[0, 21], [161, 0]]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # No rows at all.
        (lambda s: s.iloc[0:0], "The streets layer is empty"),
        # A required column is missing.
        (lambda s: s.drop(columns=["oneway"]), "lacks the column\\(s\\) oneway"),
        # Two streets with the same id.
        (lambda s: s.assign(id=["e1"] * len(s)), "duplicate id 'e1'"),
        # No CRS.
        (lambda s: s.set_crs(None, allow_override=True), "has no CRS"),
        # A node id that is not an integer.
        (lambda s: s.assign(u=["x", *s["u"].tolist()[1:]]), "Street 'e1' has u = 'x'"),
        # A negative length.
        (
            lambda s: s.assign(length=[-1.0, *s["length"].tolist()[1:]]),
            "Street 'e1' has length -1.0, not a finite",
        ),
        # A oneway flag that is not a boolean.
        (lambda s: s.assign(oneway=["maybe"] * len(s)), "oneway = 'maybe'"),
        # A point instead of a line.
        (
            lambda s: s.set_geometry([shapely.Point(0, 0), *s.geometry.tolist()[1:]], crs=s.crs),
            "Street 'e1' has no LineString geometry",
        ),
    ],
)
def test_bad_streets_raise_input_error(tiny_streets, change, message):
    """Tests that unusable streets layers are refused with one sentence naming the problem."""
    with pytest.raises(InputError, match=message) as info:
        StreetNetwork.from_streets(change(tiny_streets.copy()))
    assert str(info.value).count(". ") == 0


def test_not_a_geodataframe_raises_input_error():
    """Tests that a plain DataFrame is refused."""
    with pytest.raises(InputError, match="must be a GeoDataFrame"):
        StreetNetwork.from_streets(pd.DataFrame({"id": ["e1"]}))


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[118.78, np.nan]], "Point 0 has a coordinate that is not finite"),  # NaN latitude
        ([[118.78, 32.04], [np.inf, 32.0]], "Point 1 has a coordinate"),  # infinite longitude
        ([118.78, 32.04], "not shape \\(2,\\)"),  # one point, not an (n, 2) array
        ([[1.0, 2.0, 3.0]], "not shape \\(1, 3\\)"),  # three columns
        ([["a", "b"]], "Points must be numbers"),  # text
        ([[668000.0, 3546000.0]], "is not a longitude, latitude pair"),  # metres, not degrees
    ],
)
def test_bad_points_raise_input_error(tiny, points, message):
    """Tests that points that are not finite lon/lat pairs are refused."""
    with pytest.raises(InputError, match=message):
        tiny.snap(points, "foot")
    with pytest.raises(InputError, match=message):
        travel_time_matrix(tiny, points, "foot")


def test_unknown_mode_and_bad_indices_raise_input_error(tiny):
    """Tests that unknown modes, node indices and street ids are refused with one sentence."""
    with pytest.raises(InputError, match="Unknown travel mode 'car'; expected one of foot"):
        tiny.matrix([0], [1], "car")
    with pytest.raises(InputError, match="Unknown travel mode 'car'"):
        travel_time_matrix(tiny, [lonlat(668000, 3546000)], "car")
    last = tiny.n_nodes - 1
    with pytest.raises(InputError, match=rf"target node index 99 is out of range 0\.\.{last}\."):
        tiny.matrix([0], [99], "foot")
    with pytest.raises(InputError, match="must be integers"):
        tiny.matrix([0.5], [1], "foot")
    with pytest.raises(InputError, match="Street 'nope' is not in the street network"):
        tiny.edge_nodes("nope")
    with pytest.raises(InputError, match="Node 99 is not a node of the street network"):
        tiny.node_index(99)


def test_street_with_no_mode_cannot_snap(tiny_streets):
    """Tests that a network without streets open to a mode refuses to snap for it."""
    steps_only = tiny_streets[tiny_streets["highway"] == "steps"]
    net = StreetNetwork.from_streets(steps_only, work_crs=UTM)
    assert net.snap([lonlat(668100, 3546000)], "foot").tolist() == [0]
    with pytest.raises(InputError, match="No street of the network is open to motorcycle"):
        net.snap([lonlat(668100, 3546000)], "motorcycle")


def test_settings_cover_every_mode():
    """Tests that every mode has a speed, street classes and dismount rules, and walk < ride."""
    for mode in settings.MODES:
        assert settings.SPEEDS_MPS[mode] > 0
        assert settings.DISMOUNTED_HIGHWAYS[mode] <= settings.MODE_HIGHWAYS[mode]
    assert settings.SPEEDS_MPS["foot"] < settings.SPEEDS_MPS["bicycle"]
    assert settings.SPEEDS_MPS["bicycle"] < settings.SPEEDS_MPS["ebike"]
    assert settings.SPEEDS_MPS["ebike"] <= 25 / 3.6  # GB 17761-2018 cap
    assert "foot" not in settings.ONEWAY_MODES
    assert "bicycle" not in settings.ONEWAY_MODES


# --------------------------------------------------------------------------- default district


@pytest.fixture(scope="module")
def district():
    from geodata.bundle import DEFAULT_DISTRICT_DIR, load_district

    if not (DEFAULT_DISTRICT_DIR / "manifest.toml").is_file():
        pytest.skip(f"the default district bundle is not built at {DEFAULT_DISTRICT_DIR}")
    return load_district(DEFAULT_DISTRICT_DIR, validate=False)


@pytest.fixture(scope="module")
def district_net(district) -> StreetNetwork:
    return StreetNetwork.from_district(district)


@pytest.fixture(scope="module")
def district_points(district) -> np.ndarray:
    rng = np.random.default_rng(7)
    boundary = district.boundary_polygon
    minx, miny, maxx, maxy = boundary.bounds
    points = rng.uniform((minx, miny), (maxx, maxy), size=(400, 2))
    inside = points[shapely.contains_xy(boundary, points[:, 0], points[:, 1])]
    assert len(inside) >= 60
    return inside[:60]


@pytest.mark.parametrize("mode", settings.MODES)
def test_district_matrix_is_a_metric_on_reachable_points(
    district, district_net, district_points, mode
):
    """Tests that district matrices have a zero diagonal, no unreachable pairs, the triangle
    inequality, and symmetry for the modes not bound by one-way streets."""
    seconds = travel_time_matrix(district_net, district_points, mode)
    n = len(district_points)
    assert seconds.shape == (n, n)
    assert seconds.dtype == np.int64
    assert np.all(np.diagonal(seconds) == 0)
    off = seconds[~np.eye(n, dtype=bool)]
    assert off.min() > 0
    assert off.max() < 3 * 3600  # a 5.5 km² district is crossed in well under 3 hours on foot
    # Triangle inequality over every (i, j, k): seconds[i, k] <= seconds[i, j] + seconds[j, k].
    via = seconds[:, :, None] + seconds[None, :, :]
    assert np.all(seconds[:, None, :] <= via)
    if mode in settings.ONEWAY_MODES:
        assert not np.array_equal(seconds, seconds.T)  # the district has one-way streets
    else:
        assert np.array_equal(seconds, seconds.T)
    # Every snapped node is on the mode's strongly connected part: all pairs are reachable.
    nodes = district_net.snap(district_points, mode)
    assert np.isin(nodes, district_net.reachable(mode)).all()
    node_seconds = district_net.matrix(nodes, nodes, mode)
    assert node_seconds.min() >= 0
    # Many-to-few matrices search backwards from the targets on a fresh network: same times.
    fresh = StreetNetwork.from_district(district)
    assert np.array_equal(fresh.matrix(nodes, nodes[:3], mode), node_seconds[:, :3])
    assert np.all(node_seconds[:, None, :] <= node_seconds[:, :, None] + node_seconds[None, :, :])


@pytest.mark.parametrize("mode", settings.MODES)
def test_district_paths_match_their_nodes_and_lengths(
    district, district_net, district_points, mode
):
    """Tests that a path runs from its start node to its end node, is as long as path_length
    says, and (for single-speed modes) takes the matrix's time."""
    nodes = district_net.snap(district_points, mode)
    rng = np.random.default_rng(11)
    for i, j in rng.integers(0, len(nodes), size=(8, 2)):
        a, b = int(nodes[i]), int(nodes[j])
        line = district_net.path(a, b, mode)
        coords = np.asarray(line.coords)
        np.testing.assert_allclose(coords[0], district_net.node_lonlat(a), atol=1e-9)
        np.testing.assert_allclose(coords[-1], district_net.node_lonlat(b), atol=1e-9)
        metres = gpd.GeoSeries([line], crs="EPSG:4326").to_crs(district.work_crs).length.iloc[0]
        length = district_net.path_length(a, b, mode)
        streets, _ = district_net.path_streets(a, b, mode)
        # Street lengths are stored to 0.1 m.
        assert metres == pytest.approx(length, abs=0.05 * len(streets) + 1e-6)
        if not settings.DISMOUNTED_HIGHWAYS[mode]:
            ms = district_net.matrix_ms([a], [b], mode)[0, 0]
            expected = length / settings.SPEEDS_MPS[mode] * 1000
            assert ms == pytest.approx(expected, abs=0.5 * len(streets) + 1e-6)
