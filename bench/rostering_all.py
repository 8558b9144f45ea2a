"""Run Curtois & Qu Instances 1-12 and write bench/results/rostering.md.

Usage: ``flock /tmp/patrol-bench.lock python -m bench.rostering_all --seconds 60``
(the shared folder is found at ../shared or $PATROL_SHARED).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import time
from pathlib import Path

from bench.machine import cpu_model
from bench.rostering import read_instance
from planner.checks.roster import check_roster
from planner.roster.solve import RosterParams, solve_roster

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PATROL_SHARED", ROOT.parent / "shared"))


def machine() -> str:
    model = cpu_model()
    return f"{model}, {os.cpu_count()} cores visible"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instances", default="1-12")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "rostering.md")
    args = parser.parse_args(argv)
    lo, _, hi = args.instances.partition("-")
    numbers = range(int(lo), int(hi or lo) + 1)
    folder = SHARED / "bench" / "rostering"
    with (folder / "reference.csv").open(encoding="utf-8") as f:
        ref = {row["instance"]: row for row in csv.DictReader(f)}
    rows = []
    for i in numbers:
        name = f"Instance{i}"
        problem = read_instance(folder / f"{name}.txt")
        t0 = time.monotonic()
        result = solve_roster(
            problem, RosterParams(time_limit=args.seconds, num_workers=args.workers), seed=args.seed
        )
        elapsed = time.monotonic() - t0
        best = int(ref[name]["best_known_objective"])
        if result.is_feasible():
            check = check_roster(problem, result.assignment)
            obj: int | None = check.objective if check.ok else None
        else:
            obj = None
        gap = "" if obj is None else f"{100 * (obj - best) / best:.2f}"
        rows.append((name, obj, best, gap, result.bound, elapsed, result.status.value))
        print(
            f"{name}: objective {obj}, best known {best}, gap {gap}%, {elapsed:.1f} s", flush=True
        )
    lines = [
        "# Curtois & Qu Instances 1-12 (planner.roster.solve)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with "
        f"`python -m bench.rostering_all --seconds {args.seconds:g} --workers {args.workers}` "
        f"(seed {args.seed}) on {machine()}; objective recomputed by planner.checks.roster.",
        "",
        "| instance | objective | best known | gap % | bound | time s | status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, obj, best, gap, bound, elapsed, status in rows:
        b = "" if bound is None else f"{bound:g}"
        lines.append(f"| {name} | {obj} | {best} | {gap} | {b} | {elapsed:.1f} | {status} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
