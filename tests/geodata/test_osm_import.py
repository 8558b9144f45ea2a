"""Tests of the OSM import on a hand-made file and on the two shared OSM extracts."""

from __future__ import annotations

import bz2
import gzip
import re
import shutil
from typing import TYPE_CHECKING

import pytest

from geodata.bundle import District, load_district, summarize_district, write_district
from geodata.categories import CATEGORIES, CATEGORY_TABLE, classify, is_police
from geodata.errors import InputError, OsmImportError
from geodata.osm_import import import_osm, is_alley, is_walkable

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def tiny_osm(data_dir: Path) -> Path:
    """The hand-made 3 x 3 street grid with points of interest."""
    return data_dir / "bundles" / "tiny_town.osm"


@pytest.fixture(scope="module")
def tiny(tiny_osm: Path) -> District:
    """The district imported from the hand-made file."""
    return import_osm(tiny_osm, name="Tiny town")


@pytest.fixture(scope="module")
def nanjing(shared_dir: Path) -> District:
    """The district imported from the Xinjiekou extract, once for the module."""
    return import_osm(shared_dir / "data" / "osm" / "nanjing_xinjiekou.osm")


def test_tiny_street_network(tiny: District) -> None:
    """Tests that the 3 x 3 grid gives 9 nodes and 12 segments, without the dropped ways."""
    st = tiny.streets
    assert len(set(st["u"]) | set(st["v"])) == 9
    assert len(st) == 12
    assert set(st["osm_way"]) == {101, 102, 103, 104, 105, 106, 107}
    assert "motorway" not in set(st["highway"])
    assert "孤路" not in set(st["name"])  # its only link is under construction
    # Row segments span 0.002° of longitude at 32°N, about 189 m; column ones 0.0015° lat.
    rows = st[st["name"].isin(["中山路", "北京路"])]
    assert rows["length"].to_numpy() == pytest.approx(188.9, abs=0.3)
    assert st.loc[st["highway"] == "footway", "length"].to_numpy() == pytest.approx(166.3, abs=0.3)


def test_tiny_alleys_and_oneway(tiny: District) -> None:
    """Tests the alley flag by class (footway, service, living_street) and by name (石板巷)."""
    st = tiny.streets.set_index("id")
    assert int(st["alley"].sum()) == 6
    assert st.loc["e4-5", "alley"] and st.loc["e4-5", "name"] == "石板巷"
    assert st.loc["e1-4", "alley"] and st.loc["e1-4", "highway"] == "footway"
    assert not st.loc["e1-2", "alley"]
    assert st.loc["e3-6", "oneway"] and not st.loc["e1-2", "oneway"]
    assert st.loc["e3-6", "u"] == 3 and st.loc["e3-6", "v"] == 6


def test_tiny_key_areas_and_posts(tiny: District) -> None:
    """Tests categories, stable ids, polygons, duplicate and outside removal, and the post."""
    ka = tiny.key_areas.set_index("id")
    assert sorted(ka.index) == ["osm-n40", "osm-n43", "osm-n46", "osm-w120"]
    assert ka.loc["osm-n40", "category"] == "school"
    assert ka.loc["osm-n40", "name_en"] == "Yucai Primary School"
    assert ka.loc["osm-n40", "priority"] == CATEGORIES["school"].priority
    assert ka.loc["osm-w120", "geometry"].geom_type == "Polygon"
    assert ka.loc["osm-n46", "category"] == "internet_cafe"
    posts = tiny.posts
    assert posts["id"].tolist() == ["osm-n42"]
    assert posts["name"].tolist() == ["新街口派出所"]


def test_tiny_boundary_and_manifest(tiny: District) -> None:
    """Tests that the <bounds> element is the boundary and the manifest is filled."""
    minx, miny, maxx, maxy = tiny.boundary.geometry.iloc[0].bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((118.0, 32.0, 118.005, 32.004))
    assert tiny.manifest["name"] == "Tiny town"
    assert tiny.manifest["work_crs"] == "EPSG:32650"
    assert "OpenStreetMap" in tiny.manifest["attribution"]


def test_tiny_round_trip(tiny: District, tmp_path: Path) -> None:
    """Tests that the imported district writes a bundle that loads and validates."""
    out = write_district(tiny, tmp_path / "tiny")
    again = load_district(out)
    assert summarize_district(again)["street_edges"] == 12
    assert len(again.cameras) == 0 and len(again.incidents) == 0


