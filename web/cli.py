"""The `patrol` command: a Flask CLI group that serves, plans and imports."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import FlaskGroup

from geodata.errors import InputError
from web import create_app
from web.commands import COMMANDS


class PatrolGroup(FlaskGroup):
    """Flask CLI group that turns bad input into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; report an :class:`InputError` in one line, without a traceback."""
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except FileNotFoundError as exc:
            click.echo(f"Error: file not found: {exc.filename}", err=True)
            sys.exit(2)


def _register(group: click.Group) -> None:
    """Add every sub-command module's commands to ``group``."""
    for command in COMMANDS:
        group.add_command(command)


@click.group(cls=PatrolGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Plan patrol rosters, routes and coverage for a district."""


_register(cli)


def main() -> None:
    """Entry point of the `patrol` console script."""
    cli(prog_name="patrol")
