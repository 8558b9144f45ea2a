"""Folium maps of a district drawn from its own streets, needing no tile server."""

from __future__ import annotations

import functools
import html
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import LineString, MultiLineString, Point, mapping

from geodata.cameras import view_areas
from geodata.categories import CATEGORIES
from web.maps.assets import layer_control

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

LANGS = ("zh", "en")
"""Languages of the map's labels."""

DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
"""Attribution shown on every map; the district manifest's own text is used when it has one."""

PRECISION = 6
"""Decimal places kept in the map's coordinates (about 0.1 m)."""

BACKGROUND = "#f2efe9"
"""Land colour behind the streets (the map has no tiles)."""

TEXT: dict[str, tuple[str, str]] = {
    "boundary": ("辖区边界", "District boundary"),
    "streets": ("街道", "Streets"),
    "major": ("主干道", "Major street"),
    "secondary": ("次干道", "Secondary street"),
    "minor": ("支路", "Minor street"),
    "alleys": ("背街小巷", "Back alleys"),
    "alley": ("背街小巷", "Back alley"),
    "grids": ("网格", "Grids"),
    "grid": ("网格", "Grid"),
    "posts": ("巡逻基点", "Patrol posts"),
    "post": ("巡逻基点", "Patrol post"),
    "cameras": ("视频监控", "Cameras"),
    "camera": ("监控点位", "Camera"),
    "camera_view": ("监控视域", "Camera view"),
    "key_areas": ("重点部位", "Key areas"),
    "legend": ("图例", "Legend"),
    "map": ("巡逻辖区图", "patrol district map"),
    "name": ("名称", "Name"),
    "category": ("类别", "Category"),
    "priority": ("重要度", "Priority"),
    "id": ("编号", "ID"),
    "kind": ("类型", "Kind"),
    "heading": ("朝向 (°)", "Heading (°)"),
    "fov": ("视角 (°)", "Field of view (°)"),
    "range": ("距离 (m)", "Range (m)"),
    "highway": ("道路等级", "Class"),
    "length": ("长度 (m)", "Length (m)"),
    "route": ("路线", "Route"),
    "stop": ("站点", "Stop"),
    "arrival": ("计划到达", "Planned arrival"),
    "window": ("时间窗", "Time window"),
    "dwell": ("停留 (分钟)", "Dwell (min)"),
    "note": ("检查内容", "What to check"),
    "risk": ("风险", "Risk"),
    "low": ("低", "low"),
    "high": ("高", "high"),
    "all_round": ("全向", "all-round"),
}
"""Bilingual labels: key -> (Chinese, English)."""


POLYGON_TYPES = ("Polygon", "MultiPolygon")
"""Geometry types a key area is drawn as an outline for (points get a marker)."""


def label(key: str, lang: str = "zh") -> str:
    """Return the label of ``key`` in ``lang`` ("zh" or "en")."""
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"Map language must be one of {', '.join(LANGS)}, not {lang!r}.")


# --------------------------------------------------------------------------------------------
# Street and category styles
# --------------------------------------------------------------------------------------------

STREET_STYLES: dict[str, tuple[str, float, str]] = {
    "major": ("#d9822b", 6.0, "major"),
    "secondary": ("#e6a94f", 4.5, "secondary"),
    "minor": ("#9c9a94", 2.2, "minor"),
    "alley": ("#8e44ad", 2.0, "alley"),
}
"""Street drawing classes: key -> (colour, line weight in px, label key)."""

_MAJOR = {"motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"}
_SECONDARY = {"secondary", "secondary_link", "tertiary", "tertiary_link"}


def street_class(highway: str, alley: bool) -> str:
    """Return the drawing class of a street: "alley", "major", "secondary" or "minor"."""
    if alley:
        return "alley"
    if highway in _MAJOR:
        return "major"
    if highway in _SECONDARY:
        return "secondary"
    return "minor"


_FALLBACK_CATEGORY_STYLES: dict[str, tuple[str, str, str, str, str]] = {
    # category: (colour, zh glyph, en glyph, zh name, en name); geodata.categories' names and
    # colours take precedence, the glyphs are this module's own.
    "school": ("#d62728", "校", "Sc", "学校", "School"),
    "kindergarten": ("#ff7f0e", "幼", "Kg", "幼儿园", "Kindergarten"),
    "market": ("#8c564b", "市", "Mk", "农贸市场", "Market"),
    "supermarket": ("#e377c2", "超", "Sm", "商超", "Supermarket / mall"),
    "internet_cafe": ("#9467bd", "网", "Ic", "网吧", "Internet cafe"),
    "bank": ("#bcbd22", "银", "Bk", "银行网点", "Bank / ATM"),
    "entertainment": ("#7f007f", "娱", "En", "娱乐场所", "Entertainment venue"),
    "station": ("#1f77b4", "站", "St", "车站", "Station / stop"),
    "hotel": ("#17becf", "宿", "Ht", "旅馆", "Hotel"),
    "hospital": ("#e41a1c", "医", "Hp", "医院", "Hospital / clinic"),
    "government": ("#444444", "政", "Gv", "党政机关", "Government office"),
    "square": ("#2ca02c", "场", "Sq", "广场", "Square / plaza"),
    "park": ("#98df8a", "园", "Pk", "公园", "Park"),
    "tourist_site": ("#aec7e8", "景", "Ts", "景点场馆", "Tourist site"),
    "pharmacy": ("#ff9896", "药", "Ph", "药店", "Pharmacy"),
    "restaurant": ("#ffbb78", "餐", "Rt", "餐饮", "Restaurant / cafe"),
    "retail": ("#c49c94", "店", "Sh", "商铺", "Shop"),
    "residential": ("#607d8b", "居", "Rs", "居民小区", "Residential"),
    # Back alleys are street segments, not key areas, but routes visit them as stops.
    "alley": ("#6d4c41", "巷", "Al", "背街小巷", "Back alley"),
}
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
)  # fmt: skip


