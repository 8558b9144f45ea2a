"""Day and night patrol routes for the default district's four groups, timed and checked.

Usage: ``python -m bench.district_routes [--seconds 25] [--out bench/results/district_routes.md]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.toptw_compare import machine
from geodata.bundle import load_district
from geodata.network import StreetNetwork
from planner.patrol_routes import DAY, NIGHT, solve_patrol_shift
from planner.routing_model import MEAL
from planner.validate_routes import validate_routes


def clock(shift_start: int, t: int) -> str:
    """Format shift seconds as local HH:MM."""
    s = (shift_start + t) % 86400
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog="python -m bench.district_routes", description=__doc__)
    ap.add_argument("--seconds", type=float, default=25.0, help="time limit per shift")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="bench/results/district_routes.md")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    district = load_district()
    network = StreetNetwork.from_district(district)
    load_s = time.perf_counter() - t0
    lines = [
        "# Default district: day and night patrol routes for four groups",
        "",
        f"Machine: {machine()}. District and street network loaded once in {load_s:.1f} s; "
        f"each shift below is timed from building its problem (travel-time matrices included) "
        f"to validated routes, with a time limit of {args.seconds:g} s.",
        "",
        "| shift | wall s | engine | value | of | stops | sites | gates met | meals | "
        "back by | validator |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    ok = True
    details = []
    for shift in (DAY, NIGHT):
        t1 = time.perf_counter()
        pp, result = solve_patrol_shift(
            district, network, shift, time_limit=args.seconds, seed=args.seed
        )
        wall = time.perf_counter() - t1
        check = validate_routes(pp.problem, result.routes)
        visited = {s.site_id for r in result.routes for s in r.stops}
        gates = sum(g in visited for g in pp.gate_sites)
        meals = sum(s.site_id == MEAL for r in result.routes for s in r.stops)
        latest = max(r.return_time for r in result.routes)
        stops = sum(len(r.stops) for r in result.routes)
        ok &= check.ok and result.is_feasible() and wall <= 30
        lines.append(
            f"| {shift.name} {clock(shift.start, 0)}-{clock(shift.start, shift.length)} | "
            f"{wall:.1f} | {result.engine} | {check.value} | {result.bound} | {stops} | "
            f"{len(pp.problem.sites)} | {gates}/{len(pp.gate_sites)} | {meals}/4 | "
            f"{clock(shift.start, latest)} | {'ok' if check.ok else check.violations[0].message} |"
        )
        for r in result.routes:
            details.append(
                f"- {shift.name}, group {r.vehicle_id}: {len(r.stops)} stops, out "
                f"{clock(shift.start, r.departure)}, back {clock(shift.start, r.return_time)}"
            )
        print(lines[-1], flush=True)
    lines += ["", *details, ""]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
