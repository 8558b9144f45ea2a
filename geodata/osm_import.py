"""Build a district from a local OpenStreetMap file (XML or PBF): streets, key areas, posts."""

from __future__ import annotations

import bz2
import gzip
import itertools
import logging
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import linemerge, polygonize, unary_union

from geodata.bundle import INCIDENT_COLUMNS, STORAGE_CRS, District, check_district, empty_layer
from geodata.categories import CATEGORIES, classify, is_police
from geodata.errors import OsmImportError
from geodata.place_merge import ENTRANCE_COLUMN, MERGED_COLUMN, curate_key_areas, dedupe

logger = logging.getLogger("geodata")

ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

WALKABLE_HIGHWAYS: frozenset[str] = frozenset(
    {
        "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
        "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service",
        "pedestrian", "footway", "path", "steps", "cycleway", "track", "road", "bridleway",
    }
)  # fmt: skip
"""``highway=*`` values kept in the street network."""

ALLEY_HIGHWAYS: frozenset[str] = frozenset(
    {"footway", "service", "living_street", "pedestrian", "path"}
)
"""Highway classes that count as back alleys."""

ENTRANCE_RAILWAY: frozenset[str] = frozenset({"subway_entrance", "train_station_entrance"})
"""``railway=*`` values of station entrances, merged into their station's place."""

ALLEY_SUFFIXES: tuple[str, ...] = ("巷", "胡同", "弄", "里")
"""Street-name endings that mark an alley (巷 lane, 胡同 hutong, 弄 lane, 里 neighbourhood lane)."""

_CLOSED = frozenset({"private", "no"})
_OPEN_ACCESS = frozenset({"yes", "designated", "permissive", "public"})

Progress = Callable[[str], None]


@dataclass
class OsmData:
    """The raw content of an OSM XML file."""

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: dict[int, tuple[list[int], dict[str, str]]] = field(default_factory=dict)
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = field(
        default_factory=dict
    )
    bounds: tuple[float, float, float, float] | None = None
    timestamp: str = ""


def _open(path: Path) -> IO[bytes]:
    """Open a plain, gzip or bzip2 compressed file by its first bytes."""
    with path.open("rb") as fh:
        head = fh.read(3)
    if head[:2] == b"\x1f\x8b":
        return cast("IO[bytes]", gzip.open(path, "rb"))
    if head == b"BZh":
        return cast("IO[bytes]", bz2.open(path, "rb"))
    return path.open("rb")


PBF_MAGIC = b"\x0a\x09OSMHeader"
"""Bytes 4-14 of an OSM PBF file: the first blob header, of type ``OSMHeader``."""


def is_pbf(path: str | Path) -> bool:
    """Return True when the file begins like an OSM PBF file (an ``OSMHeader`` blob)."""
    with Path(path).open("rb") as fh:
        head = fh.read(4 + len(PBF_MAGIC))
    return head[4:] == PBF_MAGIC


def _not_pbf(file: Path) -> OsmImportError:
    return OsmImportError(
        f"File {file} is not an OSM PBF file: it does not begin with an OSMHeader block "
        "(give a .osm.pbf extract or an .osm XML file)."
    )


def pbf_to_xml(path: str | Path, out: str | Path) -> Path:
    """Convert an OSM PBF file to OSM XML with pyosmium (libosmium), keeping its bounds.

    Raises
    ------
    OsmImportError
        When the file is not a PBF file or libosmium cannot read it.
    """
    import osmium

    file = Path(path)
    if not is_pbf(file):
        raise _not_pbf(file)
    target = Path(out)
    try:
        reader = osmium.io.Reader(osmium.io.File(str(file), "pbf"))
        try:
            writer = osmium.SimpleWriter(
                osmium.io.File(str(target), "osm"), header=reader.header(), overwrite=True
            )
            try:
                osmium.apply(reader, writer)
            finally:
                writer.close()
        finally:
            reader.close()
    except RuntimeError as exc:
        msg = f"File {file} is a damaged OSM PBF file ({str(exc).strip().rstrip('.')})."
        raise OsmImportError(msg) from None
    return target


