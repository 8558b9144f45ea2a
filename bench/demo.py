"""Time `patrol demo` end to end, stage by stage, and write bench/results/demo.md.

Usage::

    flock /tmp/patrol-bench.lock python -m bench.demo --out /tmp/demo [--seed 0]

Runs ``patrol demo --out DIR`` (a week of the default district) as a user would, then
``patrol validate DIR/plan.json``, and records the wall time of the whole command, of every
stage (from plan.json) and of every output (from the command's own report), with the machine it
ran on. ``--compare OTHER_PYTHON`` runs the same in another environment (e.g. a worktree of an
earlier commit) right after, so the two are measured side by side on the same machine state.
The goal is at most 60 s on 2 cores for 7 days.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import cpu_model

GOAL_S = 60.0
"""The goal for the whole demo on 2 cores."""

OUTPUT_LINE = re.compile(r"^\s{4}(\S.*?)\s+([\d.]+) s$")
"""An output's line in the command's report: ``    map.html    2.9 s``."""


def machine() -> str:
    """Return the CPU model, core count and load average."""
    model = cpu_model()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores (nproc), load average {load} before the run"


@dataclass
class Run:
    """One run of `patrol demo` and `patrol validate` in one Python environment."""

    python: str
    wall: float = 0.0
    validate_s: float = 0.0
    ok: bool = False
    stages: list[tuple[str, str, float]] = field(default_factory=list)
    outputs: list[tuple[str, float]] = field(default_factory=list)
    doc: dict[str, Any] = field(default_factory=dict)


def run_demo(python: str, out: Path, seed: int) -> Run:
    """Run `patrol demo` and `patrol validate` with the `patrol` beside ``python``."""
    patrol = str(Path(python).with_name("patrol"))
    run = Run(python)
    t0 = time.perf_counter()
    done = subprocess.run(
        [patrol, "demo", "--out", str(out), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=False,
    )
    run.wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr)
        msg = f"patrol demo failed with exit code {done.returncode}"
        raise SystemExit(msg)
    for line in done.stdout.splitlines():
        m = OUTPUT_LINE.match(line)
        if m:
            run.outputs.append((m.group(1), float(m.group(2))))
    run.doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    run.stages = [(s["name"], s["status"], float(s["runtime"])) for s in run.doc["stages"]]
    t0 = time.perf_counter()
    checked = subprocess.run(
        [patrol, "validate", str(out / "plan.json")], capture_output=True, text=True, check=False
    )
    run.validate_s = time.perf_counter() - t0
    run.ok = checked.returncode == 0
    return run


def variety(doc: dict[str, Any]) -> list[str]:
    """Return lines on day-to-day route variety: shared visited places of consecutive days."""
    sites: dict[tuple[str, str], set[str]] = {}
    gates = 0
    for r in doc["routes"]:
        got = sites.setdefault((r["shift_id"], r["date"]), set())
        for s in r["stops"]:
            if s["kind"] == "visit":
                got.add(s["area_id"])
                gates += s["category"] in ("school", "kindergarten")
    out = [f"School and kindergarten gate visits planned: {gates}.", ""]
    for shift in sorted({k[0] for k in sites}):
        days = sorted(d for s, d in sites if s == shift)
        shares = [
            len(sites[shift, a] & sites[shift, b]) / max(len(sites[shift, a] | sites[shift, b]), 1)
            for a, b in itertools.pairwise(days)
        ]
        text = ", ".join(f"{x:.2f}" for x in shares)
        out.append(f"Shift {shift}: places shared by consecutive days (Jaccard): {text}.")
    return out


def table(runs: list[Run]) -> list[str]:
    """Return the markdown table of one or more runs, side by side."""
    head = "| step | " + " | ".join(f"run {i + 1} s" for i in range(len(runs))) + " |"
    lines = [head, "|---|" + "---:|" * len(runs)]
    names = [name for name, _, _ in runs[0].stages]
    for name in names:
        cells = [next((f"{t:.1f}" for n, _, t in r.stages if n == name), "") for r in runs]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name in dict.fromkeys(n for r in runs for n, _ in r.outputs):
        cells = [next((f"{t:.1f}" for n, t in r.outputs if n == name), "") for r in runs]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **whole `patrol demo`** | " + " | ".join(f"**{r.wall:.1f}**" for r in runs))
    lines[-1] += " |"
    cells = [f"{r.validate_s:.1f} ({'pass' if r.ok else 'FAIL'})" for r in runs]
    lines.append("| `patrol validate` | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code (0 when the plan passes its checks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the demo's outputs.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--compare",
        metavar="PYTHON",
        help="Another environment's python (e.g. of an earlier commit) to run right after.",
    )
    parser.add_argument(
        "--results", type=Path, default=Path(__file__).parent / "results" / "demo.md"
    )
    args = parser.parse_args(argv)
    where = machine()
    runs = [run_demo(sys.executable, args.out, args.seed)]
    if args.compare:
        runs.append(
            run_demo(args.compare, args.out.with_name(args.out.name + "-compare"), args.seed)
        )
    doc = runs[0].doc
    lines = [
        "# `patrol demo` end to end",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
        f"`flock /tmp/patrol-bench.lock python -m bench.demo --out {args.out}"
        + (" --compare OTHER" if args.compare else "")
        + f"` (seed {args.seed}, 7 days from 2026-12-07).",
        "",
        f"Machine: {where}.",
        "",
    ]
    if args.compare:
        lines += [f"Run 1: {runs[0].python}; run 2: {runs[1].python}.", ""]
    lines += table(runs)
    total = runs[0].wall
    lines += [
        "",
        f"The whole demo is {'within' if total <= GOAL_S else 'OVER'} the {GOAL_S:.0f} s goal.",
        "",
        f"{len(doc['routes'])} routes, {sum(len(r['stops']) for r in doc['routes'])} stops, "
        f"{len(doc['dose'])} dose rows.",
        "",
        *variety(doc),
        "",
    ]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
