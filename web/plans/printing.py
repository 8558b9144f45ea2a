"""Printed route sheets: one A4 PDF page per group-shift with a map, the stop table and sign-in."""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import logging
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from geodata.categories import CATEGORIES
from planner.exceptions import ProblemError
from planner.plan.document import check_document
from planner.plan.times import clock, duration
from planner.plan.times import (
    hhmm as _hhmm,  # the sheet's date line says when a shift runs past midnight
)
from web.plans.fonts import cjk_font_subset, find_cjk_font
from web.views_common import unit_number

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from reportlab.pdfgen.canvas import Canvas

    from planner.plan.document import PlanDocument, Route, Stop
    from web.plans.fonts import FontSource

logger = logging.getLogger("web")

PAGE_SIZE = A4
MAP_MIN_HEIGHT = 55 * mm
MAP_MAX_HEIGHT = 125 * mm
MAIN_MAP_SHARE = 0.58
"""Share of the width the route map keeps when a detail map of crowded stops sits beside it."""
MARGIN = 12 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

MODE_LABELS = {
    "foot": "步行 On foot",
    "bicycle": "自行车 Bicycle",
    "ebike": "电动车 E-bike",
    "motorcycle": "摩托车 Motorcycle",
}
KIND_LABELS = {
    "base": "基地 Base",
    "break": "休息 Break",
    "fixed_post": "定点 Fixed post",
    "alley": "小巷 Alley",
    "inspection": "场所检查 Inspection",
}
EXTRA_CATEGORY_LABELS = {
    "alley": ("小巷", "Alley"),
    "police_room": ("警务室", "Police room"),
    "police": ("派出所", "Police"),
    "post": ("岗亭", "Post"),
    "rental": ("出租屋", "Rental housing"),
    "break": ("休息", "Break"),
}
DETAIL = "放大图 Detail"
INSPECTION_MARK = "·检查"
"""Added to the category of an inspection stop on the compact sheet (餐饮·检查)."""
WEEKDAYS = ("周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun")

STREET_COLOR = colors.HexColor("#C9C9C9")
LEG_COLOR = colors.HexColor("#1F5FBF")
ALLEY_COLOR = colors.HexColor("#E67E22")
STOP_COLOR = colors.HexColor("#C0392B")
WINDOW_COLOR = colors.HexColor("#8E44AD")
BASE_COLOR = colors.HexColor("#2C3E50")
HEADER_FILL = colors.HexColor("#E8EEF7")


def _category_label(key: str) -> tuple[str, str]:
    """Return the Chinese and English label of a key-area category (or post kind)."""
    category = CATEGORIES.get(key)
    if category is not None:
        return category.label_zh, category.label_en
    return EXTRA_CATEGORY_LABELS.get(key, (key, ""))


@dataclass
class _Text:
    """Collects every character the sheets print, so the embedded font holds just those."""

    chars: set[str] = field(default_factory=set)

    def __call__(self, text: str) -> str:
        self.chars.update(text)
        return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


STREET_WIDTHS = {
    "motorway": 2.6,
    "trunk": 2.6,
    "primary": 2.3,
    "secondary": 2.0,
    "tertiary": 1.6,
    "unclassified": 1.1,
    "residential": 1.1,
    "living_street": 1.0,
}
"""Line width (points) of streets by OSM highway class; others get :data:`MINOR_WIDTH`."""
MINOR_WIDTH = 0.8


@dataclass(frozen=True, slots=True)
class Street:
    """A street drawn on the map: its (lon, lat) line, name (may be empty) and line width."""

    coords: list[tuple[float, float]]
    name: str = ""
    width: float = MINOR_WIDTH


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _street_lines(streets: Any) -> list[Street]:
    """Turn streets into lines to draw.

    ``streets`` is a GeoDataFrame (its ``name`` and ``highway`` columns are used when present),
    a GeoSeries, shapely (Multi)LineStrings, or sequences of (lon, lat).
    """
    if streets is None:
        return []
    names: list[str] = []
    classes: list[str] = []
    if hasattr(streets, "geometry") and hasattr(streets, "columns"):
        n = len(streets)
        names = [_text(v) for v in streets["name"]] if "name" in streets.columns else []
        classes = [_text(v) for v in streets["highway"]] if "highway" in streets.columns else []
        names = names or [""] * n
        classes = classes or [""] * n
        streets = streets.geometry
    out: list[Street] = []
    for k, item in enumerate(streets):
        if item is None:
            continue
        name = names[k] if names else ""
        width = STREET_WIDTHS.get(classes[k], MINOR_WIDTH) if classes else MINOR_WIDTH
        if hasattr(item, "geoms"):
            parts = [[(float(x), float(y)) for x, y, *_ in g.coords] for g in item.geoms]
        elif hasattr(item, "coords"):
            parts = [[(float(x), float(y)) for x, y, *_ in item.coords]]
        else:
            parts = [[(float(p[0]), float(p[1])) for p in item]]
        out.extend(Street(part, name, width) for part in parts if len(part) >= 2)
    return out


def _label_width(text: str, size: float) -> float:
    """Estimate the printed width of ``text`` (CJK characters are one em wide)."""
    return sum(size if ord(ch) >= 0x2E80 else 0.56 * size for ch in text)


