"""Time `patrol demo` end to end, stage by stage, and write bench/results/demo.md.

Usage::

    flock /tmp/patrol-bench.lock .venv/bin/python -m bench.demo --out /tmp/demo [--seed 0]

Runs the same steps as ``patrol demo --out DIR`` (a week of the default district), then
``patrol validate`` on the result, in one process, and records the wall time of every stage,
every output and the whole run (imports included) with the machine it ran on, and the CPU time
of the process (wall time depends on what else runs on the machine; the routing solves run
to their time limits, 1.5 s per shift, whatever the load). The goal is at most 60 s on 2 cores
for 7 days.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()
CPU_STARTED = time.process_time()

import argparse  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.machine import cpu_model  # noqa: E402

GOAL_S = 60.0
"""The goal for the whole demo on 2 cores."""


def machine() -> str:
    """Return the CPU model, core count and load average."""
    model = cpu_model()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores (nproc), load average {load} before the run"


def variety(doc: object) -> list[str]:
    """Return lines on day-to-day route variety: shared visited places of consecutive days."""
    sites: dict[tuple[str, str], set[str]] = {}
    gates = 0
    for r in doc.routes:  # type: ignore[attr-defined]
        got = sites.setdefault((r.shift_id, r.date), set())
        for s in r.stops:
            if s.kind == "visit":
                got.add(s.area_id)
                gates += s.category in ("school", "kindergarten")
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


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code (0 when the plan passes its checks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the demo's outputs.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--results", type=Path, default=Path(__file__).parent / "results" / "demo.md"
    )
    args = parser.parse_args(argv)
    where = machine()

    from planner.checks.plan import validate_plan
    from planner.patrol.pipeline import plan_with_context
    from planner.plan.document import write_plan
    from planner.plan.exports import write_exports
    from web.assets import write_standalone_html
    from web.commands.plan import DEMO_DAYS, DEMO_START, plan_map
    from web.printing import write_route_sheets

    imported = time.perf_counter() - STARTED
    t0 = time.perf_counter()
    doc, ctx = plan_with_context(None, start=DEMO_START, days=DEMO_DAYS, seed=args.seed)
    planned = time.perf_counter() - t0
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    timings: list[tuple[str, float]] = []
    t = time.perf_counter()
    write_plan(doc, out / "plan.json")
    write_exports(doc, out)
    timings.append(("exports (plan.json, CSV, XLSX, iCal, GeoJSON, GPX)", time.perf_counter() - t))
    t = time.perf_counter()
    write_standalone_html(plan_map(doc, ctx), out / "map.html")
    timings.append(("map.html", time.perf_counter() - t))
    t = time.perf_counter()
    write_route_sheets(doc, out / "route_sheets.pdf", streets=ctx.district.streets)
    timings.append(("route_sheets.pdf", time.perf_counter() - t))
    total = time.perf_counter() - STARTED
    cpu = time.process_time() - CPU_STARTED
    t = time.perf_counter()
    checks = validate_plan(doc, ctx)
    validate_s = time.perf_counter() - t
    ok = all(c.ok for c in checks)

    lines = [
        "# `patrol demo` end to end",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
        f"`flock /tmp/patrol-bench.lock .venv/bin/python -m bench.demo --out {out}` "
        f"(seed {args.seed}, {DEMO_DAYS} days from {DEMO_START}).",
        "",
        f"Machine: {where}.",
        "",
        "| step | status | seconds |",
        "|---|---|---:|",
        f"| imports | | {imported:.1f} |",
    ]
    lines += [f"| {s.name} | {s.status} | {s.runtime:.1f} |" for s in doc.stages]
    lines.append(f"| (plan total, stages above) | | {planned:.1f} |")
    lines += [f"| {name} | written | {sec:.1f} |" for name, sec in timings]
    lines += [
        f"| **whole demo** | {'within' if total <= GOAL_S else 'OVER'} the {GOAL_S:.0f} s goal | "
        f"**{total:.1f}** |",
        f"| (CPU time of the process, all threads) | | {cpu:.1f} |",
        f"| `patrol validate` checks (extra) | {'pass' if ok else 'FAIL'} | {validate_s:.1f} |",
        "",
        f"{len(doc.routes)} routes, {sum(len(r.stops) for r in doc.routes)} stops, "
        f"{len(doc.dose)} dose rows.",
        "",
    ]
    lines += [*variety(doc), ""]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
