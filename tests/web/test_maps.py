"""Tests of the offline Folium layers (web/maps/layers.py) and their assets (web/maps/assets.py)."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd
import pytest
from flask import Flask
from shapely.geometry import LineString, Point

from web.maps import assets
from web.maps import layers as maps

if TYPE_CHECKING:
    from pathlib import Path

    from geodata.bundle import District


@pytest.fixture(scope="module")
def tiny(tiny_district: District) -> District:
    return tiny_district


def unescape_js(page: str) -> str:
    """The page with JSON's \\uXXXX escapes decoded, so Chinese text can be searched."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


@pytest.fixture(scope="module")
def html_zh(tiny: District) -> str:
    return unescape_js(assets.standalone_html(maps.district_map(tiny, lang="zh")))


@pytest.fixture(scope="module")
def html_en(tiny: District) -> str:
    return unescape_js(assets.standalone_html(maps.district_map(tiny, lang="en")))


def rendered_features(layer: folium.FeatureGroup) -> list[dict]:
    """The GeoJSON features a layer draws, read from the page of a map that holds it."""
    m = folium.Map(tiles=None)
    layer.add_to(m)
    page = m.get_root().render()
    decoder = json.JSONDecoder()
    features: list[dict] = []
    for match in re.finditer(r"geo_json_\w+_add\((?=\{)", page):
        data, _end = decoder.raw_decode(page, match.end())
        features.extend(data["features"])
    return features


class _Resources(HTMLParser):
    """Collects every src/href attribute and the text of the page's tags."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.scripts_with_src = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append((tag, name, value))
        if tag == "script" and any(name == "src" for name, _ in attrs):
            self.scripts_with_src += 1


def external_urls(page: str) -> list[tuple[str, str, str]]:
    parser = _Resources()
    parser.feed(page)
    return [u for u in parser.urls if re.match(r"^(https?:)?//", u[2], re.I)]


def geojson_payloads(page: str) -> list[dict]:
    """The GeoJSON objects that Folium embeds in the page (``.addData({...})``)."""
    out = []
    for match in re.finditer(r"^\s*geo_json_\w+_add\((\{.*\})\);$", page, re.M):
        out.append(json.loads(match.group(1)))
    return out


def test_standalone_page_loads_nothing_from_the_network(html_zh: str) -> None:
    """Tests that the written page has no http(s) src/href and no script loaded by URL."""
    assert external_urls(html_zh) == []
    parser = _Resources()
    parser.feed(html_zh)
    assert parser.scripts_with_src == 0
    assert '<link rel="stylesheet"' not in html_zh
    # Leaflet and jQuery are inlined, Leaflet's images too.
    assert "L.version" in html_zh or 'version="1.9.3"' in html_zh or "1.9.3" in html_zh
    assert "jQuery" in html_zh
    assert "url(data:image/png;base64," in html_zh
    # No public tile server unless asked for.
    assert "tile.openstreetmap.org" not in html_zh


def test_external_url_check_catches_network_resources() -> None:
    """Tests that the checker fails on a page that loads a script or stylesheet from a CDN."""
    page = folium.Map(tiles=None).get_root().render()
    assert external_urls(page)  # Folium's default page loads from CDNs


def test_plugin_with_cdn_assets_is_refused(tiny: District) -> None:
    """Tests that standalone_html refuses a map whose plugin still needs a CDN script."""
    from folium.plugins import Fullscreen

    m = maps.district_map(tiny)
    Fullscreen().add_to(m)
    with pytest.raises(assets.AssetsMissingError, match="network"):
        assets.standalone_html(m)


def test_map_draws_every_layer_with_details(html_zh: str) -> None:
    """Tests that streets, alleys, key areas, posts, cameras, grids and boundary are drawn."""
    names = ("中山路", "汉中路", "丰富巷", "示范小学", "丰富路菜场", "新街口警务室", "中山路东向")
    for text in (*names, "第一网格", "第二网格", "osm-n1", "osm-w2", "P1", "C1", "G01"):
        assert text in html_zh, text
    # Layer control names in Chinese.
    for text in ("辖区边界", "街道", "背街小巷", "网格", "巡逻基点", "视频监控"):
        assert text in html_zh, text
    assert "L.control.layers" in html_zh


def test_popups_show_name_category_priority_and_id(html_zh: str, html_en: str) -> None:
    """Tests that key-area popups carry name, category, priority and id with bilingual labels."""
    for page, labels in ((html_zh, ["名称", "类别", "重要度", "编号"]),
                         (html_en, ["Name", "Category", "Priority", "ID"])):  # fmt: skip
        assert 'let fields = ["name", "category", "priority", "id"];' in page
        assert f"let aliases = {json.dumps(labels, ensure_ascii=False)};" in page
    school = [
        f["properties"]
        for fc in geojson_payloads(html_en)
        for f in fc.get("features", [])
        if f["properties"].get("id") == "osm-n1"
    ]
    assert school, "the school's feature is in the page"
    assert school[0]["name"] == "Model Primary School (示范小学)"
    assert school[0]["category"] == "School"
    assert school[0]["priority"] == 5


def test_names_are_escaped(html_zh: str) -> None:
    """Tests that a name holding HTML and template characters is escaped, never markup."""
    assert "Bar <b>&</b>" not in html_zh
    assert "Bar &lt;b&gt;&amp;&lt;/b&gt;" in html_zh


def test_legend_is_bilingual(html_zh: str, html_en: str) -> None:
    """Tests that the legend has its title and entries in the chosen language."""
    for text in ("图例", "主干道", "背街小巷", "学校", "农贸市场", "巡逻基点", "监控点位"):
        assert text in html_zh, text
    for text in ("Legend", "Major street", "Back alley", "School", "Market", "Patrol post"):
        assert text in html_en, text
    assert "图例" not in html_en
    assert "小街区 巡逻辖区图" in html_zh
    assert "Tiny — patrol district map" in html_en


def test_attribution_and_bounds(html_zh: str) -> None:
    """Tests the OSM attribution text and that the map fits the district's boundary."""
    assert "OpenStreetMap contributors, ODbL" in html_zh
    # web.maps.FitBounds: the bounds, then the side padding it shrinks on narrow maps
    match = re.search(r"var b = (\[\[[^\]]*\],\s*\[[^\]]*\]\]), pad = \[190, 200\]", html_zh)
    assert match
    (lat0, lon0), (lat1, lon1) = json.loads(match.group(1))
    assert (lat0, lon0, lat1, lon1) == pytest.approx((32.04, 118.78, 32.043, 118.784))