def _route_bounds(route: Route) -> tuple[float, float, float, float]:
    """Return (lon0, lat0, lon1, lat1) around the route's stops, alleys and legs."""
    points = [(s.lon, s.lat) for s in route.stops]
    points += [p for s in route.stops for p in s.leg]
    points += [(s.end_lon, s.end_lat) for s in route.stops if s.end_lon is not None]  # type: ignore[misc]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _names_near_route(route: Route, streets: list[Street]) -> set[str]:
    """Return the names of streets any map of ``route`` on a sheet could show (a superset)."""
    lon0, lat0, lon1, lat1 = _route_bounds(route)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    sx = max((lon1 - lon0) * kx * 111_320, 400.0) * 1.18
    sy = max((lat1 - lat0) * 111_320, 300.0) * 1.18
    # The widest view is the full-width map at its lowest height, the tallest one the narrow
    # map beside a detail map at its greatest height; take a box holding both, and a margin.
    half_x = 0.6 * max(sx, sy * CONTENT_WIDTH / MAP_MIN_HEIGHT)
    half_y = 0.6 * max(sy, sx * MAP_MAX_HEIGHT / (MAIN_MAP_SHARE * CONTENT_WIDTH))
    cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    dx, dy = half_x / (kx * 111_320), half_y / 111_320
    return {
        s.name
        for s in streets
        if s.name and _crosses_box(s.coords, cx - dx, cy - dy, cx + dx, cy + dy)
    }


def _crowded_extent(route_map: RouteMap) -> tuple[float, float, float, float] | None:
    """Return the lon/lat box of the route's most crowded stops, or None when none crowd.

    Stops crowd when four or more markers each touch at least two others on the map; the box
    holds the markers near the most crowded one, with a margin, for a detail map.
    """
    stops = [s for s in route_map.route.stops if s.kind != "base"]
    xy = [route_map.xy(s.lon, s.lat) for s in stops]
    near = [
        [j for j, q in enumerate(xy) if j != i and math.dist(p, q) < 14] for i, p in enumerate(xy)
    ]
    crowded = [i for i, ns in enumerate(near) if len(ns) >= 2]
    if len(crowded) < 4:
        return None
    seed = max(crowded, key=lambda i: len(near[i]))
    members = [stops[i] for i, p in enumerate(xy) if math.dist(p, xy[seed]) < 30]
    lon0 = min(s.lon for s in members)
    lon1 = max(s.lon for s in members)
    lat0 = min(s.lat for s in members)
    lat1 = max(s.lat for s in members)
    pad_lat = max((lat1 - lat0) * 0.15, 20 / 111_320)
    pad_lon = max((lon1 - lon0) * 0.15, pad_lat / route_map.kx)
    return lon0 - pad_lon, lat0 - pad_lat, lon1 + pad_lon, lat1 + pad_lat


