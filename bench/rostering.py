"""Solve a Curtois & Qu instance: ``python -m bench.rostering FILE --seconds S --out F``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from planner.checks.roster import check_roster
from planner.exceptions import ProblemError
from planner.roster.model import Cover, RosterProblem, ShiftRequest, ShiftType, Staff
from planner.roster.solve import RosterParams, solve_roster


def _sections(path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    out: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            out[current] = []
        elif current is None:
            msg = f"{path.name} line {no}: data before any SECTION_ header."
            raise ProblemError(msg)
        else:
            out[current].append((no, [f.strip() for f in line.split(",")]))
    return out


def read_instance(path: str | Path) -> RosterProblem:
    """Read a Curtois & Qu instance file (.txt) into a :class:`RosterProblem`.

    Cover weights and requests are soft; everything else is hard, as in the benchmark.
    """
    path = Path(path)
    sec = _sections(path)
    try:
        days = int(sec["SECTION_HORIZON"][0][1][0])
        shifts = []
        for _, f in sec["SECTION_SHIFTS"]:
            nxt = frozenset(x for x in f[2].split("|") if x) if len(f) > 2 else frozenset()
            shifts.append(ShiftType(f[0], int(f[1]), forbidden_next=nxt))
        off: dict[str, set[int]] = {}
        for _, f in sec.get("SECTION_DAYS_OFF", []):
            off.setdefault(f[0], set()).update(int(x) for x in f[1:] if x)
        staff = []
        for _, f in sec["SECTION_STAFF"]:
            maxes = tuple((kv.split("=")[0], int(kv.split("=")[1])) for kv in f[1].split("|") if kv)
            staff.append(
                Staff(
                    f[0],
                    max_shifts=maxes,
                    max_minutes=int(f[2]),
                    min_minutes=int(f[3]),
                    max_consecutive=int(f[4]),
                    min_consecutive=int(f[5]),
                    min_consecutive_off=int(f[6]),
                    max_weekends=int(f[7]),
                    days_off=frozenset(off.get(f[0], ())),
                )
            )
        requests = [
            ShiftRequest(f[0], int(f[1]), f[2], int(f[3]), on=True)
            for _, f in sec.get("SECTION_SHIFT_ON_REQUESTS", [])
        ] + [
            ShiftRequest(f[0], int(f[1]), f[2], int(f[3]), on=False)
            for _, f in sec.get("SECTION_SHIFT_OFF_REQUESTS", [])
        ]
        cover = [
            Cover(int(f[0]), f[1], int(f[2]), int(f[3]), int(f[4]))
            for _, f in sec.get("SECTION_COVER", [])
        ]
    except (KeyError, IndexError, ValueError) as exc:
        msg = f"{path.name} is not a valid Curtois instance ({exc})."
        raise ProblemError(msg) from exc
    return RosterProblem(
        days=days,
        staff=tuple(staff),
        shifts=tuple(shifts),
        cover=tuple(cover),
        requests=tuple(requests),
        name=path.stem,
    )


def peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--json", action="store_true", help="Print one JSON line with figures and peak memory."
    )
    args = parser.parse_args(argv)
    try:
        problem = read_instance(args.file)
    except (ProblemError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    result = solve_roster(
        problem, RosterParams(time_limit=args.seconds, num_workers=args.workers), seed=args.seed
    )
    if args.json:
        check = check_roster(problem, result.assignment) if result.is_feasible() else None
        figures = {
            "instance": problem.name,
            "staff": len(problem.staff),
            "days": problem.days,
            "shifts": len(problem.shifts),
            "status": result.status.value,
            "objective": check.objective if check is not None and check.ok else None,
            "bound": result.bound,
            "runtime": round(result.runtime, 2),
            "first_roster": None if result.first_roster is None else round(result.first_roster, 2),
            "peak_mb": round(peak_mb()),
        }
        print(json.dumps(figures))
        return 0 if check is not None and check.ok else 1
    if not result.is_feasible():
        print(f"{problem.name}: {result.summary()}", file=sys.stderr)
        return 1
    check = check_roster(problem, result.assignment)
    if args.out:
        doc = {
            "instance": problem.name,
            "objective": check.objective,
            "assignment": result.assignment,
        }
        args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    hard = f", {len(check.hard)} HARD VIOLATIONS" if check.hard else ""
    print(f"{problem.name}: objective {check.objective} ({result.summary()}){hard}")
    return 0 if check.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