@dataclass(frozen=True)
class CategoryStyle:
    """How a key-area category is drawn.

    Attributes
    ----------
    category
        The category key, e.g. ``"school"``.
    colour
        Fill colour of its markers and polygons (CSS hex).
    glyph_zh, glyph_en
        The short text inside its marker (one Chinese character, two Latin letters).
    name_zh, name_en
        Its name in the legend and popups.
    """

    category: str
    colour: str
    glyph_zh: str
    glyph_en: str
    name_zh: str
    name_en: str

    def glyph(self, lang: str) -> str:
        """Return the marker text in ``lang``."""
        return self.glyph_zh if lang == "zh" else self.glyph_en

    def name(self, lang: str) -> str:
        """Return the category's name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en


def _attr(entry: Any, *names: str) -> Any:
    for name in names:
        if isinstance(entry, Mapping) and entry.get(name):
            return entry[name]
        if getattr(entry, name, None):
            return getattr(entry, name)
    return None


def category_style(category: str) -> CategoryStyle:
    """Return how ``category`` is drawn.

    Names and colours come from ``geodata.categories``; the glyphs, and everything for a
    category that table does not know, from this module's own table (or a palette colour and
    the name's first letters).

    Parameters
    ----------
    category
        A key-area category, e.g. ``"market"``.

    Returns
    -------
    CategoryStyle
        Colour, glyphs and names.
    """
    entry = CATEGORIES.get(category)
    fallback = _FALLBACK_CATEGORY_STYLES.get(category)
    if fallback is None:
        words = category.replace("_", " ").strip() or "?"
        colour = _PALETTE[sum(map(ord, category)) % len(_PALETTE)]
        fallback = (colour, words[0].upper(), words[:2].title(), words, words.capitalize())
    colour, glyph_zh, glyph_en, name_zh, name_en = fallback
    return CategoryStyle(
        category=category,
        colour=_attr(entry, "colour", "color") or colour,
        glyph_zh=_attr(entry, "glyph_zh", "icon_zh", "short_zh") or glyph_zh,
        glyph_en=_attr(entry, "glyph_en", "icon_en", "short_en") or glyph_en,
        name_zh=_attr(entry, "name_zh", "zh", "label_zh") or name_zh,
        name_en=_attr(entry, "name_en", "en", "label_en", "label") or name_en,
    )


# --------------------------------------------------------------------------------------------
# GeoJSON helpers
# --------------------------------------------------------------------------------------------


def _round(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.round(xy, PRECISION))


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, bool | int | float):
        return value
    return html.escape(str(value))


def feature_collection(
    geometries: Iterable[BaseGeometry], properties: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection with coordinates rounded to :data:`PRECISION`.

    String properties are HTML-escaped, since popups and tooltips show them as HTML; NaN
    becomes ``null``.

    Parameters
    ----------
    geometries
        Shapely geometries in EPSG:4326 (lon, lat).
    properties
        One mapping of properties per geometry.

    Returns
    -------
    dict
        The FeatureCollection.
    """
    features = []
    for geom, props in zip(geometries, properties, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(_round(geom)),
                "properties": {k: _json_value(v) for k, v in props.items()},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rows(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    return gdf.drop(columns=gdf.geometry.name).to_dict("records")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _is_empty(gdf: gpd.GeoDataFrame | None) -> bool:
    return gdf is None or len(gdf) == 0


# --------------------------------------------------------------------------------------------
# Page furniture: CSS, attribution, legend, title
# --------------------------------------------------------------------------------------------

_CSS = """
.folium-map.leaflet-container { background: %(bg)s; }
.pm-glyph { display: flex; align-items: center; justify-content: center; box-sizing: border-box;
  width: 100%%; height: 100%%; border-radius: 50%%; border: 1.5px solid #fff; color: #fff;
  font: bold 11px/1 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  box-shadow: 0 0 0 1px rgba(0,0,0,.35); }
.pm-post { border-radius: 3px; background: #0d3b8c; }
.pm-grid-label { color: #5f6b7a; font: 600 11px/1.1 "Noto Sans CJK SC", sans-serif;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; white-space: nowrap;
  text-align: center; pointer-events: none; }
.pm-stop { display: flex; align-items: center; justify-content: center; box-sizing: border-box;
  width: 22px; height: 22px; border-radius: 50%%; border: 2px solid #fff; color: #fff;
  font: bold 12px/1 sans-serif; box-shadow: 0 0 0 1px rgba(0,0,0,.5); }
.pm-stop-time { position: absolute; left: 24px; top: 3px; padding: 0 3px; border-radius: 3px;
  background: rgba(255,255,255,.85); color: #222; font: 600 11px/16px sans-serif;
  white-space: nowrap; }
.pm-box { background: rgba(255,255,255,.93); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); color: #222;
  font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.pm-legend { max-height: 60vh; overflow-y: auto; }
.leaflet-top .pm-legend { max-height: 30vh; }
.leaflet-bottom .pm-legend { max-height: calc(70vh - 170px); }
.pm-legend h4 { margin: 0 0 4px; font-size: 13px; }
.pm-legend .row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.pm-legend .sym { width: 26px; display: flex; align-items: center; justify-content: center; }
.pm-title { font-size: 15px; font-weight: 700; }
.pm-z-low .pm-glyph { transform: scale(.75); }
.pm-z-far .pm-glyph { transform: scale(.6); }
.pm-z-low .pm-grid-label { font-size: 10px; }
.foliumpopup th { padding-right: 8px; text-align: left; color: #555; font-weight: 600; }
@media (max-width: 600px) {
  .leaflet-control-layers-expanded { max-height: 38vh; overflow-y: auto; font-size: 11px;
    padding: 4px 6px; }
  .pm-legend { max-height: 26vh; font-size: 10px; padding: 5px 7px; }
  .pm-legend .sym { width: 18px; }
  .pm-title { font-size: 12px; }
}
"""


class PageStyle(MacroElement):
    """The stylesheet of the map's markers, labels, legend and background colour."""

    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
    )

    def __init__(self, background: str = BACKGROUND) -> None:
        super().__init__()
        self._name = "PageStyle"
        self.css = _CSS % {"bg": background}


class Attribution(MacroElement):
    """Adds a plain-text attribution (data source and licence) to the map's corner."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_js }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text_js = json.dumps(html.escape(text))


class ZoomClasses(MacroElement):
    """Tags the map with ``pm-z-low`` below zoom 16 so markers and labels shrink when crowded."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(m){ function upd(){ var c = m.getContainer(), z = m.getZoom();"
        "c.classList.toggle('pm-z-low', z < 16); c.classList.toggle('pm-z-far', z < 14.5); }"
        "m.on('zoomend', upd); m.whenReady(upd); })({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoomClasses"


class FitBounds(MacroElement):
    """Fit the map to bounds, keeping side padding only where the map is wide enough for it.

    Leaflet's ``fitBounds`` with more padding than the map is wide gives a zoom of NaN and the
    error "Invalid LatLng object: (NaN, NaN)" (a blank map on a 390 px phone). Here the side
    padding shrinks so that at least :attr:`MIN_ROOM` pixels (or half the map) stay for the
    district, and a map with no size yet (a hidden frame) is fitted when it gets one.
    """

    MIN_ROOM = 240

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(m){ var b = {{ this.bounds_js }}, pad = {{ this.padding_js }};"
        "function fit(){ var s = m.getSize(); if (!(s.x > 0 && s.y > 0)) { return false; }"
        "var room = Math.min({{ this.min_room }}, s.x / 2), side = pad[0] + pad[1];"
        "var k = side > 0 ? Math.max(0, Math.min(1, (s.x - room) / side)) : 0;"
        "var v = Math.min(20, Math.max(0, (s.y - 40) / 4));"
        "m.fitBounds(b, {paddingTopLeft: [Math.floor(pad[0] * k), v],"
        " paddingBottomRight: [Math.floor(pad[1] * k), v]}); return true; }"
        "if (!fit()) { m.setView(L.latLngBounds(b).getCenter(), 15);"
        " m.once('resize', fit); } })({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(
        self, bounds: tuple[tuple[float, float], tuple[float, float]], padding: tuple[int, int]
    ) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds_js = json.dumps([list(bounds[0]), list(bounds[1])])
        self.padding_js = json.dumps([int(padding[0]), int(padding[1])])
        self.min_room = int(self.MIN_ROOM)


class MetricScale(MacroElement):
    """A scale bar in metres only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, maxWidth: 150}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class Corner(MacroElement):
    """A fixed box of HTML in one corner of the map (legend, title), as a Leaflet control."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(){ var c = L.control({position: {{ this.position_js }}});"
        "c.onAdd = function(){ var d = L.DomUtil.create('div', {{ this.css_class_js }});"
        "d.innerHTML = {{ this.html_js }}; L.DomEvent.disableClickPropagation(d);"
        "L.DomEvent.disableScrollPropagation(d); return d; };"
        "c.addTo({{ this._parent.get_name() }}); })();"
        "{% endmacro %}"
    )

    def __init__(
        self, html_text: str, *, position: str = "bottomleft", css_class: str = ""
    ) -> None:
        super().__init__()
        self._name = "Corner"
        self.position_js = json.dumps(position)
        self.css_class_js = json.dumps(f"pm-box {css_class}".strip())
        self.html_js = json.dumps(html_text).replace("</", "<\\/")


