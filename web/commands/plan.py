"""The `patrol plan`, `patrol demo`, `patrol validate` and `patrol replan` commands.

``patrol plan`` reads the district's inputs once (:func:`planner.patrol.inputs.load_inputs`),
runs :func:`planner.patrol.pipeline.make_plan` with a progress bar per stage and writes every
output of a plan into one folder (see :func:`write_outputs`); ``patrol demo`` does the same for
a week of the default district from :data:`DEMO_START`.
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
from web.commands.roster import baseline_options

if TYPE_CHECKING:
    from planner.patrol.inputs import PlanInputs
    from planner.plan.document import PlanDocument

DEMO_START = date(2026, 12, 7)
"""First day of `patrol demo`: Monday 7 December 2026, the first week of the default district's
rules horizon (with a leave, a surge date on 13 December and school days)."""

DEMO_DAYS = 7
"""Days planned by `patrol demo`."""

INPUTS_DIR = "inputs"
"""Folder inside a plan folder holding copies of the rules and teams files the plan used."""

QUALITY_LABELS: dict[str, str] = {
    "gate_windows_covered": "gate windows with someone at the gate >= 10 min",
    "gate_windows_full_time": "  of them by the full-time units",
    "gate_windows_others": "  of them by grid members and volunteers",
    "unplanned_share_median": "unplanned share of a unit-shift, median",
    "unplanned_share_min": "unplanned share of a unit-shift, lowest",
    "checkpoints_max": "checkpoint stops in a unit-shift, most",
    "checkpoints_median": "checkpoint stops in a unit-shift, median",
    "meal_breaks_min": "meal breaks in a 12-hour unit-shift, fewest",
    "unit_shifts": "unit-shifts",
    "alley_km_share_day_mean": "share of back-alley km ridden or walked, average day",
    "hotspot_alley_night_min": "hotspot alley covered end to end, fewest in a night",
    "visits_near_one_point_max_share": "share of checkpoint visits within 400 m of one point",
    "grids_visited_day_min_share": "share of grids with a checkpoint visit, worst day",
    "closed_visits": "checkpoint visits to places closed at that hour",
    "inspections_done": "inspections the plan asks for, made",
    "inspections_week": "places inspected in each full week",
    "visits_short": "checkpoint visits asked for and not planned",
    "one_more_unit_max": "visits one more unit could add, busiest shift",
}
"""The quality summary's figures as `patrol plan` prints them (vehicles: "<mode>s in use")."""


def quality_lines(doc: PlanDocument) -> list[str]:
    """Return the plan's quality summary as lines of text."""
    if doc.quality is None:
        return []
    lines = ["Quality:"]
    for f in doc.quality.figures:
        if f.key.startswith("vehicles_peak_"):
            label = f"{f.key.removeprefix('vehicles_peak_')}s in use at once, most"
        else:
            label = QUALITY_LABELS.get(f.key, f.key)
        share = "share" in f.key and f.of is None
        value = f"{f.value:.0%}" if share else f"{f.value:g}"
        if f.of is not None:
            pct = f" ({f.value / f.of:.0%})" if f.of else ""
            value = (
                f"{f.value:g} of {f.of:g}{pct}"
                if not f.key.startswith("vehicles")
                else (f"{f.value:g} (pool {f.of:g})")
            )
        lines.append(f"  {label:<52} {value}")
    gaps = doc.quality.uncovered_gates
    if gaps:
        shown = ", ".join(f"{g.name} {g.date[5:]} {g.window}" for g in gaps[:8])
        more = f" and {len(gaps) - 8} more" if len(gaps) > 8 else ""
        lines.append(f"  gate windows nobody stands at: {shown}{more}")
    return lines


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


