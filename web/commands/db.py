"""The `patrol db` commands: show and upgrade the schema revision of the web app's database."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("db")
def db() -> None:
    """Show and upgrade the web app's database schema (migrations); prune old job files.

    The app upgrades its database when it starts unless DATABASE_UPGRADE (or the environment
    variable PATROL_DATABASE_UPGRADE) is off; then `patrol db upgrade` does it.
    """


def _describe(revision: str | None, head: str, made_before_migrations: bool) -> str:
    """Return how ``revision`` stands against ``head``, in words."""
    if revision is None:
        if made_before_migrations:
            return f"no revision (made before migrations; head is {head}, run patrol db upgrade)"
        return f"no revision (empty database; head is {head})"
    if revision == head:
        return f"{revision} (head)"
    return f"{revision} (head is {head}; run patrol db upgrade)"


@db.command("current")
@with_appcontext
def current_command() -> None:
    """Print the database's URL (password hidden) and its schema revision."""
    from sqlalchemy import inspect

    from web.db import engine_of
    from web.migrations import FIRST_TABLES, current_revision, head_revision, safe_url

    engine = engine_of(current_app)
    revision = current_revision(engine)
    before = False
    if revision is None:
        with engine.connect() as connection:
            before = inspect(connection).has_table(FIRST_TABLES[0])
    click.echo(f"{safe_url(engine)}: {_describe(revision, head_revision(), before)}")
    started = current_app.extensions.get("patrol_db_migration")
    if started is not None and started.changed:
        click.echo(f"(upgraded from {started.before or 'no revision'} when the app started)")


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Upgrade the database to REVISION (default: head, the newest), keeping its rows."""
    from web.db import engine_of
    from web.migrations import head_revision, safe_url, upgrade_database

    engine = engine_of(current_app)
    done = upgrade_database(engine, revision)
    started = current_app.extensions.get("patrol_db_migration")
    if started is not None and started.changed:  # the app upgraded it while starting
        before, adopted = started.before, started.adopted
    else:
        before, adopted = done.before, done.adopted
    after = done.after
    where = safe_url(engine)
    label = f"{after} (head)" if after == head_revision() else str(after)
    if adopted is not None and adopted == after:
        click.echo(f"Stamped the database {where}, made before migrations, as {label}.")
    elif adopted is not None:
        click.echo(
            f"Stamped the database {where}, made before migrations, as {adopted} "
            f"and upgraded it to {label}."
        )
    elif before != after:
        click.echo(f"Upgraded the database {where} from {before or 'empty'} to {label}.")
    else:
        click.echo(f"The database {where} is already at {label}.")


@db.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.FloatRange(min=0),
    default=14.0,
    show_default=True,
    help="Keep the inputs and outputs of jobs finished within this many days.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, delete nothing.")
@with_appcontext
def prune_command(days: float, dry_run: bool) -> None:
    """Delete old jobs' inputs.zip and outputs.zip from the database; keep every plan.json.

    Run it after `patrol city plan --wait` has unpacked the outputs, e.g. weekly from cron.
    """
    from datetime import timedelta

    from web.db import new_session
    from web.jobs.files_prune import prune_job_files

    with new_session(current_app) as session:
        report = prune_job_files(session, timedelta(days=days), dry_run=dry_run)
    click.echo(report.sentence())