def _line_symbol(colour: str, weight: float, dash: str = "") -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="26" height="10"><line x1="1" y1="5" x2="25" y2="5" stroke="{colour}"'
        f' stroke-width="{weight}"{dash_attr} stroke-linecap="round"/></svg>'
    )


def _area_symbol(colour: str, fill: str, dash: str = "", opacity: float = 0.25) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="22" height="14"><rect x="1" y="1" width="20" height="12" fill="{fill}"'
        f' fill-opacity="{opacity}" stroke="{colour}" stroke-width="1.5"{dash_attr}/></svg>'
    )


def text_colour(background: str) -> str:
    """Return black or white, whichever reads better on the hex colour ``background``."""
    value = background.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    try:
        r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return "#ffffff"

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    # Contrast with white (1.05 / (L + 0.05)) against contrast with black ((L + 0.05) / 0.05).
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#1a1a1a"


def _glyph_html(text: str, colour: str, size: int = 20, css_class: str = "pm-glyph") -> str:
    return (
        f'<div class="{css_class}" style="width:{size}px;height:{size}px;background:{colour};'
        f'color:{text_colour(colour)}">{html.escape(text)}</div>'
    )


def _legend_row(symbol: str, text: str) -> str:
    return (
        f'<div class="row"><span class="sym">{symbol}</span><span>{html.escape(text)}</span></div>'
    )


