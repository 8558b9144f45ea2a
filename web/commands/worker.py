"""The `patrol worker` command: a Celery worker that runs planning jobs from the broker."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from geodata.errors import InputError


class WorkerSetupError(InputError):
    """A worker that cannot start as asked (one sentence saying why)."""


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=None,
    help="Jobs run at once, one pool process each (default: the machine's cores divided by "
    "the cores of a job, PATROL_JOB_CORES, default 1).",
)
@click.option(
    "--loglevel",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help="Level of the worker's log on stderr.",
)
@with_appcontext
def worker_command(concurrency: int | None, loglevel: str) -> None:
    """Run planning jobs from the Celery broker PATROL_BROKER_URL until stopped.

    The worker reads each job's district data from the database (PATROL_DATABASE_URL) and
    writes the plan back there; it needs no access to the web server's files.
    """
    from web.db import engine_of
    from web.jobs.celery_worker import start_worker
    from web.jobs.queue import broker_url, job_cores

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not broker_url(app):
        msg = "patrol worker needs a broker: set PATROL_BROKER_URL, e.g. redis://127.0.0.1:6379/0."
        raise WorkerSetupError(msg)
    cores = job_cores(app)
    machine = os.cpu_count() or 1
    n = concurrency or max(1, machine // cores)
    if n * cores > machine:
        click.echo(
            f"Warning: {n} jobs of {cores} core(s) each ask for {n * cores} cores; "
            f"this machine has {machine}.",
            err=True,
        )
    engine_of(app).dispose()  # pool processes are forked: leave them no open connection
    start_worker(app, n, loglevel=loglevel.upper())