def write_outputs(
    doc: PlanDocument,
    inputs: PlanInputs,
    out: Path,
    *,
    timings: dict[str, float] | None = None,
) -> list[Path]:
    """Write every output of a plan into ``out``.

    ``plan.json``; ``inputs/`` (copies of the rules and teams files); ``roster.csv``,
    ``roster.xlsx``, ``calendar/*.ics``, ``routes.geojson``, ``gpx/*.gpx``, ``coverage.csv``
    (:func:`planner.plan.exports.write_exports`); ``map.html`` (offline Folium map);
    ``route_sheets.pdf`` (one A4 page per group-shift). ``timings`` gets the seconds each
    kind of output took (``exports``, ``map.html``, ``route_sheets.pdf``).
    """
    clock = timings if timings is not None else {}
    t = time.perf_counter()
    from planner.plan.document import write_plan
    from planner.plan.exports import write_exports
    from web.maps import write_plan_map
    from web.plans.printing import write_route_sheets

    written = [write_plan(doc, out / "plan.json")]
    copies = out / INPUTS_DIR
    copies.mkdir(exist_ok=True)
    written.append(Path(shutil.copyfile(inputs.rules_path, copies / "rules.toml")))
    if inputs.teams_path is not None:
        written.append(Path(shutil.copyfile(inputs.teams_path, copies / "teams.toml")))
    written.extend(write_exports(doc, out))
    clock["exports"] = time.perf_counter() - t
    t = time.perf_counter()
    written.append(write_plan_map(doc, inputs.district, out / "map.html"))
    clock["map.html"] = time.perf_counter() - t
    if doc.routes:
        t = time.perf_counter()
        written.extend(
            write_route_sheets(doc, out / "route_sheets.pdf", streets=inputs.district.streets)
        )
        clock["route_sheets.pdf"] = time.perf_counter() - t
    return written


def _run_plan(
    district: Path | None,
    start: date,
    days: int,
    out: Path,
    rules: Path | None,
    seed: int,
    time_limit: float | None,
    baseline: Path | None = None,
    freeze_until: str | None = None,
) -> None:
    from planner.dates import seed_problem, start_problem
    from planner.patrol.baseline import apply_baseline, read_baseline
    from planner.patrol.inputs import load_inputs, resolve_files
    from planner.patrol.pipeline import make_plan, route_params
    from planner.patrol.request import PlanRequest, TimeBudget
    from planner.patrol.roster import build_patrol_problem

    for option, why in (("--start", start_problem(start, days)), ("--seed", seed_problem(seed))):
        if why:
            raise PlanOutputError(f"{option} {why}.")
    began = time.perf_counter()
    resolve_files(district, rules)  # refuse a missing district or rules file before any work
    inputs = load_inputs(district, rules)
    frozen = None if freeze_until is None else _date(freeze_until, "--freeze-until")
    if frozen is not None and baseline is None:
        raise PlanOutputError("--freeze-until needs --baseline, the roster in force.")
    base = None if baseline is None else read_baseline(baseline)
    if base is not None:  # a baseline of another team or period is refused before any work
        apply_baseline(build_patrol_problem(inputs.rules, start, days), base, freeze_until=frozen)
    out = _out_dir(out)  # only once the inputs are read: a refused plan leaves no folder
    shifts = days * len(inputs.rules.shifts)
    budget = TimeBudget() if time_limit is None else TimeBudget.within(time_limit, shifts)
    request = PlanRequest(start, days, seed, budget, baseline=base, freeze_until=frozen)
    solutions = route_params(budget.per_shift).solution_limit
    click.echo(
        f"Time budget {budget.describe(shifts)}. Each shift's routes stop after {solutions} "
        "solutions, so a seed gives the same routes on any machine; a slower or busier one "
        "takes longer than the budget."
    )
    bars = _Bars()
    try:
        doc = make_plan(inputs, request, progress=bars)
        bars("outputs", 0, 1)
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        files = write_outputs(doc, inputs, out, timings=timings)
        bars("outputs", 1, 1)
    finally:
        bars.close()
    for stage in doc.stages:
        objective = "" if stage.objective is None else f", objective {stage.objective:g}"
        click.echo(f"  {stage.name:<9} {stage.status:<10} {stage.runtime:6.1f} s{objective}")
    click.echo(f"  {'outputs':<9} {'written':<10} {time.perf_counter() - t0:6.1f} s")
    for name, seconds in timings.items():
        click.echo(f"    {name:<18} {seconds:6.1f} s")
    for line in quality_lines(doc):
        click.echo(line)
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
    help="Seconds of solving in all, split as the default budget is (default: 5 s for the "
    "roster and 1.5 s for each shift's routes).",
)
@baseline_options
def plan_command(
    district: Path | None,
    start: str,
    days: int,
    out: Path,
    rules: Path | None,
    seed: int,
    time_limit: float | None,
    baseline: Path | None,
    freeze_until: str | None,
) -> None:
    """Plan roster, routes and coverage for DAYS days and write every output to OUT."""
    _run_plan(
        district,
        _date(start, "--start"),
        days,
        out,
        rules,
        seed,
        time_limit,
        baseline,
        freeze_until,
    )


