"""The `patrol city plan` command: plan many districts at once, on workers or in process.

Each district becomes a planning job in the database with its bundle packed in it
(:data:`web.jobs.queue.INPUTS_FILE`). With ``PATROL_BROKER_URL`` set the jobs go to the Celery
workers (``patrol worker``); without it they run one after another in this process, through
the same code. With ``--wait`` (always, in process) each district's outputs, as
``patrol plan`` writes them, are unpacked into ``OUT/<district id>/``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from geodata.errors import InputError

if TYPE_CHECKING:
    from flask import Flask

POLL_SECONDS = 1.0
"""How often ``--wait`` reads the jobs' state."""


class CityPlanError(InputError):
    """A city plan that cannot be made as asked (one sentence saying why)."""


def district_folders(names: tuple[str, ...]) -> dict[str, Path]:
    """Return district id -> bundle folder of the given folders, refusing bad or repeated ones.

    Raises
    ------
    CityPlanError
        When a folder is no district bundle or two folders are the same district.
    """
    from geodata.bundle import district_id, read_manifest

    found: dict[str, Path] = {}
    for name in names:
        folder = Path(name)
        if not (folder / "manifest.toml").is_file():
            msg = f"{name} is not a district bundle folder (it has no manifest.toml)."
            raise CityPlanError(msg)
        ident = district_id(folder, read_manifest(folder))
        if ident in found:
            msg = f"{name} and {found[ident]} are both district {ident!r}; give each once."
            raise CityPlanError(msg)
        found[ident] = folder
    if not found:
        msg = "Give at least one district bundle folder with --districts."
        raise CityPlanError(msg)
    return found


def submit_districts(
    app: Flask,
    districts: dict[str, Path],
    *,
    start: date,
    days: int,
    seed: int,
    time_limit: float | None,
) -> dict[str, int]:
    """Queue one job per district with its bundle packed in the database; return id -> job."""
    from web.db import Job, Plan, new_session
    from web.jobs.queue import INPUTS_FILE, job_cores
    from web.plans.store import pack_folder, store_job_file

    jobs: dict[str, int] = {}
    with new_session(app) as session:
        for ident, folder in districts.items():
            plan = Plan(
                title=f"{ident} {start.isoformat()} +{days}",
                district=ident,
                start=start.isoformat(),
                days=days,
                seed=seed,
                status="queued",
            )
            params = {
                "start": start.isoformat(),
                "days": days,
                "seed": seed,
                "time_limit": time_limit,
                "outputs": True,
                "cores": job_cores(app),
                "folder": str(folder.resolve()),
            }
            job = Job(plan=plan, params=json.dumps(params))
            session.add_all([plan, job])
            session.flush()
            store_job_file(session, job.id, INPUTS_FILE, pack_folder(folder))
            jobs[ident] = job.id
        session.commit()
    return jobs


def _states(app: Flask, jobs: dict[str, int]) -> dict[str, tuple[str, str, str]]:
    """Return district id -> (status, stage, message) of its job."""
    from web.db import Job, new_session

    out = {}
    with new_session(app) as session:
        for ident, job_id in jobs.items():
            job = session.get(Job, job_id)
            out[ident] = (
                ("failed", "", "the job is gone")
                if job is None
                else (job.status, job.stage, job.message)
            )
    return out


def collect(app: Flask, jobs: dict[str, int], out: Path) -> None:
    """Wait for the jobs, showing progress; unpack each finished district into ``out/<id>/``."""
    from tqdm import tqdm

    from web.db import new_session
    from web.jobs.queue import OUTPUTS_FILE
    from web.plans.store import read_job_file, unpack_folder

    left = dict(jobs)
    failed: list[str] = []
    with tqdm(total=len(jobs), desc="districts", unit="plan", file=sys.stderr) as bar:
        while left:
            states = _states(app, left)
            running = sorted(i for i, s in states.items() if s[0] == "running")
            bar.set_postfix_str(", ".join(f"{i}:{states[i][1]}" for i in running)[:60])
            for ident, (status, _stage, message) in states.items():
                if status not in ("done", "failed", "cancelled"):
                    continue
                del left[ident]
                bar.update(1)
                if status != "done":
                    failed.append(ident)
                    tqdm.write(f"{ident}: {status}: {message}", file=sys.stderr)
                    continue
                with new_session(app) as session:
                    packed = read_job_file(session, jobs[ident], OUTPUTS_FILE)
                if packed is None:
                    failed.append(ident)
                    tqdm.write(f"{ident}: the job kept no outputs.", file=sys.stderr)
                    continue
                unpack_folder(packed, out / ident)
                tqdm.write(f"{ident}: plan written to {out / ident}", file=sys.stderr)
            if left:
                time.sleep(POLL_SECONDS)
    done = len(jobs) - len(failed)
    click.echo(f"{done} of {len(jobs)} districts planned into {out}.")
    if failed:
        click.echo(f"Not planned: {', '.join(sorted(failed))}.", err=True)
        sys.exit(1)


@click.group("city")
def city() -> None:
    """Plan many districts of a city at once."""


