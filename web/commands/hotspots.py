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
    from planner.forecast import evaluate_forecast, read_points

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
    for m in (*result.methods, result.oracle):
        click.echo(f"{m.name:<12} {m.pai:>8.3f} {m.hit_rate:>9.3f}")
    click.echo(
        f"forecast / best baseline ({result.best_baseline.name}): {result.ratio:.3f}; "
        f"the oracle row is the ceiling no forecast can pass."
    )
