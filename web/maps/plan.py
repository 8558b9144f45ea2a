"""The map of a whole plan, written as one offline page: district, hotspot risk, every route."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapely.geometry import LineString

from planner.hotspots.risk import district_risk
from planner.plan.times import clock, window
from web.maps.assets import write_standalone_html
from web.maps.layers import (
    MapStop,
    add_layers,
    district_map,
    legend,
    risk_legend_rows,
    risk_streets_layer,
    route_layer,
)

if TYPE_CHECKING:
    from pathlib import Path

    import folium

    from geodata.bundle import District
    from planner.plan.document import PlanDocument

ROUTE_COLOURS = (
    "#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#4e342e", "#ad1457", "#283593", "#37474f",
)  # fmt: skip
"""Colours of the routes on the map, one per group (no reds or yellows: those mean risk)."""

RESERVE_COLOUR = "#37474f"
"""The colour of the routes of reserves called in (they belong to no group)."""

RISK_QUANTILE = 0.5
"""Streets below this quantile of weekly risk are left uncoloured on the plan map."""


def _route_name(doc: PlanDocument, route: Any) -> str:
    """Return the layer name of a unit-shift, e.g. ``"一组 单元1 白班 12-07"``."""
    group = doc.roster.owner(route)
    shift = doc.roster.shift(route.shift_id)
    unit = route.unit_label
    # Unit ids are "<group>-<n>", "<group>-all" the whole group; plans before units have none.
    number = unit.rpartition("-")[2] if "-" in unit and unit != route.group_id else ""
    label = f" 单元{number}" if number and number != "all" else ""
    return f"{group.name_zh or group.name}{label} {shift.name_zh or shift.name} {route.date[5:]}"


def plan_map(doc: PlanDocument, district: District) -> folium.Map:
    """Return the plan's map: the district's layers, hotspot risk and every unit's route.

    The first day's routes are shown when the page opens; the others are in the layer control.

    Parameters
    ----------
    doc
        The plan.
    district
        The district it was planned for (drawn under the routes).

    Returns
    -------
    folium.Map
    """
    m = district_map(district, lang="zh")
    weekly = district_risk(district, on=doc.start_date).streets.info["weekly"]
    # Only the riskier half of the streets is coloured, so routes stay readable on top.
    weekly = weekly.where(weekly >= weekly.quantile(RISK_QUANTILE), 0.0)
    streets = district.streets
    layers = [risk_streets_layer(streets, weekly, name="风险 hotspot risk", show=True)]
    colour = {g.id: ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i, g in enumerate(doc.roster.groups)}
    # The full-time units' routes; grid members' short duty walks are on their own sheets.
    for route in (r for r in doc.routes if r.unit_kind != "grid"):
        stops = [
            MapStop(
                lon=s.lon,
                lat=s.lat,
                name=s.name or s.name_en or s.site_id,
                arrival=clock(s.arrival),
                window=", ".join(window(a, b) for a, b in s.windows),
                dwell_min=s.dwell // 60,
                note=s.check_zh or s.check,
                id=s.site_id,
            )
            for s in route.stops
            if s.kind != "base"
        ]
        legs = [LineString(s.leg) for s in route.stops if len(s.leg) >= 2]
        layers.append(
            route_layer(
                stops,
                legs or None,
                name=_route_name(doc, route),
                colour=colour.get(route.group_id, RESERVE_COLOUR),
                show=route.date == doc.start,
            )
        )
    rows = risk_legend_rows("zh")
    for g in doc.roster.groups:
        svg = (
            '<svg width="26" height="12"><line x1="1" y1="6" x2="25" y2="6" '
            f'stroke="{colour[g.id]}" stroke-width="5"/></svg>'
        )
        rows.append((svg, f"{g.name_zh or g.name} 路线 route"))
    legend(rows, title="计划 Plan", position="topleft").add_to(m)
    return add_layers(m, *layers)


def write_plan_map(doc: PlanDocument, district: District, path: str | Path) -> Path:
    """Write :func:`plan_map` to ``path`` as one offline HTML page and return the path."""
    return write_standalone_html(plan_map(doc, district), path)