class RouteMap(Flowable):
    """A vector map of one route: district streets, the legs, and numbered stops."""

    def __init__(
        self,
        route: Route,
        labels: Sequence[str],
        streets: list[Street],
        *,
        width: float,
        height: float,
        font: str,
        attribution: str,
        extent: tuple[float, float, float, float] | None = None,
        detail: tuple[float, float, float, float] | None = None,
        title: str = "",
    ) -> None:
        super().__init__()
        self.route = route
        self.labels = list(labels)
        self.streets = streets
        self.width = width
        self.height = height
        self.font = font
        self.attribution = attribution
        self.detail = detail
        self.title = title
        if extent is None:
            lon0, lat0, lon1, lat1 = _route_bounds(route)
            min_x, min_y = 400.0, 300.0
        else:
            lon0, lat0, lon1, lat1 = extent
            min_x, min_y = 80.0, 60.0
        self.kx = math.cos(math.radians((lat0 + lat1) / 2))
        # Metres per degree of latitude; keep a minimum extent and a margin around.
        span_x = max((lon1 - lon0) * self.kx * 111_320, min_x) * 1.18
        span_y = max((lat1 - lat0) * 111_320, min_y) * 1.18
        self.scale = min(width / span_x, height / span_y)  # points per metre
        self.cx = (lon0 + lon1) / 2
        self.cy = (lat0 + lat1) / 2
        self.street_labels = self._place_street_labels()

    LABEL_SIZE = 7.0
    MAX_LABELS = 16

    def _place_street_labels(self) -> list[tuple[float, float, float, str]]:
        """Choose where to write street names: the longest straight piece of each name in view.

        Returns (x, y, angle in degrees, name) for labels that fit their piece, avoid each
        other and keep clear of the stop markers.
        """
        inset = 10.0
        best: dict[str, tuple[float, float, float, float]] = {}
        for street in self.streets:
            if not street.name:
                continue
            pts = [self.xy(lon, lat) for lon, lat in street.coords]
            for a, b in itertools.pairwise(pts):
                if not all(
                    inset <= p[0] <= self.width - inset and inset <= p[1] <= self.height - inset
                    for p in (a, b)
                ):
                    continue
                length = math.dist(a, b)
                if length > best.get(street.name, (0.0, 0, 0, 0))[0]:
                    angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
                    if angle > 90:
                        angle -= 180
                    elif angle <= -90:
                        angle += 180
                    best[street.name] = (length, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, angle)
        markers = [self.xy(s.lon, s.lat) for s in self.route.stops]
        placed: list[tuple[float, float, float, str]] = []
        for name, (length, x, y, angle) in sorted(best.items(), key=lambda kv: -kv[1][0]):
            size = _label_width(name, self.LABEL_SIZE)
            if length < size + 12 or any(math.dist((x, y), m) < 16 for m in markers):
                continue
            if any(
                math.dist((x, y), (px, py)) < (size + _label_width(pn, self.LABEL_SIZE)) / 2 + 4
                for px, py, _, pn in placed
            ):
                continue
            placed.append((x, y, angle, name))
            if len(placed) >= self.MAX_LABELS:
                break
        return placed

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Return the fixed size of the map."""
        return self.width, self.height

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Return page coordinates inside the map box of a lon/lat position."""
        x = (lon - self.cx) * self.kx * 111_320 * self.scale + self.width / 2
        y = (lat - self.cy) * 111_320 * self.scale + self.height / 2
        return x, y

    def _polyline(self, c: Canvas, coords: Iterable[tuple[float, float]]) -> None:
        path = c.beginPath()
        for i, (lon, lat) in enumerate(coords):
            x, y = self.xy(lon, lat)
            if i == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        c.drawPath(path, stroke=1, fill=0)

    def _arrow(self, c: Canvas, leg: Sequence[tuple[float, float]]) -> None:
        """Draw a small arrowhead halfway along a leg to show the direction of travel."""
        pts = [self.xy(*p) for p in leg]
        lengths = [math.dist(a, b) for a, b in itertools.pairwise(pts)]
        total = sum(lengths)
        if total < 30:
            return
        half = total / 2
        for (a, b), length in zip(itertools.pairwise(pts), lengths, strict=True):
            if half <= length and length > 0:
                t = half / length
                x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
                ang = math.atan2(b[1] - a[1], b[0] - a[0])
                size = 5.0
                p = c.beginPath()
                p.moveTo(x + size * math.cos(ang), y + size * math.sin(ang))
                p.lineTo(x + size * math.cos(ang + 2.5), y + size * math.sin(ang + 2.5))
                p.lineTo(x + size * math.cos(ang - 2.5), y + size * math.sin(ang - 2.5))
                p.close()
                c.drawPath(p, stroke=0, fill=1)
                return
            half -= length

    def _scale_bar(self, c: Canvas) -> None:
        target = self.width / 5 / self.scale
        metres = max(
            (m for m in (20, 50, 100, 200, 250, 500, 1000, 2000, 5000) if m <= target), default=20
        )
        length = metres * self.scale
        x, y = 10, 10
        c.setFillColor(colors.Color(1, 1, 1, alpha=0.8))
        c.rect(x - 4, y - 4, length + 40, 16, stroke=0, fill=1)
        c.setStrokeColor(colors.black)
        c.setLineWidth(1.2)
        c.line(x, y, x + length, y)
        c.line(x, y - 2, x, y + 3)
        c.line(x + length, y - 2, x + length, y + 3)
        c.setFillColor(colors.black)
        c.setFont(self.font, 7)
        label = f"{metres} m" if metres < 1000 else f"{metres // 1000} km"
        c.drawString(x + length + 4, y - 2, label)

    def draw(self) -> None:
        """Draw the map on the flowable's canvas."""
        c = self.canv
        w, h = self.width, self.height
        c.saveState()
        clip = c.beginPath()
        clip.rect(0, 0, w, h)
        c.clipPath(clip, stroke=0, fill=0)
        c.setFillColor(colors.HexColor("#FBFBF8"))
        c.rect(0, 0, w, h, stroke=0, fill=1)
        c.setLineCap(1)
        c.setLineJoin(1)
        c.setStrokeColor(STREET_COLOR)
        margin = 0.01
        lon_lo, lat_lo = self._lonlat(-w * margin, -h * margin)
        lon_hi, lat_hi = self._lonlat(w * (1 + margin), h * (1 + margin))
        for street in sorted(self.streets, key=lambda s: s.width):
            if _crosses_box(street.coords, lon_lo, lat_lo, lon_hi, lat_hi):
                c.setLineWidth(street.width)
                self._polyline(c, street.coords)
        # Street names, with a white halo so that they read over the lines.
        for x, y, angle, name in self.street_labels:
            c.saveState()
            c.translate(x, y)
            c.rotate(angle)
            label = c.beginText()
            label.setFont(self.font, self.LABEL_SIZE)
            label.setTextRenderMode(1)
            c.setStrokeColor(colors.white)
            c.setLineWidth(2.2)
            label.setTextOrigin(-pdfmetrics.stringWidth(name, self.font, self.LABEL_SIZE) / 2, -2.2)
            label.textOut(name)
            label.setTextRenderMode(0)  # the mode outlives the text object: reset it
            c.drawText(label)
            c.setFillColor(colors.HexColor("#555555"))
            c.setFont(self.font, self.LABEL_SIZE)
            c.drawCentredString(0, -2.2, name)
            c.restoreState()
        if self.detail is not None:
            x0, y0 = self.xy(self.detail[0], self.detail[1])
            x1, y1 = self.xy(self.detail[2], self.detail[3])
            c.saveState()
            c.setDash(3, 2)
            c.setStrokeColor(colors.HexColor("#444444"))
            c.setLineWidth(0.8)
            c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
            c.restoreState()
        # Alley segments walked, then the legs with their arrows.
        c.setStrokeColor(ALLEY_COLOR)
        c.setLineWidth(4.5)
        for stop in self.route.stops:
            if stop.end_lon is not None and stop.end_lat is not None:
                self._polyline(c, [(stop.lon, stop.lat), (stop.end_lon, stop.end_lat)])
        c.setStrokeColor(LEG_COLOR)
        c.setFillColor(LEG_COLOR)
        c.setLineWidth(2.0)
        for stop in self.route.stops:
            if len(stop.leg) >= 2:
                self._polyline(c, stop.leg)
                self._arrow(c, stop.leg)
        # Stops: a numbered circle each (purple for stops with a time window), B for the base.
        drawn: dict[tuple[float, float], int] = {}
        for label, stop in zip(self.labels, self.route.stops, strict=True):
            x, y = self.xy(stop.lon, stop.lat)
            key = (round(x), round(y))
            if stop.kind == "base":
                if key in drawn:
                    continue
                drawn[key] = 1
                c.setFillColor(BASE_COLOR)
                c.setStrokeColor(colors.white)
                c.setLineWidth(1)
                c.rect(x - 7, y - 7, 14, 14, stroke=1, fill=1)
            else:
                # Stops at the same place are fanned out so each number stays readable.
                n = drawn.get(key, 0)
                drawn[key] = n + 1
                if n:
                    ring, slot = divmod(n - 1, 8)
                    angle = math.radians(45 + 45 * slot + 22.5 * ring)
                    x += (15 + 14 * ring) * math.cos(angle)
                    y += (15 + 14 * ring) * math.sin(angle)
                c.setFillColor(WINDOW_COLOR if stop.windows else STOP_COLOR)
                c.setStrokeColor(colors.white)
                c.setLineWidth(1.2)
                c.circle(x, y, 7.5, stroke=1, fill=1)
            c.setFillColor(colors.white)
            c.setFont(self.font, 8.5 if len(label) < 3 else 7)
            c.drawCentredString(x, y - 3, label)
        # North arrow, scale bar and attribution.
        c.setFillColor(colors.black)
        c.setFont(self.font, 9)
        c.drawCentredString(w - 14, h - 26, "N")
        p = c.beginPath()
        p.moveTo(w - 14, h - 6)
        p.lineTo(w - 19, h - 16)
        p.lineTo(w - 9, h - 16)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
        self._scale_bar(c)
        if self.title:
            c.setFont(self.font, 8)
            tw = pdfmetrics.stringWidth(self.title, self.font, 8)
            c.setFillColor(colors.Color(1, 1, 1, alpha=0.85))
            c.rect(4, h - 16, tw + 8, 12, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.drawString(8, h - 13, self.title)
        c.setFont(self.font, 6.5)
        tw = pdfmetrics.stringWidth(self.attribution, self.font, 6.5)
        c.setFillColor(colors.Color(1, 1, 1, alpha=0.8))
        c.rect(w - tw - 8, 2, tw + 6, 10, stroke=0, fill=1)
        c.setFillColor(colors.HexColor("#333333"))
        c.drawRightString(w - 5, 5, self.attribution)
        c.restoreState()
        c.setStrokeColor(colors.HexColor("#888888"))
        c.setLineWidth(0.6)
        c.rect(0, 0, w, h, stroke=1, fill=0)

    def _lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon = (x - self.width / 2) / (self.scale * 111_320 * self.kx) + self.cx
        lat = (y - self.height / 2) / (self.scale * 111_320) + self.cy
        return lon, lat


class CheckInCode(Flowable):
    """A QR code of a checkpoint's check-in URL, also a link to it in the PDF."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.url = url
        self.size = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Return the fixed size of the code."""
        return self.size, self.size

    BORDER = 2
    """Quiet zone in modules (the table cell's padding adds to it)."""

    MASK = 2
    """The QR mask pattern: a fixed one spares scoring all eight (three times faster per code,
    which counts with a code per stop); every reader reads any of them."""

    def draw(self) -> None:
        """Draw the code (error correction M) as one path, and its link.

        The modules are those of reportlab's QR widget; they are drawn as one path of runs
        rather than the widget's one shape per run, which is many times faster.
        """
        qr = QrCodeWidget(self.url, barLevel="M").qr
        qr.version = qr.calculate_version()
        qr.makeImpl(False, self.MASK)
        modules = qr.modules
        box = self.size / (len(modules) + 2 * self.BORDER)
        c = self.canv
        path = c.beginPath()
        for r, row in enumerate(modules):
            col = 0
            for dark, run in itertools.groupby(bool(m) for m in row):
                n = len(list(run))
                if dark:
                    y = self.size - (r + self.BORDER + 1) * box
                    path.rect((col + self.BORDER) * box, y, n * box, box)
                col += n
        c.saveState()
        c.setFillColor(colors.black)
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()
        c.linkURL(self.url, (0, 0, self.size, self.size), relative=1, thickness=0)


QR_SIZES = {"full": 20 * mm, "compact": 16 * mm, "dense": 14 * mm}
"""Side of the check-in QR codes in each layout of the stop table."""
SIGN_HEAD = "签到<br/>Sign-in"
SCAN_HEAD = "扫码签到<br/>Scan to sign in"


def _crosses_box(
    line: Sequence[tuple[float, float]], x0: float, y0: float, x1: float, y1: float
) -> bool:
    """Return True when the bounding box of ``line`` overlaps the box (cheap, conservative)."""
    xs = [p[0] for p in line]
    ys = [p[1] for p in line]
    return min(xs) <= x1 and max(xs) >= x0 and min(ys) <= y1 and max(ys) >= y0


def _register_font(text: _Text, source: FontSource) -> str:
    """Register a subset of the CJK font holding ``text``'s characters; return its name."""
    data = cjk_font_subset(sorted(text.chars), source)
    name = "PatrolCJK-" + hashlib.sha256(data).hexdigest()[:12]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return name


def _window_text(stop: Stop) -> str:
    return "<br/>".join(f"{_hhmm(lo)}–{_hhmm(hi)}" for lo, hi in stop.windows)


def _dense_table(
    route: Route,
    labels: Sequence[str],
    para: Any,
    styles: dict[str, ParagraphStyle],
    codes: Mapping[int, str] | None = None,
) -> Table:
    """Return the stops in two side-by-side tables and what to check once per category.

    For routes too long for one table row per stop with its instruction: each row keeps the
    number, place, category, window, arrival, dwell and sign-in box, and the instructions,
    which follow from the category, are listed once below.
    """
    cell = styles["tiny"]
    head = [
        "序号<br/>No.",
        "地点<br/>Place",
        "类别<br/>Cat.",
        "时间窗<br/>Window",
        "到达<br/>Arr.",
        "停留<br/>min",
        "签到<br/>Sign-in" if not codes else "扫码<br/>Scan",
    ]
    rows: list[list[Any]] = []
    checks: dict[str, list[str]] = {}
    for k, (label, stop) in enumerate(zip(labels, route.stops, strict=True)):
        zh, _ = _category_label(stop.category)
        if stop.kind == "inspection":  # its checklist is listed apart from the visits'
            zh = f"{zh}{INSPECTION_MARK}"
        windows = ", ".join(f"{_hhmm(lo)}–{_hhmm(hi)}" for lo, hi in stop.windows)
        dwell = _minutes(stop.dwell)
        url = (codes or {}).get(k)
        rows.append(
            [
                para(label, cell),
                para(_escape(stop.display_name), cell),
                para(_escape(zh), cell),
                para(windows, cell),
                para(_hhmm(stop.arrival), cell),
                para(dwell, cell),
                CheckInCode(url, QR_SIZES["dense"]) if url else "",
            ]
        )
        text = stop.check_zh or stop.check
        if text and text not in checks.setdefault(zh, []):
            checks[zh].append(text)
    gap = 4 * mm
    half = (CONTENT_WIDTH - gap) / 2
    widths = [w * mm for w in (8, 22, 11, 16, 10, 8, 0)]
    widths[-1] = half - sum(widths)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    split = math.ceil(len(rows) / 2)
    halves = []
    for part in (rows[:split], rows[split:]):
        table = Table([[para(h, styles["th_small"]) for h in head], *part], colWidths=widths)
        table.setStyle(TableStyle(style))
        halves.append(table)
    pair = Table([[halves[0], "", halves[1]]], colWidths=[half, gap, half])
    pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_NO_PADDING]))
    items = [
        [para(f"<b>{_escape(zh)}</b>：" + "；".join(_escape(t) for t in texts), cell)]
        for zh, texts in checks.items()
    ]
    check_rows = [
        [items[i][0], items[i + 1][0] if i + 1 < len(items) else ""]
        for i in range(0, len(items), 2)
    ]
    checks_table = Table(check_rows, colWidths=[CONTENT_WIDTH / 2, CONTENT_WIDTH / 2])
    checks_table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    title = para("检查要点 What to check (按类别 by category)", styles["head"])
    outer = Table([[pair], [title], [checks_table]], colWidths=[CONTENT_WIDTH])
    outer.setStyle(TableStyle([*_NO_PADDING, ("TOPPADDING", (0, 1), (0, 1), 4)]))
    return outer


