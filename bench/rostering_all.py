"""Run Curtois & Qu Instances 1-18 (and look-alikes) and write bench/results/rostering.md.

Usage: ``flock /tmp/patrol-bench.lock python -m bench.rostering_all --seconds 60``
(the shared folder is found at ../shared or $PATROL_SHARED). ``--large DIR`` adds the
look-alike instances of :mod:`bench.rostering_generate` found in DIR. Each instance is solved in
a process of its own (``python -m bench.rostering FILE --json``), so that its peak memory is its
own; the objective is recomputed by planner.checks.roster there.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PATROL_SHARED", ROOT.parent / "shared"))


def machine() -> str:
    model = cpu_model()
    return f"{model}, {os.cpu_count()} cores visible"


def run_one(path: Path, seconds: float, workers: int, seed: int) -> dict[str, object]:
    """Solve one instance file in a child process and return its figures."""
    cmd = [sys.executable, "-m", "bench.rostering", str(path), "--seconds", f"{seconds:g}"]
    cmd += ["--workers", str(workers), "--seed", str(seed), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"instance": path.stem, "status": f"failed: {err}"}
    figures: dict[str, object] = json.loads(lines[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instances", default="1-18")
    parser.add_argument("--large", type=Path, default=None, help="Folder of Large*.txt files.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "rostering.md")
    args = parser.parse_args(argv)
    lo, _, hi = args.instances.partition("-")
    folder = SHARED / "bench" / "rostering"
    with (folder / "reference.csv").open(encoding="utf-8") as f:
        ref = {row["instance"]: row for row in csv.DictReader(f)}
    files = [folder / f"Instance{i}.txt" for i in range(int(lo), int(hi or lo) + 1)]
    if args.large is not None:
        files += sorted(args.large.glob("Large*.txt"), key=lambda p: int(p.stem[5:]))
    rows = []
    for path in files:
        fig = run_one(path, args.seconds, args.workers, args.seed)
        best = ref.get(path.stem, {}).get("best_known_objective")
        obj = fig.get("objective")
        gap = (
            ""
            if obj is None or not best
            else f"{100 * (int(str(obj)) - int(best)) / int(best):.2f}"
        )
        rows.append((fig, best or "", gap))
        print(f"{path.stem}: {fig}, best known {best}, gap {gap}%", flush=True)
    lines = [
        "# Curtois & Qu Instances (planner.roster.solve)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with "
        f"`python -m bench.rostering_all --seconds {args.seconds:g} --workers {args.workers}"
        f"{' --large DIR' if args.large else ''}` (seed {args.seed}) on {machine()}; objective "
        "recomputed by planner.checks.roster; each instance in its own process (peak memory "
        "is that process's). Large1-6 are look-alikes of the benchmark's six largest sizes "
        "made by `python -m bench.rostering_generate` (no reference value).",
        "",
        "| instance | staff x days x shifts | objective | best known | gap % | bound "
        "| first roster s | time s | peak MB | status |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for fig, best, gap in rows:
        size = f"{fig.get('staff', '')} x {fig.get('days', '')} x {fig.get('shifts', '')}"
        bound = "" if fig.get("bound") is None else f"{fig['bound']:g}"
        first = "" if fig.get("first_roster") is None else f"{fig['first_roster']}"
        lines.append(
            f"| {fig['instance']} | {size} | {fig.get('objective')} | {best} | {gap} | {bound} "
            f"| {first} | {fig.get('runtime', '')} | {fig.get('peak_mb', '')} | {fig['status']} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