def test_alleys_and_major_streets_are_styled_apart(tiny: District) -> None:
    """Tests that alleys go in their own layer and major streets are drawn thicker."""
    streets, alleys = maps.streets_layers(tiny.streets, lang="en")
    assert streets.layer_name == "Streets" and alleys.layer_name == "Back alleys"
    assert maps.street_class("primary", False) == "major"
    assert maps.street_class("tertiary", False) == "secondary"
    assert maps.street_class("residential", False) == "minor"
    assert maps.street_class("primary", True) == "alley"
    major_w = maps.STREET_STYLES["major"][1]
    minor_w = maps.STREET_STYLES["minor"][1]
    assert major_w > minor_w
    assert maps.STREET_STYLES["alley"][0] not in {
        maps.STREET_STYLES[k][0] for k in ("major", "secondary", "minor")
    }
    alley_ids = {f["properties"]["id"] for f in rendered_features(alleys)}
    assert alley_ids == {"e4", "e5"}


def test_coordinates_are_rounded_to_six_decimals() -> None:
    """Tests that GeoJSON coordinates keep at most six decimals."""
    fc = maps.feature_collection(
        [LineString([(118.78200012345678, 32.041), (118.7820004, 32.0420000009)])], [{}]
    )
    coords = json.loads(json.dumps(fc))["features"][0]["geometry"]["coordinates"]
    assert coords == [[118.782, 32.041], [118.782, 32.042]]


def test_key_area_layers_per_category(tiny: District) -> None:
    """Tests one layer per category, with counts, and the categories' own colours."""
    layers = maps.key_area_layers(tiny.key_areas, lang="zh")
    by_cat = {style.category: count for _g, style, count in layers}
    assert by_cat == {"school": 1, "market": 1, "entertainment": 1}
    from geodata.categories import CATEGORIES

    for _g, style, _n in layers:
        assert style.colour == CATEGORIES[style.category].color
        assert style.name_zh == CATEGORIES[style.category].label_zh


def test_text_colour_reads_on_light_and_dark_markers() -> None:
    """Tests that light marker colours get dark text and dark ones white text."""
    assert maps.text_colour("#ffffff") == "#1a1a1a"
    assert maps.text_colour("#98df8a") == "#1a1a1a"
    assert maps.text_colour("#0d3b8c") == "#ffffff"
    assert maps.text_colour("#d62728") == "#ffffff"