_NO_PADDING: list[tuple[Any, ...]] = [
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]


def _stop_table(
    route: Route,
    labels: Sequence[str],
    para: Any,
    styles: dict[str, ParagraphStyle],
    *,
    compact: bool,
    codes: Mapping[int, str] | None = None,
) -> Table:
    """Return the stop table; ``compact`` keeps one short line per stop for long routes.

    ``codes`` maps the index of each checkpoint stop to its check-in URL, printed as a QR code
    in the sign-in column.
    """
    cell = styles["small"] if compact else styles["cell"]
    num = styles["small"] if compact else styles["num"]
    head = [
        "序号<br/>No.",
        "地点<br/>Place",
        "类别<br/>Category",
        "时间窗<br/>Window",
        "计划到达<br/>Arrival",
        "停留 分<br/>Dwell min",
        "检查要点<br/>What to check",
        SCAN_HEAD if codes else SIGN_HEAD,
    ]
    rows: list[list[Any]] = [[para(h, styles["th"]) for h in head]]
    size = QR_SIZES["compact" if compact else "full"]
    for k, (label, stop) in enumerate(zip(labels, route.stops, strict=True)):
        zh, en = _category_label(stop.category)
        place = _escape(stop.display_name)
        check = _escape(stop.check_zh or stop.check)
        category = _escape(zh)
        if not compact:
            if en:
                category += f"<br/>{_escape(en)}"
            if stop.kind in ("break", "fixed_post", "inspection"):
                category += f"<br/>{KIND_LABELS[stop.kind]}"
            if stop.name_en and stop.name:
                place += f"<br/><font size=7 color='#555555'>{_escape(stop.name_en)}</font>"
            if stop.check and stop.check_zh:
                check += f"<br/><font size=7 color='#555555'>{_escape(stop.check)}</font>"
        dwell = _minutes(stop.dwell)
        windows = ("<br/>" if not compact else ", ").join(
            f"{_hhmm(lo)}–{_hhmm(hi)}" for lo, hi in stop.windows
        )
        rows.append(
            [
                para(label, num),
                para(place, cell),
                para(category, cell),
                para(windows, cell),
                para(_hhmm(stop.arrival), cell),
                para(dwell, cell),
                para(check, cell),
                CheckInCode(url, size) if (url := (codes or {}).get(k)) else "",
            ]
        )
    widths = [w * mm for w in (11, 36, 21, 22, 16, 15, 0, 24)]
    widths[6] = CONTENT_WIDTH - sum(widths)
    table = Table(rows, colWidths=widths, repeatRows=1)
    pad = 1.5 if compact else 3
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, stop in enumerate(route.stops, start=1):
        if stop.windows:
            style.append(("BACKGROUND", (3, i), (3, i), colors.HexColor("#F1E6F7")))
        if stop.kind == "base":
            style.append(("BACKGROUND", (0, i), (-2, i), colors.HexColor("#F4F4F4")))
    table.setStyle(TableStyle(style))
    return table