def read_osm(path: str | Path) -> OsmData:
    """Read an OSM file: XML (``.osm``, optionally gzip or bzip2 compressed) or PBF.

    A PBF file (``.osm.pbf``, recognised by its first bytes) is converted to XML in a
    temporary file by :func:`pbf_to_xml`, then read like XML.

    Raises
    ------
    OsmImportError
        When the file is missing, unreadable, or neither OSM XML nor OSM PBF.
    """
    file = Path(path)
    if not file.is_file():
        msg = f"OSM file {file} does not exist."
        raise OsmImportError(msg)
    try:
        pbf = is_pbf(file)
    except OSError as exc:
        msg = f"File {file} cannot be read ({exc.strerror})."
        raise OsmImportError(msg) from None
    if not pbf and file.name.lower().endswith(".pbf"):
        raise _not_pbf(file)
    if not pbf:
        return read_osm_xml(file)
    with tempfile.TemporaryDirectory(prefix="patrol-pbf-") as tmp:
        xml = pbf_to_xml(file, Path(tmp) / "extract.osm")
        data = read_osm_xml(xml)
    return data


def read_osm_xml(path: str | Path) -> OsmData:
    """Parse an OSM XML file (``.osm``, ``.osm.gz`` or ``.osm.bz2``).

    Raises
    ------
    OsmImportError
        When the file is missing, unreadable or not OSM XML.
    """
    file = Path(path)
    if not file.is_file():
        msg = f"OSM file {file} does not exist."
        raise OsmImportError(msg)
    data = OsmData()
    root_seen = False
    try:
        with _open(file) as fh:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if event == "start":
                    if not root_seen:
                        root_seen = True
                        if elem.tag != "osm":
                            msg = f"File {file} is XML but not OpenStreetMap data (<{elem.tag}>)."
                            raise OsmImportError(msg)
                    continue
                try:
                    _take(elem, data)
                except ValueError:
                    msg = (
                        f"File {file} has a malformed <{elem.tag}> element "
                        f"(id {elem.get('id')!r}): a coordinate or id is not a number."
                    )
                    raise OsmImportError(msg) from None
    except ET.ParseError as exc:
        msg = f"File {file} is not readable OSM XML ({exc})."
        raise OsmImportError(msg) from exc
    except (OSError, EOFError) as exc:
        msg = f"File {file} cannot be read ({exc})."
        raise OsmImportError(msg) from exc
    return data


def _take(elem: ET.Element, data: OsmData) -> None:
    """Store one finished XML element in ``data``."""
    tag = elem.tag
    if tag in ("node", "way", "relation") and (
        elem.get("action") == "delete" or elem.get("visible") == "false"
    ):
        elem.clear()  # deleted in a JOSM file, or a deleted version in a history export
        return
    if tag == "node":
        nid = int(elem.get("id", "0"))
        data.nodes[nid] = (float(elem.get("lon", "nan")), float(elem.get("lat", "nan")))
        tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
        if tags:
            data.node_tags[nid] = tags
        stamp = elem.get("timestamp", "")
        if stamp > data.timestamp:
            data.timestamp = stamp
        elem.clear()
    elif tag == "way":
        refs = [int(nd.get("ref", "0")) for nd in elem.iter("nd")]
        tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
        data.ways[int(elem.get("id", "0"))] = (refs, tags)
        elem.clear()
    elif tag == "relation":
        members = [
            (m.get("type", ""), int(m.get("ref", "0")), m.get("role", ""))
            for m in elem.iter("member")
        ]
        tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
        data.relations[int(elem.get("id", "0"))] = (members, tags)
        elem.clear()
    elif tag == "bounds":
        try:
            data.bounds = (
                float(elem.get("minlon", "")),
                float(elem.get("minlat", "")),
                float(elem.get("maxlon", "")),
                float(elem.get("maxlat", "")),
            )
        except ValueError:
            data.bounds = None
    elif tag == "bound":  # osmosis writes <bound box="minlat,minlon,maxlat,maxlon"/>
        try:
            minlat, minlon, maxlat, maxlon = (float(v) for v in elem.get("box", "").split(","))
            data.bounds = (minlon, minlat, maxlon, maxlat)
        except ValueError:
            data.bounds = None
    elif tag == "meta" and elem.get("osm_base"):
        data.timestamp = max(data.timestamp, elem.get("osm_base", ""))