def legend(rows: Sequence[tuple[str, str]], *, title: str, position: str = "bottomleft") -> Corner:
    """Return a legend box: ``rows`` of (symbol HTML, text) under ``title``.

    Parameters
    ----------
    rows
        ``(symbol_html, text)`` pairs; text is escaped, the symbol is trusted HTML.
    title
        The heading of the box.
    position
        A Leaflet control position.

    Returns
    -------
    Corner
        Add it to the map with ``.add_to(m)``.
    """
    body = "".join(_legend_row(sym, text) for sym, text in rows)
    return Corner(f"<h4>{html.escape(title)}</h4>{body}", position=position, css_class="pm-legend")


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    title: str = "",
    attribution: str = DEFAULT_ATTRIBUTION,
    online_tiles: bool = False,
    padding: tuple[int, int] = (190, 200),
) -> folium.Map:
    """Return an empty map with no tiles, fitted to ``bounds``, with style and attribution.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)``.
    title
        Text of a title box at the top, or "" for none.
    attribution
        Data source and licence shown in the corner.
    online_tiles
        Add OpenStreetMap's public tiles as an optional base layer (needs the network; hidden
        until chosen in the layer control).
    padding
        Pixels kept free on the left (legend) and right (layer control) when fitting.

    Returns
    -------
    folium.Map
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    m = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=15,
        tiles=None,
        control_scale=False,
        max_zoom=20,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    if online_tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap (online)", overlay=True, show=False
        ).add_to(m)
    PageStyle().add_to(m)
    ZoomClasses().add_to(m)
    MetricScale().add_to(m)
    Attribution(attribution).add_to(m)
    if title:
        Corner(f'<div class="pm-title">{html.escape(title)}</div>', position="topleft").add_to(m)
    # Keep the district clear of the legend (bottom left) and the layer control (top right).
    FitBounds(((min_lat, min_lon), (max_lat, max_lon)), padding).add_to(m)
    return m


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------


def _popup(fields: Sequence[str], lang: str) -> folium.GeoJsonPopup:
    return folium.GeoJsonPopup(
        fields=list(fields), aliases=[label(f, lang) for f in fields], localize=False
    )


def _geometry_union(shape: Any) -> BaseGeometry:
    if hasattr(shape, "geometry"):
        return shapely.union_all(np.asarray(shape.geometry.values))
    if hasattr(shape, "union_all"):
        return shape.union_all()
    return shape


def boundary_layer(boundary: Any, *, lang: str = "zh") -> folium.FeatureGroup:
    """Return the district boundary as a dashed outline.

    Parameters
    ----------
    boundary
        A GeoDataFrame/GeoSeries of the boundary, or a shapely (Multi)Polygon, in EPSG:4326.
    lang
        "zh" or "en".

    Returns
    -------
    folium.FeatureGroup
    """
    geom = _geometry_union(boundary)
    group = folium.FeatureGroup(name=label("boundary", lang))
    folium.GeoJson(
        feature_collection([geom], [{}]),
        style_function=lambda _f: {
            "color": "#2b2b2b",
            "weight": 2.5,
            "dashArray": "8 6",
            "fill": False,
        },
        interactive=False,
    ).add_to(group)
    return group


def streets_layers(streets: gpd.GeoDataFrame, *, lang: str = "zh") -> list[folium.FeatureGroup]:
    """Return the streets: one layer of ordinary streets (thicker by class) and one of alleys.

    Parameters
    ----------
    streets
        The district's streets layer (id, highway, name, length, alley, geometry).
    lang
        "zh" or "en".

    Returns
    -------
    list of folium.FeatureGroup
        ``[streets, alleys]``.
    """
    if _is_empty(streets):
        return []
    highway = streets["highway"].fillna("").astype(str)
    if "alley" in streets:
        alley = streets["alley"].astype("boolean").fillna(False).astype(bool)
    else:
        alley = pd.Series(False, index=streets.index)
    classes = [street_class(h, a) for h, a in zip(highway, alley, strict=True)]
    props = [
        {
            "id": _text(row.get("id")),
            "name": _text(row.get("name")) or "—",
            "highway": _text(row.get("highway")),
            "length": round(float(row.get("length") or 0.0)),
            "cls": cls,
        }
        for row, cls in zip(_rows(streets), classes, strict=True)
    ]
    geoms = list(streets.geometry)
    order = {"minor": 0, "secondary": 1, "major": 2, "alley": 3}

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        colour, weight, _ = STREET_STYLES[feature["properties"]["cls"]]
        out: dict[str, Any] = {"color": colour, "weight": weight, "opacity": 0.95}
        if feature["properties"]["cls"] == "alley":
            out["dashArray"] = "5 3"
        return out

    groups = []
    for key, wanted in (("streets", ("minor", "secondary", "major")), ("alleys", ("alley",))):
        chosen = sorted(
            (i for i, c in enumerate(classes) if c in wanted), key=lambda i: order[classes[i]]
        )
        group = folium.FeatureGroup(name=label(key, lang))
        if chosen:
            folium.GeoJson(
                feature_collection([geoms[i] for i in chosen], [props[i] for i in chosen]),
                style_function=style,
                tooltip=folium.GeoJsonTooltip(
                    fields=["name", "highway"],
                    aliases=[label("name", lang), label("highway", lang)],
                ),
                popup=_popup(["name", "highway", "length", "id"], lang),
            ).add_to(group)
        groups.append(group)
    return groups


def _representative_points(gdf: gpd.GeoDataFrame) -> list[Point]:
    return [g if isinstance(g, Point) else g.representative_point() for g in gdf.geometry]


def key_area_layers(
    key_areas: gpd.GeoDataFrame, *, lang: str = "zh", show_from_priority: int = 3
) -> list[tuple[folium.FeatureGroup, CategoryStyle, int]]:
    """Return one layer per key-area category, with coloured glyph markers and outlines.

    Parameters
    ----------
    key_areas
        The key_areas layer (id, name, name_en?, category, priority, geometry).
    lang
        "zh" or "en".
    show_from_priority
        A category's layer is shown when the map opens if one of its places has at least this
        priority; the others (e.g. restaurants and shops) start hidden in the layer control, so
        the overview is not crowded.

    Returns
    -------
    list of (folium.FeatureGroup, CategoryStyle, int)
        Each category's layer, its style and how many places it holds, most places first.
    """
    if _is_empty(key_areas):
        return []
    out = []
    counts = key_areas["category"].astype(str).value_counts()
    for category in sorted(counts.index, key=lambda c: (-counts[c], c)):
        style = category_style(category)
        subset = key_areas[key_areas["category"].astype(str) == category]
        rows = _rows(subset)
        props = []
        for row in rows:
            name = _text(row.get("name"))
            name_en = _text(row.get("name_en"))
            if lang == "en" and name_en:
                name = f"{name_en} ({name})" if name else name_en
            props.append(
                {
                    "name": name or "—",
                    "category": style.name(lang),
                    "priority": int(row["priority"]) if pd.notna(row.get("priority")) else None,
                    "id": _text(row.get("id")),
                }
            )
        priorities = pd.to_numeric(subset["priority"], errors="coerce")
        group = folium.FeatureGroup(
            name=f'<span style="color:{style.colour}">●</span> {html.escape(style.name(lang))}'
            f" ({len(subset)})",
            show=bool((priorities >= show_from_priority).any()),
        )
        areas = [i for i, g in enumerate(subset.geometry) if g.geom_type in POLYGON_TYPES]
        entrances = [i for i, g in enumerate(subset.geometry) if g.geom_type == "MultiPoint"]
        for i in entrances:  # a station's entrances, merged into one place: a dot at each
            for p in subset.geometry.iloc[i].geoms:
                folium.CircleMarker(
                    (p.y, p.x), radius=3, color=style.colour, fill=True, fill_opacity=0.9,
                    weight=1, tooltip=str(props[i]["name"]),
                ).add_to(group)  # fmt: skip
        if areas:
            folium.GeoJson(
                feature_collection(
                    [subset.geometry.iloc[i] for i in areas], [props[i] for i in areas]
                ),
                style_function=lambda _f, c=style.colour: {
                    "color": c,
                    "weight": 1.2,
                    "fillColor": c,
                    "fillOpacity": 0.18,
                },
                popup=_popup(["name", "category", "priority", "id"], lang),
            ).add_to(group)
        size = 20
        folium.GeoJson(
            feature_collection(_representative_points(subset), props),
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=_glyph_html(style.glyph(lang), style.colour, size),
                    icon_size=(size, size),
                    icon_anchor=(size // 2, size // 2),
                    class_name="pm-icon",
                )
            ),
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
            popup=_popup(["name", "category", "priority", "id"], lang),
        ).add_to(group)
        out.append((group, style, len(subset)))
    return out


def posts_layer(posts: gpd.GeoDataFrame, *, lang: str = "zh") -> folium.FeatureGroup:
    """Return the patrol posts (bases) as dark-blue square markers.

    Parameters
    ----------
    posts
        The posts layer (id, name, kind, geometry Point).
    lang
        "zh" or "en".

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name=label("posts", lang))
    if _is_empty(posts):
        return group
    props = [
        {
            "name": _text(row.get("name")) or "—",
            "kind": _text(row.get("kind")),
            "id": _text(row.get("id")),
        }
        for row in _rows(posts)
    ]
    size = 22
    folium.GeoJson(
        feature_collection(_representative_points(posts), props),
        marker=folium.Marker(
            icon=folium.DivIcon(
                html=_glyph_html(
                    "警" if lang == "zh" else "P", "#0d3b8c", size, "pm-glyph pm-post"
                ),
                icon_size=(size, size),
                icon_anchor=(size // 2, size // 2),
                class_name="pm-icon",
            )
        ),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=_popup(["name", "kind", "id"], lang),
    ).add_to(group)
    return group


def camera_view_areas(
    cameras: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame | None = None,
    *,
    work_crs: Any = None,
) -> list[BaseGeometry]:
    """Return each camera's view area (EPSG:4326).

    This is the view area that coverage counts (``geodata.cameras.view_areas``): the sector
    (or disc) clipped to the street corridors when ``streets`` are given.

    Parameters
    ----------
    cameras
        The cameras layer (id, heading, fov, range, geometry Point).
    streets
        The streets layer, to clip each view to the streets it can see; None for raw sectors.
    work_crs
        Metric CRS for the geometry (the district's ``work_crs``); None picks a UTM zone.

    Returns
    -------
    list of shapely geometry
        One geometry per camera, in the layer's order (empty when it sees no street).
    """
    return list(view_areas(cameras, streets, work_crs=work_crs).geometry)


CAMERA_COLOUR = "#3949ab"


def cameras_layer(
    cameras: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | None = None,
    work_crs: Any = None,
    lang: str = "zh",
) -> folium.FeatureGroup:
    """Return the cameras: small points with their view areas as translucent shapes.

    Parameters
    ----------
    cameras
        The cameras layer (id, name, heading, fov, range, geometry Point).
    streets
        The streets layer; when given, each view area is clipped to the streets it watches
        (see :func:`camera_view_areas`).
    work_crs
        The district's metric CRS.
    lang
        "zh" or "en".

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name=label("cameras", lang))
    if _is_empty(cameras):
        return group
    props = []
    for row in _rows(cameras):
        heading = pd.to_numeric(row.get("heading"), errors="coerce")
        all_round = pd.isna(heading)
        props.append(
            {
                "name": _text(row.get("name")) or "—",
                "heading": label("all_round", lang) if all_round else round(float(heading)),
                "fov": None if pd.isna(row.get("fov")) else round(float(row["fov"])),
                "range": None if pd.isna(row.get("range")) else round(float(row["range"])),
                "id": _text(row.get("id")),
            }
        )
    folium.GeoJson(
        feature_collection(camera_view_areas(cameras, streets, work_crs=work_crs), props),
        style_function=lambda _f: {
            "color": CAMERA_COLOUR,
            "weight": 0.8,
            "fillColor": CAMERA_COLOUR,
            "fillOpacity": 0.22,
        },
        interactive=False,
    ).add_to(group)
    folium.GeoJson(
        feature_collection(_representative_points(cameras), props),
        marker=folium.CircleMarker(
            radius=4,
            color="#ffffff",
            weight=1.2,
            fill=True,
            fill_color=CAMERA_COLOUR,
            fill_opacity=1.0,
        ),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=_popup(["name", "heading", "fov", "range", "id"], lang),
    ).add_to(group)
    return group


GRID_COLOUR = "#5f6b7a"


def grids_layer(grids: gpd.GeoDataFrame, *, lang: str = "zh") -> folium.FeatureGroup:
    """Return the grids (网格) as thin outlines with their names as labels.

    Parameters
    ----------
    grids
        The grids layer (id, name, geometry Polygon).
    lang
        "zh" or "en".

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name=label("grids", lang))
    if _is_empty(grids):
        return group
    props = [
        {"name": _text(row.get("name")) or _text(row.get("id")), "id": _text(row.get("id"))}
        for row in _rows(grids)
    ]
    folium.GeoJson(
        feature_collection(list(grids.geometry), props),
        style_function=lambda _f: {
            "color": GRID_COLOUR,
            "weight": 1.2,
            "dashArray": "2 4",
            "fillColor": GRID_COLOUR,
            "fillOpacity": 0.03,
        },
        popup=_popup(["name", "id"], lang),
    ).add_to(group)
    for geom, prop in zip(grids.geometry, props, strict=True):
        if geom is None or geom.is_empty:
            continue
        pt = geom.representative_point()
        text = prop["name"]
        folium.Marker(
            [round(pt.y, PRECISION), round(pt.x, PRECISION)],
            icon=folium.DivIcon(
                html=f'<div class="pm-grid-label">{text}</div>',
                icon_size=(120, 14),
                icon_anchor=(60, 7),
                class_name="pm-icon",
            ),
            interactive=False,
            z_index_offset=-1000,
        ).add_to(group)
    return group


