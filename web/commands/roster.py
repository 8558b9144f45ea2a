"""The `patrol roster` command: a patrol roster for a district, with its reasons in words."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.exceptions import RulesError

if TYPE_CHECKING:
    from collections.abc import Callable


def baseline_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--baseline FILE`` and ``--freeze-until DATE`` to a command that makes a roster."""
    command = click.option(
        "--freeze-until",
        "freeze_until",
        default=None,
        help="Keep the baseline exactly before this date, YYYY-MM-DD.",
    )(command)
    return click.option(
        "--baseline",
        "baseline",
        type=click.Path(path_type=Path),
        default=None,
        help="The roster in force (plan.json or roster JSON): change as few of its cells as "
        "possible.",
    )(command)


def _date(value: str, option: str = "--start") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        msg = f"{option} must be a date like 2026-12-07, not {value!r}."
        raise RulesError(msg) from exc


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render(doc: dict[str, Any], lines: list[str]) -> str:
    """Render the roster as a text table (groups x dates), then the explanation lines."""
    dates = [dt.date.fromisoformat(d) for d in doc["dates"]]
    width = max(_width(g["name"]) for g in doc["groups"])
    head_w = "".join("MTWTFSS"[d.weekday()] for d in dates)
    head_d = "".join(str(d.day % 10) for d in dates)
    out = [
        f"{doc['name']}: {dates[0]} to {dates[-1]}",
        f"{'':{width}}  {head_w}",
        f"{'':{width}}  {head_d}",
    ]
    for g in doc["groups"]:
        row = doc["assignment"].get(g["id"], [])
        out.append(_pad(g["name"], width) + "  " + "".join(s if s else "." for s in row))
    shifts = ", ".join(f"{s['id']} = {s['name']}" for s in doc["shifts"])
    out.append(f"({shifts}; . = off)")
    for item in doc["surge"]:
        out.append(f"Surge: {item['date']} {item['name']}.")
    for item in doc["lending"]:
        out.append(f"Fill-in: {item['member']} joins group {item['group']} on {item['date']}.")
    if "changed" in doc:
        base = doc["baseline"]
        frozen = f", kept as is before {base['freeze_until']}" if base["freeze_until"] else ""
        out.append(f"Changed from {base['file']}{frozen}: {len(doc['changed'])} cell(s).")
        for item in doc["changed"]:
            out.append(
                f"Changed: group {item['group']} on {item['date']}: "
                f"{item['before'] or 'off'} -> {item['after'] or 'off'}."
            )
    out += lines
    out += [f"Note: {n}" for n in doc["notes"]]
    return "\n".join(out)


@click.command("roster")
@click.option(
    "--district",
    "district",
    type=click.Path(path_type=Path),
    default=None,
    help="District folder (default: the default district).",
)
@click.option("--start", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--days", "days", required=True, type=int, help="Number of days.")
@click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=None,
    help="Rules file (default: the district's rules.toml).",
)
@click.option(
    "--out", "out", type=click.Path(path_type=Path), default=None, help="Write JSON here."
)
@click.option("--json", "as_json", is_flag=True, help="Print the roster as JSON.")
@baseline_options
@click.option("--time-limit", "time_limit", default=10.0, show_default=True, type=float)
@click.option("--seed", "seed", default=0, show_default=True, type=int)
def roster(
    district: Path | None,
    start: str,
    days: int,
    rules: Path | None,
    out: Path | None,
    as_json: bool,
    baseline: Path | None,
    freeze_until: str | None,
    time_limit: float,
    seed: int,
) -> None:
    """Roster the district's patrol groups: who works which shift on which day."""
    from planner.dates import days_problem, seed_problem, start_problem
    from planner.patrol.roster import roster_document, roster_for_district
    from planner.roster.explain import describe

    first = _date(start)
    checks = (
        ("--days", days_problem(days)),
        ("--start", start_problem(first, days)),
        ("--seed", seed_problem(seed)),
    )
    for option, why in checks:
        if why:
            msg = f"{option} {why}."
            raise RulesError(msg)
    frozen = None if freeze_until is None else _date(freeze_until, "--freeze-until")
    base = None
    if baseline is not None:
        from planner.patrol.baseline import read_baseline

        base = read_baseline(baseline)
    problem, result = roster_for_district(
        district,
        first,
        days,
        rules=rules,
        time_limit=time_limit,
        seed=seed,
        baseline=base,
        freeze_until=frozen,
    )
    doc = roster_document(problem, result)
    if out is not None:
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        shown = doc if result.is_feasible() or "relaxed" not in doc else {**doc, **doc["relaxed"]}
        click.echo(render(shown, describe(problem.problem, result)))
    if not result.is_feasible():
        raise SystemExit(1)
