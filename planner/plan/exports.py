"""Write a plan's roster, routes and coverage as CSV, XLSX, iCalendar, GeoJSON and GPX files."""

from __future__ import annotations

import csv
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from planner.plan.document import check_document
from planner.plan.times import duration, time_of_day

if TYPE_CHECKING:
    from collections.abc import Iterable

    from planner.plan.document import PlanDocument, Route, ShiftTemplate

logger = logging.getLogger("planner")

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

NIGHT_FILL = "1F3A68"
"""Fill colour of night shifts in the XLSX calendar (dark blue, white text)."""
DAY_FILL = "FFF2CC"
"""Fill colour of other shifts (light yellow)."""
WEEKEND_FILL = "E7E6E6"
"""Shade of weekend columns (light grey)."""
HOLIDAY_FILL = "F8CBAD"
"""Shade of public-holiday columns (light orange)."""
LEAVE_FILL = "D9EAD3"
"""Fill colour of days off on leave (light green)."""

CSV_ENCODING = "utf-8-sig"
"""CSV files start with a byte-order mark so that spreadsheet programs read Chinese right."""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a cell as a formula (OWASP)."""


def spreadsheet_text(value: Any) -> Any:
    """Return a CSV cell that no spreadsheet program runs as a formula.

    Text that begins with one of :data:`FORMULA_STARTS` (a group named
    ``=HYPERLINK(...)``) gets a leading apostrophe, as OWASP advises for CSV injection;
    numbers and other text are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_text(v) for v in values]


def _text_not_formulas(workbook: Any) -> None:
    """Keep every cell of ``workbook`` that looks like a formula as text (quote-prefixed)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = cell.value
                if isinstance(text, str) and text.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def _safe(text: str) -> str:
    """Return ``text`` usable in a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _day_label(day: date) -> str:
    wd = day.weekday()
    return f"{day:%m-%d} 周{WEEKDAYS_ZH[wd]} {WEEKDAYS_EN[wd]}"


def _leave_by_day(doc: PlanDocument) -> dict[tuple[str, str], list[str]]:
    """Map (group id, date) to the names on leave that day ("全组 whole group" for a group)."""
    names = {m.id: m.name for g in doc.roster.groups for m in g.members}
    out: dict[tuple[str, str], list[str]] = {}
    for lv in doc.roster.leave:
        who = "全组 whole group" if lv.member_id is None else names.get(lv.member_id, lv.member_id)
        out.setdefault((lv.group_id, lv.date), []).append(who)
    return out


def write_roster_csv(doc: PlanDocument, path: str | Path) -> list[Path]:
    """Write the roster as a CSV table: one row per group, one column per day.

    Cells hold the shift id, or are empty on a day off. Two columns before the days give the
    group id and its bilingual name.

    Parameters
    ----------
    doc
        The plan.
    path
        The CSV file to write.

    Returns
    -------
    list[Path]
        The path written.
    """
    path = Path(path)
    days = [d.isoformat() for d in doc.dates()]
    with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["group_id", "group 组", *days])
        for group in doc.roster.groups:
            row = doc.roster.schedule.get(group.id, (None,) * doc.days)
            writer.writerow(_csv_row([group.id, group.label(), *[s or "" for s in row]]))
    return [path]