# --------------------------------------------------------------------------------------------
# Routes and risk (for plans)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapStop:
    """A stop of a route as drawn on a map.

    Attributes
    ----------
    lon, lat
        Where it is (EPSG:4326).
    name
        What it is (a key area's name, a post).
    arrival
        Planned arrival as text, e.g. ``"08:40"``; shown beside the number.
    window
        Time window as text, e.g. ``"07:30–08:10"``, or "".
    dwell_min
        Minutes spent there, or None.
    note
        What to check there.
    id
        The place's id.
    label
        The stop's label as in the stop table (e.g. ``"B"`` for the base, ``"3"``); "" to
        number the stops from 1 in order.
    """

    lon: float
    lat: float
    name: str
    arrival: str = ""
    window: str = ""
    dwell_min: int | None = None
    note: str = ""
    id: str = ""
    label: str = ""


def _lines(path: BaseGeometry | Sequence[BaseGeometry] | None) -> list[LineString]:
    if path is None:
        return []
    items = [path] if not isinstance(path, Sequence) else list(path)
    out: list[LineString] = []
    for item in items:
        if item is None or item.is_empty:
            continue
        if isinstance(item, MultiLineString):
            out.extend(item.geoms)
        elif isinstance(item, LineString):
            out.append(item)
    return out


def route_layer(
    stops: Sequence[MapStop],
    path: BaseGeometry | Sequence[BaseGeometry] | None = None,
    *,
    name: str,
    colour: str = "#d32f2f",
    lang: str = "zh",
    show: bool = True,
) -> folium.FeatureGroup:
    """Return a route: its path along the streets and numbered stops with planned times.

    Parameters
    ----------
    stops
        The stops in visiting order; they are numbered 1, 2, ...
    path
        The route's geometry (a LineString, MultiLineString or one LineString per leg, in
        EPSG:4326), or None to join the stops by straight lines.
    name
        The layer's name (e.g. "A组 白班 11-26").
    colour
        Line and marker colour.
    lang
        "zh" or "en".
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
    """
    _check_lang(lang)
    group = folium.FeatureGroup(name=html.escape(name), show=show)
    lines = _lines(path)
    if not lines and len(stops) >= 2:
        lines = [LineString([(s.lon, s.lat) for s in stops])]
    if lines:
        folium.GeoJson(
            feature_collection(lines, [{} for _ in lines]),
            style_function=lambda _f: {"color": colour, "weight": 5, "opacity": 0.8},
            interactive=False,
        ).add_to(group)
    fields = ["stop", "name", "arrival", "window", "dwell", "note", "id"]
    for position, stop in enumerate(stops, start=1):
        number = html.escape(stop.label) if stop.label else str(position)
        time_html = (
            f'<div class="pm-stop-time">{html.escape(stop.arrival)}</div>' if stop.arrival else ""
        )
        values = {
            "stop": number,
            "name": stop.name,
            "arrival": stop.arrival,
            "window": stop.window,
            "dwell": "" if stop.dwell_min is None else str(stop.dwell_min),
            "note": stop.note,
            "id": stop.id,
        }
        rows = "".join(
            f"<tr><th>{html.escape(label(f, lang))}</th><td>{html.escape(values[f])}</td></tr>"
            for f in fields
            if values[f]
        )
        popup_html = f'<table class="foliumpopup">{rows}</table>'
        popup_html = popup_html.replace("`", "&#96;").replace("$", "&#36;")
        folium.Marker(
            [round(stop.lat, PRECISION), round(stop.lon, PRECISION)],
            icon=folium.DivIcon(
                html=f'<div class="pm-stop" style="background:{colour}">{number}</div>{time_html}',
                icon_size=(22, 22),
                icon_anchor=(11, 11),
                class_name="pm-icon",
            ),
            popup=folium.Popup(popup_html, max_width=320),
            tooltip=f"{number}. {html.escape(stop.name)}",
            z_index_offset=1000,
        ).add_to(group)
    return group


RISK_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
"""Five classes of risk, low to high (ColorBrewer YlOrRd)."""


def risk_colour(value: float, top: float) -> str | None:
    """Return the colour class of ``value`` on a scale from 0 to ``top``, or None for 0/NaN."""
    if top <= 0 or value is None or math.isnan(value) or value <= 0:
        return None
    k = min(len(RISK_COLOURS) - 1, int(value / top * len(RISK_COLOURS)))
    return RISK_COLOURS[k]


def _risk_values(values: Mapping[str, float] | pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in dict(values).items()}


def risk_streets_layer(
    streets: gpd.GeoDataFrame,
    risk: Mapping[str, float] | pd.Series,
    *,
    name: str | None = None,
    lang: str = "zh",
    show: bool = True,
) -> folium.FeatureGroup:
    """Return street segments coloured by risk (streets with no risk are not drawn).

    Parameters
    ----------
    streets
        The streets layer (id, name, geometry).
    risk
        Risk per street id (any non-negative scale; the largest value is the top class).
    name
        The layer's name; defaults to "Risk".
    lang
        "zh" or "en".
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
    """
    values = _risk_values(risk)
    top = max(values.values(), default=0.0)
    group = folium.FeatureGroup(name=name or label("risk", lang), show=show)
    geoms, props = [], []
    for row, geom in zip(_rows(streets), streets.geometry, strict=True):
        sid = _text(row.get("id"))
        colour = risk_colour(values.get(sid, 0.0), top)
        if colour is None:
            continue
        geoms.append(geom)
        props.append(
            {
                "id": sid,
                "name": _text(row.get("name")) or "—",
                "risk": round(values[sid], 3),
                "colour": colour,
            }
        )
    if geoms:
        folium.GeoJson(
            feature_collection(geoms, props),
            style_function=lambda f: {
                "color": f["properties"]["colour"],
                "weight": 6,
                "opacity": 0.9,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "risk"], aliases=[label("name", lang), label("risk", lang)]
            ),
        ).add_to(group)
    return group


def risk_grids_layer(
    grids: gpd.GeoDataFrame,
    risk: Mapping[str, float] | pd.Series,
    *,
    name: str | None = None,
    lang: str = "zh",
    show: bool = True,
) -> folium.FeatureGroup:
    """Return grid polygons filled by risk class.

    Parameters
    ----------
    grids
        The grids layer (id, name, geometry).
    risk
        Risk per grid id.
    name
        The layer's name; defaults to "Risk".
    lang
        "zh" or "en".
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
    """
    values = _risk_values(risk)
    top = max(values.values(), default=0.0)
    group = folium.FeatureGroup(name=name or label("risk", lang), show=show)
    props = []
    for row in _rows(grids):
        gid = _text(row.get("id"))
        value = values.get(gid, 0.0)
        props.append(
            {
                "id": gid,
                "name": _text(row.get("name")) or gid,
                "risk": round(value, 3),
                "colour": risk_colour(value, top) or "#ffffff",
            }
        )
    folium.GeoJson(
        feature_collection(list(grids.geometry), props),
        style_function=lambda f: {
            "color": "#888888",
            "weight": 0.8,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "risk"], aliases=[label("name", lang), label("risk", lang)]
        ),
    ).add_to(group)
    return group


