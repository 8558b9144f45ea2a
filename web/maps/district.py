"""The district map: the district's own layers, and the hotspot heat with its hour selector."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.hotspots.risk import district_risk
from web.district_map.visibility import LAYERS, layered_district
from web.maps.assets import local_html, write_standalone_html
from web.maps.layers import add_layers, district_map, hotspot_layer

if TYPE_CHECKING:
    from pathlib import Path

    import folium


def hotspot_district_map(
    district: Any, lang: str, layers: frozenset[str] = frozenset(LAYERS)
) -> folium.Map:
    """Return the district map of ``layers``, with the hotspot heat when they hold ``"heat"``.

    The heat layer comes with its hour-of-week selector.

    The risk is that of the working district's incidents and hotspot overrides, with no
    season (``planner.hotspots.risk.district_risk``).
    """
    m = district_map(layered_district(district, layers), lang=lang)
    if "heat" not in layers:
        return m
    return add_layers(m, hotspot_layer(district, district_risk(district), lang=lang))


def district_page(
    district: Any, lang: str, layers: frozenset[str] = frozenset(LAYERS), *, prefix: str
) -> str:
    """Return the district map page of ``layers``, loading its libraries from ``prefix``.

    See :func:`hotspot_district_map`.
    """
    return local_html(hotspot_district_map(district, lang, layers), prefix)


def write_district_map(
    district: Any, path: str | Path, *, lang: str, online_tiles: bool = False, heat: bool = True
) -> Path:
    """Write the whole district's map to ``path`` as one offline HTML page and return the path.

    Parameters
    ----------
    district
        The ``geodata.District``; every layer of it is drawn.
    path
        The HTML file to write.
    lang
        "zh" or "en".
    online_tiles
        Whether OpenStreetMap's tiles are offered as a background (they need the network).
    heat
        Whether the hotspot heat layer and its hour-of-week selector are added.

    Raises
    ------
    web.maps.assets.AssetsMissingError
        When a library the map needs is not installed.
    OSError
        When the file cannot be written.
    """
    m = district_map(district, lang=lang, online_tiles=online_tiles)
    if heat:
        add_layers(m, hotspot_layer(district, district_risk(district), lang=lang))
    return write_standalone_html(m, path)