def is_walkable(tags: dict[str, str]) -> bool:
    """Return True for a ``highway=*`` way that patrols on foot or by bicycle can use."""
    if tags.get("highway") not in WALKABLE_HIGHWAYS or tags.get("area") == "yes":
        return False
    if tags.get("access") in _CLOSED:
        return tags.get("foot") in _OPEN_ACCESS or tags.get("bicycle") in _OPEN_ACCESS
    return not (tags.get("foot") == "no" and tags.get("bicycle") == "no")


def is_alley(highway: str, name: str) -> bool:
    """Return True for a back alley: a minor highway class or a name ending like 巷 or 弄."""
    return highway in ALLEY_HIGHWAYS or name.strip().endswith(ALLEY_SUFFIXES)


def _oneway(tags: dict[str, str]) -> tuple[bool, bool]:
    """Return (one-way, reversed) from a way's tags."""
    value = tags.get("oneway", "")
    if value == "-1":
        return True, True
    return value in ("yes", "true", "1") or tags.get("junction") == "roundabout", False


def _street_name(tags: dict[str, str]) -> str:
    """Return the name of a way (name, else name:zh, else name:en)."""
    return tags.get("name") or tags.get("name:zh") or tags.get("name:en") or ""


def data_extent(data: OsmData, street_ways: list[int]) -> Polygon:
    """Return the area the file covers, in EPSG:4326.

    The ``<bounds>`` element when there is one. Otherwise (Overpass output has none, and the
    ways it returns run past the query box) the convex hull of the street junctions: nodes that
    two or more street ways share exist only where both ways were inside the query, so their
    hull is the queried area without the spill-over.
    """
    if data.bounds is not None:
        minx, miny, maxx, maxy = data.bounds
        if minx < maxx and miny < maxy:
            return box(minx, miny, maxx, maxy)
    counts: Counter[int] = Counter()
    for wid in street_ways:
        refs = data.ways[wid][0]
        counts.update(set(refs))
    junctions = [data.nodes[n] for n, c in counts.items() if c >= 2 and n in data.nodes]
    points = (
        junctions if len(junctions) >= 3 else [data.nodes[n] for n in counts if n in data.nodes]
    )
    hull = shapely.MultiPoint(points).convex_hull
    if not isinstance(hull, Polygon) or hull.area == 0:
        msg = "The street ways of the file span no area, so the district has no extent."
        raise OsmImportError(msg)
    return hull


def _street_graph(data: OsmData, street_ways: list[int], extent: Polygon) -> nx.MultiDiGraph:
    """Build the OSMnx-style graph of the kept ways, cut to ``extent``, both directions."""
    graph = nx.MultiDiGraph(crs=STORAGE_CRS)
    inside_area = extent.buffer(1e-7)
    shapely.prepare(inside_area)
    wanted = {n for wid in street_ways for n in data.ways[wid][0] if n in data.nodes}
    ids = np.fromiter(wanted, dtype=np.int64, count=len(wanted))
    xy = np.array([data.nodes[int(n)] for n in ids]) if len(ids) else np.empty((0, 2))
    inside = (
        set(ids[shapely.contains_xy(inside_area, xy[:, 0], xy[:, 1])].tolist())
        if len(ids)
        else set()
    )
    for n in inside:
        x, y = data.nodes[n]
        graph.add_node(n, x=x, y=y)
    for wid in street_ways:
        refs, tags = data.ways[wid]
        oneway, rev = _oneway(tags)
        if rev:
            refs = refs[::-1]
        attrs = {
            "osmid": wid,
            "highway": tags["highway"],
            "name": _street_name(tags),
            "oneway": oneway,
        }
        for a, b in itertools.pairwise(refs):
            if a == b or a not in inside or b not in inside:
                continue
            graph.add_edge(a, b, reversed=False, **attrs)
            graph.add_edge(b, a, reversed=True, **attrs)
    return graph


def _first(value: Any) -> Any:
    """Return the first item of a list attribute, or the value itself."""
    return value[0] if isinstance(value, list) else value