def risk_legend_rows(lang: str = "zh") -> list[tuple[str, str]]:
    """Return legend rows for the five risk classes, low to high."""
    rows = []
    for i, colour in enumerate(RISK_COLOURS):
        text = f"{label('risk', lang)} {i + 1}/5"
        if i == 0:
            text += f" ({label('low', lang)})"
        elif i == len(RISK_COLOURS) - 1:
            text += f" ({label('high', lang)})"
        rows.append((_line_symbol(colour, 6), text))
    return rows


# --------------------------------------------------------------------------------------------
# Hotspot heat by hour of the week
# --------------------------------------------------------------------------------------------

HOURS_OF_WEEK = 168
"""Hour-of-week slots of the risk tables: slot 0 is Monday 00:00-00:59, 167 Sunday 23:00."""

WHOLE_WEEK = HOURS_OF_WEEK
"""Index of the whole-week entry in a place's heat levels, after the 168 hours."""

HEAT_QUANTILES = (0.7, 0.85, 0.94, 0.98, 0.995)
"""Heat classes 1-5 start at these quantiles of a kind's positive risks over all its places and
hours (for the whole week: of the places' weekly risks). A few places carry most of the
incidents, so classes on a linear scale would leave nearly every street blank; by quantile,
class 5 is the riskiest half percent of place-hours and class 0 (not drawn) the quiet 70 %."""

HEAT_COLOURS = ("#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")
"""Colours of heat classes 1-5 (ColorBrewer Reds): they stand out from the orange and grey of
the streets and the beige land, which the pale yellow of :data:`RISK_COLOURS` does not."""

HEAT_WEIGHTS = (0, 4, 5, 7, 9, 11)
"""Line weight in pixels of a street segment in each heat class."""

HEAT_RADII = (0, 5, 6, 8, 10, 12)
"""Radius in pixels of a key area's heat disc in each heat class."""

HEAT_SCALE = 100_000
"""The heat layer's coordinates are integers of 1/HEAT_SCALE degree (about 1 m)."""

_HEAT_SYMBOLS = "abcdef"

HOTSPOT_TEXT: dict[str, tuple[str, str]] = {
    "layer": ("热点风险（按时段）", "Hotspot heat (by hour)"),
    "title": ("热点时段", "Hotspot hour"),
    "day": ("星期", "Day"),
    "hour": ("时段", "Hour"),
    "week": ("全周", "Whole week"),
    "prev": ("上一小时", "Previous hour"),
    "next": ("下一小时", "Next hour"),
    "low": ("低", "low"),
    "high": ("高", "high"),
    "days": ("周一 周二 周三 周四 周五 周六 周日", "Mon Tue Wed Thu Fri Sat Sun"),
}
"""Labels of the hotspot layer and its hour selector: key -> (Chinese, English)."""


def hotspot_label(key: str, lang: str = "zh") -> str:
    """Return the hotspot selector's label ``key`` in ``lang`` ("zh" or "en")."""
    zh, en = HOTSPOT_TEXT[key]
    return zh if lang == "zh" else en


def heat_thresholds(
    values: NDArray[np.float64] | Sequence[float], quantiles: Sequence[float] = HEAT_QUANTILES
) -> NDArray[np.float64]:
    """Return the lower bounds of heat classes 1, 2, ...: quantiles of the positive values.

    Parameters
    ----------
    values
        Risks of one kind of place (any shape); zeros and NaN do not count.
    quantiles
        Increasing quantiles in (0, 1), one per class.

    Returns
    -------
    numpy.ndarray
        One bound per class; all infinite when no value is positive (nothing is hot).
    """
    flat = np.asarray(values, dtype=float).ravel()
    positive = flat[np.isfinite(flat) & (flat > 0)]
    if positive.size == 0:
        return np.full(len(quantiles), np.inf)
    return np.quantile(positive, list(quantiles))


def heat_class(
    values: NDArray[np.float64] | Sequence[float],
    thresholds: NDArray[np.float64] | Sequence[float],
) -> NDArray[np.int8]:
    """Return the heat class (0 = not hot, up to ``len(thresholds)``) of each value."""
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    bounds = np.asarray(thresholds, dtype=float)
    return ((v[..., None] >= bounds) & (v[..., None] > 0)).sum(axis=-1).astype(np.int8)


def heat_levels(hourly: pd.DataFrame, quantiles: Sequence[float] = HEAT_QUANTILES) -> pd.DataFrame:
    """Return each place's heat class for each hour of the week and for the whole week.

    Parameters
    ----------
    hourly
        Risk per place (index: place id) and hour-of-week slot (168 columns, Monday 00:00
        first), as ``planner.hotspots.risk.RiskTable.hourly``.
    quantiles
        Where the classes start (see :data:`HEAT_QUANTILES`).

    Returns
    -------
    pandas.DataFrame
        Same index; columns 0..167 the hours' classes, column :data:`WHOLE_WEEK` the class of
        the place's weekly risk among the weekly risks of its kind.
    """
    values = hourly.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[1] != HOURS_OF_WEEK:
        msg = f"Hourly risk must have {HOURS_OF_WEEK} columns, not {values.shape[-1]}."
        raise ValueError(msg)
    weekly = np.nan_to_num(values, nan=0.0).sum(axis=1)
    levels = np.zeros((len(values), HOURS_OF_WEEK + 1), dtype=np.int8)
    levels[:, :HOURS_OF_WEEK] = heat_class(values, heat_thresholds(values, quantiles))
    levels[:, WHOLE_WEEK] = heat_class(weekly, heat_thresholds(weekly, quantiles))
    return pd.DataFrame(levels, index=hourly.index, columns=range(HOURS_OF_WEEK + 1))


def encode_levels(levels: Iterable[int]) -> str:
    """Return heat classes run-length encoded: a letter per class (a = 0) and the run's length.

    ``[0, 0, 0, 2, 1, 1]`` becomes ``"a3cb2"`` (a run of one has no number).
    """
    out: list[str] = []
    previous, run = -1, 0
    for value in [*levels, -1]:
        if value == previous:
            run += 1
            continue
        if run:
            out.append(_HEAT_SYMBOLS[previous] + (str(run) if run > 1 else ""))
        previous, run = int(value), 1
    return "".join(out)


def decode_levels(text: str) -> list[int]:
    """Return the heat classes of a string made by :func:`encode_levels`."""
    out: list[int] = []
    for symbol, count in re.findall(r"([a-z])(\d*)", text):
        out.extend([_HEAT_SYMBOLS.index(symbol)] * (int(count) if count else 1))
    return out


def _heat_point(lon: float, lat: float) -> tuple[int, int]:
    return round(lat * HEAT_SCALE), round(lon * HEAT_SCALE)


