"""Time snapping and travel-time matrices per mode: ``python -m bench.matrix [--points N ...]``."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy
import shapely

from bench.machine import cpu_model
from geodata.bundle import load_district
from geodata.errors import InputError
from geodata.network import StreetNetwork, travel_time_matrix
from geodata.settings import MAX_EDGE_M, MODES, SPEEDS_MPS

if TYPE_CHECKING:
    from geodata.bundle import District

RESULTS = Path(__file__).resolve().parent / "results" / "matrix.md"


@dataclass(frozen=True, slots=True)
class Row:
    """Figures of one (points, mode) run; times are medians over the repeats, in ms."""

    points: int
    mode: str
    reachable: int
    snapped_nodes: int
    graph_ms: float
    snap_ms: float
    matrix_cold_ms: float
    matrix_cold_cpu_ms: float
    matrix_warm_ms: float
    points_matrix_ms: float
    snap_mean_m: float
    snap_p95_m: float
    median_s: int
    max_s: int
    symmetric: bool


def random_points(boundary: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` uniform lon/lat points inside a polygon by vectorised rejection sampling."""
    minx, miny, maxx, maxy = boundary.bounds
    shapely.prepare(boundary)
    out = np.empty((0, 2))
    while len(out) < n:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(max(64, 2 * (n - len(out))), 2))
        out = np.vstack([out, cand[shapely.contains_xy(boundary, cand[:, 0], cand[:, 1])]])
    return out[:n]


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def run_one(
    district: District, points: np.ndarray, mode: str, repeat: int, max_edge_m: float | None
) -> Row:
    """Time graph build, snapping and matrices for one mode on fresh networks."""
    graph, snap, cold, cold_cpu, warm, full = [], [], [], [], [], []
    for _ in range(repeat):
        net = StreetNetwork.from_streets(
            district.streets, work_crs=district.work_crs, max_edge_m=max_edge_m
        )
        t = time.perf_counter()
        reachable = len(net.reachable(mode))  # builds the mode's graph
        graph.append(_ms(t))
        t = time.perf_counter()
        nodes, dist = net.snap(points, mode, return_distance=True)
        snap.append(_ms(t))
        t, c = time.perf_counter(), time.process_time()
        node_matrix = net.matrix(nodes, nodes, mode)  # Dijkstra from every distinct node
        cold.append(_ms(t))
        cold_cpu.append((time.process_time() - c) * 1000.0)
        t = time.perf_counter()
        net.matrix(nodes, nodes, mode)  # served from cached rows
        warm.append(_ms(t))
        t = time.perf_counter()
        seconds = travel_time_matrix(net, points, mode)  # snap + matrix + access legs
        full.append(_ms(t))
    if (node_matrix < 0).any():
        msg = f"The {mode} matrix has unreachable pairs; snapping is broken."
        raise RuntimeError(msg)
    off = seconds[~np.eye(len(seconds), dtype=bool)]
    return Row(
        points=len(points),
        mode=mode,
        reachable=reachable,
        snapped_nodes=len(np.unique(nodes)),
        graph_ms=statistics.median(graph),
        snap_ms=statistics.median(snap),
        matrix_cold_ms=statistics.median(cold),
        matrix_cold_cpu_ms=statistics.median(cold_cpu),
        matrix_warm_ms=statistics.median(warm),
        points_matrix_ms=statistics.median(full),
        snap_mean_m=float(dist.mean()),
        snap_p95_m=float(np.percentile(dist, 95)),
        median_s=int(np.median(off)),
        max_s=int(off.max()),
        symmetric=bool(np.array_equal(seconds, seconds.T)),
    )


def machine() -> str:
    """One line naming the machine: cores, CPU model, Python, NumPy, SciPy, current load."""
    model = cpu_model()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"nproc {len(os.sched_getaffinity(0))}, {model}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, SciPy {scipy.__version__}; load average {load} at the start"
    )


HEADER = (
    "| points | mode | reachable nodes | snapped nodes | graph ms | snap ms | matrix cold ms "
    "(CPU) | matrix warm ms | points matrix ms | snap mean / p95 m | median / max s | symmetric |"
)


def table(rows: list[Row]) -> str:
    """Render the rows as a Markdown table."""
    lines = [HEADER, "|" + "---|" * 12]
    for r in rows:
        lines.append(
            f"| {r.points} | {r.mode} | {r.reachable} | {r.snapped_nodes} | {r.graph_ms:.1f} "
            f"| {r.snap_ms:.1f} | {r.matrix_cold_ms:.1f} ({r.matrix_cold_cpu_ms:.0f}) "
            f"| {r.matrix_warm_ms:.1f} "
            f"| {r.points_matrix_ms:.1f} | {r.snap_mean_m:.0f} / {r.snap_p95_m:.0f} "
            f"| {r.median_s} / {r.max_s} | {'yes' if r.symmetric else 'no'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matrix", description=__doc__)
    parser.add_argument("--district", default=None, help="district folder (default: Xinjiekou)")
    parser.add_argument("--points", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--mode", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="fresh networks per figure")
    parser.add_argument(
        "--max-edge-m",
        type=float,
        default=MAX_EDGE_M or 0.0,
        help=f"split streets longer than this, 0 = never (default {MAX_EDGE_M})",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown file to write")
    args = parser.parse_args(argv)
    max_edge_m = args.max_edge_m if args.max_edge_m > 0 else None
    if any(n < 2 for n in args.points) or args.repeat < 1:
        print("Error: --points must be at least 2 and --repeat at least 1.", file=sys.stderr)
        return 2
    try:
        t = time.perf_counter()
        district = load_district(args.district)
        load_ms = _ms(t)
        t = time.perf_counter()
        net = StreetNetwork.from_streets(
            district.streets, work_crs=district.work_crs, max_edge_m=max_edge_m
        )
        build_ms = _ms(t)
    except InputError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2

    host = machine()
    rng = np.random.default_rng(args.seed)
    boundary = district.boundary_polygon
    rows = []
    for n in args.points:
        points = random_points(boundary, n, rng)
        for mode in args.mode:
            rows.append(run_one(district, points, mode, args.repeat, max_edge_m))
            print(table(rows[-1:]).splitlines()[-1], flush=True)

    km = district.streets["length"].sum() / 1000
    speeds = ", ".join(f"{m} {SPEEDS_MPS[m] * 3.6:g} km/h" for m in MODES)
    command = "python -m bench.matrix " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join(
        [
            "# Travel-time matrix benchmark",
            "",
            f"Command: `{command.strip()}` (seed {args.seed}, median of {args.repeat} fresh "
            f"networks per figure), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            f"Machine: {host}.",
            f"District: {district.name} ({district.path}), {len(district.streets)} streets, "
            f"{km:.1f} km; streets split every {max_edge_m or 'never'} m: {net.n_nodes} nodes; "
            f"load {load_ms:.0f} ms, "
            f"network {build_ms:.0f} ms. Speeds: {speeds}.",
            "",
            "Points are uniform random inside the district boundary. *graph*: first use of the "
            "mode (per-mode CSR graph, strongly connected part, k-d tree). *snap*: nearest "
            "reachable node. *matrix cold*: `net.matrix(nodes, nodes)`, one multi-source "
            "Dijkstra (scipy.sparse.csgraph) from every distinct snapped node, wall clock and "
            "(in brackets) CPU time of the process, which a busy machine skews less. "
            "*matrix warm*: "
            "the same call again, rows from the cache. *points matrix*: "
            "`travel_time_matrix(net, points)` on the warm network (snap, access legs, "
            "rounding). Seconds are door-to-door including access legs.",
            "",
            table(rows),
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
