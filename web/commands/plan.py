"""The `patrol plan`, `patrol demo`, `patrol validate` and `patrol replan` commands.

``patrol plan`` runs :func:`planner.patrol.pipeline.plan_with_context` with a progress bar per stage
and writes every output of a plan into one folder (see :func:`write_outputs`); ``patrol demo``
does the same for a week of the default district from :data:`DEMO_START`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geodata.errors import InputError

if TYPE_CHECKING:
    import folium

    from planner.patrol.pipeline import Context
    from planner.plan.document import PlanDocument

DEMO_START = date(2026, 12, 7)
"""First day of `patrol demo`: Monday 7 December 2026, the first week of the default district's
rules horizon (with a leave, a surge date on 13 December and school days)."""

DEMO_DAYS = 7
"""Days planned by `patrol demo`."""

INPUTS_DIR = "inputs"
"""Folder inside a plan folder holding copies of the rules and teams files the plan used."""

ROUTE_COLOURS = (
    "#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#4e342e", "#ad1457", "#283593", "#37474f",
)  # fmt: skip
"""Colours of the routes on the map, one per group (no reds or yellows: those mean risk)."""


RISK_QUANTILE = 0.5
"""Streets below this quantile of weekly risk are left uncoloured on the plan map."""


class PlanOutputError(InputError):
    """A plan cannot be written where the user asked."""


class _Bars:
    """A tqdm progress bar per pipeline stage on stderr."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bar: Any = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int, /) -> None:
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = self._tqdm(
                total=max(total, 1), desc=f"{stage:<9}", unit="step", file=sys.stderr, leave=True
            )
        if self._bar is not None:
            self._bar.n = done
            self._bar.refresh()

    def close(self) -> None:
        """Close the current bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise PlanOutputError(f"Output path {out} is a file; give a folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlanOutputError(f"Cannot create the output folder {out}: {exc.strerror}.") from exc
    return out


def _route_name(doc: PlanDocument, route: Any) -> str:
    group = doc.roster.group(route.group_id)
    shift = doc.roster.shift(route.shift_id)
    return f"{group.name_zh or group.name} {shift.name_zh or shift.name} {route.date[5:]}"


def plan_map(doc: PlanDocument, ctx: Context) -> folium.Map:
    """Return the plan's map: the district's layers, hotspot risk and every route.

    The first day's routes are shown when the page opens; the others are in the layer control.
    """
    from planner.plan.document import clock
    from web.maps import (
        MapStop,
        add_layers,
        district_map,
        legend,
        risk_legend_rows,
        risk_streets_layer,
        route_layer,
    )

    m = district_map(ctx.district, lang="zh")
    weekly = ctx.risk.streets.info["weekly"]
    # Only the riskier half of the streets is coloured, so routes stay readable on top.
    weekly = weekly.where(weekly >= weekly.quantile(RISK_QUANTILE), 0.0)
    layers = [risk_streets_layer(ctx.district.streets, weekly, name="风险 hotspot risk", show=True)]
    colour = {g.id: ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i, g in enumerate(doc.roster.groups)}
    for route in doc.routes:
        stops = [
            MapStop(
                lon=s.lon,
                lat=s.lat,
                name=s.name or s.name_en or s.site_id,
                arrival=clock(s.arrival),
                window=", ".join(f"{clock(a)}–{clock(b)}" for a, b in s.windows),
                dwell_min=s.dwell // 60,
                note=s.check_zh or s.check,
                id=s.site_id,
            )
            for s in route.stops
            if s.kind != "base"
        ]
        from shapely.geometry import LineString

        legs = [LineString(s.leg) for s in route.stops if len(s.leg) >= 2]
        layers.append(
            route_layer(
                stops,
                legs or None,
                name=_route_name(doc, route),
                colour=colour[route.group_id],
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


def write_outputs(doc: PlanDocument, ctx: Context, out: Path) -> list[Path]:
    """Write every output of a plan into ``out``.

    ``plan.json``; ``inputs/`` (copies of the rules and teams files); ``roster.csv``,
    ``roster.xlsx``, ``calendar/*.ics``, ``routes.geojson``, ``gpx/*.gpx``, ``coverage.csv``
    (:func:`planner.plan.exports.write_exports`); ``map.html`` (offline Folium map);
    ``route_sheets.pdf`` (one A4 page per group-shift).
    """
    from planner.plan.document import write_plan
    from planner.plan.exports import write_exports
    from web.assets import write_standalone_html
    from web.printing import write_route_sheets

    written = [write_plan(doc, out / "plan.json")]
    inputs = out / INPUTS_DIR
    inputs.mkdir(exist_ok=True)
    written.append(Path(shutil.copyfile(ctx.inputs.rules, inputs / "rules.toml")))
    if ctx.inputs.teams is not None:
        written.append(Path(shutil.copyfile(ctx.inputs.teams, inputs / "teams.toml")))
    written.extend(write_exports(doc, out))
    written.append(write_standalone_html(plan_map(doc, ctx), out / "map.html"))
    if doc.routes:
        written.extend(
            write_route_sheets(doc, out / "route_sheets.pdf", streets=ctx.district.streets)
        )
    return written


def _run_plan(
    district: Path | None,
    start: date,
    days: int,
    out: Path,
    rules: Path | None,
    seed: int,
    time_limit: float | None,
) -> None:
    from planner.patrol.pipeline import plan_with_context, resolve_inputs

    began = time.perf_counter()
    resolve_inputs(district, rules)  # refuse a missing district or rules file before any work
    out = _out_dir(out)
    bars = _Bars()
    try:
        doc, ctx = plan_with_context(
            district,
            start=start,
            days=days,
            rules=rules,
            seed=seed,
            time_limit=time_limit,
            progress=bars,
        )
        bars("outputs", 0, 1)
        t0 = time.perf_counter()
        files = write_outputs(doc, ctx, out)
        bars("outputs", 1, 1)
    finally:
        bars.close()
    for stage in doc.stages:
        objective = "" if stage.objective is None else f", objective {stage.objective:g}"
        click.echo(f"  {stage.name:<9} {stage.status:<10} {stage.runtime:6.1f} s{objective}")
    click.echo(f"  {'outputs':<9} {'written':<10} {time.perf_counter() - t0:6.1f} s")
    bad = [c for c in doc.validation if not c.ok]
    click.echo(
        f"Wrote {len(files)} files to {out}: {len(doc.routes)} routes over {days} days; "
        f"checks {'passed' if not bad else 'FAILED: ' + ', '.join(c.name for c in bad)}."
    )
    click.echo(f"Total time {time.perf_counter() - began:.1f} s.")
    _fail_on(bad)


def _fail_on(bad: list[Any]) -> None:
    """List the violations of failed checks on stderr and exit 1 when there are any."""
    if bad:
        for check in bad:
            for v in check.violations:
                click.echo(f"{check.name}: {v}", err=True)
        sys.exit(1)


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PlanOutputError(f"{what} must be a date like 2026-12-07, not {value!r}.") from None


@click.command("plan")
@click.option(
    "--district",
    "district",
    type=click.Path(path_type=Path),
    default=None,
    help="District bundle folder (default: the default district).",
)
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--days", type=click.IntRange(1, 62), required=True, help="Days to plan (1-62).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--rules",
    type=click.Path(path_type=Path),
    default=None,
    help="Rules file (default: the district's rules.toml).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every stage.")
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 3600),
    default=None,
    help="Seconds per solver stage (default: 5 s roster, 1.5 s per shift's routes).",
)
def plan_command(
    district: Path | None,
    start: str,
    days: int,
    out: Path,
    rules: Path | None,
    seed: int,
    time_limit: float | None,
) -> None:
    """Plan roster, routes and coverage for DAYS days and write every output to OUT."""
    _run_plan(district, _date(start, "--start"), days, out, rules, seed, time_limit)


@click.command("demo")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every stage.")
def demo_command(out: Path, seed: int) -> None:
    """Plan a week (from Monday 7 December 2026) for the default district into OUT."""
    _run_plan(None, DEMO_START, DEMO_DAYS, out, None, seed, None)


def _plan_inputs(path: Path) -> Path | None:
    rules = path.parent / INPUTS_DIR / "rules.toml"
    return rules if rules.is_file() else None


@click.command("validate")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option(
    "--district",
    "district",
    type=click.Path(path_type=Path),
    default=None,
    help="District bundle folder (default: the default district).",
)
def validate_command(plan: Path, district: Path | None) -> None:
    """Re-check PLAN (a plan.json) with the independent validators; exit 0 iff it breaks no rule.

    Prints a JSON summary on stdout; violations in words go to stderr.
    """
    from planner.checks.plan import summary, validate_plan
    from planner.plan.document import read_plan

    if plan.is_dir():
        plan = plan / "plan.json"
    doc = read_plan(plan)
    checks = validate_plan(doc, district, rules=_plan_inputs(plan))
    result = summary(checks)
    result["plan_id"] = doc.plan_id
    result["routes"] = len(doc.routes)
    click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    if not result["ok"]:
        for c in checks:
            for v in c.violations:
                click.echo(f"{c.name}: {v}", err=True)
        sys.exit(1)


@click.command("replan")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--group", required=True, help="The group that becomes unavailable.")
@click.option("--from", "from_", required=True, help='From when, "YYYY-MM-DD HH:MM" local time.')
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--district",
    "district",
    type=click.Path(path_type=Path),
    default=None,
    help="District bundle folder (default: the default district).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 600),
    default=5.0,
    show_default=True,
    help="Seconds for re-solving the routes.",
)
def replan_command(
    plan: Path, group: str, from_: str, out: Path, district: Path | None, time_limit: float
) -> None:
    """Mark GROUP unavailable from a time and re-plan the rest of that day into OUT."""
    from planner.patrol.replan import replan
    from planner.plan.document import read_plan

    began = time.perf_counter()
    try:
        moment = datetime.strptime(from_, "%Y-%m-%d %H:%M")
    except ValueError:
        raise PlanOutputError(f'--from must look like "2026-12-07 14:30", not {from_!r}.') from None
    if plan.is_dir():
        plan = plan / "plan.json"
    doc = read_plan(plan)
    out = _out_dir(out)
    new, ctx, changes = replan(
        doc, group, moment, district=district, rules=_plan_inputs(plan), time_limit=time_limit
    )
    files = write_outputs(new, ctx, out)
    for line in changes:
        click.echo(f"  {line}")
    bad = [c for c in new.validation if not c.ok]
    click.echo(
        f"Wrote {len(files)} files to {out}; checks "
        f"{'passed' if not bad else 'FAILED: ' + ', '.join(c.name for c in bad)}."
    )
    click.echo(f"Total time {time.perf_counter() - began:.1f} s.")
    _fail_on(bad)