def _sheet_story(
    doc: PlanDocument,
    route: Route,
    streets: list[Street],
    t: _Text,
    styles: dict[str, ParagraphStyle],
    font: str,
    *,
    collect: bool = False,
    urls: Mapping[str, str] | None = None,
) -> list[Flowable]:
    """Return the flowables of one route's sheet.

    With ``collect`` the characters the sheet can print are only recorded in ``t`` (cheaply:
    no paragraph is parsed or laid out) and nothing is returned.
    """
    roster = doc.roster
    group = roster.owner(route)
    shift = roster.shift(route.shift_id)
    day = date.fromisoformat(route.date)
    labels = route.stop_labels()
    p = styles["cell"]
    ph = styles["head"]
    codes = {
        k: urls[f"{route.id}/{k}"]
        for k in range(len(route.stops))
        if urls and f"{route.id}/{k}" in urls
    }

    def para(text: str, style: ParagraphStyle = p) -> Any:
        return t(text) if collect else Paragraph(text, style)

    number = unit_number(route)
    unit = f" · 巡逻单元 {_escape(number)} Unit {_escape(number)}" if number else ""
    title = (
        f"{_escape(doc.district.name_zh)} 巡逻路线单 · {_escape(doc.district.name)} route "
        f"sheet — {_escape(group.label())}{unit}"
    )
    crew = route.members or tuple(m.id for m in group.members)
    members = "、".join(_escape(roster.member_name(m)) for m in crew) or "—"
    if route.vehicles:
        members += f" · 车辆 vehicles {'、'.join(_escape(v) for v in route.vehicles)}"
    visits = sum(1 for s in route.stops if s.kind != "base")
    base = route.stops[0]
    overnight = ""
    if route.end_s >= 86400:
        nxt = day + timedelta(days=route.end_s // 86400)
        overnight = f" → {nxt:%m-%d} {WEEKDAYS[nxt.weekday()]}"
    info = [
        [
            para("组别 Group", ph),
            para(_escape(group.label())),
            para("日期 Date", ph),
            para(f"{route.date} {WEEKDAYS[day.weekday()]}{overnight}"),
        ],
        [
            para("成员 Members", ph),
            para(members),
            para("班次 Shift", ph),
            para(_escape(f"{shift.name_zh} {shift.name} {shift.hours_label()}")),
        ],
        [
            para("方式 Mode", ph),
            para(MODE_LABELS.get(route.mode, _escape(route.mode))),
            para("路线 Route", ph),
            para(
                f"{clock(route.start_s)}–{clock(route.end_s)} · {route.distance_m / 1000:.1f} km"
                f" · {visits} 处 stops"
            ),
        ],
        [
            para("出发 Base", ph),
            para(f"B {_escape(base.display_name)} {_escape(base.name_en if base.name else '')}"),
            para("签发 Issued", ph),
            para("队长 Captain: ____________"),
        ],
        [
            para("机动 Reserve", ph),
            para(_reserve_text(route)),
            para("休息 Breaks", ph),
            para(_breaks_text(route)),
        ],
    ]
    info_table = Table(
        info,
        colWidths=[22 * mm, CONTENT_WIDTH / 2 - 22 * mm, 22 * mm, CONTENT_WIDTH / 2 - 22 * mm],
    )
    info_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#AAAAAA")),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("BACKGROUND", (2, 0), (2, -1), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )

    legend = (
        f"<font color='#{BASE_COLOR.hexval()[2:]}'>■</font> B 基地 Base　"
        f"<font color='#{STOP_COLOR.hexval()[2:]}'>●</font> 巡查点 Stop　"
        f"<font color='#{WINDOW_COLOR.hexval()[2:]}'>●</font> 有时间窗 With time window　"
        f"<font color='#{ALLEY_COLOR.hexval()[2:]}'>━</font> 小巷 Alley walked　"
        f"<font color='#{LEG_COLOR.hexval()[2:]}'>━</font> 路线 Route"
    )
    if collect:
        # The compact table prints a subset of the full one's characters; street names are
        # those in the widest view the map can have (at its smallest height).
        _stop_table(route, labels, para, styles, compact=False, codes=codes)
        _dense_table(route, labels, para, styles, codes)
        for name in _names_near_route(route, streets):
            t(name)
        for text in (
            title,
            legend,
            doc.district.attribution,
            "N0123456789 mk",
            *labels,
            f"　□ {DETAIL}",
        ):
            t(text)
        return []

    # The map takes what the title, header and table leave of the page, within limits. Long
    # routes get a compact table (one line per stop, Chinese only) before anything is shrunk.
    frame_height = PAGE_SIZE[1] - 2 * MARGIN - 12  # the frame's 6 pt padding, top and bottom
    _, info_height = info_table.wrap(CONTENT_WIDTH, frame_height)
    fixed = 18 + 4 + info_height + 5 + 15  # title, spacer, header table, spacer, legend
    # Rows are at least 27 pt (full) or 12 pt (compact) high: skip layouts that cannot fit.
    n = len(route.stops)
    table_height = math.inf
    if frame_height - fixed - 30 - 27 * n >= 70 * mm:
        table = _stop_table(route, labels, para, styles, compact=False, codes=codes)
        _, table_height = table.wrap(CONTENT_WIDTH, frame_height)
    if (
        frame_height - fixed - table_height < 70 * mm
        and frame_height - fixed - 30 - 12 * n >= 55 * mm
    ):
        table = _stop_table(route, labels, para, styles, compact=True, codes=codes)
        _, table_height = table.wrap(CONTENT_WIDTH, frame_height)
    if frame_height - fixed - table_height < 55 * mm:
        table = _dense_table(route, labels, para, styles, codes)
        _, table_height = table.wrap(CONTENT_WIDTH, frame_height)
    map_height = min(MAP_MAX_HEIGHT, max(MAP_MIN_HEIGHT, frame_height - fixed - table_height))
    full_map = RouteMap(
        route,
        labels,
        streets,
        width=CONTENT_WIDTH,
        height=map_height,
        font=font,
        attribution=doc.district.attribution,
    )
    route_map: Flowable = full_map
    crowded = _crowded_extent(full_map)
    if crowded is not None:
        legend += f"　□ {DETAIL}"
        gap = 3 * mm
        main_width = MAIN_MAP_SHARE * CONTENT_WIDTH
        args = {"font": font, "attribution": doc.district.attribution, "height": map_height}
        main = RouteMap(route, labels, streets, width=main_width, detail=crowded, **args)
        zoom = RouteMap(
            route,
            labels,
            streets,
            width=CONTENT_WIDTH - main_width - gap,
            extent=crowded,
            title=DETAIL,
            **args,
        )
        route_map = Table([[main, "", zoom]], colWidths=[main_width, gap, zoom.width])
        route_map.setStyle(TableStyle(_NO_PADDING))
    body = [
        Paragraph(title, _one_line(title, styles["title"])),
        Spacer(1, 4),
        info_table,
        Spacer(1, 5),
        route_map,
        Paragraph(legend, styles["legend"]),
        table,
    ]
    # What the page has left below the table becomes a box for the patrol's notes.
    left = frame_height - fixed - table_height - map_height - 6 - 4
    if left >= 10 * mm:
        notes = Table(
            [[para("情况记录 Notes: 时间、地点、情况 time, place, what happened", styles["head"])]],
            colWidths=[CONTENT_WIDTH],
            rowHeights=[min(left, 60 * mm)],
        )
        notes.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#999999")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        body += [Spacer(1, 6), notes]
    return [KeepInFrame(CONTENT_WIDTH, frame_height, body, mode="shrink"), PageBreak()]


WALKS_HEADING = "网格员与志愿者巡查 Grid members' and volunteers' walks"
"""The heading of the pages that gather a shift's walks (several to a page)."""


def _walk_card(
    doc: PlanDocument,
    route: Route,
    t: _Text,
    styles: dict[str, ParagraphStyle],
    *,
    collect: bool = False,
    urls: Mapping[str, str] | None = None,
) -> Table | None:
    """Return a grid member's or volunteer's walk as a card: who, when, its stops and codes.

    A walk is short (often one gate post), so it gets no map and shares its page with the
    shift's other walks. With ``collect`` the characters are only recorded in ``t``.
    """
    roster = doc.roster
    person = roster.owner(route)
    shift = roster.shift(route.shift_id)
    day = date.fromisoformat(route.date)
    labels = route.stop_labels()
    codes = {
        k: urls[f"{route.id}/{k}"]
        for k in range(len(route.stops))
        if urls and f"{route.id}/{k}" in urls
    }

    def para(text: str, style: ParagraphStyle = styles["cell"]) -> Any:
        return t(text) if collect else Paragraph(text, style)

    visits = sum(1 for s in route.stops if s.kind != "base")
    # "网格员 胡涌鹏 grid member": the name once, the kind in both languages.
    member = next((m for m in roster.grid_members if m.id in route.members), None)
    kind = member.kind_names()[1] if member is not None else ""
    title = (
        f"<b>{_escape(person.name_zh or person.name)}</b> {_escape(kind)} · "
        f"{route.date} {WEEKDAYS[day.weekday()]} · "
        f"{_escape(f'{shift.name_zh} {shift.name}')} · "
        f"{MODE_LABELS.get(route.mode, _escape(route.mode))} · "
        f"{clock(route.start_s)}–{clock(route.end_s)} · {visits} 处 stops"
    )
    head = para(title)
    table = _stop_table(route, labels, para, styles, compact=True, codes=codes)
    if collect:
        return None
    card = Table([[head], [table]], colWidths=[CONTENT_WIDTH])
    card.setStyle(
        TableStyle(
            [
                *_NO_PADDING,
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.HexColor("#777777")),
                ("TOPPADDING", (0, 0), (-1, 0), 3),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
            ]
        )
    )
    return card