def write_roster_xlsx(doc: PlanDocument, path: str | Path) -> list[Path]:
    """Write the roster as an Excel workbook with a calendar, a fairness and a shift sheet.

    The calendar sheet has groups as rows and days as columns; night shifts are filled dark
    blue, weekend columns grey and public holidays orange; days off on leave say so. Headers are
    bilingual (Chinese and English).

    Parameters
    ----------
    doc
        The plan.
    path
        The .xlsx file to write.

    Returns
    -------
    list[Path]
        The path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    path = Path(path)
    roster = doc.roster
    shifts = {s.id: s for s in roster.shifts}
    holidays = {h.date: h.name for h in roster.holidays}
    leave = _leave_by_day(doc)
    dates = doc.dates()

    def fill(color: str) -> PatternFill:
        return PatternFill(start_color=color, end_color=color, fill_type="solid")

    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)

    wb = Workbook()
    ws = wb.active
    ws.title = "排班 Roster"
    title = f"{doc.district.name_zh} {doc.district.name} 巡防排班 Patrol roster"
    ws.cell(row=1, column=1, value=f"{title} {dates[0]} – {dates[-1]}").font = Font(
        bold=True, size=13
    )
    header = ["组 Group", "成员 Members", *[_day_label(d) for d in dates]]
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row=2, column=col, value=text)
        cell.font, cell.alignment, cell.border = bold, center, border
    for col, day in enumerate(dates, start=3):
        iso = day.isoformat()
        head = ws.cell(row=2, column=col)
        if iso in holidays:
            head.value = f"{head.value}\n{holidays[iso]}"
            head.fill = fill(HOLIDAY_FILL)
        elif day.weekday() >= 5:
            head.fill = fill(WEEKEND_FILL)

    for row, group in enumerate(roster.groups, start=3):
        ws.cell(row=row, column=1, value=group.label()).border = border
        members = "、".join(m.name for m in group.members)
        ws.cell(row=row, column=2, value=members).border = border
        schedule = roster.schedule.get(group.id, (None,) * doc.days)
        for col, (day, sid) in enumerate(zip(dates, schedule, strict=True), start=3):
            iso = day.isoformat()
            cell = ws.cell(row=row, column=col)
            cell.alignment, cell.border = center, border
            away = leave.get((group.id, iso), [])
            if sid is None:
                cell.value = "休 Off" + (f"\n假: {'、'.join(away)}" if away else "")
                if away:
                    cell.fill = fill(LEAVE_FILL)
                elif iso in holidays:
                    cell.fill = fill(HOLIDAY_FILL)
                elif day.weekday() >= 5:
                    cell.fill = fill(WEEKEND_FILL)
                continue
            shift = shifts[sid]
            cell.value = f"{shift.name_zh} {shift.name}\n{shift.hours_label()}"
            if away:
                cell.value += f"\n假: {'、'.join(away)}"
            if shift.night:
                cell.fill = fill(NIGHT_FILL)
                cell.font = Font(color="FFFFFF", bold=True)
            else:
                cell.fill = fill(DAY_FILL)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 24
    for col in range(3, 3 + len(dates)):
        ws.column_dimensions[get_column_letter(col)].width = 16
    for row in range(2, 3 + len(roster.groups)):
        lines = max(str(c.value or "").count("\n") + 1 for c in ws[row])
        ws.row_dimensions[row].height = 13 * lines + 6
    ws.freeze_panes = "C3"
    legend_row = 4 + len(roster.groups)
    legend = [
        ("夜班 Night shift", NIGHT_FILL),
        ("周末 Weekend", WEEKEND_FILL),
        ("节假日 Public holiday", HOLIDAY_FILL),
        ("休假 Leave", LEAVE_FILL),
    ]
    for i, (text, color) in enumerate(legend):
        cell = ws.cell(row=legend_row + i, column=1, value=text)
        cell.fill = fill(color)
        if color == NIGHT_FILL:
            cell.font = Font(color="FFFFFF")

    fs = wb.create_sheet("公平 Fairness")
    head = ["组 Group", "班次 Shifts", "夜班 Nights", "周末 Weekends", "节假日 Holidays"]
    for col, text in enumerate(head, start=1):
        cell = fs.cell(row=1, column=col, value=text)
        cell.font, cell.alignment = bold, center
    for row, fr in enumerate(roster.fairness, start=2):
        counts = [roster.group(fr.group_id).label(), fr.shifts, fr.nights, fr.weekends, fr.holidays]
        for col, value in enumerate(counts, start=1):
            fs.cell(row=row, column=col, value=value)
    fs.column_dimensions["A"].width = 18
    for letter in "BCDE":
        fs.column_dimensions[letter].width = 14

    ss = wb.create_sheet("班次 Shifts")
    head = ["编号 Id", "名称 Name", "开始 Start", "结束 End", "夜班 Night"]
    for col, text in enumerate(head, start=1):
        ss.cell(row=1, column=col, value=text).font = bold
    for row, s in enumerate(roster.shifts, start=2):
        start, end = s.hours_label().split("-")
        if s.crosses_midnight:
            end += " (+1)"
        values = [s.id, f"{s.name_zh} {s.name}", start, end, "是 yes" if s.night else "否 no"]
        for col, value in enumerate(values, start=1):
            ss.cell(row=row, column=col, value=value)
    ss.column_dimensions["B"].width = 16
    _text_not_formulas(wb)
    wb.save(path)
    return [path]


def _shift_times(doc: PlanDocument, day: date, shift: ShiftTemplate) -> tuple[datetime, datetime]:
    """Return the aware local start and end of ``shift`` on ``day`` (end may be next day)."""
    tz = ZoneInfo(doc.district.time_zone)
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    start = midnight + timedelta(minutes=shift.start_minute)
    end = midnight + timedelta(minutes=shift.end_minute)
    if shift.crosses_midnight:
        end += timedelta(days=1)
    return start, end


def write_icalendars(doc: PlanDocument, out_dir: str | Path) -> list[Path]:
    """Write one iCalendar file per group with an event for each of its shifts.

    Events carry the district's time zone (``TZID``, e.g. Asia/Shanghai, with its VTIMEZONE);
    a night shift that crosses midnight ends on the next day.

    Parameters
    ----------
    doc
        The plan.
    out_dir
        Folder for the files ``roster-<group id>.ics``; created when missing.

    Returns
    -------
    list[Path]
        The files written, in group order.
    """
    from icalendar import Calendar, Event

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shifts = {s.id: s for s in doc.roster.shifts}
    routes = {(r.group_id, r.date, r.shift_id): r for r in doc.routes}
    stamp = datetime.fromisoformat(doc.created_at)
    written = []
    for group in doc.roster.groups:
        cal = Calendar()
        cal.add("prodid", "-//patrol-planner//roster//ZH")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"{group.label()} · {doc.district.name_zh} 巡防排班")
        cal.add("x-wr-timezone", doc.district.time_zone)
        members = "、".join(m.name for m in group.members)
        schedule = doc.roster.schedule.get(group.id, (None,) * doc.days)
        for day, sid in zip(doc.dates(), schedule, strict=True):
            if sid is None:
                continue
            shift = shifts[sid]
            start, end = _shift_times(doc, day, shift)
            event = Event()
            event.add("uid", f"{doc.plan_id}-{group.id}-{day.isoformat()}-{sid}@patrol-planner")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", f"巡逻 {shift.name_zh} · Patrol {shift.name} ({group.label()})")
            lines = [f"成员 Members: {members}"]
            route = routes.get((group.id, day.isoformat(), sid))
            if route is not None:
                labels = route.stop_labels()
                stops = [
                    f"{lab}. {s.display_name}" for lab, s in zip(labels, route.stops, strict=True)
                ]
                lines.append(f"路线 Route ({route.mode}): " + " → ".join(stops))
            event.add("description", "\n".join(lines))
            event.add("location", f"{doc.district.name_zh} {doc.district.name}")
            event.add("categories", ["夜班 Night" if shift.night else "白班 Day"])
            cal.add_component(event)
        cal.add_missing_timezones()
        path = out / f"roster-{_safe(group.id)}.ics"
        path.write_bytes(cal.to_ical())
        written.append(path)
    return written


def _stop_properties(doc: PlanDocument, route: Route, index: int, label: str) -> dict[str, Any]:
    stop = route.stops[index]
    local = doc.local_time
    return {
        "feature": "stop",
        "route_id": route.id,
        "group_id": route.group_id,
        "date": route.date,
        "shift_id": route.shift_id,
        "seq": index,
        "label": label,
        "site_id": stop.site_id,
        "area_id": stop.area_id,
        "name": stop.name,
        "name_en": stop.name_en,
        "category": stop.category,
        "kind": stop.kind,
        "arrival": local(route.date, stop.arrival).isoformat(),
        "departure": local(route.date, stop.departure).isoformat(),
        "arrival_s": stop.arrival,
        "start_s": stop.start,
        "departure_s": stop.departure,
        "dwell_s": stop.dwell,
        "windows": [
            [local(route.date, lo).isoformat(), local(route.date, hi).isoformat()]
            for lo, hi in stop.windows
        ],
        "check": stop.check,
        "check_zh": stop.check_zh,
        "end_lon": stop.end_lon,
        "end_lat": stop.end_lat,
    }


def routes_feature_collection(doc: PlanDocument) -> dict[str, Any]:
    """Return the routes as a GeoJSON FeatureCollection (EPSG:4326 lon/lat).

    Each leg is a LineString (``feature: "leg"``, with the stop it leads to), each alley segment
    walked a LineString (``feature: "alley"``), and each stop a Point (``feature: "stop"``) with
    its name, category, kind, planned times (ISO local and seconds), windows and what to check.
    """
    features: list[dict[str, Any]] = []
    for route in doc.routes:
        labels = route.stop_labels()
        for i, stop in enumerate(route.stops):
            if len(stop.leg) >= 2:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [list(p) for p in stop.leg],
                        },
                        "properties": {
                            "feature": "leg",
                            "route_id": route.id,
                            "group_id": route.group_id,
                            "date": route.date,
                            "shift_id": route.shift_id,
                            "mode": route.mode,
                            "to_seq": i,
                            "to_label": labels[i],
                        },
                    }
                )
            if stop.end_lon is not None and stop.end_lat is not None:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[stop.lon, stop.lat], [stop.end_lon, stop.end_lat]],
                        },
                        "properties": {
                            "feature": "alley",
                            "route_id": route.id,
                            "seq": i,
                            "name": stop.name,
                        },
                    }
                )
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                    "properties": _stop_properties(doc, route, i, labels[i]),
                }
            )
    return {
        "type": "FeatureCollection",
        "name": f"{doc.plan_id} routes",
        "attribution": doc.district.attribution,
        "features": features,
    }


def write_routes_geojson(doc: PlanDocument, path: str | Path) -> list[Path]:
    """Write every route as one GeoJSON FeatureCollection; see :func:`routes_feature_collection`.

    Returns
    -------
    list[Path]
        The path written.
    """
    path = Path(path)
    text = json.dumps(routes_feature_collection(doc), ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return [path]


def write_gpx(doc: PlanDocument, out_dir: str | Path) -> list[Path]:
    """Write one GPX file per route: a track along the legs and a waypoint for every stop.

    Waypoints are named ``"<label> <name>"`` (label B for the base, 1, 2, ... for the others),
    timed at the planned arrival (in UTC, as GPX readers expect; the description gives the local
    time) and described with the time window and what to check.

    Parameters
    ----------
    doc
        The plan.
    out_dir
        Folder for the files ``route-<group>-<date>-<shift>.gpx``; created when missing.

    Returns
    -------
    list[Path]
        The files written, in route order.
    """
    import gpxpy.gpx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    shifts = {s.id: s for s in doc.roster.shifts}
    for route in doc.routes:
        gpx = gpxpy.gpx.GPX()
        gpx.creator = "patrol-planner"
        group = doc.roster.owner(route)
        shift = shifts[route.shift_id]
        gpx.name = f"{group.label()} · {route.date} {shift.name_zh} {shift.name}"
        crew = "、".join(doc.roster.member_name(m) for m in route.members)
        if route.unit_id:
            gpx.name = (
                f"{group.label()} {route.unit_id} · {route.date} {shift.name_zh} {shift.name}"
            )
        gpx.description = f"{doc.plan_id}; {doc.district.attribution}"
        if crew:
            gpx.description = f"{crew}; " + gpx.description
        track = gpxpy.gpx.GPXTrack(name=gpx.name)
        segment = gpxpy.gpx.GPXTrackSegment()
        last: tuple[float, float] | None = None
        for stop in route.stops:
            points = list(stop.leg) or [(stop.lon, stop.lat)]
            if stop.end_lon is not None and stop.end_lat is not None:
                points += [(stop.lon, stop.lat), (stop.end_lon, stop.end_lat)]
            for lon, lat in points:
                if (lon, lat) != last:
                    segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon))
                    last = (lon, lat)
        track.segments.append(segment)
        gpx.tracks.append(track)
        for label, stop in zip(route.stop_labels(), route.stops, strict=True):
            windows = ", ".join(
                f"{time_of_day(doc.local_time(route.date, lo))}-"
                f"{time_of_day(doc.local_time(route.date, hi))}"
                for lo, hi in stop.windows
            )
            arrival = time_of_day(doc.local_time(route.date, stop.arrival))
            desc = [f"{arrival} ({duration(stop.dwell, 'en')})"]
            if windows:
                desc.append(f"时间窗 window {windows}")
            if stop.check_zh or stop.check:
                desc.append(f"{stop.check_zh} {stop.check}".strip())
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    latitude=stop.lat,
                    longitude=stop.lon,
                    time=doc.local_time(route.date, stop.arrival).astimezone(UTC),
                    name=f"{label} {stop.display_name}",
                    description="; ".join(desc),
                    type=stop.category,
                )
            )
        path = out / f"route-{_safe(route.id)}.gpx"
        path.write_text(gpx.to_xml(), encoding="utf-8")
        written.append(path)
    return written


def write_coverage_csv(doc: PlanDocument, path: str | Path) -> list[Path]:
    """Write the coverage rows (key areas, then grids) as CSV with the delivered share.

    Columns: level, id, name, needed_minutes, planned_minutes, planned_visits, share (planned
    over needed minutes, empty when nothing is needed) and camera_share.

    Returns
    -------
    list[Path]
        The path written.
    """
    path = Path(path)
    columns = [
        "level",
        "id",
        "name",
        "needed_minutes",
        "planned_minutes",
        "planned_visits",
        "share",
        "camera_share",
    ]
    with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in sorted(doc.coverage, key=lambda r: (r.level != "area", r.id)):
            share = (
                "" if row.needed_minutes <= 0 else f"{row.planned_minutes / row.needed_minutes:.3f}"
            )
            camera = "" if row.camera_share is None else f"{row.camera_share:.3f}"
            writer.writerow(
                _csv_row(
                    [
                        row.level,
                        row.id,
                        row.name,
                        row.needed_minutes,
                        row.planned_minutes,
                        row.planned_visits,
                        share,
                        camera,
                    ]
                )
            )
    return [path]


def write_exports(doc: PlanDocument, out_dir: str | Path) -> list[Path]:
    """Write every data export of a plan into ``out_dir`` under the standard names.

    ``roster.csv``, ``roster.xlsx``, ``calendar/roster-<group>.ics``, ``routes.geojson``,
    ``gpx/route-<group>-<date>-<shift>.gpx`` and ``coverage.csv``.

    Returns
    -------
    list[Path]
        Every file written.

    Raises
    ------
    PlanInputError
        When the plan is inconsistent (see :func:`planner.plan.document.check_document`).
    """
    check_document(doc)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        *write_roster_csv(doc, out / "roster.csv"),
        *write_roster_xlsx(doc, out / "roster.xlsx"),
        *write_icalendars(doc, out / "calendar"),
        *write_routes_geojson(doc, out / "routes.geojson"),
        *write_gpx(doc, out / "gpx"),
        *write_coverage_csv(doc, out / "coverage.csv"),
    ]
    logger.info("Wrote %d export files to %s.", len(written), out)
    return written
