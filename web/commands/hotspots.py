"""The `patrol hotspots` and `patrol incidents` commands: forecast evaluation, hotspots, import."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("hotspots")
def hotspots() -> None:
    """Hotspots: evaluate the forecast, show a district's hotspots."""


def _area_shares(ctx: click.Context, given: tuple[float, ...]) -> tuple[float, ...]:
    """Return the --area values, including numbers that follow the first one."""
    shares = list(given)
    for extra in ctx.args:
        try:
            shares.append(float(extra))
        except ValueError:
            raise click.UsageError(f"Unexpected argument {extra!r}.") from None
    if ctx.args and not given:
        raise click.UsageError(f"Unexpected argument {ctx.args[0]!r}.")
    return tuple(shares) if shares else (0.01, 0.05, 0.10)


@hotspots.command(
    "evaluate", context_settings={"allow_extra_args": True, "ignore_unknown_options": False}
)
@click.option(
    "--incidents",
    "incidents",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Incident file (CSV, optionally .gz, or GeoJSON); default the district's incidents.",
)
@click.option(
    "--train-until",
    required=True,
    help="First local date (or date and time) of the test period, e.g. 2010-07-01.",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read the file's COLUMN as FIELD (time, date, hour, category, lon, lat), as "
    "`incidents import` does; repeat for several.",
)
@click.option(
    "--tz",
    default=None,
    help="Time zone times with a UTC offset are converted to; default the district's with "
    "--district, else each time's own wall-clock time.",
)
@click.option("--cell", default=250.0, show_default=True, type=float, help="Cell size in metres.")
@click.option(
    "--area",
    "areas",
    multiple=True,
    type=float,
    help="Area shares flagged as hotspots, e.g. --area 0.01 0.05 0.10 (the default).",
)
@click.option(
    "--district",
    default=None,
    type=click.Path(path_type=Path),
    help="District bundle whose street segments are scored too (and whose incidents are "
    "used without --incidents).",
)
@click.option(
    "--osm",
    "osm",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="OSM file whose street network is scored too.",
)
@click.option("--test-until", default=None, help="End of the test period; default the data's.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def evaluate(
    ctx: click.Context,
    incidents: Path | None,
    train_until: str,
    mapping: tuple[str, ...],
    tz: str | None,
    cell: float,
    areas: tuple[float, ...],
    district: Path | None,
    osm: Path | None,
    test_until: str | None,
    as_json: bool,
) -> None:
    """Compare the forecast with the naive maps and the oracle on the same units and period.

    For grid cells (and street segments, with --district or --osm) and each area share, prints
    the PAI (hit rate / area share) and PEI (hit rate / the oracle's) of the forecast, of
    all-time counts, last-period counts and a kernel density, and of the oracle; the forecast's
    settings are chosen on rolling splits inside the training period.
    """
    from datetime import datetime

    from planner.exceptions import IncidentError
    from planner.hotspots.forecast_evaluation import METHODS
    from planner.hotspots.forecast_evaluation import evaluate as run_evaluation
    from planner.hotspots.incident_points import read_points
    from planner.hotspots.incidents import parse_mapping

    shares = _area_shares(ctx, areas)
    for flag, value in (("--train-until", train_until), ("--test-until", test_until)):
        if value is None:
            continue
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise IncidentError(f"{flag} {value!r} is not a date such as 2010-07-01.") from None
    if district is not None and osm is not None:
        raise IncidentError("Give either --district or --osm, not both.")
    streets = None
    zone = tz
    if district is not None or (incidents is None and osm is None):
        from geodata.bundle import load_district

        loaded = load_district(district)
        streets = loaded.streets
        zone = tz or str(loaded.manifest["time_zone"])
        if incidents is None:
            assert loaded.path is not None
            incidents = loaded.path / "incidents.csv"
    elif osm is not None:
        from geodata.osm_import import import_osm

        streets = import_osm(osm).streets
    if incidents is None:
        raise IncidentError("Give --incidents FILE (or --district for the district's own).")
    points = read_points(incidents, mapping=parse_mapping(mapping), time_zone=zone)
    result = run_evaluation(
        points, train_until, cell=cell, areas=shares, test_until=test_until, streets=streets
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{result.n_train} training and {result.n_test} test incidents "
        f"({result.n_dropped} records left out); test {result.test.to_dict()['train_until']} "
        f"to {result.test.to_dict()['test_until']}."
    )
    for u in result.units:
        click.echo(
            f"\n{u.unit}: {u.n_units} units, {u.n_test_in_units} test incidents in them; "
            f"forecast {u.params.to_dict()}, KDE bandwidth {u.kde_bandwidth_m:g} m"
        )
        click.echo(f"{'area':>6}  " + " ".join(f"{m:>12}" for m in METHODS) + "  captured")
        for row in u.rows:
            cells = " ".join(f"{row.pai[m]:>6.3f}/{row.pei[m]:<5.3f}" for m in METHODS)
            click.echo(f"{row.area:>6.1%}  {cells}  {row.headroom_captured:>7.1%}")
        for row in u.rows:
            if "plan_risk" in row.context:
                pai, pei = row.context["plan_risk"]
                click.echo(
                    f"{row.area:>6.1%}  street risk plans use now: {pai:.3f}/{pei:.3f} "
                    "(context, not a naive map)"
                )
    click.echo(
        "\nEach figure is PAI/PEI; 'captured' is the share of the PAI gap between the best "
        "naive map and the oracle that the forecast closes."
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