@click.command("demo")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every stage.")
def demo_command(out: Path, seed: int) -> None:
    """Plan a week (from Monday 7 December 2026) for the default district into OUT."""
    _run_plan(None, DEMO_START, DEMO_DAYS, out, None, seed, None)


def _plan_district(doc: PlanDocument, district: Path | None) -> Path | None:
    """Return the district folder to check a plan against.

    The one given; else the folder the plan records it was made from, when it is still there;
    else the default district, when the plan is for it.

    Raises
    ------
    PlanOutputError
        When no folder is given or recorded and the plan is for another district.
    """
    from geodata.bundle import DEFAULT_DISTRICT_DIR

    if district is not None:
        return district
    recorded = Path(doc.district.folder) if doc.district.folder else None
    if recorded is not None and (recorded / "manifest.toml").is_file():
        return recorded
    if doc.district.id != DEFAULT_DISTRICT_DIR.name:
        raise PlanOutputError(
            f"The plan is for district {doc.district.id!r}, whose folder "
            f"{doc.district.folder or '(not recorded)'} is not there; give its bundle folder "
            "with --district."
        )
    return None


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
    from planner.patrol.inputs import load_inputs

    doc = read_plan(plan)
    checks = validate_plan(doc, load_inputs(_plan_district(doc, district), _plan_inputs(plan)))
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
@click.option(
    "--call-in",
    "call_in",
    default="auto",
    show_default=True,
    help=(
        "Who takes over when no other group is on duty: 'auto' calls in the off-duty group the "
        "rest rules allow, 'none' nobody, or a group id to call in that group."
    ),
)
def replan_command(
    plan: Path,
    group: str,
    from_: str,
    out: Path,
    district: Path | None,
    time_limit: float,
    call_in: str,
) -> None:
    """Mark GROUP unavailable from a time and re-plan the rest of that day into OUT.

    The groups still on duty take over what they can reach; with none left, an off-duty group
    is called in within the rest rules (``--call-in``), and the summary says who and why.
    """
    from planner.patrol.inputs import load_inputs
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
    inputs = load_inputs(_plan_district(doc, district), _plan_inputs(plan))
    new, changes = replan(doc, inputs, group, moment, time_limit=time_limit, call_in=call_in)
    files = write_outputs(new, inputs, out)
    for line in changes:
        click.echo(f"  {line}")
    for call in new.roster.call_ins[len(doc.roster.call_ins) :]:
        click.echo(f"  {call.reason_zh}")
    bad = [c for c in new.validation if not c.ok]
    click.echo(
        f"Wrote {len(files)} files to {out}; checks "
        f"{'passed' if not bad else 'FAILED: ' + ', '.join(c.name for c in bad)}."
    )
    click.echo(f"Total time {time.perf_counter() - began:.1f} s.")
    _fail_on(bad)