def _streets(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Return one row per street segment of a simplified two-way graph (EPSG:4326)."""
    rows = []
    seen: set[tuple[int, int, bytes]] = set()
    edges = sorted(
        graph.edges(keys=True, data=True),
        key=lambda e: (np.mean(np.atleast_1d(e[3].get("reversed", False))), e[0], e[1], e[2]),
    )
    for u, v, _k, d in edges:
        geom = d.get("geometry")
        if geom is None:
            geom = LineString(
                [
                    (graph.nodes[u]["x"], graph.nodes[u]["y"]),
                    (graph.nodes[v]["x"], graph.nodes[v]["y"]),
                ]
            )
        coords = np.round(np.asarray(geom.coords), 7)
        forward, backward = coords.tobytes(), coords[::-1].tobytes()
        # Both copies of a segment get one key; a loop's two copies run opposite ways round.
        shape = min(forward, backward) if u == v else forward if u < v else backward
        key = (min(u, v), max(u, v), shape)
        if key in seen:
            continue
        seen.add(key)
        highway = str(_first(d["highway"]))
        name = str(_first(d.get("name", "")) or "")
        rows.append(
            {
                "u": int(u),
                "v": int(v),
                "highway": highway,
                "name": name,
                "alley": is_alley(highway, name),
                "oneway": bool(_first(d.get("oneway", False))),
                "osm_way": int(_first(d["osmid"])),
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
    gdf = gdf.sort_values(["u", "v"], kind="stable").reset_index(drop=True)
    base = "e" + gdf["u"].astype(str) + "-" + gdf["v"].astype(str)
    dup = base.groupby(base).cumcount()
    gdf.insert(0, "id", np.where(dup > 0, base + "-" + dup.astype(str), base))
    return gdf


def _way_geometry(data: OsmData, refs: list[int]) -> LineString | Polygon | None:
    """Return a closed way as a polygon, an open way as a line, None when nodes are missing."""
    if any(n not in data.nodes for n in refs) or len(refs) < 2:
        return None
    coords = [data.nodes[n] for n in refs]
    if len(refs) >= 4 and refs[0] == refs[-1]:
        poly = shapely.make_valid(Polygon(coords))
        return _largest_polygon(poly)
    return LineString(coords)


def _largest_polygon(geom: Any) -> Polygon | None:
    """Return the largest polygon part of ``geom``, or None."""
    if isinstance(geom, Polygon) and not geom.is_empty:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
    return max(parts, key=lambda g: g.area) if parts else None


def _relation_geometry(data: OsmData, members: list[tuple[str, int, str]]) -> Polygon | None:
    """Assemble a multipolygon relation's outer ring(s) minus inner rings; largest part."""
    outer: list[LineString] = []
    inner: list[LineString] = []
    for kind, ref, role in members:
        if kind != "way" or ref not in data.ways:
            continue
        refs = data.ways[ref][0]
        if any(n not in data.nodes for n in refs) or len(refs) < 2:
            return None
        line = LineString([data.nodes[n] for n in refs])
        (inner if role == "inner" else outer).append(line)
    if not outer:
        return None
    shell = unary_union(list(polygonize(linemerge(outer))))
    if inner:
        shell = shell.difference(unary_union(list(polygonize(linemerge(inner)))))
    return _largest_polygon(shapely.make_valid(shell))


def _features(data: OsmData) -> Iterator[tuple[str, dict[str, str], Any]]:
    """Yield (stable id, tags, geometry) of every tagged node, way and multipolygon relation."""
    for nid, tags in data.node_tags.items():
        yield f"osm-n{nid}", tags, Point(data.nodes[nid])
    for wid, (refs, tags) in data.ways.items():
        if tags and (classify(tags) or is_police(tags)):
            geom = _way_geometry(data, refs)
            if geom is not None:
                yield f"osm-w{wid}", tags, geom
    for rid, (members, tags) in data.relations.items():
        if tags.get("type") == "multipolygon" and (classify(tags) or is_police(tags)):
            geom = _relation_geometry(data, members)
            if geom is not None:
                yield f"osm-r{rid}", tags, geom


def _names(tags: dict[str, str]) -> tuple[str, str]:
    """Return (name, English name) of a feature."""
    name = tags.get("name") or tags.get("name:zh") or tags.get("name:en") or ""
    return name, tags.get("name:en", "")


def _osm_tag(tags: dict[str, str]) -> str:
    """Return the tag that decided the category, for provenance (e.g. ``amenity=bank``)."""
    for key in ("amenity", "shop", "tourism", "leisure", "railway", "public_transport",
                "highway", "place", "healthcare", "office"):  # fmt: skip
        if key in tags:
            return f"{key}={tags[key]}"
    return ""


def _post_kind(name: str) -> str:
    """Guess a police place's kind from its name."""
    if any(s in name for s in ("警务室", "警务站", "岗亭", "警亭")):
        return "police_room"
    return "police_station"


def import_osm(
    path: str | Path,
    *,
    name: str | None = None,
    name_zh: str = "",
    time_zone: str = "Asia/Shanghai",
    country: str = "CN",
    progress: Progress | None = None,
) -> District:
    """Build a district from a local OSM file.

    Parameters
    ----------
    path
        An ``.osm`` XML file (optionally gzip or bzip2 compressed), e.g. an Overpass or
        openstreetmap.org export, or an ``.osm.pbf`` extract (Geofabrik, BBBike, osmium).
    name
        The district's name; defaults to the file name without its extension.
    name_zh
        The district's Chinese name, if any.
    time_zone
        IANA time zone of the district (OSM files do not say).
    country
        ISO 3166 code of the district's country, for public holidays in opening hours;
        stored in the manifest as ``country``.
    progress
        Called with a short message before each long step.

    Returns
    -------
    District
        Boundary, streets, key areas and posts from OSM; empty cameras, grids and rentals
        layers, no incidents and no teams (:func:`geodata.district_defaults.add_defaults`
        adds what a plan needs). Not yet written; see :func:`geodata.bundle.write_district`.

    Raises
    ------
    OsmImportError
        When the file is unreadable, a ``.pbf`` file that is no PBF, or holds no usable
        street network.

    Notes
    -----
    Street network
        Only ways a patrol can walk or cycle are kept (:data:`WALKABLE_HIGHWAYS`): everything
        from ``primary`` down to ``footway``, ``path`` and ``steps``, plus ``trunk`` roads, which in
        Chinese downtowns are surface avenues with sidewalks. Motorways and their links,
        construction/proposed/abandoned ways, platforms, indoor corridors, areas (``area=yes``) and
        ways closed to the public (``access=private|no`` without ``foot``/``bicycle`` access) are
        dropped. The network is cut to the data's extent (:func:`data_extent`), reduced to its
        largest connected part and simplified with OSMnx (interstitial nodes removed; a street
        keeps its own segment where the highway class, name or one-way flag changes).

    Key areas and posts
        Nodes, closed ways and multipolygon relations are classified by
        :func:`geodata.categories.classify`; police places become posts. Ids are stable:
        ``osm-n<id>``, ``osm-w<id>``, ``osm-r<id>``. The places are curated by
        :func:`geodata.place_merge.curate_key_areas`: a station's entrances become one place
        (a MultiPoint of the entrances, keeping the id of the entrance that is its
        representative point), a node inside the building outline of its category is merged
        into the outline, and features with the same name and category close together are one
        place; ``merged_ids`` lists what each kept place absorbed. Key areas carry the OSM
        ``opening_hours`` tag where there is one, and a blank ``target`` column (the category
        decides, a planner may set ``yes`` or ``no``).
    """
    file = Path(path)
    say = progress or (lambda _msg: None)
    say(f"reading {file.name}")
    data = read_osm(file)
    if not data.nodes:
        msg = f"File {file} holds no OSM nodes."
        raise OsmImportError(msg)
    street_ways = [wid for wid, (_r, tags) in data.ways.items() if is_walkable(tags)]
    if not street_ways:
        msg = f"File {file} holds no walkable highway=* ways, so it has no street network."
        raise OsmImportError(msg)
    extent = data_extent(data, street_ways)
    work_crs = gpd.GeoSeries([extent], crs=STORAGE_CRS).estimate_utm_crs()

    say(f"building the street network from {len(street_ways)} ways")
    graph = _street_graph(data, street_ways, extent)
    if graph.number_of_edges() == 0:
        msg = f"File {file} has no street segment inside its data extent."
        raise OsmImportError(msg)
    graph = ox.truncate.largest_component(graph, strongly=False)
    say("simplifying the street network")
    graph = ox.simplification.simplify_graph(graph, edge_attrs_differ=["highway", "name", "oneway"])
    streets = _streets(graph)
    streets["length"] = streets.to_crs(work_crs).length.round(1)
    streets = streets[streets["length"] > 0].reset_index(drop=True)
    if len(streets) < 2:
        msg = f"File {file} yields a street network of fewer than two segments."
        raise OsmImportError(msg)

    extent_work = gpd.GeoSeries([extent], crs=STORAGE_CRS).to_crs(work_crs).iloc[0]
    if data.bounds is None:
        # Hull of junctions: widen a little so dead ends at the edge stay inside.
        extent_work = extent_work.buffer(30.0, join_style="mitre")
    boundary_geom = gpd.GeoSeries([extent_work], crs=work_crs).to_crs(STORAGE_CRS).iloc[0]
    boundary = gpd.GeoDataFrame(
        {"name": [name or file.name.split(".")[0]]}, geometry=[boundary_geom], crs=STORAGE_CRS
    )

    say("extracting key areas and posts")
    areas, posts = [], []
    for fid, tags, geom in _features(data):
        if isinstance(geom, LineString):
            geom = geom.interpolate(0.5, normalized=True)
        fname, fname_en = _names(tags)
        if is_police(tags):
            point = geom if isinstance(geom, Point) else geom.representative_point()
            posts.append(
                {
                    "id": fid,
                    "name": fname,
                    "kind": _post_kind(fname),
                    "source": "osm",
                    "geometry": point,
                }
            )
            continue
        category = classify(tags)
        if category is None:
            continue
        areas.append(
            {
                "id": fid,
                "name": fname,
                "name_en": fname_en,
                "category": category,
                "priority": CATEGORIES[category].priority,
                "osm_tag": _osm_tag(tags),
                "target": "",
                "opening_hours": tags.get("opening_hours", "").strip(),
                MERGED_COLUMN: "",
                ENTRANCE_COLUMN: tags.get("railway") in ENTRANCE_RAILWAY,
                "geometry": geom,
            }
        )
    area_cols = {"id": "str", "name": "str", "name_en": "str", "category": "str",
                 "priority": "int64", "osm_tag": "str", "target": "str", "opening_hours": "str",
                 MERGED_COLUMN: "str", ENTRANCE_COLUMN: "bool"}  # fmt: skip
    key_areas = (
        gpd.GeoDataFrame(areas, geometry="geometry", crs=STORAGE_CRS)
        if areas
        else empty_layer(area_cols)
    )
    post_cols = {"id": "str", "name": "str", "kind": "str", "source": "str"}
    posts_gdf = (
        gpd.GeoDataFrame(posts, geometry="geometry", crs=STORAGE_CRS)
        if posts
        else empty_layer(post_cols)
    )
    inside = boundary_geom
    key_areas = key_areas[key_areas.intersects(inside)].reset_index(drop=True)
    posts_gdf = posts_gdf[posts_gdf.intersects(inside)].reset_index(drop=True)
    say("merging station entrances and duplicate places")
    key_areas = curate_key_areas(key_areas, work_crs)
    posts_gdf = dedupe(posts_gdf, work_crs, "kind")
    key_areas["priority"] = key_areas["priority"].astype("int64")

    manifest = {
        "name": name or file.name.split(".")[0],
        "name_zh": name_zh,
        "time_zone": time_zone,
        "country": country,
        "crs": STORAGE_CRS,
        "work_crs": work_crs.to_string(),
        "attribution": ATTRIBUTION,
        "sample_layers": [],
        "source": {"file": file.name, "date": data.timestamp[:10]},
    }
    district = District(
        path=None,
        manifest=manifest,
        boundary=boundary,
        streets=streets,
        key_areas=key_areas,
        posts=posts_gdf,
        cameras=empty_layer(
            {
                "id": "str",
                "name": "str",
                "heading": "float64",
                "fov": "float64",
                "range": "float64",
            }
        ),
        grids=empty_layer({"id": "str", "name": "str"}),
        incidents=pd.DataFrame({c: pd.Series(dtype=str) for c in INCIDENT_COLUMNS}),
    )
    say("checking the district")
    check_district(district)
    logger.info(
        "imported %s: %d street segments, %d key areas, %d posts",
        file.name, len(streets), len(key_areas), len(posts_gdf),
    )  # fmt: skip
    return district
