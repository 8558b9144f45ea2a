"""Opening hours of every key area on every day of a horizon, as the planner asks for them.

Usage: ``python -m bench.opening_hours [--district D] [--days 7] [--repeat 5]
[--out bench/results/opening_hours.md]``.

*cold*: parse caches cleared, then :func:`geodata.hours.open_intervals` for each key area and
day; *warm*: the same calls again (cached); *parse*: ``opening_hours.OpeningHours`` on each
distinct expression, uncached. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import opening_hours as oh

from bench.machine import cpu_model
from geodata import hours
from geodata.bundle import load_district


def _calls(areas: list[tuple[str, str]], days: list[date], country: str | None) -> int:
    n = 0
    for text, category in areas:
        for day in days:
            hours.open_intervals(text, category, day, country=country)
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--district", type=Path, default=None)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 12, 7))
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    district = load_district(args.district)
    ka = district.key_areas
    texts = ka["opening_hours"] if "opening_hours" in ka.columns else [""] * len(ka)
    areas = [(str(t), str(c)) for t, c in zip(texts, ka["category"], strict=True)]
    days = [args.start + timedelta(days=k) for k in range(args.days)]
    country = district.manifest.get("country")
    cold, warm, parse = [], [], []
    expressions = sorted({hours.area_hours(t, c) for t, c in areas})
    load = os.getloadavg()
    for _ in range(args.repeat):
        hours.clear_cache()
        t = time.perf_counter()
        n = _calls(areas, days, country)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        _calls(areas, days, country)
        warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        for text in expressions:
            oh.OpeningHours(text, country=country or None)
        parse.append(time.perf_counter() - t)
    lines = [
        "# Opening hours benchmark",
        "",
        f"Command: `python -m bench.opening_hours --days {args.days} --repeat {args.repeat}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: nproc {os.cpu_count()}, {cpu_model()}, Python {platform.python_version()}; "
        f"load average {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} at the start.",
        f"District: {district.name} ({len(areas)} key areas, {len(expressions)} distinct "
        f"expressions, country {country}); {args.days} days from {args.start}: {n} calls.",
        "",
        "| run | median ms | per call µs |",
        "|---|---:|---:|",
        f"| cold (parse + intervals) | {1000 * statistics.median(cold):.1f} | "
        f"{1e6 * statistics.median(cold) / n:.1f} |",
        f"| warm (cached) | {1000 * statistics.median(warm):.1f} | "
        f"{1e6 * statistics.median(warm) / n:.2f} |",
        f"| parse only, {len(expressions)} expressions | {1000 * statistics.median(parse):.2f} | "
        f"{1e6 * statistics.median(parse) / len(expressions):.1f} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