@city.command("plan")
@click.option(
    "--districts",
    "first",
    required=True,
    help="District bundle folders, one or more (the words after --districts).",
)
@click.argument("more", nargs=-1)
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--days", type=click.IntRange(1, 62), required=True, help="Days to plan (1-62).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every plan.")
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 3600),
    default=None,
    help="Seconds of solving of each district in all (default: the default budget).",
)
@click.option(
    "--wait",
    is_flag=True,
    help="With a broker: wait for the workers and write the outputs (without one, always).",
)
@with_appcontext
def city_plan_command(
    first: str,
    more: tuple[str, ...],
    start: str,
    days: int,
    out: Path,
    seed: int,
    time_limit: float | None,
    wait: bool,
) -> None:
    """Plan DAYS days for each district and write its outputs to OUT/<district id>/."""
    from web.commands.plan import _date, _out_dir
    from web.jobs.queue import broker_url, run_job

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    districts = district_folders((first, *more))
    first_day = _date(start, "--start")
    out = _out_dir(out)
    jobs = submit_districts(
        app, districts, start=first_day, days=days, seed=seed, time_limit=time_limit
    )
    if broker_url(app):
        from web.jobs.celery_worker import send_job

        for job_id in jobs.values():
            send_job(app, job_id)
        click.echo(f"Sent {len(jobs)} districts to the workers (jobs {_ids(jobs)}).")
        if not wait:
            click.echo("The plans appear in the web app's plan list as the workers finish.")
            return
    else:
        click.echo(f"Planning {len(jobs)} districts in this process (jobs {_ids(jobs)}).")
        for ident, job_id in jobs.items():
            status = run_job(app, job_id, stored=True)
            click.echo(f"{ident}: {status}", err=True)
    collect(app, jobs, out)


def _ids(jobs: dict[str, int]) -> str:
    ids = sorted(jobs.values())
    return f"{ids[0]}-{ids[-1]}" if len(ids) > 1 else str(ids[0])


def city_overview(app: Flask, on: date) -> list[dict[str, object]]:
    """Return, per district with a ready plan, the plan in force on ``on`` and its figures.

    The plan in force is the district's published plan whose horizon holds ``on``. A district
    without one shows its newest ready plan holding ``on`` (a draft nobody has published yet),
    else its newest ready plan; ``in_force`` is then false and ``state`` says why. Figures:
    gate windows with someone at the gate, the share of back-alley km patrolled on an average
    day, and key areas whose needed dose is planned.
    """
    from datetime import timedelta

    from sqlalchemy import select

    from web.db import Plan, new_session
    from web.plans.store import load_document

    with new_session(app) as session:
        rows = session.scalars(
            select(Plan).where(Plan.status == "ready").order_by(Plan.id.desc())
        ).all()

    def holds(row: Plan) -> bool:
        first = date.fromisoformat(row.start)
        return first <= on < first + timedelta(days=row.days)

    def rank(row: Plan) -> tuple[bool, bool, int]:
        return (holds(row) and row.state == "published", holds(row), row.id)

    chosen: dict[str, Plan] = {}
    for row in rows:
        current = chosen.get(row.district)
        if current is None or rank(row) > rank(current):
            chosen[row.district] = row
    out: list[dict[str, object]] = []
    for ident in sorted(chosen):
        row = chosen[ident]
        doc = load_document(app, row)
        figures = {f.key: f for f in (doc.quality.figures if doc.quality else ())}
        gates = figures.get("gate_windows_covered")
        alleys = figures.get("alley_km_share_day_mean")
        areas = [c for c in doc.coverage if c.level == "area" and c.needed_minutes > 0]
        met = sum(1 for c in areas if c.planned_minutes >= c.needed_minutes)
        out.append(
            {
                "district": ident,
                "plan": row.id,
                "start": row.start,
                "days": row.days,
                "state": row.state,
                "in_force": holds(row) and row.state == "published",
                "gate_windows_covered": None if gates is None else gates.value,
                "gate_windows": None if gates is None else gates.of,
                "alley_km_share": None if alleys is None else alleys.value,
                "areas_dose_met": met,
                "areas_with_dose": len(areas),
            }
        )
    return out


@city.command("overview")
@click.option("--on", "on", default=None, help="The day to show plans in force on (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def city_overview_command(on: str | None, as_json: bool) -> None:
    """Show each district's plan in force: gate windows covered, alleys patrolled, coverage."""
    from web.commands.plan import _date

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    day = date.today() if on is None else _date(on, "--on")
    rows = city_overview(app, day)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("No district has a ready plan yet.")
        return
    click.echo(f"{'district':<16} {'plan':>5} {'from':<10} {'days':>4}  {'gates':>9}  "
               f"{'alleys':>6}  {'areas met':>10}")  # fmt: skip
    for r in rows:
        gates = "-"
        if r["gate_windows"] is not None:
            gates = f"{r['gate_windows_covered']:g}/{r['gate_windows']:g}"
        alleys = "-" if r["alley_km_share"] is None else f"{r['alley_km_share']:.0%}"
        mark = ""
        if not r["in_force"]:
            mark = "  (not in force)" if r["state"] == "published" else f"  ({r['state']})"
        click.echo(
            f"{r['district']:<16} {r['plan']:>5} {r['start']:<10} {r['days']:>4}  {gates:>9}  "
            f"{alleys:>6}  {r['areas_dose_met']:>4}/{r['areas_with_dose']:<5}{mark}"
        )
