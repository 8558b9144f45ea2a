"""Load the web app on loopback: concurrent clients on the map, roster and route pages.

Usage::

    flock /tmp/patrol-bench.lock python -m bench.web_load [--clients 20] [--seconds 60]

Starts ``patrol run`` on a free loopback port with a fresh instance folder (the default district
and its two-day demo plan, made in the background on first start), creates a captain, waits for
the demo plan, then lets each client log in and request the district map, the plan page (roster
calendar), a route page and its map in turn for the given time. Prints the requests, errors and
p50/p95 latency per page and writes ``bench/results/web_load.md``. Only 127.0.0.1 is contacted;
the loop is bounded in time and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.machine import cpu_model

if TYPE_CHECKING:
    from collections.abc import Iterator

RESULTS = Path(__file__).resolve().parent / "results"
USER, PASSWORD = "load-captain", "load-captain-pass"

PATROL = str(Path(sys.executable).with_name("patrol"))
"""The `patrol` command of this Python environment (found beside its interpreter)."""


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(*, threads: bool = False) -> Iterator[str]:
    """Run ``patrol run`` on a free loopback port with a fresh instance and a captain.

    Yields the server's base URL once its login page answers; stops the server at the end.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="patrol-bench-") as instance:
        env = {**os.environ, "PATROL_INSTANCE": instance}
        subprocess.run(
            [PATROL, "users", "create", USER, "--role", "captain", "--password-stdin"],
            input=PASSWORD + "\n",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
        command = [PATROL, "run", "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(
            command + (["--with-threads"] if threads else []),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/login", timeout=5).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def logged_in(base: str) -> urllib.request.OpenerDirector:
    """Return an opener with a logged-in captain's session cookie."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(base + "/login", timeout=30).read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match is None:
        msg = "the login page has no CSRF token"
        raise RuntimeError(msg)
    form = {"name": USER, "password": PASSWORD, "csrf_token": match.group(1)}
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode(), timeout=30).read()
    return opener


def wait_for_route(base: str, opener: urllib.request.OpenerDirector, timeout: float) -> str:
    """Wait until the demo plan has routes; return the path of its first route page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            page = opener.open(base + "/plans/1", timeout=30).read().decode()
            match = re.search(r'href="(/plans/1/routes/[^"/?#]+)"', page)
            if match:
                return match.group(1)
        except OSError:
            pass
        time.sleep(1.0)
    msg = f"the demo plan had no routes after {timeout:.0f} s"
    raise RuntimeError(msg)


def run_load(base: str, pages: list[str], clients: int, seconds: float) -> dict[str, list[float]]:
    """Let ``clients`` threads request ``pages`` in turn for ``seconds``; return latencies."""
    openers = [logged_in(base) for _ in range(clients)]
    for page in pages:  # warm the caches once, as a first visitor would
        openers[0].open(base + page, timeout=120).read()
    latency: dict[str, list[float]] = {page: [] for page in pages}
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(k: int, opener: urllib.request.OpenerDirector) -> None:
        while time.monotonic() < stop:
            page = pages[k % len(pages)]
            k += 1
            started = time.perf_counter()
            try:
                with opener.open(base + page, timeout=60) as response:
                    response.read()
                    if response.status != 200:
                        errors.append(f"{page}: HTTP {response.status}")
            except OSError as exc:
                errors.append(f"{page}: {exc}")
            latency[page].append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(i, op)) for i, op in enumerate(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latency["errors"] = [float(len(errors))]
    for line in errors[:5]:
        print("error:", line, file=sys.stderr)
    return latency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "web_load.md")
    args = parser.parse_args(argv)

    with serving(threads=True) as base:
        route = wait_for_route(base, logged_in(base), timeout=300)
        pages = ["/map/frame", "/plans/1", route, route + "/map"]
        latency = run_load(base, pages, args.clients, args.seconds)

    errors = int(latency.pop("errors")[0])
    total = sum(len(v) for v in latency.values())
    rows = []
    for page, values in latency.items():
        values.sort()
        p95 = values[max(0, int(0.95 * len(values)) - 1)]
        rows.append(
            f"| `{page}` | {len(values)} | {statistics.median(values) * 1000:.0f} "
            f"| {p95 * 1000:.0f} |"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = "\n".join(
        [
            "# Web app under load on loopback",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.web_load "
            f"--clients {args.clients} --seconds {args.seconds:g}` against `patrol run` "
            f"(Flask's threaded development server) on {cpu_model()}, "
            f"{os.cpu_count()} cores; load average {load} at the end.",
            "",
            "| page | requests | p50 ms | p95 ms |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            f"{total} requests, {errors} errors.",
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