def _walk_pages(
    doc: PlanDocument,
    walks: Sequence[Route],
    styles: dict[str, ParagraphStyle],
    urls: Mapping[str, str] | None,
) -> tuple[list[Flowable], int]:
    """Return the walks' flowables, a shift's walks gathered under a heading, and the pages.

    Cards are packed onto pages here (each shift starts a page, no card is split), so the
    page count is known before the document is built and every page can say "n of total".
    """
    frame_height = PAGE_SIZE[1] - 2 * MARGIN - 12  # the frame's 6 pt padding, top and bottom
    room = 0.97 * frame_height  # a little slack: packing here must never overflow reportlab's
    story: list[Flowable] = []
    pages = 0
    shifts: dict[tuple[str, str], list[Route]] = {}
    for route in walks:
        shifts.setdefault((route.date, route.shift_id), []).append(route)
    for (day, shift_id), routes in shifts.items():
        shift = doc.roster.shift(shift_id)
        weekday = WEEKDAYS[date.fromisoformat(day).weekday()]
        heading = Paragraph(
            f"{day} {weekday} {_escape(f'{shift.name_zh} {shift.name}')} · {WALKS_HEADING}"
            f" ({len(routes)})",
            styles["title"],
        )
        if story:
            story.append(PageBreak())
        story += [heading, Spacer(1, 4)]
        pages += 1
        used = heading.wrap(CONTENT_WIDTH, frame_height)[1] + 4
        for route in routes:
            card = _walk_card(doc, route, _Text(), styles, urls=urls)
            assert card is not None
            height = card.wrap(CONTENT_WIDTH, frame_height)[1] + 4
            if used + height > room:
                story.append(PageBreak())
                pages += 1
                used = 0.0
            story += [card, Spacer(1, 4)]
            used += height
    return story, pages


