"""Plan a city's districts on Celery workers: throughput on 1 and on 2 worker processes.

Usage::

    flock /tmp/patrol-bench.lock python -m bench.city [--districts 6] [--days 7]
        [--time-limit SECONDS] [--workers 1 2]

Starts a redis-server of its own on a free loopback port (Debian's ``redis-server``), makes
K district bundles (copies of the default district under K names and, when
``../shared/data/osm/shenzhen_longgang.osm`` is there, every third one a copy of that district
imported with ``patrol import-osm``), then for each worker count W: a fresh SQLite database,
W ``patrol worker --concurrency 1`` processes (one core per job, ``PATROL_JOB_CORES=1``),
waits until they are ready, and times ``patrol city plan --districts ... --wait`` from
submission until every district's outputs are written. Prints and writes
``bench/results/city.md``: wall time, plans per hour, the jobs' own solve times and the
scaling of W workers against one. Only 127.0.0.1 is contacted; every process it starts is
stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import cpu_model

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DISTRICT = ROOT / "geodata" / "districts" / "xinjiekou"
IMPORTED_OSM = ROOT.parent / "shared" / "data" / "osm" / "shenzhen_longgang.osm"

PATROL = str(Path(sys.executable).with_name("patrol"))
"""The `patrol` command of this Python environment (found beside its interpreter)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_bundle(source: Path, dest: Path, ident: str) -> Path:
    """Copy a bundle's files (not ``source/``) to ``dest`` under the district id ``ident``."""
    dest.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_file():
            shutil.copy2(entry, dest / entry.name)
    manifest = dest / "manifest.toml"
    lines = [x for x in manifest.read_text(encoding="utf-8").splitlines() if not x.startswith("id")]
    manifest.write_text(f'id = "{ident}"\n' + "\n".join(lines) + "\n", encoding="utf-8")
    return dest


def make_districts(work: Path, count: int, env: dict[str, str]) -> tuple[list[Path], str]:
    """Return ``count`` bundle folders and a line saying what they are."""
    imported = None
    if IMPORTED_OSM.is_file():
        imported = work / "imported"
        subprocess.run(
            [PATROL, "import-osm", str(IMPORTED_OSM), "--out", str(imported), "--name", "Longgang"],
            env=env,
            check=True,
            capture_output=True,
        )
    folders = []
    for k in range(count):
        source = imported if imported is not None and k % 3 == 2 else DEFAULT_DISTRICT
        folders.append(copy_bundle(source, work / "districts" / f"d{k + 1:02d}", f"d{k + 1:02d}"))
    kinds = sum(1 for k in range(count) if imported is not None and k % 3 == 2)
    what = f"{count - kinds} copies of the default district (Xinjiekou)"
    if kinds:
        what += f" and {kinds} of Longgang imported from `{IMPORTED_OSM.name}`"
    return folders, what


def start_redis(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not found; apt-get install redis-server")
    port = free_port()
    folder = work / "redis"
    folder.mkdir()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    server.kill()
    sys.exit("redis-server did not start")


def start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    """Start ``count`` one-process workers and wait until each says it is ready."""
    workers = []
    for w in range(count):
        log = logs / f"worker{w + 1}.log"
        with open(log, "wb") as out:
            workers.append(
                subprocess.Popen(
                    [PATROL, "worker", "--concurrency", "1"],
                    env=env | {"PATROL_INSTANCE": str(logs / f"worker{w + 1}")},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    deadline = time.monotonic() + 120
    for w in range(count):
        log = logs / f"worker{w + 1}.log"
        while "ready" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline or workers[w].poll() is not None:
                stop(workers)
                sys.exit(f"worker {w + 1} did not start; see {log}")
            time.sleep(0.2)
    return workers


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def job_seconds(db: Path) -> list[float]:
    """Return each done job's seconds from its (last) start to its end."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT started_at, finished_at FROM jobs WHERE status = 'done'"
        ).fetchall()
    return [
        (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() for a, b in rows
    ]


def run(workers: int, folders: list[Path], args: argparse.Namespace, base: dict[str, str],
        work: Path) -> dict[str, Any]:  # fmt: skip
    """Plan every district on ``workers`` workers; return the figures of the run."""
    run_dir = work / f"w{workers}"
    run_dir.mkdir()
    db = run_dir / "city.sqlite3"
    env = base | {"PATROL_DATABASE_URL": f"sqlite:///{db}", "PATROL_INSTANCE": str(run_dir / "i")}
    subprocess.run([PATROL, "db", "upgrade"], env=env, check=True, capture_output=True)
    procs = start_workers(workers, env, run_dir)
    out = str(run_dir / "out")
    command = [PATROL, "city", "plan", "--districts", *map(str, folders), "--start",
               args.start, "--days", str(args.days), "--out", out, "--wait"]  # fmt: skip
    if args.time_limit is not None:
        command += ["--time-limit", str(args.time_limit)]
    try:
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - began
        load_after = os.getloadavg()[0]
    finally:
        stop(procs)
    if done.returncode != 0:
        sys.exit(f"patrol city plan failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    seconds = job_seconds(db)
    return {
        "workers": workers,
        "wall": wall,
        "per_hour": len(folders) * 3600 / wall,
        "job_median": statistics.median(seconds),
        "job_max": max(seconds),
        "load": (load_before, load_after),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=6, help="districts K (default 6)")
    parser.add_argument("--days", type=int, default=7, help="days per plan (default 7)")
    parser.add_argument("--start", default="2026-12-07")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per district")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-city-") as tmp:
        work = Path(tmp)
        base = {k: v for k, v in os.environ.items() if not k.startswith("PATROL_")}
        base |= {"PATROL_INSTANCE": str(work / "instance"), "PATROL_JOB_CORES": "1"}
        folders, what = make_districts(work, args.districts, base)
        redis, url = start_redis(work)
        base["PATROL_BROKER_URL"] = url
        try:
            figures = []
            for w in args.workers:
                figures.append(run(w, folders, args, base, work))
                f = figures[-1]
                print(f"{w} worker(s): {f['wall']:.1f} s, {f['per_hour']:.1f} plans/h", flush=True)
        finally:
            redis.terminate()
            redis.wait()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    first = figures[0]
    budget = "the default budget" if args.time_limit is None else f"{args.time_limit:g} s"
    flags = f"--districts {args.districts} --days {args.days}"
    if args.time_limit is not None:
        flags += f" --time-limit {args.time_limit:g}"
    if args.workers != [1, 2]:
        flags += " --workers " + " ".join(map(str, args.workers))
    lines = [
        "# A city's districts on Celery workers",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.city {flags}` on "
        f"{cpu_model()}, {os.cpu_count()} cores; load average {load} at the end. "
        f"{args.districts} districts ({what}), {args.days} days each from {args.start}, "
        f"solved within {budget}; each worker is `patrol worker --concurrency 1` with one core "
        "per job, the broker a local redis-server, the store one SQLite file. Wall time runs "
        "from `patrol city plan --wait` submitting the plans until the last district's outputs "
        "are written (workers started and ready before). The load average (1 min) before and "
        "after each run shows how much of the 2 cores other work took meanwhile: scaling "
        "needs both cores free.",
        "",
        "| workers | wall s | plans per hour | job s, median | job s, longest | scaling "
        "| load before, after |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        scaling = f["per_hour"] / first["per_hour"]
        lines.append(
            f"| {f['workers']} | {f['wall']:.1f} | {f['per_hour']:.1f} | {f['job_median']:.1f} "
            f"| {f['job_max']:.1f} | {scaling:.2f}x | {f['load'][0]:.1f}, {f['load'][1]:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "city.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