@pytest.mark.parametrize("opener", [gzip.open, bz2.open])
def test_compressed_files(tiny_osm: Path, tmp_path: Path, opener) -> None:
    """Tests that .osm.gz and .osm.bz2 files import like the plain file."""
    target = tmp_path / "town.osm.x"
    with tiny_osm.open("rb") as src, opener(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert len(import_osm(target).streets) == 12


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        ("this is not xml", "not readable OSM XML"),
        ("<html><body/></html>", "not OpenStreetMap data"),
        ('<osm version="0.6"></osm>', "no OSM nodes"),
        (
            '<osm><node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>'
            '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>',
            "no walkable highway",
        ),
        ('<osm><node id="1" lat="0" lon="0"/>', "not readable OSM XML"),
        ('<osm><node id="7" lat="north" lon="0"/></osm>', "malformed <node> element (id '7')"),
    ],
)
def test_bad_files(tmp_path: Path, content: str | None, expected: str) -> None:
    """Tests that unreadable or street-less files get one clear OsmImportError sentence."""
    file = tmp_path / "bad.osm"
    if content is not None:
        file.write_text(content, encoding="utf-8")
    with pytest.raises(OsmImportError) as info:
        import_osm(file)
    assert expected in str(info.value)
    assert isinstance(info.value, InputError)
    assert "\n" not in str(info.value)


def test_walkable_filter() -> None:
    """Tests which highway ways the network keeps."""
    assert is_walkable({"highway": "footway"})
    assert is_walkable({"highway": "trunk"})
    assert not is_walkable({"highway": "motorway"})
    assert not is_walkable({"highway": "construction"})
    assert not is_walkable({"highway": "pedestrian", "area": "yes"})
    assert not is_walkable({"highway": "service", "access": "private"})
    assert is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    assert not is_walkable({"building": "yes"})


def test_alley_rule() -> None:
    """Tests the alley rule by class and by the name endings 巷, 胡同, 弄, 里."""
    assert is_alley("service", "")
    assert is_alley("residential", "东铁管巷")
    assert is_alley("residential", "南锣鼓巷胡同")
    assert is_alley("residential", "石库门弄")
    assert is_alley("residential", "石鼓里")
    assert not is_alley("residential", "中山路")
    assert not is_alley("primary", "")


def test_category_table() -> None:
    """Tests the category table: tags to categories, police to posts, labels and priorities."""
    assert classify({"amenity": "school"}) == "school"
    assert classify({"amenity": "kindergarten"}) == "kindergarten"
    assert classify({"shop": "convenience"}) == "convenience"
    assert classify({"shop": "mall"}) == "supermarket"
    assert classify({"amenity": "atm"}) == "atm"
    assert classify({"amenity": "bank"}) == "bank"
    assert classify({"amenity": "cinema"}) == "cinema"
    assert classify({"amenity": "university"}) == "college"
    assert classify({"shop": "clothes"}) == "retail"
    assert classify({"amenity": "internet_cafe"}) == "internet_cafe"
    assert classify({"amenity": "nightclub"}) == "entertainment"
    assert classify({"railway": "subway_entrance"}) == "station"
    assert classify({"highway": "bus_stop"}) == "bus_stop"
    assert classify({"amenity": "police"}) is None and is_police({"amenity": "police"})
    assert classify({"amenity": "bench"}) is None
    assert classify({"shop": "no"}) is None
    assert classify({"shop": "vacant", "name": "旺铺招租"}) is None
    assert classify({"shop": "vacant", "amenity": "bank"}) == "bank"
    for cat in CATEGORY_TABLE:
        assert 1 <= cat.priority <= 5
        assert cat.label_en and cat.label_zh and cat.color.startswith("#") and cat.icon


def test_nanjing_import(nanjing: District) -> None:
    """Tests that Xinjiekou imports with the counts the default district needs."""
    s = summarize_district(nanjing)
    assert s["street_nodes"] >= 400
    assert s["alley_segments"] >= 40
    assert s["key_areas"] >= 100
    assert s["key_area_categories"] >= 8
    assert s["posts"] >= 1
    # Overpass output has no <bounds>: the junction hull keeps the ~5.5 km² query area,
    # not the far-flung nodes of metro lines (tens of km²).
    assert 4.5 < s["area_km2"] < 8.0
    assert nanjing.streets["id"].is_unique
    assert nanjing.key_areas["id"].str.match(r"^osm-[nwr]\d+$").all()


def test_nanjing_import_matches_the_default_district(nanjing: District) -> None:
    """Tests that re-importing the source gives the committed default district's ids."""
    default = load_district()
    assert nanjing.streets["id"].tolist() == default.streets["id"].tolist()
    assert nanjing.key_areas["id"].tolist() == default.key_areas["id"].tolist()
    assert set(nanjing.posts["id"]) <= set(default.posts["id"])


def test_deleted_objects_are_skipped(tiny_osm: Path, tmp_path: Path) -> None:
    """Tests that a way marked deleted (JOSM action=delete) is not part of the network."""
    text = tiny_osm.read_text(encoding="utf-8").replace(
        '<way id="105">', '<way id="105" action="delete">'
    )
    file = tmp_path / "edited.osm"
    file.write_text(text, encoding="utf-8")
    streets = import_osm(file).streets
    assert 105 not in set(streets["osm_way"])
    # Node 2 now joins only 中山路, so 1-2-3 becomes one segment: 12 - 1 - 1 = 10.
    assert len(streets) == 10


