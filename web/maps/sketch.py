"""A route drawn as a small inline SVG for paper: its path and its numbered stops.

The print view puts one on each unit-shift's page, so a printed sheet shows where the stops
lie without a tile server or a script. Positions are projected equirectangularly around the
route's centre (metres east and north are equal lengths on the page), which is exact enough
over the few kilometres of a patrol route.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.plan.document import Route

WIDTH, HEIGHT = 1000, 560
"""The drawing's size in SVG units (its aspect ratio on paper)."""

PAD = 30
"""Margin around the route, in SVG units."""


def route_sketch(route: Route, *, colour: str = "#1565c0", title: str = "") -> str:
    """Return an SVG of the route's legs and stops (labels as in its stop table).

    Parameters
    ----------
    route
        The route.
    colour
        The path's colour.
    title
        The drawing's accessible title.

    Returns
    -------
    str
        The ``<svg>`` element, or ``""`` for a route without stops.
    """
    stops = list(route.stops)
    if not stops:
        return ""
    points = [(s.lon, s.lat) for s in stops] + [p for s in stops for p in s.leg]
    lon0 = sum(p[0] for p in points) / len(points)
    lat0 = sum(p[1] for p in points) / len(points)
    k = math.cos(math.radians(lat0))

    def flat(lon: float, lat: float) -> tuple[float, float]:
        return ((lon - lon0) * k, lat - lat0)

    xy = [flat(*p) for p in points]
    min_x, max_x = min(p[0] for p in xy), max(p[0] for p in xy)
    min_y, max_y = min(p[1] for p in xy), max(p[1] for p in xy)
    span = max(max_x - min_x, (max_y - min_y) * WIDTH / HEIGHT, 1e-6)
    scale = (WIDTH - 2 * PAD) / span
    off_x = (WIDTH - (max_x - min_x) * scale) / 2
    off_y = (HEIGHT - (max_y - min_y) * scale) / 2

    def page(lon: float, lat: float) -> tuple[float, float]:
        x, y = flat(lon, lat)
        return (off_x + (x - min_x) * scale, HEIGHT - off_y - (y - min_y) * scale)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-sketch" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#999"/>',
    ]
    for stop in stops:
        if len(stop.leg) >= 2:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (page(*p) for p in stop.leg))
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="4" '
                'stroke-linejoin="round" stroke-opacity=".75"/>'
            )
    placed: list[tuple[float, float]] = []
    for label, stop in zip(route.stop_labels(), stops, strict=True):
        x, y = page(stop.lon, stop.lat)
        crowded = any(abs(x - a) < 26 and abs(y - b) < 26 for a, b in placed)
        if crowded:  # a dot only, where another stop's number already stands
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
            continue
        placed.append((x, y))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="13" fill="{colour}" stroke="#fff" '
            f'stroke-width="2"/><text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" '
            f'font-size="15" font-weight="700" fill="#fff" font-family="sans-serif">'
            f"{html.escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
