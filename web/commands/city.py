"""The `patrol city plan` command: plan many districts at once, on workers or in process.

Each district becomes a planning job in the database with its bundle packed in it
(:data:`web.jobs.INPUTS_FILE`). With ``PATROL_BROKER_URL`` set the jobs go to the Celery
workers (``patrol worker``); without it they run one after another in this process, through
the same code. With ``--wait`` (always, in process) each district's outputs, as
``patrol plan`` writes them, are unpacked into ``OUT/<district id>/``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from geodata.errors import InputError

if TYPE_CHECKING:
    from datetime import date

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
    from web.jobs import INPUTS_FILE, job_cores
    from web.plan_store import pack_folder, store_job_file

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
    from web.jobs import OUTPUTS_FILE
    from web.plan_store import read_job_file, unpack_folder

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
    from web.jobs import broker_url, run_job

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    districts = district_folders((first, *more))
    first_day = _date(start, "--start")
    out = _out_dir(out)
    jobs = submit_districts(
        app, districts, start=first_day, days=days, seed=seed, time_limit=time_limit
    )
    if broker_url(app):
        from web.celery_worker import send_job

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
