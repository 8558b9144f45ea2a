"""Hotspot forecast evaluation on public incident data: PAI and PEI against every naive map.

Usage: ``python -m bench.hotspots [--incidents F] [--train-until 2010-07-01]
[--map COLUMN=FIELD ...] [--tz ZONE] [--cell 250] [--district D] [--draws 20]
[--out bench/results/hotspots.md]``.

Default: the Houston 2010 records of ``../shared`` (train before 2010-07-01, test July–August)
on 250 m cells at 1 %, 5 % and 10 % area, and the default district's own incidents on cells and
street segments (train before 2026-09-01). Besides the table of
:func:`planner.hotspots.forecast_evaluation.evaluate`, it measures how much of the oracle's lead a
perfect forecast could take in a world where each cell's rate never changes: test counts are
drawn as Poisson variates of the training counts' rates (``--draws`` times), then a forecast
that knows the rates and one that has only a Poisson draw of training counts are scored.
"""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.machine import cpu_model
from geodata.bundle import load_district
from planner.hotspots.forecast_evaluation import (
    METHODS,
    NAIVE,
    Evaluation,
    evaluate,
    hit_rate_by_measure,
)
from planner.hotspots.incident_points import IncidentPoints, make_grid, read_points, study_region
from planner.hotspots.incidents import parse_mapping

SHARED = Path(os.environ.get("PATROL_SHARED", Path(__file__).resolve().parents[2] / "shared"))
HOUSTON = SHARED / "data" / "incidents" / "houston_crime_2010.csv.gz"


def _table(result: Evaluation) -> list[str]:
    lines = [
        "| unit | area | " + " | ".join(METHODS) + " | best naive | headroom captured "
        "| plans' street risk |",
        "|---|---:|" + "---:|" * len(METHODS) + "---|---:|---:|",
    ]
    for row in result.rows:
        cells = " | ".join(f"{row.pai[m]:.3f} ({row.pei[m]:.3f})" for m in METHODS)
        plan = row.context.get("plan_risk")
        shown = f"{plan[0]:.3f} ({plan[1]:.3f})" if plan else "–"
        lines.append(
            f"| {row.unit} | {row.area:.0%} | {cells} | {row.best_naive} | "
            f"{row.headroom_captured:+.1%} | {shown} |"
        )
    by_unit: dict[str, list[float]] = {}
    for row in result.rows:
        by_unit.setdefault(row.unit, []).append(row.headroom_captured)
    lines.append("")
    for u in result.units:
        lines.append(
            f"- {u.unit}: {u.n_units} units, {u.n_test_in_units} test incidents in them; anchor "
            f"(best naive map on the rolling splits) {u.anchor}, forecast {u.params.to_dict()}"
            f"{' (moved from the anchor)' if u.moved else ' (the anchor itself)'}; KDE "
            f"bandwidth {u.kde_bandwidth_m:g} m; mean rolling PEI {u.rolling_pei:.4f} vs the "
            f"anchor's {u.anchor_pei:.4f}; mean headroom captured "
            f"{np.mean(by_unit[u.unit]):+.1%}; forecast >= every naive map on "
            f"{sum(r.pai['forecast'] >= max(r.pai[m] for m in NAIVE) - 1e-9 for r in u.rows)}"
            f" of {len(u.rows)} rows."
        )
    return lines


def _stationary(points: IncidentPoints, cut: str, cell: float, areas: list[float], draws: int):
    """Return (area, perfect-rate PAI, oracle PAI, noisy-count PAI) in a stationary world."""
    c = np.datetime64(cut, "ns")
    train, test = points.time < c, points.time >= c
    grid = make_grid(points, train, cell)
    tot = grid.counts(grid.index(points.x[train], points.y[train]))
    mask = study_region(tot)
    n_test = float(test.sum())
    lam = tot[mask] * n_test / tot[mask].sum()
    ones = np.ones(len(lam))
    rng = np.random.default_rng(0)
    out = []
    for a in areas:
        r, o, n = [], [], []
        for _ in range(draws):
            y = rng.poisson(lam).astype(float)
            noisy = rng.poisson(tot[mask]).astype(float)
            r.append(hit_rate_by_measure(lam, y, ones, a) / a)
            o.append(hit_rate_by_measure(y, y, ones, a) / a)
            n.append(hit_rate_by_measure(noisy, y, ones, a) / a)
        out.append((a, float(np.mean(r)), float(np.mean(o)), float(np.mean(n))))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=Path, default=HOUSTON)
    parser.add_argument("--train-until", default="2010-07-01")
    parser.add_argument("--map", dest="mapping", action="append", default=[])
    parser.add_argument("--tz", default=None)
    parser.add_argument("--cell", type=float, default=250.0)
    parser.add_argument("--area", type=float, nargs="+", default=[0.01, 0.05, 0.10])
    parser.add_argument("--district", type=Path, default=None)
    parser.add_argument("--district-train-until", default="2026-09-01")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.incidents.is_file():
        parser.error(f"incident file {args.incidents} not found (set PATROL_SHARED)")
    load = os.getloadavg()
    points = read_points(args.incidents, mapping=parse_mapping(args.mapping), time_zone=args.tz)
    main_run = evaluate(points, args.train_until, cell=args.cell, areas=args.area)
    district = load_district(args.district)
    assert district.path is not None
    dpoints = read_points(
        district.path / "incidents.csv", time_zone=str(district.manifest["time_zone"])
    )
    drun = evaluate(
        dpoints, args.district_train_until, cell=args.cell, areas=args.area,
        streets=district.streets,
    )  # fmt: skip
    stat = _stationary(points, args.train_until, args.cell, args.area, args.draws)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "python -m bench.hotspots" + (" " + " ".join(argv) if argv else "")
    lines = [
        "# Hotspot forecast benchmark",
        "",
        f"Command: `{cmd}`, {now}.",
        f"Machine: nproc {os.cpu_count()}, {cpu_model()}, Python {platform.python_version()}; "
        f"load average {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} at the start.",
        "",
        "Each figure is PAI (PEI): PAI = hit rate / area share, PEI = hit rate / the oracle's. "
        "Headroom captured = (forecast − best naive) / (oracle − best naive), in PAI.",
        "",
        f"## {args.incidents.name}: train before {args.train_until}, {args.cell:g} m cells",
        "",
        f"{main_run.n_train} training and {main_run.n_test} test incidents, "
        f"{main_run.n_dropped} records left out; {main_run.runtime:.1f} s.",
        "",
        *_table(main_run),
        "",
        "### What a perfect forecast could take in a stationary world",
        "",
        f"Test counts drawn as Poisson variates of the training counts' rates ({args.draws} "
        "draws, seed 0); *known rate* ranks by the true rate, *noisy counts* by a Poisson draw "
        "of the training counts (what all-time counts are in that world).",
        "",
        "| area | known rate | oracle | noisy counts | share of the headroom a known rate takes |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {a:.0%} | {r:.3f} | {o:.3f} | {n:.3f} | {(r - n) / (o - n):.0%} |"
            for a, r, o, n in stat
        ),
        "",
        f"## {district.name}: its own incidents, train before {args.district_train_until}",
        "",
        f"{drun.n_train} training and {drun.n_test} test incidents (sample data of the "
        f"default district); {drun.runtime:.1f} s.",
        "",
        *_table(drun),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
