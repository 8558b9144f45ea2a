"""Solve Team Orienteering Problem with Time Windows instances with the routing core.

Usage: ``python -m bench.toptw FILES... --m M --seconds S --out routes.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import numpy as np

from planner.checks.routes import earliest_routes, validate_routes
from planner.exceptions import ProblemError
from planner.routing.model import RoutingProblem, Site, Vehicle
from planner.routing.solve import RouteParams, solve_routes

MODE = "euclid"


@dataclass(frozen=True, slots=True)
class Instance:
    """A TOPTW instance with times in units of 10**-decimals."""

    name: str
    decimals: int
    coords: list[tuple[Fraction, Fraction]]
    service: list[int]
    score: list[int]
    open: list[int]
    close: list[int]
    matrix: np.ndarray

    @property
    def tmax(self) -> int:
        """Latest return to the base."""
        return self.close[0]


def _num(tok: str, path: Path) -> Fraction:
    try:
        return Fraction(Decimal(tok))
    except (InvalidOperation, ValueError):
        msg = f"{path}: {tok!r} is not a number."
        raise ProblemError(msg) from None


def _units(x: Fraction, scale: int, path: Path, what: str) -> int:
    v = x * scale
    if v.denominator != 1:
        msg = f"{path}: {what} {float(x)} has more decimals than the time unit allows."
        raise ProblemError(msg)
    return int(v)


def default_decimals(path: Path) -> int:
    """Return the truncation decimals of a file: 2 for Cordeau's pr files, 1 for Solomon's."""
    return 2 if path.stem.lower().startswith("pr") or "cordeau" in str(path).lower() else 1


def truncated_matrix(coords: list[tuple[Fraction, Fraction]], decimals: int) -> np.ndarray:
    """Euclidean distances truncated to ``decimals``, exactly, in units of 10**-decimals."""
    den = 1
    for x, y in coords:
        den = math.lcm(den, x.denominator, y.denominator)
    pts = [(int(x * den), int(y * den)) for x, y in coords]
    sq = 10 ** (2 * decimals)
    n = len(pts)
    out = np.zeros((n, n), dtype=np.int64)
    for i, (xi, yi) in enumerate(pts):
        for j in range(i + 1, n):
            xj, yj = pts[j]
            d = math.isqrt(((xi - xj) ** 2 + (yi - yj) ** 2) * sq) // den
            out[i, j] = out[j, i] = d
    return out


def read_instance(path: str | Path, decimals: int | None = None) -> Instance:
    """Read a TOPTW file (whitespace-token stream, see the format notes of the benchmark).

    Raises
    ------
    ProblemError
        When the file is missing, truncated or holds something that is not a number.
    """
    path = Path(path)
    try:
        toks = path.read_text().split()
    except OSError as exc:
        msg = f"{path}: cannot read the instance ({exc.strerror})."
        raise ProblemError(msg) from None
    dec = default_decimals(path) if decimals is None else decimals
    scale = 10**dec
    pos = 0

    def take() -> str:
        nonlocal pos
        if pos >= len(toks):
            msg = f"{path}: the file ends early, after {pos} numbers."
            raise ProblemError(msg)
        pos += 1
        return toks[pos - 1]

    take()
    take()
    n = int(_num(take(), path))
    take()
    take()
    take()
    coords, service, score, opn, close = [], [], [], [], []
    for k in range(n + 1):
        i = int(_num(take(), path))
        if i != k:
            msg = f"{path}: expected vertex {k}, found {i}."
            raise ProblemError(msg)
        x, y = _num(take(), path), _num(take(), path)
        d, s = _num(take(), path), _num(take(), path)
        take()
        a = int(_num(take(), path))
        for _ in range(a):
            take()
        o, c = _num(take(), path), _num(take(), path)
        coords.append((x, y))
        service.append(_units(d, scale, path, f"vertex {i} service"))
        if s.denominator != 1:
            msg = f"{path}: vertex {i} has a fractional score {float(s)}."
            raise ProblemError(msg)
        score.append(int(s))
        opn.append(_units(o, scale, path, f"vertex {i} opening"))
        close.append(_units(c, scale, path, f"vertex {i} closing"))
    return Instance(
        path.stem, dec, coords, service, score, opn, close, truncated_matrix(coords, dec)
    )


def to_problem(inst: Instance, m: int) -> RoutingProblem:
    """Return the TOPTW instance with ``m`` routes as a routing problem (site id = vertex)."""
    sites = tuple(
        Site(
            id=str(i),
            node=i,
            value=inst.score[i],
            service=inst.service[i],
            windows=((inst.open[i], inst.close[i]),),
        )
        for i in range(1, len(inst.score))
    )
    vehicles = tuple(
        Vehicle(id=f"route{r + 1}", start=0, end=0, window=(inst.open[0], inst.tmax), mode=MODE)
        for r in range(m)
    )
    return RoutingProblem({MODE: inst.matrix}, sites, vehicles)


def check_case(inst: Instance, m: int, routes: list[list[int]]) -> tuple[int, list[str]]:
    """Return the validator score and violations of vertex routes for an instance."""
    problem = to_problem(inst, m)
    plan = {f"route{r + 1}": [str(v) for v in route] for r, route in enumerate(routes)}
    check = validate_routes(problem, earliest_routes(problem, plan))
    return check.value, [v.message for v in check.violations]


def solve_case(path: str | Path, m: int, seconds: float, seed: int = 0, **kw: object) -> dict:
    """Solve one case and return its JSON record, score recomputed by the validator."""
    inst = read_instance(path)
    problem = to_problem(inst, m)
    result = solve_routes(problem, RouteParams(time_limit=seconds, **kw), seed=seed)  # type: ignore[arg-type]
    routes = [[int(s) for s in r.site_ids] for r in result.routes]
    score, problems = check_case(inst, m, routes)
    return {
        "file": str(path),
        "m": m,
        "score": score,
        "routes": routes,
        "valid": not problems,
        "violations": problems,
        "solver_value": result.objective,
        "engine": result.engine,
        "runtime": round(result.runtime, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog="python -m bench.toptw", description=__doc__)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--m", type=int, required=True, help="number of routes")
    ap.add_argument("--seconds", type=float, default=10.0, help="wall seconds per case")
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engine", default="auto", choices=["auto", "ortools", "portfolio"])
    args = ap.parse_args(argv)
    if args.m < 1:
        print("Error: --m must be at least 1.", file=sys.stderr)
        return 2
    cases = []
    try:
        for f in args.files:
            rec = solve_case(f, args.m, args.seconds, args.seed, engine=args.engine)
            cases.append(rec)
            print(f"{Path(f).stem} m={args.m}: score {rec['score']} ({rec['engine']})")
    except ProblemError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_text(json.dumps({"cases": cases}, indent=1))
    return 0 if all(c["valid"] for c in cases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
