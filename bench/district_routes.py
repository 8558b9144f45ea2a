"""Day and night patrol routes for the default district's four groups, timed and checked.

Usage: ``python -m bench.district_routes [--seconds 25] [--out bench/results/district_routes.md]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.patrol_routes import DAY, NIGHT, patrol_problem, solve_patrol_shift
from bench.route_variety import overlap_report, vary_routes
from bench.toptw_compare import machine
from geodata.bundle import load_district
from geodata.network import StreetNetwork
from planner.checks.routes import validate_routes
from planner.routing.model import MEAL
from planner.routing.solve import RouteParams


def clock(shift_start: int, t: int) -> str:
    """Format shift seconds as local HH:MM."""
    s = (shift_start + t) % 86400
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def variety(district: object, network: object, days: int, seconds: float, best: int) -> list[str]:
    """Vary the day shift over ``days`` seeds; report values and overlaps."""
    problem = patrol_problem(district, network, DAY).problem  # type: ignore[arg-type]
    rows, routes = [], []
    for seed in range(1, days + 1):
        t = time.perf_counter()
        varied = vary_routes(problem, RouteParams(time_limit=seconds), seed=seed, best_value=best)
        wall = time.perf_counter() - t
        check = validate_routes(problem, varied.result.routes)
        routes.append(varied.result.routes)
        rows.append(
            f"| {seed} | {varied.noise:.2f} | {check.value} | {100 * varied.ratio:.1f} | "
            f"{'ok' if check.ok else check.violations[0].message} | {wall:.1f} |"
        )
    rep = overlap_report(routes)
    return [
        f"## Day-to-day variety: day shift, seeds 1-{days}, within 5% of {best}",
        "",
        "| seed | noise | value | % of best | validator | wall s |",
        "|---:|---:|---:|---:|---|---:|",
        *rows,
        "",
        f"Overlap over {int(rep['pairs'])} pairs of days: shared stops (Jaccard of visited "
        f"sites) mean {rep.get('mean_shared_stops', 1):.2f}, max "
        f"{rep.get('max_shared_stops', 1):.2f}; same consecutive stops by the same group "
        f"mean {rep.get('mean_order_similarity', 1):.2f}, max "
        f"{rep.get('max_order_similarity', 1):.2f}.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog="python -m bench.district_routes", description=__doc__)
    ap.add_argument("--seconds", type=float, default=25.0, help="time limit per shift")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="bench/results/district_routes.md")
    ap.add_argument(
        "--days", type=int, default=0, help="also vary the day shift over this many seeds"
    )
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
    details: list[str] = []
    best: dict[str, int] = {}
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
        best[shift.name] = check.value
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
    if args.days > 0:
        lines += variety(district, network, args.days, args.seconds, best[DAY.name])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