def _metres(geom, origin: Point):
    gs = gpd.GeoSeries([geom, origin], crs="EPSG:4326").to_crs("EPSG:32650")
    return gs.iloc[0], gs.iloc[1]


def test_camera_sector_points_the_right_way() -> None:
    """Tests that a camera facing east with 60° and 40 m gives an eastward sector of 40 m."""
    cam = Point(118.781, 32.041)
    cameras = gpd.GeoDataFrame(
        {"id": ["C1"], "heading": [90.0], "fov": [60.0], "range": [40.0]},
        geometry=[cam],
        crs="EPSG:4326",
    )
    (sector,) = maps.camera_view_areas(cameras)
    poly, origin = _metres(sector, cam)
    xs, ys = poly.exterior.coords.xy
    dists = [math.hypot(x - origin.x, y - origin.y) for x, y in zip(xs, ys, strict=True)]
    assert max(dists) == pytest.approx(40.0, abs=0.5)
    assert min(xs) >= origin.x - 0.01  # nothing west of the camera
    # Sector area = fov/360 * pi r^2, within the polygon's chord error.
    assert poly.area == pytest.approx(math.pi * 40**2 / 6, rel=0.02)


def test_all_round_camera_is_a_circle() -> None:
    """Tests that a camera with no heading covers a full circle of its range."""
    cam = Point(118.783, 32.042)
    cameras = gpd.GeoDataFrame(
        {"id": ["C2"], "heading": [float("nan")], "fov": [360.0], "range": [30.0]},
        geometry=[cam],
        crs="EPSG:4326",
    )
    (circle,) = maps.camera_view_areas(cameras)
    poly, origin = _metres(circle, cam)
    assert poly.contains(origin)
    assert poly.area == pytest.approx(math.pi * 30**2, rel=0.02)


def test_route_layer_numbers_stops_with_times() -> None:
    """Tests that a route's stops are numbered in order, with arrival times and popups."""
    stops = [
        maps.MapStop(118.781, 32.041, "示范小学", arrival="07:40", window="07:30–08:00",
                     dwell_min=10, note="校门口", id="osm-n1"),
        maps.MapStop(118.783, 32.042, "丰富路菜场", arrival="08:05", id="osm-w2"),
        maps.MapStop(118.7815, 32.0405, "新街口警务室", arrival="08:30", id="P1"),
    ]  # fmt: skip
    m = folium.Map(tiles=None)
    path = LineString([(118.781, 32.041), (118.783, 32.041), (118.783, 32.042)])
    layer = maps.route_layer(stops, path, name="A组 白班", colour="#1565c0", lang="zh")
    assert layer.layer_name == "A组 白班"
    layer.add_to(m)
    page = unescape_js(assets.standalone_html(m)).replace('\\"', '"')
    numbers = re.findall(r'class="pm-stop" style="background:#1565c0">(\d+)<', page)
    assert numbers == ["1", "2", "3"]
    for text in ("07:40", "08:05", "08:30", "计划到达", "时间窗", "校门口", "07:30–08:00"):
        assert text in page, text
    assert external_urls(page) == []


def test_risk_classes_and_layers(tiny: District) -> None:
    """Tests the five risk colours and that streets/grids are coloured by their risk."""
    assert maps.risk_colour(0.0, 10.0) is None
    assert maps.risk_colour(1.0, 10.0) == maps.RISK_COLOURS[0]
    assert maps.risk_colour(10.0, 10.0) == maps.RISK_COLOURS[-1]
    assert maps.risk_colour(5.0, 10.0) == maps.RISK_COLOURS[2]
    layer = maps.risk_streets_layer(tiny.streets, {"e4": 8.0, "e1": 1.0}, lang="en")
    features = rendered_features(layer)
    colours = {f["properties"]["id"]: f["properties"]["colour"] for f in features}
    assert colours == {"e4": maps.RISK_COLOURS[-1], "e1": maps.RISK_COLOURS[0]}
    grids = maps.risk_grids_layer(tiny.grids, pd.Series({"G01": 0.0, "G02": 3.0}))
    fills = {f["properties"]["id"]: f["properties"]["colour"] for f in rendered_features(grids)}
    assert fills == {"G01": "#ffffff", "G02": maps.RISK_COLOURS[-1]}