def hotspot_data(district: Any, risk: Any) -> dict[str, Any]:
    """Return the compact data of the hotspot layer: heat classes and shapes of hot places.

    Parameters
    ----------
    district
        The district (``streets`` with ``id``, ``key_areas`` with ``id``).
    risk
        A ``planner.hotspots.risk.RiskResult`` of the district (``streets.hourly``,
        ``areas.hourly``).

    Returns
    -------
    dict
        ``{"o": [lat, lon], "s": [[row, levels, line], ...], "a": [[row, levels, lat, lon],
        ...]}``: ``o`` the origin in 1/:data:`HEAT_SCALE` degrees; ``row`` a place's row in its
        layer; ``levels`` its 169 heat classes (:func:`heat_levels`) encoded by
        :func:`encode_levels`; ``line`` a street's first point relative to the origin then the
        differences between its points, lat and lon alternating; a key area's point is
        relative to the origin. Places that are never hot are left out.
    """
    min_lon, min_lat, _, _ = district_bounds(district)
    origin = _heat_point(min_lon, min_lat)
    out: dict[str, Any] = {"o": list(origin), "s": [], "a": []}
    streets = getattr(district, "streets", None)
    if streets is not None and len(streets):
        ids = streets["id"].astype(str)
        table = risk.streets.hourly
        levels = heat_levels(table.set_axis(table.index.astype(str))).reindex(ids, fill_value=0)
        for row, (geom, lv) in enumerate(zip(streets.geometry, levels.to_numpy(), strict=True)):
            lines = _lines(geom)
            if not lv.any() or not lines:
                continue
            points = [_heat_point(x, y) for line in lines for x, y in line.coords]
            flat = [points[0][0] - origin[0], points[0][1] - origin[1]]
            for (la0, lo0), (la1, lo1) in itertools.pairwise(points):
                flat.extend((la1 - la0, lo1 - lo0))
            out["s"].append([row, encode_levels(lv), flat])
    areas = getattr(district, "key_areas", None)
    if areas is not None and len(areas):
        ids = areas["id"].astype(str)
        table = risk.areas.hourly
        levels = heat_levels(table.set_axis(table.index.astype(str))).reindex(ids, fill_value=0)
        spots = _representative_points(areas)
        for row, (point, lv) in enumerate(zip(spots, levels.to_numpy(), strict=True)):
            if not lv.any() or point is None or point.is_empty:
                continue
            lat, lon = _heat_point(point.x, point.y)
            out["a"].append([row, encode_levels(lv), lat - origin[0], lon - origin[1]])
    return out


_HOTSPOT_CSS = """
.pm-hot select, .pm-hot button { font: inherit; margin: 2px 2px 2px 0; }
.pm-hot .pm-hot-title { font-weight: 700; margin-bottom: 2px; }
.pm-hot .pm-hot-scale { display: flex; align-items: center; gap: 2px; margin-top: 3px; }
.pm-hot .pm-hot-scale i { display: inline-block; width: 16px; height: 8px; }
"""