def test_a_loop_street_is_one_segment(tmp_path: Path) -> None:
    """Tests that a cul-de-sac loop becomes one self-loop segment, not one per direction."""
    file = tmp_path / "loop.osm"
    file.write_text(
        '<osm><bounds minlat="0" minlon="0" maxlat="0.01" maxlon="0.01"/>'
        '<node id="1" lat="0.001" lon="0.001"/><node id="2" lat="0.001" lon="0.004"/>'
        '<node id="3" lat="0.003" lon="0.006"/><node id="4" lat="0.001" lon="0.008"/>'
        '<node id="5" lat="0.006" lon="0.004"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>'
        '<way id="2"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="2"/>'
        '<tag k="highway" v="service"/></way>'
        '<way id="3"><nd ref="2"/><nd ref="5"/><tag k="highway" v="footway"/></way></osm>',
        encoding="utf-8",
    )
    streets = import_osm(file).streets
    loops = streets[streets["u"] == streets["v"]]
    assert len(streets) == 3
    assert loops["u"].tolist() == [2]


def test_osmosis_bound_element(tiny_osm: Path, tmp_path: Path) -> None:
    """Tests that osmosis's <bound box="minlat,minlon,maxlat,maxlon"/> sets the boundary."""
    text = re.sub(
        r"<bounds [^>]*/>",
        '<bound box="32.0000,118.0000,32.0040,118.0050" origin="osmosis"/>',
        tiny_osm.read_text(encoding="utf-8"),
    )
    file = tmp_path / "osmosis.osm"
    file.write_text(text, encoding="utf-8")
    bounds = import_osm(file).boundary.geometry.iloc[0].bounds
    assert bounds == pytest.approx((118.0, 32.0, 118.005, 32.004))


def _to_pbf(source: Path, target: Path) -> Path:
    """Write an OSM XML file as PBF with pyosmium (libosmium), keeping its bounds."""
    import osmium

    reader = osmium.io.Reader(str(source))
    writer = osmium.SimpleWriter(str(target), header=reader.header())
    try:
        osmium.apply(reader, writer)
    finally:
        writer.close()
        reader.close()
    return target


def test_pbf_imports_like_xml(data_dir: Path, tmp_path: Path) -> None:
    """Tests that a PBF made from the station town imports as its XML does, by its bytes."""
    xml = data_dir / "bundles" / "station_town.osm"
    pbf = _to_pbf(xml, tmp_path / "town.osm.pbf")
    assert pbf.read_bytes()[4:15] == b"\x0a\x09OSMHeader"
    a, b = import_osm(xml), import_osm(pbf)
    assert b.streets["id"].tolist() == a.streets["id"].tolist()
    assert b.key_areas["id"].tolist() == a.key_areas["id"].tolist()
    assert b.key_areas["merged_ids"].tolist() == a.key_areas["merged_ids"].tolist()
    assert b.boundary.geometry.iloc[0].bounds == pytest.approx(
        a.boundary.geometry.iloc[0].bounds, abs=1e-6
    )
    # The first bytes tell a PBF file, whatever its name.
    renamed = pbf.rename(tmp_path / "extract.dat")
    assert len(import_osm(renamed).key_areas) == len(a.key_areas)


def test_bad_pbf_files(data_dir: Path, tmp_path: Path) -> None:
    """Tests one sentence for a .pbf file that is no PBF and for a damaged one."""
    fake = tmp_path / "fake.osm.pbf"
    fake.write_text("<osm></osm>", encoding="utf-8")
    with pytest.raises(OsmImportError, match=r"fake\.osm\.pbf is not an OSM PBF file"):
        import_osm(fake)
    whole = _to_pbf(data_dir / "bundles" / "station_town.osm", tmp_path / "t.osm.pbf").read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(OsmImportError) as info:
        import_osm(cut)
    assert "cut.osm.pbf is a damaged OSM PBF file" in str(info.value)
    assert "\n" not in str(info.value)


def test_nanjing_schools_and_stations(nanjing: District) -> None:
    """Tests the 15 real schools and kindergartens and one place per metro station."""
    ka = nanjing.key_areas
    gates = ka[ka["category"].isin(["school", "kindergarten"])]
    assert len(gates) == 15
    colleges = set(ka.loc[ka["category"] == "college", "name"])
    assert colleges == {
        "金陵协和神学院",
        "秦淮区委党校",
        "秦淮区教师进修学校",
        "南京幼儿高等师范学校",
    }
    stations = ka[ka["category"] == "station"].set_index("name")
    assert sorted(stations.index) == ["上海路", "大行宫", "常府街", "新街口", "浮桥"]
    assert len(stations.loc["新街口"].geometry.geoms) == 22
    # The station keeps the id of its entrance 新街口#10, its representative point.
    assert stations.loc["新街口", "id"] == "osm-n1234712891"
    assert not ka["name"].str.startswith("新街口#").any()