def test_online_tiles_only_when_asked(tiny: District) -> None:
    """Tests that the public tile layer is present only with online_tiles=True."""
    page = assets.standalone_html(maps.district_map(tiny, online_tiles=True))
    assert "tile.openstreetmap.org" in page
    assert external_urls(page) == []  # tile URLs live in script, not in src/href


def test_bad_language_is_refused(tiny: District) -> None:
    """Tests that an unknown label language is refused with a clear message."""
    with pytest.raises(ValueError, match="zh, en"):
        maps.district_map(tiny, lang="fr")


def test_flask_serves_local_assets() -> None:
    """Tests the blueprint that serves Leaflet and jQuery and maps pointed at it."""
    app = Flask(__name__)
    app.register_blueprint(assets.assets_blueprint(url_prefix="/static/vendor"))
    client = app.test_client()
    js, css = assets.folium_defaults("/static/vendor/")
    for _name, url in js + css:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.data) > 1000
        response.close()
    image = client.get("/static/vendor/leaflet/images/layers.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    image.close()
    assert client.get("/static/vendor/bootstrap/bootstrap.js").status_code == 404
    assert client.get("/static/vendor/leaflet/../../../etc/passwd").status_code == 404
    page = assets.local_html(folium.Map(tiles=None), "/static/vendor")
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in page
    assert '<script src="/static/vendor/jquery/jquery.min.js"></script>' in page
    assert external_urls(page) == []


def _browser() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


@pytest.mark.slow
def test_page_renders_in_headless_chromium_without_network(html_zh: str, tmp_path: Path) -> None:
    """Tests in real headless Chromium that the map draws offline and requests nothing outside.

    Every request goes to a dead proxy on loopback, so nothing can leave the machine; the
    browser's own network log then shows whether the page asked for anything but itself.
    """
    import subprocess

    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    page = tmp_path / "map.html"
    page.write_text(html_zh, encoding="utf-8")
    net_log = tmp_path / "net.json"
    args = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={net_log}",
        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
        "--window-size=1200,900", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    dom = done.stdout
    assert "leaflet-container" in dom, done.stderr[-2000:]
    # Streets and areas are SVG paths; key areas, posts and grid names are Leaflet markers.
    assert dom.count("<path") >= 10
    assert dom.count("leaflet-marker-icon") >= 6
    assert "pm-legend" in dom and "图例" in dom
    assert "Uncaught" not in done.stderr
    log = json.loads(net_log.read_text(encoding="utf-8"))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    page_requests = {
        e["params"]["url"]
        for e in log["events"]
        if types.get(e["type"]) == "URL_REQUEST_START_JOB"
        and "url" in e.get("params", {})
        # The browser's own background requests carry no page origin; a page's do.
        and e["params"].get("initiator") != "not an origin"
        and not e["params"]["url"].startswith(("file:", "data:"))
    }
    assert page_requests == set()


def test_camera_view_areas_follow_the_streets(tiny: District) -> None:
    """Tests that drawn view areas are clipped to the street corridors the camera watches."""
    areas = maps.camera_view_areas(tiny.cameras, tiny.streets, work_crs="EPSG:32650")
    assert len(areas) == 2
    metric = gpd.GeoSeries(areas, crs="EPSG:4326").to_crs("EPSG:32650")
    streets = tiny.streets.to_crs("EPSG:32650").geometry.union_all()
    for area in metric:
        assert not area.is_empty
        assert area.difference(streets.buffer(13.0)).area < 1.0  # within the corridor
    # The east-facing camera at the west end of 中山路 sees along it, up to its 40 m range.
    cam = tiny.cameras.to_crs("EPSG:32650").geometry.iloc[0]
    minx, _, maxx, _ = metric.iloc[0].bounds
    assert minx >= cam.x - 0.5
    assert maxx == pytest.approx(cam.x + 40.0, abs=1.0)


def test_layers_added_later_are_in_the_layer_control(tiny: District) -> None:
    """Tests that a route added after district_map is listed by the layer control."""
    m = maps.district_map(tiny, lang="en")
    route = maps.route_layer(
        [maps.MapStop(118.781, 32.041, "a", arrival="08:00"), maps.MapStop(118.783, 32.042, "b")],
        name="Group A day",
    )
    maps.add_layers(m, route)
    page = assets.standalone_html(m)
    control = re.search(r"var (layer_control_\w+_layers) = \{(.*?)\};", page, re.S)
    assert control and route.get_name() in control.group(2)
    assert page.index(f"var {route.get_name()} =") < control.start()