def _one_line(text: str, style: ParagraphStyle, smallest: float = 10.0) -> ParagraphStyle:
    """Return ``style`` set smaller, down to ``smallest`` points, so ``text`` takes one line."""
    plain = html.unescape(text)
    room = CONTENT_WIDTH - 12  # the frame's padding, 6 points each side
    width = pdfmetrics.stringWidth(plain, style.fontName, style.fontSize)
    if width <= room:
        return style
    size = max(smallest, style.fontSize * room / width - 0.1)
    return ParagraphStyle(
        f"{style.name}-fit",
        parent=style,
        fontSize=size,
        leading=size * style.leading / style.fontSize,
    )


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=10.5)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=14, leading=18),
        "cell": base,
        "head": ParagraphStyle(
            "head", parent=base, fontSize=8, textColor=colors.HexColor("#333333")
        ),
        "th": ParagraphStyle("th", parent=base, fontSize=8, leading=9.5, alignment=TA_CENTER),
        "num": ParagraphStyle("num", parent=base, fontSize=11, leading=13, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=7, leading=8.2),
        "th_small": ParagraphStyle(
            "th_small", parent=base, fontSize=6.5, leading=7.5, alignment=TA_CENTER
        ),
        "legend": ParagraphStyle("legend", parent=base, fontSize=7.5, leading=12, spaceAfter=3),
    }


