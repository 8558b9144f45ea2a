"""The map of one route: its stops and legs over the district's streets around it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapely.geometry import LineString

from planner.plan.times import clock, window
from web.maps.assets import layer_control, local_html
from web.maps.labels import Declutter
from web.maps.layers import MapStop, base_map, route_layer, streets_layers

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from planner.plan.document import PlanDocument, Route

ROUTE_COLOUR = "#1565c0"
"""The route's line colour."""

PAD = 0.002
"""Margin (degrees) around the route's stops and legs."""


def route_map(doc: PlanDocument, route: Route, streets: gpd.GeoDataFrame, lang: str) -> folium.Map:
    """Return the Folium map of one route over the streets around it.

    Parameters
    ----------
    doc
        The plan the route is part of.
    route
        The route.
    streets
        The district's streets; those near the route are drawn.
    lang
        "zh" or "en".

    Returns
    -------
    folium.Map
    """
    points = [(s.lon, s.lat) for s in route.stops] + [p for s in route.stops for p in s.leg]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    bounds = (min(lons) - PAD, min(lats) - PAD, max(lons) + PAD, max(lats) + PAD)
    m = base_map(bounds, attribution=doc.district.attribution, padding=(20, 20))
    near = streets.cx[bounds[0] : bounds[2], bounds[1] : bounds[3]]
    if len(near):
        for group in streets_layers(near, lang=lang):
            group.add_to(m)
    legs = [LineString(s.leg) for s in route.stops if len(s.leg) >= 2]
    stops = [
        MapStop(
            lon=s.lon,
            lat=s.lat,
            name=s.display_name,
            arrival=clock(s.arrival),
            window=", ".join(window(a, b) for a, b in s.windows),
            dwell_min=s.dwell // 60,
            note=s.check_zh if lang == "zh" else s.check,
            id=s.site_id,
            label=label,
        )
        for label, s in zip(route.stop_labels(), route.stops, strict=True)
    ]
    route_layer(stops, legs or None, name=route.id, colour=ROUTE_COLOUR, lang=lang).add_to(m)
    Declutter().add_to(m)  # stop labels make room for each other on a phone
    return layer_control(m, collapsed=True)


def route_page(doc: PlanDocument, route: Route, streets: Any, lang: str, *, prefix: str) -> str:
    """Return the route's map page, its libraries loaded from ``prefix`` (:func:`route_map`)."""
    return local_html(route_map(doc, route, streets, lang), prefix)
