"""The check-in ledger's map: a plan's checkpoints coloured by check-in, missed ones on top."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium

from web.i18n import translate
from web.maps.assets import layer_control, local_html
from web.maps.layers import base_map, legend, streets_layers

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

STATUS_COLOURS = {"missed": "#d32f2f", "late": "#f57c00", "done": "#2e7d32", "pending": "#9e9e9e"}
"""Marker colours by check-in status."""

ORDER = ("pending", "done", "late", "missed")
"""Drawing order of the statuses (the last on top)."""

PAD = 0.002
"""Margin (degrees) around the checkpoints."""

EMPTY_BOUNDS = (118.77, 32.03, 118.80, 32.05)
"""Bounds shown when the plan has no checkpoint."""


@dataclass(frozen=True, slots=True)
class LedgerMarker:
    """One checkpoint visit on the ledger map.

    Attributes
    ----------
    lon, lat
        Where it is (WGS 84).
    status
        "pending", "done", "late" or "missed".
    text
        Its tooltip (plain text, escaped when drawn).
    """

    lon: float
    lat: float
    status: str
    text: str


def _dot(colour: str) -> str:
    return (
        f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
        f'background:{colour};border:1px solid #fff"></span>'
    )


def ledger_map(
    markers: Sequence[LedgerMarker], streets: gpd.GeoDataFrame, *, attribution: str, lang: str
) -> folium.Map:
    """Return the ledger's map of ``markers`` over the streets around them.

    Parameters
    ----------
    markers
        The visits, in any order; missed ones are drawn last (on top) and larger.
    streets
        The district's streets; those near the markers are drawn.
    attribution
        The map data's attribution.
    lang
        "zh" or "en".

    Returns
    -------
    folium.Map
    """
    visits = sorted(markers, key=lambda v: ORDER.index(v.status))
    if visits:
        lons, lats = [v.lon for v in visits], [v.lat for v in visits]
        bounds = (min(lons) - PAD, min(lats) - PAD, max(lons) + PAD, max(lats) + PAD)
    else:
        bounds = EMPTY_BOUNDS
    m = base_map(bounds, attribution=attribution, padding=(20, 20))
    near = streets.cx[bounds[0] : bounds[2], bounds[1] : bounds[3]]
    if len(near):
        for group in streets_layers(near, lang=lang):
            group.add_to(m)
    layer = folium.FeatureGroup(name=html.escape(translate("ledger_map_legend", lang)))
    for v in visits:
        folium.CircleMarker(
            [v.lat, v.lon],
            radius=9 if v.status == "missed" else 6,
            color="#ffffff",
            weight=1.5,
            fill=True,
            fill_color=STATUS_COLOURS[v.status],
            fill_opacity=0.95,
            tooltip=html.escape(v.text),
            class_name=f"pm-ledger-{v.status}",
        ).add_to(layer)
    layer.add_to(m)
    rows = [
        (_dot(STATUS_COLOURS[s]), translate(f"ledger_map_{s}", lang))
        for s in ("missed", "late", "done", "pending")
    ]
    legend(rows, title=translate("ledger_map_legend", lang)).add_to(m)
    return layer_control(m, collapsed=True)


def ledger_page(
    markers: Sequence[LedgerMarker],
    streets: gpd.GeoDataFrame,
    *,
    attribution: str,
    lang: str,
    prefix: str,
) -> str:
    """Return the ledger's map page, its libraries loaded from ``prefix`` (:func:`ledger_map`)."""
    return local_html(ledger_map(markers, streets, attribution=attribution, lang=lang), prefix)