class HotspotHeat(MacroElement):
    """The hotspot layer's streets and discs, restyled in the browser for the chosen hour.

    Add it to the hotspot layer's ``FeatureGroup``; it also adds the hour selector to the map
    (shown while the layer is) and needs nothing but Leaflet.
    """

    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "(function(map, group){\n"
        "var D = {{ this.data_js }};\n"
        "var C = {{ this.colours_js }}, W = {{ this.weights_js }}, R = {{ this.radii_js }};\n"
        "function dec(s){ var out = [], re = /([a-z])(\\d*)/g, m, n;"
        " while ((m = re.exec(s))) { n = m[2] ? +m[2] : 1;"
        " while (n--) out.push(m[1].charCodeAt(0) - 97); } return out; }\n"
        "function pt(la, lo){ return [(D.o[0] + la) / {{ this.scale }},"
        " (D.o[1] + lo) / {{ this.scale }}]; }\n"
        "var items = [];\n"
        "D.s.forEach(function(r){ var f = r[2], la = f[0], lo = f[1], pts = [pt(la, lo)];"
        " for (var i = 2; i < f.length; i += 2) { la += f[i]; lo += f[i + 1];"
        " pts.push(pt(la, lo)); }"
        " items.push([L.polyline(pts, {interactive: false, lineCap: 'round'}).addTo(group),"
        " dec(r[1]), 0]); });\n"
        "D.a.forEach(function(r){ items.push([L.circleMarker(pt(r[2], r[3]),"
        " {interactive: false, color: '#7a0019', weight: 1}).addTo(group), dec(r[1]), 1]); });\n"
        "function paint(k){ items.forEach(function(it){ var v = it[1][k] || 0, l = it[0];"
        " if (it[2]) { l.setRadius(R[v]); l.setStyle({fillColor: C[v], opacity: v ? .9 : 0,"
        " fillOpacity: v ? .75 : 0}); }"
        " else l.setStyle({color: C[v], weight: W[v], opacity: v ? .8 : 0}); }); }\n"
        "var box = L.control({position: 'topleft'});\n"
        "box.onAdd = function(){ var d = L.DomUtil.create('div', 'pm-box pm-hot');"
        " d.innerHTML = {{ this.html_js }}; L.DomEvent.disableClickPropagation(d);"
        " L.DomEvent.disableScrollPropagation(d); return d; };\n"
        "box.addTo(map);\n"
        "var el = box.getContainer(), day = el.querySelector('.pm-hot-day'),"
        " hour = el.querySelector('.pm-hot-hour');\n"
        "function slot(){ return day.value === 'w' ? {{ this.week }}"
        " : (+day.value) * 24 + (+hour.value); }\n"
        "function update(){ hour.disabled = day.value === 'w'; paint(slot()); }\n"
        "day.onchange = update; hour.onchange = update;\n"
        "el.querySelectorAll('[data-step]').forEach(function(b){ b.onclick = function(){"
        " var s = day.value === 'w' ? 0 : slot();"
        " s = (s + (+b.getAttribute('data-step')) + {{ this.week }}) % {{ this.week }};"
        " day.value = String(Math.floor(s / 24)); hour.value = String(s % 24); update(); }; });\n"
        "group.on('add', function(){ el.style.display = ''; });\n"
        "group.on('remove', function(){ el.style.display = 'none'; });\n"
        "el.style.display = map.hasLayer(group) ? '' : 'none';\n"
        "day.value = {{ this.start_day_js }}; hour.value = {{ this.start_hour_js }}; update();\n"
        "})({{ this._parent._parent.get_name() }}, {{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, data: Mapping[str, Any], *, lang: str = "zh", start: int = WHOLE_WEEK):
        super().__init__()
        self._name = "HotspotHeat"
        self.css = _HOTSPOT_CSS
        self.data_js = json.dumps(data, separators=(",", ":"))
        self.colours_js = json.dumps(["transparent", *HEAT_COLOURS])
        self.weights_js = json.dumps(list(HEAT_WEIGHTS))
        self.radii_js = json.dumps(list(HEAT_RADII))
        self.scale = HEAT_SCALE
        self.week = WHOLE_WEEK
        self.html_js = json.dumps(hotspot_selector_html(lang)).replace("</", "<\\/")
        whole = start == WHOLE_WEEK
        self.start_day_js = json.dumps("w" if whole else str(start // 24))
        self.start_hour_js = json.dumps("0" if whole else str(start % 24))


def hotspot_selector_html(lang: str = "zh") -> str:
    """Return the HTML of the hour selector: day (or the whole week), hour, steps and scale."""
    _check_lang(lang)
    t = functools.partial(hotspot_label, lang=lang)
    days = [f'<option value="w">{html.escape(t("week"))}</option>']
    days += [
        f'<option value="{i}">{html.escape(name)}</option>'
        for i, name in enumerate(t("days").split())
    ]
    hours = [f'<option value="{h}">{h:02d}:00–{(h + 1) % 24:02d}:00</option>' for h in range(24)]
    swatches = "".join(f'<i style="background:{c}"></i>' for c in HEAT_COLOURS)
    return (
        f'<div class="pm-hot-title">{html.escape(t("title"))}</div>'
        f'<select class="pm-hot-day" aria-label="{html.escape(t("day"))}">{"".join(days)}</select>'
        f'<select class="pm-hot-hour" aria-label="{html.escape(t("hour"))}">'
        f"{''.join(hours)}</select>"
        f'<button type="button" data-step="-1" title="{html.escape(t("prev"))}"'
        f' aria-label="{html.escape(t("prev"))}">◀</button>'
        f'<button type="button" data-step="1" title="{html.escape(t("next"))}"'
        f' aria-label="{html.escape(t("next"))}">▶</button>'
        f'<div class="pm-hot-scale"><span>{html.escape(t("low"))}</span>{swatches}'
        f"<span>{html.escape(t('high'))}</span></div>"
    )


def hotspot_layer(
    district: Any,
    risk: Any,
    *,
    lang: str = "zh",
    show: bool = True,
    start: int = WHOLE_WEEK,
) -> folium.FeatureGroup:
    """Return the hotspot heat layer with its hour-of-week selector.

    Street segments and key areas are drawn in the five risk colours by their heat class
    (:func:`heat_levels`) in the chosen hour of the week, or over the whole week; the selector
    (day of the week, or the whole week, and hour) restyles the layer in the browser, with no
    request to the server. The 169 classes of every place are embedded run-length encoded
    (:func:`hotspot_data`), so the layer adds little to the page.

    Parameters
    ----------
    district
        The district the risk is for.
    risk
        Its ``planner.hotspots.risk.RiskResult`` (e.g.
        ``planner.hotspots.risk.district_risk(district)``).
    lang
        "zh" or "en" labels.
    show
        Whether the layer (and its selector) is shown when the map opens.
    start
        The slot shown first: an hour of the week (0 = Monday 00:00) or :data:`WHOLE_WEEK`.

    Returns
    -------
    folium.FeatureGroup
        Add it to a district map with :func:`add_layers`.
    """
    _check_lang(lang)
    if not 0 <= start <= WHOLE_WEEK:
        msg = f"The first hour shown must be from 0 to {WHOLE_WEEK}, not {start}."
        raise ValueError(msg)
    group = folium.FeatureGroup(name=html.escape(hotspot_label("layer", lang)), show=show)
    HotspotHeat(hotspot_data(district, risk), lang=lang, start=start).add_to(group)
    return group


# --------------------------------------------------------------------------------------------
# The district map
# --------------------------------------------------------------------------------------------


def district_title(district: Any, lang: str = "zh") -> str:
    """Return the district's name in ``lang`` from its manifest."""
    manifest = getattr(district, "manifest", {}) or {}
    name = manifest.get("name") or ""
    name_zh = manifest.get("name_zh") or ""
    return (name_zh or name) if lang == "zh" else (name or name_zh)


def district_bounds(district: Any) -> tuple[float, float, float, float]:
    """Return ``(min_lon, min_lat, max_lon, max_lat)`` of the district (boundary, else streets)."""
    for layer in ("boundary", "streets", "key_areas"):
        shape = getattr(district, layer, None)
        if shape is None:
            continue
        geom = _geometry_union(shape)
        if geom is not None and not geom.is_empty:
            return tuple(float(v) for v in geom.bounds)  # type: ignore[return-value]
    raise ValueError("The district has neither a boundary nor streets to draw.")


def district_legend_rows(
    district: Any,
    *,
    lang: str = "zh",
    categories: Iterable[tuple[CategoryStyle, int]] = (),
) -> list[tuple[str, str]]:
    """Return the legend rows of a district map: streets, areas, posts, cameras, categories."""
    rows = [(_line_symbol("#2b2b2b", 2.5, "6 4"), label("boundary", lang))]
    for key in ("major", "secondary", "minor", "alley"):
        colour, weight, text_key = STREET_STYLES[key]
        rows.append(
            (_line_symbol(colour, weight, "5 3" if key == "alley" else ""), label(text_key, lang))
        )
    if not _is_empty(getattr(district, "grids", None)):
        rows.append((_area_symbol(GRID_COLOUR, GRID_COLOUR, "2 3", 0.05), label("grid", lang)))
    if not _is_empty(getattr(district, "posts", None)):
        rows.append(
            (_glyph_html("警" if lang == "zh" else "P", "#0d3b8c", 18, "pm-glyph pm-post"),
             label("post", lang))
        )  # fmt: skip
    if not _is_empty(getattr(district, "cameras", None)):
        rows.append(
            (
                '<svg width="26" height="16"><path d="M4 8 L24 1 A20 20 0 0 1 24 15 Z" '
                f'fill="{CAMERA_COLOUR}" fill-opacity=".2" stroke="{CAMERA_COLOUR}" '
                f'stroke-width=".8"/><circle cx="4" cy="8" r="3.5" fill="{CAMERA_COLOUR}" '
                'stroke="#fff"/></svg>',
                f"{label('camera', lang)} / {label('camera_view', lang)}",
            )
        )
    for style, count in categories:
        rows.append(
            (_glyph_html(style.glyph(lang), style.colour, 18), f"{style.name(lang)} ({count})")
        )
    return rows


def add_layers(m: folium.Map, *layers: folium.FeatureGroup) -> folium.Map:
    """Add layers (routes, risk) to a map made by :func:`district_map`, listed in its control.

    Parameters
    ----------
    m
        The map.
    *layers
        Layers to add, in drawing order.

    Returns
    -------
    folium.Map
        The same map (its layer control, added when it is rendered, lists the new layers).
    """
    for layer in layers:
        layer.add_to(m)
    return m


def district_map(district: Any, *, lang: str = "zh", online_tiles: bool = False) -> folium.Map:
    """Return a Folium map of a district drawn from its own layers; it needs no tile server.

    Layers: boundary, grids with names, streets (major thicker), back alleys, one layer per
    key-area category, patrol posts, cameras with view areas; a layer control, a bilingual
    legend, a title and the data's attribution. Popups show each place's name, category,
    priority and id.

    Parameters
    ----------
    district
        A ``geodata.District`` (or any object with its layers as attributes: boundary, streets,
        key_areas, posts, cameras, grids, manifest).
    lang
        "zh" (Chinese) or "en" (English) labels.
    online_tiles
        Add OpenStreetMap's public tiles as an optional, hidden base layer (needs the network).

    Returns
    -------
    folium.Map
        Write it offline with :func:`web.maps.assets.write_standalone_html`; add route or risk
        layers with :func:`add_layers` so that the layer control lists them.
    """
    _check_lang(lang)
    manifest = getattr(district, "manifest", {}) or {}
    attribution = manifest.get("attribution") or DEFAULT_ATTRIBUTION
    if "OpenStreetMap" not in attribution:
        attribution = f"{attribution}; {DEFAULT_ATTRIBUTION}"
    name = district_title(district, lang)
    title = f"{name} {label('map', lang)}" if lang == "zh" else f"{name} — {label('map', lang)}"
    m = base_map(
        district_bounds(district),
        title=title.strip(" —"),
        attribution=attribution,
        online_tiles=online_tiles,
        padding=(190, 200) if lang == "zh" else (190, 250),
    )
    if getattr(district, "boundary", None) is not None:
        boundary_layer(district.boundary, lang=lang).add_to(m)
    if not _is_empty(getattr(district, "grids", None)):
        grids_layer(district.grids, lang=lang).add_to(m)
    for group in streets_layers(getattr(district, "streets", None), lang=lang):
        group.add_to(m)
    if not _is_empty(getattr(district, "cameras", None)):
        cameras_layer(
            district.cameras,
            streets=getattr(district, "streets", None),
            work_crs=manifest.get("work_crs"),
            lang=lang,
        ).add_to(m)
    categories = key_area_layers(getattr(district, "key_areas", None), lang=lang)
    for group, _style, _count in categories:
        group.add_to(m)
    if not _is_empty(getattr(district, "posts", None)):
        posts_layer(district.posts, lang=lang).add_to(m)
    legend(
        district_legend_rows(district, lang=lang, categories=[(s, n) for _g, s, n in categories]),
        title=label("legend", lang),
    ).add_to(m)
    return layer_control(m, collapsed=False)
