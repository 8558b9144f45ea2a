"""The `patrol hotspots` and `patrol incidents` commands: forecast evaluation, hotspots, import."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("hotspots")
def hotspots() -> None:
    """Hotspots: evaluate the forecast, show a district's hotspots."""


@hotspots.command("evaluate")
@click.option(
    "--incidents",
    "incidents",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Incident CSV (optionally .gz) with lon, lat and time (or date and hour).",
)
@click.option(
    "--train-until",
    required=True,
    help="First local date (or date and time) of the test period, e.g. 2010-07-01.",
)
@click.option("--cell", default=250.0, show_default=True, type=float, help="Cell size in metres.")
@click.option(
    "--area",
    default=0.05,
    show_default=True,
    type=float,
    help="Share of the study region's cells flagged as hotspots.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(incidents: Path, train_until: str, cell: float, area: float, as_json: bool) -> None:
    """Compare our grid forecast with two naive baselines on the same cells and test period.

    Prints the Predictive Accuracy Index (hit rate ÷ area share) and hit rate of our forecast,
    of last-period counts per cell and of a Gaussian kernel density, and the oracle ceiling.
    """
    from datetime import datetime

    from planner.exceptions import IncidentError
    from planner.hotspots.forecast import evaluate_forecast, read_points

    try:
        datetime.fromisoformat(train_until)
    except ValueError:
        raise IncidentError(
            f"--train-until {train_until!r} is not a date such as 2010-07-01."
        ) from None
    points = read_points(incidents)
    result = evaluate_forecast(points, train_until, cell=cell, area_share=area)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{result.n_train} training and {result.n_test} test incidents "
        f"({result.n_dropped} records left out); {result.region_cells} cells of "
        f"{result.cell:g} m in the study region ({result.region}); "
        f"{result.area_share:.1%} area = {result.selected_cells:.0f} cells."
    )
    click.echo(f"{'method':<12} {'PAI':>8} {'hit rate':>9}")
    for m in (*result.methods, *result.references, result.oracle):
        click.echo(f"{m.name:<12} {m.pai:>8.3f} {m.hit_rate:>9.3f}")
    click.echo(
        f"forecast / best baseline ({result.best_baseline.name}): {result.ratio:.3f}; "
        f"all_counts (whole training period) is shown for context; the oracle row is the "
        f"ceiling no forecast can pass."
    )


@hotspots.command("show")
@click.argument("district", required=False, type=click.Path(path_type=Path))
@click.option(
    "--date",
    "on",
    default=None,
    help="Date the hotspots are for (sets the season), e.g. 2026-07-15; default none.",
)
@click.option("--pin", "pins", multiple=True, metavar="ID", help="Pin a place as a hotspot.")
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="ID=X",
    help="Multiply a place's risk by X (0 ignores it).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the hotspots as JSON.")
def show(
    district: Path | None,
    on: str | None,
    pins: tuple[str, ...],
    weights: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the hotspots of DISTRICT (default: the default district).

    Hotspots are the riskiest key areas, street segments and grids (the top tenth of each) by
    recency-weighted, smoothed incident risk with category patterns and season. Overrides in
    the district's hotspots.toml apply; --pin and --weight add to them for this listing.
    """
    from datetime import date

    from geodata.bundle import load_district
    from planner.exceptions import IncidentError, ProblemError
    from planner.hotspots.risk import Override, district_risk

    extra: dict[str, Override] = {}
    for item in weights:
        pid, sep, value = item.partition("=")
        try:
            w = float(value)
        except ValueError:
            w = float("nan")
        if not sep or not pid or not w >= 0:
            raise ProblemError(f"--weight {item!r} is not of the form ID=X with X >= 0.")
        extra[pid] = Override(weight=w)
    for pid in pins:
        extra[pid] = Override(weight=extra[pid].weight if pid in extra else 1.0, pin=True)
    day = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise IncidentError(f"--date {on!r} is not a date such as 2026-07-15.") from None
    loaded = load_district(district)
    risk = district_risk(loaded, on=day, overrides=extra)
    table = risk.hotspot_table()
    named = loaded.manifest.get("hotspot_alley", {}).get("street_id")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "district": loaded.name,
                    "as_of": risk.as_of,
                    "incidents": risk.n_incidents,
                    "hotspots": table.to_dict(orient="records"),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(
        f"{loaded.name}: {len(table)} hotspots from {risk.n_incidents} incidents "
        f"(as of {risk.as_of})."
    )
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for kind in ("area", "street", "grid"):
        part = table[table["kind"] == kind] if len(table) else table
        click.echo(f"\n{kind} hotspots ({len(part)}):")
        for row in part.itertuples(index=False):
            peak = f"{days[row.peak_how // 24]} {row.peak_how % 24:02d}:00"
            mark = " (named hotspot)" if row.id == named else ""
            pin = " [pinned]" if row.pinned else ""
            click.echo(
                f"  {row.rank:>3}. {row.id}  {row.name}  risk {row.weekly:.1f}/week, "
                f"peak {peak}{pin}{mark}"
            )


@click.group("incidents")
def incidents() -> None:
    """Incident history of a district: import records."""


@incidents.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--district",
    "district",
    default=None,
    type=click.Path(path_type=Path),
    help="District bundle folder; default the default district.",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read the file's COLUMN as FIELD (id, time, date, hour, category, lon, lat, "
    "description); repeat for several.",
)
@click.option(
    "--tz", default=None, help="Time zone of times without an offset; default the district's."
)
@click.option("--replace", is_flag=True, help="Replace the stored history instead of adding.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; store nothing.")
def import_command(
    file: Path,
    district: Path | None,
    mapping: tuple[str, ...],
    tz: str | None,
    replace: bool,
    dry_run: bool,
) -> None:
    """Import incident records from FILE (CSV or GeoJSON) into a district.

    Bad records are listed with their line numbers and left out; a file that cannot be used
    is refused whole and nothing stored changes.
    """
    from planner.hotspots.incidents import import_incidents, parse_mapping

    report = import_incidents(
        file,
        district,
        mapping=parse_mapping(mapping),
        time_zone=tz,
        replace=replace,
        dry_run=dry_run,
    )
    for err in report.errors:
        click.echo(f"{file}: {err}", err=True)
    if report.n_bad > len(report.errors):
        click.echo(f"... and {report.n_bad - len(report.errors)} more bad records.", err=True)
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} {report.n_ok} of {report.n_rows} records; {report.n_bad} refused"
        + (" (dry run: nothing stored)." if dry_run else ".")
    )