def _minutes(seconds: int) -> str:
    """Return a stop's dwell (a stay, an alley's ride) in whole minutes, blank under half one."""
    minutes = round(seconds / 60)
    return str(minutes) if minutes else ""


def _reserve_text(route: Any) -> str:
    """Say how much of the route's street time is left free for calls (110, disputes, help)."""
    from planner.checks.units import street_time

    street, busy = street_time(route, route.handover_s)
    free = max(street - busy, 0)
    share = free / street if street > 0 else 0.0
    return f"{duration(free, 'en')} ({share:.0%}) 备勤待命、处置警情 free for calls"


def _breaks_text(route: Any) -> str:
    """List the route's breaks: kind and time."""
    names = {"meal": "用餐 meal", "rest": "轮休 rest", "together": "全组 with group"}
    parts = [
        f"{names.get(s.site_id, s.site_id)} {clock(s.start)}–{clock(s.departure)}"
        for s in route.stops
        if s.kind == "break"
    ]
    return "；".join(parts) or "—"


def write_route_sheets(
    doc: PlanDocument,
    path: str | Path,
    *,
    streets: Any = None,
    font: FontSource | None = None,
    checkin_urls: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the printed route sheets: one PDF, A4, one page per unit-shift, then the walks.

    Each page has the title (district, group), the group's members, the date, shift and mode,
    a map of the route (district streets in light grey, the legs with arrows, numbered stops),
    the stop table (no., place, category, time window, planned arrival, dwell, what to check and
    an empty sign-in column) and a footer with the plan id, seed and map attribution. The grid
    members' and volunteers' walks follow, each shift's on pages of their own, several walks to a
    page (who, when, the stops and their codes; no map). Chinese
    text is set in an embedded subset of a CJK font (see :mod:`web.plans.fonts`).

    Parameters
    ----------
    doc
        The plan; its routes are printed in order.
    path
        The PDF file to write.
    streets
        District streets drawn as the map background: a GeoDataFrame or GeoSeries of
        (Multi)LineStrings in EPSG:4326, shapely lines, or sequences of (lon, lat); None draws
        the routes alone.
    font
        The CJK font to use; found with :func:`web.plans.fonts.find_cjk_font` when None.
    checkin_urls
        The check-in URL of each checkpoint by stop key
        (see :func:`web.checkin.records.checkin_urls`):
        each is printed as a QR code (and a link) in the stop's sign-in cell; None prints
        empty sign-in boxes.

    Returns
    -------
    list[Path]
        The PDF written.

    Raises
    ------
    ProblemError
        When the plan has no routes to print or is inconsistent (see
        :func:`planner.plan.document.check_document`).
    web.plans.fonts.FontError
        When no font for Chinese text can be had.
    """
    if not doc.routes:
        msg = f"The plan {doc.plan_id} has no routes to print."
        raise ProblemError(msg)
    check_document(doc)
    path = Path(path)
    source = font or find_cjk_font()
    lines = _street_lines(streets)
    footer = (
        f"计划 Plan {doc.plan_id} · 随机种子 seed {doc.seed} · 生成 created "
        f"{doc.created_at[:16].replace('T', ' ')} · {doc.district.attribution}"
    )

    # A first pass collects every character the pages can print; the second lays the pages out
    # with a subset of the CJK font that holds exactly those characters.
    # Grid members' and volunteers' walks are gathered after the units' sheets, a shift's
    # walks several to a page.
    units = [r for r in doc.routes if r.unit_kind != "grid"]
    walks = [r for r in doc.routes if r.unit_kind == "grid"]
    t = _Text()
    plain = _styles("Helvetica")
    for route in units:
        _sheet_story(doc, route, lines, t, plain, "Helvetica", collect=True, urls=checkin_urls)
    for route in walks:
        _walk_card(doc, route, t, plain, collect=True, urls=checkin_urls)
    if walks:
        t(WALKS_HEADING)
        t("0123456789 ()")
        for shift in doc.roster.shifts:
            t(f"{shift.name_zh} {shift.name}")
    t(footer)
    t("第 页 / page")
    font_name = _register_font(t, source)
    styles = _styles(font_name)
    story: list[Flowable] = []
    for route in units:
        story += _sheet_story(doc, route, lines, _Text(), styles, font_name, urls=checkin_urls)
    walk_story, walk_pages = _walk_pages(doc, walks, styles, checkin_urls)
    if walk_story:
        story += walk_story
    else:
        story.pop()  # no page break after the last sheet
    total = len(units) + walk_pages

    def on_page(canvas: Canvas, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(font_name, 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, MARGIN - 6 * mm, footer)
        canvas.drawRightString(
            PAGE_SIZE[0] - MARGIN, MARGIN - 6 * mm, f"第 {canvas.getPageNumber()}/{total} 页 page"
        )
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        str(path),
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{doc.district.name_zh} 巡逻路线单 {doc.plan_id}",
        author="patrol-planner",
        subject=f"Patrol route sheets, {doc.start}, {doc.days} days",
    )
    try:
        pdf.build(story, onFirstPage=on_page, onLaterPages=on_page)
    except LayoutError as exc:  # pragma: no cover - KeepInFrame shrinks instead
        msg = f"The route sheets of plan {doc.plan_id} do not fit on A4 pages: {exc}."
        raise ProblemError(msg) from exc
    logger.info("Wrote %d route sheets on %d pages to %s.", len(doc.routes), total, path)
    return [path]
