"""Stable re-solves and carry-in on the default district, with and without the roster in force.

Usage: ``python -m bench.rostering_stable [--seconds 20]``; writes
bench/results/rostering_stable.md. Every case is solved twice in one run: as a fresh roster
(the rules file alone) and against the roster in force (``--baseline``), and both rosters are
judged by the independent checker on the same problem with the days before the period.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.machine import cpu_model
from planner.checks.roster import check_roster
from planner.patrol.baseline import Baseline, apply_baseline, changed_cells
from planner.patrol.inputs import resolve_files
from planner.patrol.roster import PatrolRoster, build_patrol_problem
from planner.roster.solve import RosterParams, solve_roster

if TYPE_CHECKING:
    from planner.roster.model import Pin

ROOT = Path(__file__).resolve().parents[1]
START = dt.date(2026, 12, 7)


def _rules_with_leave(folder: Path, entries: list[tuple[str, dt.date, dt.date]]) -> Path:
    _, rules, _ = resolve_files(None)
    text = rules.read_text(encoding="utf-8")
    for member, first, last in entries:
        text += f'\n[[leave]]\nmember = "{member}"\nfrom = "{first}"\nto = "{last}"\n'
    path = folder / f"rules_{len(list(folder.iterdir()))}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _baseline(roster: PatrolRoster, params: RosterParams) -> Baseline:
    result = solve_roster(roster.problem, params, seed=0)
    assert result.is_feasible()
    schedule = {g: tuple(row) for g, row in result.assignment.items()}
    return Baseline(roster.dates, schedule, "baseline")


def _row(
    case: str,
    how: str,
    roster: PatrolRoster,
    judge: PatrolRoster,
    pins: tuple[Pin, ...],
    params: RosterParams,
) -> tuple[str, ...]:
    """Solve ``roster`` and judge it on ``judge``'s problem with only the rules' ``pins``."""
    t0 = time.monotonic()
    result = solve_roster(roster.problem, params, seed=0)
    elapsed = time.monotonic() - t0
    if not result.is_feasible():
        return (case, how, "none", "", "", "", "", f"{elapsed:.1f}")
    changed = changed_cells(judge, result.assignment)
    frozen = judge.freeze_until
    early = [c for c in changed if frozen is not None and dt.date.fromisoformat(c["date"]) < frozen]
    # Judge both rosters on the same problem: rules plus the days before the period, without
    # the change penalty (so objectives compare the rules' own penalties).
    problem = dataclasses.replace(judge.problem, keep=(), pins=pins)
    check = check_roster(problem, result.assignment, result.lending)
    boundary = [v for v in (*check.hard, *check.soft) if 0 in v.days and v.rule != "pattern"]
    return (
        case,
        how,
        str(check.objective),
        str(len(check.hard)),
        str(len(changed)),
        str(len(early)),
        str(len(boundary)),
        f"{elapsed:.1f}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "rostering_stable.md"
    )
    args = parser.parse_args(argv)
    params = RosterParams(time_limit=args.seconds, num_workers=2)
    _, rules, teams = resolve_files(None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = [
            # (name, days, leave entries, freeze day or None)
            (
                "whole group on leave days 11-12 of 28, frozen before day 11",
                28,
                "group",
                11,
            ),
            ("two members of a group on leave on day 3 of a week", 7, "pair", None),
        ]
        for name, days, kind, freeze_day in cases:
            plain = build_patrol_problem(rules, START, days, teams=teams)
            base = _baseline(plain, params)
            if kind == "group":
                group = next(g for g, row in base.schedule.items() if row[11] == "D")
                first, last = START + dt.timedelta(days=11), START + dt.timedelta(days=12)
                entries = [(f"{group}{n}", first, last) for n in range(1, 5)]
            else:
                group = next(g for g, row in base.schedule.items() if row[3] == "N")
                day = START + dt.timedelta(days=3)
                entries = [(f"{group}1", day, day), (f"{group}2", day, day)]
            path = _rules_with_leave(folder, entries)
            fresh = build_patrol_problem(path, START, days, teams=teams)
            freeze = None if freeze_day is None else START + dt.timedelta(days=freeze_day)
            stable = apply_baseline(fresh, base, freeze_until=freeze)
            pins = fresh.problem.pins
            rows.append(_row(name, "rules alone", fresh, stable, pins, params))
            rows.append(_row(name, "--baseline", stable, stable, pins, params))
        # Carry-in: a week right after the roster in force, for eight different last days.
        plain = build_patrol_problem(rules, START, 28, teams=teams)
        full = _baseline(plain, params)
        totals: dict[str, list[float]] = {}
        for k in range(3, 11):
            base = Baseline(full.dates[:k], {g: r[:k] for g, r in full.schedule.items()})
            fresh = build_patrol_problem(rules, START + dt.timedelta(days=k), 7, teams=teams)
            carried = apply_baseline(fresh, base)
            pins = fresh.problem.pins
            for how, roster in (("rules alone", fresh), ("--baseline (carry-in)", carried)):
                row = _row("", how, roster, carried, pins, params)
                acc = totals.setdefault(how, [0.0] * 6)
                for i, value in enumerate(row[2:]):
                    acc[i] += float(value or 0)
        name = "a week after the roster in force (sum of 8 weeks, last day 3-10)"
        for how, acc in totals.items():
            rows.append((name, how, *(f"{v:g}" for v in acc[:5]), f"{acc[5]:.1f}"))
    lines = [
        "# Stable re-solves and carry-in (default district)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with "
        f"`python -m bench.rostering_stable --seconds {args.seconds:g}` on {cpu_model()}, "
        f"{os.cpu_count()} cores visible. Both rows of a case come from this one run and are "
        "judged by planner.checks.roster on the same problem (the rules plus the days before "
        "the period, and the rotation going on from there); the objective leaves out the "
        "change penalty.",
        "",
        "| case | solved with | objective | hard breaches | cells changed | changed before "
        "freeze | breaches at the period's start | time s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
